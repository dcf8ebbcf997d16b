/**
 * The safety monitor. It watches every event and checks the three safety requirements
 * of consensus as Paxos Made Simple (section 2.1) states them:
 * - validity: only a value that has been proposed may be chosen;
 * - agreement: only a single value is chosen;
 * - learning: a process never learns that a value has been chosen unless it actually has been;
 * and one of toy-paxos's own, which follows from them:
 * - stability: a node's learned choice never changes.
 * A value is chosen when a quorum (Q2, in force at that moment) of acceptors has accepted
 * it in one ballot. Its state travels inside the room state, so replay and `stateAt` see
 * the monitor as it was at every point of the log.
 */
import { formatBallot, type Ballot } from './ballot';

/** `prefix` is Multi-Paxos's: every node's applied sequence of commands is a prefix of every other's. */
export type SafetyRule = 'agreement' | 'validity' | 'learning' | 'stability' | 'prefix';

export interface Violation {
  readonly rule: SafetyRule;
  /** A sentence a student understands. */
  readonly message: string;
  /** Sequence numbers of the events that led to the violation, oldest first. */
  readonly seqs: readonly number[];
  /** The event at which the monitor saw it. */
  readonly seq: number;
  /** For learning and stability: the learners concerned, by name (several learners that learn the same thing at one event share one violation). */
  readonly learners?: readonly string[];
}

/** A value accepted by a quorum of acceptors in one ballot. */
export interface ChosenValue {
  readonly ballot: Ballot;
  readonly value: string;
  /** The event whose acceptance completed the quorum. */
  readonly seq: number;
  /** The proposal and acceptance events behind it. */
  readonly seqs: readonly number[];
}

interface Tally {
  ballot: Ballot;
  value: string;
  acceptors: string[];
  seqs: number[];
  /** A quorum accepted it: counted in `chosen` once. */
  chosen: boolean;
}

export interface MonitorState {
  /** Values proposed so far, with the event that proposed each, for validity. */
  proposed: Record<string, number>;
  /** Proposal events per ballot key (several when plain ballots are shared), to name them in a violation. */
  proposalSeqs: Record<string, readonly number[]>;
  /** Acceptances per (ballot, value). */
  tallies: Record<string, Tally>;
  chosen: ChosenValue[];
  /** What each node learned, and when; replaced, never mutated, so clones can share it. */
  learned: Readonly<Record<string, { readonly value: string; readonly seq: number }>>;
  violations: Violation[];
}

export function emptyMonitor(): MonitorState {
  return { proposed: {}, proposalSeqs: {}, tallies: {}, chosen: [], learned: {}, violations: [] };
}

/** A copy that shares nothing mutable with `m`. Tallies are copied on write (see `recordAccept`). */
export function cloneMonitor(m: MonitorState): MonitorState {
  return {
    proposed: { ...m.proposed },
    proposalSeqs: { ...m.proposalSeqs },
    tallies: { ...m.tallies },
    chosen: m.chosen.slice(),
    learned: m.learned,
    violations: m.violations.slice(),
  };
}

function ballotKey(b: Ballot): string {
  return b.node === undefined ? String(b.round) : `${b.round}.${b.node}`;
}

/** The acceptors that have accepted `value` in `ballot` so far, by id. */
export function acceptedBy(m: MonitorState, ballot: Ballot, value: string): readonly string[] {
  return m.tallies[`${ballotKey(ballot)}|${value}`]?.acceptors ?? [];
}

/** Notes a proposed value. */
export function recordProposal(m: MonitorState, ballot: Ballot, value: string | null, seq: number): void {
  const key = ballotKey(ballot);
  m.proposalSeqs[key] = [...(m.proposalSeqs[key] ?? []), seq];
  if (value !== null && !(value in m.proposed)) m.proposed[value] = seq;
}

/** Notes that `acceptor` accepted (ballot, value) at event `seq`, and checks agreement and validity. */
export function recordAccept(
  m: MonitorState,
  acceptor: string,
  ballot: Ballot,
  value: string,
  seq: number,
  q2: number,
  nodes: Readonly<Record<string, { readonly name: string }>>,
): void {
  const key = `${ballotKey(ballot)}|${value}`;
  const old = m.tallies[key];
  if (old?.acceptors.includes(acceptor)) return;
  // Copy on write: snapshots share tallies with the live state.
  const tally: Tally = old
    ? { ...old, acceptors: [...old.acceptors, acceptor], seqs: [...old.seqs, seq] }
    : { ballot, value, acceptors: [acceptor], seqs: [seq], chosen: false };
  m.tallies[key] = tally;
  if (!tally.chosen && tally.acceptors.length >= q2) choose(m, key, seq, nodes);
}

