/**
 * The server as a class reaches it: the security headers of every route over plain http,
 * over https and behind a reverse proxy; the one join address; per-address limits behind
 * a trusted proxy; room codes that collide; and the Origin header's edge cases.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, type ServerConfig } from '@toy-paxos/server';
import type { CreatedRoom } from '@toy-paxos/shared';
import { useServers, type TestServer } from './harness';

const { server, client } = useServers();

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One HTTP(S) request with exactly the headers given (fetch would add or refuse some). */
function send(url: string, options: { method?: string; headers?: Record<string, string>; body?: string; ca?: string } = {}): Promise<Answer> {
  const u = new URL(url);
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(u, { method: options.method ?? 'GET', headers: options.headers, ...(options.ca ? { ca: options.ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A built client to serve: an index page and one asset, enough to see the static routes' headers. */
function fakeClient(): string {
  const dir = mkdtempSync(join(tmpdir(), 'toy-paxos-client-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>toy-paxos</title>');
  writeFileSync(join(dir, 'assets', 'app.js'), 'export {};');
  return dir;
}

/** Every route of the HTTP API and the pages, with the status each answers. */
async function everyRoute(base: string, ca?: string): Promise<[string, Answer][]> {
  const created = await send(`${base}/api/rooms`, { method: 'POST', ca });
  expect(created.status).toBe(201);
  const { code } = JSON.parse(created.body) as CreatedRoom;
  const json = { 'content-type': 'application/json' };
  return [
    ['POST /api/rooms', created],
    ['POST /api/rooms (bad JSON)', await send(`${base}/api/rooms`, { method: 'POST', headers: json, body: '{', ca })],
    ['GET /healthz', await send(`${base}/healthz`, { ca })],
    ['GET /api/rooms/:code', await send(`${base}/api/rooms/${code}`, { ca })],
    ['GET /api/rooms/:code (missing)', await send(`${base}/api/rooms/ZZZZZZ`, { ca })],
    ['GET /api/rooms/:code/qr.svg', await send(`${base}/api/rooms/${code}/qr.svg`, { ca })],
    ['GET /api/other', await send(`${base}/api/other`, { ca })],
    ['GET /', await send(`${base}/`, { ca })],
    ['GET /join/:code', await send(`${base}/join/${code}`, { ca })],
    ['GET /solo', await send(`${base}/solo`, { ca })],
    ['GET /assets/app.js', await send(`${base}/assets/app.js`, { ca })],
  ];
}

/** The CSP's directives, in a fixed order. */
const csp = (header: unknown) => String(header).split(';').sort();
const CSP_HTTP = [
  "base-uri 'self'",
  "connect-src 'self' ws: wss:",
  "default-src 'self'",
  "font-src 'self' https: data:",
  "form-action 'self'",
  "frame-ancestors 'self'",
  "img-src 'self' data: blob:",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self' 'unsafe-inline'",
];
const CSP_HTTPS = [...CSP_HTTP, 'upgrade-insecure-requests'];

function expectHttpHeaders(route: string, a: Answer): void {
  expect(csp(a.headers['content-security-policy']), route).toEqual(CSP_HTTP);
  expect(a.headers['strict-transport-security'], route).toBeUndefined();
  expect(a.headers['cross-origin-opener-policy'], route).toBeUndefined();
  expect(a.headers['origin-agent-cluster'], route).toBeUndefined();
  expect(a.headers['x-content-type-options'], route).toBe('nosniff');
  expect(a.headers['cross-origin-resource-policy'], route).toBe('same-origin');
  expect(a.headers['x-frame-options'], route).toBe('SAMEORIGIN');
}

function expectHttpsHeaders(route: string, a: Answer): void {
  expect(csp(a.headers['content-security-policy']), route).toEqual(CSP_HTTPS);
  expect(a.headers['strict-transport-security'], route).toMatch(/^max-age=\d+/);
  expect(a.headers['cross-origin-opener-policy'], route).toBe('same-origin');
  expect(a.headers['origin-agent-cluster'], route).toBe('?1');
  expect(a.headers['x-content-type-options'], route).toBe('nosniff');
  expect(a.headers['cross-origin-resource-policy'], route).toBe('same-origin');
}

/** A self-signed certificate for localhost and 127.0.0.1, made with openssl. */
function certificate(): { certFile: string; keyFile: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'toy-paxos-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', keyFile, '-out', certFile],
    { stdio: 'ignore' },
  );
  return { certFile, keyFile, cert: readFileSync(certFile, 'utf8') };
}

describe('security headers, route by route', () => {
  let tls: ReturnType<typeof certificate>;
  beforeAll(() => {
    tls = certificate();
  });

  it('over plain http: no upgrade to https, no HSTS, and images from blob: allowed', async () => {
    const s = await server({ clientDir: fakeClient() });
    const routes = await everyRoute(s.url);
    expect(routes.map(([r, a]) => `${r} ${a.status}`)).toEqual([
      'POST /api/rooms 201',
      'POST /api/rooms (bad JSON) 400',
      'GET /healthz 200',
      'GET /api/rooms/:code 200',
      'GET /api/rooms/:code (missing) 404',
      'GET /api/rooms/:code/qr.svg 200',
      'GET /api/other 404',
      'GET / 200',
      'GET /join/:code 200',
      'GET /solo 200',
      'GET /assets/app.js 200',
    ]);
    for (const [route, answer] of routes) expectHttpHeaders(route, answer);
  });

  it('over TLS (TLS_CERT and TLS_KEY): the https-only headers too, and a socket over wss', async () => {
    const s = await server({ clientDir: fakeClient(), tls, publicUrl: 'https://localhost:3443', allowedOrigins: ['https://localhost:3443'] });
    expect(s.url.startsWith('https://')).toBe(true);
    const routes = await everyRoute(s.url, tls.cert);
    for (const [route, answer] of routes) {
      expect(answer.status, route).toBeLessThan(500);
      expectHttpsHeaders(route, answer);
    }
    const { code } = JSON.parse(routes[0]![1].body) as CreatedRoom;
    const student = client(s.url, { ca: tls.cert });
    const ack = await student.join(code, 'Ana');
    expect(ack).toMatchObject({ ok: true, session: { joinUrl: `https://localhost:3443/join/${code}` } });
  });

  it('behind a trusted proxy: https headers when it says the page came over https, http headers otherwise', async () => {
    const trusted = await server({ clientDir: fakeClient(), trustProxy: 'loopback' });
    const viaHttps = await send(`${trusted.url}/`, { headers: { 'x-forwarded-proto': 'https' } });
    expectHttpsHeaders('GET / (proxy said https)', viaHttps);
    expectHttpHeaders('GET / (proxy said http)', await send(`${trusted.url}/`, { headers: { 'x-forwarded-proto': 'http' } }));
    // A proxy that is not trusted is not believed.
    const untrusted = await server({ clientDir: fakeClient() });
    expectHttpHeaders('GET / (untrusted proxy said https)', await send(`${untrusted.url}/`, { headers: { 'x-forwarded-proto': 'https' } }));
  });
});

describe('the join address', () => {
  it('comes from PUBLIC_URL in every SessionInfo, for every role', async () => {
    const s = await server({ publicUrl: 'http://classroom.test:4100' });
    const room = JSON.parse((await send(`${s.url}/api/rooms`, { method: 'POST' })).body) as CreatedRoom;
    expect(room.joinUrl).toBe(`http://classroom.test:4100/join/${room.code}`);
    const teacher = client(s.url);
    expect(await teacher.resume(room.instructorToken)).toMatchObject({ ok: true, session: { joinUrl: room.joinUrl } });
    const student = client(s.url);
    expect(await student.join(room.code, 'Bo')).toMatchObject({ ok: true, session: { joinUrl: room.joinUrl } });
    const projector = client(s.url);
    expect(await projector.join(room.code, 'Projector', 'observer')).toMatchObject({ ok: true, session: { joinUrl: room.joinUrl } });
    const qr = await send(`${s.url}/api/rooms/${room.code}/qr.svg`);
    const QRCode = (await import('qrcode')).default;
    expect(qr.body).toBe(await QRCode.toString(room.joinUrl, { type: 'svg', margin: 1 }));
  });
});

describe('room codes that collide', () => {
  /** A code generator that hands out these codes in turn, then repeats the last. */
  function codes(...list: string[]): () => string {
    let i = 0;
    return () => list[Math.min(i++, list.length - 1)]!;
  }

  it('two creations at once that draw the same code: the second draws again', async () => {
    const s = await server({}, undefined, { roomCode: codes('AAAAAA', 'AAAAAA', 'BBBBBB') });
    const answers = await Promise.all([send(`${s.url}/api/rooms`, { method: 'POST' }), send(`${s.url}/api/rooms`, { method: 'POST' })]);
    expect(answers.map((a) => a.status)).toEqual([201, 201]);
    expect(answers.map((a) => (JSON.parse(a.body) as CreatedRoom).code).sort()).toEqual(['AAAAAA', 'BBBBBB']);
  });

  it('a code another server process took in the store: drawn again', async () => {
    const first = await server({}, undefined, { roomCode: codes('CCCCCC') });
    // A second process on the same store, started before the first opened its room.
    const second = await server({}, first.dataDir, { roomCode: codes('CCCCCC', 'DDDDDD') });
    expect((await send(`${first.url}/api/rooms`, { method: 'POST' })).status).toBe(201);
    const again = await send(`${second.url}/api/rooms`, { method: 'POST' });
    expect(again.status).toBe(201);
    expect((JSON.parse(again.body) as CreatedRoom).code).toBe('DDDDDD');
  });

  it('no free code in five draws: 503 with what to do, and no room', async () => {
    const s = await server({}, undefined, { roomCode: codes('EEEEEE') });
    expect((await send(`${s.url}/api/rooms`, { method: 'POST' })).status).toBe(201);
    const full = await send(`${s.url}/api/rooms`, { method: 'POST' });
    expect(full.status).toBe(503);
    expect(JSON.parse(full.body)).toEqual({ error: { code: 'server-error', message: 'No free room code came up in 5 draws; try again in a moment.' } });
    expect(s.app.classroom.roomCount).toBe(1);
  });
});

describe('the Origin header', () => {
  it.each([
    ['empty', ''],
    ['"null" (a sandboxed or file: page)', 'null'],
    ['foreign', 'http://evil.example'],
  ])('an %s Origin cannot open a room', async (_what, origin) => {
    const s = await server();
    const answer = await send(`${s.url}/api/rooms`, { method: 'POST', headers: { origin } });
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'forbidden' } });
    expect(s.app.classroom.roomCount).toBe(0);
  });

  it('an allowed Origin, or none (a script), opens one', async () => {
    const s = await server();
    expect((await send(`${s.url}/api/rooms`, { method: 'POST', headers: { origin: 'http://localhost:3000' } })).status).toBe(201);
    expect((await send(`${s.url}/api/rooms`, { method: 'POST' })).status).toBe(201);
  });
});

describe('TRUST_PROXY', () => {
  const limits = { ...DEFAULT_LIMITS, createsPerMinute: 2, joinsPerMinute: 2 };
  const create = (s: TestServer, from: string) => send(`${s.url}/api/rooms`, { method: 'POST', headers: { 'x-forwarded-for': from } });
  async function wrongCodes(s: TestServer, from: string, n: number): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const c = client(s.url, { headers: { 'x-forwarded-for': from } });
      const ack = await c.join('ZZZZZZ', 'Guess');
      out.push(ack.ok ? 'ok' : ack.error.code);
    }
    return out;
  }

  it.each<[string, Partial<ServerConfig>]>([
    ['loopback', { trustProxy: 'loopback' }],
    ['one hop', { trustProxy: 1 }],
  ])('trusted (%s): each forwarded address has its own limits', async (_what, config) => {
    const s = await server({ ...config, limits });
    expect([(await create(s, '198.51.100.1')).status, (await create(s, '198.51.100.1')).status, (await create(s, '198.51.100.1')).status]).toEqual([201, 201, 429]);
    expect((await create(s, '198.51.100.2')).status).toBe(201);
    expect(await wrongCodes(s, '198.51.100.3', 3)).toEqual(['room-not-found', 'room-not-found', 'rate-limited']);
    expect(await wrongCodes(s, '198.51.100.4', 1)).toEqual(['room-not-found']);
  });

  it('off (the default): X-Forwarded-For is ignored, so nobody can dodge a limit with it', async () => {
    const s = await server({ limits });
    expect([(await create(s, '198.51.100.1')).status, (await create(s, '198.51.100.2')).status, (await create(s, '198.51.100.3')).status]).toEqual([201, 201, 429]);
    expect(await wrongCodes(s, '198.51.100.4', 2)).toEqual(['room-not-found', 'room-not-found']);
    expect(await wrongCodes(s, '198.51.100.5', 1)).toEqual(['rate-limited']);
  });
});
