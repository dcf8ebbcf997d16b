/**
 * The Multi-Paxos state of a room: creation, copies, and the replicated key-value store
 * that each node runs its chosen commands on, in slot order.
 */
import type { Ballot } from '../ballot';
import { MULTI_KINDS, MULTI_LIMITS, NO_OP, type LeaderState, type MultiMessage, type MultiNodeState, type MultiState } from './types';

export function emptyMultiState(): MultiState {
  return { nodes: {}, monitor: { proposed: {}, tallies: {}, chosen: [] } };
}

export function emptyMultiNode(): MultiNodeState {
  return { promised: null, accepted: {}, maxRound: 0, leader: null, learned: {}, heard: {}, applied: 0, kv: {} };
}

const EMPTY_NODE: MultiNodeState = emptyMultiNode();

/** Node `id`'s Multi-Paxos state for reading (a blank one if it has none yet). Never change the result. */
export function multiNodeOf(multi: MultiState | undefined, id: string): MultiNodeState {
  return multi?.nodes[id] ?? EMPTY_NODE;
}

function cloneLeader(l: LeaderState | null): LeaderState | null {
  return l && { ...l, promisers: l.promisers.slice(), reported: { ...l.reported }, requests: { ...l.requests }, sent: { ...l.sent }, acceptors: { ...l.acceptors } };
}

/** A copy that shares nothing mutable with `m` (lists inside records are replaced on write, never changed). */
export function cloneMultiState(m: MultiState): MultiState {
  const nodes: Record<string, MultiNodeState> = {};
  for (const [id, n] of Object.entries(m.nodes)) {
    nodes[id] = { ...n, accepted: { ...n.accepted }, leader: cloneLeader(n.leader), learned: { ...n.learned }, heard: { ...n.heard }, kv: { ...n.kv } };
  }
  const mon = m.monitor;
  return { nodes, monitor: { proposed: { ...mon.proposed }, tallies: { ...mon.tallies }, chosen: mon.chosen.slice() } };
}

const MULTI_KIND_SET: ReadonlySet<string> = new Set(MULTI_KINDS);

export function isMultiMessage(m: { readonly kind: string }): m is MultiMessage {
  // The single-decree kinds first: the fold asks this of every message it delivers.
  switch (m.kind) {
    case 'prepare':
    case 'promise':
    case 'accept':
    case 'accepted':
    case 'reject':
    case 'notice':
      return false;
    default:
      return MULTI_KIND_SET.has(m.kind);
  }
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

/** `slot|ballot|value`: a learner's tally key. */
export function slotTallyKey(slot: number, ballot: Ballot, value: string): string {
  return `${slot}|${ballot.node === undefined ? ballot.round : `${ballot.round}.${ballot.node}`}|${value}`;
}

// ---------------------------------------------------------------------------
// The key-value store

export type KvCommand =
  | { readonly op: 'set'; readonly key: string; readonly value: string }
  | { readonly op: 'get'; readonly key: string }
  | { readonly op: 'noop' };

const KEY = new RegExp(`^[a-z][a-z0-9_]{0,${MULTI_LIMITS.keyLengthMax - 1}}$`);
const VALUE = new RegExp(`^[A-Za-z0-9_.-]{1,${MULTI_LIMITS.valueLengthMax}}$`);

/**
 * Reads a client command, `set KEY VALUE` or `get KEY`, exactly as the core keeps it
 * (single spaces); `no-op` only when the leader fills a hole (`allowNoOp`). Returns the
 * command, or a sentence that says what is wrong and how to write it.
 */
export function parseKvCommand(text: string, allowNoOp = false): KvCommand | string {
  const how = `write "set KEY VALUE" or "get KEY", with a KEY of 1 to ${MULTI_LIMITS.keyLengthMax} lower-case letters, digits or _ starting with a letter, and a VALUE of 1 to ${MULTI_LIMITS.valueLengthMax} letters, digits or . _ -`;
  if (typeof text !== 'string') return `A command is text: ${how}.`;
  if (text.length > MULTI_LIMITS.commandLengthMax) return `A command has at most ${MULTI_LIMITS.commandLengthMax} characters: ${how}.`;
  if (text === NO_OP) return allowNoOp ? { op: 'noop' } : `no-op is what a leader puts in a hole; a client sends a real command: ${how}.`;
  const words = text.split(' ');
  if (words[0] === 'set' && words.length === 3 && KEY.test(words[1]!) && VALUE.test(words[2]!)) return { op: 'set', key: words[1]!, value: words[2]! };
  if (words[0] === 'get' && words.length === 2 && KEY.test(words[1]!)) return { op: 'get', key: words[1]! };
  return `"${text.length > 40 ? `${text.slice(0, 40)}…` : text}" is not a command this key-value store runs: ${how}.`;
}

/** Runs one chosen command on a store; returns what it printed (`x = 3`, `x = None`, or ''). */
export function runKvCommand(kv: Record<string, string>, text: string): string {
  const c = parseKvCommand(text, true);
  if (typeof c === 'string') return ''; // the monitor's validity check reports a command nobody proposed
  switch (c.op) {
    case 'set':
      kv[c.key] = c.value;
      return `${c.key} = ${c.value}`;
    case 'get':
      return `${c.key} = ${kv[c.key] ?? 'None'}`;
    case 'noop':
      return '';
  }
}
