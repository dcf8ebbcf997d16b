/** Runs in Chromium for bench:client: seeking in a 100,000-event room log with `RoomLog.stateAt`. */
import { RoomLog } from '@toy-paxos/shared';
import { buildLog, timeSeeks } from './log-fixture';

export interface SeekResult {
  readonly buildMs: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

(globalThis as unknown as { seekBench: (events: number, seeks: number) => SeekResult }).seekBench = (count: number, seeks: number): SeekResult => {
  const { initial, events } = buildLog(count, 42);
  const t0 = performance.now();
  const log = new RoomLog(initial, events);
  const buildMs = performance.now() - t0;
  const times = timeSeeks(log, seeks, 100);
  const at = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))]!;
  return { buildMs, p50: at(50), p99: at(99), max: times.at(-1)! };
};
