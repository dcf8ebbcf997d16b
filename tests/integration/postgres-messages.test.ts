/**
 * Messages between server processes on PostgreSQL, of every size. They travel by NOTIFY,
 * whose payload must be shorter than 8,000 bytes, so larger ones need another way: at that
 * limit, on either side of it and far past it, a message reaches the other process at once.
 * Two servers in this test's process stand for two processes: each has its own store, pool
 * and adapter, and they hear each other only through the database.
 */
import { describe, expect, it } from 'vitest';
import { PgStore } from '@toy-paxos/server';
import { freshDatabase } from '../support/postgres';
import { createRoom, until, useServers } from './harness';

const env = useServers();

/** The part of socket.io's server that talks to the other processes. */
interface Emitter {
  serverSideEmit(event: string, ...args: unknown[]): boolean;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

/**
 * The bytes of what the adapter publishes for `serverSideEmit('probe', text)`: socket.io's
 * cluster message (socket.io-adapter's ClusterAdapter; type 9 is SERVER_SIDE_EMIT) as JSON.
 */
function messageBytes(uid: string, text: string): number {
  return Buffer.byteLength(JSON.stringify({ type: 9, data: { packet: ['probe', text] }, uid, nsp: '/' }));
}

describe('messages between server processes on PostgreSQL', () => {
  it('reach the other process at once whatever their size: under, at and over the 8,000 bytes NOTIFY takes', async () => {
    const url = await freshDatabase();
    const [storeA, storeB] = [await PgStore.open(url), await PgStore.open(url)];
    const a = (await env.server({}, undefined, { store: () => storeA })).app;
    const b = (await env.server({}, undefined, { store: () => storeB })).app;
    const [from, to] = [a.io as unknown as Emitter, b.io as unknown as Emitter];
    const heard = new Set<string>();
    to.on('probe', (text) => heard.add(text as string));
    // Both listen: a small message gets through.
    await until(
      () => {
        from.serverSideEmit('probe', 'hello');
        return heard.has('hello');
      },
      'the first message',
      10_000,
    );
    const uid = (a.io.of('/').adapter as unknown as { uid: string }).uid;
    // About the largest this server sends in the NOTIFY itself (pg-adapter.ts), about NOTIFY's limit, and far past it.
    const sizes = [1_000, 4_999, 5_000, 5_001, ...Array.from({ length: 41 }, (_, i) => 7_980 + i), 16_000, 64_000];
    const slowest = { bytes: 0, ms: 0 };
    for (const bytes of sizes) {
      const text = `${bytes}:`.padEnd(bytes - messageBytes(uid, ''), 'x');
      expect(messageBytes(uid, text)).toBe(bytes);
      const sent = Date.now();
      from.serverSideEmit('probe', text);
      await until(() => heard.has(text), `the message of ${bytes} bytes`, 2000);
      if (Date.now() - sent > slowest.ms) Object.assign(slowest, { bytes, ms: Date.now() - sent });
    }
    expect(slowest.ms, `the slowest, ${slowest.bytes} bytes`).toBeLessThan(1000);
  });
});

describe('what another process says of a room this one is still reading', () => {
  it('is applied once the room is read, not dropped: a join committed while the room loads reaches its screens', async () => {
    const url = await freshDatabase();
    const [storeA, storeB] = [await PgStore.open(url), await PgStore.open(url)];
    // b reads a room as a slow database would answer: what it read, but late.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const reading: string[] = [];
    const loadRoom = storeB.loadRoom.bind(storeB);
    storeB.loadRoom = async (code, after) => {
      const stored = await loadRoom(code, after);
      reading.push(code);
      if (!after) await held;
      return stored;
    };
    const a = await env.server({}, undefined, { store: () => storeA });
    const b = await env.server({}, undefined, { store: () => storeB });
    // Both processes hear each other before the room is opened.
    const heard = new Set<string>();
    (b.app.io as unknown as Emitter).on('probe', (text) => heard.add(text as string));
    await until(() => (a.app.io as unknown as Emitter).serverSideEmit('probe', 'hello') && heard.has('hello'), 'b hearing a', 10_000);
    const room = await createRoom(a.url);
    // b hears of the new room and reads it; a student joins on a before that read is answered.
    await until(() => reading.includes(room.code), 'b reading the new room', 10_000);
    const student = env.client(a.url);
    expect((await student.join(room.code, 'Ann')).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 300)); // the join's message reaches b while its read is held
    release();
    const teacher = env.client(b.url);
    expect((await teacher.resume(room.instructorToken)).ok).toBe(true);
    await teacher.until(() => teacher.lastSeq === 1, "the student's join on the other process", 5000);
    expect(teacher.problems).toEqual([]);
  });
});
