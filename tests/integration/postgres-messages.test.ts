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
import { until, useServers } from './harness';

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
