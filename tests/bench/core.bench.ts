/**
 * npm run bench:core
 * Measures the core on a 100,000-event room log: how fast `apply` folds events, the
 * time to fold the whole log, and `stateAt` seek times at random points. A benchmark,
 * not a test: it prints figures, and the targets beside them, and never fails a build.
 */
import { performance } from 'node:perf_hooks';
import { apply, cloneRoomState, evolve, RoomLog } from '@toy-paxos/shared';
import { buildLog, timeSeeks } from './log-fixture';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const SEEKS = 2000;
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function fmt(n: number, digits = 3): string {
  return n.toFixed(digits);
}

const { initial, events } = buildLog(EVENTS, 42);
const kinds = new Map<string, number>();
for (const e of events) kinds.set(e.type, (kinds.get(e.type) ?? 0) + 1);
console.log(`toy-paxos bench:core on Node ${process.version}`);
console.log(`log: ${events.length} events (${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')})`);

// Fold: apply every event to one owned state. Warm up, then best of 5.
const folds: number[] = [];
for (let i = 0; i < 7; i++) {
  const s = cloneRoomState(initial);
  const t0 = performance.now();
  for (const e of events) apply(s, e);
  const ms = performance.now() - t0;
  if (i >= 2) folds.push(ms);
}
folds.sort((a, b) => a - b);
const foldMs = folds[0]!;
const foldMedianMs = percentile(folds, 50);
console.log(
  `fold ${events.length} events: best ${fmt(foldMs, 1)} ms, median ${fmt(foldMedianMs, 1)} ms -> ` +
    `${Math.round(events.length / (foldMedianMs / 1000)).toLocaleString('en-US')} events/s (target >= 1,000,000 events/s)`,
);

// Pure evolve, one copy per event: what a caller pays for full immutability.
{
  const sample = events.slice(0, 20_000);
  let s = initial;
  const t0 = performance.now();
  for (const e of sample) s = evolve(s, e);
  const ms = performance.now() - t0;
  console.log(`evolve (pure, copies the state per event): ${Math.round(sample.length / (ms / 1000)).toLocaleString('en-US')} events/s`);
}

// Seek: build the log with snapshots, then stateAt at random points.
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const t0 = performance.now();
const log = new RoomLog(initial, events);
const buildMs = performance.now() - t0;
gc?.();
const heapAfter = process.memoryUsage().heapUsed;
console.log(
  `RoomLog with snapshots every ${log.snapshotEvery}: built in ${fmt(buildMs, 1)} ms, ` +
    (gc ? `heap +${fmt((heapAfter - heapBefore) / 1024 / 1024, 1)} MiB for the snapshots` : 'heap not measured (run with --expose-gc)'),
);
const seeks = timeSeeks(log, SEEKS, 200);
console.log(
  `stateAt at ${SEEKS} random points: p50 ${fmt(percentile(seeks, 50))} ms, p99 ${fmt(percentile(seeks, 99))} ms, ` +
    `max ${fmt(seeks[seeks.length - 1]!)} ms (target p99 <= 16 ms)`,
);
