/**
 * One classroom room in memory: its timelines (the main log and its what-if branches),
 * its participants and who of them is online, and the names and node ids it hands out;
 * and an imported log, built into a room a slice at a time. The classroom (classroom.ts)
 * decides what changes; a room holds it and applies it.
 */
import {
  annotateEvents,
  DEFAULT_SETTINGS,
  initialRoomState,
  nameKey,
  RECENT_CHARS_MAX,
  RECENT_RECORDS,
  RoomLog,
  takenNames,
  toLogRecord,
  uniqueNodeName,
  type LogRecord,
  type ParticipantInfo,
  type Role,
  type RoomEvent,
  type RoomInfo,
  type RoomState,
  type TimelineInfo,
} from '@toy-paxos/shared';
import { HeldAnswers } from './held-answers';
import { deflatedEvents } from './event-codec';
import type { TokenBucket } from './security';
import type { StoredBranch } from './store';

export interface Participant {
  readonly tokenHash: string;
  readonly role: Role;
  readonly node: string | null;
  name: string;
  readonly createdAt: number;
  /** How fast this member may still grow the log (made on its first command that needs it). */
  growth?: TokenBucket;
}

/**
 * When each event of a timeline was received, as runs: the events of one batch (or of an
 * import) share one time, so a long log needs a few numbers, not one per event.
 */
export class EventTimes {
  readonly #firstSeqs: number[] = [];
  readonly #ats: number[] = [];

  /** Events `firstSeq...` were received at `at` (appended in order). */
  add(firstSeq: number, at: number): void {
    if (this.#ats.at(-1) === at) return;
    this.#firstSeqs.push(firstSeq);
    this.#ats.push(at);
  }

  /** When event `seq` was received. */
  at(seq: number): number {
    let lo = 0;
    let hi = this.#firstSeqs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#firstSeqs[mid]! <= seq) lo = mid;
      else hi = mid - 1;
    }
    return this.#ats[lo] ?? 0;
  }

  /** The times of events `1..seq`, for a branch forked after `seq`. */
  prefix(seq: number): EventTimes {
    const copy = new EventTimes();
    for (let i = 0; i < this.#firstSeqs.length && this.#firstSeqs[i]! <= seq; i++) copy.add(this.#firstSeqs[i]!, this.#ats[i]!);
    return copy;
  }
}

/**
 * One timeline of a room: the main one (id 0), or a what-if branch forked from another.
 * It keeps its events compactly (sealed chunks, see event-codec.ts) and no text: a
 * record's notebook lines and explanation are made again by the shared core when asked
 * for, and they are the same bytes as when the event was appended.
 */
export interface Timeline {
  readonly meta: StoredBranch;
  readonly log: RoomLog;
  readonly times: EventTimes;
  /**
   * The newest records as they were annotated (at most `RECENT_RECORDS`, contiguous up to
   * the log's end), and the state before a window asked for lately: what every join and
   * resume sends, made once rather than once per join.
   */
  newest?: LogRecord[];
  base?: RoomState;
  /** How many of the log's events are on disk; the rest wait for the commit in progress. */
  committed: number;
}

/** The part of a log a page gets first: the state before its first record, and the records up to the newest. */
export interface RecentLog {
  /** The state after event `records[0].seq - 1`, when the records do not start where the client's copy ends; else null. */
  readonly base: RoomState | null;
  readonly records: LogRecord[];
}

/** How long a join's id is kept, and how many a room keeps at most (the oldest go first). */
export const JOIN_IDS_KEPT_MS = 10 * 60 * 1000;
export const JOIN_IDS_MAX = 1000;

/**
 * The joins made lately with a join id (`room:join`'s `joinId`, which a page draws and sends
 * again when it retries), and the session each made: a retry gets that session again, not
 * a second node. The token is kept only here, in memory, and only for a while; a join id is
 * a secret of the page that drew it, as hard to guess as a token.
 */
export class RecentJoins {
  readonly #joins = new Map<string, { readonly tokenHash: string; readonly token: string; readonly atMs: number }>();

