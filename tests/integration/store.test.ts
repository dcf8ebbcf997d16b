import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '@toy-paxos/server';
import { DEFAULT_SETTINGS, type RoomEvent } from '@toy-paxos/shared';

const added = (node: string): RoomEvent => ({ type: 'nodeAdded', node, name: node, bot: false });

describe('SqliteStore', () => {
  it('keeps the event log in WAL mode with synchronous=FULL', () => {
    const dir = mkdtempSync(join(tmpdir(), 'toy-paxos-store-'));
    const store = new SqliteStore(dir);
    expect(store.durability()).toEqual({ journalMode: 'wal', synchronous: 'FULL' });
    store.close();
    // WAL is a property of the file: another connection sees it too.
    const db = new Database(join(dir, 'toy-paxos.sqlite'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('commits a change whole, and a failing change not at all', () => {
    const dir = mkdtempSync(join(tmpdir(), 'toy-paxos-store-'));
    const store = new SqliteStore(dir);
    store.commit({ code: 'ABCDEF', create: { createdAt: 1, settings: DEFAULT_SETTINGS }, expiresAt: 100 });
    store.commit({
      code: 'ABCDEF',
      expiresAt: 200,
      participants: [{ tokenHash: 'h1', role: 'student', node: 'n1', name: 'Ana', createdAt: 2 }],
      events: [{ seq: 1, at: 2, event: added('n1') }],
    });
    // Seq 3 does not follow 1: the participant, the lock, the expiry and event 2 must all be rolled back.
    expect(() =>
      store.commit({
        code: 'ABCDEF',
        expiresAt: 300,
        locked: true,
        participants: [{ tokenHash: 'h2', role: 'student', node: 'n2', name: 'Bo', createdAt: 3 }],
        events: [
          { seq: 2, at: 3, event: added('n2') },
          { seq: 4, at: 3, event: added('n3') },
        ],
      }),
    ).toThrow(/does not follow/);
    expect(() => store.commit({ code: 'NOROOM', expiresAt: 1 })).toThrow(/no room/);
    store.close();

    const [room] = new SqliteStore(dir).loadRooms();
    expect(room).toMatchObject({ code: 'ABCDEF', expiresAt: 200, locked: false, settings: DEFAULT_SETTINGS });
    expect(room!.participants.map((p) => p.name)).toEqual(['Ana']);
    expect(room!.events).toEqual([{ seq: 1, at: 2, event: added('n1') }]);
  });

  it('deletes a room with its participants and events', () => {
    const store = new SqliteStore(':memory:');
    store.commit({
      code: 'ABCDEF',
      create: { createdAt: 1, settings: DEFAULT_SETTINGS },
      expiresAt: 100,
      participants: [{ tokenHash: 'h1', role: 'instructor', node: null, name: 'Instructor', createdAt: 1 }],
      events: [{ seq: 1, at: 1, event: added('n1') }],
    });
    store.deleteRoom('ABCDEF');
    expect(store.loadRooms()).toEqual([]);
    store.close();
  });
});
