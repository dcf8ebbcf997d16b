/**
 * A full disk, as an operator meets it: the server's data folder on a real file system of
 * 8 MB (a tmpfs mounted for the test), filled up by another program mid-class. Every save
 * is refused with nothing changed; the operator sees it in the log (a line at level error,
 * not one per refused save) and on /healthz (503 until a save succeeds again); once space
 * is freed, the class goes on with nothing lost.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, DEFAULT_LIMITS, SqliteStore, type App } from '@toy-paxos/server';
import { createRoom, TestClient } from './harness';

let mount: string;
beforeAll(() => {
  mount = mkdtempSync(join(tmpdir(), 'toy-paxos-full-'));
  // Mounting needs root, which CI's runner is (it installs packages with apt-get).
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mount]);
});
afterAll(() => {
  execFileSync('umount', [mount]);
  rmSync(mount, { recursive: true, force: true });
});

/** Fills the file system with one file until it is full; returns the file's path. */
function fillDisk(): string {
  const filler = join(mount, 'filler');
  try {
    execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k'], { stdio: 'ignore' });
  } catch {
    // dd ends with an error when the disk is full: that is what it was asked to do.
  }
  return filler;
}

// The instructor adds bots as fast as the disk takes them, until it is full.
const limits = { ...DEFAULT_LIMITS, commandBurst: 2000, commandsPerSecond: 1000 };

describe('a full disk', () => {
  it('refuses every save with nothing changed, says so once in the log and on /healthz, and the class goes on once space is freed', async () => {
    const lines: { level: number; msg: string; failedSaves?: number }[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(JSON.parse(chunk.toString())), done()) }));
    const dataDir = join(mount, 'data');
    const app: App = createApp({
      config: { port: 0, host: '127.0.0.1', dataDir, allowedOrigins: ['http://localhost:3000'], publicUrl: 'http://localhost:3000', logLevel: 'info', clientDir: join(dataDir, 'no-client'), limits },
      store: new SqliteStore(dataDir),
      logger,
    });
    const url = `http://127.0.0.1:${await app.listen(0, '127.0.0.1')}`;
    const clients: TestClient[] = [];
    try {
      const room = await createRoom(url);
      const teacher = new TestClient(url);
      clients.push(teacher);
      await teacher.resume(room.instructorToken);
      const ana = new TestClient(url);
      clients.push(ana);
      expect((await ana.join(room.code, 'Ana')).ok).toBe(true);
      expect((await ana.emit('node:propose', { value: 'Apple' })).ok).toBe(true);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const seqBefore = ana.lastSeq;

      const filler = fillDisk();
      // Commands until the disk refuses one (SQLite may still have room in pages it holds).
      let refused = 0;
      for (let i = 0; i < 1000 && refused < 30; i++) {
        const ack = await teacher.emit('bot:add', {});
        if (!ack.ok) {
          expect(ack).toEqual({ ok: false, error: { code: 'server-error', message: 'The server could not save that; nothing changed. Try again in a moment.' } });
          refused++;
        }
      }
      expect(refused).toBe(30);
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ status: 'store-failing', store: { ok: false, failedSaves: 30, lastError: expect.stringMatching(/full/i) } });
      // A new room is refused as well, with a sentence.
      const create = await fetch(`${url}/api/rooms`, { method: 'POST' });
      expect(create.status).toBe(503);
      // One line at level error for the burst of refusals, not thirty.
      const errors = lines.filter((l) => l.level === 50);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.msg).toMatch(/a save failed/);
      // Nothing refused reached anyone.
      const seqDuring = ana.lastSeq;

      rmSync(filler);
      const ack = await teacher.emit('bot:add', {});
      expect(ack.ok).toBe(true);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect(lines.some((l) => l.level === 40 && l.msg === 'the store saves again' && l.failedSaves === 31)).toBe(true);
      await expect.poll(() => ana.lastSeq).toBeGreaterThan(seqDuring);
      expect(ana.problems).toEqual([]);

      // What was acknowledged is on disk: a restart on the same folder has every event.
      await app.close();
      const again = createApp({
        config: { port: 0, host: '127.0.0.1', dataDir, allowedOrigins: ['http://localhost:3000'], publicUrl: 'http://localhost:3000', logLevel: 'silent', clientDir: join(dataDir, 'no-client'), limits: DEFAULT_LIMITS },
        store: new SqliteStore(dataDir),
        logger: pino({ level: 'silent' }),
      });
      const url2 = `http://127.0.0.1:${await again.listen(0, '127.0.0.1')}`;
      const back = new TestClient(url2);
      clients.push(back);
      await back.resume(ana.token!);
      expect(back.lastSeq).toBe(ana.lastSeq);
      expect(back.records.map((r) => r.seq)).toEqual(ana.records.map((r) => r.seq));
      expect(seqBefore).toBeGreaterThan(0);
      await again.close();
    } finally {
      for (const c of clients) c.close();
      await app.close().catch(() => undefined);
    }
  });
});
