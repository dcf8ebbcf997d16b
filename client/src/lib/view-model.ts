/**
 * Read-only views of the shared core's room state, shaped for the components. Nothing
 * here decides anything: the protocol lives in @toy-paxos/shared.
 */
import {
  formatBallot,
  isMember,
  messageLabel,
  nameOf,
  roomQuorums,
  type Ballot,
  type Message,
  type RoomState,
} from '@toy-paxos/shared';

export interface NodeCardView {
  readonly id: string;
  readonly name: string;
  readonly bot: boolean;
  readonly up: boolean;
  readonly p: string;
  readonly val: string;
  readonly promisers: number;
  readonly q1: number;
  readonly promiserAccMax: string;
  readonly acceptors: number;
  readonly q2: number;
  readonly choice: string | null;
  readonly accP: string;
  readonly lastAccepted: string;
  readonly inbox: number;
  /** Joined mid-round: not one of this round's acceptors; it takes part from the next round. */
  readonly watching: boolean;
}

export function ballotText(state: RoomState, b: Ballot | null | undefined): string {
  return formatBallot(b, (id) => nameOf(state, id));
}

/** A node in the notebook's terms: p, val, promisers k/Q, promiser_acc_max, acceptors k/Q, choice, acc_p, last accepted. */
export function nodeCard(state: RoomState, id: string): NodeCardView | null {
  const n = state.nodes[id];
  if (!n) return null;
  const { q1, q2 } = roomQuorums(state);
  const p = n.proposer;
  const acc = n.acceptor.accepted;
  return {
    id,
    name: n.name,
    bot: n.bot,
    up: n.up,
    p: ballotText(state, p.ballot),
    val: p.value ?? 'None',
    promisers: p.promisers.length,
    q1,
    promiserAccMax: p.promiserAccMax?.value ?? 'None',
    acceptors: p.acceptors.length,
    q2,
    choice: n.choice,
    accP: ballotText(state, n.acceptor.promised),
    lastAccepted: acc ? `last_accepted(${ballotText(state, acc.ballot)}, ${acc.value})` : 'last_accepted()',
    inbox: n.inbox.length,
    watching: !isMember(state, id),
  };
}


/** A message in one line, as the log prints it: `PROMISE Request A -> B (p: 1.A)`. */
export function messageText(state: RoomState, m: Message): string {
  return messageLabel({ name: (id) => nameOf(state, id), b: (b) => ballotText(state, b) }, m);
}


/** The distinct values chosen so far, as the monitor sees them. */
export function chosenValues(state: RoomState): string[] {
  return [...new Set(state.monitor.chosen.map((c) => c.value))];
}
