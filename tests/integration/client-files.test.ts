/**
 * The web client is sent compressed (server/src/client-files.ts): the copies the build writes
 * (scripts/build-client.ts) go to browsers that accept them, the original to those that do
 * not, every client route is the index page, and a missing asset is a 404.
 */
import { request } from 'node:http';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressCopies } from '../../scripts/build-client';
import { SANDBOX_CSP } from '../../server/src/client-files';
import { startServer, type TestServer } from './harness';

const INDEX = `<!doctype html><html><head><script type="module" src="/assets/app-1a2b.js"></script></head><body>${'<div>toy-paxos</div>'.repeat(200)}</body></html>`;
const SCRIPT = `export const words = ${JSON.stringify(Array.from({ length: 2000 }, (_, i) => `word${i % 50}`))};`;

let server: TestServer;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'toy-paxos-client-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'assets', 'app-1a2b.js'), SCRIPT);
  writeFileSync(join(dir, 'assets', 'node-program.worker-9z8y.js'), SCRIPT);
  compressCopies(dir);
  server = await startServer({ clientDir: dir });
});
afterAll(() => server?.close());

/** GET `path` with the Accept-Encoding given: status, headers and the body as sent. */
function get(path: string, acceptEncoding?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe("the worker that runs a learner's own node", () => {
  it('comes with a policy that lets it load nothing and connect nowhere, in place of the page policy; other scripts keep the page policy', async () => {
    for (const encoding of ['br', undefined]) {
      const worker = await get('/assets/node-program.worker-9z8y.js', encoding);
      expect(worker.status).toBe(200);
      const csp = String(worker.headers['content-security-policy']);
      expect(csp).toBe(SANDBOX_CSP);
      expect(csp).toContain("connect-src 'none'");
      expect(csp).toContain("default-src 'none'");
      expect(csp).toMatch(/script-src 'unsafe-eval'(;|$)/);
      expect(csp).not.toContain("'self'");
    }
    const app = await get('/assets/app-1a2b.js', 'br');
    expect(String(app.headers['content-security-policy'])).toContain("script-src 'self'");
  });
});

describe('the web client, compressed', () => {
  it('sends Brotli to a browser that accepts it, gzip to one that accepts only gzip, and the file itself to one that accepts neither', async () => {
    const br = await get('/assets/app-1a2b.js', 'gzip, deflate, br');
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(br.headers.vary).toContain('Accept-Encoding');
    expect(brotliDecompressSync(br.body).toString()).toBe(SCRIPT);
    expect(br.body.length).toBeLessThan(SCRIPT.length / 3);

    const gz = await get('/assets/app-1a2b.js', 'gzip;q=1.0, identity; q=0.5, br;q=0');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(SCRIPT);

    for (const none of [undefined, 'identity', 'deflate']) {
      const plain = await get('/assets/app-1a2b.js', none);
      expect(plain.headers['content-encoding'], String(none)).toBeUndefined();
      expect(plain.body.toString()).toBe(SCRIPT);
    }
  });

  it('serves every client route as the index page, checked again on each visit; assets are cached for a year', async () => {
    for (const path of ['/', '/join/ABC234', '/room/ABC234', '/solo', '/index.html']) {
      const page = await get(path, 'br');
      expect(page.status, path).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.headers['cache-control']).toBe('no-cache');
      expect(brotliDecompressSync(page.body).toString()).toBe(INDEX);
    }
    expect((await get('/assets/app-1a2b.js', 'br')).headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('answers 404 for an asset that is not there, and never sends the copies by their own names as pages', async () => {
    expect((await get('/assets/app-0000.js', 'br')).status).toBe(404);
    expect((await get('/assets/app-1a2b.js.br', 'br')).status).toBe(404);
    const api = await get('/api/nothing', 'br');
    expect(api.status).toBe(404);
    expect(api.headers['content-type']).toContain('application/json');
  });
});
