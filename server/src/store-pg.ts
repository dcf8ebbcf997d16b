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
 *
 * The database may go away (restarted, or down) under running processes. No failure of a
 * connection ends the process: a commit or a read that meets one rejects with a
 * `StoreUnavailable`, and the pool opens new connections once the database is back.
 */
import pg from 'pg';
import type { RoomEvent, RoomSettings, Role } from '@toy-paxos/shared';
import { ROOM_TITLE_COLUMN, SCHEMA_VERSION, schemaSql, StoreConflict, StoreUnavailable, type RoomChange, type Store, type StoredAnswer, type StoredEvent, type StoredRoom } from './store';

/** Messages between server processes too large for one NOTIFY (socket.io's PostgreSQL adapter). */
const ADAPTER_SCHEMA = `
CREATE TABLE IF NOT EXISTS socket_io_attachments (
  id BIGSERIAL UNIQUE,
  created_at TIMESTAMPTZ DEFAULT NOW(),
  payload BYTEA
);
`;

/**
 * Which process serves each room (leases.ts): a lease that its owner renews while it serves
 * the room, and another may take once it has expired. Not part of the log: a process serves
 * a room whatever this says, and the keys keep the log one (see the top of this file).
 */
const OWNERS_SCHEMA = `
CREATE TABLE IF NOT EXISTS room_owners (
  code TEXT PRIMARY KEY REFERENCES rooms(code) ON DELETE CASCADE,
  owner TEXT NOT NULL,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL
);
`;

/**
 * A batch that only appends events and moves expiries (nearly every commit: a class acting),
 * committed in one statement, one round trip, where the batch's transaction takes six (BEGIN,
 * the locks, the expiries, the check, the events, COMMIT). It runs the same steps, each
 * statement seeing every commit before it, and refuses the same way: a room that is not
 * there, a timeline that is not there, and a conflict (SQLSTATE TP001, its rooms in the
 * detail) or a key taken, either of which rolls the whole batch back. Not part of the log's
 * data: created or replaced by every process that opens the store, whatever the schema's
 * version; a new body takes a new name, so that processes of two versions can share a database.
 * A batch that does more runs it too, within its transaction and with no events, for the
 * expiries and the check: the check is written here alone.
 */
const APPEND_FUNCTION = `
CREATE OR REPLACE FUNCTION toy_paxos_append_v2(
  codes TEXT[], expiries BIGINT[],
  run_codes TEXT[], run_branches INTEGER[], run_firsts INTEGER[],
  event_codes TEXT[], event_branches INTEGER[], event_seqs INTEGER[], event_ats BIGINT[], event_bodies TEXT[]
) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
  touched INTEGER;
  missing TEXT;
  run RECORD;
  last INTEGER;
  conflicts TEXT[] := '{}';
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext(code)) FROM (SELECT DISTINCT unnest(codes) AS code) AS r ORDER BY hashtext(code), code;
  -- Each room's row held until the end, as the events' keys hold it: no room goes while its events go in.
  SELECT count(*) INTO touched FROM (SELECT 1 FROM rooms WHERE code = ANY(codes) FOR KEY SHARE) AS r;
  IF touched <> cardinality(codes) THEN
    SELECT code INTO missing FROM unnest(codes) AS v(code) WHERE NOT EXISTS (SELECT 1 FROM rooms WHERE rooms.code = v.code) LIMIT 1;
    RAISE EXCEPTION 'no room %', missing;
  END IF;
  -- Only the rows whose expiry changed: a busy room's changes once a minute (config.ts's expiryAfter).
  UPDATE rooms SET expires_at = v.expires_at FROM unnest(codes, expiries) AS v(code, expires_at)
    WHERE rooms.code = v.code AND rooms.expires_at <> v.expires_at;
  FOR run IN
    SELECT k.code, k.branch, k.first,
           (SELECT MAX(seq) FROM events e WHERE e.room_code = k.code AND e.branch = k.branch) AS last,
           (SELECT fork_seq FROM branches b WHERE b.room_code = k.code AND b.id = k.branch) AS fork
      FROM unnest(run_codes, run_branches, run_firsts) WITH ORDINALITY AS k(code, branch, first, n) ORDER BY k.n
  LOOP
    last := COALESCE(run.last, CASE WHEN run.branch = 0 THEN 0 ELSE run.fork END);
    IF last IS NULL THEN RAISE EXCEPTION 'no branch % in room %', run.branch, run.code; END IF;
    IF run.first <> last + 1 THEN conflicts := conflicts || run.code; END IF;
  END LOOP;
  IF cardinality(conflicts) > 0 THEN
    RAISE EXCEPTION 'another process committed first in room %', array_to_string(conflicts, ', ')
      USING ERRCODE = 'TP001', DETAIL = array_to_string(conflicts, ',');
  END IF;
  INSERT INTO events (room_code, branch, seq, at, body) SELECT * FROM unnest(event_codes, event_branches, event_seqs, event_ats, event_bodies);
END
$$;
`;

