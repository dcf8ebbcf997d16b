/**
 * Property tests of Multi-Paxos over random schedules (fast-check).
 * - In safe mode no schedule breaks safety, checked two ways: the monitor never fires, and,
 *   recomputed here from the nodes' own state, no slot has two learned commands and every
 *   node's applied sequence is a prefix of every other's (Paxos Made Simple, section 3).
 * - With "skip re-propose" broken, random search finds two commands chosen in one slot.
 * A failure prints fast-check's seed and path; replay it with
 *   FC_SEED=<seed> FC_PATH=<path> npx vitest run tests/property/multi-safety.test.ts
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { multiNodeOf, type RoomState } from '@toy-paxos/shared';
import { runMultiWorld, safeMultiWorldArb, skipReproposeWorldArb } from './multi-schedules';

const replay = process.env.FC_SEED ? { seed: Number(process.env.FC_SEED), path: process.env.FC_PATH } : {};
const SAFE_RUNS = 10_000;

/** Each node's applied sequence of commands, slot 1 first. */
function appliedLogs(s: RoomState): string[][] {
  return s.order.map((id) => {
    const n = multiNodeOf(s.multi, id);
    return Array.from({ length: n.applied }, (_, i) => n.learned[i + 1]!);
  });
}

/** A problem with per-slot agreement or the applied prefixes, from the nodes' own state (not the monitor's), or null. */
function independentCheck(s: RoomState): string | null {
  const bySlot = new Map<number, string>();
  for (const id of s.order) {
    for (const [slot, value] of Object.entries(multiNodeOf(s.multi, id).learned)) {
      const other = bySlot.get(Number(slot));
      if (other !== undefined && other !== value) return `slot ${slot}: ${other} and ${value} learned`;
      bySlot.set(Number(slot), value);
    }
  }
  const logs = appliedLogs(s);
  for (const a of logs) for (const b of logs) {
    const shorter = a.length <= b.length ? a : b;
    const longer = shorter === a ? b : a;
    if (shorter.some((v, i) => longer[i] !== v)) return `applied ${JSON.stringify(a)} and ${JSON.stringify(b)} are not prefixes of each other`;
  }
  const chosen = new Map<number, string>();
  for (const c of s.multi!.monitor.chosen) {
    if (chosen.has(c.slot) && chosen.get(c.slot) !== c.value) return `slot ${c.slot}: two commands chosen`;
    chosen.set(c.slot, c.value);
  }
  return null;
}

describe('Multi-Paxos safety over random schedules', () => {
  it(`in safe mode no slot chooses two commands and every applied sequence is a prefix of every other (${SAFE_RUNS} schedules)`, () => {
    let applied = 0;
    let longLogs = 0;
    let leaderChanges = 0;
    let noOps = 0;
    fc.assert(
      fc.property(safeMultiWorldArb(), (world) => {
        const s = runMultiWorld(world);
        const { violations } = s.monitor;
        if (violations.length) throw new Error(`violation in safe mode: ${violations.map((v) => v.message).join(' | ')}`);
        const problem = independentCheck(s);
        if (problem) throw new Error(`safe mode: ${problem}`);
        const chosen = s.multi!.monitor.chosen;
        if (appliedLogs(s).some((l) => l.length > 0)) applied++;
        if (new Set(chosen.map((c) => c.slot)).size >= 3) longLogs++;
        if (new Set(chosen.map((c) => c.ballot.node)).size > 1) leaderChanges++;
        if (chosen.some((c) => c.value === 'no-op')) noOps++;
      }),
      { numRuns: SAFE_RUNS, ...replay },
    );
    // "Never fires" proves something only if the schedules exercise the protocol: many run
    // commands, some build logs of three slots or more, some choose slots under two leaders,
    // and some fill holes with no-op.
    console.log(`multi-paxos safe schedules: ${applied} ran a command, ${longLogs} chose 3+ slots, ${leaderChanges} chose slots under two leaders, ${noOps} chose a no-op`);
    if (!process.env.FC_SEED) {
      expect(applied / SAFE_RUNS).toBeGreaterThan(0.15);
      expect(longLogs).toBeGreaterThan(300);
      expect(leaderChanges).toBeGreaterThan(150);
      expect(noOps).toBeGreaterThan(5);
    }
  });

  it('random search finds two commands chosen in one slot when a new leader skips re-proposing', () => {
    const result = fc.check(
      fc.property(skipReproposeWorldArb(), (world) => runMultiWorld(world).monitor.violations.length === 0),
      { numRuns: 50_000, endOnFailure: true, ...replay },
    );
    expect(result.failed, `no violation found in ${result.numRuns} schedules (seed ${result.seed})`).toBe(true);
    const s = runMultiWorld(result.counterexample![0]);
    console.log(`skip re-propose: violation found after ${result.numRuns} schedules: ${[...new Set(s.monitor.violations.map((v) => v.rule))].join(', ')}`);
    expect(s.monitor.violations.map((v) => v.rule)).toContain('agreement');
  });
});
