/**
 * Ballots (proposal numbers).
 *
 * Two schemes, both as the lessons need them:
 * - `plain`: bare integers as the notebook prints them (`p: 1`). Two proposers can
 *   hold the same number, which Paxos Made Simple (section 2.2) forbids; the
 *   "plain ballots" rule-breaking mode shows what then goes wrong.
 * - `unique`: (round, node) pairs printed `2.Alice`, ordered by round and then by
 *   node id, so no two proposers ever share one.
 */

export type BallotScheme = 'plain' | 'unique';

/** A proposal number. `node` is set only in the unique scheme. */
export interface Ballot {
  readonly round: number;
  readonly node?: string;
}

/** A value an acceptor accepted, with the ballot it accepted it in. */
export interface AcceptedValue {
  readonly ballot: Ballot;
  readonly value: string;
}

/** Orders ballots: negative when a < b, 0 when equal, positive when a > b. A missing ballot is lowest. */
export function compareBallots(a: Ballot | null | undefined, b: Ballot | null | undefined): number {
  if (!a) return b ? -1 : 0;
  if (!b) return 1;
  if (a.round !== b.round) return a.round - b.round;
  const an = a.node ?? '';
  const bn = b.node ?? '';
  return an < bn ? -1 : an > bn ? 1 : 0;
}

/** True when both ballots are the same proposal number (both missing counts as equal). */
export function sameBallot(a: Ballot | null | undefined, b: Ballot | null | undefined): boolean {
  return compareBallots(a, b) === 0;
}

/** The next ballot a node issues: one round above every round it has seen. */
export function nextBallot(scheme: BallotScheme, maxRoundSeen: number, nodeId: string): Ballot {
  const round = maxRoundSeen + 1;
  return scheme === 'unique' ? { round, node: nodeId } : { round };
}

/** Prints a ballot the way the log shows it: `1`, `2.Alice`, or `None`. */
export function formatBallot(b: Ballot | null | undefined, nameOf: (id: string) => string = (id) => id): string {
  if (!b) return 'None';
  return b.node === undefined ? String(b.round) : `${b.round}.${nameOf(b.node)}`;
}
