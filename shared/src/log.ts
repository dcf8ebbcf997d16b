/**
 * The room's event log with snapshots. The log is the only truth: `stateAt(seq)`
 * folds from the nearest snapshot, so seeking anywhere in a long log costs at most
 * `snapshotEvery` event applications.
 */
import { annotate, type Annotation } from './annotate';
import { cloneNode } from './node';
import { invariant } from './invariant';
import { decide } from './decide';
import { apply, cloneRoomState, initialRoomState, roomWith, type Refusal, type RoomCommand, type RoomEvent, type RoomState } from './room';

export const SNAPSHOT_EVERY = 1024;

/**
 * What `annotate` reads of the state before `event`, copied cheaply: the nodes the event
 * can change, the network and the counts of chosen values and violations. A full copy
 * of a 300-node room for every event would cost more than everything else the server
 * does for it. The monitor's tallies are shared, not copied: annotate never reads them,
 * and the view must not be given to `apply` or `evolve`.
 */
export function annotationView(s: RoomState, event: RoomEvent): RoomState {
  const touched = touchedNodes(s, event);
  if (touched === 'all') return cloneRoomState(s);
  const nodes = { ...s.nodes };
  for (const id of touched) if (s.nodes[id]) nodes[id] = cloneNode(s.nodes[id]!);
  return roomWith(s, nodes, { ...s.monitor, chosen: s.monitor.chosen.slice(), violations: s.monitor.violations.slice() });
}

/** The nodes whose state `event` can change. */
function touchedNodes(s: RoomState, e: RoomEvent): readonly string[] | 'all' {
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
      return [];
    case 'nodeRemoved':
    case 'nodeRenamed':
    case 'proposalStarted':
    case 'crashed':
    case 'recovered':
      return [e.node];
    case 'exchanged':
      return [e.request.from, e.request.to];
    case 'sent':
    case 'lost':
      return [e.message.from, e.message.to];
    case 'delivered': {
      const m = s.inFlight.find((x) => x.id === e.id);
      return m ? [m.from, m.to] : [];
    }
    case 'answered': {
      const m = s.held[e.id];
      return m ? [m.from, m.to] : [e.reply.from, e.reply.to];
    }
  }
}

/** The result of dispatching a command: the entries it appended, or why it was refused. */
export type DispatchResult = { readonly ok: true; readonly entries: Annotation[] } | Refusal;

export class RoomLog {
  readonly #initial: RoomState;
  readonly #events: RoomEvent[] = [];
  /** `#snapshots[k]` is the state after `k * snapshotEvery` events; index 0 is the initial state. */
  readonly #snapshots: RoomState[];
  readonly #live: RoomState;
  readonly snapshotEvery: number;

  constructor(initial: RoomState = initialRoomState(), events: Iterable<RoomEvent> = [], snapshotEvery = SNAPSHOT_EVERY) {
    invariant(initial.seq === 0, 'a log starts from a state with seq 0');
    invariant(Number.isInteger(snapshotEvery) && snapshotEvery > 0, 'snapshotEvery is a positive integer');
    this.snapshotEvery = snapshotEvery;
    this.#initial = cloneRoomState(initial);
    this.#snapshots = [cloneRoomState(initial)];
    this.#live = cloneRoomState(initial);
    for (const e of events) this.append(e);
  }

  /** The live state. Read it; never change it. */
  get state(): RoomState {
    return this.#live;
  }

  /** Sequence number of the last event (0 when empty). */
  get length(): number {
    return this.#events.length;
  }

  /** The events in order; event `seq` is at index `seq - 1`. */
  get events(): readonly RoomEvent[] {
    return this.#events;
  }

  /** The event with sequence number `seq` (1-based). */
  eventAt(seq: number): RoomEvent {
    const e = this.#events[seq - 1];
    invariant(e, `no event ${seq} in a log of ${this.length}`);
    return e;
  }

  /** Appends one event that `decide` produced (or that a trusted log recorded). */
  append(event: RoomEvent): void {
    apply(this.#live, event);
    this.#events.push(event);
    if (this.#events.length % this.snapshotEvery === 0) this.#snapshots.push(cloneRoomState(this.#live));
  }

  /** Decides `command` on the live state, appends its events and returns their annotated entries. */
  dispatch(command: RoomCommand): DispatchResult {
    const decision = decide(this.#live, command);
    if (!decision.ok) return decision;
    return { ok: true, entries: this.appendAnnotated(decision.events) };
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
    for (let i = k * this.snapshotEvery; i < seq; i++) apply(state, this.#events[i]!);
    return state;
  }

  /** Annotated entries for events `from..to` (inclusive, 1-based). */
  entries(from = 1, to = this.length): Annotation[] {
    const out: Annotation[] = [];
    if (from > to) return out;
    let state = this.stateAt(from - 1);
    for (let seq = from; seq <= to; seq++) {
      const event = this.eventAt(seq);
      const next = cloneRoomState(state);
      apply(next, event);
      out.push(annotate(state, event, next));
      state = next;
    }
    return out;
  }

  /** A new log with events `1..seq` of this one: the start of a what-if branch. */
  branchAt(seq: number): RoomLog {
    invariant(seq >= 0 && seq <= this.length, `seq ${seq} is outside 0..${this.length}`);
    return new RoomLog(this.#initial, this.#events.slice(0, seq), this.snapshotEvery);
  }
}
