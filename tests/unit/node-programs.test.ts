/**
 * Node programs (shared/src/programs/): the room runs each node through its programs, each
 * rule-breaking mode is the honest program with one function replaced, programs are pure,
 * and docs/NODE-PROGRAMS.md's examples run and print what the page shows.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  HONEST,
  RULE_BREAKS,
  RULE_MODE_NAMES,
  SAFE_RULES,
  acceptorForgettingOnCrash,
  acceptorIgnoringPromise,
  fold,
  honestAcceptor,
  honestProposer,
  initialRoomState,
  programsForRules,
  programsOf,
  proposerIgnoringAcceptedValue,
  proposerSkippingPromiseQuorum,
  RoomLog,
  explore,
  summarizeExploration,
  tallyKey,
  type AcceptorProgram,
  type LearnerProgram,
  type NodePrograms,
  type NodeRuleName,
  type RoomState,
} from '@toy-paxos/shared';
import { describe, expect, it } from 'vitest';
import { ok, refused, room } from './helpers';

const ROOT = join(import.meta.dirname, '..', '..');

/** A room of A, B and C in which the nodes named run their own programs. */
function roomWith(programs: Record<string, NodePrograms>): RoomLog {
  const log = new RoomLog({ ...initialRoomState(), programs });
  ok(log, { type: 'addNode', node: 'A' }, { type: 'addNode', node: 'B' }, { type: 'addNode', node: 'C' });
  return log;
}

/** Freezes a value and everything in it, so that a program that changes its input throws. */
function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

