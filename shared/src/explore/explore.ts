/**
 * The what-if explorer: a bounded breadth-first search over every way a room can go on
 * from a state. The exact search plays every step as a room command checked by `decide`
 * and applied by `apply`, and deduplicates states by `stateKey` (key.ts); the compact
 * search (compact.ts) plays the same room on integer records, calling each node's programs
 * once per distinct state and message, many times as fast, and is checked against the exact one. The search runs in slices (`Exploration.run`), so a
 * caller can show progress and stop it between slices; `explore` runs it to the end.
 */
import { decide } from '../decide';
import { watching } from '../refusals';
import { invariant } from '../invariant';
import { cloneRoomState, LIMITS, mayPropose, type RoomCommand, type RoomState } from '../room';
import type { SafetyRule } from '../monitor';
import { textProblem } from '../text';
import { KeyParts, messageKey, stateKey } from './key';
import { CompactRoom, Unsupported } from './compact';
import { CompactSearch } from './compact-search';
import { successorState, compactSchedule, sentKey, outcomeValues } from './schedule';
import { protocolOf } from '../protocols/registry';
import type { ChosenOutcome, ExploreBounds, ExploreEngine, ExploreProgress, ExploreResult, Focus } from './types';

export const EXPLORE_DEFAULTS = { depthMax: 40, statesMax: 200_000, copiesMax: 2, valuesMax: 4, nodesMax: 7 } as const;

/** Bad bounds: a sentence a person can act on. */
export class ExploreError extends Error {
  override name = 'ExploreError';
}

interface Entry {
  readonly state: RoomState;
  /** Requests sent by the search in the current ballot, as `sentKey`s: each is sent once (see `sendCommands`). */
  readonly sent: readonly string[];
  readonly index: number;
}

/** Checks `bounds` against `state` and fills in the defaults; throws ExploreError with a sentence when they are wrong. */
export function resolveBounds(state: RoomState, bounds: ExploreBounds): Required<ExploreBounds> {
  const refusal = protocolOf(state).explorerRefusal;
  if (refusal) throw new ExploreError(refusal);
  const whole = (name: string, v: number | undefined, min: number, max: number) => {
    if (v !== undefined && (!Number.isInteger(v) || v < min || v > max)) throw new ExploreError(`${name} is a whole number from ${min} to ${max}, not ${v}.`);
  };
  whole('The depth bound', bounds.depthMax, 0, 1000);
  whole('The round bound', bounds.roundMax, 1, 1000);
  whole('The state bound', bounds.statesMax, 1, 10_000_000);
  whole('The copies bound', bounds.copiesMax, 1, 10);
  if (bounds.timeMsMax !== undefined && !(bounds.timeMsMax > 0)) throw new ExploreError(`The time bound is a number of milliseconds above 0, not ${bounds.timeMsMax}.`);
  const seenRound = Math.max(0, ...state.order.map((id) => state.nodes[id]!.proposer.maxRound));
  const values = bounds.values ?? defaultValues(state);
  checkValues(values);
  const proposers = bounds.proposers ?? state.order.filter((id) => mayPropose(state, id));
  for (const id of proposers) {
    if (!state.nodes[id]) throw new ExploreError(`There is no node called ${id} in this room.`);
    if (!mayPropose(state, id)) throw new ExploreError(watching(state, id, 'propose').explanation);
  }
  const valuesOf = bounds.valuesOf ?? {};
  for (const [id, vs] of Object.entries(valuesOf)) {
    if (!proposers.includes(id)) throw new ExploreError(`${id} is not one of the proposers, so it proposes no value.`);
    checkValues(vs);
  }
  const joiners = bounds.joiners ?? [];
  for (const id of joiners) if (state.nodes[id]) throw new ExploreError(`${id} is already in the room, so it cannot join.`);
  if (state.order.length + joiners.length > EXPLORE_DEFAULTS.nodesMax) {
    throw new ExploreError(`The explorer searches rooms of up to ${EXPLORE_DEFAULTS.nodesMax} nodes: every schedule of a bigger room is far too many to search.`);
  }
  return {
    depthMax: bounds.depthMax ?? EXPLORE_DEFAULTS.depthMax,
    roundMax: bounds.roundMax ?? seenRound + 1,
    statesMax: bounds.statesMax ?? EXPLORE_DEFAULTS.statesMax,
    timeMsMax: bounds.timeMsMax ?? Infinity,
    values,
    proposers,
    valuesOf,
    crashes: bounds.crashes ?? true,
    cuts: bounds.cuts ?? false,
    joiners,
    copiesMax: bounds.copiesMax ?? EXPLORE_DEFAULTS.copiesMax,
    stopAtViolation: bounds.stopAtViolation ?? false,
    focus: bounds.focus ?? true,
  };
}

