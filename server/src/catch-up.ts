/**
 * Bringing a room in memory up to what the store holds: after a commit that failed (the
 * room drops what it applied but could not keep), and, with many server processes, when
 * another process committed what this one has not heard of. The store is the truth; what
 * memory holds beyond it was never committed, and is dropped. A change another process
 * tells of is applied as it comes when it follows what the room holds (`applyCommitted`).
 */
import type { LogRecord, RoomEvent } from '@toy-paxos/shared';
import type { Participant, Room, Timeline } from './room';
import type { StoredEvent, StoredParticipant, StoredRoom } from './store';
import type { ToldChange } from './peers';

/** What catching up changed, for the classroom to tell the sockets. */
export interface CaughtUp {
  /** New records of the active timeline, when it is still the one the room played on. */
  readonly records: LogRecord[];
  /** The active timeline changed, or another process forked one: every screen takes the timeline anew. */
  readonly timeline: boolean;
  /** Participants that are no longer in the room, and those that are new to memory. */
  readonly removed: readonly StoredParticipant[];
  readonly added: readonly StoredParticipant[];
  /** Who is in the room, or whether it is locked, changed. */
  readonly presence: boolean;
}

/** Events `1..seq` of a timeline, as it was before anything after them was applied. */
function truncated(t: Timeline, seq: number): Timeline {
  return { meta: t.meta, log: t.log.branchAt(seq), times: t.times.prefix(seq), newest: t.newest?.filter((r) => r.seq <= seq), committed: seq };
}

/** Appends stored events past what a timeline holds, in runs of one receive time; their records. */
function append(room: Room, t: Timeline, events: readonly StoredEvent[]): LogRecord[] {
  const fresh = events.filter((e) => e.seq > t.log.length);
  const records: LogRecord[] = [];
  for (let i = 0; i < fresh.length; ) {
    let j = i;
    while (j < fresh.length && fresh[j]!.at === fresh[i]!.at) j++;
    records.push(...room.apply(fresh.slice(i, j).map((e) => e.event) as RoomEvent[], fresh[i]!.at, t));
    i = j;
  }
  t.committed = t.log.length;
  return records;
}

/**
 * Drops the events each timeline holds past its committed ones (applied, but their commit
 * failed); with the store, and before anything is decided again, `catchUp` does the rest.
 * Returns whether any were dropped; the caller starts a new epoch of the room.
 */
export function dropUncommitted(room: Room): boolean {
  let dropped = false;
  for (const [id, t] of [...room.timelines]) {
    if (t.log.length <= t.committed) continue;
    room.timelines.set(id, truncated(t, t.committed));
    dropped = true;
  }
  return dropped;
}

/**
 * Makes `room` what `stored` says (loaded with the events after each timeline's committed
 * seq). Runs when no commit of the room is on its way: whatever memory holds that the
 * store does not was never committed. Dropping any of it starts a new epoch of the room,
 * so that changes decided against it are decided again (commit.ts). `unsaved`: changes
 * of this process to the room wait for their commit. They were applied to memory (a
 * participant joining, an answer, the lock...) and what the store says replaces that
 * too, so they start a new epoch as well, even when they hold no events: a join
 * committed after its participant was dropped here would be a session the room lacks.
 */