/** The SQLSTATE with which the append function refuses a batch another process committed before. */
const APPEND_CONFLICT = 'TP001';

/** Who holds a room's lease: the process (peers.ts's id) and where it runs, for an operator. */
export interface LeaseHolder {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
}

/** Any key of the advisory lock space, held while one process migrates: the others wait. */
const MIGRATION_LOCK = 7_462_001;

/** Events per INSERT: one statement per slice of a long import. */
const INSERT_ROWS_MAX = 2000;

/** How long a connection may take to open, or to be had from a full pool, before the database counts as unreachable. */
const CONNECT_TIMEOUT_MS = 10_000;

/** The waits between tries to open the store while the database cannot be reached: doubling, up to the last. */
const OPEN_RETRY_MS = [1000, 2000, 4000, 5000] as const;

/** How long to wait before try `attempt` + 1 (from 0) to reach a database that could not be reached at start-up. */
function startRetryMs(attempt: number): number {
  return OPEN_RETRY_MS[Math.min(attempt, OPEN_RETRY_MS.length - 1)]!;
}

/**
 * Runs `run` until it gets past a database that cannot be reached (starting, restarting):
 * `waiting` hears each failed try and when the next comes (after 1, 2, 4, then every 5 s).
 * Any other failure is thrown.
 */
export async function whenReachable<T>(run: () => Promise<T>, waiting: (problem: StoreUnavailable, retryInMs: number) => void): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (e) {
      if (!(e instanceof StoreUnavailable)) throw e;
      const retryInMs = startRetryMs(attempt);
      waiting(e, retryInMs);
      await new Promise((resolve) => setTimeout(resolve, retryInMs));
    }
  }
}

type Client = pg.PoolClient;

/**
 * SQLSTATEs of a database that cannot be used for now: connection exceptions (class 08);
 * shut down by an administrator (57P01: pg_ctl stop -m fast), crashed or killed (57P02),
 * starting up or shutting down (57P03).
 */
const UNAVAILABLE_STATE = /^(08...|57P0[123])$/;
/** Node's codes for a server that is not there or a connection that broke. */
const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** pg's and pg-pool's own messages for a lost connection, or one that did not open in time (they carry no code). */
const UNAVAILABLE_MESSAGE = /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect)/;

/** Whether `e` says the database cannot be reached, rather than that a statement failed. */
function isUnavailable(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_STATE.test(code) || UNAVAILABLE_NODE_CODES.has(code))) return true;
  // Node's connection to each of a host's addresses failed: an AggregateError of them.
  if (e instanceof AggregateError) return e.errors.some(isUnavailable);
  return UNAVAILABLE_MESSAGE.test(e.message);
}

/** A `StoreUnavailable` for a failure that says the database cannot be reached; any other failure as it is. */
function unavailableOr(e: unknown, inDoubt = false): unknown {
  return isUnavailable(e) ? new StoreUnavailable(`the database cannot be reached (${(e as Error).message})`, inDoubt) : e;
}

export class PgStore implements Store {
  readonly pool: pg.Pool;
  #closed = false;

