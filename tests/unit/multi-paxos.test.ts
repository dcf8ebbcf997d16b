/**
 * Multi-Paxos in the shared core, as given/when/then: slots, a leader that runs phase 1
 * once, recovery of half-accepted slots and holes on a leader change, the network's
 * faults, crashes, and every refusal (bad input changes nothing).
 */
import { describe, expect, it } from 'vitest';
import {
  BOT_COMMANDS_MAX,
  BotDriver,
  cloneRoomState,
  explore,
  ExploreError,
  fold,
  initialRoomState,
  multiNodeOf,
  verdictOf,
  type RoomCommand,
  type RoomLog,
  type RoomState,
} from '@toy-paxos/shared';
import { kvCommandSchema, MULTI_COMMAND_PAYLOADS, parseSessionFile, sessionFile } from '@toy-paxos/shared/protocol';
import { ok, refused, room } from './helpers';

function multiRoom(nodes: string[] = ['A', 'B', 'C'], settings: Parameters<typeof room>[1] = {}): RoomLog {
  return room(nodes, { protocol: 'multi', ...settings });
}

/** The commands that make `node` the leader with a promise from every acceptor. */
function leadAll(node: string): RoomCommand[] {
  return [{ type: 'lead', node }, { type: 'promiseRequest', from: node, to: 'all' }];
}

const m = (s: RoomState, id: string) => multiNodeOf(s.multi, id);
const chosen = (s: RoomState) => s.multi!.monitor.chosen.map((c) => `${c.slot}:${c.value}`);

/** Delivers until nothing is left in flight, in orders drawn from `seed`. */
function settle(log: RoomLog, seed = 0): void {
  for (let i = 0; log.state.inFlight.length > 0; i++) ok(log, { type: 'deliverAll', seed: seed + i });
}

describe('Multi-Paxos: the steady state', () => {
  it('runs phase 1 once, then one round trip per command, and every node runs the log in order', () => {
    const log = multiRoom();
    const phase1 = ok(log, ...leadAll('A'));
    expect(phase1[0]!.lines).toEqual(['NEW Leader from A(p: 1.A, from_slot: 1)']);
    expect(phase1[2]!.lines[1]).toBe('    > [ACC] Promise(1.A, last_accepted()), A(promisers: 2, quorum_size: 2, promiser_acc_max: None)');
    for (const c of ['set x 3', 'set y 7', 'get x']) {
      const entries = ok(log, { type: 'submit', node: 'A', command: c }, { type: 'acceptRequest', from: 'A', to: 'all' });
      // One CLIENT entry and one accept request per acceptor: no new promise requests.
      expect(entries.map((e) => e.lines[0]!.split(' ')[0])).toEqual(['CLIENT', 'ACCEPT', 'ACCEPT', 'ACCEPT']);
    }
    expect(chosen(log.state)).toEqual(['1:set x 3', '2:set y 7', '3:get x']);
    for (const id of ['A', 'B', 'C']) {
      expect(m(log.state, id).applied).toBe(3);
      expect(m(log.state, id).kv).toEqual({ x: '3', y: '7' });
    }
    expect(verdictOf(log.state.monitor).safe).toBe(true);
  });

  it('writes the slot into the notebook-style lines and names the rule in the explanation', () => {
    const log = multiRoom();
    ok(log, ...leadAll('A'), { type: 'submit', node: 'A', command: 'set x 3' });
    const [first, second] = ok(log, { type: 'acceptRequest', from: 'A', to: ['A', 'B'] });
    expect(first!.lines[0]).toBe('ACCEPT  Request from A(p: 1.A, slot: 1, val: set x 3) to A(acc_p: 1.A)');
    expect(second!.lines).toContain('    > [APPLY] A, B, C run slot 1 (set x 3: x = 3)');
    expect(second!.explanation).toContain('Paxos Made Simple, section 3');
  });
});

