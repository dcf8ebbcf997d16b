/**
 * The networked store: every room's log in one PostgreSQL database, shared by any number
 * of server processes (selected by DATABASE_URL). The tables are the SQLite store's, with
 * the same keys; every commit is one transaction.
 *
 * Commands for one room are serialized by PostgreSQL's keys, not by a lock: a process
 * decides a command against its room in memory and commits its events at the seqs that
 * follow; the primary key (room, timeline, seq) makes a second event at a seq impossible,
 * and the check that a batch's first seq follows the timeline's last one makes a gap
 * impossible. Either failure is a `StoreConflict`: another process committed first, and
 * the caller catches up and decides again (commit.ts).
 */
import pg from 'pg';
import type { RoomEvent, RoomSettings, Role } from '@toy-paxos/shared';
import { SCHEMA_VERSION, schemaSql, StoreConflict, type RoomChange, type Store, type StoredEvent, type StoredRoom } from './store';

/** Messages between server processes too large for one NOTIFY (socket.io's PostgreSQL adapter). */
const ADAPTER_SCHEMA = `
CREATE TABLE IF NOT EXISTS socket_io_attachments (
  id BIGSERIAL UNIQUE,
  created_at TIMESTAMPTZ DEFAULT NOW(),
  payload BYTEA
);
`;

/** Any key of the advisory lock space, held while one process migrates: the others wait. */
const MIGRATION_LOCK = 7_462_001;

/** Events per INSERT: one statement per slice of a long import. */
const INSERT_ROWS_MAX = 2000;

type Client = pg.PoolClient;

export class PgStore implements Store {
  readonly pool: pg.Pool;
  #closed = false;

  private constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  /** Connects and brings the database's schema up to this version (the first process to start creates it). */
  static async open(url: string, poolSize = 10): Promise<PgStore> {
    const pool = new pg.Pool({ connectionString: url, max: poolSize });
    // An idle connection the server drops is replaced on the next query; it must not crash the process.
    pool.on('error', () => undefined);
    const store = new PgStore(pool);
    try {
      await store.#transaction(async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
        // PostgreSQL has no PRAGMA user_version: a one-row table holds the schema's version.
        await c.query('CREATE TABLE IF NOT EXISTS toy_paxos_schema (version INTEGER NOT NULL)');
        const { rows } = await c.query<{ version: number }>('SELECT version FROM toy_paxos_schema');
        const version = rows[0]?.version ?? 0;
        if (version > SCHEMA_VERSION) throw new Error(`the database's schema is version ${version}, newer than this server's ${SCHEMA_VERSION}: upgrade the server`);
        if (version === SCHEMA_VERSION) return;
        // Version 2 is the first this store knows: no database has an older one to migrate.
        await c.query(schemaSql('postgres') + ADAPTER_SCHEMA);
        await c.query('DELETE FROM toy_paxos_schema');
        await c.query('INSERT INTO toy_paxos_schema (version) VALUES ($1)', [SCHEMA_VERSION]);
      });
    } catch (e) {
      await pool.end();
      throw new Error(`DATABASE_URL: cannot use the database (${e instanceof Error ? e.message : String(e)})`);
    }
    return store;
  }

  async #transaction<T>(run: (c: Client) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const value = await run(c);
      await c.query('COMMIT');
      return value;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  async commit(changes: readonly RoomChange[]): Promise<void> {
    if (this.#closed) throw new Error('the store is closed');
    try {
      await this.#transaction(async (c) => {
        for (const change of changes) await commitOne(c, change);
      });
    } catch (e) {
      // A key taken: another process committed the same seq, branch or room first.
      if ((e as { code?: string }).code === '23505') throw new StoreConflict((e as Error).message);
      throw e;
    }
  }

  async loadRooms(): Promise<StoredRoom[]> {
    const { rows } = await this.pool.query<{ code: string }>('SELECT code FROM rooms ORDER BY created_at');
    const rooms: StoredRoom[] = [];
    for (const { code } of rows) {
      const room = await this.loadRoom(code);
      if (room) rooms.push(room);
    }
    return rooms;
  }

  async loadRoom(code: string, after?: ReadonlyMap<number, number>): Promise<StoredRoom | null> {
    // One snapshot of the room, whatever other processes commit meanwhile.
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const room = (await c.query('SELECT code, created_at, expires_at, locked, settings, active_branch FROM rooms WHERE code = $1', [code])).rows[0] as
        | { code: string; created_at: string; expires_at: string; locked: number; settings: string; active_branch: number }
        | undefined;
      if (!room) return null;
      const participants = (await c.query('SELECT token_hash, role, node, name, created_at FROM participants WHERE room_code = $1 ORDER BY created_at, token_hash', [code]))
        .rows as { token_hash: string; role: Role; node: string | null; name: string; created_at: string }[];
      const branches = (await c.query('SELECT id, name, parent, fork_seq, created_at FROM branches WHERE room_code = $1 ORDER BY id', [code])).rows as {
        id: number;
        name: string;
        parent: number | null;
        fork_seq: number;
        created_at: string;
      }[];
      const known = [...(after ?? new Map<number, number>())];
      const events = (
        await c.query(
          `SELECT branch, seq, at, body FROM events e WHERE room_code = $1
             AND seq > COALESCE((SELECT k.after FROM unnest($2::int[], $3::int[]) AS k(branch, after) WHERE k.branch = e.branch), 0)
           ORDER BY branch, seq`,
          [code, known.map(([b]) => b), known.map(([, a]) => a)],
        )
      ).rows as { branch: number; seq: number; at: string; body: string }[];
      await c.query('COMMIT');
      const byBranch = new Map<number, StoredEvent[]>();
      for (const e of events) {
        let list = byBranch.get(e.branch);
        if (!list) byBranch.set(e.branch, (list = []));
        list.push({ seq: e.seq, at: Number(e.at), event: JSON.parse(e.body) as RoomEvent });
      }
      return {
        code: room.code,
        createdAt: Number(room.created_at),
        expiresAt: Number(room.expires_at),
        locked: room.locked === 1,
        settings: JSON.parse(room.settings) as RoomSettings,
        participants: participants.map((p) => ({ tokenHash: p.token_hash, role: p.role, node: p.node, name: p.name, createdAt: Number(p.created_at) })),
        branches: branches.map((b) => ({ id: b.id, name: b.name, parent: b.parent, forkSeq: b.fork_seq, createdAt: Number(b.created_at) })),
        activeBranch: room.active_branch,
        events: byBranch,
      };
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  async roomOfToken(tokenHash: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ room_code: string }>('SELECT room_code FROM participants WHERE token_hash = $1', [tokenHash]);
    return rows[0]?.room_code ?? null;
  }

  async deleteRoom(code: string, expiredBy?: number): Promise<boolean> {
    const { rowCount } =
      expiredBy === undefined
        ? await this.pool.query('DELETE FROM rooms WHERE code = $1', [code])
        : await this.pool.query('DELETE FROM rooms WHERE code = $1 AND expires_at <= $2', [code, expiredBy]);
    return (rowCount ?? 0) > 0;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.pool.end();
  }
}

