/**
 * One fold run of `npm run bench:fold`: bundled with one checkout's core (fold-turns.ts), it
 * builds one of log-fixture.ts's logs (FOLD_LOG: five, class or multi; BENCH_EVENTS events),
 * folds it 9 times on one owned state and prints, as one line of JSON, the CPU time of this
 * thread and the clock's time of the last 7 folds (the first 2 warm the code up).
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { apply, cloneRoomState, type RoomEvent, type RoomState } from '@toy-paxos/shared';
import { buildClassLog, buildLog, buildMultiClassLog, eventSteps } from './log-fixture';
import { threadCpuMs } from './thread-cpu';

const FOLDS = 9;
const WARMUPS = 2;

const LOGS: Record<string, (count: number, seed: number) => { initial: RoomState; events: RoomEvent[] }> = {
  five: buildLog,
  class: buildClassLog,
  multi: buildMultiClassLog,
};

const which = process.env.FOLD_LOG ?? 'class';
const build = LOGS[which];
if (!build) throw new Error(`FOLD_LOG must be one of ${Object.keys(LOGS).join(', ')}, not ${which}`);
const { initial, events } = build(Number(process.env.BENCH_EVENTS ?? 100_000), 42);

const cpuMs: number[] = [];
const wallMs: number[] = [];
for (let i = 0; i < FOLDS; i++) {
  const s = cloneRoomState(initial);
  const cpu0 = threadCpuMs();
  const t0 = performance.now();
  for (const e of events) apply(s, e);
  const wall = performance.now() - t0;
  const cpu = threadCpuMs();
  if (i < WARMUPS) continue;
  wallMs.push(wall);
  if (cpu0 !== null && cpu !== null) cpuMs.push(cpu - cpu0);
}
// Both cores must fold the same log: the hash of its events says whether they did.
const hash = createHash('sha256').update(JSON.stringify(events)).digest('hex').slice(0, 12);
console.log(JSON.stringify({ log: which, steps: eventSteps(events), hash, cpuMs, wallMs }));
