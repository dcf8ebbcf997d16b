/**
 * Multi-Paxos's node programs (shared/src/multi/programs.ts): each function's contract, each
 * rule-breaking mode as the honest program with one function replaced, programs that never
 * change what they are given, the room's nodes made of them, and docs/NODE-PROGRAMS.md's
 * example of one.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  emptyMultiNode,
  initialRoomState,
  leaderSkippingRepropose,
  MULTI_HONEST,
  MULTI_RULE_BREAKS,
  multiAcceptor,
  multiLeader,
  multiLearner,
  multiProgramsForRules,
  multiProgramsOf,
  RULE_MODE_NAMES,
  SAFE_RULES,
  slotValue,
  type Ballot,
  type MultiAcceptMessage,
  type MultiLeaderState,
  type MultiLearnerState,
  type MultiPrepareMessage,
  type MultiPrograms,
  type MultiReply,
  type MultiRuleName,
  type RuleModes,
} from '@toy-paxos/shared';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

/** Freezes a value and everything in it, so that a program that changes its input throws. */
function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

const b = (round: number, node: string): Ballot => ({ round, node });
const quorums = { q1: 2, q2: 2 };

function prepare(ballot: Ballot, slot: number, to = 'B'): MultiPrepareMessage {
  return deepFreeze({ id: 1, kind: 'multiPrepare', from: ballot.node!, to, ballot, slot });
}
function accept(ballot: Ballot, slot: number, value: string, to = 'B'): MultiAcceptMessage {
  return deepFreeze({ id: 2, kind: 'multiAccept', from: ballot.node!, to, ballot, slot, value });
}
function promise(from: string, ballot: Ballot, slot: number, accepted: { slot: number; ballot: Ballot; value: string }[] = []): MultiReply {
  return deepFreeze({ id: 3, kind: 'multiPromise', from, to: ballot.node!, ballot, slot, accepted });
}
function accepted(from: string, ballot: Ballot, slot: number, value: string): MultiReply {
  return deepFreeze({ id: 4, kind: 'multiAccepted', from, to: ballot.node!, ballot, slot, value });
}
function reject(from: string, ballot: Ballot, promised: Ballot): MultiReply {
  return deepFreeze({ id: 5, kind: 'multiReject', from, to: ballot.node!, ballot, request: 'prepare', slot: 1, promised });
}

/** A node that leads with `ballot` from slot 1, as the honest leader starts one. */
function leading(ballot: Ballot, slot = 1): MultiLeaderState {
  return deepFreeze(multiLeader.lead(multiLeader.init(), ballot, slot));
}

