/**
 * What a leader will send, read off its state: the slots it knows a value for, the command
 * each slot's accept request carries, and the slots an accept request covers. The core's
 * decisions (decide.ts) and the pages' leader card share these; they change nothing. Which
 * of its promisers' reports bind the leader is its program's to say (`promiserAccMax`,
 * programs.ts): a leader that skips re-proposing goes by none.
 */
import type { MultiLeaderProgram } from './programs';
import { topSlot } from './state';
import { NO_OP, type LeaderState, type MultiNodeState } from './types';

/** The leader program's reading of its promisers' reports, which is all these functions ask of it. */
type Reports = Pick<MultiLeaderProgram, 'promiserAccMax'>;

/** The highest slot the leader knows a value for: its own commands, its sends and the promisers' reports that bind it. */
export function leaderTop(leader: LeaderState, program: Reports): number {
  return Math.max(topSlot(leader.requests), topSlot(leader.sent), topSlot(program.promiserAccMax(leader)));
}

/** The slot a leader gives the next client command: after every slot it knows anything of. */
export function nextFreeSlot(leader: LeaderState, n: MultiNodeState, program: Reports): number {
  return Math.max(leader.slot - 1, leaderTop(leader, program), topSlot(n.learned)) + 1;
}

/**
 * The command a leader's accept request carries in `slot`, or null when it has none: the one
 * already sent in this ballot; else the highest-ballot one its promisers accepted there (P2c,
 * per slot); else a client command; else no-op for a hole below a slot it has a value for.
 */
export function slotValue(leader: LeaderState, slot: number, program: Reports): string | null {
  const sent = leader.sent[slot];
  if (sent !== undefined) return sent;
  const reported = program.promiserAccMax(leader)[slot];
  if (reported) return reported.value;
  const request = leader.requests[slot];
  if (request !== undefined) return request;
  return slot < leaderTop(leader, program) ? NO_OP : null;
}

/** The slots an accept request without a slot covers: every slot from phase 1's on that has a value and that the leader has not learned. */
export function pendingSlots(leader: LeaderState, n: MultiNodeState, program: Reports): number[] {
  const slots: number[] = [];
  for (let slot = leader.slot; slot <= leaderTop(leader, program); slot++) {
    if (n.learned[slot] === undefined && slotValue(leader, slot, program) !== null) slots.push(slot);
  }
  return slots;
}
