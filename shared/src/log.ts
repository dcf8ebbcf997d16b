/**
 * The room's event log with snapshots. The log is the only truth: `stateAt(seq)`
 * folds from the nearest snapshot, so seeking anywhere in a long log costs at most
 * `snapshotEvery` event applications. A log may keep its older events sealed in a
 * compact form (an `EventCodec`, such as the server's compressed one): a long room then
 * costs little memory, and only the chunk being read is opened.
 */
import { annotate, type Annotation } from './annotate';
import { cloneNode, type ReplyMessage } from './node';
import { invariant } from './invariant';
import { decide } from './decide';
import type { SearchedQuestion } from './checkpoint-questions';
import { apply, cloneRoomState, initialRoomState, noticeTargets, roomWith, type Refusal, type RoomCommand, type RoomEvent, type RoomState } from './room';
import { protocolOf } from './protocols/registry';
import { isProtocolEvent } from './protocols/kinds';

export const SNAPSHOT_EVERY = 1024;

/**
 * What `annotate` reads of the state before `event`, copied cheaply: the nodes the event
 * can change, the network and the counts of chosen values and violations. A full copy
 * of a 300-node room for every event would cost more than everything else the server
 * does for it. The monitor's tallies are shared, not copied: annotate never reads them,
 * and the view must not be given to `apply` or `evolve`.
 */
export function annotationView(s: RoomState, event: RoomEvent): RoomState {
  if (protocolOf(s).annotateFromFullCopy) return cloneRoomState(s);
  const touched = touchedNodes(s, event);
  if (touched === 'all') return cloneRoomState(s);
  const nodes = { ...s.nodes };
  for (const id of touched) if (s.nodes[id]) nodes[id] = cloneNode(s.nodes[id]!);
  return roomWith(s, nodes, { ...s.monitor, chosen: s.monitor.chosen.slice(), violations: s.monitor.violations.slice() });
}

/** The nodes whose state `event` can change. */
export function touchedNodes(s: RoomState, e: RoomEvent): readonly string[] | 'all' {
  switch (e.type) {
    case 'roundStarted':
    case 'deliveredAll':
      return 'all';
    case 'nodeAdded':
    case 'settingsChanged':
    case 'dropped':
    case 'duplicated':
    case 'linkCut':
    case 'linkHealed':
    case 'droppedAll':
    case 'partitioned':
    case 'healedAll':
    case 'checkpointOpened':
    case 'checkpointClosed':
    case 'checkpointRevealed':
      return [];
    case 'nodeRemoved':
    case 'nodeRenamed':
    case 'proposalStarted':
    case 'crashed':
    case 'recovered':
    case 'ownProgramSet':
      return [e.node];
    case 'exchanged':
      return [e.request.from, e.request.to, ...toldAtOnce(s, e.reply, true)];
    case 'sent':
    case 'lost':
      return [e.message.from, e.message.to];
    case 'delivered': {
      const m = s.inFlight.find((x) => x.id === e.id);
      return m ? [m.from, m.to] : [];
    }
    case 'answered': {
      const m = s.held[e.id];
      return [...(m ? [m.from, m.to] : [e.reply.from, e.reply.to]), ...toldAtOnce(s, e.reply, e.instant)];
    }
    default:
      invariant(isProtocolEvent(e), `no nodes known for event ${e.type}`);
      return 'all'; // a protocol's own event: its state `annotationView` copies whole
  }
}

/** The learners an acceptance reaches at once (instant delivery, every node learns): they may learn. */
function toldAtOnce(s: RoomState, reply: ReplyMessage | null, instant: boolean): readonly string[] {
  return instant && reply?.kind === 'accepted' && s.settings.learners === 'everyone' ? noticeTargets(s, reply) : [];
}

/** The result of dispatching a command: the entries it appended, or why it was refused. */
export type DispatchResult = { readonly ok: true; readonly entries: Annotation[] } | Refusal;

/**
 * How a log keeps its older events: each full chunk of `snapshotEvery` events is sealed
 * once and opened again when read. `open(seal(x))` must give events equal to `x`.
 */