describe('the Multi-Paxos acceptor program', () => {
  const state = deepFreeze({ promised: b(2, 'A'), accepted: { 1: { ballot: b(1, 'C'), value: 'set x 1' }, 3: { ballot: b(2, 'A'), value: 'get x' } } });

  it('starts with nothing promised and nothing accepted', () => {
    expect(multiAcceptor.init()).toEqual({ promised: null, accepted: {} });
  });

  it('promises a ballot at least as high as its promise, carrying what it accepted in every slot from the request\'s on, in slot order', () => {
    expect(multiAcceptor.onRequest(state, prepare(b(3, 'B'), 1))).toEqual({
      kind: 'multiPromise',
      accepted: [
        { slot: 1, ballot: b(1, 'C'), value: 'set x 1' },
        { slot: 3, ballot: b(2, 'A'), value: 'get x' },
      ],
    });
    expect(multiAcceptor.onRequest(state, prepare(b(3, 'B'), 2))).toEqual({ kind: 'multiPromise', accepted: [{ slot: 3, ballot: b(2, 'A'), value: 'get x' }] });
    expect(multiAcceptor.onRequest(multiAcceptor.init(), prepare(b(1, 'A'), 1))).toEqual({ kind: 'multiPromise', accepted: [] });
  });

  it('accepts in the ballot it promised and above, and refuses a lower ballot, naming its promise (P1a)', () => {
    expect(multiAcceptor.onRequest(state, accept(b(2, 'A'), 2, 'set y 2'))).toEqual({ kind: 'multiAccepted' });
    expect(multiAcceptor.onRequest(state, accept(b(1, 'C'), 2, 'set y 2'))).toEqual({ kind: 'multiReject', promised: b(2, 'A') });
    expect(multiAcceptor.onRequest(state, prepare(b(1, 'Z'), 1))).toEqual({ kind: 'multiReject', promised: b(2, 'A') });
  });

  it('keeps what it answered: a promise raises acc_p for every slot, an acceptance records its slot, a refusal changes nothing', () => {
    const request = prepare(b(3, 'B'), 1);
    const promised = multiAcceptor.onAnswer(state, request, multiAcceptor.onRequest(state, request));
    expect(promised).toEqual({ promised: b(3, 'B'), accepted: state.accepted });
    const acc = accept(b(3, 'B'), 2, 'set y 2');
    expect(multiAcceptor.onAnswer(deepFreeze(promised), acc, { kind: 'multiAccepted' }).accepted).toEqual({ ...state.accepted, 2: { ballot: b(3, 'B'), value: 'set y 2' } });
    expect(multiAcceptor.onAnswer(state, accept(b(1, 'C'), 2, 'set y 2'), { kind: 'multiReject', promised: b(2, 'A') })).toBe(state);
  });

  it('never lowers acc_p: an acceptance of its own promise keeps it', () => {
    const next = multiAcceptor.onAnswer(state, accept(b(2, 'A'), 4, 'get y'), { kind: 'multiAccepted' });
    expect(next.promised).toBe(state.promised);
    expect(next.accepted[4]).toEqual({ ballot: b(2, 'A'), value: 'get y' });
  });

  it('keeps its promise and accepted slots through a crash (stable storage)', () => {
    expect(multiAcceptor.onCrash(state)).toEqual(state);
  });
});

