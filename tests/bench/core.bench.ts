/**
 * npm run bench:core
 * Measures the core on a 100,000-event room log: how fast `apply` folds events, on it and
 * on a 40-node class's log of the same length, and `stateAt` seek times at random points. A benchmark,
 * not a test: it prints figures, and the targets beside them, and never fails a build.
 */
import { performance } from 'node:perf_hooks';
import { availableParallelism, loadavg } from 'node:os';
import { apply, cloneRoomState, evolve, RoomLog, type RoomEvent, type RoomState } from '@toy-paxos/shared';
import { buildClassLog, buildLog, buildMultiClassLog, eventSteps, timeSeeks } from './log-fixture';

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

/**
 * Fold: apply every event to one owned state, 2 warm-ups then 5 timed runs. A deliver-all
 * counts as one event per message it delivers (the fold does the work of a delivery for
 * each). The CPU rate divides by the process's CPU time over the run (the fold's thread and
 * the garbage collector's helpers), which a shared machine's other work does not inflate
 * as it does the clock's.
 */
function timeFold(label: string, initial: RoomState, events: readonly RoomEvent[]): void {
  const steps = eventSteps(events);
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < 7; i++) {
    const s = cloneRoomState(initial);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const e of events) apply(s, e);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    if (i >= 2) {
      walls.push(ms);
      cpus.push((cpu.user + cpu.system) / 1000);
    }
  }
  walls.sort((a, b) => a - b);
  cpus.sort((a, b) => a - b);
  const rate = (ms: number) => Math.round(steps / (ms / 1000)).toLocaleString('en-US');
  console.log(
    `fold, ${label}: ${events.length.toLocaleString('en-US')} events (${steps.toLocaleString('en-US')} counting each delivery of a deliver-all): ` +
      `best ${fmt(walls[0]!, 1)} ms, median ${fmt(percentile(walls, 50), 1)} ms -> ${rate(percentile(walls, 50))} events/s by the clock, ` +
      `${rate(percentile(cpus, 50))} by CPU time (target >= 1,000,000 events/s)`,
  );
}

const [load1] = loadavg();
console.log(`load average ${load1!.toFixed(1)} on ${availableParallelism()} cores`);
timeFold('five nodes', initial, events);
{
  const classLog = buildClassLog(EVENTS, 42);
  const classKinds = new Map<string, number>();
  for (const e of classLog.events) classKinds.set(e.type, (classKinds.get(e.type) ?? 0) + 1);
  console.log(`class log: ${[...classKinds].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  timeFold('a class of 40', classLog.initial, classLog.events);
}
{
  const multiLog = buildMultiClassLog(EVENTS, 42);
  const multiKinds = new Map<string, number>();
  for (const e of multiLog.events) multiKinds.set(e.type, (multiKinds.get(e.type) ?? 0) + 1);
  console.log(`Multi-Paxos class log: ${[...multiKinds].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  timeFold('a class of 40 running Multi-Paxos', multiLog.initial, multiLog.events);
}

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
