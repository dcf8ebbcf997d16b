/**
 * Persistence. The store is an interface with two implementations: `SqliteStore`, the
 * embedded default, keeps everything in one SQLite file under DATA_DIR, with WAL and
 * synchronous=FULL, so a committed event survives a crash of the process or of the
 * machine; `PgStore` (store-pg.ts) keeps the same tables in PostgreSQL, for many server
 * processes. Every commit is one transaction: all of it or none.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
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

/** A student's answer to an open question, held here (not in the log) until the question closes. */
export interface StoredAnswer {
  readonly branch: number;
  readonly checkpoint: number;
  readonly node: string;
  readonly option: number;
}

/** A what-if branch: the parent's events up to `forkSeq`, then its own. Branch 0 is the main timeline. */
export interface StoredBranch {
  readonly id: number;
  readonly name: string;
  readonly parent: number | null;
  readonly forkSeq: number;
  readonly createdAt: number;
}

export interface StoredRoom {
  readonly code: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly locked: boolean;
  /** The settings the room started with; later changes are events. */
  readonly settings: RoomSettings;
  /** The title of the file the room was opened from; null for a room opened empty (and every room of a schema before version 4). */
  readonly title: string | null;
  readonly participants: readonly StoredParticipant[];
  /** The forks, oldest first (the main timeline, branch 0, is implicit). */
  readonly branches: readonly StoredBranch[];
  /** The timeline the room plays on now. */
  readonly activeBranch: number;
  /** Each branch's own events, by branch id. */
  readonly events: ReadonlyMap<number, readonly StoredEvent[]>;
  /** The answers given to questions (the open ones' are in no event yet). */
  readonly answers: readonly StoredAnswer[];
  /** How many actions the rules refused, by refusal code (they are not in the log). */
  readonly refusals: Readonly<Record<string, number>>;
}

/** One atomic change to a room. */
export interface RoomChange {
  readonly code: string;
  /** Set when the change creates the room. */
  readonly create?: { readonly createdAt: number; readonly settings: RoomSettings; readonly title?: string | null };
  readonly expiresAt: number;
  readonly locked?: boolean;
  /** Participants to insert or update. */
  readonly participants?: readonly StoredParticipant[];
  readonly removeParticipants?: readonly string[];
  /** A what-if branch to create. */
  readonly createBranch?: StoredBranch;
  /** The branch the room plays on from now. */
  readonly activeBranch?: number;
  /** The branch `events` belong to (0, the main timeline, when absent). */
  readonly branch?: number;
  /** Events to append; their seqs must follow the branch's last one. */
  readonly events?: readonly StoredEvent[];
  /**
   * A new room's imported events as JSON arrays in UTF-8, one after the other (slice k ends
   * at byte `sliceEnds[k]`): seqs 1..N on the main timeline, all at the room's creation
   * time. The bytes are handed over to the writer thread (their buffer is transferred, and
   * unusable here after the commit), where objects would hold this thread to copy.
   */
  readonly eventSlices?: { readonly json: Uint8Array; readonly sliceEnds: readonly number[] };
  /**
   * Answers to keep. The answers table's key (room, branch, question, node) holds one answer
   * a student: the same answer again changes nothing; another one, where an answer is
   * stored (another process kept it first), is a `StoreConflict` for the room.
   */
  readonly answers?: readonly StoredAnswer[];
  /** Refused actions to add to the counts, by refusal code. */
  readonly refusals?: Readonly<Record<string, number>>;
}

/**
 * A commit refused because another server process committed first at the same place (an
 * event's seq, a branch's id, a room's code, a student's answer to a question): the caller
 * catches those rooms up and decides their changes again; the batch's other changes may be
 * committed as they are.
 */
export class StoreConflict extends Error {
  override readonly name = 'StoreConflict';
  /** The rooms where another process was first (all of the batch's, when the store cannot tell). */
  readonly codes: readonly string[];

  constructor(message: string, codes: readonly string[]) {
    super(message);
    this.codes = codes;
  }
}

/**
 * A commit or a read that failed because the database could not be reached: it is down or
 * restarting (PostgreSQL only; the SQLite file is always there). A commit that fails so has
 * changed nothing, unless `inDoubt`: the connection was lost while the database was
 * committing it, and it may have been kept; a read of the store tells, once it is back.
 */