describe('the Multi-Paxos leader program', () => {
  it('starts not leading, and leading raises the highest round seen and starts a fresh ballot from a slot', () => {
    expect(multiLeader.init()).toEqual({ maxRound: 0, leader: null });
    const old = deepFreeze({ maxRound: 5, leader: leading(b(2, 'A')).leader });
    expect(multiLeader.lead(old, b(6, 'A'), 3)).toEqual({
      maxRound: 6,
      leader: { ballot: b(6, 'A'), slot: 3, promisers: [], reported: {}, requests: {}, sent: {}, acceptors: {} },
    });
  });

  it('puts a client command in a slot, and takes none when it does not lead', () => {
    expect(multiLeader.submit(leading(b(1, 'A')), 2, 'set x 3').leader!.requests).toEqual({ 2: 'set x 3' });
    const idle = deepFreeze(multiLeader.init());
    expect(multiLeader.submit(idle, 1, 'set x 3')).toBe(idle);
  });

  it('fixes the command a slot carries with the first accept request of its ballot', () => {
    const s = leading(b(1, 'A'));
    const sent = deepFreeze(multiLeader.onSend(s, accept(b(1, 'A'), 1, 'set x 3')));
    expect(sent.leader!.sent).toEqual({ 1: 'set x 3' });
    expect(multiLeader.onSend(sent, accept(b(1, 'A'), 1, 'set x 3', 'C'))).toBe(sent);
    // A request of an older ballot still in the network fixes nothing.
    expect(multiLeader.onSend(s, accept(b(0, 'A'), 2, 'get x'))).toBe(s);
  });

  it('counts each promiser once and keeps, per slot, the highest-ballot command its promisers accepted, from its phase 1\'s slot on (P2c)', () => {
    let s = leading(b(3, 'A'), 2);
    s = deepFreeze(multiLeader.onReply(s, promise('B', b(3, 'A'), 2, [{ slot: 2, ballot: b(1, 'B'), value: 'set x 1' }]), quorums).state);
    s = deepFreeze(multiLeader.onReply(s, promise('C', b(3, 'A'), 2, [{ slot: 1, ballot: b(2, 'C'), value: 'get y' }, { slot: 2, ballot: b(2, 'C'), value: 'set x 2' }, { slot: 4, ballot: b(2, 'C'), value: 'get x' }]), quorums).state);
    s = deepFreeze(multiLeader.onReply(s, promise('B', b(3, 'A'), 2, [{ slot: 2, ballot: b(1, 'B'), value: 'set x 1' }]), quorums).state);
    expect(s.leader!.promisers).toEqual(['B', 'C']);
    expect(s.leader!.reported).toEqual({ 2: { ballot: b(2, 'C'), value: 'set x 2' }, 4: { ballot: b(2, 'C'), value: 'get x' } });
    expect(multiLeader.promiserAccMax(s.leader!)).toBe(s.leader!.reported);
    expect(multiLeader.readyToAccept(s.leader!, quorums)).toBe(true);
    expect(multiLeader.readyToAccept(s.leader!, { q1: 3, q2: 2 })).toBe(false);
  });

  it('counts acceptances per slot and learns a slot\'s command once a quorum accepted it in its ballot', () => {
    let step = multiLeader.onReply(leading(b(1, 'A')), accepted('A', b(1, 'A'), 1, 'set x 3'), quorums);
    expect(step.chosen).toBeUndefined();
    step = multiLeader.onReply(deepFreeze(step.state), accepted('A', b(1, 'A'), 1, 'set x 3'), quorums);
    expect(step.chosen).toBeUndefined();
    step = multiLeader.onReply(deepFreeze(step.state), accepted('B', b(1, 'A'), 1, 'set x 3'), quorums);
    expect(step.chosen).toEqual({ slot: 1, value: 'set x 3' });
    expect(step.state.leader!.acceptors).toEqual({ 1: ['A', 'B'] });
  });

  it('learns a higher round from a refusal, even of an older ballot, and counts no reply of another ballot', () => {
    const s = leading(b(2, 'A'));
    expect(multiLeader.onReply(s, reject('B', b(1, 'A'), b(7, 'C')), quorums).state).toEqual({ maxRound: 7, leader: s.leader });
    expect(multiLeader.onReply(s, promise('B', b(1, 'A'), 1), quorums).state).toBe(s);
    expect(multiLeader.onReply(s, accepted('B', b(1, 'A'), 1, 'get x'), quorums)).toEqual({ state: s });
  });

  it('loses its leadership in a crash and keeps the highest round it has seen', () => {
    expect(multiLeader.onCrash(deepFreeze({ maxRound: 4, leader: leading(b(4, 'A')).leader }))).toEqual({ maxRound: 4, leader: null });
  });
});

describe('the Multi-Paxos learner program', () => {
  const tallies = deepFreeze({ learned: {}, heard: { '1|1.A|set x 3': ['A'], '2|1.A|get x': ['A', 'B'] }, applied: 0, kv: {} });

  it('concludes a command is chosen in a slot once a quorum of acceptors accepted it in one ballot', () => {
    expect(multiLearner.init()).toEqual({ learned: {}, heard: {}, applied: 0, kv: {} });
    expect(multiLearner.onNotice(tallies, { from: 'A', slot: 1, ballot: b(1, 'A'), value: 'set x 3' }, quorums, tallies.heard['1|1.A|set x 3']!)).toBeNull();
    expect(multiLearner.onNotice(tallies, { from: 'B', slot: 2, ballot: b(1, 'A'), value: 'get x' }, quorums, tallies.heard['2|1.A|get x']!)).toBe('get x');
    expect(multiLearner.onNotice(tallies, { from: 'B', slot: 2, ballot: b(2, 'A'), value: 'get x' }, quorums, ['B'])).toBeNull();
  });

  it('runs learned slots in order on its store, waiting at a hole until it is learned', () => {
    const two = deepFreeze(multiLearner.learn(multiLearner.init(), 2, 'set y 7'));
    expect(two).toEqual({ learned: { 2: 'set y 7' }, heard: {}, applied: 0, kv: {} });
    const both = deepFreeze(multiLearner.learn(two, 1, 'set x 3'));
    expect(both).toEqual({ learned: { 1: 'set x 3', 2: 'set y 7' }, heard: {}, applied: 2, kv: { x: '3', y: '7' } });
    expect(multiLearner.learn(both, 3, 'no-op')).toMatchObject({ applied: 3, kv: { x: '3', y: '7' } });
  });

  it('keeps the first command it learned in a slot', () => {
    const learned = deepFreeze(multiLearner.learn(multiLearner.init(), 1, 'set x 3'));
    expect(multiLearner.learn(learned, 1, 'set x 4')).toBe(learned);
  });

  it('keeps its log and store through a crash, and loses its tallies', () => {
    const s = deepFreeze({ ...tallies, learned: { 1: 'set x 3' }, applied: 1, kv: { x: '3' } });
    expect(multiLearner.onCrash(s)).toEqual({ learned: { 1: 'set x 3' }, heard: {}, applied: 1, kv: { x: '3' } });
  });
});

