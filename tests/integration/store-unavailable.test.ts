/**
 * A store that cannot be reached for a while, as PostgreSQL's is while it restarts
 * (postgres-restart.test.ts restarts a real one): here a store that throws
 * `StoreUnavailable` when told to, so that a test can say exactly when, and can have a
 * commit kept by the database while its caller hears that the connection was lost.
 */
import { describe, expect, it } from 'vitest';
import { PgStore, SqliteStore, StoreUnavailable, type RoomChange, type Store } from '@toy-paxos/server';
import type { LogRecord } from '@toy-paxos/shared';
import { freshDatabase } from '../support/postgres';
import { createRoom, textOf, useServers, type TestClient } from './harness';

const RESTARTING = { ok: false, error: { code: 'store-unavailable', message: "The classroom's database is restarting; nothing changed; try again in a moment." } };
const IN_DOUBT = {
  ok: false,
  error: { code: 'store-unavailable', message: "The classroom's database stopped just as this was being saved, so it may or may not have been: look again in a moment, once it is back." },
};

/** A SQLite store out of reach while `down`; with `keep`, a commit is kept before the connection is "lost". */
class Flaky implements Store {
  down = false;
  keep = false;
  readonly #inner: SqliteStore;

  constructor(dataDir: string) {
    this.#inner = new SqliteStore(dataDir);
  }

