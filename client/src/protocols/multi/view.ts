/**
 * Read-only views of a Multi-Paxos room for the pages: the log as a grid of slots by node,
 * each node's state machine, and a leader's slots. Nothing here decides anything: the
 * core's `pendingSlots` and `slotValue`, with the leader's program, say what the leader sends next.
 */
import { leaderTop, MULTI_LIMITS, multiNodeIn, multiProgramsOf, pendingSlots, roomQuorums, sameBallot, slotsChosen, slotValue, topSlot, type RoomState } from '@toy-paxos/shared';
import { ballotText } from '../../lib/view-model';


/** One node's state in one slot, from what is most settled to least. */
export type SlotCell =
  | { readonly state: 'applied' | 'learned'; readonly value: string }
  | { readonly state: 'accepted'; readonly value: string; readonly ballot: string }
  | { readonly state: 'empty' };

export interface SlotRow {
  readonly id: string;
  readonly name: string;
  readonly up: boolean;
  /** Leading now, with its ballot. */
  readonly leader: string | null;
  /** One cell per slot of the grid, slot 1 first. */
  readonly cells: readonly SlotCell[];
  /** The state machine has run slots 1 to `applied`. */
  readonly applied: number;
  /** The key-value store, `x = 3` pairs sorted by key. */
  readonly kv: readonly (readonly [string, string])[];
}

export interface SlotGridView {
  /** Slots 1..n: every slot any node accepted, learned or any leader holds a command for. */
  readonly slots: readonly number[];
  /** What each slot chose, as the monitor saw it (null: nothing yet), by slot. */
  readonly chosen: readonly (string | null)[];
  /** By slot: nothing chosen, yet some acceptor accepted a command there (a new leader must re-propose it). */
  readonly half: readonly boolean[];
  readonly rows: readonly SlotRow[];
}

/** The log as a grid: slots across, nodes down. */
export function slotGrid(state: RoomState): SlotGridView {
  let top = 0;
  for (const id of state.order) {
    const n = multiNodeIn(state, id);
    top = Math.max(top, topSlot(n.accepted), topSlot(n.learned), n.leader ? Math.max(topSlot(n.leader.requests), topSlot(n.leader.sent)) : 0);
  }
  const slots = Array.from({ length: Math.min(top, MULTI_LIMITS.slotsMax) }, (_, i) => i + 1);
  const chosenBySlot = new Map<number, string>();
  for (const c of slotsChosen(state)) if (!chosenBySlot.has(c.slot)) chosenBySlot.set(c.slot, c.value);
  const rows = state.order.map((id): SlotRow => {
    const n = multiNodeIn(state, id);
    const cells = slots.map((slot): SlotCell => {
      const learned = n.learned[slot];
      if (learned !== undefined) return { state: slot <= n.applied ? 'applied' : 'learned', value: learned };
      const acc = n.accepted[slot];
      return acc ? { state: 'accepted', value: acc.value, ballot: ballotText(state, acc.ballot) } : { state: 'empty' };
    });
    const kv = Object.entries(n.kv).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return { id, name: state.nodes[id]!.name, up: state.nodes[id]!.up, leader: n.leader ? ballotText(state, n.leader.ballot) : null, cells, applied: n.applied, kv };
  });
  const half = slots.map((s) => !chosenBySlot.has(s) && state.order.some((id) => multiNodeIn(state, id).accepted[s] !== undefined));
  return { slots, chosen: slots.map((s) => chosenBySlot.get(s) ?? null), half, rows };
}

/** Where a leader's slot stands. */
export type LeaderSlotState = 'chosen' | 'sent' | 'ready' | 'waiting';

export interface LeaderSlot {
  readonly slot: number;
  /** The command its accept requests carry (or will): `slotValue`. */
  readonly value: string;
  /** Why that command: the client's, one a promiser reported (re-proposed), or a no-op for a hole. */
  readonly source: 'client' | 'reported' | 'hole';
  readonly state: LeaderSlotState;
  /** Acceptances of this ballot's value in the slot. */
  readonly acceptors: number;
}