  remember(joinId: string, tokenHash: string, token: string, nowMs: number): void {
    this.#joins.delete(joinId);
    this.#joins.set(joinId, { tokenHash, token, atMs: nowMs });
    for (const [id, j] of this.#joins) {
      if (this.#joins.size <= JOIN_IDS_MAX && nowMs - j.atMs <= JOIN_IDS_KEPT_MS) break;
      this.#joins.delete(id);
    }
  }

  /** The session a join with this id made, if it was lately. */
  find(joinId: string, nowMs: number): { readonly tokenHash: string; readonly token: string } | undefined {
    const j = this.#joins.get(joinId);
    return j && nowMs - j.atMs <= JOIN_IDS_KEPT_MS ? j : undefined;
  }
}

/**
 * A participant's public name in presence, for `participant:remove`: the start of its token's
 * hash, which tells nothing about the token itself.
 */
export function participantId(tokenHash: string): string {
  return tokenHash.slice(0, 16);
}

/** A record as it is sent: a bulk delivery's thousands of lines folded to their count by kind (log-lines.ts). */
const toRecord = toLogRecord;

const MAIN: StoredBranch = { id: 0, name: 'main', parent: null, forkSeq: 0, createdAt: 0 };

/** A record's size as JSON, in characters, worked out once per record (records do not change). */
const recordChars = new WeakMap<LogRecord, number>();
function jsonChars(record: LogRecord): number {
  let n = recordChars.get(record);
  if (n === undefined) recordChars.set(record, (n = JSON.stringify(record).length));
  return n;
}

export class Room {
  readonly timelines = new Map<number, Timeline>();
  /** The timeline the room plays on: commands and broadcasts go to it. */
  active = 0;
  readonly participants = new Map<string, Participant>();
  /** Open sockets per participant, on this process. */
  readonly online = new Map<string, number>();
  /** The other server processes on which a participant has a socket open (with many processes). */
  readonly elsewhere = new Map<string, Set<string>>();
  /**
   * Changes when the room drops changes it applied but could not commit (catch-up.ts):
   * anything decided before is decided again.
   */
  epoch = 0;
  /** Participants whose join is being committed: not online yet, but on their way. */
  readonly joining = new Set<string>();
  /** Joins made with a join id, for a page's retry. */
  readonly recentJoins = new RecentJoins();
  /**
   * Sessions of joins made with a join id whose page has not confirmed them yet
   * (`room:confirm`): when the last connection of one closes first, the page may never have
   * had its answer, and the join is taken back.
   */
  readonly unconfirmed = new Set<string>();
  /** How fast the log may still grow (made on the first command that needs it). */
  growth?: TokenBucket;
  locked = false;
  /**
   * The presence this process's sockets hold: what the join's answer gave them, and every
   * `room:presence` change since. The next change is worked out from it (null until asked).
   */
  shownPresence: RoomInfo | null = null;
  /** The event the instructor presents to everyone, or null. Not part of the log. */
  presenting: number | null = null;
  /** The replay link's token while this server runs (only its hash is stored; after a restart, revoke and share again). */
  shareToken: string | null = null;
  expiresAt: number;
  /** Every node id any timeline has used: ids are never reused, so old messages stay unambiguous. */
  readonly usedIds = new Set<string>();
  /** Students' answers to questions, held until each question closes (checkpoints.ts). */
  readonly answers = new HeldAnswers();
  /** How many actions the rules refused, by refusal code: for the class analytics. */
  refusals: Record<string, number> = {};

  /** A node id no timeline has used: n1, n2, ... */
  nextNodeId(): string {
    return this.nextNodeIds(1)[0]!;
  }