describe('the room runs each node through its programs', () => {
  it("an acceptor program of one node answers that node's requests, and the others keep the honest rules", () => {
    const stubborn: AcceptorProgram = { ...honestAcceptor, name: 'acceptorRefusingAll', onRequest: (_s, r) => ({ kind: 'reject', promised: r.ballot }) };
    const log = roomWith({ B: { ...HONEST, acceptor: stubborn } });
    ok(log, { type: 'propose', node: 'A', value: 'Apple' });
    const entries = ok(log, { type: 'promiseRequest', from: 'A', to: 'all' });
    expect(entries.map((e) => e.data.tag)).toEqual(['ACC', 'REJ', 'ACC']);
    expect(log.state.nodes.A!.proposer.promisers).toEqual(['A', 'C']);
    expect(log.state.nodes.B!.acceptor.promised).toBeNull();
  });

  it('folding the log again gives the same state through the same programs', () => {
    const log = roomWith({ B: { ...HONEST, acceptor: acceptorForgettingOnCrash } });
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: 'all' }, { type: 'crash', node: 'B' }, { type: 'crash', node: 'C' });
    // B forgets its promise (its own program), C keeps it (the room's honest one).
    expect(log.state.nodes.B!.acceptor).toEqual({ promised: null, accepted: null });
    expect(log.state.nodes.C!.acceptor.promised).toEqual({ round: 1, node: 'A' });
    expect(fold(log.initial, log.events)).toEqual(log.state);
  });

  it("an answer that does not fit the request stops the room with the answers that fit, and records nothing", () => {
    const wrong: AcceptorProgram = { ...honestAcceptor, onRequest: () => ({ kind: 'accepted' }) };
    const log = roomWith({ B: { ...HONEST, acceptor: wrong } });
    ok(log, { type: 'propose', node: 'A', value: 'Apple' });
    const before = log.length;
    expect(() => log.dispatch({ type: 'promiseRequest', from: 'A', to: ['B'] })).toThrow(
      `The acceptor's onRequest answered a promise request with {"kind":"accepted"}: return { kind: 'promise', lastAccepted } or { kind: 'reject', promised }.`,
    );
    expect(log.length).toBe(before);
  });

  it("a learner's onNotice is given the tally of the notice's ballot and value, this notice counted: the list the room keeps for them", () => {
    const given: { from: string; tally: string[]; theRoomsList: boolean }[] = [];
    const recording: LearnerProgram = {
      ...HONEST.learner,
      name: 'learnerRecordingTallies',
      onNotice(state, notice, quorums, tally) {
        given.push({ from: notice.from, tally: [...tally], theRoomsList: tally === state.heard[tallyKey(notice.ballot, notice.value)] });
        return HONEST.learner.onNotice(state, notice, quorums, tally);
      },
    };
    const log = roomWith({ C: { ...HONEST, learner: recording } });
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: 'all' }, { type: 'acceptRequest', from: 'A', to: ['A', 'B'] });
    expect(given).toEqual([
      { from: 'A', tally: ['A'], theRoomsList: true },
      { from: 'B', tally: ['A', 'B'], theRoomsList: true },
    ]);
    expect(log.state.nodes.C!.choice).toBe('Apple');
  });

  it('a learner written for onNotice without the tally, which reads the tally from its state, runs unchanged in a room and under the explorer', () => {
    const readingItsTally: LearnerProgram = {
      name: 'learnerReadingItsTally',
      init: () => ({ choice: null, heard: {} }),
      onNotice(state, notice, quorums) {
        const tally = state.heard[tallyKey(notice.ballot, notice.value)];
        return tally && tally.length >= quorums.q2 ? notice.value : state.choice;
      },
      onCrash: (state) => ({ choice: state.choice, heard: {} }),
    };
    const play = (programs: Record<string, NodePrograms>): RoomState => {
      const log = roomWith(programs);
      ok(
        log,
        { type: 'propose', node: 'A', value: 'Apple' },
        { type: 'promiseRequest', from: 'A', to: 'all' },
        { type: 'acceptRequest', from: 'A', to: ['A', 'B'] },
        { type: 'crash', node: 'C' },
        { type: 'recover', node: 'C' },
        { type: 'propose', node: 'C', value: 'Mango' },
        { type: 'promiseRequest', from: 'C', to: ['B', 'C'] },
        { type: 'acceptRequest', from: 'C', to: 'all' },
      );
      return log.state;
    };
    const mine = { ...HONEST, learner: readingItsTally };
    const honest = play({});
    const own = play({ A: mine, B: mine, C: mine });
    expect(own.nodes).toEqual(honest.nodes);
    expect(own.monitor).toEqual(honest.monitor);
    expect(Object.values(own.nodes).map((n) => n.choice)).toEqual(['Apple', 'Apple', 'Apple']);
    const search = (s: RoomState) => summarizeExploration(explore(s, { proposers: ['B'], values: ['Kiwi'], crashes: true }));
    expect(search(own)).toEqual(search(honest));
  });

  it('a room without programs of its own runs the programs of its modes', () => {
    const log = room(['A', 'B', 'C'], { rules: { ignoreAcceptedValue: true } });
    expect(programsOf(log.state, 'A').proposer).toBe(programsForRules({ ...SAFE_RULES, ignoreAcceptedValue: true }).proposer);
    expect(programsOf(log.state, 'A').proposer.name).toBe('proposerIgnoringAcceptedValue');
    expect(programsOf(room(['A']).state, 'A')).toBe(HONEST);
  });
});