/** Every combination of the Multi-Paxos modes, with the modes that change no Multi-Paxos node on or off too. */
function everyRules(): RuleModes[] {
  return Array.from({ length: 32 }, (_, mask) => ({
    ...SAFE_RULES,
    skipRepropose: (mask & 1) !== 0,
    acceptWithoutQuorum: (mask & 2) !== 0,
    forgetOnCrash: (mask & 4) !== 0,
    ignoreAcceptedValue: (mask & 8) !== 0,
    breakPromises: (mask & 16) !== 0,
  }));
}

describe('each Multi-Paxos rule-breaking mode is the honest program with one function replaced', () => {
  const functions = (p: object) => Object.entries(p).filter(([, f]) => typeof f === 'function');

  for (const [rule, broken] of Object.entries(MULTI_RULE_BREAKS)) {
    it(`${rule}: ${broken.name} differs from the honest ${broken.role} in one function`, () => {
      const programs = multiProgramsForRules({ ...SAFE_RULES, [rule]: true });
      const program = programs[broken.role];
      const honest = MULTI_HONEST[broken.role];
      expect(program.name).toBe(broken.name);
      expect(functions(program).filter(([k, f]) => f !== (honest as unknown as Record<string, unknown>)[k]).map(([k]) => k)).toEqual(Object.keys(broken.replaces));
      expect(Object.keys(broken.replaces)).toHaveLength(1);
      // The other roles stay honest.
      for (const role of ['acceptor', 'leader', 'learner'] as const) if (role !== broken.role) expect(programs[role]).toBe(MULTI_HONEST[role]);
    });
  }

  it('the Multi-Paxos modes are rule modes of the settings, and the others leave a Multi-Paxos node honest', () => {
    expect(Object.keys(MULTI_RULE_BREAKS).every((r) => RULE_MODE_NAMES.includes(r as MultiRuleName))).toBe(true);
    expect(multiProgramsForRules(SAFE_RULES)).toBe(MULTI_HONEST);
    const others: RuleModes = { ...SAFE_RULES, ignoreAcceptedValue: true, breakPromises: true, reconfigureMidRound: true };
    expect(multiProgramsForRules(others)).toBe(MULTI_HONEST);
  });

  it('skipRepropose: the leader goes by no promiser\'s report, so a slot a promiser reported carries nothing of it', () => {
    let s = leading(b(2, 'A'));
    s = multiLeader.onReply(s, promise('B', b(2, 'A'), 1, [{ slot: 1, ballot: b(1, 'B'), value: 'set x 1' }]), quorums).state;
    const leader = deepFreeze(s.leader!);
    expect(slotValue(leader, 1, multiLeader)).toBe('set x 1');
    expect(slotValue(leader, 1, leaderSkippingRepropose)).toBeNull();
    // What the promisers reported is still kept: the pages and the log show it.
    expect(leaderSkippingRepropose.promiserAccMax(leader)).toEqual({});
    expect(leader.reported[1]).toEqual({ ballot: b(1, 'B'), value: 'set x 1' });
  });

  it('modes on together replace each of their functions, are named for every rule they break, and are made once', () => {
    const all = multiProgramsForRules({ ...SAFE_RULES, skipRepropose: true, acceptWithoutQuorum: true, forgetOnCrash: true });
    expect(all.leader.name).toBe('leaderSkippingRepropose + leaderSkippingPromiseQuorum');
    expect(all.acceptor.name).toBe('multiAcceptorForgettingOnCrash');
    expect(all.leader.readyToAccept(leading(b(1, 'A')).leader!, quorums)).toBe(true);
    expect(all.leader.promiserAccMax(leading(b(1, 'A')).leader!)).toEqual({});
    expect(all.acceptor.onCrash({ promised: b(1, 'A'), accepted: { 1: { ballot: b(1, 'A'), value: 'get x' } } })).toEqual(multiAcceptor.init());
    expect(multiProgramsForRules({ ...SAFE_RULES, skipRepropose: true, acceptWithoutQuorum: true, forgetOnCrash: true })).toBe(all);
  });
});

