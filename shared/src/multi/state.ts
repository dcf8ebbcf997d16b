/**
 * The Multi-Paxos state of a room: creation, copies, and the programs its nodes run.
 */
import { cloneHeard, isSingleKind } from '../node';
import type { RoomSettings } from '../settings';
import { MULTI_HONEST, multiProgramsForRules, type MultiPrograms } from './programs';
import { MULTI_KINDS, type LeaderState, type MultiMessage, type MultiNodeState, type MultiState } from './types';

export function emptyMultiState(): MultiState {
  return { nodes: {}, monitor: { proposed: {}, tallies: {}, chosen: [] } };
}

/** A node's fresh Multi-Paxos state: its acceptor's, its leader's and its learner's, in the order rooms have always been written out. */
export function emptyMultiNode(): MultiNodeState {
  const { acceptor, leader, learner } = MULTI_HONEST;
  return { ...acceptor.init(), ...leader.init(), ...learner.init() };
}

/** The programs every node of a Multi-Paxos room runs: the honest ones, with the room's rule-breaking modes in place. */
export function multiProgramsOf(state: { readonly settings: RoomSettings }): MultiPrograms {
  return multiProgramsForRules(state.settings.rules);
}

const EMPTY_NODE: MultiNodeState = emptyMultiNode();

/** Node `id`'s Multi-Paxos state for reading (a blank one if it has none yet). Never change the result. */
export function multiNodeOf(multi: MultiState | undefined, id: string): MultiNodeState {
  return multi?.nodes[id] ?? EMPTY_NODE;
}

function cloneLeader(l: LeaderState | null): LeaderState | null {
  return l && { ...l, promisers: l.promisers.slice(), reported: { ...l.reported }, requests: { ...l.requests }, sent: { ...l.sent }, acceptors: { ...l.acceptors } };
}

/** A copy that shares nothing mutable with `m` (the learners' tallies grow in place; the other lists inside records are replaced on write, never changed). */
export function cloneMultiState(m: MultiState): MultiState {
  const nodes: Record<string, MultiNodeState> = {};
  for (const [id, n] of Object.entries(m.nodes)) {
    nodes[id] = { ...n, accepted: { ...n.accepted }, leader: cloneLeader(n.leader), learned: { ...n.learned }, heard: cloneHeard(n.heard), kv: { ...n.kv } };
  }
  const mon = m.monitor;
  return { nodes, monitor: { proposed: { ...mon.proposed }, tallies: { ...mon.tallies }, chosen: mon.chosen.slice() } };
}

const MULTI_KIND_SET: ReadonlySet<string> = new Set(MULTI_KINDS);

export function isMultiMessage(m: { readonly kind: string }): m is MultiMessage {
  // The single-decree kinds first: the fold asks this of every message it delivers.
  return !isSingleKind(m.kind) && MULTI_KIND_SET.has(m.kind);
}

/** The first slot node `n` has not learned: where a leader's phase 1 starts. */
export function firstUnlearned(n: MultiNodeState): number {
  let slot = 1;
  while (n.learned[slot] !== undefined) slot++;
  return slot;
}

/** The highest slot a record has a key for, or 0. */
export function topSlot(record: Readonly<Record<number, unknown>>): number {
  let top = 0;
  for (const k of Object.keys(record)) top = Math.max(top, Number(k));
  return top;
}