/** One RoomChange (see store.ts), in the transaction of its batch; throws to roll the batch back. */
async function commitOne(c: Client, change: RoomChange): Promise<void> {
  const code = change.code;
  if (change.create) {
    await c.query('INSERT INTO rooms (code, created_at, expires_at, locked, settings) VALUES ($1, $2, $3, 0, $4)', [
      code,
      change.create.createdAt,
      change.expiresAt,
      JSON.stringify(change.create.settings),
    ]);
  } else {
    const touched = await c.query('UPDATE rooms SET expires_at = $2 WHERE code = $1', [code, change.expiresAt]);
    if (touched.rowCount !== 1) throw new Error(`no room ${code}`);
  }
  if (change.locked !== undefined) await c.query('UPDATE rooms SET locked = $2 WHERE code = $1', [code, change.locked ? 1 : 0]);
  if (change.createBranch) {
    const b = change.createBranch;
    await c.query('INSERT INTO branches (room_code, id, name, parent, fork_seq, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [code, b.id, b.name, b.parent, b.forkSeq, b.createdAt]);
  }
  if (change.activeBranch !== undefined) await c.query('UPDATE rooms SET active_branch = $2 WHERE code = $1', [code, change.activeBranch]);
  for (const p of change.participants ?? []) {
    await c.query(
      `INSERT INTO participants (token_hash, room_code, role, node, name, created_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (token_hash) DO UPDATE SET name = excluded.name, node = excluded.node, role = excluded.role`,
      [p.tokenHash, code, p.role, p.node, p.name, p.createdAt],
    );
  }
  if (change.removeParticipants?.length) await c.query('DELETE FROM participants WHERE room_code = $1 AND token_hash = ANY($2::text[])', [code, change.removeParticipants]);
  if (change.create && change.eventSlices) {
    const utf8 = new TextDecoder();
    const rows: { seq: number; body: string }[] = [];
    let start = 0;
    for (const end of change.eventSlices.sliceEnds) {
      for (const event of JSON.parse(utf8.decode(change.eventSlices.json.subarray(start, end))) as unknown[]) rows.push({ seq: rows.length + 1, body: JSON.stringify(event) });
      start = end;
    }
    await insertEvents(c, code, 0, rows.map((r) => ({ seq: r.seq, at: change.create!.createdAt, body: r.body })));
  }
  if (change.events?.length) {
    const branch = change.branch ?? 0;
    // A branch's own events follow its fork point.
    const { rows } = await c.query<{ last: number | null; fork: number | null }>(
      `SELECT (SELECT MAX(seq) FROM events WHERE room_code = $1 AND branch = $2) AS last,
              (SELECT fork_seq FROM branches WHERE room_code = $1 AND id = $2) AS fork`,
      [code, branch],
    );
    const last = rows[0]!.last ?? (branch === 0 ? 0 : rows[0]!.fork);
    if (last === null) throw new Error(`no branch ${branch} in room ${code}`);
    const first = change.events[0]!.seq;
    // Another process committed past the seq this batch was decided after.
    if (first !== last + 1) throw new StoreConflict(`event ${first} does not follow ${last} in room ${code}`);
    change.events.forEach((e, i) => {
      if (e.seq !== first + i) throw new Error(`event ${e.seq} does not follow ${first + i - 1} in room ${code}`);
    });
    await insertEvents(c, code, branch, change.events.map((e) => ({ seq: e.seq, at: e.at, body: JSON.stringify(e.event) })));
  }
}

async function insertEvents(c: Client, code: string, branch: number, rows: readonly { seq: number; at: number; body: string }[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_ROWS_MAX) {
    const slice = rows.slice(i, i + INSERT_ROWS_MAX);
    await c.query('INSERT INTO events (room_code, branch, seq, at, body) SELECT $1, $2, * FROM unnest($3::int[], $4::bigint[], $5::text[])', [
      code,
      branch,
      slice.map((r) => r.seq),
      slice.map((r) => r.at),
      slice.map((r) => r.body),
    ]);
  }
}
