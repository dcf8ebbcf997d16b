/**
 * The room's state: its nodes, this round's acceptors and quorums, the network and the
 * monitor, with copies of it and the network's primitives (the links, putting a message in
 * flight, finding one). Below the room's events (room.ts), so that the protocols' folds
 * (multi/apply.ts) can use them while room.ts hands them their events.
 */
import { invariant } from './invariant';
import { cloneNode, type Message, type NodeState, type RequestMessage } from './node';
import { cloneMonitor, emptyMonitor, type MonitorState } from './monitor';
import type { CheckpointState } from './checkpoint-state';
import { completeSettings, DEFAULT_SETTINGS, quorumSizes, type RoomSettings } from './settings';
import { cloneMultiState, emptyMultiState } from './multi/state';
import type { MultiState } from './multi/types';

export const LIMITS = {
  nodesMax: 400,
  nameLengthMax: 32,
  valueLengthMax: 24,
  /** A room's title, from the file it was opened from (a scenario's `title` line, a session file's `title`). */
  titleLengthMax: 200,
  inFlightMax: 2000,
} as const;

export interface RoomState {
  /** Sequence number of the last event applied (0 for an empty log). */
  seq: number;
  settings: RoomSettings;
  /** The classroom round: a fresh round keeps the log but resets every node. */
  round: number;
  nodes: Record<string, NodeState>;
  /** Node ids in join order. */
  order: string[];
  /**
   * This round's acceptors: the fixed set that Paxos decides among, and that a majority
   * quorum counts. A node that joins mid-round watches until the next round; one removed
   * mid-round stays counted (as an acceptor that never answers) until then.
   */
  members: string[];
  /**
   * Nodes that a switch of timeline brought onto this one after its round's first proposal
   * (`nodeAdded` with `carried` and `nextRound`): not acceptors until the next round, like
   * any node that joins then, but proposers (leaders) at once, so that a student switched to
   * a timeline mid-round still has a part to play there. A new proposer is safe in Paxos:
   * only the acceptors must stay fixed. Absent when there are none; replaced, never changed.
   */
  carried?: readonly string[];
  /** A proposal has started in this round: from now on the acceptors and quorums are fixed until the next round. */
  fixed: boolean;
  /** Settings that take effect when the next round starts (quorum changes made mid-round), or null. */
  nextSettings: RoomSettings | null;
  /**
   * The acceptors or quorums changed during this round's decision ("reconfigure mid-round"):
   * the round stays unsafe until the next one starts, even once the mode is off again.
   */
  reconfigured: boolean;
  /** Messages in the network, oldest first. */
  inFlight: Message[];
  /** Requests handed to a student's inbox, by id, until answered. */
  held: Record<number, RequestMessage>;
  nextMessageId: number;
  /** Cut links, as `a|b` keys with a < b. */
  cut: string[];
  monitor: MonitorState;
  /** Prediction checkpoints, oldest first; kept across rounds. Each is replaced, never changed, so copies can share them. */
  checkpoints: CheckpointState[];
  /** A Multi-Paxos room's slots, leaders, learned logs and state machines (shared/src/multi/); absent in a single-decree room. */
  multi?: MultiState;
}

/** An empty room with the given settings. */
export function initialRoomState(settings: RoomSettings = DEFAULT_SETTINGS): RoomState {
  const complete = completeSettings(settings);
  return {
    ...(complete.protocol === 'multi' ? { multi: emptyMultiState() } : {}),
    seq: 0,
    settings: complete,
    round: 1,
    nodes: {},
    order: [],
    members: [],
    fixed: false,
    nextSettings: null,
    reconfigured: false,
    inFlight: [],
    held: {},
    nextMessageId: 1,
    cut: [],
    monitor: emptyMonitor(),
    checkpoints: [],
  };
}

/** A copy of `s` with the given nodes and monitor, and copies of its lists of nodes and of the network's. */
export function roomWith(s: RoomState, nodes: Record<string, NodeState>, monitor: MonitorState): RoomState {
  return { ...s, nodes, order: s.order.slice(), members: s.members.slice(), inFlight: s.inFlight.slice(), held: { ...s.held }, cut: s.cut.slice(), monitor, checkpoints: s.checkpoints.slice() };
}

/** A copy of `s` that shares nothing mutable with it, so `apply` can change it in place. */
export function cloneRoomState(s: RoomState): RoomState {
  const nodes: Record<string, NodeState> = {};
  for (const id of s.order) nodes[id] = cloneNode(s.nodes[id]!);
  const copy = roomWith(s, nodes, cloneMonitor(s.monitor));
  if (s.multi) copy.multi = cloneMultiState(s.multi);
  return copy;
}

export type LostReason = 'crashed' | 'cut' | 'left';

/** The quorum sizes in force in `state`: fixed, or a majority of this round's acceptors. */
export function roomQuorums(state: RoomState): { q1: number; q2: number } {
  return quorumSizes(state.settings, state.members.length);
}

/** True when node `id` is one of this round's acceptors (false for a node that joined mid-round). */
export function isMember(state: RoomState, id: string): boolean {
  return state.members.includes(id);
}

/**
 * Whether node `id` may start a proposal (or lead) in this round: one of its acceptors, or
 * carried onto this timeline. A node that joined after the round's first proposal watches
 * until the next round: it learns the round's outcome but neither proposes nor accepts.
 */
export function mayPropose(state: RoomState, id: string): boolean {
  return isMember(state, id) || (state.carried?.includes(id) ?? false);
}

/** The display name of node `id` (the id itself once the node has left). */
export function nameOf(state: RoomState, id: string): string {
  return state.nodes[id]?.name ?? id;
}

export function linkKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/** True when a message from `a` can reach `b`: same node, or a link that is not cut. */
export function linkUp(state: RoomState, a: string, b: string): boolean {
  return a === b || !state.cut.includes(linkKey(a, b));
}

/**
 * Index of message `id` in flight, or -1. Ids only grow and every message enters the
 * network at the end (a copy gets a fresh id), so `inFlight` is sorted by id.
 */
export function inFlightIndex(inFlight: readonly Message[], id: number): number {
  let lo = 0;
  let hi = inFlight.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const midId = inFlight[mid]!.id;
    if (midId === id) return mid;
    if (midId < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Puts a message in flight, keeping `inFlight` sorted by id (see `inFlightIndex`). */
export function enqueue(s: RoomState, m: Message): void {
  const last = s.inFlight[s.inFlight.length - 1];
  invariant(!last || last.id < m.id, `message #${m.id} enters the network after #${last?.id}`);
  s.inFlight.push(m);
}

/** Keeps `nextMessageId` above every id in use. */
export function bumpIds(s: RoomState, id: number): void {
  if (id >= s.nextMessageId) s.nextMessageId = id + 1;
}
