/**
 * The import check (`npm run check:deps`, .dependency-cruiser.cjs) fails on what it forbids:
 * the same command and configuration, run on small folders that break one rule each.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const folders: string[] = [];

afterAll(() => {
  for (const f of folders) rmSync(f, { recursive: true, force: true });
});

/** Writes `files` (path to text) into a fresh folder and runs the check on it as `npm run check:deps` does: its exit status and what it prints. */
function check(files: Record<string, string>): { status: number | null; report: string } {
  const folder = mkdtempSync(join(tmpdir(), 'deps-check-'));
  folders.push(folder);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(folder, path)), { recursive: true });
    writeFileSync(join(folder, path), text);
  }
  const tops = [...new Set(Object.keys(files).map((p) => p.split('/')[0]!))];
  const run = spawnSync(process.execPath, [cli, '--config', join(root, '.dependency-cruiser.cjs'), ...tops], { cwd: folder, encoding: 'utf8' });
  return { status: run.status, report: `${run.stdout}${run.stderr}` };
}

/** The rule names of the errors in a report, one per error, in its order. */
function broken(report: string): string[] {
  return [...report.matchAll(/^\s*error (\S.*?): /gm)].map((m) => m[1]!);
}

// Each check starts dependency-cruiser in a process of its own: seconds on a busy machine.
describe('the import check', { timeout: 60_000 }, () => {
  it('passes a folder that keeps the rules, so that a failure below is the rule broken and not the set-up', () => {
    const r = check({
      'shared/src/ballot.ts': 'export const one = 1;\n',
      'shared/src/decide.ts': "import { one } from './ballot';\nexport const two = one + 1;\n",
      'shared/src/explore/explore.ts': "import { two } from '../decide';\nexport const three = two + 1;\n",
    });
    expect(broken(r.report)).toEqual([]);
    expect(r.report).toContain('no dependency violations found');
    expect(r.status).toBe(0);
  });

  it('fails on two files that import each other, and names both', () => {
    const r = check({
      'scripts/a.ts': "import { b } from './b';\nexport const a = () => b;\n",
      'scripts/b.ts': "import { a } from './a';\nexport const b = () => a;\n",
    });
    expect(r.status).not.toBe(0);
    expect(broken(r.report)).toContain('no-circular');
    expect(r.report).toMatch(/no-circular: scripts\/(a|b)\.ts →\s+scripts\/(b|a)\.ts →\s+scripts\/\1\.ts/);
  });

  it('fails on a circle of types only, and on one through a dynamic import()', () => {
    const types = check({
      'server/src/a.ts': "import type { B } from './b';\nexport interface A { readonly b: B }\n",
      'server/src/b.ts': "import type { A } from './a';\nexport interface B { readonly a: A | null }\n",
    });
    expect(types.status).not.toBe(0);
    expect(broken(types.report)).toContain('no-circular');
    const dynamic = check({
      'client/src/lib/session.ts': "export async function load() {\n  return (await import('./history')).more;\n}\n",
      'client/src/lib/history.ts': "import type { load } from './session';\nexport const more = 1;\nexport type Loader = typeof load;\n",
    });
    expect(dynamic.status).not.toBe(0);
    expect(broken(dynamic.report)).toContain('no-circular');
  });

  it("fails when the decision layer imports the explorer above it, even for a type", () => {
    const r = check({
      'shared/src/decide.ts': "import type { Result } from './explore/explore';\nexport const decide = (r: Result) => r.states;\n",
      'shared/src/explore/explore.ts': 'export interface Result { readonly states: number }\n',
    });
    expect(r.status).not.toBe(0);
    expect(broken(r.report)).toEqual(['core-layer-decide-and-evolve']);
    expect(r.report).toContain('shared/src/decide.ts → shared/src/explore/explore.ts');
  });

  it('fails when the core imports the server', () => {
    const r = check({
      'shared/src/ballot.ts': "import { port } from '../../server/src/config';\nexport const ballot = port;\n",
      'server/src/config.ts': 'export const port = 3000;\n',
    });
    expect(r.status).not.toBe(0);
    expect(broken(r.report)).toEqual(['shared-stays-pure']);
  });
});