  #check(): void {
    if (this.down) throw new StoreUnavailable('the database cannot be reached (connect ECONNREFUSED)');
  }

  async commit(changes: readonly RoomChange[]): Promise<void> {
    if (this.down && this.keep) {
      await this.#inner.commit(changes);
      throw new StoreUnavailable('the database cannot be reached (Connection terminated unexpectedly)', true);
    }
    this.#check();
    return this.#inner.commit(changes);
  }

  async loadRooms() {
    this.#check();
    return this.#inner.loadRooms();
  }

  async loadRoom(code: string, after?: ReadonlyMap<number, number>) {
    this.#check();
    return this.#inner.loadRoom(code, after);
  }

  async roomOfToken(tokenHash: string) {
    this.#check();
    return this.#inner.roomOfToken(tokenHash);
  }

  async deleteRoom(code: string, expiredBy?: number) {
    this.#check();
    return this.#inner.deleteRoom(code, expiredBy);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}

const env = useServers();

async function classroom() {
  let store!: Flaky;
  const server = await env.server({}, undefined, { store: (dataDir) => (store = new Flaky(dataDir)) });
  const room = await createRoom(server.url);
  const teacher = env.client(server.url);
  expect((await teacher.resume(room.instructorToken)).ok).toBe(true);
  const student = env.client(server.url);
  expect((await student.join(room.code, 'Ann')).ok).toBe(true);
  return { server, store, room, teacher, student };
}

/**
 * Once the store is back, the student's proposal is acknowledged at seq 3 (the join is 1,
 * the proposal before the outage 2), and both clients hold the same log, whose proposals
 * are `before` and this one.
 */
async function servedAgain(teacher: TestClient, student: TestClient, before: readonly string[]): Promise<void> {
  const start = Date.now();
  for (;;) {
    const ack = await student.emit('node:propose', { value: 'Back' });
    if (ack.ok) {
      expect(ack.seqs).toEqual([3]);
      break;
    }
    expect(ack).toEqual(RESTARTING);
    if (Date.now() - start > 10_000) throw new Error('the classroom did not serve again');
    await new Promise((r) => setTimeout(r, 100));
  }
  await teacher.until(() => teacher.lastSeq === 3, 'the proposal after');
  expect(values(teacher.records)).toEqual([...before, 'Back']);
  expect(textOf(student.records)).toBe(textOf(teacher.records));
  expect([...teacher.problems, ...student.problems]).toEqual([]);
}

function values(records: readonly LogRecord[]): (string | null)[] {
  return records.flatMap((r) => (r.event.type === 'proposalStarted' ? [r.event.value] : []));
}

describe('a store out of reach', () => {
  it('answers store-unavailable to every command, join and resume while it is, changes nothing, and serves again once it is back', async () => {
    const { server, store, room, teacher, student } = await classroom();
    expect((await student.emit('node:propose', { value: 'Kept' })).ok).toBe(true);
    await teacher.until(() => teacher.lastSeq === 2, 'the proposal');
    store.down = true;
    expect(await student.emit('node:propose', { value: 'Lost' })).toEqual(RESTARTING);
    // From then on nothing is decided: not even what would not need the store.
    expect(await teacher.emit('bot:add', { name: 'Bot' })).toEqual(RESTARTING);
    expect(await env.client(server.url).join(room.code, 'Bob')).toEqual(RESTARTING);
    expect(await env.client(server.url).resume(room.instructorToken)).toEqual(RESTARTING);
    const created = await fetch(`${server.url}/api/rooms`, { method: 'POST' });
    expect([created.status, await created.json()]).toEqual([503, { error: RESTARTING.error }]);
    // A room this process holds is still found; one it does not may be in the database, which cannot be asked.
    expect((await fetch(`${server.url}/api/rooms/${room.code}`)).status).toBe(200);
    const unknown = await fetch(`${server.url}/api/rooms/ZZZZZZ`);
    expect([unknown.status, await unknown.json()]).toEqual([503, { error: RESTARTING.error }]);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(503);
    store.down = false;
    // Nothing of the refused proposal was kept, in the store or in memory: the next one follows the last acknowledged.
    await servedAgain(teacher, student, ['Kept']);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/api/rooms/ZZZZZZ`)).status).toBe(404);
  });

  it('answers a commit the database may have kept as in doubt; once it is back, every screen shows it, kept', async () => {
    const { store, teacher, student } = await classroom();
    store.down = true;
    store.keep = true;
    expect(await student.emit('node:propose', { value: 'Maybe' })).toEqual(IN_DOUBT);
    store.keep = false;
    expect(await student.emit('node:propose', { value: 'Lost' })).toEqual(RESTARTING);
    store.down = false;
    // Read back from the store once it answers, and sent to every screen.
    for (const c of [teacher, student]) await c.until(() => c.lastSeq === 2, 'the kept proposal', 5000);
    await servedAgain(teacher, student, ['Maybe']);
  });

  it('with many processes, tells the others to read a room whose commit the database kept as the connection was lost', async () => {
    const url = await freshDatabase();
    const [storeA, storeB] = [await PgStore.open(url), await PgStore.open(url)];
    // Process a's connection to the database is lost while `down`; the database keeps a's commits meanwhile.
    let down = false;
    const [commit, loadRoom] = [storeA.commit.bind(storeA), storeA.loadRoom.bind(storeA)];
    storeA.commit = async (changes) => {
      if (!down) return commit(changes);
      await commit(changes);
      throw new StoreUnavailable('the database cannot be reached (Connection terminated unexpectedly)', true);
    };
    storeA.loadRoom = async (code, after) => {
      if (down) throw new StoreUnavailable('the database cannot be reached (connect ECONNREFUSED)');
      return loadRoom(code, after);
    };
    const a = await env.server({}, undefined, { store: () => storeA });
    const b = await env.server({}, undefined, { store: () => storeB });
    const room = await createRoom(a.url);
    const student = env.client(a.url);
    expect((await student.join(room.code, 'Ann')).ok).toBe(true);
    const teacher = env.client(b.url);
    expect((await teacher.resume(room.instructorToken)).ok).toBe(true);
    // b hears of the join a moment after a committed it.
    await teacher.until(() => teacher.lastSeq === 1, "the student's join on the other process", 5000);
    down = true;
    expect(await student.emit('node:propose', { value: 'Maybe' })).toEqual(IN_DOUBT);
    down = false;
    // No message of its own told b; a tells it to read the room once the database answers a again.
    await teacher.until(() => teacher.lastSeq === 2, 'the kept proposal on the other process', 5000);
    expect(values(teacher.records)).toEqual(['Maybe']);
  });
});
