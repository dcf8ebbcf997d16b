/**
 * Bots: the core plays nodes for solo practice and small classes. Auto-acceptors
 * need nothing here: a bot node answers requests by the rules (see `decide`).
 * Auto-proposers (and, in a Multi-Paxos room, would-be leaders) are driven by `BotDriver`,
 * which asks the room's protocol module for each bot's step (`botMoves`), and whose timing comes from a seeded
 * random number generator and the clock values it is given, so the same seed and
 * the same clock give the same commands. The commands it returns go through
 * `decide` like anyone's, and the log records what they did.
 */
import { mayPropose, type RoomCommand, type RoomState } from './room';
import { protocolOf } from './protocols/registry';
import type { BotPlan, BotTools } from './protocols/types';

export { BOT_VALUES } from './protocols/single';
export { BOT_COMMANDS_MAX } from './protocols/multi';

/** A small, fast, seeded generator (mulberry32): the same seed gives the same sequence. */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    this.#s = (this.#s + 0x6d2b79f5) >>> 0;
    let t = this.#s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
}

export interface BotTiming {
  /** Shortest and longest pause before a bot acts, in milliseconds. */
  readonly thinkMsMin: number;
  readonly thinkMsMax: number;
  /** How long a bot waits for a quorum before it retries with a higher ballot. */
  readonly retryMs: number;
}

export const DEFAULT_BOT_TIMING: BotTiming = { thinkMsMin: 800, thinkMsMax: 2500, retryMs: 6000 };

/** Drives the auto-proposers among a room's bot nodes. */
export class BotDriver {
  readonly #rng: Rng;
  readonly #timing: BotTiming;
  readonly #plans = new Map<string, BotPlan>();
  /** What a protocol module's `botMoves` draws on. */
  readonly #tools: BotTools;

  constructor(seed: number, timing: BotTiming = DEFAULT_BOT_TIMING) {
    this.#rng = new Rng(seed);
    this.#timing = timing;
    this.#tools = { think: () => this.#think(), pick: (items) => this.#rng.pick(items), int: (lo, hi) => this.#rng.int(lo, hi), retryMs: timing.retryMs };
  }

  /**
   * The commands the bot proposers want to run at `nowMs`, given the room's state.
   * Each bot runs one step at a time, as the room's protocol plays it (`botMoves`):
   * single-decree, propose and ask everyone for promises; once it has a quorum, ask
   * everyone to accept; stop once it has learned a choice; retry with a higher ballot
   * when it waits too long.
   */
  next(state: RoomState, nowMs: number, proposers: readonly string[]): RoomCommand[] {
    const out: RoomCommand[] = [];
    for (const id of proposers) {
      const node = state.nodes[id];
      // A node that joined mid-round watches until the next one.
      if (!node || !node.up || !mayPropose(state, id)) continue;
      let plan = this.#plans.get(id);
      if (!plan) {
        plan = { nextAtMs: nowMs + this.#think(), proposedAtMs: -Infinity, commands: 0 };
        this.#plans.set(id, plan);
      }
      out.push(...protocolOf(state).botMoves(state, id, plan, nowMs, this.#tools));
    }
    return out;
  }

  #think(): number {
    return this.#rng.int(this.#timing.thinkMsMin, this.#timing.thinkMsMax);
  }
}
