/**
 * The moments of a room's log that teach, and where a replay may jump. A lesson's step, a
 * command or a replayed event can make many entries; these say which of them a learner must
 * not miss, each with one sentence that says why:
 * - a proposal, or a Multi-Paxos leader, starting (`proposal`), and its first quorum of
 *   promises (`promise-quorum`);
 * - a promise that reports an accepted value (`reported-value`), and the proposer carrying it
 *   instead of its own (`adopted-value`, P2c), or in Multi-Paxos a new leader re-proposing a
 *   reported command in its slot (`re-proposed`) and filling a hole with no-op (`no-op`);
 * - a rule broken in a rule-breaking mode (`rule-broken`), a refusal after which a ballot
 *   cannot win (`ballot-lost`), a value chosen (`chosen`), a value learned apart from its
 *   choice (`learned`), a safety violation (`violation`);
 * - a new round, and a question asked of the class.
 * The proposals, quorums of promises, rounds and questions are signposts (`teaches` is false):
 * "Jump to a moment" lists them with the rest, but a step's key entries (`keyEntries`) are the
 * others. Every screen takes a step's key entries from here, never from its last entry.
 * Each protocol module reads its own moments (`eventMoments`, `deliveryMoments`,
 * `stateMoments`: a ballot starting, replies, quorums, choices); this file reads the room's
 * (rounds, questions, violations) and splits a deliver-all into its deliveries.
 */
import type { Annotation } from '../annotate';
import { formatBallot, sameBallot, type Ballot } from '../ballot';
import { questionNumber } from '../checkpoint-state';
import { annotationView, touchedNodes } from '../log';
import { nameList } from '../message-label';
import { apply, cloneRoomState, nameOf, roomQuorums, type RoomEvent, type RoomState } from '../room';
import { eventOwner, messageOwner, protocolOf } from '../protocols/registry';
import type { MomentContext, MomentKind } from '../protocols/types';

// The kinds of moment live with the protocol modules' interface, which reports them.
export type { MomentKind };

export interface Moment {
  /** The event (and log entry) it happens at. */
  readonly seq: number;
  readonly kind: MomentKind;
  /** A few words, for a list of moments ("Jump to a moment"). */
  readonly label: string;
  /** One sentence in plain English: what happens, and why it matters, naming the rule. */
  readonly because: string;
}

/**
 * Signposts: where the story of a room turns (a proposal or a leader starts, a quorum of
 * promises, a new round, a question), worth jumping to, but no surprise that a learner could
 * read the wrong way; the entry itself says it.
 */
const SIGNPOSTS: ReadonlySet<MomentKind> = new Set<MomentKind>(['proposal', 'promise-quorum', 'round', 'question']);

/** False for a signpost, which marks a place in the log; true for a moment that a step's panel shows first. */
export function teaches(m: Moment): boolean {
  return !SIGNPOSTS.has(m.kind);
}

/** Folds `events` from `initial` once and lists their moments, in log order. */
export function keyMoments(initial: RoomState, events: readonly RoomEvent[]): Moment[] {
  return new MomentReader(initial).read(events);
}

/**
 * `keyMoments` one batch of events at a time, for a log that grows: a live replay reads only
 * the events that arrived, not the whole log again.
 */
export class MomentReader {
  readonly #state: RoomState;
  // Ballots already known to be lost, so that only the first refusal that ends one is named.
  readonly #lost = new Set<string>();
  #moments: Moment[] = [];
  #read = 0;

  constructor(initial: RoomState) {
    this.#state = cloneRoomState(initial);
  }

  /** How many events it has read. */
  get length(): number {
    return this.#read;
  }

  /** Every moment so far, in log order: a new array whenever `read` found more. */
  get moments(): readonly Moment[] {
    return this.#moments;
  }