describe('Multi-Paxos: a leader change', () => {
  it('re-proposes the half-accepted slot in the same slot, and gives new commands the next one', () => {
    const log = multiRoom();
    ok(log, ...leadAll('A'), { type: 'submit', node: 'A', command: 'set x 3' }, { type: 'acceptRequest', from: 'A', to: 'all' });
    ok(log, { type: 'submit', node: 'A', command: 'set y 5' }, { type: 'acceptRequest', from: 'A', to: ['B'], slot: 2 });
    ok(log, { type: 'crash', node: 'A' }, ...leadAll('B'));
    const leader = m(log.state, 'B').leader!;
    expect(leader.slot).toBe(2); // B learned slot 1: its phase 1 starts at 2
    expect(leader.reported[2]?.value).toBe('set y 5');
    ok(log, { type: 'submit', node: 'B', command: 'set x 9' });
    expect(m(log.state, 'B').leader!.requests).toEqual({ 3: 'set x 9' });
    const entries = ok(log, { type: 'acceptRequest', from: 'B', to: 'all' });
    expect(entries.some((e) => e.explanation.includes('must re-propose set y 5 in that slot'))).toBe(true);
    expect(chosen(log.state)).toEqual(['1:set x 3', '2:set y 5', '3:set x 9']);
    expect(m(log.state, 'C').kv).toEqual({ x: '9', y: '5' });
    expect(log.state.monitor.violations).toEqual([]);
  });

  it('fills a hole with no-op, and no node runs a later slot before it', () => {
    const log = multiRoom();
    ok(log, ...leadAll('A'));
    for (const c of ['set x 1', 'set x 2', 'set x 3']) ok(log, { type: 'submit', node: 'A', command: c });
    ok(log, { type: 'acceptRequest', from: 'A', to: 'all', slot: 1 }, { type: 'acceptRequest', from: 'A', to: ['B'], slot: 3 });
    ok(log, { type: 'crash', node: 'A' }, ...leadAll('C'));
    ok(log, { type: 'acceptRequest', from: 'C', to: 'all', slot: 3 });
    expect(m(log.state, 'B').learned).toEqual({ 1: 'set x 1', 3: 'set x 3' });
    expect(m(log.state, 'B').applied).toBe(1);
    const entries = ok(log, { type: 'acceptRequest', from: 'C', to: 'all' });
    expect(entries[0]!.lines[0]).toBe('ACCEPT  Request from C(p: 2.C, slot: 2, val: no-op) to A');
    expect(entries[0]!.explanation).toContain('Slot 2 is a hole');
    expect(m(log.state, 'B').applied).toBe(3);
    expect(m(log.state, 'B').kv).toEqual({ x: '3' });
  });

  it('skipping re-proposal (rule-breaking mode) chooses two commands in one slot, and the monitor says so', () => {
    const log = multiRoom(['A', 'B', 'C'], { rules: { skipRepropose: true } });
    ok(log, ...leadAll('A'), { type: 'cut', a: 'A', b: 'C' }, { type: 'submit', node: 'A', command: 'set x 3' }, { type: 'acceptRequest', from: 'A', to: 'all' });
    ok(log, { type: 'crash', node: 'A' }, ...leadAll('C'), { type: 'submit', node: 'C', command: 'set x 9' }, { type: 'acceptRequest', from: 'C', to: 'all' });
    const rules = log.state.monitor.violations.map((v) => v.rule);
    expect(rules).toContain('agreement');
    expect(rules).toContain('prefix');
  });
});

