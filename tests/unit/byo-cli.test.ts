/**
 * `npm run check` as a learner runs it, in a child process: the exit code says whether a
 * safety rule can be broken (1), cannot (0), or the program or the command line is wrong
 * (2); the scenario lines it prints, saved as a file, are played by `npm run scenario --
 * FILE --node NODE_FILE` to the same violation.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

/** Runs a script with tsx; its exit code and output, whether it failed or not. */
async function tsx(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const f = e as { code: number; stdout: string; stderr: string };
    return { code: f.code, stdout: f.stdout, stderr: f.stderr };
  }
}

const check = (...args: string[]) => tsx('scripts/check-node.ts', args);

describe('npm run check', () => {
  it('exits 1 on a buggy acceptor and prints the shortest way, which npm run scenario plays to the violation', { timeout: 180_000 }, async () => {
    const node = 'tests/byo/corpus/mode-forget-on-crash.js';
    const r = await check(node);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Checking your acceptor (with the honest proposer) on 3 nodes, A proposing Apple and B Mango.');
    expect(r.stdout).toMatch(/Safety can be broken: Two different values are chosen: .* The shortest way is \d+ steps/);
    expect(r.stdout).toContain(`Save these lines as broken.paxos and play them with: npm run scenario -- broken.paxos --node ${node}`);
    const scenario = r.stdout.slice(r.stdout.indexOf('title '));
    expect(scenario).toMatch(/^crash [ABC] +# /m);
    expect(scenario.trimEnd().split('\n').at(-1)).toBe('expect violation agreement');
    const file = join(mkdtempSync(join(tmpdir(), 'byo-cli-')), 'broken.paxos');
    writeFileSync(file, scenario);
    const played = await tsx('scripts/scenario.ts', [file, '--node', node]);
    expect(played.stderr).toBe('');
    expect(played.code).toBe(0);
    expect(played.stdout).toContain('Two different values are chosen');
    // The honest nodes cannot play it to the same end: the violation is the program's.
    const honest = await tsx('scripts/scenario.ts', [file]);
    expect(honest.code).toBe(1);
    expect(honest.stderr).toMatch(/broken\.paxos:\d+: expected violation agreement, but violations: none/);
  });

  it('exits 0 on a correct acceptor and proposer, having searched every state', { timeout: 180_000 }, async () => {
    const r = await check('tests/byo/corpus/correct-both-as-functions.js', '--depth', '40');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^No way to break agreement, validity, learning or stability found: [\d,]+ states, all of them\.$/m);
  });

  it('searches in two stages by default: a bug that needs a second ballot is found after the stage with crashes finds nothing', { timeout: 180_000 }, async () => {
    const r = await check('tests/byo/corpus/first-accepted.js');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^First, one ballot each, with crashes and recoveries:\nNo way to break agreement, validity, learning or stability found: [\d,]+ states, all of them\./m);
    expect(r.stdout).toMatch(/^Then, two ballots each, no crashes:\nSafety can be broken: Two different values are chosen: .* The shortest way is \d+ steps/m);
    // Asked for one search, it runs that one alone.
    const one = await check('tests/byo/corpus/first-accepted.js', '--rounds', '1');
    expect(one.code).toBe(0);
    expect(one.stdout).not.toContain('Then,');
  });

  it('exits 2, naming the function, on a program whose promise callback runs after its call returned (as the browser stops it)', { timeout: 180_000 }, async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'byo-cli-')), 'late.js');
    writeFileSync(
      file,
      "import { honestAcceptor } from '@toy-paxos/shared';\nexport const acceptor = {\n  ...honestAcceptor,\n  onRequest(state, request) {\n    Promise.resolve().then(() => { for (;;) {} });\n    return honestAcceptor.onRequest(state, request);\n  },\n};\n",
    );
    const r = await check(file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Your acceptor's onRequest threw an error: it ran after its call had returned (in a promise's callback?)");
    expect(r.stdout).not.toContain('No way to break');
  });

  it('takes the proposer from a second file with --proposer', { timeout: 180_000 }, async () => {
    const r = await check('tests/byo/corpus/correct-acceptor-from-scratch.js', '--proposer', 'tests/byo/corpus/mode-accept-without-quorum.js');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Checking your acceptor and proposer on 3 nodes');
    expect(r.stdout).toContain('--node tests/byo/corpus/correct-acceptor-from-scratch.js --proposer tests/byo/corpus/mode-accept-without-quorum.js');
  });

  it('exits 2 on a wrong option, with the one meant, and on a program that cannot run, with its line', { timeout: 120_000 }, async () => {
    const wrong = await check('examples/my-node.ts', '--dpeth', '3');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('There is no option --dpeth: did you mean --depth?');
    const bound = await check('examples/my-node.ts', '--states', '0');
    expect(bound.code).toBe(2);
    expect(bound.stderr).toContain('--states needs a whole number of at least 1, such as --states 3');
    const file = join(mkdtempSync(join(tmpdir(), 'byo-cli-')), 'bad.ts');
    writeFileSync(file, "import { honestAcceptor } from '@toy-paxos/shared';\n\nexport const acceptor = {\n  ...honestAcceptor,\n  onRequest(state, request) {\n    throw new Error('not written yet');\n  },\n};\n");
    const bad = await check(file);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe(`${file}:6: Your acceptor's onRequest threw an error: not written yet`);
  });
});
