/**
 * The CPU time of whole processes, read from Linux's /proc, for bench:server --processes N:
 * each server process, PostgreSQL (the postmaster and every backend it started), and the
 * bench's own process, so that a figure says where the cores went.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second in /proc (USER_HZ, 100 on Linux). */
const TICK_MS = 10;

/** A process's parent, its CPU time and that of its children it has waited for, in ms; null once it is gone. */
function statOf(pid: number): { ppid: number; ownMs: number; reapedMs: number } | null {
  try {
    // The command name may hold spaces and parentheses: the fields start after the last ") ".
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    // From the state (field 3 of proc(5)): ppid is 4, utime 14, stime 15, cutime 16, cstime 17.
    const at = (n: number) => Number(fields[n - 3]);
    return { ppid: at(4), ownMs: (at(14) + at(15)) * TICK_MS, reapedMs: (at(16) + at(17)) * TICK_MS };
  } catch {
    return null;
  }
}

/** The CPU time process `pid` has used, every thread, in ms (0 once it is gone). */
export function processCpuMs(pid: number): number {
  return statOf(pid)?.ownMs ?? 0;
}

/**
 * The CPU time of a process and of all its children, in ms: those alive now, and those that
 * ended and were waited for (a PostgreSQL backend ends when its connection closes).
 */
export function treeCpuMs(pid: number): number {
  const root = statOf(pid);
  if (!root) return 0;
  let total = root.ownMs + root.reapedMs;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const child = statOf(Number(entry));
    if (child?.ppid === pid) total += child.ownMs + child.reapedMs;
  }
  return total;
}

/** The CPU time this process has used, in ms. */
export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