describe('Multi-Paxos: the network and crashes', () => {
  it('a duplicated accept request and a duplicated notice count once; a dropped promise never counts', () => {
    const log = multiRoom(['A', 'B', 'C'], { delivery: 'queued' });
    ok(log, ...leadAll('A'));
    const [toA, toB, toC] = log.state.inFlight.map((x) => x.id);
    ok(log, { type: 'drop', id: toC! }, { type: 'deliver', id: toA! }, { type: 'deliver', id: toB! });
    ok(log, { type: 'deliverAll' });
    expect(m(log.state, 'A').leader!.promisers).toEqual(['A', 'B']);
    ok(log, { type: 'submit', node: 'A', command: 'set x 3' }, { type: 'acceptRequest', from: 'A', to: ['A', 'B'] });
    const [acceptA] = log.state.inFlight.map((x) => x.id);
    // The copy arrives too: A accepts twice, the leader and the monitor count A once.
    ok(log, { type: 'duplicate', id: acceptA! });
    settle(log);
    expect(m(log.state, 'A').leader!.acceptors[1]!.slice().sort()).toEqual(['A', 'B']);
    const tally = Object.values(log.state.multi!.monitor.tallies)[0]!;
    expect(tally.acceptors.slice().sort()).toEqual(['A', 'B']);
    expect(chosen(log.state)).toEqual(['1:set x 3']);
    for (const id of ['A', 'B', 'C']) expect(m(log.state, id).applied).toBe(1);
  });

  it('with queued delivery every message shows its slot on the way: requests, replies and notices', () => {
    const log = multiRoom(['A', 'B', 'C'], { delivery: 'queued' });
    ok(log, { type: 'lead', node: 'A' }, { type: 'promiseRequest', from: 'A', to: ['A', 'B'] });
    const lines = (entries: { lines: readonly string[] }[]) => entries.flatMap((e) => e.lines);
    expect(lines(ok(log, { type: 'deliver', id: 1 }))).toEqual([
      'PROMISE Request from A(p: 1.A, from_slot: 1) to A(acc_p: None)',
      '    > [ACC] Promise(1.A, last_accepted()), reply #3 in flight',
    ]);
    expect(lines(ok(log, { type: 'deliver', id: 3 }))).toEqual([
      'PROMISE Reply from A to A(p: 1.A)',
      '    > [ACC] Promise(1.A, last_accepted()), A(promisers: 1, quorum_size: 2, promiser_acc_max: None)',
    ]);
    settle(log);
    ok(log, { type: 'submit', node: 'A', command: 'set x 3' }, { type: 'acceptRequest', from: 'A', to: ['B'] });
    const accept = log.state.inFlight[0]!.id;
    expect(lines(ok(log, { type: 'deliver', id: accept }))[1]).toBe(`    > [ACC] Accept(1.A, slot: 1, set x 3), reply #${accept + 1} and notice #${accept + 2} in flight`);
    const notice = ok(log, { type: 'deliver', id: accept + 2 });
    expect(lines(notice)).toEqual([
      'LEARN   Notice from B to C(slot: 1, choice: None)',
      '    > [ACC] Accept(1.A, slot: 1, set x 3), C(heard: 1, quorum_size: 2, choice: None)',
    ]);
  });

  it('a crashed leader loses its leadership but keeps its promise, accepted slots, learned log and store', () => {
    const log = multiRoom();
    ok(log, ...leadAll('A'), { type: 'submit', node: 'A', command: 'set x 3' }, { type: 'acceptRequest', from: 'A', to: 'all' });
    const [entry] = ok(log, { type: 'crash', node: 'A' });
    expect(entry!.lines).toEqual(['CRASH A(acc_p: 1.A, accepted_slots: 1, applied: 1) kept']);
    const a = m(log.state, 'A');
    expect(a.leader).toBeNull();
    expect(a.promised).toEqual({ round: 1, node: 'A' });
    expect(a.kv).toEqual({ x: '3' });
    refused(log, { type: 'lead', node: 'A' }, 'node-crashed');
    ok(log, { type: 'recover', node: 'A' }, { type: 'lead', node: 'A' });
    expect(m(log.state, 'A').leader).toMatchObject({ ballot: { round: 2, node: 'A' }, slot: 2 });
  });

  it('with forget-on-crash the acceptor loses its promise and accepted slots', () => {
    const log = multiRoom(['A', 'B', 'C'], { rules: { forgetOnCrash: true } });
    ok(log, ...leadAll('A'), { type: 'submit', node: 'A', command: 'set x 3' }, { type: 'acceptRequest', from: 'A', to: 'all' }, { type: 'crash', node: 'B' });
    expect(m(log.state, 'B')).toMatchObject({ promised: null, accepted: {}, applied: 1 });
  });

  it('a refused request tells the old leader it lost, and its stale replies count for nothing', () => {
    const log = multiRoom();
    ok(log, ...leadAll('A'), { type: 'submit', node: 'A', command: 'set x 1' }, ...leadAll('B'));
    const entries = ok(log, { type: 'acceptRequest', from: 'A', to: 'all' });
    expect(entries.every((e) => e.lines[1]!.startsWith('    > [REJ] Accept(1.A, slot: 1, set x 1) lost to 2.B'))).toBe(true);
    expect(m(log.state, 'A').maxRound).toBe(2);
    expect(log.state.multi!.monitor.chosen).toEqual([]);
  });

  it('a new round empties every log and store', () => {
    const log = multiRoom();
    ok(log, ...leadAll('A'), { type: 'submit', node: 'A', command: 'set x 3' }, { type: 'acceptRequest', from: 'A', to: 'all' }, { type: 'newRound' });
    expect(log.state.multi).toEqual({ nodes: {}, monitor: { proposed: {}, tallies: {}, chosen: [] } });
  });
});