export class StoreUnavailable extends Error {
  override readonly name = 'StoreUnavailable';
  readonly inDoubt: boolean;

  constructor(message: string, inDoubt = false) {
    super(message);
    this.inDoubt = inDoubt;
  }
}

export interface Store {
  /**
   * Applies changes atomically, in order, in one transaction (one disk sync for a
   * whole batch). Resolves once they are on disk; rejects, having changed nothing,
   * when any part fails (with a `StoreConflict` when another process committed first,
   * a `StoreUnavailable` when the database cannot be reached).
   * Commits are applied in the order they were asked for, but for an import (a change
   * with `eventSlices`, alone in its commit): the store may write its events in
   * transactions of their own while later commits go in between, and no read sees the
   * room before all of it is in; it still lands whole or not at all.
   */
  commit(changes: readonly RoomChange[]): Promise<void>;
  /** Every room, with its participants and its whole log, for a restart. */
  loadRooms(): Promise<StoredRoom[]>;
  /**
   * One room as stored, or null. With `after` (a seq by branch id), only the events of a
   * branch after that seq: what a process that holds the rest needs to catch up.
   */
  loadRoom(code: string, after?: ReadonlyMap<number, number>): Promise<StoredRoom | null>;
  /** The code of the room a participant's token belongs to, or null. */
  roomOfToken(tokenHash: string): Promise<string | null>;
  /** Deletes a room (with `expiredBy`, only if it expires by then); resolves with whether it was deleted. */
  deleteRoom(code: string, expiredBy?: number): Promise<boolean>;
  close(): Promise<void>;
}

/** The schema's version (PRAGMA user_version); `migrate` brings older files up to it. */
export const SCHEMA_VERSION = 4;

/**
 * The tables, for SQLite and for PostgreSQL (store-pg.ts): the same columns and keys. Times
 * are milliseconds since the epoch, BIGINT (SQLite stores it as its INTEGER); SQLite keeps
 * the tables with a primary key clustered on it (WITHOUT ROWID).
 */
export function schemaSql(dialect: 'sqlite' | 'postgres'): string {
  const clustered = dialect === 'sqlite' ? ' WITHOUT ROWID' : '';
  return `
CREATE TABLE IF NOT EXISTS rooms (
  code TEXT PRIMARY KEY,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  locked INTEGER NOT NULL DEFAULT 0,
  settings TEXT NOT NULL,
  active_branch INTEGER NOT NULL DEFAULT 0,
  title TEXT
);
CREATE TABLE IF NOT EXISTS branches (
  room_code TEXT NOT NULL REFERENCES rooms(code) ON DELETE CASCADE,
  id INTEGER NOT NULL,
  name TEXT NOT NULL,
  parent INTEGER,
  fork_seq INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (room_code, id)
)${clustered};
CREATE TABLE IF NOT EXISTS participants (
  token_hash TEXT PRIMARY KEY,
  room_code TEXT NOT NULL REFERENCES rooms(code) ON DELETE CASCADE,
  role TEXT NOT NULL,
  node TEXT,
  name TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS participants_room ON participants(room_code);
CREATE TABLE IF NOT EXISTS events (
  room_code TEXT NOT NULL REFERENCES rooms(code) ON DELETE CASCADE,
  branch INTEGER NOT NULL DEFAULT 0,
  seq INTEGER NOT NULL,
  at BIGINT NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (room_code, branch, seq)
)${clustered};
CREATE TABLE IF NOT EXISTS answers (
  room_code TEXT NOT NULL REFERENCES rooms(code) ON DELETE CASCADE,
  branch INTEGER NOT NULL,
  checkpoint INTEGER NOT NULL,
  node TEXT NOT NULL,
  option INTEGER NOT NULL,
  PRIMARY KEY (room_code, branch, checkpoint, node)
)${clustered};
CREATE TABLE IF NOT EXISTS refusals (
  room_code TEXT NOT NULL REFERENCES rooms(code) ON DELETE CASCADE,
  code TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (room_code, code)
)${clustered};
`;
}

