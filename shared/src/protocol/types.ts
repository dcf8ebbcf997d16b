/**
 * The classroom's wire protocol, as types and constants with no runtime dependency:
 * what the browser needs. The zod schemas that validate payloads, and the payloads' types
 * (`ClientPayload`), are in `schemas.ts` (`@toy-paxos/shared/protocol`), which only the
 * server loads. docs/protocol/
 * documents every event for people writing a client.
 */
import type { ChosenValue, Violation } from '../monitor';
import type { REFUSAL_CODES, RoomEvent, RoomState } from '../room';
import type { RoomSettings } from '../settings';
import type { LineKind } from '../log-lines';
import type { ClassAnalytics } from '../replay/analytics';

/** Bumped on any change a client must know about; `room:join` and `room:resume` check it. */
export const PROTOCOL_VERSION = 5;

/** At most this many records in a join's or resume's answer (and a `room:timeline`): the newest ones, after a `base` state. */
export const RECENT_RECORDS = 200;
/**
 * And at most about this many characters of them, as JSON: past it, only the newest that fit
 * (always at least one), so that what a join, a resume or a switch of timeline costs to send
 * is bounded whatever the room's entries hold (a deliver-all to 400 nodes is thousands of lines).
 * 120,000: with a base state and a bulk delivery's lines folded (log-lines.ts), a join to a
 * class of 40 after three rounds stays under 150 kB, 3 s at 400 kbit/s, on a phone's network.
 */
export const RECENT_CHARS_MAX = 120_000;
/** At most this many events in one `room:history` answer without text, and `HISTORY_TEXT_MAX` with. */
export const HISTORY_EVENTS_MAX = 5000;
export const HISTORY_TEXT_MAX = 1000;

/** Room codes: six characters that cannot be confused when read aloud or copied (no 0/O, 1/l/I). */
export const ROOM_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const ROOM_CODE_LENGTH = 6;

/** Every client-to-server event, in the order docs/protocol/commands.md lists them. */
export const CLIENT_EVENT_NAMES = [
  'room:join',
  'room:confirm',
  'room:resume',
  'room:history',
  'node:propose',
  'node:promise',
  'node:accept',
  'node:answer',
  'node:lead',
  'node:submit',
  'node:program',
  'node:crash',
  'node:recover',
  'net:deliver',
  'net:drop',
  'net:duplicate',
  'net:cut',
  'net:heal',
  'net:deliverAll',
  'net:dropAll',
  'net:partition',
  'net:healAll',
  'room:settings',
  'room:round',
  'room:lock',
  'participant:rename',
  'participant:remove',
  'bot:add',
  'replay:present',
  'branch:fork',
  'branch:switch',
  'share:create',
  'share:revoke',
  'checkpoint:open',
  'checkpoint:answer',
  'checkpoint:close',
  'checkpoint:reveal',
  'room:analytics',
] as const;

export type ClientEventName = (typeof CLIENT_EVENT_NAMES)[number];

/** Events a student sends for its own node. */
export const NODE_EVENTS: readonly ClientEventName[] = ['node:propose', 'node:promise', 'node:accept', 'node:answer', 'node:lead', 'node:submit', 'node:program'];

/** Events a student sends for itself, not for its node: its answer to the open question. */
export const STUDENT_EVENTS: readonly ClientEventName[] = ['checkpoint:answer'];

/** Events that start a session, and the page's word that it has the one its join made; every role may send them. */
export const SESSION_EVENTS: readonly ClientEventName[] = ['room:join', 'room:confirm', 'room:resume'];

/** Events that read the room and change nothing; every role with a session may send them. */
export const READ_EVENTS: readonly ClientEventName[] = ['room:history', 'room:analytics'];

/** Events only the room's instructor may send: all the others. */
export const INSTRUCTOR_EVENTS: readonly ClientEventName[] = CLIENT_EVENT_NAMES.filter(
  (e) => !NODE_EVENTS.includes(e) && !STUDENT_EVENTS.includes(e) && !SESSION_EVENTS.includes(e) && !READ_EVENTS.includes(e),
);

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
  'store-unavailable',
  'not-found',
  'too-late',
] as const;

export type ProtocolErrorCode = (typeof PROTOCOL_ERROR_CODES)[number];
export type ErrorCode = ProtocolErrorCode | (typeof REFUSAL_CODES)[number];

