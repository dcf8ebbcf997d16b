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
import { acceptorKey, HONEST, messageKey, nodeCheck, nodeCheckStart, type AcceptorProgram, type ExploreResult } from '@toy-paxos/shared';
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
