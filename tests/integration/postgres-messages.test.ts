/**
 * Messages between server processes on PostgreSQL, of every size. They travel by NOTIFY,
 * whose payload must be shorter than 8,000 bytes, so larger ones need another way: at that
 * limit, on either side of it and far past it, a message reaches the other process at once.
 * Two servers in this test's process stand for two processes: each has its own store, pool
 * and adapter, and they hear each other only through the database.
 */
import { describe, expect, it } from 'vitest';
import { PgStore } from '@toy-paxos/server';
import { freshDatabase } from '../support/postgres';
import { createRoom, until, useServers } from './harness';

const env = useServers();

/** The part of socket.io's server that talks to the other processes. */
interface Emitter {
  serverSideEmit(event: string, ...args: unknown[]): boolean;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

/**
 * The bytes of what the adapter publishes for `serverSideEmit('probe', text)`: socket.io's
 * cluster message (socket.io-adapter's ClusterAdapter; type 9 is SERVER_SIDE_EMIT) as JSON.
 */
function messageBytes(uid: string, text: string): number {
  return Buffer.byteLength(JSON.stringify({ type: 9, data: { packet: ['probe', text] }, uid, nsp: '/' }));
}

describe('messages between server processes on PostgreSQL', () => {
  it('reach the other process at once whatever their size: under, at and over the 8,000 bytes NOTIFY takes', async () => {
    const url = await freshDatabase();
    const [storeA, storeB] = [await PgStore.open(url), await PgStore.open(url)];
    const a = (await env.server({}, undefined, { store: () => storeA })).app;
    const b = (await env.server({}, undefined, { store: () => storeB })).app;
    const [from, to] = [a.io as unknown as Emitter, b.io as unknown as Emitter];
    const heard = new Set<string>();
    to.on('probe', (text) => heard.add(text as string));
    // Both listen: a small message gets through.
    await until(
      () => {
        from.serverSideEmit('probe', 'hello');
        return heard.has('hello');
      },
      'the first message',
      10_000,
    );
    const uid = (a.io.of('/').adapter as unknown as { uid: string }).uid;
    // About the largest this server sends in the NOTIFY itself (pg-adapter.ts), about NOTIFY's limit, and far past it.
    const sizes = [1_000, 4_999, 5_000, 5_001, ...Array.from({ length: 41 }, (_, i) => 7_980 + i), 16_000, 64_000];
    const slowest = { bytes: 0, ms: 0 };
    for (const bytes of sizes) {
      const text = `${bytes}:`.padEnd(bytes - messageBytes(uid, ''), 'x');
      expect(messageBytes(uid, text)).toBe(bytes);
      const sent = Date.now();
      from.serverSideEmit('probe', text);
      await until(() => heard.has(text), `the message of ${bytes} bytes`, 2000);
      if (Date.now() - sent > slowest.ms) Object.assign(slowest, { bytes, ms: Date.now() - sent });
    }
    expect(slowest.ms, `the slowest, ${slowest.bytes} bytes`).toBeLessThan(1000);
  });
});

/** Resolves once `b` hears what `a` says to the other processes. */
async function hearEachOther(a: { io: unknown }, b: { io: unknown }): Promise<void> {
  const heard = new Set<string>();
  (b.io as Emitter).on('probe', (text) => heard.add(text as string));
  await until(() => (a.io as Emitter).serverSideEmit('probe', 'hello') && heard.has('hello'), 'one process hearing the other', 10_000);
}

describe('what another process says of a room this one is still reading', () => {
  it('is applied once the room is read, not dropped: a join committed while the room loads reaches its screens', async () => {
    const url = await freshDatabase();
    const [storeA, storeB] = [await PgStore.open(url), await PgStore.open(url)];
    // b reads a room as a slow database would answer: what it read, but late.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const reading: string[] = [];
    const loadRoom = storeB.loadRoom.bind(storeB);
    storeB.loadRoom = async (code, after) => {
      const stored = await loadRoom(code, after);
      reading.push(code);
      if (!after) await held;
      return stored;
    };
    const a = await env.server({}, undefined, { store: () => storeA });
    const b = await env.server({}, undefined, { store: () => storeB });
    // Both processes hear each other before the room is opened.
    await hearEachOther(a.app, b.app);
    const room = await createRoom(a.url);
    // A page asks b for the room, and b reads it; a student joins on a before that read is answered.
    const asked = fetch(`${b.url}/api/rooms/${room.code}`);
    await until(() => reading.includes(room.code), 'b reading the room', 10_000);
    const student = env.client(a.url);
    expect((await student.join(room.code, 'Ann')).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 300)); // the join's message reaches b while its read is held
    release();
    expect((await asked).status).toBe(200);
    const teacher = env.client(b.url);
    expect((await teacher.resume(room.instructorToken)).ok).toBe(true);
    await teacher.until(() => teacher.lastSeq === 1, "the student's join on the other process", 5000);
    expect(teacher.problems).toEqual([]);
  });
});

