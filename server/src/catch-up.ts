/**
 * Bringing a room in memory up to what the store holds: after a commit that failed (the
 * room drops what it applied but could not keep), and, with many server processes, when
 * another process committed what this one has not heard of. The store is the truth; what
 * memory holds beyond it was never committed, and is dropped.
 */
import type { LogRecord, RoomEvent } from '@toy-paxos/shared';
import type { Room, Timeline } from './room';
import type { StoredEvent, StoredParticipant, StoredRoom } from './store';

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
 * Makes `room` what `stored` says (loaded with the events after each timeline's committed
 * seq). Runs when no commit of the room is on its way: whatever memory holds that the
 * store does not was never committed. Dropping any of it starts a new epoch of the room,
 * so that changes decided against it are decided again (commit.ts).
 */
export function catchUp(room: Room, stored: StoredRoom): CaughtUp {
  const activeBefore = room.active;
  const before = JSON.stringify(room.info());
  let dropped = false;
  let forked = false;
  const forks = new Map(stored.branches.map((b) => [b.id, b]));
  for (const [id, t] of [...room.timelines]) {
    if (id !== 0 && !forks.has(id)) {
      room.timelines.delete(id);
      dropped = true;
    } else if (t.log.length > t.committed) {
      room.timelines.set(id, truncated(t, t.committed));
      dropped = true;
    }
  }
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
  if (dropped) room.epoch++;

  room.locked = stored.locked;
  room.expiresAt = stored.expiresAt;
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
