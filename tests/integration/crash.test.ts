/**
 * The server process is killed with SIGKILL while clients are acting, then restarted
 * on the same data directory: no acknowledged event is lost, and every client resyncs
 * to the identical log.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { freePort } from '../support/ports';
import { startProcess as startServerProcess } from '../support/server-process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRoom, TestClient, textOf } from './harness';

const startProcess = (port: number, dataDir: string) => startServerProcess(port, { DATA_DIR: dataDir });

/** The id of the last request put in flight that this client has seen. */
function lastSentId(c: TestClient): number {
  for (let i = c.records.length - 1; i >= 0; i--) {
    const e = c.records[i]!.event;
    if (e.type === 'sent') return e.message.id;
  }
  return 1;
}

const children: ChildProcess[] = [];
const clients: TestClient[] = [];
afterAll(() => {
  for (const c of clients) c.close();
  for (const p of children) p.kill('SIGKILL');
});

describe('a server killed with SIGKILL', () => {
  it('loses no acknowledged event, and every client resyncs to the identical log', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'toy-paxos-kill-'));
    const url = `http://127.0.0.1:${port}`;
    children.push(await startProcess(port, dataDir));

    const room = await createRoom(url);
    const teacher = new TestClient(url);
    clients.push(teacher);
    await teacher.resume(room.instructorToken);
    await teacher.emit('room:settings', { settings: { delivery: 'queued' } });
    const students = Array.from({ length: 4 }, () => new TestClient(url));
    clients.push(...students);
    for (const [i, s] of students.entries()) expect((await s.join(room.code, `S${i}`)).ok).toBe(true);

    // Every student keeps acting; the teacher keeps delivering. Acked seqs are collected.
    const acked = new Set<number>();
    let stop = false;
    const act = async (c: TestClient, k: number) => {
      for (let i = 0; !stop; i++) {
        const pick = (i + k) % 3;
        const [event, payload] =
          c === teacher
            ? ['net:deliver', { id: lastSentId(c) }]
            : pick === 0
              ? ['node:propose', { value: `V${k}` }]
              : pick === 1
                ? ['node:promise', { to: 'all' }]
                : ['node:accept', { to: 'all' }];
        try {
          const ack = await c.emit(event, payload);
          if (ack.ok) for (const seq of ack.seqs as number[]) acked.add(seq);
        } catch {
          // no answer: the server is down; the event was not acknowledged
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const loops = [teacher, ...students].map((c, k) => act(c, k));
    await teacher.until(() => acked.size > 60, 'some acknowledged events', 10_000);

    children[0]!.kill('SIGKILL');
    await new Promise((r) => children[0]!.once('exit', r));
    const ackedBefore = new Set(acked);
    const seenBefore = [teacher, ...students].map((c) => c.records.slice());
    children.push(await startProcess(port, dataDir));

    await teacher.until(() => acked.size > ackedBefore.size + 20, 'acting again after the restart', 15_000);
    stop = true;
    await Promise.all(loops);

    // Settle: everyone converges on the server's log.
    const probe = new TestClient(url);
    clients.push(probe);
    await probe.resume(room.instructorToken);
    const finalSeq = probe.lastSeq;
    for (const c of [teacher, ...students]) await c.until(() => c.lastSeq === finalSeq, 'resync', 10_000);

    const final = textOf(probe.records);
    for (const c of [teacher, ...students]) {
      expect(c.problems).toEqual([]);
      expect(textOf(c.records)).toBe(final);
    }
    for (const seq of ackedBefore) expect(seq).toBeLessThanOrEqual(finalSeq);
    // What anyone saw before the crash is exactly what the restarted server has.
    for (const seen of seenBefore) expect(textOf(probe.records.slice(0, seen.length))).toBe(textOf(seen));
    expect(probe.records.map((r) => r.seq)).toEqual(probe.records.map((_, i) => i + 1));
  }, 60_000);
});
