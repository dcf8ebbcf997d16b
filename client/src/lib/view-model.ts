/**
 * Read-only views of the shared core's room state, shaped for the components. Nothing
 * here decides anything: the protocol lives in @toy-paxos/shared.
 */
import {
  acceptedBy,
  compareBallots,
  formatBallot,
  isMember,
  mayPropose,
  messageLabel,
  nameOf,
  programsOf,
  roomQuorums,
  sameBallot,
  type Ballot,
  type Message,
  type RequestMessage,
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
  /** The duel this proposer's ballot has lost, once it has heard of the higher ballot; null while it can still win. */
  readonly lost: LostBallot | null;
  readonly inbox: number;
  /** A learner's own program answers for this node from its student's page (`running`), or did until it failed; null: answered by hand. */
  readonly ownProgram: 'running' | 'failed' | null;
  /** Joined mid-round: not one of this round's acceptors; it takes part from the next round. */
  readonly watching: boolean;
  /** May start a proposal now: an acceptor of this round, or carried onto this timeline mid-round. */
  readonly mayPropose: boolean;
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
 * The value of a proposer's next accept request, as the node's proposer program picks it (`valueToPropose`):
 * its own `val`, a value adopted from its promisers (`promiser_acc_max`), the value its
 * first accept request fixed, or its own while a rule-breaking mode ignores an accepted one.
 */
export type NextAccept =
  | { readonly value: string; readonly why: 'own' | 'fixed' }
  | { readonly value: string; readonly why: 'adopted'; readonly ballot: string; readonly own: string | null }
  | { readonly value: string; readonly why: 'ignored'; readonly accepted: string };

/**
 * A ballot that can win no more: `by` (an acceptor's name, null for this node's own acceptor)
 * promised `higher`, so at most `could` of the `needed` promises or acceptances can come.
 */
export interface LostBallot {
  readonly ballot: string;
  readonly higher: string;
  readonly by: string | null;
  readonly what: 'promises' | 'acceptances';
  readonly needed: number;
  readonly could: number;
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
    learner: learnerView(state, n, q2),
    accP: ballotText(state, n.acceptor.promised),
    lastAccepted: acc ? `last_accepted(${ballotText(state, acc.ballot)}, ${acc.value})` : null,
    nextAccept: p.ballot ? nextAccept(state, n.id, p) : null,
    lost: lostBallot(state, n),
    inbox: n.inbox.length,
    ownProgram: n.ownProgram ?? null,
    watching: !isMember(state, id),
    mayPropose: mayPropose(state, id),
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

function nextAccept(state: RoomState, id: string, p: RoomState['nodes'][string]['proposer']): NextAccept | null {
  const ignore = state.settings.rules.ignoreAcceptedValue;
  const value = programsOf(state, id).proposer.valueToPropose(p);
  if (value === null) return null;
  if (p.sentValue !== null) return { value, why: 'fixed' };
  const max = p.promiserAccMax;
  if (max && ignore && max.value !== value) return { value, why: 'ignored', accepted: max.value };
  if (max && !ignore && max.value !== p.value) return { value, why: 'adopted', ballot: ballotText(state, max.ballot), own: p.value };
  return { value, why: 'own' };
}

/**
 * Whether node `n`'s ballot has lost its duel: enough acceptors promised a higher ballot that
 * the promises (or, past a quorum of them, the acceptances) it needs can no longer come. Said
 * only once the node has heard of that ballot's round (a refusal, or its own acceptor's
 * promise), so that its next proposal is sure to pick a higher one. Read from the whole room,
 * as the annotation of a refusal is (annotate.ts, ballotChances).
 */
function lostBallot(state: RoomState, n: RoomState['nodes'][string]): LostBallot | null {
  const p = n.proposer;
  const ballot = p.ballot;
  // A rule-breaking acceptor may give what it promised not to: no ballot is sure to lose.
  if (!ballot || n.choice !== null || state.settings.rules.breakPromises) return null;
  const promised = (id: string) => state.nodes[id]!.acceptor.promised;
  const present = state.members.filter((m) => state.nodes[m]);
  const above = present.filter((m) => compareBallots(promised(m), ballot) > 0);
  if (above.length === 0) return null;
  const { q1, q2 } = roomQuorums(state);
  const accepting = p.sentValue !== null || p.promisers.length >= q1;
  // What counts already: the promises given (some still on their way), or the acceptances of this ballot's value.
  const value = programsOf(state, n.id).proposer.valueToPropose(p);
  const have = accepting
    ? value === null ? [] : [...acceptedBy(state.monitor, ballot, value)]
    : [...new Set([...p.promisers, ...state.inFlight.filter((m) => m.kind === 'promise' && m.to === n.id && sameBallot(m.ballot, ballot)).map((m) => m.from)])];
  const needed = accepting ? q2 : q1;
  if (have.length >= needed) return null;
  const could = have.length + present.filter((m) => !have.includes(m) && compareBallots(promised(m), ballot) <= 0).length;
  if (could >= needed) return null;
  const top = above.map(promised).reduce((a, b) => (compareBallots(a, b) >= 0 ? a : b))!;
  if (top.round > p.maxRound) return null;
  // Name an acceptor that promised it, preferably neither this node nor the ballot's own proposer.
  const topPromisers = above.filter((m) => sameBallot(promised(m), top));
  const by = topPromisers.find((m) => m !== n.id && m !== top.node) ?? topPromisers.find((m) => m !== n.id) ?? n.id;
  return {
    ballot: ballotText(state, ballot),
    higher: ballotText(state, top),
    by: by === n.id ? null : nameOf(state, by),
    what: accepting ? 'acceptances' : 'promises',
    needed,
    could,
  };
}

/** A message in one line, as the log prints it: `PROMISE Request A -> B (p: 1.A)`. */
export function messageText(state: RoomState, m: Message): string {
  return messageLabel({ name: (id) => nameOf(state, id), b: (b) => ballotText(state, b) }, m);
}


/**
 * A request waiting in a student's inbox, in words: what waits and from whom, and what each
 * answer does, for a screen reader as much as for the eye ("Promise 2.Bo to Bo").
 */
export function requestWords(state: RoomState, m: RequestMessage): { readonly asks: string; readonly yes: string; readonly no: string } {
  const from = nameOf(state, m.from);
  const b = ballotText(state, m.ballot);
  return m.kind === 'prepare'
    ? { asks: `${from} asks you to promise ${b}`, yes: `Promise ${b} to ${from}`, no: `Refuse to promise ${b} to ${from}` }
    : { asks: `${from} asks you to accept ${m.value} in ${b}`, yes: `Accept ${m.value} in ${b} from ${from}`, no: `Refuse to accept ${m.value} in ${b} from ${from}` };
}

/** The distinct values chosen so far, as the monitor sees them. */
export function chosenValues(state: RoomState): string[] {
  return [...new Set(state.monitor.chosen.map((c) => c.value))];
}