describe('Multi-Paxos: logs fold, export and import the same', () => {
  it('a session file of a Multi-Paxos room imports to the same state', () => {
    const log = multiRoom(['A', 'B', 'C'], { delivery: 'queued' });
    ok(log, ...leadAll('A'));
    settle(log, 3);
    ok(log, { type: 'submit', node: 'A', command: 'set x 3' }, { type: 'acceptRequest', from: 'A', to: 'all' });
    settle(log, 1);
    const text = JSON.stringify(sessionFile(log.stateAt(0), log.events, 'multi'));
    const parsed = parseSessionFile(text);
    if (!parsed.ok) throw new Error(parsed.error);
    expect(fold(parsed.initial, parsed.events)).toEqual(log.state);
    expect(m(log.state, 'C').kv).toEqual({ x: '3' });
  });

  it("a learner's tally grows in place as acceptances reach it, and a copy of the room keeps the tallies it had", () => {
    const log = multiRoom(['A', 'B', 'C'], { delivery: 'queued' });
    ok(log, ...leadAll('A'));
    settle(log, 3);
    ok(log, { type: 'submit', node: 'A', command: 'set x 3' }, { type: 'acceptRequest', from: 'A', to: 'all' });
    const deliver = (kind: string, from: string, to: string) => {
      const message = log.state.inFlight.find((x) => x.kind === kind && x.from === from && x.to === to);
      ok(log, { type: 'deliver', id: message!.id });
    };
    deliver('multiAccept', 'A', 'B');
    deliver('multiNotice', 'B', 'C');
    const key = '1|1.A|set x 3';
    const tally = m(log.state, 'C').heard[key];
    expect(tally).toEqual(['B']);
    const copy = cloneRoomState(log.state);
    // C accepts too, and counts its own acceptance in the same list: the fold copies no tally.
    deliver('multiAccept', 'A', 'C');
    expect(m(log.state, 'C').heard[key]).toBe(tally);
    expect(tally).toEqual(['B', 'C']);
    expect(m(log.state, 'C').learned[1]).toBe('set x 3');
    expect(m(copy, 'C').heard[key]).toEqual(['B']);
    expect(m(copy, 'C').learned[1]).toBeUndefined();
  });

  it('a session file with a crafted command or slot is refused before anything loads', () => {
    const log = multiRoom();
    ok(log, ...leadAll('A'), { type: 'submit', node: 'A', command: 'set x 3' });
    const file = sessionFile(log.stateAt(0), log.events, 'multi');
    const crafted = (change: (events: Record<string, unknown>[]) => void): string => {
      const copy = JSON.parse(JSON.stringify(file)) as { events: Record<string, unknown>[] };
      change(copy.events);
      return JSON.stringify(copy);
    };
    const submitted = file.events.findIndex((e) => e.type === 'commandSubmitted');
    const bad = parseSessionFile(crafted((es) => (es[submitted]!.command = 'set x 3; drop')));
    expect(bad).toMatchObject({ ok: false });
    expect(bad.ok ? '' : bad.error).toContain(`events[${submitted}]`);
    expect(parseSessionFile(crafted((es) => (es[submitted]!.slot = 100))).ok).toBe(false);
    expect(parseSessionFile(crafted((es) => (es[submitted]!.command = 'no-op'))).ok).toBe(false);
  });

  it('the command payload schemas clean what a person typed and refuse the rest', () => {
    expect(kvCommandSchema.parse('  set   x  3 ')).toBe('set x 3');
    expect(kvCommandSchema.safeParse('set x 3\n').success).toBe(true);
    for (const bad of ['no-op', 'set x', 'SET x 3', 'x'.repeat(200), 'get x\u200b']) expect(kvCommandSchema.safeParse(bad).success).toBe(false);
    expect(MULTI_COMMAND_PAYLOADS['node:accept'].safeParse({ to: 'all', slot: 0 }).success).toBe(false);
    expect(MULTI_COMMAND_PAYLOADS['node:submit'].safeParse({ command: 'get x', extra: 1 }).success).toBe(false);
  });

  it('the explorer says it does not model a Multi-Paxos room, rather than search the wrong protocol', () => {
    expect(() => explore(multiRoom().state)).toThrow(ExploreError);
  });

  it('settings saved before Multi-Paxos existed read as a single-decree room', () => {
    const { protocol: _, ...old } = initialRoomState().settings;
    const state = initialRoomState(old as never);
    expect(state.settings.protocol).toBe('single');
    expect(state.multi).toBeUndefined();
  });
});

