import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '@toy-paxos/server';
import { DEFAULT_SETTINGS, type RoomEvent } from '@toy-paxos/shared';
import { keepsOneAnswerEach } from '../support/store-answers';

const added = (node: string): RoomEvent => ({ type: 'nodeAdded', node, name: node, bot: false });

describe('SqliteStore', () => {
  it('keeps the event log in WAL mode with synchronous=FULL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'toy-paxos-store-'));
    const store = new SqliteStore(dir);
    expect(await store.durability()).toEqual({ journalMode: 'wal', synchronous: 'FULL' });
    await store.close();
    // WAL is a property of the file: another connection sees it too.
    const db = new Database(join(dir, 'toy-paxos.sqlite'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('commits a batch whole, and a failing batch not at all', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'toy-paxos-store-'));
    const store = new SqliteStore(dir);
    await store.commit([{ code: 'ABCDEF', create: { createdAt: 1, settings: DEFAULT_SETTINGS }, expiresAt: 100 }]);
    await store.commit([
      {
        code: 'ABCDEF',
        expiresAt: 200,
        participants: [{ tokenHash: 'h1', role: 'student', node: 'n1', name: 'Ana', createdAt: 2 }],
        events: [{ seq: 1, at: 2, event: added('n1') }],
      },
    ]);
    // Seq 4 does not follow 2: the participant, the lock, the expiry and event 2 must all be rolled back,
    // and so must the first change of the batch, which was fine on its own.
    await expect(
      store.commit([
        { code: 'ABCDEF', expiresAt: 250, participants: [{ tokenHash: 'h3', role: 'observer', node: null, name: 'Wall', createdAt: 3 }] },
        {
          code: 'ABCDEF',
          expiresAt: 300,
          locked: true,
          participants: [{ tokenHash: 'h2', role: 'student', node: 'n2', name: 'Bo', createdAt: 3 }],
          events: [
            { seq: 2, at: 3, event: added('n2') },
            { seq: 4, at: 3, event: added('n3') },
          ],
        },
      ]),
    ).rejects.toThrow(/does not follow/);
    await expect(store.commit([{ code: 'NOROOM', expiresAt: 1 }])).rejects.toThrow(/no room/);
    expect((await store.loadRoom('ABCDEF'))!.participants.map((p) => p.name)).toEqual(['Ana']);
    await store.close();

    const reopened = new SqliteStore(dir);
    const [room] = await reopened.loadRooms();
    expect(room).toMatchObject({ code: 'ABCDEF', expiresAt: 200, locked: false, settings: DEFAULT_SETTINGS });
    expect(room!.participants.map((p) => p.name)).toEqual(['Ana']);
    expect(room!.events.get(0)).toEqual([{ seq: 1, at: 2, event: added('n1') }]);
    expect(room!.branches).toEqual([]);
    expect(room!.activeBranch).toBe(0);
    await reopened.close();
  });

  it('keeps what-if branches: their own events follow the fork point, and the active one is remembered', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'toy-paxos-store-'));
    const store = new SqliteStore(dir);
    await store.commit([{ code: 'ABCDEF', create: { createdAt: 1, settings: DEFAULT_SETTINGS }, expiresAt: 100 }]);
    await store.commit([{ code: 'ABCDEF', expiresAt: 100, events: [1, 2, 3].map((seq) => ({ seq, at: 1, event: added(`n${seq}`) })) }]);
    const branch = { id: 1, name: 'what if', parent: 0, forkSeq: 2, createdAt: 5 };
    await store.commit([{ code: 'ABCDEF', expiresAt: 100, createBranch: branch, activeBranch: 1 }]);
    await expect(store.commit([{ code: 'ABCDEF', expiresAt: 100, branch: 1, events: [{ seq: 4, at: 6, event: added('n9') }] }])).rejects.toThrow(/does not follow 2/);
    await store.commit([{ code: 'ABCDEF', expiresAt: 100, branch: 1, events: [{ seq: 3, at: 6, event: added('n9') }] }]);
    const room = (await store.loadRoom('ABCDEF'))!;
    expect(room.branches).toEqual([branch]);
    expect(room.activeBranch).toBe(1);
    expect(room.events.get(0)!.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(room.events.get(1)).toEqual([{ seq: 3, at: 6, event: added('n9') }]);
    await store.close();
  });

  it('brings a file from before branches up to date, keeping every event', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'toy-paxos-store-'));
    const old = new Database(join(dir, 'toy-paxos.sqlite'));
    old.exec(`CREATE TABLE rooms (code TEXT PRIMARY KEY, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, locked INTEGER NOT NULL DEFAULT 0, settings TEXT NOT NULL);
      CREATE TABLE participants (token_hash TEXT PRIMARY KEY, room_code TEXT NOT NULL, role TEXT NOT NULL, node TEXT, name TEXT NOT NULL, created_at INTEGER NOT NULL);
      CREATE TABLE events (room_code TEXT NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (room_code, seq)) WITHOUT ROWID;`);
    old.prepare('INSERT INTO rooms VALUES (?, 1, 100, 0, ?)').run('ABCDEF', JSON.stringify(DEFAULT_SETTINGS));
    old.prepare('INSERT INTO events VALUES (?, ?, 1, ?)').run('ABCDEF', 1, JSON.stringify(added('n1')));
    old.close();
    const store = new SqliteStore(dir);
    expect((await store.loadRoom('ABCDEF'))!.events.get(0)).toEqual([{ seq: 1, at: 1, event: added('n1') }]);
    await store.commit([{ code: 'ABCDEF', expiresAt: 100, events: [{ seq: 2, at: 2, event: added('n2') }] }]);
    expect((await store.loadRoom('ABCDEF'))!.events.get(0)!.map((e) => e.seq)).toEqual([1, 2]);
    await store.close();
  });

  it("brings a file from before checkpoints up to date, then keeps one answer a student to each question and the refusal counts", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'toy-paxos-store-'));
    await new SqliteStore(dir).close();
    // A version 2 file: no answers, no refusal counts.
    const old = new Database(join(dir, 'toy-paxos.sqlite'));
    old.exec('DROP TABLE answers; DROP TABLE refusals;');
    old.pragma('user_version = 2');
    old.close();
    await keepsOneAnswerEach(new SqliteStore(dir));
  });

  it('deletes a room with its participants and events', async () => {
    const store = new SqliteStore(mkdtempSync(join(tmpdir(), 'toy-paxos-store-')));
    await store.commit([
      {
        code: 'ABCDEF',
        create: { createdAt: 1, settings: DEFAULT_SETTINGS },
        expiresAt: 100,
        participants: [{ tokenHash: 'h1', role: 'instructor', node: null, name: 'Instructor', createdAt: 1 }],
        events: [{ seq: 1, at: 1, event: added('n1') }],
      },
    ]);
    await store.deleteRoom('ABCDEF');
    expect(await store.loadRooms()).toEqual([]);
    await store.close();
  });

  describe('an import', () => {
    /** `count` events as the import worker hands them over: JSON arrays of 200, one after the other in UTF-8. */
    const slices = (count: number, spoil?: number): { json: Uint8Array; sliceEnds: number[] } => {
      const parts: string[] = [];
      for (let i = 0; i < count; i += 200) parts.push(JSON.stringify(Array.from({ length: Math.min(200, count - i) }, (_, j) => added(`n${i + j + 1}`))));
      if (spoil !== undefined) parts[spoil] = parts[spoil]!.slice(1);
      const utf8 = new TextEncoder();
      const bytes = parts.map((p) => utf8.encode(p));
      const json = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
      const sliceEnds: number[] = [];
      for (const b of bytes) {
        json.set(b, sliceEnds.at(-1) ?? 0);
        sliceEnds.push((sliceEnds.at(-1) ?? 0) + b.length);
      }
      return { json, sliceEnds };
    };
    const instructor = { tokenHash: 'h0', role: 'instructor' as const, node: null, name: 'Instructor', createdAt: 1 };
    const create = { createdAt: 1, settings: DEFAULT_SETTINGS };

    it("holds no other room's commit for its whole length: those that come meanwhile go in between, and no read sees the room before all of it is in", async () => {
      const store = new SqliteStore(mkdtempSync(join(tmpdir(), 'toy-paxos-store-')));
      await store.commit([{ code: 'OTHERS', create, expiresAt: 100 }]);
      const order: string[] = [];
      const importing = store.commit([{ code: 'IMPORT', create, expiresAt: 100, participants: [instructor], eventSlices: slices(40_000) }]).then(() => order.push('import'));
      await store.commit([{ code: 'OTHERS', expiresAt: 100, events: [{ seq: 1, at: 2, event: added('n1') }] }]).then(() => order.push('other room'));
      expect((await store.loadRooms()).map((r) => r.code)).toEqual(['OTHERS']);
      expect(await store.loadRoom('IMPORT')).toBeNull();
      await importing;
      expect(order).toEqual(['other room', 'import']);
      const room = (await store.loadRoom('IMPORT'))!;
      expect(room.participants).toEqual([instructor]);
      expect(room.events.get(0)!.map((e) => e.seq)).toEqual(Array.from({ length: 40_000 }, (_, i) => i + 1));
      expect(room.events.get(0)![39_999]).toEqual({ seq: 40_000, at: 1, event: added('n40000') });
      await store.close();
    });

    it('that fails part of the way leaves nothing: not the room, not the events written before', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'toy-paxos-store-'));
      const store = new SqliteStore(dir);
      await expect(store.commit([{ code: 'IMPORT', create, expiresAt: 100, participants: [instructor], eventSlices: slices(10_000, 30) }])).rejects.toThrow(/JSON/);
      expect(await store.loadRooms()).toEqual([]);
      await store.close();
      const db = new Database(join(dir, 'toy-paxos.sqlite'));
      expect(db.prepare('SELECT (SELECT COUNT(*) FROM rooms) + (SELECT COUNT(*) FROM events) + (SELECT COUNT(*) FROM imports)').pluck().get()).toBe(0);
      db.close();
    });

    it('on its way when the store closes is finished first', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'toy-paxos-store-'));
      const store = new SqliteStore(dir);
      const importing = store.commit([{ code: 'IMPORT', create, expiresAt: 100, participants: [instructor], eventSlices: slices(10_000) }]);
      await store.close();
      await importing;
      const reopened = new SqliteStore(dir);
      expect((await reopened.loadRoom('IMPORT'))!.events.get(0)!.length).toBe(10_000);
      await reopened.close();
    });

    it('cut short by a crash is gone when the store opens again', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'toy-paxos-store-'));
      await new SqliteStore(dir).close();
      // What a process that stopped in the middle of an import leaves: the room, marked, and some of its events.
      const db = new Database(join(dir, 'toy-paxos.sqlite'));
      db.prepare("INSERT INTO rooms (code, created_at, expires_at, locked, settings) VALUES ('IMPORT', 1, 100, 0, ?)").run(JSON.stringify(DEFAULT_SETTINGS));
      db.prepare("INSERT INTO imports (room_code) VALUES ('IMPORT')").run();
      db.prepare("INSERT INTO events VALUES ('IMPORT', 0, 1, 1, ?)").run(JSON.stringify(added('n1')));
      db.close();
      const store = new SqliteStore(dir);
      expect(await store.loadRooms()).toEqual([]);
      await store.commit([{ code: 'IMPORT', create, expiresAt: 100, participants: [instructor], eventSlices: slices(3) }]);
      expect((await store.loadRoom('IMPORT'))!.events.get(0)!.length).toBe(3);
      await store.close();
    });
  });
});
