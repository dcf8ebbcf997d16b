/** What bench:explore measures a search with, in its own thread or in a worker's. */
import { readFileSync } from 'node:fs';

/** The calling thread's CPU time in ms (clock ticks of 10 ms), read from Linux's /proc; null elsewhere. */
export function threadCpuMs(): number | null {
  try {
    const fields = readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

const gc = (globalThis as { gc?: () => void }).gc;

/** True when the process runs with `--expose-gc`, so that memory can be measured after a full collection. */
export const canCollect = gc !== undefined;

/** Array buffers and heap in use after a full collection. */
export function memoryNow(): number {
  // Twice: array buffers are given back to the system only after the collection that finds them dead.
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return m.arrayBuffers + m.heapUsed;
}
