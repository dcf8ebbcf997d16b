/**
 * The PostgreSQL store on a real PostgreSQL: the SQLite store's tables, batches all or
 * nothing, and a conflict, never a second event at a seq or a gap, when two stores (two
 * server processes) commit to one room.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PgStore, SqliteStore, StoreConflict } from '@toy-paxos/server';
import { DEFAULT_SETTINGS, type RoomEvent } from '@toy-paxos/shared';
import { freshDatabase } from '../support/postgres';
import { keepsOneAnswerEach } from '../support/store-answers';

const added = (node: string): RoomEvent => ({ type: 'nodeAdded', node, name: node, bot: false });
const student = (tokenHash: string, node: string, createdAt: number) => ({ tokenHash, role: 'student' as const, node, name: node, createdAt });

describe('PgStore', () => {
  it('has the SQLite store\'s tables and columns, whichever of two processes starting at once creates them', async () => {
    const url = await freshDatabase();
    // Two processes starting at once: one creates the schema, the other waits and finds it.
    const [a, b] = await Promise.all([PgStore.open(url), PgStore.open(url)]);
    await b.close();
    const columns = (await a.pool.query<{ table_name: string; column_name: string }>(
      "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name IN ('answers', 'branches', 'events', 'participants', 'refusals', 'rooms') ORDER BY table_name, ordinal_position",
    )).rows.map((r) => `${r.table_name}.${r.column_name}`);
    await a.close();
    const dir = mkdtempSync(join(tmpdir(), 'toy-paxos-store-'));
    await new SqliteStore(dir).close();
    const db = new Database(join(dir, 'toy-paxos.sqlite'));
    const sqlite = ['answers', 'branches', 'events', 'participants', 'refusals', 'rooms'].flatMap((t) => (db.pragma(`table_info(${t})`) as { name: string }[]).map((c) => `${t}.${c.name}`));
    db.close();
    expect(columns).toEqual(sqlite);
  });

  it('refuses a database whose schema is newer than the server, saying so', async () => {
    const url = await freshDatabase();
    await (await PgStore.open(url)).close();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query('UPDATE toy_paxos_schema SET version = 99');
    await admin.end();
    await expect(PgStore.open(url)).rejects.toThrow(/schema is version 99, newer than this server's 4/);
  });

  it('keeps one answer a student to each question (another is a conflict for its room) and the refusal counts, and loads them', async () => {
    await keepsOneAnswerEach(await PgStore.open(await freshDatabase()));
  });

  it('commits a batch whole, and a failing one not at all', async () => {
    const store = await PgStore.open(await freshDatabase());
    await store.commit([{ code: 'ABCDEF', create: { createdAt: 1, settings: DEFAULT_SETTINGS }, expiresAt: 100 }]);
    await store.commit([{ code: 'ABCDEF', expiresAt: 200, participants: [student('h1', 'n1', 2)], events: [{ seq: 1, at: 2, event: added('n1') }] }]);
    await expect(
      store.commit([
        { code: 'ABCDEF', expiresAt: 250, locked: true, participants: [student('h2', 'n2', 3)], events: [{ seq: 2, at: 3, event: added('n2') }] },
        { code: 'ABCDEF', expiresAt: 300, events: [{ seq: 4, at: 3, event: added('n3') }] },
      ]),
    ).rejects.toThrow(/event 4 does not follow 2 in room ABCDEF/);
    await expect(store.commit([{ code: 'NOROOM', expiresAt: 1 }])).rejects.toThrow(/no room NOROOM/);
    const room = (await store.loadRoom('ABCDEF'))!;
    expect(room).toMatchObject({ expiresAt: 200, locked: false, activeBranch: 0 });
    expect(room.participants.map((p) => p.tokenHash)).toEqual(['h1']);
    expect(room.events.get(0)).toEqual([{ seq: 1, at: 2, event: added('n1') }]);
    expect(await store.roomOfToken('h1')).toBe('ABCDEF');
    expect(await store.roomOfToken('h2')).toBeNull();
    await store.close();
  });

  it('commits a batch that only appends events in one round trip to the database, refusing as the whole transaction does', async () => {
    // One connection in the pool: every statement of a commit is counted on it.
    const store = await PgStore.open(await freshDatabase(), 1);
    let statements = 0;
    const counted = new WeakSet<object>();
    store.pool.on('acquire', (client) => {
      if (counted.has(client)) return;
      counted.add(client);
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as { query: unknown }).query = (...args: unknown[]) => (statements++, query(...args));
    });
    await store.commit([
      { code: 'ROOM01', create: { createdAt: 1, settings: DEFAULT_SETTINGS }, expiresAt: 100 },
      { code: 'ROOM02', create: { createdAt: 1, settings: DEFAULT_SETTINGS }, expiresAt: 100 },
    ]);
    statements = 0;
    await store.commit([
      { code: 'ROOM01', expiresAt: 200, events: [{ seq: 1, at: 2, event: added('a1') }] },
      { code: 'ROOM02', expiresAt: 300, events: [{ seq: 1, at: 2, event: added('b1') }, { seq: 2, at: 2, event: added('b2') }] },
      { code: 'ROOM01', expiresAt: 250, events: [{ seq: 2, at: 3, event: added('a2') }], refusals: {} },
    ]);
    expect(statements).toBe(1);
    expect((await store.loadRoom('ROOM01'))!).toMatchObject({ expiresAt: 250, events: new Map([[0, [{ seq: 1, at: 2, event: added('a1') }, { seq: 2, at: 3, event: added('a2') }]]]) });
    expect((await store.loadRoom('ROOM02'))!.events.get(0)!.map((e) => e.seq)).toEqual([1, 2]);
    // Refused whole: a timeline that is not there, a room that is not there, a seq taken.
    await expect(store.commit([{ code: 'ROOM01', expiresAt: 400, events: [{ seq: 3, at: 4, event: added('a3') }] }, { code: 'ROOM02', branch: 7, expiresAt: 400, events: [{ seq: 9, at: 4, event: added('x') }] }])).rejects.toThrow(/no branch 7 in room ROOM02/);
    await expect(store.commit([{ code: 'ROOM01', expiresAt: 400, events: [{ seq: 3, at: 4, event: added('a3') }] }, { code: 'NOROOM', expiresAt: 400 }])).rejects.toThrow(/no room NOROOM/);
    const taken = await store.commit([{ code: 'ROOM02', expiresAt: 400, events: [{ seq: 3, at: 4, event: added('b3') }] }, { code: 'ROOM01', expiresAt: 400, events: [{ seq: 2, at: 4, event: added('again') }] }]).catch((e: unknown) => e);
    expect(taken).toBeInstanceOf(StoreConflict);
    expect((taken as StoreConflict).codes).toEqual(['ROOM01']);
    expect((await store.loadRoom('ROOM01'))!.expiresAt).toBe(250);
    expect((await store.loadRoom('ROOM02'))!.events.get(0)!.map((e) => e.seq)).toEqual([1, 2]);
    // A change that does more than append takes the batch's transaction, as before.
    statements = 0;
    await store.commit([{ code: 'ROOM01', expiresAt: 500, participants: [student('h1', 'n1', 5)], events: [{ seq: 3, at: 5, event: added('n1') }] }]);
    expect(statements).toBeGreaterThan(1);
    expect(await store.roomOfToken('h1')).toBe('ROOM01');
    await store.close();
  });

  it("writes a room's row only when its expiry moves, not with every commit", async () => {
    const store = await PgStore.open(await freshDatabase());
    const version = async () => (await store.pool.query<{ xmin: string }>("SELECT xmin FROM rooms WHERE code = 'ROOM01'")).rows[0]!.xmin;
    await store.commit([{ code: 'ROOM01', create: { createdAt: 1, settings: DEFAULT_SETTINGS }, expiresAt: 60_000 }]);
    const created = await version();
    await store.commit([{ code: 'ROOM01', expiresAt: 60_000, events: [{ seq: 1, at: 2, event: added('a1') }] }]);
    await store.commit([{ code: 'ROOM01', expiresAt: 60_000, events: [{ seq: 2, at: 3, event: added('a2') }] }]);
    expect(await version()).toBe(created);
    await store.commit([{ code: 'ROOM01', expiresAt: 120_000, events: [{ seq: 3, at: 4, event: added('a3') }] }]);
    expect(await version()).not.toBe(created);
    expect((await store.loadRoom('ROOM01'))!).toMatchObject({ expiresAt: 120_000 });
    await store.close();
  });

  it('leaves no transaction open on a connection after reading a room that is not there: the next commit on it succeeds', async () => {
    // One connection in the pool: the commit gets the one the read used.
    const store = await PgStore.open(await freshDatabase(), 1);
    expect(await store.loadRoom('NOROOM')).toBeNull();
    await store.commit([{ code: 'ABCDEF', create: { createdAt: 1, settings: DEFAULT_SETTINGS }, expiresAt: 100 }]);
    expect((await store.loadRoom('ABCDEF'))!.code).toBe('ABCDEF');
    await store.close();
  });

  it('lets one of two processes commit at a seq; the other gets a conflict and the events after a seq it asks for', async () => {
    const url = await freshDatabase();
    const [a, b] = [await PgStore.open(url), await PgStore.open(url)];
    await a.commit([{ code: 'ROOM01', create: { createdAt: 1, settings: DEFAULT_SETTINGS }, expiresAt: 100 }]);
    // Both decided event 1 at once; whichever commits second meets the first's.
    const outcomes = await Promise.allSettled([
      a.commit([{ code: 'ROOM01', expiresAt: 100, events: [{ seq: 1, at: 2, event: added('a1') }] }]),
      b.commit([{ code: 'ROOM01', expiresAt: 100, events: [{ seq: 1, at: 2, event: added('b1') }] }]),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(StoreConflict);
    const winner = outcomes[0]!.status === 'fulfilled' ? 'a1' : 'b1';
    await b.commit([{ code: 'ROOM01', expiresAt: 100, events: [{ seq: 2, at: 3, event: added('c2') }, { seq: 3, at: 3, event: added('c3') }] }]);
    // A gap is a conflict too: event 5 cannot follow 3.
    await expect(a.commit([{ code: 'ROOM01', expiresAt: 100, events: [{ seq: 5, at: 4, event: added('x') }] }])).rejects.toThrow(StoreConflict);
    const all = (await a.loadRoom('ROOM01'))!.events.get(0)!;
    expect(all.map((e) => (e.event as { node: string }).node)).toEqual([winner, 'c2', 'c3']);
    // A conflict names its rooms: the batch's other room was fine, and is committed when asked again.
    await a.commit([{ code: 'ROOM02', create: { createdAt: 1, settings: DEFAULT_SETTINGS }, expiresAt: 100 }]);
    const fine = { code: 'ROOM02', expiresAt: 100, events: [{ seq: 1, at: 5, event: added('d1') }] };
    const mixed = await a.commit([fine, { code: 'ROOM01', expiresAt: 100, events: [{ seq: 3, at: 5, event: added('late') }] }]).catch((e: unknown) => e);
    expect(mixed).toBeInstanceOf(StoreConflict);
    expect((mixed as StoreConflict).codes).toEqual(['ROOM01']);
    expect((await a.loadRoom('ROOM02'))!.events.get(0)).toBeUndefined();
    await a.commit([fine]);
    expect((await b.loadRoom('ROOM02'))!.events.get(0)!.map((e) => e.seq)).toEqual([1]);
    const later = (await a.loadRoom('ROOM01', new Map([[0, 1]])))!.events.get(0)!;
    expect(later.map((e) => e.seq)).toEqual([2, 3]);
    // Expiry deletes a room only if the store agrees that its time is up.
    expect(await a.deleteRoom('ROOM01', 99)).toBe(false);
    expect(await b.deleteRoom('ROOM01', 100)).toBe(true);
    expect(await a.loadRoom('ROOM01')).toBeNull();
    await a.close();
    await b.close();
  });
});
