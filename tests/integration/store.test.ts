import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '@toy-paxos/server';
import { DEFAULT_SETTINGS, type RoomEvent } from '@toy-paxos/shared';

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
    expect(store.loadRoom('ABCDEF')!.participants.map((p) => p.name)).toEqual(['Ana']);
    await store.close();

    const reopened = new SqliteStore(dir);
    const [room] = reopened.loadRooms();
    expect(room).toMatchObject({ code: 'ABCDEF', expiresAt: 200, locked: false, settings: DEFAULT_SETTINGS });
    expect(room!.participants.map((p) => p.name)).toEqual(['Ana']);
    expect(room!.events).toEqual([{ seq: 1, at: 2, event: added('n1') }]);
    await reopened.close();
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
    expect(store.loadRooms()).toEqual([]);
    await store.close();
  });
});
