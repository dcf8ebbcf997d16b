/**
 * One zod schema per client-to-server event: the server validates every payload with
 * these before anything else runs, and the payload types are inferred from them.
 */
import { z } from 'zod';
import { LIMITS } from '../room';
import { cleanText, reservedId, type TextNoun } from '../text';
import { settingsSchema } from './settings-schema';
import { questionSpec } from './session-file';
import { CHECKPOINT_LIMITS } from '../checkpoint-state';
import { MULTI_COMMAND_PAYLOADS } from '../multi/schemas';
import { HISTORY_EVENTS_MAX, HISTORY_TEXT_MAX, PROTOCOL_VERSION, ROOM_CODE_ALPHABET, ROOM_CODE_LENGTH, type ClientEventName } from './types';

const roomCode = z
  .string()
  .transform((s) => s.trim().toUpperCase())
  .pipe(z.string().regex(new RegExp(`^[${ROOM_CODE_ALPHABET}]{${ROOM_CODE_LENGTH}}$`), 'a room code is 6 letters and digits'));
/** Names and values as a person typed them: NFC, trimmed, whitespace collapsed, nothing hidden, lengths in user-perceived characters. */
function typedText(max: number, noun: TextNoun) {
  return z.string().transform((raw, ctx) => {
    const cleaned = cleanText(raw, max, noun);
    if (cleaned.ok) return cleaned.text;
    ctx.addIssue({ code: 'custom', message: cleaned.problem });
    return z.NEVER;
  });
}
const displayName = typedText(LIMITS.nameLengthMax, 'a name');
const value = typedText(LIMITS.valueLengthMax, 'a value');
const nodeId = z.string().min(1).max(64).refine((id) => !reservedId(id), 'not a node id of this room');
const token = z.string().min(16).max(128);
/** A join's id, drawn by the page: 16 to 64 letters, digits, `-` or `_`. */
const joinId = z
  .string()
  .max(64)
  .regex(/^[A-Za-z0-9_-]{16,64}$/, 'a join id is 16 to 64 letters, digits, - or _');
const messageId = z.number().int().positive();
const version = z.literal(PROTOCOL_VERSION, { error: `this server speaks protocol version ${PROTOCOL_VERSION}; reload the page` });
const targets = z.union([z.literal('all'), z.array(nodeId).min(1).max(LIMITS.nodesMax)]);