export interface LeaderView {
  readonly ballot: string;
  /** `from_slot`: phase 1 covers every slot from here on. */
  readonly fromSlot: number;
  readonly promisers: number;
  readonly q1: number;
  readonly q2: number;
  /** Slots from `from_slot` on that the leader has a command for, or learned. */
  readonly slots: readonly LeaderSlot[];
  /** The slots a plain "Accept request" sends now. */
  readonly pending: readonly number[];
}

/** A node's leadership and its slots, or null when it does not lead. */
export function leaderView(state: RoomState, id: string): LeaderView | null {
  const n = multiNodeIn(state, id);
  const leader = n.leader;
  if (!leader) return null;
  const program = multiProgramsOf(state).leader;
  const { q1, q2 } = roomQuorums(state);
  const quorum = leader.promisers.length >= q1;
  const slots: LeaderSlot[] = [];
  for (let slot = leader.slot; slot <= leaderTop(leader, program); slot++) {
    const value = slotValue(leader, slot, program);
    if (value === null) continue;
    const source = leader.requests[slot] === value ? 'client' : program.promiserAccMax(leader)[slot]?.value === value ? 'reported' : 'hole';
    const state: LeaderSlotState = n.learned[slot] !== undefined ? 'chosen' : leader.sent[slot] !== undefined ? 'sent' : quorum ? 'ready' : 'waiting';
    slots.push({ slot, value, source, state, acceptors: leader.acceptors[slot]?.length ?? 0 });
  }
  return {
    ballot: ballotText(state, leader.ballot),
    fromSlot: leader.slot,
    promisers: leader.promisers.length,
    q1,
    q2,
    slots,
    pending: pendingSlots(leader, n, program),
  };
}

/** The node the class's client commands go to: the up node leading with the highest ballot, else null. */
export function currentLeader(state: RoomState): string | null {
  let best: string | null = null;
  let bestRound = -1;
  for (const id of state.order) {
    const leader = multiNodeIn(state, id).leader;
    if (!leader || !state.nodes[id]!.up) continue;
    if (leader.ballot.round > bestRound) {
      best = id;
      bestRound = leader.ballot.round;
    }
  }
  return best;
}

/** A command an acceptor accepted in a slot where nothing is chosen yet: a new leader hears of it, and must re-propose it. */
export interface HalfAccepted {
  readonly slot: number;
  readonly value: string;
  readonly ballot: string;
  /** How many acceptors accepted this command in this ballot, and how many choose it (Q2). */
  readonly acceptors: number;
  readonly q2: number;
}

/** The slots where node `id` accepted a command that is not chosen, slot 1 first. */
export function halfAccepted(state: RoomState, id: string): HalfAccepted[] {
  const chosen = new Set((slotsChosen(state)).map((c) => c.slot));
  const { q2 } = roomQuorums(state);
  const accepted = multiNodeIn(state, id).accepted;
  return Object.keys(accepted)
    .map(Number)
    .filter((slot) => !chosen.has(slot))
    .sort((a, b) => a - b)
    .map((slot) => {
      const a = accepted[slot]!;
      const acceptors = state.order.filter((other) => {
        const b = multiNodeIn(state, other).accepted[slot];
        return b !== undefined && sameBallot(b.ballot, a.ballot) && b.value === a.value;
      }).length;
      return { slot, value: a.value, ballot: ballotText(state, a.ballot), acceptors, q2 };
    });
}

/** The slot an accept request names for the pick `choice` ('' or a slot no longer pending: every pending slot, undefined). */
export function acceptSlot(room: RoomState, actor: string, choice: string): number | undefined {
  const slot = Number(choice);
  return choice !== '' && leaderView(room, actor)?.pending.includes(slot) ? slot : undefined;
}
