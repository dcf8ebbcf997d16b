/**
 * What a leader will send, read off its state: the slots it knows a value for, the command
 * each slot's accept request carries, and the slots an accept request covers. The core's
 * decisions (decide.ts) and the pages' leader card share these; they change nothing.
 */
import { topSlot } from './state';
import { NO_OP, type LeaderState, type MultiNodeState } from './types';

/** The highest slot the leader knows a value for: its own commands, its sends and (unless it skips re-proposing) its promisers' reports. */
export function leaderTop(leader: LeaderState, skip: boolean): number {
  return Math.max(topSlot(leader.requests), topSlot(leader.sent), skip ? 0 : topSlot(leader.reported));
}

/** The slot a leader gives the next client command: after every slot it knows anything of. */
export function nextFreeSlot(leader: LeaderState, n: MultiNodeState, skip: boolean): number {
  return Math.max(leader.slot - 1, leaderTop(leader, skip), topSlot(n.learned)) + 1;
}

/**
 * The command a leader's accept request carries in `slot`, or null when it has none: the one
 * already sent in this ballot; else the highest-ballot one its promisers accepted there (P2c,
 * per slot); else a client command; else no-op for a hole below a slot it has a value for.
 */
export function slotValue(leader: LeaderState, slot: number, skip: boolean): string | null {
  const sent = leader.sent[slot];
  if (sent !== undefined) return sent;
  const reported = skip ? undefined : leader.reported[slot];
  if (reported) return reported.value;
  const request = leader.requests[slot];
  if (request !== undefined) return request;
  return slot < leaderTop(leader, skip) ? NO_OP : null;
}

/** The slots an accept request without a slot covers: every slot from phase 1's on that has a value and that the leader has not learned. */
export function pendingSlots(leader: LeaderState, n: MultiNodeState, skip: boolean): number[] {
  const slots: number[] = [];
  for (let slot = leader.slot; slot <= leaderTop(leader, skip); slot++) {
    if (n.learned[slot] === undefined && slotValue(leader, slot, skip) !== null) slots.push(slot);
  }
  return slots;
}