/** Client-to-server events and their payload schemas. */
export const CLIENT_EVENTS = {
  /** Join a room by code as a student (one node) or an observer (read-only). */
  'room:join': z.strictObject({
    v: version,
    code: roomCode,
    name: displayName,
    role: z.enum(['student', 'observer']),
    /** Drawn by the page and sent again with its retries: a retry gets the session the join made. */
    joinId: joinId.optional(),
  }),
  /** The page has the session its `room:join` with a `joinId` answered: the join stands. */
  'room:confirm': z.strictObject({}),
  /** Come back with a session token: after a refresh, a lost connection or a server restart. */
  'room:resume': z.strictObject({
    v: version,
    token,
    lastSeq: z.number().int().nonnegative(),
    /** The timeline the client's copy belongs to; a different one gets the whole active timeline. */
    branch: z.number().int().nonnegative().optional(),
  }),
  /** Older events of the active timeline, `from..to`; with `text`, as whole records with their annotated lines. */
  'room:history': z
    .strictObject({ from: z.number().int().positive(), to: z.number().int().positive(), text: z.boolean().optional() })
    .refine((p) => p.from <= p.to, 'from must not be after to')
    .refine((p) => p.to - p.from < (p.text ? HISTORY_TEXT_MAX : HISTORY_EVENTS_MAX), `ask for at most ${HISTORY_EVENTS_MAX} events at once (${HISTORY_TEXT_MAX} with text)`),
  /** Start a new proposal (initNewProposal). `node` is for the instructor acting for a node. */
  'node:propose': z.strictObject({ node: nodeId.optional(), value: value.nullable().optional() }),
  'node:promise': z.strictObject({ node: nodeId.optional(), to: targets }),
  /** `slot`: Multi-Paxos rooms only, the one slot to send. */
  'node:accept': z.strictObject({ node: nodeId.optional(), to: targets, slot: MULTI_COMMAND_PAYLOADS['node:accept'].shape.slot }),
  /** Answer a request in the inbox (acceptor mode "students decide"). */
  'node:answer': z.strictObject({ node: nodeId.optional(), id: messageId, yes: z.boolean() }),
  /** Multi-Paxos: start leading with a new ballot. */
  'node:lead': MULTI_COMMAND_PAYLOADS['node:lead'],
  /** Multi-Paxos: a client command (`set x 3`, `get x`) for the node, the leader. */
  'node:submit': MULTI_COMMAND_PAYLOADS['node:submit'],
  /**
   * The student's page runs a learner's own program for its node (`running`), it failed there
   * (`failed`), or it stopped (`off`). Only that: the program's text never leaves the page.
   */
  'node:program': z.strictObject({ node: nodeId.optional(), status: z.enum(['running', 'failed', 'off']) }),
  'node:crash': z.strictObject({ node: nodeId }),
  'node:recover': z.strictObject({ node: nodeId }),
  'net:deliver': z.strictObject({ id: messageId }),
  'net:drop': z.strictObject({ id: messageId }),
  'net:duplicate': z.strictObject({ id: messageId }),
  'net:cut': z.strictObject({ a: nodeId, b: nodeId }),
  'net:heal': z.strictObject({ a: nodeId, b: nodeId }),
  /** Deliver every message in flight that can arrive (or those from or to one node), oldest first or in a random order. */
  'net:deliverAll': z.strictObject({ from: nodeId.optional(), to: nodeId.optional(), random: z.boolean().optional() }),
  'net:dropAll': z.strictObject({ from: nodeId.optional(), to: nodeId.optional() }),
  /** Cut every link between groups of nodes. */
  'net:partition': z.strictObject({ groups: z.array(z.array(nodeId).min(1).max(LIMITS.nodesMax)).min(2).max(LIMITS.nodesMax) }),
  'net:healAll': z.strictObject({}),
  'room:settings': z.strictObject({ settings: settingsSchema }),
  'room:round': z.strictObject({}),
  'room:lock': z.strictObject({ locked: z.boolean() }),
  'participant:rename': z.strictObject({ node: nodeId, name: displayName }),
  /** Remove a node (and the student who holds it), or any participant by the `id` presence lists. */
  'participant:remove': z
    .strictObject({ node: nodeId.optional(), id: z.string().regex(/^[0-9a-f]{16}$/, 'a participant id is 16 hex digits').optional() })
    .refine((p) => (p.node === undefined) !== (p.id === undefined), 'name either node or id'),
  /** One bot, optionally named, or `count` bots named Bot K. */
  'bot:add': z
    .strictObject({ name: displayName.optional(), count: z.number().int().min(1).max(50).optional() })
    .refine((p) => p.name === undefined || (p.count ?? 1) === 1, 'give a name to one bot at a time'),
  /** Present the log at `seq` to everyone; null releases them. */
  'replay:present': z.strictObject({ seq: z.number().int().nonnegative().nullable() }),
  /** Fork a what-if branch of the active timeline after event `seq`; it becomes the active one. */
  'branch:fork': z.strictObject({ seq: z.number().int().nonnegative(), name: typedText(40, 'a timeline name') }),
  /** Play on another timeline; none is ever truncated. */
  'branch:switch': z.strictObject({ id: z.number().int().nonnegative() }),
  /** A read-only link to the room's recorded session (the same link until revoked). */
  'share:create': z.strictObject({}),
  /** Revokes the replay link: its viewers are disconnected and it opens nothing any more. */
  'share:revoke': z.strictObject({}),
  /** Ask the class a question about the room now, or about the moment being presented. */
  'checkpoint:open': z.strictObject({
    spec: questionSpec,
    seconds: z.number().int().min(CHECKPOINT_LIMITS.secondsMin).max(CHECKPOINT_LIMITS.secondsMax).optional(),
  }),
  /** A student's answer to the open question, locked in: an option's index. */
  'checkpoint:answer': z.strictObject({ id: z.number().int().positive(), option: z.number().int().min(0).max(CHECKPOINT_LIMITS.optionsMax - 1) }),
  /** Close the open question: the answers held go into the log. */
  'checkpoint:close': z.strictObject({ id: z.number().int().positive() }),
  /** Show a question's right answer (closing it first); `answer` marks a free question's; `play` then plays the step it asks about. */
  'checkpoint:reveal': z.strictObject({
    id: z.number().int().positive(),
    answer: z.number().int().min(0).max(CHECKPOINT_LIMITS.optionsMax - 1).optional(),
    play: z.boolean().optional(),
  }),
  /** The class analytics (the instructor), or one's own (a student). */
  'room:analytics': z.strictObject({}),
} as const satisfies Record<ClientEventName, z.ZodType>;

/** The payload of client event `E`, as its schema parses it. */
export type ClientPayload<E extends ClientEventName> = z.infer<(typeof CLIENT_EVENTS)[E]>;

/** `bad-request` message for a zod error: names the field and what is wrong with it. */
export function describeIssues(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'The request is malformed.';
  const field = issue.path.length ? issue.path.join('.') : 'payload';
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem${error.issues.length > 2 ? 's' : ''})` : '';
  // A message quotes what was sent (an unknown key, say): never more than a line of it.
  const message = issue.message.length > 200 ? `${issue.message.slice(0, 200)}…` : issue.message;
  return `Bad ${field.length > 100 ? `${field.slice(0, 100)}…` : field}: ${message}${more}.`;
}

export { settingsSchema } from './settings-schema';
export { kvCommandSchema, MULTI_COMMAND_PAYLOADS } from '../multi/schemas';
export * from './session-file';
