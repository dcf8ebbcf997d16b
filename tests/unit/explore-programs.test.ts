/**
 * The explorer searches over node programs: a room whose nodes run a learner's programs is
 * searched by the compact search, which numbers each program state and calls each program
 * once per distinct state and message. Here it is checked against the exact search through
 * `decide` and `apply` on the default check of every program of tests/byo/corpus: the same
 * states, the same verdict, the same rule broken in as many steps. (The corpus's own options
 * search some programs over two rounds, minutes for the exact search; the compact model is
 * checked on three rounds step by step in tests/property/explore-compact.test.ts.)
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acceptorKey, Exploration, HONEST, messageKey, nodeCheck, nodeCheckStart, type AcceptorProgram, type ExploreResult, type ProposerProgram } from '@toy-paxos/shared';
import { loadLearnerNode } from '../../scripts/learner-node';

const CORPUS = join(import.meta.dirname, '..', 'byo', 'corpus');

/** What both searches must agree on. */
function answer(r: ExploreResult) {
  return { states: r.states, complete: r.complete, violations: r.violations.map((v) => [v.rule, v.steps]), chosen: r.chosen.map((c) => [c.value, c.steps]).sort() };
}

describe('the check of a learner’s node', () => {
  it.each(readdirSync(CORPUS).sort())('counts the same states and finds the same as the exact search with %s', { timeout: 240_000 }, (name) => {
    const file = join(CORPUS, name);
    const { programs } = loadLearnerNode({ both: file });
    const compact = nodeCheck(nodeCheckStart(programs)).run()!;
    const exact = nodeCheck(nodeCheckStart(programs), {}, null, 'exact').run()!;
    expect(compact.engine).toBe('compact');
    expect(exact.engine).toBe('exact');
    expect(answer(compact)).toEqual(answer(exact));
  });

  it('runs a program once for each distinct state and message', () => {
    const calls: string[] = [];
    const counting: AcceptorProgram = {
      ...HONEST.acceptor,
      onRequest(state, request) {
        calls.push(`${acceptorKey(state)} ${messageKey(request)}`);
        return HONEST.acceptor.onRequest(state, request);
      },
    };
    // Four steps choose nothing, so no schedule is played back through the room (which calls the programs again).
    const r = nodeCheck(nodeCheckStart({ ...HONEST, acceptor: counting }), { depthMax: 4 }).run()!;
    expect(r.engine).toBe('compact');
    expect(r.chosen).toEqual([]);
    expect(r.states).toBeGreaterThan(100);
    expect(calls.length).toBeGreaterThan(10);
    expect(new Set(calls).size).toBe(calls.length);
  });
});

describe('a program that makes up values', () => {
  it('is searched by the exact search, from the start, once it makes up more values than the records number', { timeout: 120_000 }, () => {
    // A proposer whose accept requests carry a value of its own making for each promiser set and round.
    const proposer: ProposerProgram = {
      ...HONEST.proposer,
      valueToPropose: (state) => `${state.value}-${state.promisers.slice().sort().join('')}-${state.maxRound}`,
    };
    const start = nodeCheckStart({ ...HONEST, proposer });
    const bounds = { proposers: ['A', 'B'], values: ['Apple', 'Mango'], roundMax: 8, crashes: false, depthMax: 12, statesMax: 10_000, focus: false };
    const search = new Exploration(start, bounds);
    expect(search.engine).toBe('compact');
    const r = search.run()!;
    expect(r.engine).toBe('exact');
    expect(search.engine).toBe('exact');
    expect(r.violations.map((v) => v.rule)).toContain('validity');
    expect(answer(r)).toEqual(answer(new Exploration(start, bounds, null, 'exact').run()!));
  });
});