export function catchUp(room: Room, stored: StoredRoom, unsaved = false): CaughtUp {
  const activeBefore = room.active;
  const before = JSON.stringify(room.info());
  let dropped = false;
  let forked = false;
  const forks = new Map(stored.branches.map((b) => [b.id, b]));
  for (const id of [...room.timelines.keys()]) {
    if (id === 0 || forks.has(id)) continue;
    room.timelines.delete(id);
    dropped = true;
  }
  if (dropUncommitted(room)) dropped = true;
  let records: LogRecord[] = [];
  const active = room.timelines.has(stored.activeBranch) || forks.has(stored.activeBranch) ? stored.activeBranch : 0;
  for (const id of [0, ...forks.keys()]) {
    let t = room.timelines.get(id);
    if (!t) {
      t = room.fork(forks.get(id)!);
      forked = true;
    }
    const appended = append(room, t, stored.events.get(id) ?? []);
    if (id === active) records = appended;
  }
  room.active = active;
  if (dropped || unsaved) room.epoch++;

  room.locked = stored.locked;
  room.expiresAt = stored.expiresAt;
  room.answers.replace(stored.answers);
  room.refusals = { ...stored.refusals };
  const now = new Map(stored.participants.map((p) => [p.tokenHash, p]));
  const removed: StoredParticipant[] = [];
  for (const [hash, p] of [...room.participants]) {
    if (now.has(hash)) continue;
    room.participants.delete(hash);
    room.online.delete(hash);
    room.joining.delete(hash);
    removed.push(p);
  }
  const added: StoredParticipant[] = [];
  for (const p of stored.participants) {
    const held = room.participants.get(p.tokenHash);
    if (held) held.name = p.name;
    else {
      room.participants.set(p.tokenHash, { ...p });
      added.push(p);
    }
  }
  if (room.presenting !== null && room.presenting > room.log.length) room.presenting = null;
  // What was dropped was never sent to anyone; a new fork or another active timeline was.
  const timeline = forked || active !== activeBefore;
  return { records: timeline ? [] : records, timeline, removed, added, presence: before !== JSON.stringify(room.info()) };
}

/** What a change committed by another process did to this process's room. */
export type Heard =
  /** Applied: its records (of the active timeline) and the participants it removed. */
  | { readonly kind: 'applied'; readonly records: LogRecord[]; readonly added: readonly StoredParticipant[]; readonly removed: readonly Participant[]; readonly presence: boolean }
  /** Nothing to do: this process has it already, or will meet it at its own commit and catch up then. */
  | { readonly kind: 'known' }
  /** It does not follow what the room holds (a gap, a fork, another active timeline): read the store. */
  | { readonly kind: 'gap' };

/**
 * Applies a change another process committed, when it follows what the room holds: events
 * that follow the timeline's committed ones (and no events of this process wait for those
 * seqs), participants, the lock and the expiry.
 */
export function applyCommitted(room: Room, change: ToldChange): Heard {
  const t = room.timelines.get(change.branch ?? 0);
  const events = change.events ?? [];
  if (!t || change.createBranch || change.activeBranch !== undefined) return { kind: 'gap' };
  const last = change.through ?? events.at(-1)?.seq;
  if (last !== undefined) {
    // Read from the store already (a catch-up got there first).
    if (last <= t.committed) return { kind: 'known' };
    // This process's own events for these seqs meet them when they are committed, and it catches up then.
    if (t.log.length > t.committed) return { kind: 'known' };
    // Events told without their bodies are read from the store.
    if (!events.length || events[0]!.seq !== t.committed + 1) return { kind: 'gap' };
  }
  const before = JSON.stringify(room.info());
  room.expiresAt = Math.max(room.expiresAt, change.expiresAt);
  for (const a of change.answers ?? []) room.answers.hold(a);
  for (const [code, n] of Object.entries(change.refusals ?? {})) room.refusals[code] = (room.refusals[code] ?? 0) + n;
  if (change.locked !== undefined) room.locked = change.locked;
  const added: StoredParticipant[] = [];
  for (const p of change.participants ?? []) {
    const held = room.participants.get(p.tokenHash);
    if (held) held.name = p.name;
    else {
      room.participants.set(p.tokenHash, { ...p });
      added.push(p);
    }
  }
  const removed: Participant[] = [];
  for (const hash of change.removeParticipants ?? []) {
    const p = room.participants.get(hash);
    if (!p) continue;
    room.participants.delete(hash);
    room.online.delete(hash);
    room.joining.delete(hash);
    removed.push(p);
  }
  let records: LogRecord[] = [];
  if (events.length) {
    const appended = room.apply(events.map((e) => e.event), events[0]!.at, t);
    t.committed = t.log.length;
    if (t === room.timeline) records = appended;
  }
  return { kind: 'applied', records, added, removed, presence: JSON.stringify(room.info()) !== before };
}
