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
  /** What the learner knows: learned, or how far it is from learning, and why. */
  readonly learner: LearnerView;
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
 * A learner's progress. `heard`: the ballot and value it has heard the most acceptances of
 * (null when it has heard of none); `chosen`: a value a quorum has accepted, which this
 * node may not know yet.
 */
export type LearnerView =
  | { readonly status: 'learned'; readonly value: string }
  | {
      readonly status: 'waiting';
      readonly mode: 'everyone' | 'proposer';
      readonly heard: { readonly count: number; readonly value: string; readonly ballot: string } | null;
      readonly q2: number;
      readonly chosen: string | null;
    };

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
    learner: learnerView(state, n, q2),
    accP: ballotText(state, n.acceptor.promised),
    lastAccepted: acc ? `last_accepted(${ballotText(state, acc.ballot)}, ${acc.value})` : null,
    nextAccept: p.ballot ? nextAccept(state, p) : null,
    inbox: n.inbox.length,
    watching: !isMember(state, id),
  };
}

function learnerView(state: RoomState, n: RoomState['nodes'][string], q2: number): LearnerView {
  if (n.choice !== null) return { status: 'learned', value: n.choice };
  const mode = state.settings.learners;
  let heard: { count: number; value: string; ballot: string } | null = null;
  // Keys are `round|value` or `round.node|value` (tallyKey): node ids have no "|", values may.
  for (const [key, acceptors] of Object.entries(n.heard)) {
    if (heard && acceptors.length <= heard.count) continue;
    const bar = key.indexOf('|');
    const ballot = key.slice(0, bar);
    const dot = ballot.indexOf('.');
    const b = dot < 0 ? { round: Number(ballot) } : { round: Number(ballot.slice(0, dot)), node: ballot.slice(dot + 1) };
    heard = { count: acceptors.length, value: key.slice(bar + 1), ballot: ballotText(state, b) };
  }
  // When only the proposer learns, a proposer that sent accept requests counts its own ballot's acceptances.
  const p = n.proposer;
  if (mode === 'proposer' && p.ballot && p.sentValue !== null) heard = { count: p.acceptors.length, value: p.sentValue, ballot: ballotText(state, p.ballot) };
  return { status: 'waiting', mode, heard, q2, chosen: state.monitor.chosen[0]?.value ?? null };
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
