/**
 * A learner's node, compiled for the sandbox's worker (client/src/lib/node-program/compile.ts):
 * TypeScript stripped with every line kept, a deadline check at the start of every function
 * and loop body, problems named by the learner's line; and what a program may hand back
 * (shared/src/programs/plain.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareBallots, plainValueProblem } from '@toy-paxos/shared';
import { compileNode, DEADLINE_CHECK, learnerLine } from '../../client/src/lib/node-program/compile';

/** The template the sandbox's editor opens with, the same file as a terminal's. */
const MY_NODE_TEMPLATE = readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'my-node.ts'), 'utf8');

/** Runs compiled code as the worker does, with a deadline check that throws after `checksMax` checks. */
function run(code: string, checksMax = 1000): { exports: Record<string, unknown>; checks: () => number } {
  let checks = 0;
  const exports: Record<string, unknown> = {};
  const check = () => {
    if (++checks > checksMax) throw new Error('deadline passed');
  };
  new Function('exports', 'require', DEADLINE_CHECK, code)(exports, () => ({ compareBallots }), check);
  return { exports, checks: () => checks };
}

describe("compiling a learner's node", () => {
  it('compiles the template: an acceptor that refuses every request and a proposer that is never ready', () => {
    const c = compileNode(MY_NODE_TEMPLATE);
    if (!c.ok) throw new Error(c.message);
    const { exports } = run(c.code);
    const acceptor = exports.acceptor as { init(): unknown; onRequest(s: unknown, r: unknown): unknown };
    const proposer = exports.proposer as { readyToAccept(s: unknown, q: unknown): boolean };
    const state = acceptor.init();
    expect(state).toEqual({ promised: null, accepted: null });
    expect(acceptor.onRequest(state, { kind: 'prepare', id: 1, from: 'A', to: 'B', ballot: { round: 1, node: 'A' } })).toEqual({ kind: 'reject', promised: { round: 1, node: 'A' } });
    expect(proposer.readyToAccept({}, { q1: 2, q2: 2 })).toBe(false);
  });

  it('keeps every line where the learner wrote it, so a syntax error names the line', () => {
    const c = compileNode('const a: number = 1;\nconst b = 2;\n\nexport const acceptor = {\n  init() { return a +* b; },\n};\n');
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.line).toBe(5);
  });

  it('stops a loop that never ends at its deadline check, and a runtime error names the line it was thrown on', () => {
    const c = compileNode('export const acceptor = {\n  onRequest(state: unknown) {\n    while (true) {}\n  },\n  onCrash: (s: unknown) => { throw new Error("boom"); },\n};\n');
    if (!c.ok) throw new Error(c.message);
    const { exports, checks } = run(c.code, 50);
    const acceptor = exports.acceptor as { onRequest(s: unknown): void; onCrash(s: unknown): void };
    expect(() => acceptor.onRequest(null)).toThrow('deadline passed');
    expect(checks()).toBe(51);
    let stack = '';
    try {
      acceptor.onCrash(null);
    } catch (e) {
      stack = (e as Error).stack ?? '';
    }
    // new Function puts two lines before the body.
    expect(learnerLine(stack, 2)).toBe(5);
  });

  it('checks loops written without braces and arrow functions without a body', () => {
    const c = compileNode('export const f = (n: number) => { let i = 0; for (;;) i++; };\nexport const g = (x: number) => x + 1;\n');
    if (!c.ok) throw new Error(c.message);
    const { exports, checks } = run(c.code, 20);
    expect((exports.g as (x: number) => number)(1)).toBe(2);
    expect(checks()).toBe(1);
    expect(() => (exports.f as (n: number) => void)(1)).toThrow('deadline passed');
    expect(checks()).toBe(21);
  });

  it("makes import() a call to the sandbox's require, and refuses the sandbox's own name, naming the line", () => {
    const imported = compileNode('const x = 1;\nexport const a = () => import("/assets/x.js");\n');
    if (!imported.ok) throw new Error(imported.message);
    expect(imported.code).not.toMatch(/\bimport\s*\(/);
    const named = compileNode(`\n\nconst ${DEADLINE_CHECK} = 1;\n`);
    expect(named).toMatchObject({ ok: false, line: 3 });
  });
});

describe("what a learner's program may hand back", () => {
  it('is plain data of a bounded size: a function, a cycle, undefined, a huge string or a class are refused with what to return instead', () => {
    expect(plainValueProblem({ promised: { round: 1, node: 'A' }, accepted: null }, 'the answer')).toBeNull();
    expect(plainValueProblem(undefined, 'the answer')).toContain('returned nothing');
    expect(plainValueProblem({ f: () => 1 }, 'the answer')).toContain('function');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(plainValueProblem(cyclic, 'the answer')).toContain('cycle');
    expect(plainValueProblem({ a: undefined }, 'the answer')).toContain('undefined');
    expect(plainValueProblem('x'.repeat(5000), 'the answer')).toContain('5000 characters');
    expect(plainValueProblem(new Array(20_000).fill(0), 'the answer')).toContain('too large');
    expect(plainValueProblem(new Map(), 'the answer')).toContain('Map');
    expect(plainValueProblem({ n: NaN }, 'the answer')).toContain('finite');
  });
});
