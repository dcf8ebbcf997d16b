/** The benchmarks' classroom-like room log, built from a seed: the same log every run, in Node and in the browser. */
import { apply, cloneRoomState, decide, DEFAULT_SETTINGS, initialRoomState, Rng, type RoomCommand, type RoomLog, type RoomEvent, type RoomState } from '@toy-paxos/shared';

const NODES = ['A', 'B', 'C', 'D', 'E'];

/** A classroom-like log: five nodes, queued delivery, two rival proposers, drops, duplicates and crashes; a fresh round every 2,000 events. */
export function buildLog(count: number, seed: number): { initial: RoomState; events: RoomEvent[] } {
  const rng = new Rng(seed);
  const initial = initialRoomState({ ...DEFAULT_SETTINGS, q1: 3, q2: 3, delivery: 'queued' });
  const s = cloneRoomState(initial);
  const events: RoomEvent[] = [];
  const push = (c: RoomCommand) => {
    const d = decide(s, c);
    if (!d.ok) return;
    for (const e of d.events) {
      if (events.length >= count) return;
      apply(s, e);
      events.push(e);
    }
  };
  for (const n of NODES) push({ type: 'addNode', node: n });
  let sinceRound = 0;
  while (events.length < count) {
    const before = events.length;
    const r = rng.next();
    const proposer = rng.pick(NODES.slice(0, 2));
    if (sinceRound > 2000) {
      push({ type: 'newRound' });
      sinceRound = 0;
    } else if (r < 0.05) push({ type: 'propose', node: proposer, value: rng.pick(['Apple', 'Mango', 'Kiwi']) });
    else if (r < 0.12) push({ type: 'promiseRequest', from: proposer, to: 'all' });
    else if (r < 0.2) push({ type: 'acceptRequest', from: proposer, to: 'all' });
    else if (r < 0.22 && s.inFlight.length) push({ type: 'drop', id: rng.pick(s.inFlight).id });
    else if (r < 0.24 && s.inFlight.length) push({ type: 'duplicate', id: rng.pick(s.inFlight).id });
    else if (r < 0.245) push({ type: 'crash', node: rng.pick(NODES) });
    else if (r < 0.26) push({ type: 'recover', node: rng.pick(NODES) });
    else if (s.inFlight.length) push({ type: 'deliver', id: rng.pick(s.inFlight).id });
    sinceRound += events.length - before;
  }
  return { initial, events };
}


/** `stateAt` at `count` random points (a fixed seed), after `warmup` unmeasured ones: each seek's time in ms, sorted. */
export function timeSeeks(log: RoomLog, count: number, warmup: number): number[] {
  const rng = new Rng(7);
  const times: number[] = [];
  for (let i = 0; i < count + warmup; i++) {
    const seq = rng.int(0, log.length);
    const start = performance.now();
    log.stateAt(seq);
    if (i >= warmup) times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b);
}
