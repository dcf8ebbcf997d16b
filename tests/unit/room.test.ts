import { describe, expect, it } from 'vitest';
import { BotDriver, carryStudents, decide, evolve, explore, fold, initialRoomState, LIMITS, mayPropose, nameHolder, REFUSAL_CODES, RoomLog, uniqueNodeName, type RoomEvent, type RoomState } from '@toy-paxos/shared';
import { ok, refused, room } from './helpers';

/** Freezes a value deeply, so a test fails if anything writes to it. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

describe('decide refuses bad commands with a code and an explanation, and changes nothing', () => {
  const cases: [string, (log: RoomLog) => void][] = [
    ['unknown-node', (log) => refused(log, { type: 'propose', node: 'Zed', value: 'x' }, 'unknown-node')],
    ['node-exists', (log) => refused(log, { type: 'addNode', node: 'A' }, 'node-exists')],
    ['bad-name', (log) => refused(log, { type: 'addNode', node: 'x'.repeat(33) }, 'bad-name')],
    ['bad-value', (log) => refused(log, { type: 'propose', node: 'A', value: ' ' }, 'bad-value')],
    ['bad-value: None reads as no value', (log) => refused(log, { type: 'propose', node: 'A', value: 'None' }, 'bad-value')],
    ['bad-name: all stands for every node', (log) => refused(log, { type: 'addNode', node: 'all' }, 'bad-name')],
    ['bad-settings', (log) => refused(log, { type: 'changeSettings', settings: { q1: 0 } }, 'bad-settings')],
    ['node-crashed', (log) => { ok(log, { type: 'crash', node: 'A' }); refused(log, { type: 'propose', node: 'A', value: 'x' }, 'node-crashed'); }],
    ['node-up', (log) => refused(log, { type: 'recover', node: 'A' }, 'node-up')],
    ['no-proposal', (log) => refused(log, { type: 'promiseRequest', from: 'A', to: 'all' }, 'no-proposal')],
    ['no-value', (log) => { ok(log, { type: 'propose', node: 'A' }, { type: 'promiseRequest', from: 'A', to: 'all' }); refused(log, { type: 'acceptRequest', from: 'A', to: 'all' }, 'no-value'); }],
    ['no-promise-quorum', (log) => { ok(log, { type: 'propose', node: 'A', value: 'x' }); refused(log, { type: 'acceptRequest', from: 'A', to: 'all' }, 'no-promise-quorum'); }],
    ['no-targets', (log) => { ok(log, { type: 'propose', node: 'A', value: 'x' }); refused(log, { type: 'promiseRequest', from: 'A', to: [] }, 'no-targets'); }],
    ['unknown-message', (log) => refused(log, { type: 'deliver', id: 99 }, 'unknown-message')],
    ['link-cut', (log) => {
      ok(log, { type: 'changeSettings', settings: { delivery: 'queued' } }, { type: 'propose', node: 'A', value: 'x' });
      ok(log, { type: 'promiseRequest', from: 'A', to: ['B'] }, { type: 'cut', a: 'A', b: 'B' });
      refused(log, { type: 'deliver', id: 1 }, 'link-cut');
    }],
    ['not-in-inbox', (log) => refused(log, { type: 'answer', node: 'A', id: 1, yes: true }, 'not-in-inbox')],
    ['same-node', (log) => refused(log, { type: 'cut', a: 'A', b: 'A' }, 'same-node')],
    ['already-cut', (log) => { ok(log, { type: 'cut', a: 'A', b: 'B' }); refused(log, { type: 'cut', a: 'B', b: 'A' }, 'already-cut'); }],
    ['not-cut', (log) => refused(log, { type: 'heal', a: 'A', b: 'B' }, 'not-cut')],
    ['nothing-in-flight', (log) => {
      expect(refused(log, { type: 'deliverAll' }, 'nothing-in-flight')).toBe('No message is in flight: there is nothing to deliver.');
      expect(refused(log, { type: 'dropAll', to: 'B' }, 'nothing-in-flight')).toBe('No message is in flight to B: there is nothing to drop.');
    }],
    ['bad-partition', (log) => {
      expect(refused(log, { type: 'partition', groups: [['A', 'B']] }, 'bad-partition')).toBe('A partition needs at least two groups of nodes.');
      expect(refused(log, { type: 'partition', groups: [['A'], ['A', 'B']] }, 'bad-partition')).toContain('A is in two groups');
    }],
    ['program-unchanged: a page says only what changes, and a program that never ran cannot fail', (log) => {
      expect(refused(log, { type: 'setOwnProgram', node: 'A', status: 'off' }, 'program-unchanged')).toBe('A runs no program of its own: nothing to change.');
      expect(refused(log, { type: 'setOwnProgram', node: 'A', status: 'failed' }, 'program-unchanged')).toContain('attach one first');
      ok(log, { type: 'setOwnProgram', node: 'A', status: 'running' }, { type: 'crash', node: 'A' }, { type: 'newRound' });
      // The page still runs it through a crash and a new round.
      expect(log.state.nodes.A!.ownProgram).toBe('running');
      expect(refused(log, { type: 'setOwnProgram', node: 'A', status: 'running' }, 'program-unchanged')).toBe('A runs its own program already: nothing to change.');
    }],
    ['not-acceptor', (log) => {
      ok(log, { type: 'propose', node: 'A', value: 'x' }, { type: 'addNode', node: 'D' });
      expect(refused(log, { type: 'promiseRequest', from: 'A', to: ['D'] }, 'not-acceptor')).toContain('It watches until round 2 starts');
    }],
  ];
  for (const [code, run] of cases) it(code, () => run(room(['A', 'B', 'C'])));

  it('breaks-promise and must-answer-yes: a student acceptor must answer as the rules say', () => {
    const log = room(['A', 'B', 'C'], { acceptorMode: 'students' });
    ok(log, { type: 'propose', node: 'A', value: 'x' }, { type: 'promiseRequest', from: 'A', to: ['B'] });
    expect(log.state.nodes.B!.inbox).toEqual([1]);
    expect(refused(log, { type: 'answer', node: 'B', id: 1, yes: false }, 'must-answer-yes')).toBe(
      'B may promise 1.A: it has promised nothing yet. Paxos would let an acceptor refuse or ignore any request (that is the same as a lost message), ' +
        'but in this classroom an acceptor answers yes whenever the rules allow it, so that the round keeps moving (a classroom rule, not a Paxos rule).',
    );
    ok(log, { type: 'propose', node: 'C', value: 'y' }, { type: 'promiseRequest', from: 'C', to: ['B'] });
    ok(log, { type: 'answer', node: 'B', id: 2, yes: true });
    expect(refused(log, { type: 'answer', node: 'B', id: 1, yes: true }, 'breaks-promise')).toContain('P1a');
    const [entry] = ok(log, { type: 'answer', node: 'B', id: 1, yes: false });
    expect(entry!.lines[1]).toContain('[REJ] Promise(1.A) lost to 1.C');
  });

  it('room-full and network-full name their limits', () => {
    const log = room([]);
    for (let i = 0; i < LIMITS.nodesMax; i++) ok(log, { type: 'addNode', node: `N${i}` });
    expect(refused(log, { type: 'addNode', node: 'Extra' }, 'room-full')).toContain(`at most ${LIMITS.nodesMax}`);
    const net = room(['A'], { delivery: 'queued' });
    ok(net, { type: 'propose', node: 'A', value: 'x' }, { type: 'promiseRequest', from: 'A', to: ['A'] });
    for (let i = 1; i < 2000; i++) ok(net, { type: 'duplicate', id: 1 });
    expect(refused(net, { type: 'duplicate', id: 1 }, 'network-full')).toContain('2000 messages');
    expect(refused(net, { type: 'promiseRequest', from: 'A', to: ['A'] }, 'network-full')).toContain('deliver or drop');
  });

  it('covers every refusal code', () => {
    const tested = new Set([...cases.map(([c]) => c.split(':')[0]!), 'breaks-promise', 'must-answer-yes', 'room-full']);
    tested.add('network-full');
    // The checkpoints' refusals: tests/unit/checkpoint.test.ts.
    for (const c of ['bad-question', 'checkpoint-open', 'unknown-checkpoint', 'bad-answer']) tested.add(c);
    // Multi-Paxos's refusals: tests/unit/multi-paxos.test.ts.
    for (const c of ['wrong-protocol', 'not-leader', 'unknown-slot', 'bad-command', 'slots-full']) tested.add(c);
    expect(REFUSAL_CODES.filter((c) => !tested.has(c))).toEqual([]);
  });
});

describe('evolve', () => {
  const events: RoomEvent[] = [
    { type: 'nodeAdded', node: 'A', name: 'A', bot: false },
    { type: 'nodeAdded', node: 'B', name: 'B', bot: false },
    { type: 'proposalStarted', node: 'A', ballot: { round: 1, node: 'A' }, value: 'Apple' },
    {
      type: 'exchanged',
      request: { id: 1, kind: 'prepare', from: 'A', to: 'B', ballot: { round: 1, node: 'A' } },
      reply: { id: 2, kind: 'promise', from: 'B', to: 'A', ballot: { round: 1, node: 'A' }, lastAccepted: null },
    },
  ];

  it('is pure: the state it is given never changes', () => {
    let state: RoomState = deepFreeze(initialRoomState());
    for (const e of events) state = deepFreeze(evolve(state, e));
    expect(state.nodes.B!.acceptor.promised).toEqual({ round: 1, node: 'A' });
    expect(state.seq).toBe(4);
  });

  it('gives the same state for the same log, one event at a time or folded', () => {
    const stepwise = events.reduce(evolve, initialRoomState());
    expect(JSON.stringify(fold(initialRoomState(), events))).toBe(JSON.stringify(stepwise));
  });
});

describe('the network', () => {
  it('instant delivery: a request to a crashed node is lost, with a [LOST] line', () => {
    const log = room(['A', 'B', 'C']);
    ok(log, { type: 'crash', node: 'C' }, { type: 'propose', node: 'A', value: 'x' });
    const entries = ok(log, { type: 'promiseRequest', from: 'A', to: 'all' });
    expect(entries.map((e) => e.lines[1])).toEqual([
      '    > [ACC] Promise(1.A, last_accepted()), A(promisers: 1, quorum_size: 2, promiser_acc_max: None)',
      '    > [ACC] Promise(1.A, last_accepted()), A(promisers: 2, quorum_size: 2, promiser_acc_max: None)',
      '    > [LOST] C has crashed',
    ]);
  });

  it('instant delivery: a request across a cut link is lost', () => {
    const log = room(['A', 'B', 'C']);
    ok(log, { type: 'cut', a: 'A', b: 'B' }, { type: 'propose', node: 'A', value: 'x' });
    const [entry] = ok(log, { type: 'promiseRequest', from: 'A', to: ['B'] });
    expect(entry!.lines[1]).toBe('    > [LOST] the link between A and B is cut');
    expect(log.state.nodes.B!.acceptor.promised).toBeNull();
  });

  it('queued delivery: messages wait in flight and can be delivered in any order, dropped or duplicated', () => {
    const log = room(['A', 'B', 'C'], { delivery: 'queued' });
    ok(log, { type: 'propose', node: 'A', value: 'x' }, { type: 'promiseRequest', from: 'A', to: 'all' });
    expect(log.state.inFlight.map((m) => m.id)).toEqual([1, 2, 3]);
    ok(log, { type: 'deliver', id: 3 }, { type: 'drop', id: 1 }, { type: 'duplicate', id: 2 });
    expect(log.state.inFlight.map((m) => [m.id, m.kind])).toEqual([[2, 'prepare'], [4, 'promise'], [5, 'prepare']]);
  });

  it('a crashed node keeps its acceptor state and loses its proposal, but not its ballot counter', () => {
    const log = room(['A', 'B', 'C']);
    ok(log, { type: 'propose', node: 'A', value: 'x' }, { type: 'promiseRequest', from: 'A', to: 'all' });
    ok(log, { type: 'acceptRequest', from: 'A', to: ['A'] }, { type: 'crash', node: 'A' }, { type: 'recover', node: 'A' });
    const a = log.state.nodes.A!;
    expect(a.acceptor.accepted?.value).toBe('x');
    expect(a.proposer.ballot).toBeNull();
    ok(log, { type: 'propose', node: 'A', value: 'y' });
    expect(log.state.nodes.A!.proposer.ballot).toEqual({ round: 2, node: 'A' });
  });

  it('forgetOnCrash: the acceptor comes back blank', () => {
    const log = room(['A', 'B', 'C'], { rules: { forgetOnCrash: true } });
    ok(log, { type: 'propose', node: 'A', value: 'x' }, { type: 'promiseRequest', from: 'A', to: 'all' });
    ok(log, { type: 'crash', node: 'B' });
    expect(log.state.nodes.B!.acceptor).toEqual({ promised: null, accepted: null });
  });

  it('a fresh round resets every node and the network, and keeps the log', () => {
    const log = room(['A', 'B', 'C'], { delivery: 'queued' });
    ok(log, { type: 'propose', node: 'A', value: 'x' }, { type: 'promiseRequest', from: 'A', to: 'all' }, { type: 'cut', a: 'A', b: 'B' });
    const length = log.length;
    const [entry] = ok(log, { type: 'newRound' });
    expect(entry!.text).toBe('ROUND 2');
    expect(log.state.inFlight).toEqual([]);
    expect(log.state.cut).toEqual([]);
    expect(log.state.nodes.A!.proposer.ballot).toBeNull();
    expect(log.length).toBe(length + 1);
  });

  it('removing a node strands its messages: delivering one says what to do', () => {
    const log = room(['A', 'B', 'C'], { delivery: 'queued' });
    ok(log, { type: 'propose', node: 'A', value: 'x' }, { type: 'promiseRequest', from: 'A', to: ['B'] }, { type: 'removeNode', node: 'B' });
    expect(refused(log, { type: 'deliver', id: 1 }, 'unknown-node')).toContain('drop message #1 instead');
    ok(log, { type: 'drop', id: 1 });
  });

  it('renaming a node changes the name shown, not its identity', () => {
    const log = room(['A', 'B', 'C']);
    ok(log, { type: 'renameNode', node: 'A', name: 'Alice' }, { type: 'propose', node: 'A', value: 'x' });
    const [entry] = ok(log, { type: 'promiseRequest', from: 'A', to: ['B'] });
    expect(entry!.lines[0]).toBe('PROMISE Request from Alice(p: 1.Alice) to B(acc_p: None)');
  });
});

describe('names', () => {
  it('are trimmed and their inner spaces collapsed before anything else, and names that differ only in case or spacing are one name', () => {
    const log = room(['A', 'B']);
    ok(log, { type: 'renameNode', node: 'A', name: 'Ana' }, { type: 'renameNode', node: 'B', name: 'Bo Li' });
    expect(uniqueNodeName(log.state, 'ana ')).toBe('ana 2');
    expect(uniqueNodeName(log.state, '  BO   li')).toBe('BO li 2');
    expect(uniqueNodeName(log.state, ' Cy  Ng ')).toBe('Cy Ng');
    // A node keeps its own name, in another case.
    expect(uniqueNodeName(log.state, ' ANA', 'A')).toBe('ANA');
    // Who holds the name asked for: none for the node itself, or for a free name.
    expect(nameHolder(log.state, ' ana ')).toBe('Ana');
    expect(nameHolder(log.state, 'bo  LI')).toBe('Bo Li');
    expect(nameHolder(log.state, 'ana', 'A')).toBeNull();
    expect(nameHolder(log.state, 'Cy')).toBeNull();
  });
});

describe('decide is deterministic', () => {
  it('returns the same events for the same state and command', () => {
    const log = room(['A', 'B', 'C']);
    ok(log, { type: 'propose', node: 'A', value: 'x' });
    const c = { type: 'promiseRequest', from: 'A', to: 'all' } as const;
    expect(decide(log.state, c)).toEqual(decide(log.state, c));
  });
});

describe('a node that joins after its round\'s first proposal watches: it neither proposes nor accepts until the next round', () => {
  it('its proposal is refused, saying it watches and learns, and when it takes part; the log is unchanged', () => {
    const log = room(['A', 'B', 'C']);
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'addNode', node: 'D' });
    const seq = log.state.seq;
    expect(refused(log, { type: 'propose', node: 'D', value: 'Mango' }, 'not-acceptor')).toBe(
      'D joined during round 1, after its first proposal: it watches this round, and learns its outcome like any node, ' +
        'but takes part only from round 2, when the instructor starts it. Then D can propose and accept.',
    );
    expect(log.state.seq).toBe(seq);
    // As a learner it takes part at once: the acceptors tell it, and it learns Apple.
    ok(log, { type: 'promiseRequest', from: 'A', to: 'all' }, { type: 'acceptRequest', from: 'A', to: 'all' });
    expect(log.state.nodes.D!.choice).toBe('Apple');
    // The next round: it proposes as any node.
    ok(log, { type: 'newRound' }, { type: 'propose', node: 'D', value: 'Mango' });
  });

  it('a node that joins before the first proposal, or with "reconfigure mid-round", proposes at once', () => {
    const before = room(['A', 'B', 'C']);
    ok(before, { type: 'addNode', node: 'D' }, { type: 'propose', node: 'D', value: 'Mango' });
    const broken = room(['A', 'B', 'C'], { rules: { reconfigureMidRound: true } });
    ok(broken, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'addNode', node: 'D' }, { type: 'propose', node: 'D', value: 'Mango' });
  });

  it('a node carried onto a timeline mid-round proposes at once, and is still no acceptor until the next round', () => {
    const log = room(['A', 'B', 'C']);
    ok(log, { type: 'propose', node: 'A', value: 'Apple' });
    const carried = carryStudents(log.state, [{ node: 'n4', name: 'Phoebe' }]).events;
    const state = fold(log.state, carried);
    expect(mayPropose(state, 'n4')).toBe(true);
    expect(decide(state, { type: 'propose', node: 'n4', value: 'Fig' }).ok).toBe(true);
    expect(decide(state, { type: 'promiseRequest', from: 'A', to: ['n4'] })).toMatchObject({ ok: false, code: 'not-acceptor' });
    // Removed, or a new round: the exception goes with it.
    expect(fold(state, [{ type: 'nodeRemoved', node: 'n4', nextRound: true }]).carried).toBeUndefined();
    expect(fold(state, [{ type: 'roundStarted', round: 2 }]).carried).toBeUndefined();
  });

  it('a bot that joins mid-round waits for the next round, and the explorer does not make it propose', () => {
    const log = room(['A', 'B', 'C'], { delivery: 'queued' });
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'addNode', node: 'Bot', bot: true });
    const bots = new BotDriver(1);
    for (let t = 0; t <= 10_000; t += 100) expect(bots.next(log.state, t, ['Bot'])).toEqual([]);
    expect(() => explore(log.state, { proposers: ['Bot'], depthMax: 2 })).toThrow('Bot joined during round 1, after its first proposal');
  });
});