export interface AckError {
  readonly code: ErrorCode;
  /** A sentence that tells the person what happened and what to do. */
  readonly message: string;
}

export type Ack<T extends object = object> = ({ readonly ok: true } & T) | { readonly ok: false; readonly error: AckError };

/** `viewer`: someone with the room's read-only replay link, which the instructor can revoke. */
export type Role = 'instructor' | 'student' | 'observer' | 'viewer';

/** One event of the room's log as the server sends it: the event and its annotated text. */
export interface LogRecord {
  readonly seq: number;
  /** Server clock when the event was committed, in ms since the epoch. */
  readonly at: number;
  readonly event: RoomEvent;
  /** The notebook's lines, as the shared core prints them; with `folded`, only the first of them. */
  readonly lines: readonly string[];
  /**
   * Present when the entry has more than `RECORD_LINES_MAX` lines (a bulk delivery to a large
   * class): `lines` holds its first few, this how many there are and their count by kind. A
   * client prints them all from the event and the state before it (`unfoldLines`).
   */
  readonly folded?: FoldedLines;
  readonly explanation: string;
  /** The nodes the event concerns, for a "mine" filter. */
  readonly nodes: readonly string[];
  /** Values the safety monitor saw chosen at this event. */
  readonly chosen: readonly ChosenValue[];
  /** Safety violations the monitor found at this event. */
  readonly violations: readonly Violation[];
}

/** A folded record's lines: how many the entry has, and those after the first counted by kind (log-lines.ts). */
export interface FoldedLines {
  readonly lines: number;
  readonly kinds: readonly LineKind[];
  /** Lines of kinds past the ones named. */
  readonly otherKinds: number;
}