describe('each rule-breaking mode is the honest program with one function replaced', () => {
  const named: Record<string, AcceptorProgram | typeof honestProposer> = {
    breakPromises: acceptorIgnoringPromise,
    forgetOnCrash: acceptorForgettingOnCrash,
    ignoreAcceptedValue: proposerIgnoringAcceptedValue,
    acceptWithoutQuorum: proposerSkippingPromiseQuorum,
  };

  for (const [rule, program] of Object.entries(named)) {
    it(`${rule}: ${program.name} differs from the honest ${RULE_BREAKS[rule as NodeRuleName]!.role} in one function`, () => {
      const honest = (RULE_BREAKS[rule as NodeRuleName]!.role === 'acceptor' ? honestAcceptor : honestProposer) as unknown as Record<string, unknown>;
      const differs = Object.keys(honest).filter((k) => k !== 'name' && (program as unknown as Record<string, unknown>)[k] !== honest[k]);
      expect(differs).toEqual(Object.keys(RULE_BREAKS[rule as NodeRuleName]!.replaces));
      expect(differs).toHaveLength(1);
    });
  }

  it('every node rule-breaking mode has a program, and the room-level ones have none', () => {
    expect(RULE_MODE_NAMES.filter((r) => Object.hasOwn(RULE_BREAKS, r))).toEqual(['ignoreAcceptedValue', 'acceptWithoutQuorum', 'forgetOnCrash', 'breakPromises']);
  });

  it('modes on together replace each of their functions, and are made once', () => {
    const rules = { ...SAFE_RULES, ignoreAcceptedValue: true, acceptWithoutQuorum: true, forgetOnCrash: true };
    const p = programsForRules(rules);
    expect(p.proposer.valueToPropose).toBe(proposerIgnoringAcceptedValue.valueToPropose);
    expect(p.proposer.readyToAccept).toBe(proposerSkippingPromiseQuorum.readyToAccept);
    expect(p.proposer.name).toBe('proposerIgnoringAcceptedValue + proposerSkippingPromiseQuorum');
    expect(p.acceptor.onCrash).toBe(acceptorForgettingOnCrash.onCrash);
    expect(p.acceptor.mayAnswerYes).toBe(honestAcceptor.mayAnswerYes);
    expect(programsForRules({ ...rules })).toBe(p);
  });

  it("breakPromises: a student's promise-breaking yes goes through; refused without the mode, and nothing changes", () => {
    for (const breakPromises of [false, true]) {
      const log = room(['A', 'B', 'C'], { acceptorMode: 'students', rules: { breakPromises } });
      ok(log, { type: 'propose', node: 'B', value: 'Mango' }, { type: 'promiseRequest', from: 'B', to: ['C'] }, { type: 'answer', node: 'C', id: 1, yes: true });
      ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: ['C'] });
      const id = log.state.nodes.C!.inbox[0]!;
      if (breakPromises) ok(log, { type: 'answer', node: 'C', id, yes: true });
      else refused(log, { type: 'answer', node: 'C', id, yes: true }, 'breaks-promise');
      expect(log.state.nodes.A!.proposer.promisers).toEqual(breakPromises ? ['C'] : []);
    }
  });
});

