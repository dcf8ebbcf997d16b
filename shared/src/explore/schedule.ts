/**
 * Pieces both searches share: `successorState`, the exact step; `sentKey`, the bookkeeping of
 * requests sent; `outcomeValues`, the values a search looks for; and `compactSchedule`, which
 * writes a found schedule as a person would.
 */
import { touchedNodes } from '../log';
import { cloneMonitor } from '../monitor';
import { cloneNode } from '../node';
import { apply, roomWith, type RoomCommand, type RoomEvent, type RoomState } from '../room';
import type { ExploreBounds } from './types';

/**
 * `fold(state, events)`, copying only the nodes the events change: the others are shared
 * with `state`, which is never changed again, so their keys are computed once. A test
 * checks that it equals `fold`.
 */
export function successorState(state: RoomState, events: readonly RoomEvent[]): RoomState {
  const next = roomWith(state, { ...state.nodes }, cloneMonitor(state.monitor));
  const copied = new Set<string>();
  for (const e of events) {
    const touched = touchedNodes(next, e);
    for (const id of touched === 'all' ? next.order : touched) {
      const n = next.nodes[id];
      if (!n || copied.has(id)) continue;
      next.nodes[id] = cloneNode(n);
      copied.add(id);
    }
    apply(next, e);
  }
  return next;
}

/** The search's note that `from` sent a request of `kind` to `to` in its current ballot (queued delivery). */
export function sentKey(from: string, kind: 'promiseRequest' | 'acceptRequest', to: string): string {
  return `${from}|${kind}|${to}`;
}

/**
 * Merges requests of one kind from one proposer that follow each other, to different
 * acceptors, into one command, as a person sends them ("promise A -> A B"). `decide` gives
 * a request to several acceptors the same events as one request to each in turn, so the
 * schedule plays the same; a test checks it.
 */
export function compactSchedule(commands: readonly RoomCommand[]): RoomCommand[] {
  const out: RoomCommand[] = [];
  for (const c of commands) {
    const last = out[out.length - 1];
    if (
      last &&
      (c.type === 'promiseRequest' || c.type === 'acceptRequest') &&
      last.type === c.type &&
      last.from === c.from &&
      Array.isArray(last.to) &&
      Array.isArray(c.to) &&
      !c.to.some((t) => last.to.includes(t))
    ) {
      out[out.length - 1] = { ...last, to: [...last.to, ...c.to] };
      continue;
    }
    out.push(c);
  }
  return out;
}

/** Every value a search from `state` could find chosen: the values of the bounds, and those proposed or already chosen in the room. */
export function outcomeValues(state: RoomState, b: Required<ExploreBounds>): string[] {
  const values = new Set([...state.monitor.chosen.map((c) => c.value), ...Object.keys(state.monitor.proposed)]);
  for (const id of state.order) {
    const v = state.nodes[id]!.proposer.value;
    if (v !== null) values.add(v);
  }
  for (const v of [...b.values, ...Object.values(b.valuesOf).flat()]) values.add(v);
  return [...values];
}
