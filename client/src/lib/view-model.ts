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
  valueToPropose,
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
  /** `last_accepted(...)`, or null when the acceptor has accepted nothing. */
  readonly lastAccepted: string | null;
  /** What this proposer's next accept request carries, and why; null with no proposal or nothing to propose. */
  readonly nextAccept: NextAccept | null;
  readonly inbox: number;
  /** Joined mid-round: not one of this round's acceptors; it takes part from the next round. */
  readonly watching: boolean;
}

/**
 * The value of a proposer's next accept request, as the core picks it (`valueToPropose`):
 * its own `val`, a value adopted from its promisers (`promiser_acc_max`), the value its
 * first accept request fixed, or its own while a rule-breaking mode ignores an accepted one.
 */
export type NextAccept =
  | { readonly value: string; readonly why: 'own' | 'fixed' }
  | { readonly value: string; readonly why: 'adopted'; readonly ballot: string; readonly own: string | null }
  | { readonly value: string; readonly why: 'ignored'; readonly accepted: string };

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
    lastAccepted: acc ? `last_accepted(${ballotText(state, acc.ballot)}, ${acc.value})` : null,
    nextAccept: p.ballot ? nextAccept(state, p) : null,
    inbox: n.inbox.length,
    watching: !isMember(state, id),
  };
}

function nextAccept(state: RoomState, p: RoomState['nodes'][string]['proposer']): NextAccept | null {
  const ignore = state.settings.rules.ignoreAcceptedValue;
  const value = valueToPropose(p, ignore);
  if (value === null) return null;
  if (p.sentValue !== null) return { value, why: 'fixed' };
  const max = p.promiserAccMax;
  if (max && ignore && max.value !== value) return { value, why: 'ignored', accepted: max.value };
  if (max && !ignore && max.value !== p.value) return { value, why: 'adopted', ballot: ballotText(state, max.ballot), own: p.value };
  return { value, why: 'own' };
}

/** A message in one line, as the log prints it: `PROMISE Request A -> B (p: 1.A)`. */
export function messageText(state: RoomState, m: Message): string {
  return messageLabel({ name: (id) => nameOf(state, id), b: (b) => ballotText(state, b) }, m);
}


/** The distinct values chosen so far, as the monitor sees them. */
export function chosenValues(state: RoomState): string[] {
  return [...new Set(state.monitor.chosen.map((c) => c.value))];
}
