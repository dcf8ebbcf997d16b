// The store's writer: a worker thread with its own SQLite connection, so that the disk
// sync of every commit (synchronous=FULL) happens off the main thread. Plain CommonJS,
// so that it loads in a worker with no TypeScript loader. See store.ts.
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlitePath);

const db = new Database(workerData.file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('foreign_keys = ON');
db.pragma('busy_timeout = 5000');

const insertRoomRow = db.prepare('INSERT INTO rooms (code, created_at, expires_at, locked, settings, title) VALUES (?, ?, ?, 0, ?, ?)');
/** A new room's row (RoomChange.create): its title is null when the room has none. */
const insertRoom = (c) => insertRoomRow.run(c.code, c.create.createdAt, c.expiresAt, JSON.stringify(c.create.settings), c.create.title ?? null);
const storedExpiry = db.prepare('SELECT expires_at FROM rooms WHERE code = ?').pluck();
const moveExpiry = db.prepare('UPDATE rooms SET expires_at = ? WHERE code = ?');
/** Moves a room's expiry, writing its row only when the expiry changed (once a minute in a busy room: see config.ts's expiryAfter). */
function touchRoom(c) {
  const stored = storedExpiry.get(c.code);
  if (stored === undefined) throw new Error(`no room ${c.code}`);
  if (stored !== c.expiresAt) moveExpiry.run(c.expiresAt, c.code);
}
const lockRoom = db.prepare('UPDATE rooms SET locked = ? WHERE code = ?');
const upsertParticipant = db.prepare(
  `INSERT INTO participants (token_hash, room_code, role, node, name, created_at) VALUES (?, ?, ?, ?, ?, ?)
   ON CONFLICT(token_hash) DO UPDATE SET name = excluded.name, node = excluded.node, role = excluded.role`,
);
const deleteParticipant = db.prepare('DELETE FROM participants WHERE token_hash = ? AND room_code = ?');
const lastSeq = db.prepare('SELECT MAX(seq) AS seq FROM events WHERE room_code = ? AND branch = ?').pluck();
const forkSeq = db.prepare('SELECT fork_seq FROM branches WHERE room_code = ? AND id = ?').pluck();
const insertEvent = db.prepare('INSERT INTO events (room_code, branch, seq, at, body) VALUES (?, ?, ?, ?, ?)');
const insertBranch = db.prepare('INSERT INTO branches (room_code, id, name, parent, fork_seq, created_at) VALUES (?, ?, ?, ?, ?, ?)');
const activateBranch = db.prepare('UPDATE rooms SET active_branch = ? WHERE code = ?');
const insertAnswer = db.prepare('INSERT INTO answers (room_code, branch, checkpoint, node, option) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING');
const storedAnswer = db.prepare('SELECT option FROM answers WHERE room_code = ? AND branch = ? AND checkpoint = ? AND node = ?').pluck();
const addRefusals = db.prepare('INSERT INTO refusals (room_code, code, count) VALUES (?, ?, ?) ON CONFLICT(room_code, code) DO UPDATE SET count = count + excluded.count');
const deleteRoom = db.prepare('DELETE FROM rooms WHERE code = ?');
const markImport = db.prepare('INSERT INTO imports (room_code) VALUES (?)');
const unmarkImport = db.prepare('DELETE FROM imports WHERE room_code = ?');
const deleteExpiredRoom = db.prepare('DELETE FROM rooms WHERE code = ? AND expires_at <= ?');

/** Another answer of the student is stored: a StoreConflict for the room (see store.ts). */
class AnswerConflict extends Error {
  constructor(code, a) {
    super(`another answer of ${a.node} to question ${a.checkpoint} is stored in room ${code}`);
    this.codes = [code];
  }
}

/** Keeps a student's answer, unless it has another one stored. */
function keepAnswer(code, a) {
  if (insertAnswer.run(code, a.branch, a.checkpoint, a.node, a.option).changes === 1) return;
  if (storedAnswer.get(code, a.branch, a.checkpoint, a.node) !== a.option) throw new AnswerConflict(code, a);
}

/** One RoomChange (see store.ts); throws to roll back the whole batch. */
function commitOne(c) {
  if (c.create) insertRoom(c);
  else touchRoom(c);
  if (c.locked !== undefined) lockRoom.run(c.locked ? 1 : 0, c.code);
  if (c.createBranch) {
    const b = c.createBranch;
    insertBranch.run(c.code, b.id, b.name, b.parent, b.forkSeq, b.createdAt);
  }
  if (c.activeBranch !== undefined) activateBranch.run(c.activeBranch, c.code);
  for (const p of c.participants ?? []) upsertParticipant.run(p.tokenHash, c.code, p.role, p.node, p.name, p.createdAt);
  for (const h of c.removeParticipants ?? []) deleteParticipant.run(h, c.code);
  for (const a of c.answers ?? []) keepAnswer(c.code, a);
  for (const [code, n] of Object.entries(c.refusals ?? {})) addRefusals.run(c.code, code, n);
  if (c.events && c.events.length) {
    const branch = c.branch ?? 0;
    // A branch's own events follow its fork point.
    let seq = lastSeq.get(c.code, branch) ?? (branch === 0 ? 0 : forkSeq.get(c.code, branch));
    if (seq === undefined) throw new Error(`no branch ${branch} in room ${c.code}`);
    for (const e of c.events) {
      if (e.seq !== seq + 1) throw new Error(`event ${e.seq} does not follow ${seq} in room ${c.code}`);
      insertEvent.run(c.code, branch, e.seq, e.at, JSON.stringify(e.event));
      seq = e.seq;
    }
  }
}

const commit = db.transaction((changes) => {
  for (const c of changes) commitOne(c);
});

/**
 * Imported events written per transaction. One transaction for a whole import (100,000
 * events: about half a second here, more on a slow disk) would hold every other room's
 * commit behind it; 2,000 take about 12 ms here.
 */
const IMPORT_EVENTS_PER_TRANSACTION = 2000;

const importBegin = db.transaction((c) => {
  insertRoom(c);
  markImport.run(c.code);
});
const importEvents = db.transaction((code, at, firstSeq, events) => {
  events.forEach((event, i) => insertEvent.run(code, 0, firstSeq + i, at, JSON.stringify(event)));
});
const importEnd = db.transaction((c) => {
  commitOne({ ...c, create: undefined, eventSlices: undefined });
  unmarkImport.run(c.code);
});

/** Imports being written, until their answer is sent: closing waits for them. */
const importing = new Set();

/**
 * Opens a room with its imported events (a change with `eventSlices`, alone in its commit)
 * without holding the other rooms' commits: the room is written first, marked as being
 * imported (the `imports` table), then its events a few thousand per transaction, letting
 * the commits that came meanwhile in between, and last the rest of the change, with the
 * mark removed. Until then the room is not there for any read (store.ts), and a room still
 * marked when the store opens is deleted: an import lands whole or not at all.
 */
async function importRoom(c) {
  importBegin(c);
  try {
    const utf8 = new TextDecoder();
    const { json, sliceEnds } = c.eventSlices;
    let written = 0;
    let events = [];
    let start = 0;
    for (const end of sliceEnds) {
      events.push(...JSON.parse(utf8.decode(json.subarray(start, end))));
      start = end;
      if (events.length < IMPORT_EVENTS_PER_TRANSACTION && end !== sliceEnds.at(-1)) continue;
      importEvents(c.code, c.create.createdAt, written + 1, events);
      written += events.length;
      events = [];
      // Commits that arrived meanwhile are handled before the next slice.
      await new Promise((resolve) => setImmediate(resolve));
    }
    importEnd(c);
  } catch (error) {
    try {
      deleteRoom.run(c.code);
    } catch {
      // The database is gone: the mark deletes the room when the store opens again.
    }
    throw error;
  }
}

const SYNC_LEVELS = ['OFF', 'NORMAL', 'FULL', 'EXTRA'];

/** Runs one request and answers it; an import's answer comes once its last transaction is in. */
function answer(msg) {
  if (isImport(msg)) {
    const [c, ...others] = msg.changes;
    if (others.length || !c.create) throw new Error('an import is a new room, committed alone');
    return importRoom(c);
  }
  if (msg.op === 'commit') return void commit(msg.changes);
  if (msg.op === 'delete') return (msg.expiredBy === undefined ? deleteRoom.run(msg.code) : deleteExpiredRoom.run(msg.code, msg.expiredBy)).changes > 0;
  if (msg.op === 'durability') {
    return {
      journalMode: String(db.pragma('journal_mode', { simple: true })),
      synchronous: SYNC_LEVELS[Number(db.pragma('synchronous', { simple: true }))],
    };
  }
  if (msg.op === 'close') return Promise.allSettled(importing).then(() => void db.close());
  throw new Error(`unknown operation ${msg.op}`);
}

function isImport(msg) {
  return msg.op === 'commit' && msg.changes.some((c) => c.eventSlices);
}

parentPort.on('message', (msg) => {
  const answered = Promise.resolve()
    .then(() => answer(msg))
    .then(
      (value) => parentPort.postMessage({ id: msg.id, ok: true, value }),
      (error) => {
        const conflict = error instanceof AnswerConflict ? { conflict: error.codes } : {};
        parentPort.postMessage({ id: msg.id, ok: false, message: error instanceof Error ? error.message : String(error), ...conflict });
      },
    );
  if (!isImport(msg)) return;
  importing.add(answered);
  void answered.finally(() => importing.delete(answered));
});