export interface EventCodec<Sealed = unknown> {
  seal(events: readonly RoomEvent[]): Sealed;
  open(sealed: Sealed): readonly RoomEvent[];
}

/**
 * Annotates `events` as they follow `state`, which it advances in place: the same entries
 * as appending them to a log at that state. Copies only what each event can change.
 */
export function annotateEvents(state: RoomState, events: readonly RoomEvent[]): Annotation[] {
  return events.map((event) => {
    const before = annotationView(state, event);
    apply(state, event);
    return annotate(before, event, state);
  });
}

/** Every line of a folded record (log-lines.ts), printed again from the state before its event: the same bytes as the server's. */
export function unfoldLines(before: RoomState, event: RoomEvent): readonly string[] {
  return annotate(before, event).lines;
}

export class RoomLog {
  readonly #initial: RoomState;
  /** Full chunks of `snapshotEvery` events, sealed by the codec; chunk k holds events `k * snapshotEvery + 1...`. */
  readonly #sealed: unknown[] = [];
  /** The events after the sealed chunks (all of them without a codec). */
  #tail: RoomEvent[] = [];
  /** The last chunk opened, kept while it is read. */
  #opened: { readonly k: number; readonly events: readonly RoomEvent[] } | null = null;
  /** `#snapshots[k]` is the state after `k * snapshotEvery` events; index 0 is the initial state. Never changed once taken. */
  readonly #snapshots: RoomState[];
  #live: RoomState;
  readonly #codec: EventCodec | null;
  readonly snapshotEvery: number;

  constructor(initial: RoomState = initialRoomState(), events: Iterable<RoomEvent> = [], snapshotEvery = SNAPSHOT_EVERY, codec: EventCodec | null = null) {
    invariant(initial.seq === 0, 'a log starts from a state with seq 0');
    invariant(Number.isInteger(snapshotEvery) && snapshotEvery > 0, 'snapshotEvery is a positive integer');
    this.snapshotEvery = snapshotEvery;
    this.#codec = codec;
    this.#initial = cloneRoomState(initial);
    this.#snapshots = [cloneRoomState(initial)];
    this.#live = cloneRoomState(initial);
    for (const e of events) this.append(e);
  }

  /** The live state. Read it; never change it. */
  get state(): RoomState {
    return this.#live;
  }

  /** The state before the first event. Read it; never change it. */
  get initial(): RoomState {
    return this.#initial;
  }

  /** Sequence number of the last event (0 when empty). */
  get length(): number {
    return this.#sealed.length * this.snapshotEvery + this.#tail.length;
  }

  /** The events in order; event `seq` is at index `seq - 1`. With sealed chunks this is a new array of all of them: prefer `eventsBetween`. */
  get events(): readonly RoomEvent[] {
    return this.#sealed.length ? this.eventsBetween(1, this.length) : this.#tail;
  }

  /** The events `from..to` (inclusive, 1-based), as a new array. */
  eventsBetween(from: number, to: number): RoomEvent[] {
    invariant(Number.isInteger(from) && Number.isInteger(to) && from >= 1 && to <= this.length, `events ${from}..${to} are outside 1..${this.length}`);
    const out: RoomEvent[] = [];
    for (let i = from - 1; i < to; ) {
      const { events, start } = this.#locate(i);
      const end = Math.min(events.length, start + (to - i));
      for (let j = start; j < end; j++) out.push(events[j]!);
      i += end - start;
    }
    return out;
  }

