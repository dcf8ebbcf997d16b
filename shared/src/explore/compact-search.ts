/**
 * The compact search's breadth-first loop over records: the same search as the exact one,
 * state for state, with `CompactRoom` playing the room's rules and `RecordStore` keeping each
 * state once; a schedule found is played back through `decide` as room commands.
 */
import { decide } from '../decide';
import { invariant } from '../invariant';
import type { SafetyRule } from '../monitor';
import { cloneRoomState, type RoomCommand, type RoomState } from '../room';
import type { CompactRoom } from './compact';
import { grown, RecordStore } from './records';
import type { ExploreBounds, ExploreProgress, ExploreResult } from './types';
import { compactSchedule, outcomeValues, successorState } from './schedule';

type Finish = 'cancelled' | 'time' | 'states' | 'found' | null;

/**
 * The breadth-first search over records: the same search as the exact one, state for state.
 * With a room that has a focus, it stops when the focus's value is chosen.
 */
export class CompactSearch {
  #store = new RecordStore();
  #parents = new Int32Array(1024);
  /** The command that first led to each record (codes stay below 2^30: compact.ts). */
  #commands = new Int32Array(1024);
  #at = 0;
  #levelEnd = 1;
  #depth = 0;
  #transitions = 0;
  #hit = { depth: false, states: false, time: false, cancelled: false, found: false, rounds: false, copies: false };
  #chosen = new Map<string, number>();
  #violations = new Map<SafetyRule, number>();
  #seenViolations: Set<SafetyRule>;
  /** Values and rules noted already (rules broken at the start among them), as bits. */
  #notedValues = 0;
  #notedRules: number;
  #startMs: number | null = null;
  #stopped = false;
  #result: ExploreResult | null = null;

  constructor(
    readonly room: CompactRoom,
    readonly start: RoomState,
    readonly bounds: Required<ExploreBounds>,
    readonly now: (() => number) | null,
  ) {
    const first = room.encode(start, []);
    this.#store.has(first, first.length);
    this.#store.add(first, first.length);
    this.#parents[0] = -1;
    for (const c of start.monitor.chosen) if (!this.#chosen.has(c.value)) this.#chosen.set(c.value, 0);
    this.#seenViolations = new Set(start.monitor.violations.map((v) => v.rule));
    this.#notedRules = room.violationBits(first);
    this.#notedValues = room.chosenBits(first);
  }

  get progress(): ExploreProgress {
    return { states: this.#store.size, depth: this.#depth };
  }

  stop(): void {
    this.#stopped = true;
  }

  run(budget = Infinity): ExploreResult | null {
    if (this.#result) return this.#result;
    const b = this.bounds;
    const room = this.room;
    const store = this.#store;
    if (this.now && this.#startMs === null) this.#startMs = this.now();
    let finish: Finish | undefined;
    let parent = 0;
    let s = store.get(0);
    const atDepthMax = () => (this.#hit.depth = true);
    const add = (command: number) => {
      if (finish !== undefined) return;
      this.#transitions++;
      // A command that changes nothing (a promise asked again, say) leads back to the state expanded.
      if (room.unchanged(s)) return;
      if (store.has(room.t, room.tLen)) return;
      if (store.size >= b.statesMax) {
        finish = 'states';
        return;
      }
      const index = store.size;
      store.add(room.t, room.tLen);
      if (index >= this.#parents.length) {
        this.#parents = grown(this.#parents, index + 1);
        this.#commands = grown(this.#commands, index + 1);
      }
      this.#parents[index] = parent;
      this.#commands[index] = command;
      if (this.#note(index) && b.stopAtViolation) finish = 'found';
      if (room.focus && this.#notedValues & (1 << room.focus.value)) finish = 'found';
    };
    for (let done = 0; done < budget; done++) {
      if (this.#stopped) return this.#finish('cancelled');
      if (this.now && b.timeMsMax !== Infinity && (done & 63) === 0 && this.now() - this.#startMs! > b.timeMsMax) return this.#finish('time');
      if (this.#at >= this.#levelEnd) {
        if (store.size === this.#levelEnd) return this.#finish(null);
        this.#depth++;
        this.#levelEnd = store.size;
      }
      parent = this.#at++;
      // A view: when the store grows while the record is expanded, the view keeps the old array.
      s = store.get(parent);
      if (this.#depth >= b.depthMax) {
        room.expand(s, atDepthMax);
        continue;
      }
      room.expand(s, add);
      if (finish !== undefined) return this.#finish(finish);
    }
    return null;
  }

  /** Notes the outcomes first reached in record `index`. True when a rule is first broken there. */
  #note(index: number): boolean {
    const r = this.room.t;
    const values = this.room.chosenBits(r) & ~this.#notedValues;
    if (values) {
      this.#notedValues |= values;
      this.room.values.forEach((v, i) => {
        if (values & (1 << i) && !this.#chosen.has(v)) this.#chosen.set(v, index);
      });
    }
    const rules = this.room.violationBits(r) & ~this.#notedRules;
    if (!rules) return false;
    this.#notedRules |= rules;
    for (const rule of this.room.rules(rules)) this.#violations.set(rule, index);
    return true;
  }

  /** The commands from the start to record `index`, played through `decide`, and the room state they reach. */
  #replay(index: number): { commands: RoomCommand[]; end: RoomState } {
    const codes: number[] = [];
    for (let i = index; i > 0; i = this.#parents[i]!) codes.push(this.#commands[i]!);
    let s = cloneRoomState(this.start);
    const commands: RoomCommand[] = [];
    for (const code of codes.reverse()) {
      const command = this.room.command(s, code);
      const d = decide(s, command);
      invariant(d.ok, `the compact search's ${command.type} is accepted by the room`);
      s = successorState(s, d.events);
      commands.push(command);
    }
    return { commands, end: s };
  }

  #finish(reason: Finish): ExploreResult {
    if (reason) this.#hit[reason] = true;
    this.#hit.copies ||= this.room.hitCopies;
    this.#hit.rounds ||= this.room.hitRounds;
    const hit = { ...this.#hit };
    this.#result = {
      engine: 'compact',
      states: this.#store.size,
      transitions: this.#transitions,
      depth: this.#depth,
      hit,
      complete: !hit.depth && !hit.states && !hit.time && !hit.cancelled && !hit.found,
      chosen: [...this.#chosen].map(([value, index]) => {
        const { commands } = this.#replay(index);
        return { value, commands: compactSchedule(commands), steps: commands.length, shortest: true };
      }),
      values: outcomeValues(this.start, this.bounds),
      focusStates: 0,
      alreadyBroken: [...this.#seenViolations],
      violations: [...this.#violations].map(([rule, index]) => {
        const { commands, end } = this.#replay(index);
        const message = end.monitor.violations.find((v) => v.rule === rule)?.message;
        invariant(message, `the schedule to ${rule} breaks it in the room`);
        return { rule, message, commands: compactSchedule(commands), steps: commands.length };
      }),
      bounds: this.bounds,
    };
    return this.#result;
  }
}