function checkValues(values: readonly string[]): void {
  if (values.length === 0 || values.length > EXPLORE_DEFAULTS.valuesMax) throw new ExploreError(`Give from 1 to ${EXPLORE_DEFAULTS.valuesMax} values to propose.`);
  for (const v of values) {
    const problem = textProblem(v, LIMITS.valueLengthMax, 'a value');
    if (problem) throw new ExploreError(`${problem[0]!.toUpperCase()}${problem.slice(1)}.`);
    if (v.trim().toLowerCase() === 'none') throw new ExploreError('The log writes None for "no value", so None cannot be a value: pick another word.');
  }
  if (new Set(values).size !== values.length) throw new ExploreError('Each value to propose is given once.');
}

/** The values the room has seen (proposed, or wanted by a proposer), or Apple and Mango when there are none. */
export function defaultValues(state: RoomState): string[] {
  const seen = new Set(Object.keys(state.monitor.proposed));
  for (const id of state.order) {
    const v = state.nodes[id]!.proposer.value;
    if (v !== null) seen.add(v);
  }
  const values = [...seen].slice(0, EXPLORE_DEFAULTS.valuesMax);
  return values.length ? values : ['Apple', 'Mango'];
}

/** The most states a search for one value alone visits, for each proposer (see `ExploreResult.focusStates`). */
export const FOCUS_STATES_MAX = 100_000;

/**
 * A search in progress. `run(budget)` searches up to `budget` more states and returns the
 * result once the search is over (or null to be called again); `stop()` ends it at the next
 * state. The time bound reads `now`, which the caller supplies: the core has no clock.
 * It runs the compact search (compact.ts) when the records can hold the starting state,
 * which they do for every room the pages and the CLI make, and the exact search through
 * `decide` and `apply` otherwise (or when `engine` is 'exact'); both count the same states.
 * When the state bound cuts that search short, it then searches for each value it did not
 * find alone, one proposer at a time (see `roomSuccessors`), with the same engine: far fewer
 * states, which reach a value that is many steps away.
 */
export class Exploration {
  readonly bounds: Required<ExploreBounds>;
  /** Which search runs: 'compact' may turn 'exact' mid-search (see `run`). */
  engine: ExploreEngine;
  #start: RoomState;
  #now: (() => number) | null;
  #search: CompactSearch | ExactSearch;
  #main: ExploreResult | null = null;
  /** The searches for single values still to run, and the one running. */
  #focuses: Focus[] = [];
  #focus: CompactSearch | ExactSearch | null = null;
  #focusOf: Focus | null = null;
  #focusStates = 0;
  #found = new Map<string, ChosenOutcome>();
  #focusTimedOut = false;
  #startMs: number | null = null;
  #stopped = false;
  #result: ExploreResult | null = null;

  constructor(start: RoomState, bounds: ExploreBounds = {}, now: (() => number) | null = null, engine: 'auto' | 'exact' = 'auto') {
    this.bounds = resolveBounds(start, bounds);
    this.#start = start;
    this.#now = now;
    const room = engine === 'auto' ? CompactRoom.create(start, this.bounds) : null;
    this.#search = room ? new CompactSearch(room, start, this.bounds, now) : new ExactSearch(start, this.bounds, now);
    this.engine = room ? 'compact' : 'exact';
  }

