/** The benchmarks' classroom-like room log, built from a seed: the same log every run, in Node and in the browser. */
import { apply, cloneRoomState, decide, DEFAULT_SETTINGS, initialRoomState, Rng, type RoomCommand, type RoomLog, type RoomEvent, type RoomState } from '@toy-paxos/shared';

const NODES = ['A', 'B', 'C', 'D', 'E'];

/** A room played from `initial` by commands (`push`, which skips a refused one), whose events are kept up to `count`. */
function recorder(initial: RoomState, count: number): { s: RoomState; events: RoomEvent[]; push: (c: RoomCommand) => void } {
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
  return { s, events, push };
}

/** A classroom-like log: five nodes, queued delivery, two rival proposers, drops, duplicates and crashes; a fresh round every 2,000 events. */
export function buildLog(count: number, seed: number): { initial: RoomState; events: RoomEvent[] } {
  const rng = new Rng(seed);
  const initial = initialRoomState({ ...DEFAULT_SETTINGS, q1: 3, q2: 3, delivery: 'queued' });
  const { s, events, push } = recorder(initial, count);
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

/**
 * A classroom of 40 playing as a class plays: queued delivery, every node learning; each
 * round, a few students propose and send promise requests to all, the instructor delivers
 * with deliver-alls, students deliver single messages too, then they send accept requests to
 * all and the instructor delivers the replies and every acceptor's notices to every learner
 * (about 1,500 messages in one deliver-all). A fresh round after each.
 */
export function buildClassLog(count: number, seed: number, nodeCount = 40): { initial: RoomState; events: RoomEvent[] } {
  const rng = new Rng(seed);
  const nodes = Array.from({ length: nodeCount }, (_, i) => `n${i + 1}`);
  const initial = initialRoomState({ ...DEFAULT_SETTINGS, delivery: 'queued' });
  const { s, events, push } = recorder(initial, count);
  const deliverSome = (n: number) => {
    for (let i = 0; i < n && s.inFlight.length; i++) push({ type: 'deliver', id: rng.pick(s.inFlight).id });
  };
  for (const n of nodes) push({ type: 'addNode', node: n });
  while (events.length < count) {
    const proposers = [rng.pick(nodes), rng.pick(nodes)];
    for (const p of proposers) push({ type: 'propose', node: p, value: rng.pick(['Apple', 'Mango', 'Kiwi']) });
    for (const p of proposers) push({ type: 'promiseRequest', from: p, to: 'all' });
    deliverSome(20);
    push({ type: 'deliverAll' });
    deliverSome(10);
    push({ type: 'deliverAll' });
    for (const p of proposers) push({ type: 'acceptRequest', from: p, to: 'all' });
    deliverSome(20);
    push({ type: 'deliverAll' });
    deliverSome(40);
    push({ type: 'deliverAll' });
    push({ type: 'newRound' });
  }
  return { initial, events };
}

/**
 * A classroom of 40 playing Multi-Paxos: queued delivery, every node learning. A leader leads
 * and asks everyone for promises; then, batch after batch, clients send it a few commands, it
 * sends accept requests to all and the instructor delivers the replies and every acceptor's
 * notices with deliver-alls, students delivering single messages too. Now and then a rival
 * leads (so a leader re-proposes what its promisers report), and a node crashes and recovers.
 * A fresh round once a round's log nears its slot limit.
 */
export function buildMultiClassLog(count: number, seed: number, nodeCount = 40): { initial: RoomState; events: RoomEvent[] } {
  const rng = new Rng(seed);
  const nodes = Array.from({ length: nodeCount }, (_, i) => `n${i + 1}`);
  const initial = initialRoomState({ ...DEFAULT_SETTINGS, protocol: 'multi', delivery: 'queued' });
  const { s, events, push } = recorder(initial, count);
  const deliverSome = (n: number) => {
    for (let i = 0; i < n && s.inFlight.length; i++) push({ type: 'deliver', id: rng.pick(s.inFlight).id });
  };
  for (const n of nodes) push({ type: 'addNode', node: n });
  let leads = 0;
  while (events.length < count) {
    const leader = rng.pick(nodes.slice(0, 3));
    push({ type: 'lead', node: leader });
    push({ type: 'promiseRequest', from: leader, to: 'all' });
    deliverSome(20);
    push({ type: 'deliverAll' });
    push({ type: 'deliverAll' });
    for (let batch = 0; batch < 6; batch++) {
      push({ type: 'submit', node: leader, command: `set ${rng.pick(['x', 'y', 'z'])} ${rng.int(1, 9)}` });
      push({ type: 'acceptRequest', from: leader, to: 'all' });
      deliverSome(30);
      if (rng.next() < 0.2) push({ type: 'crash', node: rng.pick(nodes) });
      push({ type: 'deliverAll' });
      push({ type: 'deliverAll' });
      if (rng.next() < 0.2) push({ type: 'recover', node: rng.pick(s.order.filter((id) => !s.nodes[id]!.up)) ?? leader });
    }
    if (++leads % 4 === 0) push({ type: 'newRound' });
  }
  return { initial, events };
}

/** How many messages `events` deliver, a deliver-all counting each of its deliveries, and every other event one. */
export function eventSteps(events: readonly RoomEvent[]): number {
  let steps = 0;
  for (const e of events) steps += e.type === 'deliveredAll' ? e.deliveries.length : 1;
  return steps;
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
