/**
 * Presence as changes: the server sends the whole participant list once, in the answer to a
 * join or a resume, and from then on only what changed (`room:presence`). A class of n joining
 * then costs each page n small messages, where the whole list every time cost it n lists of up
 * to n entries. Both ends fold a change with `applyPresenceChange`, so they hold the same list.
 */
import { invariant } from '../invariant';
import type { ParticipantInfo, PresenceChange, RoomInfo } from './types';

/** What names a participant in a change: its node, or, for a participant without one, its id. */
export function presenceKey(p: ParticipantInfo): string {
  const key = p.node ?? p.id;
  invariant(key !== null, `a participant without a node has an id (${p.name})`);
  return key;
}

/** Puts `p` at index `at` of `list`, taking out the entry with its key wherever that was. */
function place(list: ParticipantInfo[], at: number, p: ParticipantInfo): void {
  const key = presenceKey(p);
  const was = list.findIndex((q) => presenceKey(q) === key);
  if (was === at) {
    list[at] = p;
    return;
  }
  if (was !== -1) list.splice(was, 1);
  list.splice(at, 0, p);
}

function same(a: ParticipantInfo, b: ParticipantInfo): boolean {
  return a.id === b.id && a.node === b.node && a.name === b.name && a.role === b.role && a.online === b.online;
}

/** What turns `before` into `after`, or null when nothing changed. */
export function presenceChange(before: RoomInfo, after: RoomInfo): PresenceChange | null {
  const keys = new Set(after.participants.map(presenceKey));
  invariant(keys.size === after.participants.length, `presence of room ${after.code} names each participant once`);
  const removed = before.participants.map(presenceKey).filter((k) => !keys.has(k));
  const list = before.participants.filter((p) => keys.has(presenceKey(p)));
  const put: { at: number; participant: ParticipantInfo }[] = [];
  after.participants.forEach((p, at) => {
    const held = list[at];
    if (held && presenceKey(held) === presenceKey(p) && same(held, p)) return;
    put.push({ at, participant: p });
    place(list, at, p);
  });
  const locked = before.locked !== after.locked;
  if (!removed.length && !put.length && !locked) return null;
  return { ...(locked ? { locked: after.locked } : {}), ...(removed.length ? { removed } : {}), ...(put.length ? { put } : {}) };
}

/** The list after `change`: the entries `removed` names go, then each of `put` takes its place, in order. */
export function applyPresenceChange(info: RoomInfo, change: PresenceChange): RoomInfo {
  const removed = new Set(change.removed ?? []);
  const participants = info.participants.filter((p) => !removed.has(presenceKey(p)));
  for (const { at, participant } of change.put ?? []) place(participants, at, participant);
  return { code: info.code, locked: change.locked ?? info.locked, participants };
}