  /** Reads `events`, which follow those read so far, and returns the moments they hold. */
  read(events: readonly RoomEvent[]): Moment[] {
    const s = this.#state;
    const found: Moment[] = [];
    for (const e of events) {
      const touched = touchedNodes(s, e);
      const before = annotationView(s, e);
      apply(s, e);
      found.push(...eventMoments(before, e, s, touched, this.#lost));
    }
    this.#read += events.length;
    if (found.length) this.#moments = [...this.#moments, ...found];
    return found;
  }
}

/** An entry of the log that teaches, with the moments that make it so. */
export interface KeyEntry {
  readonly entry: Annotation;
  readonly moments: readonly Moment[];
}

/** The entries among `entries` that `moments` name as teaching (signposts left out), oldest first, each with its moments. */
export function keyEntries(entries: readonly Annotation[], moments: readonly Moment[]): KeyEntry[] {
  const bySeq = new Map<number, Moment[]>();
  for (const m of moments) if (teaches(m)) bySeq.set(m.seq, [...(bySeq.get(m.seq) ?? []), m]);
  return entries.flatMap((entry) => {
    const named = bySeq.get(entry.seq);
    return named ? [{ entry, moments: named }] : [];
  });
}

/**
 * The states around one event, the words for them, and the moments found, handed to the
 * room's protocol module. Methods, not closures: one is made for every event of a log of up
 * to 100,000.
 */
class At implements MomentContext {
  constructor(
    readonly before: RoomState,
    readonly after: RoomState,
    /** The nodes the event can change (log.ts `touchedNodes`): only they can reach a quorum or learn. */
    readonly touched: readonly string[] | 'all',
    /** Ballots already known to be lost, as `lostKey` gives them. */
    readonly lost: Set<string>,
    readonly out: Moment[] = [],
  ) {}
  name(id: string): string {
    return nameOf(this.before.nodes[id] ? this.before : this.after, id);
  }
  names(ids: readonly string[]): string {
    return nameList(ids.map((id) => this.name(id)));
  }
  b(ballot: Ballot | null | undefined): string {
    return formatBallot(ballot, (id) => this.name(id));
  }
  whose(id: string, self: string): string {
    return `${this.name(id)}'s${id === self ? ' own' : ''}`;
  }
  reporters(proposer: string, promisers: readonly string[], ballot: Ballot, value: string, accepted: (id: string) => { readonly ballot: Ballot; readonly value: string } | undefined): string {
    const ids = promisers.filter((id) => {
      const a = accepted(id);
      return a !== undefined && sameBallot(a.ballot, ballot) && a.value === value;
    });
    if (ids.length === 0) return 'a promise';
    if (ids.length === 1) return `${this.whose(ids[0]!, proposer)} promise`;
    return `promises from ${this.names(ids)}`;
  }
  refuser(r: { readonly from: string; readonly to: string }): string {
    return r.from === r.to ? `${this.name(r.from)}, as an acceptor, refuses its own` : `${this.name(r.from)} refuses`;
  }
  lostBefore(r: { readonly to: string; readonly ballot: Ballot }): boolean {
    return this.lost.has(this.lostKey(r));
  }
  markLost(r: { readonly to: string; readonly ballot: Ballot }): void {
    this.lost.add(this.lostKey(r));
  }
  /** A proposer's ballot in a round, as a key of the ballots already lost. */
  private lostKey(r: { readonly to: string; readonly ballot: Ballot }): string {
    return `${this.after.round}|${r.to}|${r.ballot.round}|${r.ballot.node ?? ''}`;
  }
  promises(count: number, quorum: number, ballot: string): string {
    return count > quorum ? `${count} promises for ${ballot} (${quorum} were enough)` : `${count} of the ${quorum} promises it needs for ${ballot}`;
  }
  acceptorQuorum(): string {
    const q2 = roomQuorums(this.after).q2;
    return `A quorum of ${q2} acceptor${q2 === 1 ? '' : 's'}`;
  }
  add(kind: MomentKind, label: string, because: string): void {
    this.out.push({ seq: this.after.seq, kind, label, because });
  }
  nodes(all = false): readonly string[] {
    return all || this.touched === 'all' ? this.after.order : [...new Set(this.touched)].filter((id) => this.after.nodes[id]);
  }
}

/** The moments of one event, applied to `before` to give `after`; `lost` holds the ballots already lost. */
function eventMoments(before: RoomState, e: RoomEvent, after: RoomState, touched: readonly string[] | 'all', lost: Set<string>): Moment[] {
  const at = new At(before, after, touched, lost);
  switch (e.type) {
    case 'roundStarted':
      at.add('round', `Round ${e.round}`, `Round ${e.round} starts: every node forgets its promises, accepted values and choice.`);
      break;
    case 'checkpointOpened':
      at.add('question', `Question ${questionNumber(after.checkpoints, e.id)}: ${e.question.prompt}`, `The class predicts: ${e.question.prompt}`);
      break;
    default:
      break;
  }
  if (e.type === 'deliveredAll') {
    // Many deliveries in one event are read one at a time, as the log describes them.
    let state = cloneRoomState(before);
    for (const d of e.deliveries) {
      const next = cloneRoomState(state);
      apply(next, { type: 'delivered', id: d.id, reply: d.reply });
      deliveryMoments(new At(state, next, 'all', lost, at.out), d.id, d.reply);
      state = next;
    }
  } else if (e.type === 'delivered') {
    deliveryMoments(at, e.id, e.reply);
  } else {
    // A ballot starting, requests sent or exchanged, a reply reaching its proposer: the event's protocol reads them.
    eventOwner(e)?.eventMoments(at, e);
  }
  protocolOf(after).stateMoments(at);
  for (let i = before.monitor.violations.length; i < after.monitor.violations.length; i++) {
    const v = after.monitor.violations[i]!;
    at.add('violation', `Violation: ${v.rule}`, v.message);
  }
  return at.out;
}

/** What message `id` does as it arrives (answered with `reply`): its protocol reads it. */
function deliveryMoments(at: At, id: number, reply: Extract<RoomEvent, { type: 'delivered' }>['reply']): void {
  const m = at.before.inFlight.find((x) => x.id === id);
  if (m) messageOwner(m).deliveryMoments(at, m, reply);
}
