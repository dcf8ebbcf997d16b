/**
 * The classroom's wire protocol: one zod schema per socket.io event, the payloads the
 * server sends, and the error codes of acks. The schemas are the single source of the
 * types (`z.infer`), and the server validates every payload with them before anything
 * else runs. docs/PROTOCOL.md documents every event for people writing a client.
 */
import { z } from 'zod';
import { REFUSAL_CODES, LIMITS, type RoomEvent } from '../room';
import { QUORUM_MAX } from '../settings';
import type { ChosenValue, Violation } from '../monitor';

/** Bumped on any change a client must know about; `room:join` and `room:resume` check it. */
export const PROTOCOL_VERSION = 1;

/** Room codes: six characters that cannot be confused when read aloud or copied (no 0/O, 1/l/I). */
export const ROOM_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const ROOM_CODE_LENGTH = 6;

const roomCode = z
  .string()
  .transform((s) => s.trim().toUpperCase())
  .pipe(z.string().regex(new RegExp(`^[${ROOM_CODE_ALPHABET}]{${ROOM_CODE_LENGTH}}$`), 'a room code is 6 letters and digits'));
const displayName = z
  .string()
  .transform((s) => s.trim().replace(/\s+/g, ' '))
  .pipe(z.string().min(1, 'a name needs at least 1 character').max(LIMITS.nameLengthMax, `a name has at most ${LIMITS.nameLengthMax} characters`));
const value = z.string().min(1).max(LIMITS.valueLengthMax, `a value has at most ${LIMITS.valueLengthMax} characters`);
const nodeId = z.string().min(1).max(64);
const token = z.string().min(16).max(128);
const messageId = z.number().int().positive();
const version = z.literal(PROTOCOL_VERSION, { error: `this server speaks protocol version ${PROTOCOL_VERSION}; reload the page` });
const targets = z.union([z.literal('all'), z.array(nodeId).min(1).max(LIMITS.nodesMax)]);
const quorum = z.union([z.literal('majority'), z.number().int().min(1).max(QUORUM_MAX)]);

/** Client-to-server events and their payload schemas. */
export const CLIENT_EVENTS = {
  /** Join a room by code as a student (one node) or an observer (read-only). */
  'room:join': z.strictObject({
    v: version,
    code: roomCode,
    name: displayName,
    role: z.enum(['student', 'observer']),
  }),
  /** Come back with a session token: after a refresh, a lost connection or a server restart. */
  'room:resume': z.strictObject({
    v: version,
    token,
    lastSeq: z.number().int().nonnegative(),
  }),
  /** Start a new proposal (initNewProposal). `node` is for the instructor acting for a node. */
  'node:propose': z.strictObject({ node: nodeId.optional(), value: value.nullable().optional() }),
  'node:promise': z.strictObject({ node: nodeId.optional(), to: targets }),
  'node:accept': z.strictObject({ node: nodeId.optional(), to: targets }),
  /** Answer a request in the inbox (acceptor mode "students decide"). */
  'node:answer': z.strictObject({ node: nodeId.optional(), id: messageId, yes: z.boolean() }),
  'node:crash': z.strictObject({ node: nodeId }),
  'node:recover': z.strictObject({ node: nodeId }),
  'net:deliver': z.strictObject({ id: messageId }),
  'net:drop': z.strictObject({ id: messageId }),
  'net:duplicate': z.strictObject({ id: messageId }),
  'net:cut': z.strictObject({ a: nodeId, b: nodeId }),
  'net:heal': z.strictObject({ a: nodeId, b: nodeId }),
  'room:settings': z.strictObject({
    settings: z.strictObject({
      q1: quorum.optional(),
      q2: quorum.optional(),
      ballots: z.enum(['plain', 'unique']).optional(),
      delivery: z.enum(['instant', 'queued']).optional(),
      acceptorMode: z.enum(['rules', 'students']).optional(),
      rules: z
        .strictObject({
          ignoreAcceptedValue: z.boolean().optional(),
          acceptWithoutQuorum: z.boolean().optional(),
          forgetOnCrash: z.boolean().optional(),
          breakPromises: z.boolean().optional(),
        })
        .optional(),
    }),
  }),
  'room:round': z.strictObject({}),
  'room:lock': z.strictObject({ locked: z.boolean() }),
  'participant:rename': z.strictObject({ node: nodeId, name: displayName }),
  'participant:remove': z.strictObject({ node: nodeId }),
  'bot:add': z.strictObject({ name: displayName.optional() }),
} as const;

