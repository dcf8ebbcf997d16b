/**
 * "Bring your own node": every program of tests/byo/corpus runs through the check as
 * `npm run check` runs it (loaded by scripts/learner-node.ts, searched by `nodeCheck`). Each
 * buggy one is caught with a way to break a safety rule; for a rule-breaking mode written as
 * code, that way is as long as the one the explorer finds with the built-in mode on; the
 * correct ones, the honest programs and the template get no false alarm. And a program that
 * breaks the interface is stopped with its file and line.
 */
import { readdirSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  explore,
  HONEST,
  LearnerProgramError,
  NODE_CHECK_ROOM,
  nodeCheck,
  nodeCheckReport,
  nodeCheckStart,
  parseScenario,
  runScenario,
  SAFE_RULES,
  type NodeCheckBounds,
  type NodePrograms,
  type NodeRuleName,
} from '@toy-paxos/shared';
import { exploreOptions } from '../../scripts/explore-options';
import { LearnerFileError, loadLearnerNode } from '../../scripts/learner-node';
import { roomStart } from '../bench/explore-configs';

const CORPUS = join(import.meta.dirname, '..', 'byo', 'corpus');
const TEMPLATE = join(import.meta.dirname, '..', '..', 'examples', 'my-node.ts');

interface Entry {
  readonly file: string;
  readonly description: string;
  readonly correct: boolean;
  readonly bounds: NodeCheckBounds;
  /** The built-in rule-breaking mode this program writes as code. */
  readonly mode: NodeRuleName | null;
}

function entry(name: string): Entry {
  const text = readFileSync(join(CORPUS, name), 'utf8');
  const header = (key: string) => [...text.matchAll(/^\/\/ ([\w ]+): (.*)$/gm)].find((m) => m[1] === key)?.[2];
  // The options a program is checked with, read as `npm run check` reads them.
  const options = exploreOptions((header('check') ?? '').split(' ').filter(Boolean), true);
  if (typeof options === 'string') throw new Error(`${name}: ${options}`);
  const { timeMsMax: _, ...bounds } = options.bounds!;
  return {
    file: join(CORPUS, name),
    description: text.split('\n')[0]!.replace(/^\/\/ /, ''),
    correct: name.startsWith('correct-'),
    bounds,
    mode: (/^rule (\w+)$/.exec(header('same as') ?? '')?.[1] as NodeRuleName | undefined) ?? null,
  };
}

const ENTRIES = readdirSync(CORPUS).sort().map(entry);
const BUGGY = ENTRIES.filter((e) => !e.correct);
const CORRECT = ENTRIES.filter((e) => e.correct);

function check(programs: NodePrograms, bounds: NodeCheckBounds = {}) {
  const start = nodeCheckStart(programs);
  const result = nodeCheck(start, bounds).run()!;
  return { start, result, report: nodeCheckReport(start, result) };
}

describe('the corpus of learners’ nodes', () => {
  it('holds at least 20 buggy programs and 3 correct ones, each with a one-line description', () => {
    expect(BUGGY.length).toBeGreaterThanOrEqual(20);
    expect(CORRECT.length).toBeGreaterThanOrEqual(3);
    for (const e of ENTRIES) expect(e.description.length, e.file).toBeGreaterThan(30);
  });

  it.each(BUGGY.map((e) => [e.file.split('/').at(-1)!, e] as const))('catches %s with the shortest way, as a scenario that breaks the rule', { timeout: 240_000 }, (_, e) => {
    const node = loadLearnerNode({ both: e.file });
    const { result, report } = check(node.programs, e.bounds);
    expect(report.verdict).toBe('broken');
    const v = result.violations[0]!;
    // The scenario plays the way through the same programs and ends with the rule broken.
    const run = runScenario(parseScenario(report.scenario!), { programs: node.programs });
    expect(run.failures).toEqual([]);
    expect(run.log.state.monitor.violations.map((x) => x.rule)).toContain(v.rule);
    if (e.mode) {
      // An independent count: the explorer's compact search on the built-in mode, no programs of the learner's.
      const start = roomStart({ name: e.mode, nodes: NODE_CHECK_ROOM.nodes, settings: { learners: 'proposer', rules: { ...SAFE_RULES, [e.mode]: true } }, bounds: {} });
      const builtIn = explore(start, { ...NODE_CHECK_ROOM.bounds, ...e.bounds, stopAtViolation: true, focus: false });
      expect(builtIn.engine).toBe('compact');
      expect(builtIn.violations[0]?.steps).toBe(v.steps);
    }
  });

  it.each(CORRECT.map((e) => [e.file.split('/').at(-1)!, e] as const))('finds no way to break a rule with %s, searching every state', { timeout: 240_000 }, (_, e) => {
    const { result, report } = check(loadLearnerNode({ both: e.file }).programs, e.bounds);
    expect(report.verdict).toBe('safe');
    expect(result.complete).toBe(true);
    expect(report.lines[0]).toMatch(/^No way to break agreement, validity, learning or stability found: [\d,]+ states, all of them\.$/);
  });

  it('finds no false alarm in the honest programs, and counts as many states as the compact search does', { timeout: 240_000 }, () => {
    const { result, report } = check(HONEST);
    expect(report.verdict).toBe('safe');
    const start = roomStart({ name: 'honest', nodes: NODE_CHECK_ROOM.nodes, settings: { learners: 'proposer' }, bounds: {} });
    expect(result.states).toBe(explore(start, { ...NODE_CHECK_ROOM.bounds, stopAtViolation: true, focus: false }).states);
  });

  it('loads the template, which is safe and chooses nothing', { timeout: 120_000 }, () => {
    const { result, report } = check(loadLearnerNode({ both: TEMPLATE }).programs);
    expect(report.verdict).toBe('safe');
    expect(result.chosen).toEqual([]);
  });
});