describe('Multi-Paxos programs are pure', () => {
  it('the honest programs and every combination of modes never change the state or message they are given', () => {
    const acc = deepFreeze({ promised: b(1, 'B'), accepted: { 1: { ballot: b(1, 'B'), value: 'set x 1' } } });
    const seen: MultiPrograms[] = [];
    for (const rules of everyRules()) {
      const { acceptor, leader, learner } = multiProgramsForRules(rules);
      if (!seen.includes(multiProgramsForRules(rules))) seen.push(multiProgramsForRules(rules));
      for (const request of [prepare(b(2, 'A'), 1), accept(b(2, 'A'), 2, 'get x'), accept(b(0, 'A'), 1, 'get x')]) {
        const answer = deepFreeze(acceptor.onRequest(acc, request));
        deepFreeze(acceptor.onAnswer(acc, request, answer));
      }
      deepFreeze(acceptor.onCrash(acc));
      let s = deepFreeze(leader.lead(deepFreeze(leader.init()), b(2, 'A'), 1));
      s = deepFreeze(leader.submit(s, 2, 'set y 2'));
      s = deepFreeze(leader.onSend(s, accept(b(2, 'A'), 1, 'set x 1')));
      for (const reply of [
        promise('B', b(2, 'A'), 1, [{ slot: 1, ballot: b(1, 'B'), value: 'set x 1' }, { slot: 3, ballot: b(1, 'B'), value: 'get x' }]),
        promise('C', b(2, 'A'), 1),
        accepted('B', b(2, 'A'), 1, 'set x 1'),
        reject('C', b(2, 'A'), b(3, 'C')),
        accepted('C', b(2, 'A'), 1, 'set x 1'),
      ]) {
        s = deepFreeze(leader.onReply(s, reply, quorums).state);
        leader.readyToAccept(s.leader!, quorums);
        deepFreeze(leader.promiserAccMax(s.leader!));
        slotValue(s.leader!, 3, leader);
      }
      expect(s.maxRound).toBe(3);
      expect(s.leader!.acceptors).toEqual({ 1: ['B', 'C'] });
      deepFreeze(leader.onCrash(s));
      let l: MultiLearnerState = deepFreeze({ learned: {}, heard: { '1|2.A|set x 1': ['B', 'C'] }, applied: 0, kv: {} });
      expect(learner.onNotice(l, deepFreeze({ from: 'C', slot: 1, ballot: b(2, 'A'), value: 'set x 1' }), quorums, l.heard['1|2.A|set x 1']!)).toBe('set x 1');
      l = deepFreeze(learner.learn(l, 2, 'set y 2'));
      l = deepFreeze(learner.learn(l, 1, 'set x 1'));
      expect(l.kv).toEqual({ x: '1', y: '2' });
      deepFreeze(learner.onCrash(l));
    }
    // Eight combinations of the three Multi-Paxos modes, each made once.
    expect(seen).toHaveLength(8);
  });
});