export type ClientEventName = keyof typeof CLIENT_EVENTS;
export type ClientPayload<E extends ClientEventName> = z.infer<(typeof CLIENT_EVENTS)[E]>;

/** Events only the room's instructor may send. */
export const INSTRUCTOR_EVENTS: readonly ClientEventName[] = [
  'node:crash',
  'node:recover',
  'net:deliver',
  'net:drop',
  'net:duplicate',
  'net:cut',
  'net:heal',
  'room:settings',
  'room:round',
  'room:lock',
  'participant:rename',
  'participant:remove',
  'bot:add',
];

/** Events a student sends for its own node. */
export const NODE_EVENTS: readonly ClientEventName[] = ['node:propose', 'node:promise', 'node:accept', 'node:answer'];

/** Error codes of the protocol itself; a refused command answers with the core's own code. */
export const PROTOCOL_ERROR_CODES = [
  'bad-request',
  'protocol-version',
  'unknown-event',
  'not-joined',
  'already-joined',
  'forbidden',
  'rate-limited',
  'room-not-found',
  'room-locked',
  'room-full',
  'log-full',
  'bad-token',
  'server-error',
  'not-found',
] as const;

export type ProtocolErrorCode = (typeof PROTOCOL_ERROR_CODES)[number];
export type ErrorCode = ProtocolErrorCode | (typeof REFUSAL_CODES)[number];

export interface AckError {
  readonly code: ErrorCode;
  /** A sentence that tells the person what happened and what to do. */
  readonly message: string;
}

export type Ack<T extends object = object> = ({ readonly ok: true } & T) | { readonly ok: false; readonly error: AckError };

export type Role = 'instructor' | 'student' | 'observer';

/** One event of the room's log as the server sends it: the event and its annotated text. */
export interface LogRecord {
  readonly seq: number;
  /** Server clock when the event was committed, in ms since the epoch. */
  readonly at: number;
  readonly event: RoomEvent;
  /** The notebook's lines, as the shared core prints them. */
  readonly lines: readonly string[];
  readonly explanation: string;
  /** Values the safety monitor saw chosen at this event. */
  readonly chosen: readonly ChosenValue[];
  /** Safety violations the monitor found at this event. */
  readonly violations: readonly Violation[];
}

export interface ParticipantInfo {
  /** The node this participant controls (null for the instructor and observers). */
  readonly node: string | null;
  readonly name: string;
  readonly role: Role | 'bot';
  readonly online: boolean;
}

export interface RoomInfo {
  readonly code: string;
  readonly locked: boolean;
  readonly participants: readonly ParticipantInfo[];
}

/** What `room:join` and `room:resume` answer with. */
export interface SessionInfo {
  readonly token: string;
  readonly role: Role;
  readonly code: string;
  readonly node: string | null;
  readonly name: string;
  /** Every event after the `lastSeq` the client sent (all of them on a first join), in order. */
  readonly records: readonly LogRecord[];
  readonly room: RoomInfo;
  readonly protocolVersion: number;
}

/** Acks of commands: the sequence numbers of the events the command appended. */
export interface CommandResult {
  readonly seqs: readonly number[];
}

/** Server-to-client events. */
export interface ServerToClient {
  /** New events, in order, with no gaps: `records[0].seq` is one more than the last seq sent. */
  'room:records': (payload: { readonly records: readonly LogRecord[] }) => void;
  /** Who is in the room and online, and whether joining is locked. */
  'room:presence': (payload: RoomInfo) => void;
  /** This session ended: removed by the instructor, or the room expired. Forget the token. */
  'session:ended': (payload: { readonly reason: 'removed' | 'expired'; readonly message: string }) => void;
}

/** The response of `POST /api/rooms`. */
export interface CreatedRoom {
  readonly code: string;
  readonly instructorToken: string;
  readonly joinUrl: string;
  /** The join link as a QR code, an SVG document. */
  readonly qrSvg: string;
}

/** `bad-request` message for a zod error: names the field and what is wrong with it. */
export function describeIssues(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'The request is malformed.';
  const field = issue.path.length ? issue.path.join('.') : 'payload';
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem${error.issues.length > 2 ? 's' : ''})` : '';
  return `Bad ${field}: ${issue.message}${more}.`;
}