describe('a program that breaks the interface', () => {
  const dir = mkdtempSync(join(tmpdir(), 'byo-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const HEAD = "import { honestAcceptor } from '@toy-paxos/shared';\n";
  const failure = (path: string): string => {
    try {
      const node = loadLearnerNode({ both: path });
      nodeCheck(nodeCheckStart(node.programs)).run();
      return 'no error';
    } catch (e) {
      if (e instanceof LearnerFileError) return e.message;
      if (e instanceof LearnerProgramError) return loadLearnerNode({ both: path }).explain(e)!;
      throw e;
    }
  };

  it('that does not compile is named by its line', () => {
    expect(failure(file('syntax.ts', 'export const acceptor = {\n  init() {\n    return {;\n  },\n};\n'))).toMatch(/syntax\.ts:3: /);
  });

  it('that exports nothing the check can run says what to export', () => {
    expect(failure(file('none.js', 'export const acceptr = {};\n'))).toMatch(/exports no acceptor and no proposer \(it exports acceptr\): write "export const acceptor/);
    expect(failure(file('missing.js', 'export const acceptor = { init() { return { promised: null, accepted: null }; } };\n'))).toMatch(/Your acceptor has no onRequest, onAnswer, mayAnswerYes, onCrash/);
  });

  it('that imports a module of Node is refused at that line', () => {
    expect(failure(file('fs.js', `${HEAD}import { readFileSync } from 'node:fs';\nexport const acceptor = honestAcceptor;\n`))).toMatch(/fs\.js:2: a node program can import only from '@toy-paxos\/shared'/);
  });

  it('that reaches for process, timers, fetch or a module of Node through require finds none', () => {
    const text = `${HEAD}\nexport const acceptor = {\n  ...honestAcceptor,\n  onCrash(state) {\n    const none = [typeof process, typeof setTimeout, typeof fetch].every((t) => t === 'undefined');\n    const fs = (() => { try { return require('node:fs'); } catch { return null; } })();\n    return none && fs === null ? state : null;\n  },\n};\n`;
    const { acceptor } = loadLearnerNode({ both: file('globals.js', text) }).programs;
    expect(acceptor.onCrash(acceptor.init())).toEqual({ promised: null, accepted: null });
    expect(failure(file('eval.js', `${HEAD}\nexport const acceptor = { ...honestAcceptor, onCrash: (state) => eval('state') };\n`))).toMatch(/eval\.js:3: Your acceptor's onCrash threw an error: Code generation from strings disallowed/);
  });

  it('that throws is named by the line that threw', () => {
    const text = `${HEAD}\nexport const acceptor = {\n  ...honestAcceptor,\n  onCrash(state) {\n    return state.accepted.ballot;\n  },\n};\n`;
    expect(failure(file('throws.js', text))).toMatch(/throws\.js:6: Your acceptor's onCrash threw an error: .*null/);
  });

  it('that changes the state it is given is stopped at that line', () => {
    const text = `${HEAD}\nexport const acceptor = {\n  ...honestAcceptor,\n  onAnswer(state, request, answer) {\n    state.promised = request.ballot;\n    return state;\n  },\n};\n`;
    expect(failure(file('mutates.js', text))).toMatch(/mutates\.js:6: Your acceptor's onAnswer threw an error: Cannot assign to read only property 'promised'/);
  });

  it('that never returns is cut off, at the loop', () => {
    const text = `${HEAD}\nexport const acceptor = {\n  ...honestAcceptor,\n  onCrash(state) {\n    for (;;) {}\n  },\n};\n`;
    expect(failure(file('loops.js', text))).toMatch(/loops\.js:6: Your acceptor's onCrash threw an error: it ran for more than 5,000,000 loop turns and calls/);
  });

  it('that returns an answer of the wrong shape is told which shape fits', () => {
    const text = `${HEAD}\nexport const acceptor = {\n  ...honestAcceptor,\n  onRequest(state, request) {\n    return { kind: 'promise', lastAccepted: state.accepted };\n  },\n};\n`;
    expect(failure(file('shape.js', text))).toMatch(
      /Your acceptor's onRequest returned something that does not fit: the answer to an accept request must be \{ kind: 'accepted' \} or \{ kind: 'reject', promised \}, not \{"kind":"promise","lastAccepted":null\}\./,
    );
    const ballot = `${HEAD}\nexport const acceptor = {\n  ...honestAcceptor,\n  init() {\n    return { promised: { round: -1 }, accepted: null };\n  },\n};\n`;
    expect(failure(file('ballot.js', ballot))).toMatch(/Your acceptor's init returned something that does not fit: the state\.promised \(or null\)\.round must be a whole number from 0 to 1000000, not -1\./);
  });
});
