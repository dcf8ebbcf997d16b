/**
 * The networked store: every room's log in one PostgreSQL database, shared by any number
 * of server processes (selected by DATABASE_URL). The tables are the SQLite store's, with
 * the same keys; every commit is one transaction.
 *
 * Commands for one room are serialized by PostgreSQL's keys: a process decides a command
 * against its room in memory and commits its events at the seqs that follow; the primary
 * key (room, timeline, seq) makes a second event at a seq impossible, and the check that a
 * batch's first seq follows the timeline's last one makes a gap impossible. A per-room
 * advisory lock, held for the commit, makes the check see every commit before it, so that
 * a conflict names its rooms. Either failure is a `StoreConflict`: another process
 * committed first, and the caller catches those rooms up and decides again (commit.ts).
 */
import pg from 'pg';
import type { RoomEvent, RoomSettings, Role } from '@toy-paxos/shared';
import { SCHEMA_VERSION, schemaSql, StoreConflict, type RoomChange, type Store, type StoredAnswer, type StoredEvent, type StoredRoom } from './store';

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
        // Version 2 is the first this store knows; version 3 only adds tables, which IF NOT EXISTS creates.
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
        await commitBatch(c, changes);
      });
    } catch (e) {
      // A key taken: another process committed the same branch or room first (or, with no
      // lock to wait for, the same seq). The key's value names the room.
      if ((e as { code?: string }).code === '23505') {
        const code = /^Key \((?:room_)?code[^)]*\)=\(([^,)]+)/.exec((e as { detail?: string }).detail ?? '')?.[1];
        throw new StoreConflict((e as Error).message, code ? [code] : changes.map((c) => c.code));
      }
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
      const answers = (await c.query('SELECT branch, checkpoint, node, option FROM answers WHERE room_code = $1 ORDER BY branch, checkpoint, node', [code])).rows as StoredAnswer[];
      const refusals = (await c.query('SELECT code, count FROM refusals WHERE room_code = $1', [code])).rows as { code: string; count: number }[];
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
        answers,
        refusals: Object.fromEntries(refusals.map((r) => [r.code, Number(r.count)])),
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

/** An event row, in the order of the batch. */
interface EventRow {
  readonly code: string;
  readonly branch: number;
  readonly seq: number;
  readonly at: number;
  readonly body: string;
}

/**
 * A batch of RoomChanges (see store.ts) in its transaction; throws to roll it back. What
 * every change has (a new expiry, events) is written for the whole batch at once: one
 * UPDATE of the rooms, one check of where each timeline ends, one INSERT of the events,
 * however many commands the batch holds. The rest (a room opened, a participant, a fork)
 * is written change by change, in order, before.
 */