export interface ParticipantInfo {
  /** Names the participant for `participant:remove` (null for bots and for nodes of an imported file, which no one holds). */
  readonly id: string | null;
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

/**
 * What changed in a room's presence since the last `room:presence` (or the join's answer):
 * fold it into the list with `applyPresenceChange` (presence.ts). A participant is named by
 * its node, or by its id when it has no node.
 */
export interface PresenceChange {
  /** Whether joining is locked, when that changed. */
  readonly locked?: boolean;
  /** Participants gone from the list (removed, or not on the active timeline any more). */
  readonly removed?: readonly string[];
  /** Participants new, changed or moved: each goes at index `at`, once `removed` are out, in this order. */
  readonly put?: readonly { readonly at: number; readonly participant: ParticipantInfo }[];
}

/** One timeline of a room: the main one (id 0), or a what-if branch. */
export interface BranchInfo {
  readonly id: number;
  readonly name: string;
  /** The timeline it was forked from (null for the main one). */
  readonly parent: number | null;
  /** It shares the parent's events 1..forkSeq. */
  readonly forkSeq: number;
  /** Events in this timeline, the shared ones included. */
  readonly length: number;
  /** When it was forked, in ms since the epoch (0 for the main timeline). */
  readonly createdAt: number;
}

/** The room's timelines and the one it plays on. */
export interface TimelineInfo {
  readonly active: number;
  readonly branches: readonly BranchInfo[];
}

/** What `room:join` and `room:resume` answer with. */
export interface SessionInfo {
  readonly token: string;
  readonly role: Role;
  readonly code: string;
  /** The title of the file the room was opened from (a scenario's `title` line, a session file's `title`), or null. */
  readonly title: string | null;
  readonly node: string | null;
  readonly name: string;
  /**
   * The events after the `lastSeq` the client sent, in order: all of them when there are
   * at most `RECENT_RECORDS`, else the newest `RECENT_RECORDS`, after `base`.
   */
  readonly records: readonly LogRecord[];
  /**
   * Null when `records` follow on from `lastSeq`. Otherwise the room's state after event
   * `records[0].seq - 1`: the client replaces its copy with this state and these records,
   * and fetches older events with `room:history` when it needs them.
   */
  readonly base: RoomState | null;
  readonly room: RoomInfo;
  /** The settings the room started with: the log folds from `initialRoomState(settings)`. */
  readonly settings: RoomSettings;
  /** The event the instructor is presenting, or null when everyone is free. */
  readonly presenting: number | null;
  /** The room's timelines; `records` belong to the active one. */
  readonly timeline: TimelineInfo;
  /** Where students join the room (the server's public address): every page shows this one. */
  readonly joinUrl: string;
  readonly protocolVersion: number;
  /** The question open now on the active timeline, if any: how many have answered, the time left, and this student's answer. */
  readonly checkpoint: CheckpointStatus | null;
}

/** The open question as the server holds it: the answers stay on the server until it closes. */
export interface CheckpointStatus {
  readonly id: number;
  /** How many students have answered so far (what they answered is not told). */
  readonly answered: number;
  /** Milliseconds of the countdown left when this was sent (0 once it has run out). */
  readonly remainingMs: number;
  /** This student's answer (an option's index), or null; always null for other roles. */
  readonly mine: number | null;
}

/** Acks of commands: the sequence numbers of the events the command appended. */
export interface CommandResult {
  readonly seqs: readonly number[];
  /** `share:create` only: the read-only replay link. */
  readonly link?: string;
  /** `checkpoint:answer` only: the open question with this student's answer locked in. */
  readonly checkpoint?: CheckpointStatus;
}

/** What `room:analytics` answers with: the whole class's for the instructor; a student's own answers and score only. */
export interface AnalyticsReply {
  readonly analytics: ClassAnalytics;
}

/** One event of the log without its text, as `room:history` sends it by default. */
export interface HistoryEvent {
  readonly seq: number;
  readonly at: number;
  readonly event: RoomEvent;
}

/** What `room:history` answers with. */
export interface HistoryPage {
  /** The timeline the events belong to: the active one when the server answered. */
  readonly branch: number;
  /** The room's state after event `from - 1`: fold `records` from it. */
  readonly base: RoomState;
  /** Events `from..to`, in order: `HistoryEvent`s, or whole `LogRecord`s when `text` was asked for. */
  readonly records: readonly (HistoryEvent | LogRecord)[];
}

/** Server-to-client events. */
export interface ServerToClient {
  /** New events, in order, with no gaps: `records[0].seq` is one more than the last seq sent. */
  'room:records': (payload: { readonly records: readonly LogRecord[] }) => void;
  /** What changed of who is in the room and online, and whether joining is locked (the whole list comes with the join's answer). */
  'room:presence': (payload: PresenceChange) => void;
  /**
   * The instructor presents the log at `seq` to everyone (null: released, back to live).
   * Screens follow the cursor; the room stays live beneath it.
   */
  'room:replay': (payload: { readonly seq: number | null }) => void;
  /**
   * The room now plays on another timeline (a branch was forked, or switched to):
   * replace your copy of the log with `records`: all of that timeline's events, or the
   * newest `RECENT_RECORDS` of them after the state `base` (as in `SessionInfo`).
   */
  'room:timeline': (payload: { readonly timeline: TimelineInfo; readonly records: readonly LogRecord[]; readonly base: RoomState | null }) => void;
  /** Another student answered the open question `id`: `answered` have answered it so far. */
  'checkpoint:answered': (payload: { readonly id: number; readonly answered: number }) => void;
  /** This session ended: removed by the instructor, or the room expired. Forget the token. */
  'session:ended': (payload: { readonly reason: 'removed' | 'expired' | 'revoked'; readonly message: string }) => void;
  /**
   * The server is closing this connection, not the session: it kept sending past its
   * budget (`flooding`), or the session opened more connections than it may (`replaced`).
   * Show the message; the token still works.
   */
  'connection:closed': (payload: { readonly reason: ConnectionClosedReason; readonly message: string }) => void;
}

/** Why the server closed a connection whose session goes on. */
export type ConnectionClosedReason = 'flooding' | 'replaced';

/** The response of `GET /api/rooms/:code`: public facts about a room, for a join page. */
export interface RoomSummary {
  readonly code: string;
  /** The title of the file the room was opened from, or null. */
  readonly title: string | null;
  readonly locked: boolean;
  /** Nodes in the room now (students and bots). */
  readonly nodes: number;
}

/** The response of `POST /api/rooms`. */
export interface CreatedRoom {
  readonly code: string;
  readonly instructorToken: string;
  readonly joinUrl: string;
  /** The join link as a QR code, an SVG document. */
  readonly qrSvg: string;
}