  /** `count` distinct node ids no timeline has used. */
  nextNodeIds(count: number): string[] {
    const ids: string[] = [];
    for (let k = this.usedIds.size + 1; ids.length < count; k++) if (!this.usedIds.has(`n${k}`)) ids.push(`n${k}`);
    return ids;
  }

  constructor(
    readonly code: string,
    readonly createdAt: number,
    expiresAt: number,
    settings = DEFAULT_SETTINGS,
    /** The title of the file the room was opened from, shown on every screen; null for a room opened empty. */
    readonly title: string | null = null,
  ) {
    this.expiresAt = expiresAt;
    this.timelines.set(0, { meta: MAIN, log: new RoomLog(initialRoomState(settings), [], undefined, deflatedEvents), times: new EventTimes(), committed: 0 });
  }

  get timeline(): Timeline {
    return this.timelines.get(this.active)!;
  }

  /** The active timeline's log. */
  get log(): RoomLog {
    return this.timeline.log;
  }

  /** Adds a branch of `parent` that shares its first `forkSeq` events. */
  fork(meta: StoredBranch): Timeline {
    const parent = this.timelines.get(meta.parent ?? 0)!;
    const timeline: Timeline = { meta, log: parent.log.branchAt(meta.forkSeq), times: parent.times.prefix(meta.forkSeq), committed: meta.forkSeq };
    this.timelines.set(meta.id, timeline);
    return timeline;
  }

  /** The timelines, for everyone's branch list. */
  timelineInfo(): TimelineInfo {
    return {
      active: this.active,
      branches: [...this.timelines.values()].map((t) => ({ ...t.meta, length: t.log.length })),
    };
  }

  /** Appends events to a timeline (the active one by default) and returns their records, annotated for the broadcast. */
  apply(events: readonly RoomEvent[], at: number, timeline: Timeline = this.timeline): LogRecord[] {
    const first = timeline.log.length + 1;
    timeline.times.add(first, at);
    const records = timeline.log.appendAnnotated(events).map((entry, i) => toRecord(entry, events[i]!, at));
    if (timeline.newest && timeline.newest.at(-1)?.seq === first - 1) timeline.newest = [...timeline.newest, ...records].slice(-RECENT_RECORDS);
    else timeline.newest = records.slice(-RECENT_RECORDS);
    this.#used(events);
    return records;
  }

  /** Appends events that are on disk already (a restart, an import), without annotating them: nobody is waiting for their text. */
  restore(events: readonly RoomEvent[], at: number, timeline: Timeline = this.timeline): void {
    timeline.times.add(timeline.log.length + 1, at);
    for (const e of events) timeline.log.append(e);
    this.#used(events);
  }

  #used(events: readonly RoomEvent[]): void {
    for (const e of events) if (e.type === 'nodeAdded') this.usedIds.add(e.node);
  }

  /** The records `from..to` of a timeline: the newest as they were annotated, the others annotated again by the shared core. */
  records(from: number, to: number, timeline: Timeline = this.timeline): LogRecord[] {
    if (from > to) return [];
    const newest = timeline.newest ?? [];
    const cached = newest[0] && newest.at(-1)!.seq >= to ? newest[0].seq : Infinity;
    if (from >= cached) return newest.slice(from - cached, to - cached + 1);
    const events = timeline.log.eventsBetween(from, to);
    const records = annotateEvents(timeline.log.stateAt(from - 1), events).map((entry, i) => toRecord(entry, events[i]!, timeline.times.at(from + i)));
    // The newest, kept for the joins that follow (only a run that reaches the log's end).
    if (to === timeline.log.length) timeline.newest = records.slice(-RECENT_RECORDS);
    return records;
  }