async function commitBatch(c: Client, changes: readonly RoomChange[]): Promise<void> {
  // Each room's commits one at a time across processes, in a fixed order (no deadlock): the
  // check below then sees every event committed before, and a conflict names its rooms.
  await c.query('SELECT pg_advisory_xact_lock(hashtext(code)) FROM (SELECT DISTINCT unnest($1::text[]) AS code) AS r ORDER BY hashtext(code), code', [
    changes.map((change) => change.code),
  ]);
  const expiries = new Map<string, number>();
  const rows: EventRow[] = [];
  /** Where each timeline's events of this batch start and end, by "code/branch". */
  const runs = new Map<string, { code: string; branch: number; first: number; last: number }>();
  for (const change of changes) {
    await commitShape(c, change);
    expiries.set(change.code, change.expiresAt);
    const branch = change.branch ?? 0;
    for (const e of change.events ?? []) {
      const key = `${change.code}/${branch}`;
      const run = runs.get(key);
      if (run && e.seq !== run.last + 1) throw new Error(`event ${e.seq} does not follow ${run.last} in room ${change.code}`);
      if (run) run.last = e.seq;
      else runs.set(key, { code: change.code, branch, first: e.seq, last: e.seq });
      rows.push({ code: change.code, branch, seq: e.seq, at: e.at, body: JSON.stringify(e.event) });
    }
  }
  const codes = [...expiries.keys()];
  const touched = await c.query<{ code: string }>(
    'UPDATE rooms SET expires_at = v.expires_at FROM unnest($1::text[], $2::bigint[]) AS v(code, expires_at) WHERE rooms.code = v.code RETURNING rooms.code',
    [codes, codes.map((code) => expiries.get(code))],
  );
  if (touched.rowCount !== codes.length) {
    const found = new Set(touched.rows.map((r) => r.code));
    throw new Error(`no room ${codes.find((code) => !found.has(code))}`);
  }
  if (runs.size === 0) return;
  const keys = [...runs.values()];
  // A timeline's events follow its last stored one, or its fork point.
  const ends = await c.query<{ last: number | null; fork: number | null }>(
    `SELECT (SELECT MAX(seq) FROM events e WHERE e.room_code = k.code AND e.branch = k.branch) AS last,
            (SELECT fork_seq FROM branches b WHERE b.room_code = k.code AND b.id = k.branch) AS fork
       FROM unnest($1::text[], $2::int[]) WITH ORDINALITY AS k(code, branch, n) ORDER BY k.n`,
    [keys.map((k) => k.code), keys.map((k) => k.branch)],
  );
  const conflicts: string[] = [];
  keys.forEach((k, i) => {
    const end = ends.rows[i]!;
    const last = end.last ?? (k.branch === 0 ? 0 : end.fork);
    if (last === null) throw new Error(`no branch ${k.branch} in room ${k.code}`);
    // Another process committed past the seq this batch was decided after.
    if (k.first !== last + 1) conflicts.push(k.code);
  });
  if (conflicts.length) throw new StoreConflict(`another process committed first in room ${conflicts.join(', ')}`, conflicts);
  await insertEvents(c, rows);
}

/** What a change does besides its expiry and its events: a room opened (with an import), the lock, a fork, the active timeline, participants. */
async function commitShape(c: Client, change: RoomChange): Promise<void> {
  const code = change.code;
  if (change.create) {
    await c.query('INSERT INTO rooms (code, created_at, expires_at, locked, settings) VALUES ($1, $2, $3, 0, $4)', [
      code,
      change.create.createdAt,
      change.expiresAt,
      JSON.stringify(change.create.settings),
    ]);
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
  for (const a of change.answers ?? []) {
    await c.query('INSERT INTO answers (room_code, branch, checkpoint, node, option) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [code, a.branch, a.checkpoint, a.node, a.option]);
  }
  for (const [rule, n] of Object.entries(change.refusals ?? {})) {
    await c.query('INSERT INTO refusals (room_code, code, count) VALUES ($1, $2, $3) ON CONFLICT (room_code, code) DO UPDATE SET count = refusals.count + excluded.count', [code, rule, n]);
  }
  if (change.create && change.eventSlices) await insertImported(c, code, change.create.createdAt, change.eventSlices);
}

/**
 * A new room's imported events, INSERT_ROWS_MAX a statement, each statement's read from
 * its slices only when its turn comes: reading 100,000 events at once held this thread,
 * and every room it serves, for half a second. The import's transaction has a connection
 * of its own, so other rooms' commits go on meanwhile.
 */
async function insertImported(c: Client, code: string, at: number, { json, sliceEnds }: NonNullable<RoomChange['eventSlices']>): Promise<void> {
  const utf8 = new TextDecoder();
  let rows: EventRow[] = [];
  let seq = 0;
  let start = 0;
  for (const end of sliceEnds) {
    for (const event of JSON.parse(utf8.decode(json.subarray(start, end))) as unknown[]) rows.push({ code, branch: 0, seq: ++seq, at, body: JSON.stringify(event) });
    start = end;
    if (rows.length < INSERT_ROWS_MAX && end !== sliceEnds.at(-1)) continue;
    await insertEvents(c, rows);
    rows = [];
  }
}

async function insertEvents(c: Client, rows: readonly EventRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_ROWS_MAX) {
    const slice = rows.slice(i, i + INSERT_ROWS_MAX);
    await c.query('INSERT INTO events (room_code, branch, seq, at, body) SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::bigint[], $5::text[])', [
      slice.map((r) => r.code),
      slice.map((r) => r.branch),
      slice.map((r) => r.seq),
      slice.map((r) => r.at),
      slice.map((r) => r.body),
    ]);
  }
}