describe('programs are pure', () => {
  it('the honest programs and the modes never change the state or message they are given', () => {
    const ballot = { round: 2, node: 'A' };
    const acc = deepFreeze({ promised: { round: 1, node: 'B' }, accepted: { ballot: { round: 1, node: 'B' }, value: 'Mango' } });
    const prepare = deepFreeze({ id: 1, kind: 'prepare' as const, from: 'A', to: 'C', ballot });
    const accept = deepFreeze({ id: 2, kind: 'accept' as const, from: 'A', to: 'C', ballot, value: 'Apple' });
    const quorums = { q1: 2, q2: 2 };
    for (const mask of [0, 1, 2, 4, 8, 15]) {
      const rules = { ...SAFE_RULES, ...Object.fromEntries(['ignoreAcceptedValue', 'acceptWithoutQuorum', 'forgetOnCrash', 'breakPromises'].map((r, i) => [r, (mask & (1 << i)) !== 0])) };
      const { proposer, acceptor, learner } = programsForRules(rules);
      for (const request of [prepare, accept]) {
        const answer = deepFreeze(acceptor.onRequest(acc, request));
        expect(acceptor.onAnswer(acc, request, answer).promised).toEqual(ballot);
        acceptor.mayAnswerYes(acc, request);
        acceptor.onCrash(acc);
      }
      let p = deepFreeze(proposer.propose(proposer.init(1), ballot, 'Apple'));
      for (const reply of [
        { id: 3, kind: 'promise' as const, from: 'B', to: 'A', ballot, lastAccepted: acc.accepted },
        { id: 4, kind: 'promise' as const, from: 'C', to: 'A', ballot, lastAccepted: null },
        { id: 5, kind: 'accepted' as const, from: 'B', to: 'A', ballot, value: 'Mango' },
        { id: 6, kind: 'reject' as const, from: 'C', to: 'A', ballot, request: 'accept' as const, promised: { round: 3, node: 'C' }, value: 'Mango' },
        { id: 7, kind: 'accepted' as const, from: 'C', to: 'A', ballot, value: 'Mango' },
      ]) {
        p = deepFreeze(proposer.onReply(p, deepFreeze(reply), quorums).state);
        proposer.readyToAccept(p, quorums);
        proposer.valueToPropose(p);
      }
      expect(p.maxRound).toBe(3);
      proposer.onCrash(p);
      const heard = deepFreeze({ choice: null, heard: { '2.A|Apple': ['A'] } });
      expect(learner.onNotice(heard, { from: 'A', ballot, value: 'Apple' }, quorums, heard.heard['2.A|Apple'])).toBeNull();
      const quorum = deepFreeze({ choice: null, heard: { '2.A|Apple': ['A', 'B'] } });
      expect(learner.onNotice(quorum, { from: 'B', ballot, value: 'Apple' }, quorums, quorum.heard['2.A|Apple'])).toBe('Apple');
      expect(learner.onCrash(quorum)).toEqual({ choice: null, heard: {} });
      expect(learner.init()).toEqual({ choice: null, heard: {} });
    }
  });

  it("a reply the proposer heard before, which tells it nothing new, gives back the state it was given, so that the fold makes no copy", () => {
    const ballot = { round: 2, node: 'A' };
    const quorums = { q1: 2, q2: 2 };
    const promise = deepFreeze({ id: 3, kind: 'promise' as const, from: 'B', to: 'A', ballot, lastAccepted: { ballot: { round: 1, node: 'B' }, value: 'Mango' } });
    const accepted = deepFreeze({ id: 4, kind: 'accepted' as const, from: 'B', to: 'A', ballot, value: 'Mango' });
    const p = deepFreeze(honestProposer.onReply(honestProposer.propose(honestProposer.init(0), ballot, 'Apple'), promise, quorums).state);
    expect(honestProposer.onReply(p, promise, quorums)).toEqual({ state: p });
    expect(honestProposer.onReply(p, promise, quorums).state).toBe(p);
    const acceptedOnce = deepFreeze(honestProposer.onReply(p, accepted, quorums).state);
    expect(acceptedOnce.acceptors).toEqual(['B']);
    expect(honestProposer.onReply(acceptedOnce, accepted, quorums).state).toBe(acceptedOnce);
    // A state the fold makes has every field of a fresh one, in its order.
    expect(Object.keys(acceptedOnce)).toEqual(Object.keys(honestProposer.init(0)));
  });

  it('programs import only the message-level modules, never the room', () => {
    const dir = join(ROOT, 'shared', 'src', 'programs');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      for (const [, from] of readFileSync(join(dir, file), 'utf8').matchAll(/^(?:import|export)[^'"]*from '([^']+)'/gm)) {
        expect([`${file}: ${from}`]).toEqual([expect.stringMatching(/: (\.\/[a-z-]+|\.\.\/(ballot|node))$/)]);
      }
    }
  });
});

describe('docs/NODE-PROGRAMS.md', () => {
  it("the page's examples, saved as the files it names and run with npx tsx, print what the page shows", () => {
    const page = readFileSync(join(ROOT, 'docs', 'NODE-PROGRAMS.md'), 'utf8');
    const blocks = [...page.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map(([, lang, body]) => ({ lang: lang!, body: body! }));
    const js = blocks.filter((b) => b.lang === 'js');
    expect(js).toHaveLength(2);
    const shown = blocks[blocks.indexOf(js[1]!) + 1]!;
    expect(shown.lang).toBe('');
    expect(page).toContain('Save it as\n`my-acceptor.js`');
    expect(page).toContain('Save this as `round.js`');
    expect(page).toContain('`npx tsx round.js`');
    // In a folder of the project, as a reader's files are: the package resolves from there.
    const dir = mkdtempSync(join(ROOT, '.docs-example-'));
    try {
      writeFileSync(join(dir, 'my-acceptor.js'), js[0]!.body);
      writeFileSync(join(dir, 'round.js'), js[1]!.body);
      const printed = execFileSync(process.execPath, ['--import', 'tsx', 'round.js'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
      expect(printed.trimEnd()).toBe(shown.body.trimEnd());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('DEVELOPING.md links to it', () => {
    expect(readFileSync(join(ROOT, 'docs', 'DEVELOPING.md'), 'utf8')).toContain('(NODE-PROGRAMS.md)');
  });
});