  get progress(): ExploreProgress {
    if (!this.#main) return this.#search.progress;
    return { states: this.#main.states + this.#focusStates + (this.#focus?.progress.states ?? 0), depth: this.#main.depth };
  }

  /** Ends the search at the next state; the result says it was cancelled. */
  stop(): void {
    this.#stopped = true;
    this.#search.stop();
    this.#focus?.stop();
  }

  /**
   * The main search's slice. A program may make up values the records cannot number (more
   * than 30): the compact search then stops, and the exact search starts over from the start.
   */
  #compactOrExact(budget: number): ExploreResult | null {
    try {
      return this.#search.run(budget);
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      this.#search = new ExactSearch(this.#start, this.bounds, this.#now);
      this.engine = 'exact';
      if (this.#stopped) this.#search.stop();
      return this.#search.run(budget);
    }
  }

  /** Searches up to `budget` states; the result when the search is over, else null. */
  run(budget = Infinity): ExploreResult | null {
    if (this.#result) return this.#result;
    if (this.#now && this.#startMs === null) this.#startMs = this.#now();
    if (!this.#main) {
      const main = this.#compactOrExact(budget);
      if (!main) return null;
      this.#main = main;
      const h = main.hit;
      if (!this.bounds.focus || !h.states || h.time || h.cancelled || h.found) return (this.#result = main);
      const missing = main.values.filter((v) => !main.chosen.some((c) => c.value === v));
      this.#focuses = missing.flatMap((value) => this.bounds.proposers.map((proposer) => ({ value, proposer })));
    }
    for (;;) {
      if (!this.#focus) {
        const focus = this.#focuses.shift();
        if (!focus) return this.#finish(this.#main);
        // Only a way shorter than one found already is worth looking for, and none is shorter than one step beyond the depth searched whole.
        const depthMax = Math.min(this.bounds.depthMax, (this.#found.get(focus.value)?.steps ?? Infinity) - 1);
        if (depthMax <= this.#main.depth) continue;
        const elapsedMs = this.#now ? this.#now() - this.#startMs! : 0;
        if (elapsedMs >= this.bounds.timeMsMax) {
          this.#focusTimedOut = true;
          return this.#finish(this.#main);
        }
        const bounds = { ...this.bounds, depthMax, statesMax: Math.min(FOCUS_STATES_MAX, this.bounds.statesMax), timeMsMax: this.bounds.timeMsMax - elapsedMs };
        const room = this.engine === 'compact' ? CompactRoom.create(this.#start, bounds, focus) : null;
        this.#focus = room ? new CompactSearch(room, this.#start, bounds, this.#now) : new ExactSearch(this.#start, bounds, this.#now, focus);
        this.#focusOf = focus;
      }
      if (this.#stopped) this.#focus.stop();
      const r = this.#focus.run(budget);
      if (!r) return null;
      const focus = this.#focusOf!;
      this.#focus = null;
      this.#focusStates += r.states;
      if (r.hit.cancelled || r.hit.time) {
        this.#focusTimedOut = r.hit.time;
        return this.#finish(this.#main);
      }
      const c = r.chosen.find((x) => x.value === focus.value);
      if (c) this.#found.set(focus.value, { ...c, shortest: c.steps <= this.#main.depth + 1 });
    }
  }

  /** The first search's answer with the values found by the searches for single values. */
  #finish(main: ExploreResult): ExploreResult {
    const hit = { ...main.hit, time: main.hit.time || this.#focusTimedOut, cancelled: main.hit.cancelled || this.#stopped };
    this.#result = { ...main, hit, chosen: [...main.chosen, ...this.#found.values()], focusStates: this.#focusStates };
    return this.#result;
  }
}

/**
 * The exact search: every step through `decide` and `apply`, states deduplicated by `stateKey`.
 * With a focus, it tries only the focus's commands and stops when the focus's value is chosen.
 */
class ExactSearch {
  readonly bounds: Required<ExploreBounds>;
  #keys = new Map<string, number>();
  #parts = new KeyParts();
  #parents: number[] = [-1];
  #commands: (RoomCommand | null)[] = [null];
  #level: Entry[];
  #next: Entry[] = [];
  #at = 0;
  #depth = 0;
  #transitions = 0;
  #hit = { depth: false, states: false, time: false, cancelled: false, found: false, rounds: false, copies: false };
  #chosen = new Map<string, number>();
  #violations = new Map<SafetyRule, { index: number; message: string }>();
  /** Rules already broken in the starting state: not outcomes of the search. */
  #seenViolations: Set<SafetyRule>;
  #startMs: number | null = null;
  #stopped = false;
  #result: ExploreResult | null = null;

  constructor(
    readonly start: RoomState,
    bounds: Required<ExploreBounds>,
    readonly now: (() => number) | null = null,
    readonly focus: Focus | null = null,
  ) {
    this.bounds = bounds;
    const first: Entry = { state: cloneRoomState(start), sent: [], index: 0 };
    this.#keys.set(stateKey(first.state, [], this.#parts), 0);
    this.#level = [first];
    for (const c of start.monitor.chosen) if (!this.#chosen.has(c.value)) this.#chosen.set(c.value, 0);
    this.#seenViolations = new Set(start.monitor.violations.map((v) => v.rule));
  }

  get progress(): ExploreProgress {
    return { states: this.#keys.size, depth: this.#depth };
  }

  stop(): void {
    this.#stopped = true;
  }

  run(budget = Infinity): ExploreResult | null {
    if (this.#result) return this.#result;
    const b = this.bounds;
    if (this.now && this.#startMs === null) this.#startMs = this.now();
    for (let done = 0; done < budget; done++) {
      if (this.#stopped) return this.#finish('cancelled');
      if (this.now && b.timeMsMax !== Infinity && (done & 63) === 0 && this.now() - this.#startMs! > b.timeMsMax) return this.#finish('time');
      if (this.#at >= this.#level.length) {
        if (this.#next.length === 0) return this.#finish(null);
        this.#depth++;
        this.#level = this.#next;
        this.#next = [];
        this.#at = 0;
      }
      const entry = this.#level[this.#at]!;
      this.#level[this.#at++] = undefined as unknown as Entry; // let the state go once expanded
      if (this.#depth >= b.depthMax) {
        if (this.#successors(entry).length) this.#hit.depth = true;
        continue;
      }
      for (const [command, state, sent] of this.#successors(entry)) {
        this.#transitions++;
        const key = stateKey(state, sent, this.#parts);
        if (this.#keys.has(key)) continue;
        if (this.#keys.size >= b.statesMax) return this.#finish('states');
        const index = this.#parents.length;
        this.#keys.set(key, index);
        this.#parents.push(entry.index);
        this.#commands.push(command);
        this.#next.push({ state, sent, index });
        if (this.#note(state, index) && b.stopAtViolation) return this.#finish('found');
        if (this.focus && this.#chosen.has(this.focus.value)) return this.#finish('found');
      }
    }
    return null;
  }

  /** Notes the outcomes first reached in `state`: a value chosen, a rule broken. True when a rule is first broken here. */
  #note(state: RoomState, index: number): boolean {
    for (const c of state.monitor.chosen) if (!this.#chosen.has(c.value)) this.#chosen.set(c.value, index);
    let broken = false;
    for (const v of state.monitor.violations) {
      if (this.#seenViolations.has(v.rule) || this.#violations.has(v.rule)) continue;
      this.#violations.set(v.rule, { index, message: v.message });
      broken = true;
    }
    return broken;
  }

  #successors(entry: Entry): [RoomCommand, RoomState, readonly string[]][] {
    return roomSuccessors(entry.state, entry.sent, this.bounds, this.#parts, this.#hit, this.focus);
  }

  #finish(reason: 'cancelled' | 'time' | 'states' | 'found' | null): ExploreResult {
    if (reason) this.#hit[reason] = true;
    const schedule = (index: number): { commands: RoomCommand[]; steps: number } => {
      const commands: RoomCommand[] = [];
      for (let i = index; i > 0; i = this.#parents[i]!) commands.push(this.#commands[i]!);
      return { commands: compactSchedule(commands.reverse()), steps: commands.length };
    };
    const hit = { ...this.#hit };
    this.#result = {
      engine: 'exact',
      states: this.#keys.size,
      transitions: this.#transitions,
      depth: this.#depth,
      hit,
      complete: !hit.depth && !hit.states && !hit.time && !hit.cancelled && !hit.found,
      chosen: [...this.#chosen].map(([value, index]) => ({ value, ...schedule(index), shortest: true })),
      values: outcomeValues(this.start, this.bounds),
      focusStates: 0,
      alreadyBroken: [...this.#seenViolations],
      violations: [...this.#violations].map(([rule, v]) => ({ rule, message: v.message, ...schedule(v.index) })),
      bounds: this.bounds,
    };
    invariant(this.#parents.length === this.#keys.size, 'every state has one parent');
    return this.#result;
  }
}

/** What a successor function notes as it goes: a bound that stopped it trying something. */
export interface SuccessorHits {
copies: boolean;
rounds: boolean;
}

/**
 * Every command the explorer tries from `s` that the room accepts, with the state it leads
 * to (through `decide` and `successorState`) and the search's `sent` bookkeeping: the exact
 * search's step, and what the compact search is checked against. With a focus, only those
 * that move the focus's value forward: deliveries, yes answers, recoveries and healed links,
 * and the focus's proposer's requests and proposals with its value (a subset of the others).
 */
export function roomSuccessors(
  s: RoomState,
  sentBefore: readonly string[],
  b: Required<ExploreBounds>,
  parts: KeyParts,
  hit: SuccessorHits,
  focus: Focus | null = null,
): [RoomCommand, RoomState, readonly string[]][] {
  const out: [RoomCommand, RoomState, readonly string[]][] = [];
  const play = (command: RoomCommand, sent: readonly string[] = sentBefore) => {
    const d = decide(s, command);
    if (!d.ok) return;
    const next = successorState(s, d.events);
    // A request delivered again makes its reply again, and one sent again to a student's
    // inbox waits there beside the first: the copies bound holds for both.
    const copies = command.type === 'deliver' || ((command.type === 'promiseRequest' || command.type === 'acceptRequest') && s.settings.acceptorMode === 'students');
    if (copies && overCopies(next, b.copiesMax, parts)) {
      hit.copies = true;
      return;
    }
    out.push([command, next, sent]);
  };

  // The network: each distinct message once (copies behave alike).
  const copies = new Map<string, { id: number; count: number }>();
  for (const m of s.inFlight) {
    const k = parts.of(m, messageKey);
    const c = copies.get(k);
    if (c) c.count++;
    else copies.set(k, { id: m.id, count: 1 });
  }
  for (const { id, count } of copies.values()) {
    play({ type: 'deliver', id });
    if (focus) continue;
    play({ type: 'drop', id });
    if (count < b.copiesMax) play({ type: 'duplicate', id });
    else hit.copies = true;
  }
  // Requests waiting in a student's inbox: answered yes or no.
  const heldSeen = new Set<string>();
  for (const [id, m] of Object.entries(s.held)) {
    const k = parts.of(m, messageKey);
    if (heldSeen.has(k)) continue;
    heldSeen.add(k);
    for (const yes of focus ? [true] : [true, false]) play({ type: 'answer', node: m.to, id: Number(id), yes });
  }
  // Proposers: a new proposal with each value, then promise and accept requests to each set of acceptors.
  for (const id of focus ? [focus.proposer] : b.proposers) {
    const n = s.nodes[id];
    if (!n || !n.up) continue;
    if (n.proposer.maxRound + 1 <= b.roundMax) {
      for (const value of b.valuesOf[id] ?? b.values) if (!focus || value === focus.value) play({ type: 'propose', node: id, value }, sentBefore.filter((k) => !k.startsWith(`${id}|`)));
    } else hit.rounds = true;
    if (n.proposer.ballot) sendCommands(s, id, sentBefore, play);
  }
  for (const id of s.order) {
    const n = s.nodes[id]!;
    if (!b.crashes) break;
    if (!focus || !n.up) play({ type: n.up ? 'crash' : 'recover', node: id });
  }
  if (b.cuts) {
    for (let i = 0; i < s.members.length; i++) {
      for (let j = i + 1; j < s.members.length; j++) {
        const a = s.members[i]!;
        const c = s.members[j]!;
        const cut = s.cut.includes(a < c ? `${a}|${c}` : `${c}|${a}`);
        if (!focus || cut) play({ type: cut ? 'heal' : 'cut', a, b: c });
      }
    }
  }
  if (!focus) for (const id of b.joiners) if (!s.nodes[id] && !s.members.includes(id)) play({ type: 'addNode', node: id });
  return out;
}

/** True when some message has more copies in flight, or some request more in one inbox, than the bound allows. */
function overCopies(s: RoomState, copiesMax: number, parts: KeyParts): boolean {
  for (const messages of [s.inFlight, Object.values(s.held)]) {
    const counts = new Map<string, number>();
    for (const m of messages) {
      const k = parts.of(m, messageKey);
      const n = (counts.get(k) ?? 0) + 1;
      if (n > copiesMax) return true;
      counts.set(k, n);
    }
  }
  return false;
}

/**
 * Promise and accept requests from `id`, to one acceptor at a time, so that a step is what
 * docs/SCENARIOS.md calls one: a request to several is the same events as one request to
 * each in turn (`compactSchedule` merges them back into one line). With queued delivery,
 * once per acceptor and ballot: a request sent again is the same as a copy the network
 * made, which the search tries already.
 */
function sendCommands(s: RoomState, id: string, sent: readonly string[], play: (c: RoomCommand, sent?: readonly string[]) => void): void {
  for (const kind of ['promiseRequest', 'acceptRequest'] as const) {
    for (const t of s.members) {
      if (!s.nodes[t]) continue;
      if (s.settings.delivery === 'instant') {
        play({ type: kind, from: id, to: [t] });
        continue;
      }
      const k = sentKey(id, kind, t);
      if (!sent.includes(k)) play({ type: kind, from: id, to: [t] }, [...sent, k].sort());
    }
  }
}

/** Searches every way the room can go on from `state`, within `bounds`. */
export function explore(state: RoomState, bounds: ExploreBounds = {}, now: (() => number) | null = null): ExploreResult {
  return new Exploration(state, bounds, now).run()!;
}
