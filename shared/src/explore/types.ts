/**
 * The explorer's vocabulary as types: the bounds of a search, its result and the ways it
 * found, and a focus on one value. explore.ts runs the search; compact.ts, schedule.ts and
 * text.ts, which it uses or which read its results, name these without loading it.
 */
import type { SafetyRule } from '../monitor';
import type { RoomCommand } from '../room';

/** How far the search goes, and what it may do. Every field has a default. */
export interface ExploreBounds {
  /** The longest schedule searched, in commands. */
  readonly depthMax?: number;
  /** The highest ballot round a new proposal may take (default: one above the highest round seen). */
  readonly roundMax?: number;
  /** Stop after this many distinct states. */
  readonly statesMax?: number;
  /** Stop after this many milliseconds, read from `now` (no clock: no time bound). */
  readonly timeMsMax?: number;
  /** Values a new proposal may carry (default: the values the room has seen, or Apple and Mango). */
  readonly values?: readonly string[];
  /** Nodes that may start a new proposal (default: every acceptor of the round). */
  readonly proposers?: readonly string[];
  /** Values for some proposers in place of `values` (A proposes only Apple, say), which makes the search smaller. */
  readonly valuesOf?: Readonly<Record<string, readonly string[]>>;
  /** Crash and recover nodes (default true). */
  readonly crashes?: boolean;
  /** Cut and heal links (default false). */
  readonly cuts?: boolean;
  /** Nodes that may join during the search, one `addNode` each (default none). */
  readonly joiners?: readonly string[];
  /**
   * The most copies of one message in flight (made by `duplicate`, or by delivering a request
   * again), and of one request waiting in a student's inbox (sent to it again) (default 2).
   */
  readonly copiesMax?: number;
  /** Stop at the first violation found (the shortest, since the search is breadth-first); default false. */
  readonly stopAtViolation?: boolean;
  /**
   * After a search cut short by the state bound, search for each value it did not find alone
   * (see `ExploreResult.focusStates`); default true.
   */
  readonly focus?: boolean;
}

/** The shortest way found to an outcome: the commands to play from the starting state. */
export interface Schedule {
  readonly commands: readonly RoomCommand[];
}

/** Which search ran: the compact one (records of small integers), or the exact one through `decide` and `apply`. */
export type ExploreEngine = 'compact' | 'exact';

export interface ExploreResult {
  readonly engine: ExploreEngine;
  /** Distinct states visited, the starting state included. */
  readonly states: number;
  /** Commands tried that the room accepted. */
  readonly transitions: number;
  /** The deepest level searched whole. */
  readonly depth: number;
  /** Which bound cut the search short (`rounds` and `copies` limit what the search tries, not how far it goes). */
  readonly hit: {
    readonly depth: boolean;
    readonly states: boolean;
    readonly time: boolean;
    readonly cancelled: boolean;
    /** Stopped at the first violation (`stopAtViolation`). */
    readonly found: boolean;
    readonly rounds: boolean;
    readonly copies: boolean;
  };
  /** True when every state within the rounds and copies allowed was searched. */
  readonly complete: boolean;
  /**
   * Every value found that can be chosen (already chosen ones with an empty schedule), with a
   * schedule to it: the shortest one, unless `shortest` is false (see `focusStates`).
   */
  readonly chosen: readonly ChosenOutcome[];
  /** Every value the search could have found chosen: those new proposals may carry and those already in the room. */
  readonly values: readonly string[];
  /**
   * States visited by the searches for single values, after a search cut short by its state
   * bound (0 when none ran): for each value it did not find, one proposer at a time with
   * only that value, no losses, copies or crashes. A value found so is truly possible, by a
   * way that may not be the shortest.
   */
  readonly focusStates: number;
  /** Safety rules already broken in the starting state. */
  readonly alreadyBroken: readonly SafetyRule[];
  /** Each safety rule that can be broken (besides those already broken), with the shortest schedule and the monitor's message. */
  readonly violations: readonly { readonly rule: SafetyRule; readonly message: string; readonly commands: readonly RoomCommand[]; readonly steps: number }[];
  /** The bounds in force, defaults filled in. */
  readonly bounds: Required<ExploreBounds>;
}

/** A value that can be chosen, and a way to choose it. */
export interface ChosenOutcome {
  readonly value: string;
  /** The way, as room commands (requests that follow each other merged, as a person writes them). */
  readonly commands: readonly RoomCommand[];
  /** How many steps the way is, counted as the depth bound counts them: a request to each acceptor is one. */
  readonly steps: number;
  /** True when no shorter way exists: always, unless the value was found by a search for it alone. */
  readonly shortest: boolean;
}

export interface ExploreProgress {
  readonly states: number;
  readonly depth: number;
}

/** A search for one value alone: only `proposer` acts, and it proposes only `value` (see `roomSuccessors`). */
export interface Focus {
  readonly value: string;
  readonly proposer: string;
}