  private constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  /**
   * Connects and brings the database's schema up to this version (the first process to start
   * creates it). Rejects with a `StoreUnavailable` when the database cannot be reached.
   */
  static async open(url: string, poolSize = 10): Promise<PgStore> {
    const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    // A connection the server drops (a restart) must not end the process: pg emits 'error' on
    // the pool for an idle one, and on the connection itself for one in use between two
    // statements, or when the server closes it after failing the statement under way. The
    // statement under way, if any, fails with the error; the pool replaces the connection.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    const store = new PgStore(pool);
    try {
      await store.#transaction(async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
        // PostgreSQL has no PRAGMA user_version: a one-row table holds the schema's version.
        await c.query('CREATE TABLE IF NOT EXISTS toy_paxos_schema (version INTEGER NOT NULL)');
        const { rows } = await c.query<{ version: number }>('SELECT version FROM toy_paxos_schema');
        const version = rows[0]?.version ?? 0;
        if (version > SCHEMA_VERSION) throw new Error(`the database's schema is version ${version}, newer than this server's ${SCHEMA_VERSION}: upgrade the server`);
        // The leases hold nothing a server older than them needs: the table is added to any version.
        if (version === SCHEMA_VERSION) return void (await c.query(OWNERS_SCHEMA + APPEND_FUNCTION));
        // Version 2 is the first this store knows; version 3 only adds tables, which IF NOT EXISTS
        // creates; version 4 adds the rooms' titles, none for the rooms stored before.
        await c.query(schemaSql('postgres') + ADAPTER_SCHEMA + OWNERS_SCHEMA + APPEND_FUNCTION);
        await c.query(`ALTER TABLE rooms ADD COLUMN IF NOT EXISTS ${ROOM_TITLE_COLUMN}`);
        await c.query('DELETE FROM toy_paxos_schema');
        await c.query('INSERT INTO toy_paxos_schema (version) VALUES ($1)', [SCHEMA_VERSION]);
      });
    } catch (e) {
      await pool.end();
      const failure = unavailableOr(e);
      if (failure instanceof StoreUnavailable) throw failure;
      throw new Error(`DATABASE_URL: cannot use the database (${e instanceof Error ? e.message : String(e)})`);
    }
    return store;
  }

  /**
   * Opens the store, waiting for the database as long as it cannot be reached (it may start
   * after this process, or be restarting): `waiting` hears of each failed try and the wait
   * before the next. Any other failure (a wrong password, a schema too new) rejects at once.
   */
  static openWhenReachable(url: string, waiting: (problem: StoreUnavailable, retryInMs: number) => void): Promise<PgStore> {
    return whenReachable(() => PgStore.open(url), waiting);
  }

  /** A connection of its own, outside the pool, to the same database (for LISTEN: pg-adapter.ts). */
  newClient(): pg.Client {
    return new pg.Client(this.pool.options);
  }

  /**
   * Runs `run` in one transaction on one connection (`readOnly`: on one snapshot, writing
   * nothing). A lost connection rejects with a `StoreUnavailable`: in doubt if it was lost
   * during the COMMIT of a write, which the server may have carried out without saying so.
   */
  async #transaction<T>(run: (c: Client) => Promise<T>, readOnly = false): Promise<T> {
    let c: Client;
    try {
      c = await this.pool.connect();
    } catch (e) {
      throw unavailableOr(e);
    }
    let committing = false;
    let failure: unknown = null;
    try {
      await c.query(readOnly ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN');
      const value = await run(c);
      committing = !readOnly;
      await c.query('COMMIT');
      return value;
    } catch (e) {
      failure = unavailableOr(e, committing);
      if (!(failure instanceof StoreUnavailable)) await c.query('ROLLBACK').catch(() => undefined);
      throw failure;
    } finally {
      // A broken connection leaves the pool; the next one asked for is a new one.
      c.release(failure instanceof StoreUnavailable ? failure : undefined);
    }
  }

  /**
   * Runs one statement that commits by itself (no BEGIN) on a connection of the pool. A
   * connection lost while it ran rejects with a `StoreUnavailable` in doubt: the server may
   * have committed it without saying so.
   */
  async #autocommit(run: (c: Client) => Promise<unknown>): Promise<void> {
    let c: Client;
    try {
      c = await this.pool.connect();
    } catch (e) {
      throw unavailableOr(e);
    }
    let failure: unknown = null;
    try {
      await run(c);
    } catch (e) {
      failure = unavailableOr(e, true);
      throw failure;
    } finally {
      c.release(failure instanceof StoreUnavailable ? failure : undefined);
    }
  }

  /** A read on the pool; a lost connection rejects with a `StoreUnavailable`. */
  async #read<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      throw unavailableOr(e);
    }
  }

  async commit(changes: readonly RoomChange[]): Promise<void> {
    if (this.#closed) throw new Error('the store is closed');
    try {
      if (changes.every(onlyAppends)) await this.#autocommit((c) => appendBatch(c, changes));
      else await this.#transaction((c) => commitBatch(c, changes));
    } catch (e) {
      if (e instanceof StoreUnavailable) throw e;
      if ((e as { code?: string }).code === APPEND_CONFLICT) throw new StoreConflict((e as Error).message, ((e as { detail?: string }).detail ?? '').split(','));
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
    const { rows } = await this.#read(() => this.pool.query<{ code: string }>('SELECT code FROM rooms ORDER BY created_at'));
    const rooms: StoredRoom[] = [];
    for (const { code } of rows) {
      const room = await this.loadRoom(code);
      if (room) rooms.push(room);
    }
    return rooms;
  }

  async loadRoom(code: string, after?: ReadonlyMap<number, number>): Promise<StoredRoom | null> {
    // One snapshot of the room, whatever other processes commit meanwhile.
    const read = await this.#transaction(async (c) => {
      const room = (await c.query('SELECT code, created_at, expires_at, locked, settings, active_branch, title FROM rooms WHERE code = $1', [code])).rows[0] as
        | { code: string; created_at: string; expires_at: string; locked: number; settings: string; active_branch: number; title: string | null }
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
      return { room, participants, branches, events, answers, refusals };
    }, true);
    if (!read) return null;
    const { room, participants, branches, events, answers, refusals } = read;
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
      title: room.title,
      participants: participants.map((p) => ({ tokenHash: p.token_hash, role: p.role, node: p.node, name: p.name, createdAt: Number(p.created_at) })),
      branches: branches.map((b) => ({ id: b.id, name: b.name, parent: b.parent, forkSeq: b.fork_seq, createdAt: Number(b.created_at) })),
      activeBranch: room.active_branch,
      events: byBranch,
      answers,
      refusals: Object.fromEntries(refusals.map((r) => [r.code, Number(r.count)])),
    };
  }

  async roomOfToken(tokenHash: string): Promise<string | null> {
    const { rows } = await this.#read(() => this.pool.query<{ room_code: string }>('SELECT room_code FROM participants WHERE token_hash = $1', [tokenHash]));
    return rows[0]?.room_code ?? null;
  }

  async deleteRoom(code: string, expiredBy?: number): Promise<boolean> {
    const { rowCount } = await this.#read(() =>
      expiredBy === undefined
        ? this.pool.query('DELETE FROM rooms WHERE code = $1', [code])
        : this.pool.query('DELETE FROM rooms WHERE code = $1 AND expires_at <= $2', [code, expiredBy]),
    );
    return (rowCount ?? 0) > 0;
  }

  /**
   * Takes or renews, for `holder`, the lease of each room of `codes` that is in the store
   * and whose lease is its own or has expired, until `ttlMs` from now on the database's clock
   * (one clock for every process). Resolves with the rooms whose lease it holds now.
   */
  async claimRooms(holder: LeaseHolder, codes: readonly string[], ttlMs: number): Promise<Set<string>> {
    if (codes.length === 0) return new Set();
    const { rows } = await this.#read(() =>
      this.pool.query<{ code: string }>(
        `INSERT INTO room_owners (code, owner, host, pid, expires_at)
           SELECT code, $1, $2, $3, now() + $5 * interval '1 millisecond' FROM rooms WHERE code = ANY($4::text[])
         ON CONFLICT (code) DO UPDATE SET owner = EXCLUDED.owner, host = EXCLUDED.host, pid = EXCLUDED.pid, expires_at = EXCLUDED.expires_at
           WHERE room_owners.owner = EXCLUDED.owner OR room_owners.expires_at < now()
         RETURNING code`,
        [holder.id, holder.host, holder.pid, codes, ttlMs],
      ),
    );
    return new Set(rows.map((r) => r.code));
  }

  /** Gives up every lease of `holder` (it stops): the next process to serve its rooms takes them at once. */
  async releaseRooms(holder: LeaseHolder): Promise<void> {
    await this.#read(() => this.pool.query('DELETE FROM room_owners WHERE owner = $1', [holder.id]));
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
 * every change has (a new expiry, events) is written for the whole batch at once: the append
 * function moves the expiries and checks where each timeline ends, then one INSERT of the
 * events (in slices, for an import's), however many commands the batch holds. The rest (a
 * room opened, a participant, a fork) is written change by change, in order, before.
 */
async function commitBatch(c: Client, changes: readonly RoomChange[]): Promise<void> {
  // Each room's commits one at a time across processes, in a fixed order (no deadlock): the
  // check then sees every event committed before, and a conflict names its rooms.
  await c.query('SELECT pg_advisory_xact_lock(hashtext(code)) FROM (SELECT DISTINCT unnest($1::text[]) AS code) AS r ORDER BY hashtext(code), code', [
    changes.map((change) => change.code),
  ]);
  const batch = eventsOf(changes);
  for (const change of changes) await commitShape(c, change);
  await callAppend(c, { ...batch, rows: [] });
  await insertEvents(c, batch.rows);
}

/** Where one timeline's events of a batch start and end. */
interface EventRun {
  readonly code: string;
  readonly branch: number;
  readonly first: number;
  last: number;
}

/** A batch's new expiry of each room, its event rows in order, and where each timeline's run of them starts; throws if a run skips a seq. */
function eventsOf(changes: readonly RoomChange[]): { expiries: Map<string, number>; runs: EventRun[]; rows: EventRow[] } {
  const expiries = new Map<string, number>();
  const rows: EventRow[] = [];
  /** By "code/branch". */
  const runs = new Map<string, EventRun>();
  for (const change of changes) {
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
  return { expiries, runs: [...runs.values()], rows };
}

/** The parts of a change that the append function writes; a change with anything else set takes the batch's transaction. */
const APPENDED = new Set<string>(['code', 'expiresAt', 'branch', 'events']);

/** Whether a change only appends events and moves its room's expiry (a part left empty counts as absent). */
function onlyAppends(change: RoomChange): boolean {
  return Object.entries(change).every(([key, value]) => APPENDED.has(key) || value === undefined || (Array.isArray(value) ? value.length === 0 : typeof value === 'object' && value !== null && Object.keys(value).length === 0));
}

/** A batch that only appends events (see `onlyAppends`), in one statement: the append function. */
async function appendBatch(c: Client, changes: readonly RoomChange[]): Promise<void> {
  await callAppend(c, eventsOf(changes));
}

/** The append function: the expiries moved, each timeline's run checked, then `rows` inserted (see APPEND_FUNCTION). */
async function callAppend(c: Client, { expiries, runs, rows }: ReturnType<typeof eventsOf>): Promise<void> {
  await c.query('SELECT toy_paxos_append_v2($1::text[], $2::bigint[], $3::text[], $4::int[], $5::int[], $6::text[], $7::int[], $8::int[], $9::bigint[], $10::text[])', [
    [...expiries.keys()],
    [...expiries.values()],
    runs.map((r) => r.code),
    runs.map((r) => r.branch),
    runs.map((r) => r.first),
    rows.map((r) => r.code),
    rows.map((r) => r.branch),
    rows.map((r) => r.seq),
    rows.map((r) => r.at),
    rows.map((r) => r.body),
  ]);
}

/** What a change does besides its expiry and its events: a room opened (with an import), the lock, a fork, the active timeline, participants. */
async function commitShape(c: Client, change: RoomChange): Promise<void> {
  const code = change.code;
  if (change.create) {
    await c.query('INSERT INTO rooms (code, created_at, expires_at, locked, settings, title) VALUES ($1, $2, $3, 0, $4, $5)', [
      code,
      change.create.createdAt,
      change.expiresAt,
      JSON.stringify(change.create.settings),
      change.create.title ?? null,
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
  for (const a of change.answers ?? []) await keepAnswer(c, code, a);
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

/**
 * Keeps a student's answer, unless another is stored: the key decides which of two pages of
 * one student, on two processes, answered first. The room's advisory lock is held, so the
 * read sees every answer committed before.
 */
async function keepAnswer(c: Client, code: string, a: StoredAnswer): Promise<void> {
  const key = [code, a.branch, a.checkpoint, a.node];
  const inserted = await c.query('INSERT INTO answers (room_code, branch, checkpoint, node, option) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [...key, a.option]);
  if (inserted.rowCount === 1) return;
  const stored = await c.query<{ option: number }>('SELECT option FROM answers WHERE room_code = $1 AND branch = $2 AND checkpoint = $3 AND node = $4', key);
  if (stored.rows[0]?.option !== a.option) throw new StoreConflict(`another answer of ${a.node} to question ${a.checkpoint} is stored in room ${code}`, [code]);
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
