/**
 * Persistence. The store is an interface so that a networked store can replace the
 * embedded one; `SqliteStore` keeps everything in one SQLite file under DATA_DIR, with
 * WAL and synchronous=FULL, so a committed event survives a crash of the process or
 * of the machine. Every change to a room is one transaction: all of it or none.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Role, RoomEvent, RoomSettings } from '@toy-paxos/shared';

export interface StoredParticipant {
  readonly tokenHash: string;
  readonly role: Role;
  readonly node: string | null;
  readonly name: string;
  readonly createdAt: number;
}

export interface StoredEvent {
  readonly seq: number;
  readonly at: number;
  readonly event: RoomEvent;
}

export interface StoredRoom {
  readonly code: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly locked: boolean;
  /** The settings the room started with; later changes are events. */
  readonly settings: RoomSettings;
  readonly participants: readonly StoredParticipant[];
  readonly events: readonly StoredEvent[];
}

/** One atomic change to a room. */
export interface RoomChange {
  readonly code: string;
  /** Set when the change creates the room. */
  readonly create?: { readonly createdAt: number; readonly settings: RoomSettings };
  readonly expiresAt: number;
  readonly locked?: boolean;
  /** Participants to insert or update. */
  readonly participants?: readonly StoredParticipant[];
  readonly removeParticipants?: readonly string[];
  /** Events to append; their seqs must follow the last stored one. */
  readonly events?: readonly StoredEvent[];
}

export interface Store {
  /** Applies a change atomically; throws and changes nothing when any part fails. */
  commit(change: RoomChange): void;
  /** Every room, with its participants and its whole log, for a restart. */
  loadRooms(): StoredRoom[];
  deleteRoom(code: string): void;
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS rooms (
  code TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  locked INTEGER NOT NULL DEFAULT 0,
  settings TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS participants (
  token_hash TEXT PRIMARY KEY,
  room_code TEXT NOT NULL REFERENCES rooms(code) ON DELETE CASCADE,
  role TEXT NOT NULL,
  node TEXT,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS participants_room ON participants(room_code);
CREATE TABLE IF NOT EXISTS events (
  room_code TEXT NOT NULL REFERENCES rooms(code) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (room_code, seq)
) WITHOUT ROWID;
`;

export class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #commit: (change: RoomChange) => void;

  /** Opens (or creates) `toy-paxos.sqlite` in `dataDir`; `:memory:` keeps it in memory. */
  constructor(dataDir: string) {
    let file = ':memory:';
    if (dataDir !== ':memory:') {
      mkdirSync(dataDir, { recursive: true });
      file = join(dataDir, 'toy-paxos.sqlite');
    }
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma('foreign_keys = ON');
    this.#db.exec(SCHEMA);

    const insertRoom = this.#db.prepare('INSERT INTO rooms (code, created_at, expires_at, locked, settings) VALUES (?, ?, ?, 0, ?)');
    const touchRoom = this.#db.prepare('UPDATE rooms SET expires_at = ? WHERE code = ?');
    const lockRoom = this.#db.prepare('UPDATE rooms SET locked = ? WHERE code = ?');
    const upsertParticipant = this.#db.prepare(
      `INSERT INTO participants (token_hash, room_code, role, node, name, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(token_hash) DO UPDATE SET name = excluded.name, node = excluded.node, role = excluded.role`,
    );
    const deleteParticipant = this.#db.prepare('DELETE FROM participants WHERE token_hash = ? AND room_code = ?');
    const lastSeq = this.#db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM events WHERE room_code = ?').pluck();
    const insertEvent = this.#db.prepare('INSERT INTO events (room_code, seq, at, body) VALUES (?, ?, ?, ?)');

    this.#commit = this.#db.transaction((c: RoomChange) => {
      if (c.create) insertRoom.run(c.code, c.create.createdAt, c.expiresAt, JSON.stringify(c.create.settings));
      else if (touchRoom.run(c.expiresAt, c.code).changes !== 1) throw new Error(`no room ${c.code}`);
      if (c.locked !== undefined) lockRoom.run(c.locked ? 1 : 0, c.code);
      for (const p of c.participants ?? []) upsertParticipant.run(p.tokenHash, c.code, p.role, p.node, p.name, p.createdAt);
      for (const h of c.removeParticipants ?? []) deleteParticipant.run(h, c.code);
      if (c.events?.length) {
        let seq = lastSeq.get(c.code) as number;
        for (const e of c.events) {
          if (e.seq !== seq + 1) throw new Error(`event ${e.seq} does not follow ${seq} in room ${c.code}`);
          insertEvent.run(c.code, e.seq, e.at, JSON.stringify(e.event));
          seq = e.seq;
        }
      }
    });
  }

  commit(change: RoomChange): void {
    this.#commit(change);
  }

  loadRooms(): StoredRoom[] {
    const rooms = this.#db.prepare('SELECT code, created_at, expires_at, locked, settings FROM rooms ORDER BY created_at').all() as {
      code: string;
      created_at: number;
      expires_at: number;
      locked: number;
      settings: string;
    }[];
    const participants = this.#db.prepare('SELECT token_hash, role, node, name, created_at FROM participants WHERE room_code = ? ORDER BY created_at');
    const events = this.#db.prepare('SELECT seq, at, body FROM events WHERE room_code = ? ORDER BY seq');
    return rooms.map((r) => ({
      code: r.code,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      locked: r.locked === 1,
      settings: JSON.parse(r.settings) as RoomSettings,
      participants: (participants.all(r.code) as { token_hash: string; role: Role; node: string | null; name: string; created_at: number }[]).map(
        (p) => ({ tokenHash: p.token_hash, role: p.role, node: p.node, name: p.name, createdAt: p.created_at }),
      ),
      events: (events.all(r.code) as { seq: number; at: number; body: string }[]).map((e) => ({
        seq: e.seq,
        at: e.at,
        event: JSON.parse(e.body) as RoomEvent,
      })),
    }));
  }

  deleteRoom(code: string): void {
    this.#db.prepare('DELETE FROM rooms WHERE code = ?').run(code);
  }

  close(): void {
    this.#db.close();
  }
}