describe('a Multi-Paxos room runs its nodes through the programs', () => {
  it("a node's fresh state is its programs' fresh states, in the order rooms have always been written out", () => {
    const { acceptor, leader, learner } = MULTI_HONEST;
    expect(JSON.stringify(emptyMultiNode())).toBe(JSON.stringify({ ...acceptor.init(), ...leader.init(), ...learner.init() }));
    expect(JSON.stringify(emptyMultiNode())).toBe('{"promised":null,"accepted":{},"maxRound":0,"leader":null,"learned":{},"heard":{},"applied":0,"kv":{}}');
  });

  it("a room's programs are the honest ones with its modes in place", () => {
    const settings = initialRoomState().settings;
    expect(multiProgramsOf(initialRoomState({ ...settings, protocol: 'multi' }))).toBe(MULTI_HONEST);
    expect(multiProgramsOf(initialRoomState({ ...settings, protocol: 'multi', rules: { ...SAFE_RULES, skipRepropose: true } })).leader).toBe(
      multiProgramsForRules({ ...SAFE_RULES, skipRepropose: true }).leader,
    );
    expect(multiProgramsOf(initialRoomState({ ...settings, protocol: 'multi', rules: { ...SAFE_RULES, skipRepropose: true } })).leader.name).toBe('leaderSkippingRepropose');
  });
});

describe("docs/NODE-PROGRAMS.md's Multi-Paxos acceptor", () => {
  const page = readFileSync(join(ROOT, 'docs', 'NODE-PROGRAMS.md'), 'utf8');
  const section = page.slice(page.indexOf("## Multi-Paxos's programs"));
  const example = [...section.matchAll(/^```ts\n([\s\S]*?)^```$/gm)][0]![1]!;

  it('is, below its import, the honest acceptor as shared/src/multi/programs.ts has it', () => {
    const [imports, ...rest] = example.split('\n\n');
    expect(imports).toMatch(/^import .* from '@toy-paxos\/shared';$/);
    expect(readFileSync(join(ROOT, 'shared', 'src', 'multi', 'programs.ts'), 'utf8')).toContain(rest.join('\n\n'));
    expect(rest.join('\n\n')).toContain('export const multiAcceptor: MultiAcceptorProgram = {');
  });

  it('saved as a file of the project and run with npx tsx, answers as the room\'s acceptor does', () => {
    const dir = mkdtempSync(join(ROOT, '.docs-example-'));
    try {
      writeFileSync(join(dir, 'multi-acceptor.ts'), example);
      writeFileSync(
        join(dir, 'check.ts'),
        [
          "import { multiAcceptor as shipped } from '@toy-paxos/shared';",
          "import { multiAcceptor } from './multi-acceptor.ts';",
          "const ballot = (round: number) => ({ round, node: 'A' });",
          "const requests = [{ id: 1, kind: 'multiPrepare', from: 'A', to: 'B', ballot: ballot(2), slot: 1 }, { id: 2, kind: 'multiAccept', from: 'A', to: 'B', ballot: ballot(2), slot: 2, value: 'set x 3' }, { id: 3, kind: 'multiAccept', from: 'A', to: 'B', ballot: ballot(1), slot: 3, value: 'get x' }] as const;",
          'let mine = multiAcceptor.init();',
          'let theirs = shipped.init();',
          'for (const r of requests) {',
          '  const answer = multiAcceptor.onRequest(mine, r);',
          '  console.log(JSON.stringify(answer) === JSON.stringify(shipped.onRequest(theirs, r)), JSON.stringify(answer));',
          '  mine = multiAcceptor.onAnswer(mine, r, answer);',
          '  theirs = shipped.onAnswer(theirs, r, answer);',
          '}',
          'console.log(JSON.stringify(mine) === JSON.stringify(theirs), JSON.stringify(multiAcceptor.onCrash(mine)));',
        ].join('\n'),
      );
      const printed = execFileSync(process.execPath, ['--import', 'tsx', 'check.ts'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
      expect(printed.trimEnd().split('\n')).toEqual([
        'true {"kind":"multiPromise","accepted":[]}',
        'true {"kind":"multiAccepted"}',
        'true {"kind":"multiReject","promised":{"round":2,"node":"A"}}',
        'true {"promised":{"round":2,"node":"A"},"accepted":{"2":{"ballot":{"round":2,"node":"A"},"value":"set x 3"}}}',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
