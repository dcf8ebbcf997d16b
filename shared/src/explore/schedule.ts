/**
 * Two pieces both searches share: `successorState`, the exact step, and `compactSchedule`,
 * which writes a found schedule as a person would.
 */
import { touchedNodes } from '../log';
import { cloneMonitor } from '../monitor';
import { cloneNode } from '../node';
import { apply, roomWith, type RoomCommand, type RoomEvent, type RoomState } from '../room';

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
