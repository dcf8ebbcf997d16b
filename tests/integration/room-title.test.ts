/**
 * A room opened from a file keeps the file's title: a scenario's `title` line or a session
 * file's `title`, checked as typed text is, stored with the room on SQLite and PostgreSQL
 * (through a restart, and from a database made before rooms had titles), and sent in every
 * join and resume answer and in the room's public summary. A bad title opens no room.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PgStore, SqliteStore, type Store } from '@toy-paxos/server';
import { DEFAULT_SETTINGS, initialRoomState, type CreatedRoom, type RoomSummary } from '@toy-paxos/shared';
import { sessionFile } from '@toy-paxos/shared/protocol';
import { freshDatabase } from '../support/postgres';
import { useServers } from './harness';

const env = useServers();

const TITLE = 'Value adoption: a later proposer carries the earlier value';

/** Opens a room from `text` (a file called `name`): the status and the answer's body. */
async function importFile(url: string, name: string, text: string): Promise<{ status: number; body: CreatedRoom & { error?: { code: string; message: string } } }> {
  const res = await fetch(`${url}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ import: { name, text } }) });
  return { status: res.status, body: (await res.json()) as CreatedRoom & { error?: { code: string; message: string } } };
}

async function summary(url: string, code: string): Promise<RoomSummary> {
  return (await (await fetch(`${url}/api/rooms/${code}`)).json()) as RoomSummary;
}

/** What every screen of the room is told of its title: the summary, the instructor's resume, a student's and an observer's join. */
async function titlesSeen(url: string, created: CreatedRoom): Promise<unknown[]> {
  const instructor = env.client(url);
  const student = env.client(url);
  const observer = env.client(url);
  const acks = [await instructor.resume(created.instructorToken), await student.join(created.code, 'Ana'), await observer.join(created.code, 'Wall', 'observer')];
  for (const ack of acks) expect(ack.ok).toBe(true);
  return [(await summary(url, created.code)).title, ...[instructor, student, observer].map((c) => c.session!.title)];
}

/**
 * Opens a titled room, one from a file without a title and an empty one on a server whose
 * store `open` gives, restarts the server on a store `open` gives again, and checks every
 * title before and after.
 */
async function keepsTitlesThroughRestart(open: (dataDir: string) => Promise<Store>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'toy-paxos-title-'));
  const firstStore = await open(dataDir);
  const first = await env.server({}, dataDir, { store: () => firstStore });
  // Spaces of any kind around and inside it are made one space, as in a typed name.
  const titled = await importFile(first.url, 'adoption.paxos', `# a comment\ntitle   ${TITLE.replace(': ', ':\u00a0 ')}  \nnodes A B C\npropose A Apple\n`);
  expect(titled.status).toBe(201);
  const untitled = await importFile(first.url, 'plain.paxos', 'nodes A B\n');
  expect(untitled.status).toBe(201);
  const empty = (await (await fetch(`${first.url}/api/rooms`, { method: 'POST' })).json()) as CreatedRoom;
  const none = [null, null, null, null];
  expect(await titlesSeen(first.url, titled.body)).toEqual([TITLE, TITLE, TITLE, TITLE]);
  expect(await titlesSeen(first.url, untitled.body)).toEqual(none);
  expect(await titlesSeen(first.url, empty)).toEqual(none);
  await first.close();
  const nextStore = await open(dataDir);
  const second = await env.server({}, dataDir, { store: () => nextStore });
  expect(await titlesSeen(second.url, titled.body)).toEqual([TITLE, TITLE, TITLE, TITLE]);
  expect(await titlesSeen(second.url, untitled.body)).toEqual(none);
  expect(await titlesSeen(second.url, empty)).toEqual(none);
}

describe('a room opened from a file keeps its title', () => {
  it('on SQLite: in the summary and every join and resume answer, through a restart; a room opened empty has none', async () => {
    await keepsTitlesThroughRestart(async (dataDir) => new SqliteStore(dataDir));
  });

  it('on PostgreSQL: the same, through a restart of the server process', async () => {
    const url = await freshDatabase();
    await keepsTitlesThroughRestart(() => PgStore.open(url));
  });

  it("a session file's title, and an empty one as none", async () => {
    const s = await env.server();
    const file = (title: string) => JSON.stringify(sessionFile(initialRoomState(), [{ type: 'nodeAdded', node: 'n1', name: 'Ana', bot: false }], title));
    const titled = await importFile(s.url, 'lesson.json', file(`  ${TITLE}  `));
    expect(titled.status).toBe(201);
    expect(await titlesSeen(s.url, titled.body)).toEqual([TITLE, TITLE, TITLE, TITLE]);
    const untitled = await importFile(s.url, 'lesson.json', file(''));
    expect(await titlesSeen(s.url, untitled.body)).toEqual([null, null, null, null]);
  });

  it('refuses a bad title with a sentence that says what to change, and opens no room', async () => {
    const s = await env.server();
    const sessionWith = (title: string) => JSON.stringify(sessionFile(initialRoomState(), [], title));
    const cases: [name: string, text: string, message: string][] = [
      ['rtl.paxos', 'title Lesson \u202Eeno\nnodes A B\n', 'line 1: a title cannot contain a text-direction control (U+202E), which makes text look like something else'],
      ['hidden.paxos', 'nodes A B\ntitle Less\u200Bon\n', 'line 2: a title cannot contain an invisible character (U+200B): type only characters that show'],
      ['long.paxos', `title ${'x'.repeat(201)}\nnodes A B\n`, 'line 1: a title has at most 200 characters'],
      ['empty.paxos', 'title\nnodes A B\n', 'line 1: a title needs at least 1 character'],
      ['zalgo.paxos', `title x${'\u0301'.repeat(9)}\nnodes A B\n`, 'line 1: a title cannot stack more than 8 accents or marks on one character'],
      ['hidden.json', sessionWith('Less\u200Bon'), 'title: a title cannot contain an invisible character (U+200B): type only characters that show.'],
      ['long.json', sessionWith('y'.repeat(201)), 'title: a title has at most 200 characters.'],
    ];
    for (const [name, text, message] of cases) {
      const answer = await importFile(s.url, name, text);
      expect({ name, status: answer.status, error: answer.body.error }).toEqual({ name, status: 400, error: { code: 'bad-request', message } });
    }
    // Nothing was opened, in memory or on disk.
    expect(((await (await fetch(`${s.url}/healthz`)).json()) as { rooms: number }).rooms).toBe(0);
    const store = new Database(join(s.dataDir, 'toy-paxos.sqlite'), { readonly: true });
    expect(store.prepare('SELECT COUNT(*) FROM rooms').pluck().get()).toBe(0);
    store.close();
    // At the limit, it is a title.
    const longest = 'z'.repeat(200);
    const ok = await importFile(s.url, 'longest.paxos', `title ${longest}\nnodes A B\n`);
    expect(ok.status).toBe(201);
    expect((await summary(s.url, ok.body.code)).title).toBe(longest);
  });
});

describe('a store made before rooms had titles', () => {
  it('on SQLite: a version 3 file opens, its rooms have no title, and new rooms keep theirs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'toy-paxos-store-'));
    const old = new SqliteStore(dir);
    await old.commit([{ code: 'OLD111', create: { createdAt: 1, settings: DEFAULT_SETTINGS }, expiresAt: Date.now() + 60_000 }]);
    await old.close();
    const file = new Database(join(dir, 'toy-paxos.sqlite'));
    file.exec('ALTER TABLE rooms DROP COLUMN title');
    file.pragma('user_version = 3');
    file.close();
    const store = new SqliteStore(dir);
    await store.commit([{ code: 'NEW222', create: { createdAt: 2, settings: DEFAULT_SETTINGS, title: TITLE }, expiresAt: Date.now() + 60_000 }]);
    expect((await store.loadRooms()).map((r) => [r.code, r.title])).toEqual([['OLD111', null], ['NEW222', TITLE]]);
    await store.close();
    const reopened = new Database(join(dir, 'toy-paxos.sqlite'), { readonly: true });
    expect(reopened.pragma('user_version', { simple: true })).toBe(4);
    reopened.close();
  });

  it('on PostgreSQL: a version 3 database opens, its rooms have no title, and new rooms keep theirs', async () => {
    const url = await freshDatabase();
    const old = await PgStore.open(url);
    await old.commit([{ code: 'OLD111', create: { createdAt: 1, settings: DEFAULT_SETTINGS }, expiresAt: Date.now() + 60_000 }]);
    await old.close();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query('ALTER TABLE rooms DROP COLUMN title');
    await admin.query('UPDATE toy_paxos_schema SET version = 3');
    const store = await PgStore.open(url);
    await store.commit([{ code: 'NEW222', create: { createdAt: 2, settings: DEFAULT_SETTINGS, title: TITLE }, expiresAt: Date.now() + 60_000 }]);
    expect((await store.loadRooms()).map((r) => [r.code, r.title])).toEqual([['OLD111', null], ['NEW222', TITLE]]);
    await store.close();
    expect((await admin.query<{ version: number }>('SELECT version FROM toy_paxos_schema')).rows).toEqual([{ version: 4 }]);
    await admin.end();
  });
});