  /** The event at index `i` (0-based): the chunk that holds it (a sealed one opened, and kept while it is read, or the tail) and its index there. */
  #locate(i: number): { readonly events: readonly RoomEvent[]; readonly start: number } {
    const tailStart = this.#sealed.length * this.snapshotEvery;
    if (i >= tailStart) return { events: this.#tail, start: i - tailStart };
    const k = Math.floor(i / this.snapshotEvery);
    if (this.#opened?.k !== k) this.#opened = { k, events: this.#codec!.open(this.#sealed[k]) };
    return { events: this.#opened.events, start: i - k * this.snapshotEvery };
  }

  /** The event with sequence number `seq` (1-based). */
  eventAt(seq: number): RoomEvent {
    invariant(Number.isInteger(seq) && seq >= 1 && seq <= this.length, `no event ${seq} in a log of ${this.length}`);
    const { events, start } = this.#locate(seq - 1);
    return events[start]!;
  }

  /** Appends one event that `decide` produced (or that a trusted log recorded). */
  append(event: RoomEvent): void {
    apply(this.#live, event);
    this.#tail.push(event);
    if (this.length % this.snapshotEvery === 0) {
      this.#snapshots.push(cloneRoomState(this.#live));
      if (this.#codec) {
        this.#sealed.push(this.#codec.seal(this.#tail));
        this.#tail = [];
      }
    }
  }

  /**
   * Decides `command` on the live state, appends its events and returns their annotated
   * entries; with `annotate: false`, appends them without making their text (no entries),
   * for a caller that needs only the events, such as an import. `searched` answers the
   * question that needs the explorer (see `decide`).
   */
  dispatch(command: RoomCommand, { annotate = true, searched = null }: { readonly annotate?: boolean; readonly searched?: SearchedQuestion | null } = {}): DispatchResult {
    const decision = decide(this.#live, command, searched);
    if (!decision.ok) return decision;
    if (annotate) return { ok: true, entries: this.appendAnnotated(decision.events) };
    for (const e of decision.events) this.append(e);
    return { ok: true, entries: [] };
  }

  /** Appends events that `decide` produced and returns their annotated entries. */
  appendAnnotated(events: readonly RoomEvent[]): Annotation[] {
    const entries: Annotation[] = [];
    for (const event of events) {
      const before = annotationView(this.#live, event);
      this.append(event);
      entries.push(annotate(before, event, this.#live));
    }
    return entries;
  }

  /** The state after event `seq` (0 = before any), as a fresh copy the caller owns. */
  stateAt(seq: number): RoomState {
    invariant(Number.isInteger(seq) && seq >= 0 && seq <= this.length, `seq ${seq} is outside 0..${this.length}`);
    const k = Math.floor(seq / this.snapshotEvery);
    const state = cloneRoomState(this.#snapshots[k]!);
    if (seq > k * this.snapshotEvery) for (const e of this.eventsBetween(k * this.snapshotEvery + 1, seq)) apply(state, e);
    return state;
  }

  /** Annotated entries for events `from..to` (inclusive, 1-based). */
  entries(from = 1, to = this.length): Annotation[] {
    if (from > to) return [];
    return annotateEvents(this.stateAt(from - 1), this.eventsBetween(from, to));
  }

  /**
   * A new log with events `1..seq` of this one: the start of a what-if branch. It shares
   * this log's snapshots and sealed chunks up to `seq`, which are never changed, so a
   * branch of a long log costs at most one chunk's events in time and memory.
   */
  branchAt(seq: number): RoomLog {
    invariant(Number.isInteger(seq) && seq >= 0 && seq <= this.length, `seq ${seq} is outside 0..${this.length}`);
    const every = this.snapshotEvery;
    const k = Math.floor(seq / every);
    const branch = new RoomLog(this.#initial, [], every, this.#codec);
    branch.#snapshots.push(...this.#snapshots.slice(1, k + 1));
    const shared = Math.min(k, this.#sealed.length);
    branch.#sealed.push(...this.#sealed.slice(0, shared));
    // Without a codec (or past the sealed chunks) the events of the first k chunks are copied as they are.
    branch.#tail = shared < k ? this.eventsBetween(shared * every + 1, k * every) : [];
    const live = cloneRoomState(this.#snapshots[k]!);
    const rest = seq > k * every ? this.eventsBetween(k * every + 1, seq) : [];
    for (const e of rest) apply(live, e);
    branch.#live = live;
    branch.#tail.push(...rest);
    return branch;
  }
}
