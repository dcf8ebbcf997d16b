/** What the instructor's settings panel says waits for the next round. Kept apart from view-model.ts, which the student page loads first. */
import { formatQuorum, isMember, nameOf, type RoomState } from '@toy-paxos/shared';

/** What waits for the next round, in words: quorum changes and nodes that joined mid-round; empty when nothing does. */
export function pendingForNextRound(state: RoomState): string[] {
  const out: string[] = [];
  const next = state.nextSettings;
  if (next && (next.q1 !== state.settings.q1 || next.q2 !== state.settings.q2)) {
    out.push(`Q1 ${formatQuorum(next.q1, state.order.length)}, Q2 ${formatQuorum(next.q2, state.order.length)}`);
  }
  const watching = state.order.filter((id) => !isMember(state, id)).map((id) => nameOf(state, id));
  if (watching.length) out.push(`${watching.join(', ')} ${watching.length === 1 ? 'joins' : 'join'} as ${watching.length === 1 ? 'an acceptor' : 'acceptors'}`);
  return out;
}
