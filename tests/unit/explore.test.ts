/**
 * The what-if explorer: counts hand-checked on tiny rooms, the search's own shortcuts
 * checked against `decide` and `fold`, and the reference model of the TLA+ specification.
 * The longer searches (each rule-breaking preset, the benchmark's configurations) are in
 * tests/property/explore.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  compactSchedule,
  decide,
  explore,
  Exploration,
  ExploreError,
  exploreTlaPaxos,
  fold,
  stateKey,
  successorState,
  summarizeExploration,
  cloneRoomState,
  type RoomCommand,
  type RoomState,
} from '@toy-paxos/shared';
import { play } from '../support/explore';
import { room, ok } from './helpers';

describe('explore on tiny rooms (hand-checked counts)', () => {
  it('one node, instant delivery, one value: 5 states', () => {
    // S0 no proposal; S1 proposed 1.A Apple; S2 A promised itself (1 of 1 promises);
    // S3 A accepted Apple: chosen and learned; S4 a second promise request now reports
    // last_accepted(1.A, Apple), which sets promiser_acc_max. Every other command is refused
    // or leads back to one of these (the round bound stops a second proposal).
    const r = explore(room(['A']).state, { values: ['Apple'], crashes: false });
    expect(r.states).toBe(5);
    expect(r.complete).toBe(true);
    expect(r.hit.rounds).toBe(true);
    expect(r.chosen.map((c) => [c.value, c.commands.length])).toEqual([['Apple', 3]]);
    expect(r.violations).toEqual([]);
  });

  it('one node, queued delivery, one copy of a message: 12 states', () => {
    // propose (1); prepare in flight (2); delivered: promise in flight (3) or dropped (4);
    // promise delivered (5) or dropped (6); accept request in flight (7); delivered: the
    // acceptance in flight, Apple chosen (8), or dropped (9); the acceptance delivered: A
    // learns (10), or dropped (11); plus the start: 12.
    const r = explore(room(['A'], { delivery: 'queued' }).state, { values: ['Apple'], crashes: false, copiesMax: 1 });
    expect(r.states).toBe(12);
    expect(r.complete).toBe(true);
    expect(r.hit.copies).toBe(true);
    expect(r.chosen).toEqual([
      {
        value: 'Apple',
        commands: [
          { type: 'propose', node: 'A', value: 'Apple' },
          { type: 'promiseRequest', from: 'A', to: ['A'] },
          { type: 'deliver', id: 1 },
          { type: 'deliver', id: 2 },
          { type: 'acceptRequest', from: 'A', to: ['A'] },
          { type: 'deliver', id: 3 },
        ],
        steps: 6,
        shortest: true,
      },
    ]);
  });

  it('a crash adds the states of a crashed node and its recovery', () => {
    const without = explore(room(['A']).state, { values: ['Apple'], crashes: false });
    const withCrashes = explore(room(['A']).state, { values: ['Apple'] });
    expect(withCrashes.states).toBeGreaterThan(without.states);
    expect(withCrashes.chosen.map((c) => c.value)).toEqual(['Apple']);
  });

  it('from a room where Apple is chosen, only Apple can be chosen, and it says so with an empty schedule', () => {
    const log = room(['A', 'B', 'C']);
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: ['A', 'B'] }, { type: 'acceptRequest', from: 'A', to: ['A', 'B'] });
    const r = explore(log.state, { values: ['Apple', 'Mango'], crashes: false, roundMax: 2, proposers: ['C'] });
    expect(r.complete).toBe(true);
    expect(r.chosen).toEqual([{ value: 'Apple', commands: [], steps: 0, shortest: true }]);
    expect(r.violations).toEqual([]);
  });

  it('the depth, state and time bounds stop the search and say so', () => {
    const start = room(['A', 'B', 'C']).state;
    const shallow = explore(start, { depthMax: 2 });
    expect(shallow.hit.depth).toBe(true);
    expect(shallow.complete).toBe(false);
    expect(shallow.depth).toBe(2);
    const few = explore(start, { statesMax: 50 });
    expect(few.hit.states).toBe(true);
    expect(few.states).toBe(50);
    let clock = 0;
    const timed = explore(start, { timeMsMax: 10 }, () => (clock += 1));
    expect(timed.hit.time).toBe(true);
    expect(timed.complete).toBe(false);
  });

  it('stop() cancels a search between slices, and run() goes on in slices', () => {
    const search = new Exploration(room(['A', 'B', 'C']).state, {});
    expect(search.run(100)).toBeNull();
    expect(search.progress.states).toBeGreaterThan(100);
    search.stop();
    const r = search.run(100)!;
    expect(r.hit.cancelled).toBe(true);
    expect(r.complete).toBe(false);
  });

  it('refuses bad bounds with a sentence, and changes nothing', () => {
    const start = room(['A', 'B']).state;
    const before = JSON.stringify(start);
    expect(() => explore(start, { depthMax: -1 })).toThrow(ExploreError);
    expect(() => explore(start, { values: [] })).toThrow(/values/);
    expect(() => explore(start, { values: ['None'] })).toThrow(/None cannot be a value/);
    expect(() => explore(start, { values: ['x'.repeat(30)] })).toThrow(ExploreError);
    expect(() => explore(start, { values: ['Apple', 'Apple'] })).toThrow(/once/);
    expect(() => explore(start, { proposers: ['A'], valuesOf: { B: ['Apple'] } })).toThrow(/not one of the proposers/);
    expect(() => explore(start, { proposers: ['Z'] })).toThrow(/no node called Z/);
    expect(() => explore(start, { joiners: ['A'] })).toThrow(/already in the room/);
    expect(() => explore(room(['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H']).state)).toThrow(/up to 7 nodes/);
    expect(JSON.stringify(start)).toBe(before);
  });
});

describe("the explorer's shortcuts agree with the room", () => {
  it('successorState equals fold for every command the search tries (a queued room played at random)', () => {
    const log = room(['A', 'B', 'C'], { delivery: 'queued' });
    const search = new Exploration(log.state, { statesMax: 3000, values: ['Apple', 'Mango'] });
    // Walk the search's own states and compare each step two ways.
    let s = log.state;
    let compared = 0;
    let seed = 7;
    for (let step = 0; step < 400; step++) {
      const commands: RoomCommand[] = [
        ...s.inFlight.flatMap((m): RoomCommand[] => [{ type: 'deliver', id: m.id }, { type: 'drop', id: m.id }, { type: 'duplicate', id: m.id }]),
        ...s.order.flatMap((id): RoomCommand[] => [
          { type: 'propose', node: id, value: 'Apple' },
          { type: 'promiseRequest', from: id, to: 'all' },
          { type: 'acceptRequest', from: id, to: ['A', 'B'] },
          { type: s.nodes[id]!.up ? 'crash' : 'recover', node: id },
        ]),
      ];
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const c = commands[seed % commands.length]!;
      const d = decide(s, c);
      if (!d.ok) continue;
      const viaFold = fold(s, d.events);
      const viaExplorer = successorState(s, d.events);
      expect(viaExplorer).toEqual(viaFold);
      expect(stateKey(viaExplorer)).toBe(stateKey(viaFold));
      s = viaFold;
      compared++;
    }
    expect(compared).toBeGreaterThan(150);
    expect(search.run()).not.toBeNull();
  });

  it('successorState never changes the state it starts from', () => {
    const log = room(['A', 'B', 'C']);
    ok(log, { type: 'propose', node: 'A', value: 'Apple' });
    const before = JSON.stringify(log.state);
    const d = decide(log.state, { type: 'promiseRequest', from: 'A', to: 'all' });
    if (!d.ok) throw new Error('refused');
    successorState(log.state, d.events);
    expect(JSON.stringify(log.state)).toBe(before);
  });

  it('a compacted schedule makes the same events as the one-acceptor-at-a-time schedule', () => {
    for (const delivery of ['instant', 'queued'] as const) {
      const start = room(['A', 'B', 'C'], { delivery }).state;
      const single: RoomCommand[] = [
        { type: 'propose', node: 'A', value: 'Apple' },
        { type: 'promiseRequest', from: 'A', to: ['A'] },
        { type: 'promiseRequest', from: 'A', to: ['B'] },
        { type: 'promiseRequest', from: 'A', to: ['C'] },
      ];
      const compact = compactSchedule(single);
      expect(compact).toEqual([single[0], { type: 'promiseRequest', from: 'A', to: ['A', 'B', 'C'] }]);
      expect(play(start, compact)).toEqual(play(start, single));
    }
  });

  it('the key ignores message ids, the order of the network and display names, but not node ids', () => {
    const a = room(['A', 'B'], { delivery: 'queued' });
    ok(a, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: ['A'] }, { type: 'promiseRequest', from: 'A', to: ['B'] });
    const b = room(['A', 'B'], { delivery: 'queued' });
    ok(b, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: ['B'] }, { type: 'promiseRequest', from: 'A', to: ['A'] });
    expect(a.state.inFlight.map((m) => m.to)).not.toEqual(b.state.inFlight.map((m) => m.to));
    expect(stateKey(a.state)).toBe(stateKey(b.state));
    ok(b, { type: 'renameNode', node: 'B', name: 'Bea' });
    expect(stateKey(a.state)).toBe(stateKey(b.state));
    const c = room(['A', 'B'], { delivery: 'queued' });
    ok(c, { type: 'propose', node: 'B', value: 'Apple' }, { type: 'promiseRequest', from: 'B', to: ['A'] }, { type: 'promiseRequest', from: 'B', to: ['B'] });
    expect(stateKey(c.state)).not.toBe(stateKey(a.state));
  });

  it('a node field the compact records do not hold sends the search to the exact search, whose key holds it', () => {
    const s = cloneRoomState(room(['A']).state);
    expect(new Exploration(s, { values: ['Apple'] }).engine).toBe('compact');
    (s.nodes.A as unknown as Record<string, unknown>).learner = { heard: ['B'] };
    expect(new Exploration(s, { values: ['Apple'] }).engine).toBe('exact');
  });

  it('a node field the key does not name is still in the key', () => {
    const s = cloneRoomState(room(['A']).state);
    const t = cloneRoomState(s);
    (t.nodes.A as unknown as Record<string, unknown>).learner = { heard: ['B'] };
    expect(stateKey(t)).not.toBe(stateKey(s));
  });
});

describe('the reference model of the TLA+ specification', () => {
  it("has TLC's 3,921 states for MCPaxos (3 acceptors, 2 values, ballots 0..1), and both values can be chosen, never two", () => {
    const r = exploreTlaPaxos({ acceptors: 3, values: 2, ballots: 2 });
    expect(r.states).toBe(3921);
    expect(r.chosenValues).toEqual([0, 1]);
    expect(r.agreementBroken).toBe(false);
  });

  it('tiny configurations, counted by hand', () => {
    // One acceptor, one value, one ballot: Init; 1a sent; 1b sent; 2a sent; 2b sent (votes). Each action needs the one before.
    expect(exploreTlaPaxos({ acceptors: 1, values: 1, ballots: 1 }).states).toBe(5);
    // Two values: the 2a message carries either, and the vote follows it: 5 + 2.
    expect(exploreTlaPaxos({ acceptors: 1, values: 2, ballots: 1 }).states).toBe(7);
  });
});

describe('the answer in words, for a search cut short', () => {
  it('says what the search found, and for each value it did not find, within which bounds it looked', () => {
    // Apple is chosen; with the proposer ignoring accepted values Mango can be chosen 5 steps on
    // (a proposal, two promise requests and two accept requests, one acceptor each), past a depth of 2.
    const log = room(['A', 'B', 'C'], { rules: { ignoreAcceptedValue: true } });
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: ['A', 'B'] }, { type: 'acceptRequest', from: 'A', to: ['A', 'B'] });
    const short = summarizeExploration(explore(log.state, { values: ['Mango'], crashes: false, depthMax: 2 }));
    expect(short[0]).toMatch(/^The search was cut short \(\d+ states searched, not all of them: it stopped 2 steps deep, a request to each acceptor counting as one\), so here is what it found, value by value\.$/);
    expect(short).toContain('Apple is already chosen.');
    expect(short).toContain('Mango: not found within 2 steps / 200,000 states — the search was cut short, so it may still be possible.');
    const whole = summarizeExploration(explore(log.state, { values: ['Mango'], crashes: false, depthMax: 5 }));
    expect(whole.join(' ')).toContain('Mango can be chosen: the shortest way is 5 steps.');
  });

  it('from a queued duel, finds Apple eleven steps away when the state bound cuts the search short, and does not head the answer with Mango', () => {
    // A and B proposed, every acceptor promised 1.B, and A's accept requests were refused.
    const start = queuedDuel();
    const r = explore(start, { statesMax: 20_000 });
    expect(r.hit.states).toBe(true);
    expect(r.chosen.map((c) => [c.value, c.steps, c.shortest])).toEqual([
      ['Mango', 4, true],
      ['Apple', 11, false],
    ]);
    expect(r.focusStates).toBeGreaterThan(0);
    // The way found is a real one: played through the room, it chooses Apple.
    expect(play(start, r.chosen[1]!.commands).monitor.chosen.map((c) => c.value)).toEqual(['Apple']);
    const words = summarizeExploration(r);
    expect(words[0]).toMatch(/^The search was cut short \(20,000 states searched, not all of them: it stopped at 20,000 states\)/);
    expect(words).toContain('Mango can be chosen: the shortest way is 4 steps.');
    expect(words).toContain(`Apple can be chosen: a way of 11 steps, found by searching for Apple alone (a shorter way, of at least ${r.depth + 1} steps, may exist).`);
    expect(words.join(' ')).not.toMatch(/only Mango/);
  });

  it('the exact search searches for each value alone too, and finds the same ways as the compact one', () => {
    // Only C proposes: each value is a new proposal by C, eleven steps away.
    const bounds = { statesMax: 2_000, proposers: ['C'] };
    const exact = new Exploration(queuedDuel(), bounds, null, 'exact').run()!;
    const compact = new Exploration(queuedDuel(), bounds).run()!;
    expect([exact.engine, compact.engine]).toEqual(['exact', 'compact']);
    expect(exact.chosen.map((c) => [c.value, c.steps, c.shortest])).toEqual([
      ['Apple', 11, false],
      ['Mango', 11, false],
    ]);
    expect(compact.chosen).toEqual(exact.chosen);
    expect(compact.focusStates).toBe(exact.focusStates);
  });

  it('a value not found within the bounds is named with them, never as impossible', () => {
    const r = explore(queuedDuel(), { statesMax: 20_000, depthMax: 9 });
    expect(r.chosen.map((c) => c.value)).toEqual(['Mango']);
    const words = summarizeExploration(r);
    expect(words).toContain('Apple: not found within 9 steps / 20,000 states — the search was cut short, so it may still be possible.');
    expect(words.join(' ')).not.toMatch(/only Mango|cannot/);
  });

  it('counts a request to each acceptor as one step with queued delivery, as --depth does', () => {
    // B needs accept requests to two acceptors, each delivered: four steps, not three.
    expect(explore(queuedDuel(), { depthMax: 3, crashes: false }).chosen).toEqual([]);
    const r = explore(queuedDuel(), { depthMax: 4, crashes: false });
    expect(r.chosen.map((c) => [c.value, c.steps])).toEqual([['Mango', 4]]);
    expect(r.chosen[0]!.commands.filter((c) => c.type === 'acceptRequest').flatMap((c) => (c.type === 'acceptRequest' ? c.to : []))).toHaveLength(2);
  });
});

/** 3 nodes, queued: A proposed Apple and B Mango, every acceptor promised 1.B, and A's accept requests were refused. */
function queuedDuel(): RoomState {
  const log = room(['A', 'B', 'C'], { delivery: 'queued' });
  ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'propose', node: 'B', value: 'Mango' }, { type: 'promiseRequest', from: 'A', to: 'all' });
  settle(log);
  ok(log, { type: 'promiseRequest', from: 'B', to: 'all' });
  settle(log);
  ok(log, { type: 'acceptRequest', from: 'A', to: 'all' });
  settle(log);
  return log.state;
}

/** Delivers every message in flight, oldest first, until none is left. */
function settle(log: ReturnType<typeof room>): void {
  while (log.state.inFlight.length) ok(log, { type: 'deliver', id: log.state.inFlight[0]!.id });
}
