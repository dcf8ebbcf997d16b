import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp, DEFAULT_LIMITS, SqliteStore } from '@toy-paxos/server';
import { initialRoomState, PROTOCOL_VERSION } from '@toy-paxos/shared';
import { sessionFile } from '@toy-paxos/shared/protocol';
import { createRoom, startServer, useServers } from './harness';

const { server, client } = useServers();

describe('HTTP', () => {
  it('answers /healthz with 200 and a JSON status, with security headers', async () => {
    const s = await server();
    const res = await fetch(`${s.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', protocolVersion: PROTOCOL_VERSION, rooms: 0 });
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('creates a room with a readable code, a join link and a QR code', async () => {
    const s = await server();
    const room = await createRoom(s.url);
    expect(room.code).toMatch(/^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{6}$/);
    expect(room.joinUrl).toBe(`http://localhost:3000/join/${room.code}`);
    expect(room.qrSvg).toMatch(/^<svg[^>]*>.*<\/svg>\s*$/s);
    expect(room.instructorToken.length).toBeGreaterThanOrEqual(40);
    expect(await (await fetch(`${s.url}/api/rooms/${room.code.toLowerCase()}`)).json()).toEqual({ code: room.code, title: null, locked: false, nodes: 0 });
    const qr = await fetch(`${s.url}/api/rooms/${room.code}/qr.svg`);
    expect(qr.headers.get('content-type')).toContain('image/svg+xml');
    expect(await fetch(`${s.url}/api/rooms/ZZZZZZ`).then((r) => r.status)).toBe(404);
    expect(await fetch(`${s.url}/api/nope`).then((r) => r.json())).toMatchObject({ error: { code: 'not-found' } });
  });

  it('refuses room creation from a foreign Origin, and over the rate limit', async () => {
    const s = await server({ limits: { ...DEFAULT_LIMITS, createsPerMinute: 2 } });
    const foreign = await fetch(`${s.url}/api/rooms`, { method: 'POST', headers: { Origin: 'http://evil.example' } });
    expect(foreign.status).toBe(403);
    expect(s.app.classroom.roomCount).toBe(0);
    await createRoom(s.url);
    await createRoom(s.url);
    const third = await fetch(`${s.url}/api/rooms`, { method: 'POST' });
    expect(third.status).toBe(429);
    expect(await third.json()).toMatchObject({ error: { code: 'rate-limited' } });
  });

  it('answers a malformed JSON body with 400 and a JSON error', async () => {
    const s = await server();
    const res = await fetch(`${s.url}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'bad-request' } });
    expect(s.app.classroom.roomCount).toBe(0);
  });

  it('answers each kind of unreadable request with its own status and message, never 500', async () => {
    const s = await server();
    const post = (headers: Record<string, string>, body = '{}') => fetch(`${s.url}/api/rooms`, { method: 'POST', headers, body });
    // Every charset but UTF-8 is refused alike, the Unicode ones that JSON parsers decode too.
    for (const charset of ['latin1', 'utf-7', 'utf-16', 'UTF-16LE', 'utf-32', '"utf-16"']) {
      const other = await post({ 'content-type': `application/json; charset=${charset}` });
      expect(other.status).toBe(415);
      expect(await other.json()).toEqual({ error: { code: 'bad-request', message: `The request body must be JSON in UTF-8, not "${charset.replaceAll('"', '')}".` } });
    }
    for (const charset of ['utf-8', 'UTF-8', 'utf8', '"utf-8"']) expect((await post({ 'content-type': `application/json; charset=${charset}` })).status).toBe(201);
    const bogus = await post({ 'content-type': 'application/json', 'content-encoding': 'bogus' });
    expect(bogus.status).toBe(415);
    expect(await bogus.json()).toEqual({ error: { code: 'bad-request', message: 'The request body must not be compressed with "bogus": send it plain, or as gzip, deflate or br.' } });
    for (const path of ['/api/rooms/%', '/api/rooms/%zz/qr.svg']) {
      const bad = await fetch(`${s.url}${path}`);
      expect(bad.status).toBe(400);
      expect(await bad.json()).toEqual({ error: { code: 'bad-request', message: 'The address is not a valid URL path: a "%" must start an escape such as %20.' } });
    }
    expect(s.app.classroom.roomCount).toBe(4);
  });

  it('serves the built client, with its routes falling back to index.html', async () => {
    const s0 = await startServer();
    const clientDir = join(s0.dataDir, 'client');
    await s0.close();
    mkdirSync(clientDir, { recursive: true });
    writeFileSync(join(clientDir, 'index.html'), '<!doctype html><title>toy-paxos</title>');
    const s = await server({ clientDir });
    for (const path of ['/', '/join/ABCDEF']) {
      const res = await fetch(`${s.url}${path}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('<title>toy-paxos</title>');
    }
  });
});

describe('limits', () => {
  it('each limit gives a clear error when reached', async () => {
    const s = await server({
      limits: { ...DEFAULT_LIMITS, roomsMax: 1, nodesPerRoomMax: 2, observersPerRoomMax: 1, eventsPerRoomMax: 4 },
    });
    const room = await createRoom(s.url);
    const extra = await fetch(`${s.url}/api/rooms`, { method: 'POST' });
    expect(extra.status).toBe(503);
    expect(await extra.json()).toMatchObject({ error: { code: 'room-full', message: expect.stringContaining('1 rooms') } });

    const [a, b, c, o1, o2] = Array.from({ length: 5 }, () => client(s.url));
    expect((await a!.join(room.code, 'Ana')).ok).toBe(true);
    expect((await b!.join(room.code, 'Bo')).ok).toBe(true);
    expect(await c!.join(room.code, 'Cy')).toMatchObject({ ok: false, error: { code: 'room-full', message: expect.stringContaining('join as an observer') } });
    expect((await o1!.join(room.code, 'Wall', 'observer')).ok).toBe(true);
    expect(await o2!.join(room.code, 'Wall 2', 'observer')).toMatchObject({ ok: false, error: { code: 'room-full', message: expect.stringContaining('join as a student, or ask the instructor to remove an observer') } });

    expect((await a!.emit('node:propose', { value: 'x' })).ok).toBe(true); // event 3
    expect((await a!.emit('node:propose', { value: 'y' })).ok).toBe(true); // event 4
    expect(await a!.emit('node:propose', { value: 'z' })).toMatchObject({ ok: false, error: { code: 'log-full' } });
    expect(await a!.emit('node:propose', { value: 'x'.repeat(25) })).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringContaining('at most 24') } });
    expect(await a!.join(room.code, 'Again')).toMatchObject({ ok: false, error: { code: 'already-joined' } });
  });

  it("a room's timelines hold at most twice a log's limit of events of their own together", async () => {
    const s = await server({ limits: { ...DEFAULT_LIMITS, eventsPerRoomMax: 4 } });
    const room = await createRoom(s.url);
    const teacher = client(s.url);
    await teacher.resume(room.instructorToken);
    const bots = async (n: number) => (await teacher.emit('bot:add', { count: n })).ok;
    expect(await bots(4)).toBe(true); // main: 4 events of its own
    expect((await teacher.emit('branch:fork', { seq: 0, name: 'one' })).ok).toBe(true);
    expect(await bots(3)).toBe(true); // 7 of 8
    // A fork forks the active timeline: back to main first.
    expect((await teacher.emit('branch:switch', { id: 0 })).ok).toBe(true);
    expect((await teacher.emit('branch:fork', { seq: 4, name: 'two' })).ok).toBe(true); // shares main's 4: costs none
    expect(await bots(1)).toBe(false); // its log would hold 5 of 4
    expect((await teacher.emit('branch:switch', { id: 0 })).ok).toBe(true);
    expect((await teacher.emit('branch:fork', { seq: 0, name: 'three' })).ok).toBe(true);
    expect(await bots(1)).toBe(true); // 8 of 8
    expect(await teacher.emit('bot:add', { count: 1 })).toMatchObject({
      ok: false,
      error: { code: 'log-full', message: "This room's timelines hold 8 events of their own together, the most a room keeps: export it, and start a new room to go on." },
    });
  });
});

describe('students decide', () => {
  it('a request waits in the inbox; a wrong answer is refused with the rule it breaks', async () => {
    const s = await server();
    const room = await createRoom(s.url);
    const teacher = client(s.url);
    await teacher.resume(room.instructorToken);
    const [a, b] = [client(s.url), client(s.url)];
    await a.join(room.code, 'Ana');
    await b.join(room.code, 'Bo');
    expect((await teacher.emit('room:settings', { settings: { acceptorMode: 'students' } })).ok).toBe(true);
    await a.emit('node:propose', { value: 'Apple' });
    await a.emit('node:promise', { to: ['n2'] });
    await b.until(() => b.records.at(-1)?.lines[1] === "    > [WAIT] #1 in Bo's inbox", 'the request in the inbox');
    expect(await b.emit('node:answer', { id: 1, yes: false })).toMatchObject({ ok: false, error: { code: 'must-answer-yes', message: expect.stringContaining('Bo may promise 1.Ana: it has promised nothing yet. Paxos would let an acceptor refuse') } });
    expect(await a.emit('node:answer', { id: 1, yes: true })).toMatchObject({ ok: false, error: { code: 'not-in-inbox' } });
    expect((await b.emit('node:answer', { id: 1, yes: true })).ok).toBe(true);
    await a.until(() => a.records.at(-1)?.lines[1]?.includes('Ana(promisers: 1') === true, 'the promise');
  });
});

describe('rooms expire and come back after a restart', () => {
  it('restores every room on restart; expires rooms after their time, ending their sessions', async () => {
    const s1 = await startServer();
    const room = await createRoom(s1.url);
    const a = client(s1.url);
    await a.join(room.code, 'Ana');
    await a.emit('node:propose', { value: 'Apple' });
    const token = a.token!;
    a.close();
    await s1.close();

    const s2 = await server({}, s1.dataDir);
    expect(s2.app.classroom.roomSummary(room.code)).toEqual({ code: room.code, title: null, locked: false, nodes: 1 });
    const back = client(s2.url);
    expect(await back.resume(token)).toMatchObject({ ok: true, session: { node: 'n1' } });
    expect(back.records.map((r) => r.event.type)).toEqual(['nodeAdded', 'proposalStarted']);

    expect(await s2.app.classroom.expire(Date.now() + DEFAULT_LIMITS.roomTtlMs - 60_000)).toEqual([]);
    expect(await s2.app.classroom.expire(Date.now() + DEFAULT_LIMITS.roomTtlMs + 60_000)).toEqual([room.code]);
    await back.until(() => back.ended === 'expired', 'the expiry notice');
    expect(await fetch(`${s2.url}/api/rooms/${room.code}`).then((r) => r.status)).toBe(404);
    const store = new SqliteStore(s1.dataDir);
    expect(await store.loadRooms()).toEqual([]);
    await store.close();
  });
});

describe('structured logs', () => {
  it('never contain a token', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const s0 = await startServer();
    await s0.close();
    const app = createApp({
      config: { port: 0, host: '127.0.0.1', dataDir: s0.dataDir, allowedOrigins: [], publicUrl: 'http://localhost:3000', logLevel: 'trace', clientDir: '/nonexistent', limits: DEFAULT_LIMITS },
      store: new SqliteStore(s0.dataDir),
      logger: pino({ level: 'trace' }, sink),
    });
    const port = await app.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${port}`;
    try {
      const room = await createRoom(url);
      const t = client(url);
      await t.resume(room.instructorToken);
      const a = client(url);
      await a.join(room.code, 'Ana');
      await a.emit('node:propose', { value: 'Apple' });
      await client(url).resume('x'.repeat(43));
      expect(lines.length).toBeGreaterThan(1);
      const all = lines.join('');
      expect(all).toContain('session started');
      for (const secret of [room.instructorToken, a.token!]) expect(all).not.toContain(secret);
    } finally {
      await app.close();
    }
  });
});

describe('imports and the creation budget', () => {
  it('an import costs its share of the per-address creations by its size', async () => {
    const s = await server({ limits: { ...DEFAULT_LIMITS, createsPerMinute: 10 } });
    // A session file padded to 4 MB with whitespace: one creation, plus one per 800,000 bytes.
    const file = JSON.stringify(sessionFile(initialRoomState(), [], 'padded'));
    const text = `${file.slice(0, -1)}${' '.repeat(4_000_000)}}`;
    const post = () => fetch(`${s.url}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ import: { name: 'big.json', text } }) });
    expect((await post()).status).toBe(201); // costs 6 of 10
    const second = await post();
    expect(second.status).toBe(429);
    expect(await second.json()).toEqual({ error: { code: 'rate-limited', message: 'Too many rooms opened from here: wait a minute and try again.' } });
    for (let i = 0; i < 4; i++) expect((await fetch(`${s.url}/api/rooms`, { method: 'POST' })).status).toBe(201);
    expect((await fetch(`${s.url}/api/rooms`, { method: 'POST' })).status).toBe(429);
  });

  it('a scenario of 5,000 bad lines is refused in a sentence that names the first ten, not all of them', async () => {
    const s = await server();
    const text = Array.from({ length: 5000 }, () => 'x'.repeat(501)).join('\n');
    const res = await fetch(`${s.url}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ import: { name: 'long.paxos', text } }) });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('bad-request');
    expect(error.message).toMatch(/^line 1: a line has at most 500 characters; line 2: /);
    expect(error.message).toMatch(/; and 4990 more lines to fix$/);
    expect(error.message.length).toBeLessThan(1000);
  });
});
