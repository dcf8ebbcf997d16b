/**
 * npm run bench:fold -- --before <checkout> [--after <checkout>] [--pairs 3] [--logs class,five]
 *
 * The fold of two cores in turns: this file's fold run (fold-once.ts, with log-fixture.ts's
 * logs) is bundled with esbuild once with each checkout's core (`--after` is this one unless
 * given), and the two bundles fold each log in separate processes, before then after, `--pairs`
 * times, so that both meet the same load on a shared machine. Each run folds 9 times and counts
 * the last 7 by the CPU time of its folding thread; the figure of a log is the median of its
 * runs. A checkout is any folder that holds the core's `shared/src/`:
 * `git worktree add --detach ../old b3e993d`, or `git archive b3e993d shared | tar -x -C ../old`.
 * A benchmark: it prints figures, and the ratio of after to before, and never fails a build.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const { values } = parseArgs({
  options: {
    before: { type: 'string' },
    after: { type: 'string', default: resolve(import.meta.dirname, '../..') },
    pairs: { type: 'string', default: '3' },
    logs: { type: 'string', default: 'class,five' },
  },
});
if (!values.before) {
  console.error('usage: npm run bench:fold -- --before <checkout> [--after <checkout>] [--pairs 3] [--logs class,five,multi]');
  process.exit(2);
}
const cores = { before: resolve(values.before), after: resolve(values.after!) };
for (const dir of Object.values(cores)) {
  if (!existsSync(join(dir, 'shared/src/index.ts'))) {
    console.error(`${dir} holds no core (shared/src/index.ts)`);
    process.exit(2);
  }
}
const pairs = Number(values.pairs);
const logs = values.logs!.split(',');

/** fold-once.ts bundled with the core in `checkout`, into `file`. */
async function bundle(checkout: string, file: string): Promise<void> {
  await build({
    entryPoints: [join(import.meta.dirname, 'fold-once.ts')],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    plugins: [
      {
        name: 'core-of-checkout',
        setup(b) {
          b.onResolve({ filter: /^@toy-paxos\/shared$/ }, () => ({ path: join(checkout, 'shared/src/index.ts') }));
        },
      },
    ],
  });
}

interface Run {
  readonly log: string;
  readonly steps: number;
  readonly hash: string;
  readonly cpuMs: number[];
  readonly wallMs: number[];
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function millions(steps: number, ms: number): string {
  return `${(steps / ms / 1000).toFixed(2)}M`;
}

const dir = mkdtempSync(join(tmpdir(), 'bench-fold-'));
try {
  const files = { before: join(dir, 'before.mjs'), after: join(dir, 'after.mjs') };
  await bundle(cores.before, files.before);
  await bundle(cores.after, files.after);
  console.log(`toy-paxos bench:fold on Node ${process.version}: before ${cores.before}, after ${cores.after}`);
  // The thread's CPU time comes in clock ticks of 10 ms, a sixth of a five-node fold: a run's figure is its 7 folds' steps over their CPU time.
  console.log(`${pairs} pairs of runs, each 9 folds of which the last 7 count; events/s by the CPU time of the folding thread over the 7 folds (and for the median fold)`);
  for (const log of logs) {
    const rates: Record<'before' | 'after', number[]> = { before: [], after: [] };
    const hashes = new Set<string>();
    for (let pair = 1; pair <= pairs; pair++) {
      for (const which of ['before', 'after'] as const) {
        const load = loadavg()[0]!.toFixed(1);
        const out = execFileSync(process.execPath, [files[which]], { env: { ...process.env, FOLD_LOG: log }, encoding: 'utf8' });
        const run = JSON.parse(out.trim().split('\n').pop()!) as Run;
        hashes.add(run.hash);
        const total = run.cpuMs.reduce((a, b) => a + b, 0);
        rates[which].push((run.steps * run.cpuMs.length) / (total / 1000));
        console.log(
          `${log}, pair ${pair}, ${which.padEnd(6)}: ${millions(run.steps * run.cpuMs.length, total)} (median fold ${millions(run.steps, median(run.cpuMs))}), ` +
            `by the clock ${millions(run.steps, median(run.wallMs))}, load average ${load}`,
        );
      }
    }
    const b = median(rates.before);
    const a = median(rates.after);
    console.log(
      `${log}: median before ${(b / 1e6).toFixed(2)}M, after ${(a / 1e6).toFixed(2)}M events/s, after/before ${(a / b).toFixed(2)}` +
        (hashes.size === 1 ? '' : ' (the two cores folded different logs: compare with care)'),
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