describe('Multi-Paxos: bad input gets a clear refusal and changes nothing', () => {
  it('wrong-protocol: slots and leaders exist only in a Multi-Paxos room, and propose and answer only in a single-decree one', () => {
    const single = room(['A', 'B', 'C']);
    expect(refused(single, { type: 'lead', node: 'A' }, 'wrong-protocol')).toContain('switch the room\'s protocol to multi');
    refused(single, { type: 'submit', node: 'A', command: 'set x 3' }, 'wrong-protocol');
    refused(single, { type: 'acceptRequest', from: 'A', to: 'all', slot: 1 }, 'wrong-protocol');
    const log = multiRoom();
    expect(refused(log, { type: 'propose', node: 'A', value: 'x' }, 'wrong-protocol')).toContain('"lead"');
    refused(log, { type: 'answer', node: 'A', id: 1, yes: true }, 'wrong-protocol');
    refused(log, { type: 'openCheckpoint', spec: { kind: 'chosenNow' } }, 'wrong-protocol');
  });

  it('not-leader: a node takes client commands only after a quorum of promises', () => {
    const log = multiRoom();
    expect(refused(log, { type: 'submit', node: 'A', command: 'set x 3' }, 'not-leader')).toContain('A is not leading');
    ok(log, { type: 'lead', node: 'A' }, { type: 'promiseRequest', from: 'A', to: ['A'] });
    expect(refused(log, { type: 'submit', node: 'A', command: 'set x 3' }, 'not-leader')).toContain('1 of the 2 promises');
  });

  it('no-proposal, no-promise-quorum and no-value name what to do first', () => {
    const log = multiRoom();
    expect(refused(log, { type: 'promiseRequest', from: 'A', to: 'all' }, 'no-proposal')).toContain('"lead"');
    ok(log, { type: 'lead', node: 'A' });
    refused(log, { type: 'acceptRequest', from: 'A', to: 'all' }, 'no-promise-quorum');
    ok(log, { type: 'promiseRequest', from: 'A', to: 'all' });
    expect(refused(log, { type: 'acceptRequest', from: 'A', to: 'all' }, 'no-value')).toContain('Submit a client command first');
  });

  it('unknown-slot: out of range, before phase 1, or with nothing to propose', () => {
    const log = multiRoom();
    ok(log, ...leadAll('A'), { type: 'submit', node: 'A', command: 'set x 3' }, { type: 'acceptRequest', from: 'A', to: 'all' }, ...leadAll('A'));
    for (const slot of [0, -1, 1.5, 100]) expect(refused(log, { type: 'acceptRequest', from: 'A', to: 'all', slot }, 'unknown-slot')).toBe('Slots are numbered 1 to 99.');
    expect(refused(log, { type: 'acceptRequest', from: 'A', to: 'all', slot: 1 }, 'unknown-slot')).toContain('covers the slots from 2 on');
    expect(refused(log, { type: 'acceptRequest', from: 'A', to: 'all', slot: 7 }, 'unknown-slot')).toContain('nothing to propose in slot 7');
  });

  it('bad-command: too long, crafted or not a command of the store', () => {
    const log = multiRoom();
    ok(log, ...leadAll('A'));
    const bad = [
      'set x ' + '9'.repeat(30),
      'set x 3; set y 4',
      'set x\u0000 3',
      'set  x 3',
      ' set x 3',
      'set X 3',
      'set x 3 4',
      'get',
      'del x',
      'no-op',
      'set x <b>',
      'set \u202ex 3',
      '',
    ];
    for (const command of bad) refused(log, { type: 'submit', node: 'A', command }, 'bad-command');
    expect(refused(log, { type: 'submit', node: 'A', command: 'no-op' }, 'bad-command')).toContain('what a leader puts in a hole');
    expect(refused(log, { type: 'submit', node: 'A', command: 'x'.repeat(25) }, 'bad-command')).toContain('at most 24 characters');
  });

  it('slots-full: a round holds at most 99 slots', () => {
    const log = multiRoom();
    ok(log, ...leadAll('A'));
    for (let i = 0; i < 99; i++) ok(log, { type: 'submit', node: 'A', command: `set x ${i}` });
    expect(refused(log, { type: 'submit', node: 'A', command: 'set x 3' }, 'slots-full')).toContain('start a new round');
  });

  it('bad-settings: the protocol changes only between decisions, and Multi-Paxos acceptors follow the rules', () => {
    const log = multiRoom();
    ok(log, { type: 'lead', node: 'A' });
    expect(refused(log, { type: 'changeSettings', settings: { protocol: 'single' } }, 'bad-settings')).toContain('start a new round');
    expect(refused(log, { type: 'changeSettings', settings: { acceptorMode: 'students' } }, 'bad-settings')).toContain('"rules"');
    ok(log, { type: 'newRound' }, { type: 'changeSettings', settings: { protocol: 'single' } });
    expect(log.state.multi).toBeUndefined();
    ok(log, { type: 'changeSettings', settings: { protocol: 'multi' } });
    expect(log.state.multi).toEqual({ nodes: {}, monitor: { proposed: {}, tallies: {}, chosen: [] } });
  });

  it('node-crashed, unknown-node and not-acceptor apply to leaders as to proposers', () => {
    const log = multiRoom();
    refused(log, { type: 'lead', node: 'Zed' }, 'unknown-node');
    ok(log, { type: 'lead', node: 'A' }, { type: 'addNode', node: 'D' });
    refused(log, { type: 'lead', node: 'D' }, 'not-acceptor');
    refused(log, { type: 'promiseRequest', from: 'A', to: ['D'] }, 'not-acceptor');
    ok(log, { type: 'crash', node: 'B' });
    refused(log, { type: 'submit', node: 'B', command: 'set x 3' }, 'node-crashed');
  });
});

describe('bots in a Multi-Paxos room', () => {
  it('lead, fill their slots with client commands and run them, dueling for a while, and never break safety', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const log = multiRoom();
      const bots = new BotDriver(seed, { thinkMsMin: 100, thinkMsMax: 400, retryMs: 1500 });
      for (let t = 0; t <= 60_000; t += 100) {
        for (const c of bots.next(log.state, t, ['A', 'B', 'C'])) log.dispatch(c, { annotate: false });
      }
      const s = log.state;
      expect(s.monitor.violations, `seed ${seed}`).toEqual([]);
      // Every bot's commands found a slot and were chosen, and every node ran them all, in slot order.
      expect(chosen(s).length, `seed ${seed}`).toBeGreaterThanOrEqual(BOT_COMMANDS_MAX);
      const stores = ['A', 'B', 'C'].map((id) => JSON.stringify(m(s, id).kv));
      expect(new Set(stores).size, `seed ${seed}: ${stores.join(' ')}`).toBe(1);
      expect(Object.keys(m(s, 'A').kv).length).toBeGreaterThan(0);
    }
  });
});
