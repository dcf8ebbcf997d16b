/**
 * Where a refused ballot stands, read off the whole room (which its proposer may not know
 * yet): a refusal closes only one acceptor, so the ballot may have won already, may still
 * win, or may be lost. The annotated log says it in words (annotate.ts); the key moments
 * (each protocol module's, through replay/moments.ts) mark the refusal after which it cannot win.
 */
import { compareBallots } from './ballot';
import { acceptorVerdict, type RejectMessage } from './node';
import { acceptedBy } from './monitor';
import type { RoomState } from './room-state';

export type BallotOutlook =
  /** A quorum accepted `value` in the ballot before the refusal. */
  | { readonly kind: 'won'; readonly accepted: number; readonly value: string }
  /** A refused promise request whose proposer already has its quorum of promises. */
  | { readonly kind: 'promised' }
  /**
   * `higher` of the round's `members` acceptors promised a higher ballot and `gone` left the
   * room: at most `could` promises (or acceptances) can come, of the `needed`.
   */
  | { readonly kind: 'open' | 'lost'; readonly higher: number; readonly gone: number; readonly members: number; readonly could: number; readonly needed: number };

/** Where the ballot `reply` refuses stands in `after` (the room once the refusal arrived), given its proposer's promisers. */
export function ballotOutlook(after: RoomState, reply: RejectMessage, promisers: readonly string[], q1: number, q2: number): BallotOutlook {
  const present = after.members.filter((m) => after.nodes[m]);
  const gone = after.members.length - present.length;
  const open = (m: string) => acceptorVerdict(after.nodes[m]!.acceptor, reply.ballot).ok;
  const higher = present.filter((m) => !open(m)).length;
  // Phase 2: acceptances of the ballot already given count, whoever promised higher since.
  const value = reply.value ?? after.nodes[reply.to]?.proposer.sentValue ?? null;
  const accepted = value === null ? [] : acceptedBy(after.monitor, reply.ballot, value);
  if (value !== null && accepted.length >= q2) return { kind: 'won', accepted: accepted.length, value };
  if (reply.request === 'prepare' && promisers.length >= q1) return { kind: 'promised' };
  const needed = reply.request === 'prepare' ? q1 : q2;
  // Promises of the ballot on their way back count too: they were given before any higher promise.
  const coming = after.inFlight.filter((m) => m.kind === 'promise' && m.to === reply.to && compareBallots(m.ballot, reply.ballot) === 0).map((m) => m.from);
  const have = reply.request === 'prepare' ? [...new Set([...promisers, ...coming])] : accepted;
  const could = have.length + present.filter((m) => open(m) && !have.includes(m)).length;
  return { kind: could >= needed ? 'open' : 'lost', higher, gone, members: after.members.length, could, needed };
}
