/**
 * The safety monitor. It watches every event and checks Paxos's safety properties
 * (Paxos Made Simple, section 2.1):
 * - agreement: no two different values are chosen;
 * - validity: only a proposed value is chosen;
 * - stability: a node's learned choice never changes.
 * Its state travels inside the room state, so replay and `stateAt` see the monitor
 * as it was at every point of the log.
 */
import { formatBallot, type Ballot } from './ballot';

export type SafetyRule = 'agreement' | 'validity' | 'stability';

export interface Violation {
  readonly rule: SafetyRule;
  /** A sentence a student understands. */
  readonly message: string;
  /** Sequence numbers of the events that led to the violation, oldest first. */
  readonly seqs: readonly number[];
  /** The event at which the monitor saw it. */
  readonly seq: number;
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
    : { ballot, value, acceptors: [acceptor], seqs: [seq] };
  m.tallies[key] = tally;
  if (tally.acceptors.length !== q2) return;

  const nameOf = (id: string) => nodes[id]?.name ?? id;
  const seqs = [...(m.proposalSeqs[ballotKey(ballot)] ?? []), ...tally.seqs];
  const chosen: ChosenValue = { ballot, value, seq, seqs };
  const b = formatBallot(ballot, nameOf);
  if (!(value in m.proposed)) {
    m.violations.push({
      rule: 'validity',
      message: `${value} was chosen in ballot ${b}, but no node ever proposed ${value}.`,
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
        `and ${value} in ballot ${b}. Paxos must never choose two values.`,
      seqs: [...new Set([...conflict.seqs, ...seqs])].sort((x, y) => x - y),
      seq,
    });
  }
  m.chosen.push(chosen);
}

/** Notes a learner's choice; a change of a choice already learned breaks stability. */
export function recordLearned(m: MonitorState, nodeId: string, nodeName: string, value: string, seq: number): void {
  const before = m.learned[nodeId];
  if (before?.value === value) return;
  m.learned = { ...m.learned, [nodeId]: { value, seq } };
  if (!before) return;
  m.violations.push({
    rule: 'stability',
    message: `${nodeName} had learned ${before.value} and now learns ${value}: a learned choice must never change.`,
    seqs: [before.seq, seq],
    seq,
  });
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
