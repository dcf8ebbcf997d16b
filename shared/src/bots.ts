/**
 * Bots: the core plays nodes for solo practice and small classes. Auto-acceptors
 * need nothing here: a bot node answers requests by the rules (see `decide`).
 * Auto-proposers (and, in a Multi-Paxos room, would-be leaders) are driven by `BotDriver`, whose timing comes from a seeded
 * random number generator and the clock values it is given, so the same seed and
 * the same clock give the same commands. The commands it returns go through
 * `decide` like anyone's, and the log records what they did.
 */
import { pendingSlots } from './multi/leader';
import { multiNodeOf } from './multi/state';
import { mayPropose, roomQuorums, type RoomCommand, type RoomState } from './room';

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

export const BOT_VALUES = ['Apple', 'Mango', 'Kiwi', 'Plum', 'Pear', 'Fig', 'Lime', 'Grape'] as const;

export interface BotTiming {
  /** Shortest and longest pause before a bot acts, in milliseconds. */
  readonly thinkMsMin: number;
  readonly thinkMsMax: number;
  /** How long a bot waits for a quorum before it retries with a higher ballot. */
  readonly retryMs: number;
}

export const DEFAULT_BOT_TIMING: BotTiming = { thinkMsMin: 800, thinkMsMax: 2500, retryMs: 6000 };

interface BotPlan {
  nextAtMs: number;
  proposedAtMs: number;
  /** Client commands a Multi-Paxos bot has put in its slots. */
  commands: number;
}

/** Client commands one Multi-Paxos bot puts in slots as leader, at most: a lesson's log stays short. */
export const BOT_COMMANDS_MAX = 3;

/** Drives the auto-proposers among a room's bot nodes. */
export class BotDriver {
  readonly #rng: Rng;
  readonly #timing: BotTiming;
  readonly #plans = new Map<string, BotPlan>();

  constructor(seed: number, timing: BotTiming = DEFAULT_BOT_TIMING) {
    this.#rng = new Rng(seed);
    this.#timing = timing;
  }

  /**
   * The commands the bot proposers want to run at `nowMs`, given the room's state.
   * Each bot runs one step at a time: propose and ask everyone for promises; once it
   * has a quorum, ask everyone to accept; stop once it has learned a choice; retry
   * with a higher ballot when it waits too long.
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
      if (state.settings.protocol === 'multi') {
        if (nowMs < plan.nextAtMs) continue;
        plan.nextAtMs = nowMs + this.#think();
        out.push(...this.#lead(state, id, plan, nowMs));
        continue;
      }
      if (nowMs < plan.nextAtMs || node.choice !== null) continue;
      plan.nextAtMs = nowMs + this.#think();
      const p = node.proposer;
      const stuck = nowMs - plan.proposedAtMs >= this.#timing.retryMs;
      const { q1, q2 } = roomQuorums(state);
      if (!p.ballot || (stuck && p.acceptors.length < q2)) {
        out.push({ type: 'propose', node: id, value: this.#rng.pick(BOT_VALUES) });
        out.push({ type: 'promiseRequest', from: id, to: 'all' });
        plan.proposedAtMs = nowMs;
      } else if (p.promisers.length >= q1 && p.sentValue === null) {
        out.push({ type: 'acceptRequest', from: id, to: 'all' });
      }
    }
    return out;
  }

  /**
   * A Multi-Paxos bot's step: lead (phase 1 for every slot it has not learned) and ask
   * everyone for promises, leading again with a higher ballot when it waits too long for a
   * quorum; with a quorum, send accept requests for the slots it has values for, or else
   * take a client command of its own (`set k N`), up to `BOT_COMMANDS_MAX`.
   */
  #lead(state: RoomState, id: string, plan: BotPlan, nowMs: number): RoomCommand[] {
    const n = multiNodeOf(state.multi, id);
    const leader = n.leader;
    const { q1 } = roomQuorums(state);
    const stuck = nowMs - plan.proposedAtMs >= this.#timing.retryMs;
    if (!leader || (leader.promisers.length < q1 && stuck)) {
      plan.proposedAtMs = nowMs;
      return [
        { type: 'lead', node: id },
        { type: 'promiseRequest', from: id, to: 'all' },
      ];
    }
    if (leader.promisers.length < q1) return [];
    const pending = pendingSlots(leader, n, state.settings.rules.skipRepropose).filter((slot) => leader.sent[slot] === undefined);
    if (pending.length) return [{ type: 'acceptRequest', from: id, to: 'all' }];
    if (plan.commands >= BOT_COMMANDS_MAX) return [];
    plan.commands++;
    return [{ type: 'submit', node: id, command: `set ${this.#rng.pick(['x', 'y', 'z'])} ${this.#rng.int(1, 9)}` }];
  }

  #think(): number {
    return this.#rng.int(this.#timing.thinkMsMin, this.#timing.thinkMsMax);
  }
}