describe('a room another process serves', () => {
  it('is let go of by a process with no page on it once the other changes it, and read again, with who is online and what is presented, when a page comes', async () => {
    const url = await freshDatabase();
    const [storeA, storeB] = [await PgStore.open(url), await PgStore.open(url)];
    const a = await env.server({}, undefined, { store: () => storeA });
    const b = await env.server({}, undefined, { store: () => storeB });
    await hearEachOther(a.app, b.app);
    const room = await createRoom(a.url);
    const teacher = env.client(a.url);
    expect((await teacher.resume(room.instructorToken)).ok).toBe(true);
    const ann = env.client(a.url);
    expect((await ann.join(room.code, 'Ann')).ok).toBe(true);
    // A page on b for a while: b holds the room while it is there.
    const bob = env.client(b.url);
    expect((await bob.join(room.code, 'Bob')).ok).toBe(true);
    expect(b.app.classroom.roomCount).toBe(1);
    bob.close();
    await new Promise((r) => setTimeout(r, 2500));
    // a changes the room: b, with no page on it, stops following it.
    expect((await ann.emit('node:propose', { value: 'Apple' })).ok).toBe(true);
    await until(() => b.app.classroom.roomCount === 0, 'b letting the room go', 5000);
    expect((await teacher.emit('replay:present', { seq: 1 })).ok).toBe(true);
    // A page comes for it on b: b reads it again, and a tells b who is online on a and what is presented.
    const before = teacher.lastSeq;
    const cat = env.client(b.url);
    const presented: (number | null)[] = [];
    cat.socket.on('room:replay', ({ seq }: { seq: number | null }) => presented.push(seq));
    expect((await cat.join(room.code, 'Cat')).ok).toBe(true);
    await cat.until(() => cat.lastSeq === before + 1, 'every event, and its own join', 5000);
    await cat.until(() => cat.presence?.participants.find((p) => p.name === 'Ann')?.online === true, 'Ann online on the other process', 5000);
    await cat.until(() => cat.session!.presenting === 1 || presented.at(-1) === 1, 'the presented moment', 5000);
    expect(cat.presence!.participants.find((p) => p.name === 'Bob')?.online).toBe(false);
    expect(cat.problems).toEqual([]);
  });
});

describe('a batch too large for one message', () => {
  it('is told without its events, so nothing is attached, and a process that holds the room reads them from the store', async () => {
    const url = await freshDatabase();
    const [storeA, storeB] = [await PgStore.open(url), await PgStore.open(url)];
    const a = await env.server({}, undefined, { store: () => storeA });
    const b = await env.server({}, undefined, { store: () => storeB });
    await hearEachOther(a.app, b.app);
    const room = await createRoom(a.url);
    const students = [];
    for (let i = 0; i < 30; i++) {
      const s = env.client(a.url);
      expect((await s.join(room.code, `S${i}`)).ok).toBe(true);
      students.push(s);
    }
    // A page on b: b holds the room, and must show what a commits.
    const bob = env.client(b.url);
    expect((await bob.join(room.code, 'Bob')).ok).toBe(true);
    await bob.until(() => bob.lastSeq === 31, 'every join', 5000);
    // Thirty proposals in one turn of a's event loop: one commit of more than a message holds.
    const acks = await Promise.all(students.map((s, i) => s.emit('node:propose', { value: `Value ${i}` })));
    expect(acks.every((ack) => ack.ok)).toBe(true);
    const last = students[0]!;
    await last.until(() => last.lastSeq >= 61, 'every proposal on a', 5000);
    await bob.until(() => bob.lastSeq === last.lastSeq, "every proposal on b, read from the store", 5000);
    expect(bob.problems).toEqual([]);
    const attached = await storeA.pool.query<{ n: string }>('SELECT count(*) AS n FROM socket_io_attachments');
    expect(Number(attached.rows[0]!.n)).toBe(0);
  });
});