  /**
   * What a client that holds events `1..lastSeq` of the active timeline needs to catch up
   * with its committed events: the records after `lastSeq`, or, when there are more than
   * `limit` or they weigh more than `charsMax`, the newest that fit and the state before
   * them (`base`).
   */
  recent(lastSeq: number, limit: number, charsMax = RECENT_CHARS_MAX): RecentLog {
    const t = this.timeline;
    const to = t.committed;
    let from = Math.max(lastSeq + 1, to - limit + 1);
    let records = this.records(from, to);
    // The newest that fit in `charsMax` (at least one): what an answer costs stays bounded.
    let chars = 0;
    let kept = 0;
    while (kept < records.length && (kept === 0 || chars + jsonChars(records[records.length - 1 - kept]!) <= charsMax)) {
      chars += jsonChars(records[records.length - 1 - kept]!);
      kept++;
    }
    if (kept < records.length) {
      records = records.slice(records.length - kept);
      from = to - kept + 1;
    }
    if (from <= lastSeq + 1) return { base: null, records };
    if (t.base?.seq !== from - 1) t.base = t.log.stateAt(from - 1);
    return { base: t.base, records };
  }

  isOnline(tokenHash: string): boolean {
    return (this.online.get(tokenHash) ?? 0) > 0 || (this.elsewhere.get(tokenHash)?.size ?? 0) > 0;
  }

  info(): RoomInfo {
    const participants: ParticipantInfo[] = [];
    const byNode = new Map<string, Participant>();
    for (const p of this.participants.values()) if (p.node) byNode.set(p.node, p);
    for (const id of this.log.state.order) {
      const node = this.log.state.nodes[id]!;
      const p = byNode.get(id);
      participants.push({
        id: p ? participantId(p.tokenHash) : null,
        node: id,
        name: node.name,
        role: node.bot ? 'bot' : 'student',
        online: node.bot || (p ? this.isOnline(p.tokenHash) : false),
      });
    }
    for (const p of this.participants.values()) {
      if (p.node) continue;
      participants.push({ id: participantId(p.tokenHash), node: null, name: p.name, role: p.role, online: this.isOnline(p.tokenHash) });
    }
    return { code: this.code, locked: this.locked, participants };
  }

  /** "Bot 1", "Bot 2", ...: the first `count` that no node uses. */
  freeBotNames(count: number): string[] {
    const taken = takenNames(this.log.state);
    const names: string[] = [];
    for (let k = 1; names.length < count; k++) if (!taken.has(nameKey(`Bot ${k}`))) names.push(`Bot ${k}`);
    return names;
  }

  /** A display name no other node of the active timeline uses (the core's `uniqueNodeName`). */
  uniqueName(wanted: string, self?: string): string {
    return uniqueNodeName(this.log.state, wanted, self);
  }
}

/**
 * An imported file, read and checked in a worker: its starting state, and its `count`
 * events as JSON arrays of at most `IMPORT_SLICE_EVENTS` events each, one after the other
 * in UTF-8 bytes (slice k ends at byte `sliceEnds[k]`). Bytes move between threads as one
 * copy (or none), where as many objects or strings would hold the receiving thread.
 */
export interface ImportedLog {
  /** The file's title, the room's from then on; null when it has none. */
  readonly title: string | null;
  readonly initial: RoomState;
  readonly json: Uint8Array;
  /** A copy of `json` for the store, handed over to its writer thread (copying it here would hold this one). */
  readonly storeJson: Uint8Array;
  readonly sliceEnds: readonly number[];
  readonly count: number;
}

/** Events per slice of an import: read and applied in one turn of the event loop. */
export const IMPORT_SLICE_EVENTS = 200;

/**
 * Builds an imported room's log a slice at a time, letting the event loop run between
 * slices: reading and applying 100,000 events at once would hold every other room for
 * about a second.
 */
export async function applyInSlices(room: Room, from: ImportedLog | undefined, nowMs: number): Promise<void> {
  if (!from) return;
  const utf8 = new TextDecoder();
  let start = 0;
  for (const end of from.sliceEnds) {
    if (start > 0) await new Promise((resolve) => setImmediate(resolve));
    room.restore(JSON.parse(utf8.decode(from.json.subarray(start, end))) as RoomEvent[], nowMs);
    start = end;
  }
}