const SCHEMA = schemaSql('sqlite');

/** The column a schema before version 4 lacks: rooms stored before it have no title (NULL). */
export const ROOM_TITLE_COLUMN = 'title TEXT';

/**
 * SQLite's own table: the rooms whose imported events are still being written, a few
 * thousand per transaction so that other rooms' commits go in between (store-writer.cjs).
 * Reads leave them out, and opening the store deletes any left by a crash. PostgreSQL
 * writes an import in one transaction, on a connection of its own that holds no other
 * commit, and has no need of it; so the table is made on every open rather than by a new
 * version of the schema the two share.
 */
const IMPORTS_SQL = `
CREATE TABLE IF NOT EXISTS imports (
  room_code TEXT PRIMARY KEY REFERENCES rooms(code) ON DELETE CASCADE
) WITHOUT ROWID;
`;

/**
 * Brings a file from schema version 1 (no branches), 2 (no answers, no refusal counts) or 3
 * (no room titles: its rooms keep none) to this one, in one transaction.
 */
function migrate(db: Database.Database): void {
  const version = Number(db.pragma('user_version', { simple: true }));
  if (version >= SCHEMA_VERSION) return;
  const hasEvents = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'").get();
  db.transaction(() => {
    if (hasEvents) {
      const columns = (db.pragma('table_info(events)') as { name: string }[]).map((c) => c.name);
      if (!columns.includes('branch')) {
        db.exec('ALTER TABLE events RENAME TO events_v1');
        db.exec(SCHEMA);
        db.exec('INSERT INTO events (room_code, branch, seq, at, body) SELECT room_code, 0, seq, at, body FROM events_v1');
        db.exec('DROP TABLE events_v1');
      }
      const roomColumns = (db.pragma('table_info(rooms)') as { name: string }[]).map((c) => c.name);
      if (!roomColumns.includes('active_branch')) db.exec('ALTER TABLE rooms ADD COLUMN active_branch INTEGER NOT NULL DEFAULT 0');
      if (!roomColumns.includes('title')) db.exec(`ALTER TABLE rooms ADD COLUMN ${ROOM_TITLE_COLUMN}`);
    }
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}

/** The rooms there are: every one but those whose import is still being written. */
const ROOMS_SELECT = 'SELECT code, created_at, expires_at, locked, settings, active_branch, title FROM rooms WHERE code NOT IN (SELECT room_code FROM imports)';

interface WriterReply {
  readonly id: number;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly message?: string;
  /** A refused commit's rooms, when another answer was stored first (a `StoreConflict`). */
  readonly conflict?: readonly string[];
}

/**
 * The embedded store: one SQLite file, `toy-paxos.sqlite` in the data folder. Reads
 * (at start-up, and after a failed commit) use a connection on the main thread; every
 * write goes to a worker thread with its own connection (store-writer.cjs), so that
 * the disk sync of synchronous=FULL never blocks the rooms.
 */
export class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #writer: Worker;
  readonly #waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  #nextId = 1;
  #closed = false;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, 'toy-paxos.sqlite');
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma('foreign_keys = ON');
    this.#db.pragma('busy_timeout = 5000');
    migrate(this.#db);
    this.#db.exec(IMPORTS_SQL);
    // An import the process did not finish (it stopped meanwhile) never happened.
    this.#db.exec('DELETE FROM rooms WHERE code IN (SELECT room_code FROM imports)');
    this.#writer = new Worker(new URL('./store-writer.cjs', import.meta.url), {
      workerData: { file, sqlitePath: createRequire(import.meta.url).resolve('better-sqlite3') },
    });
    this.#writer.on('message', (reply: WriterReply) => {
      const waiting = this.#waiting.get(reply.id);
      this.#waiting.delete(reply.id);
      if (reply.ok) waiting?.resolve(reply.value);
      else waiting?.reject(reply.conflict ? new StoreConflict(reply.message ?? 'another answer is stored', reply.conflict) : new Error(reply.message));
    });
    this.#writer.on('error', (error) => {
      for (const w of this.#waiting.values()) w.reject(error);
      this.#waiting.clear();
    });
  }

  #ask<T>(message: object, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('the store is closed'));
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#writer.postMessage({ id, ...message }, transfer);
    });
  }

  commit(changes: readonly RoomChange[]): Promise<void> {
    // An import's events go over without a copy: the caller keeps its own.
    const imported = changes.flatMap((c) => (c.eventSlices ? [c.eventSlices.json.buffer as ArrayBuffer] : []));
    return this.#ask({ op: 'commit', changes }, imported);
  }

  deleteRoom(code: string, expiredBy?: number): Promise<boolean> {
    return this.#ask({ op: 'delete', code, expiredBy });
  }

  /** The durability settings of the writing connection, as SQLite reports them. */
  durability(): Promise<{ journalMode: string; synchronous: 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA' }> {
    return this.#ask({ op: 'durability' });
  }

  // A room still being imported is not there yet.
  async loadRoom(code: string, after?: ReadonlyMap<number, number>): Promise<StoredRoom | null> {
    return this.#load(`${ROOMS_SELECT} AND code = ?`, [code], after)[0] ?? null;
  }

  async loadRooms(): Promise<StoredRoom[]> {
    return this.#load(`${ROOMS_SELECT} ORDER BY created_at`, []);
  }

  async roomOfToken(tokenHash: string): Promise<string | null> {
    return (this.#db.prepare('SELECT room_code FROM participants WHERE token_hash = ?').pluck().get(tokenHash) as string | undefined) ?? null;
  }

  #load(sql: string, params: unknown[], after?: ReadonlyMap<number, number>): StoredRoom[] {
    const rooms = this.#db.prepare(sql).all(...params) as {
      code: string;
      created_at: number;
      expires_at: number;
      locked: number;
      settings: string;
      active_branch: number;
      title: string | null;
    }[];
    const branches = this.#db.prepare('SELECT id, name, parent, fork_seq, created_at FROM branches WHERE room_code = ? ORDER BY id');
    const participants = this.#db.prepare('SELECT token_hash, role, node, name, created_at FROM participants WHERE room_code = ? ORDER BY created_at');
    const events = this.#db.prepare('SELECT branch, seq, at, body FROM events WHERE room_code = ? ORDER BY branch, seq');
    const answers = this.#db.prepare('SELECT branch, checkpoint, node, option FROM answers WHERE room_code = ? ORDER BY branch, checkpoint, node');
    const refusals = this.#db.prepare('SELECT code, count FROM refusals WHERE room_code = ?');
    return rooms.map((r) => ({
      code: r.code,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      locked: r.locked === 1,
      settings: JSON.parse(r.settings) as RoomSettings,
      title: r.title,
      participants: (participants.all(r.code) as { token_hash: string; role: Role; node: string | null; name: string; created_at: number }[]).map(
        (p) => ({ tokenHash: p.token_hash, role: p.role, node: p.node, name: p.name, createdAt: p.created_at }),
      ),
      branches: (branches.all(r.code) as { id: number; name: string; parent: number | null; fork_seq: number; created_at: number }[]).map((b) => ({
        id: b.id,
        name: b.name,
        parent: b.parent,
        forkSeq: b.fork_seq,
        createdAt: b.created_at,
      })),
      activeBranch: r.active_branch,
      events: groupByBranch((events.all(r.code) as { branch: number; seq: number; at: number; body: string }[]).filter((e) => e.seq > (after?.get(e.branch) ?? 0))),
      answers: answers.all(r.code) as StoredAnswer[],
      refusals: Object.fromEntries((refusals.all(r.code) as { code: string; count: number }[]).map((x) => [x.code, x.count])),
    }));
  }

  /** Waits for the writes asked for so far, then closes both connections. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#ask({ op: 'close' }).catch(() => undefined);
    this.#closed = true;
    await this.#writer.terminate();
    this.#db.close();
  }
}

function groupByBranch(rows: readonly { branch: number; seq: number; at: number; body: string }[]): Map<number, StoredEvent[]> {
  const map = new Map<number, StoredEvent[]>();
  for (const row of rows) {
    let list = map.get(row.branch);
    if (!list) map.set(row.branch, (list = []));
    list.push({ seq: row.seq, at: row.at, event: JSON.parse(row.body) as RoomEvent });
  }
  return map;
}