/**
 * The accept quorum shrank (a quorum change or a removal, with "reconfigure mid-round"):
 * every tally that a quorum of the new size has accepted is chosen now.
 */
export function recheckChosen(m: MonitorState, q2: number, seq: number, nodes: Readonly<Record<string, { readonly name: string }>>): void {
  for (const [key, tally] of Object.entries(m.tallies)) {
    if (!tally.chosen && tally.acceptors.length >= q2) choose(m, key, seq, nodes);
  }
}

/** Marks a tally chosen at event `seq`, checking validity and agreement. */
function choose(m: MonitorState, key: string, seq: number, nodes: Readonly<Record<string, { readonly name: string }>>): void {
  const tally: Tally = { ...m.tallies[key]!, chosen: true };
  m.tallies[key] = tally;
  const { ballot, value } = tally;
  const nameOf = (id: string) => nodes[id]?.name ?? id;
  const seqs = [...new Set([...(m.proposalSeqs[ballotKey(ballot)] ?? []), ...tally.seqs])].sort((x, y) => x - y);
  const chosen: ChosenValue = { ballot, value, seq, seqs };
  const b = formatBallot(ballot, nameOf);
  if (!(value in m.proposed)) {
    m.violations.push({
      rule: 'validity',
      message: `${value} was chosen in ballot ${b}, but no node ever proposed ${value}: only a proposed value may be chosen (Paxos Made Simple, section 2.1).`,
      seqs,
      seq,
    });
  }
  const conflict = m.chosen.find((c) => c.value !== value);
  if (conflict) {
    m.violations.push({
      rule: 'agreement',
      message:
        `Two different values are chosen: ${conflict.value} in ballot ${formatBallot(conflict.ballot, nameOf)} ` +
        `and ${value} in ballot ${b}. Only a single value may be chosen (Paxos Made Simple, section 2.1).`,
      seqs: [...new Set([...conflict.seqs, ...seqs])].sort((x, y) => x - y),
      seq,
    });
  }
  m.chosen.push(chosen);
}

/**
 * Notes a learner's choice. Learning a value that no quorum has accepted breaks
 * "learning"; a change of a choice already learned breaks stability.
 */
export function recordLearned(m: MonitorState, nodeId: string, nodeName: string, value: string, seq: number): void {
  const before = m.learned[nodeId];
  if (before?.value === value) return;
  m.learned = { ...m.learned, [nodeId]: { value, seq } };
  if (!m.chosen.some((c) => c.value === value)) {
    addLearnerViolation(m, 'learning', nodeName, [seq], seq, (names, are) =>
      `${names} ${are ? 'learn' : 'learns'} that ${value} is chosen, but no quorum of acceptors has accepted ${value} in one ballot: a node must never learn that a value has been chosen unless it actually has been (Paxos Made Simple, section 2.1).`,
    );
  }
  if (!before) return;
  addLearnerViolation(m, 'stability', nodeName, [before.seq, seq], seq, (names, are) =>
    `${names} had learned ${before.value} and now ${are ? 'learn' : 'learns'} ${value}: a learned choice must never change (toy-paxos's own check; it follows from agreement).`,
  );
}

/**
 * Notes a learning or stability violation of one learner, or adds the learner to the one
 * that other learners broke the same way at the same event (same rule, same message but
 * for the names), so that a broadcast that misleads every learner is one violation.
 */
function addLearnerViolation(
  m: MonitorState,
  rule: 'learning' | 'stability',
  name: string,
  seqs: number[],
  seq: number,
  text: (names: string, plural: boolean) => string,
): void {
  const last = m.violations.at(-1);
  if (last && last.rule === rule && last.seq === seq && last.learners && last.message === text(listNames(last.learners), last.learners.length > 1)) {
    const learners = [...last.learners, name];
    m.violations[m.violations.length - 1] = {
      ...last,
      learners,
      message: text(listNames(learners), true),
      seqs: [...new Set([...last.seqs, ...seqs])].sort((x, y) => x - y),
    };
    return;
  }
  m.violations.push({ rule, message: text(name, false), seqs, seq, learners: [name] });
}

/** "A, B and C". */
function listNames(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** The monitor's verdict: safe or not, what is chosen, and every violation so far. */
export interface SafetyVerdict {
  readonly safe: boolean;
  readonly chosen: readonly ChosenValue[];
  readonly violations: readonly Violation[];
}

export function verdictOf(m: MonitorState): SafetyVerdict {
  return { safe: m.violations.length === 0, chosen: m.chosen, violations: m.violations };
}
