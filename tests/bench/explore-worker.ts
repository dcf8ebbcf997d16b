/**
 * A worker thread of its own for bench:explore's larger searches: a fresh isolate that runs
 * nothing but the compact search, as the pages' explorer worker does (client/src/lib/explore.worker.ts).
 * It searches the configuration it is given whole, `runs` times (the first cold, the others
 * warm), and posts each run's figures. Its CPU time is its own thread's (/proc/thread-self).
 * It is started through tsx's API (explore.bench.ts), as Node 20's workers do not take the
 * `--import tsx` of the process.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Exploration } from '@toy-paxos/shared';
import { LARGER_CONFIGS, roomStart, type RoomConfig } from './explore-configs';
import { canCollect, memoryNow, threadCpuMs } from './thread-cpu';

export interface WorkerRun {
  readonly states: number;
  readonly complete: boolean;
  readonly violations: number;
  readonly ms: number;
  /** This thread's CPU time over the search, or null where Linux's /proc is not there. */
  readonly cpuMs: number | null;
  /** Bytes the search holds per state, or null without `--expose-gc`. */
  readonly bytesPerState: number | null;
}

/** One whole search, in a function of its own so that nothing of it is held when the next one starts. */
function searchWhole(config: RoomConfig): WorkerRun {
  const start = roomStart(config);
  const before = memoryNow();
  const cpu0 = threadCpuMs();
  const t0 = performance.now();
  const exploration = new Exploration(start, config.bounds, null, 'auto');
  const r = exploration.run()!;
  const ms = performance.now() - t0;
  const cpu1 = threadCpuMs();
  const bytes = canCollect ? Math.max(0, memoryNow() - before) / r.states : null;
  exploration.stop();
  return { states: r.states, complete: r.complete, violations: r.violations.length, ms, cpuMs: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0, bytesPerState: bytes };
}

const { config, runs } = workerData as { config: number; runs: number };
for (let run = 0; run < runs; run++) parentPort!.postMessage(searchWhole(LARGER_CONFIGS[config]!));
