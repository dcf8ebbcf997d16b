/**
 * The built web client (client/dist), served compressed. The build writes a Brotli (`.br`)
 * and a gzip (`.gz`) copy beside each text file (scripts/build-client.ts); this serves the
 * smallest copy the browser accepts, so a phone on a slow network downloads about a third of
 * the bytes, and the server compresses nothing while a class is running. Files with no copy
 * (or a browser that accepts neither) are served as they are.
 *
 * The client's routes (/join/CODE, /room/CODE, /solo...) are all its index page. Vite names
 * every asset by its content's hash, so assets are cached for a year; the index page, which
 * names them, is checked again on every visit.
 *
 * The worker that runs a learner's own node (client/src/lib/node-program/) is sent with a
 * policy of its own: it may load no script and connect nowhere. It may only `eval`, which is
 * how it runs the learner's compiled program.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import type { Request, RequestHandler, Response } from 'express';

/** The content types of the files a build makes. */
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** The worker that runs a learner's code, as the build names it. */
const SANDBOXED = /^\/assets\/node-program\.worker-[\w-]+\.js$/;
/** Its policy: nothing to fetch, load or connect to; only the learner's code, made into a function. */
export const SANDBOX_CSP = "default-src 'none'; script-src 'unsafe-eval'; connect-src 'none'; worker-src 'none'; base-uri 'none'; form-action 'none'";

/** Encodings, best first, with the suffix of their copies. */
const ENCODINGS = [
  { name: 'br', suffix: '.br' },
  { name: 'gzip', suffix: '.gz' },
] as const;

interface ClientFile {
  readonly path: string;
  readonly type: string;
  /** The copies there are, by encoding. */
  readonly encoded: ReadonlyMap<string, string>;
  readonly cache: string;
  /** Its own Content-Security-Policy, in place of the page's. */
  readonly csp: string | null;
}

/** Every file of `dir` by its URL path, read once: a build changes only when the server restarts. */
function clientFiles(dir: string): Map<string, ClientFile> {
  const files = new Map<string, ClientFile>();
  const all = readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
  const present = new Set(all);
  for (const path of all) {
    if (path.endsWith('.br') || path.endsWith('.gz')) continue;
    const url = `/${relative(dir, path).split(sep).join('/')}`;
    if (url.split('/').some((part) => part.startsWith('.'))) continue;
    const encoded = new Map<string, string>();
    for (const e of ENCODINGS) if (present.has(path + e.suffix) && statSync(path + e.suffix).size < statSync(path).size) encoded.set(e.name, path + e.suffix);
    const immutable = url.startsWith('/assets/');
    files.set(url, {
      path,
      type: TYPES[extname(path)] ?? 'application/octet-stream',
      encoded,
      cache: immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      csp: SANDBOXED.test(url) ? SANDBOX_CSP : null,
    });
  }
  return files;
}

/** The encodings an Accept-Encoding header allows (a q of 0 refuses one). */
function accepted(header: string | undefined): Set<string> {
  const out = new Set<string>();
  for (const part of (header ?? '').slice(0, 500).split(',')) {
    const [token, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (token && !(q && Number(q.slice(2)) === 0)) out.add(token);
  }
  return out;
}

function send(req: Request, res: Response, file: ClientFile): void {
  const ok = accepted(req.headers['accept-encoding']);
  const encoding = ENCODINGS.find((e) => file.encoded.has(e.name) && (ok.has(e.name) || ok.has('*')));
  res.setHeader('Content-Type', file.type);
  res.setHeader('Cache-Control', file.cache);
  if (file.csp) res.setHeader('Content-Security-Policy', file.csp);
  if (file.encoded.size > 0) res.setHeader('Vary', 'Accept-Encoding');
  if (encoding) res.setHeader('Content-Encoding', encoding.name);
  res.sendFile(encoding ? file.encoded.get(encoding.name)! : file.path, { dotfiles: 'deny', lastModified: true, cacheControl: false });
}

/**
 * Serves the client in `dir` (null when it has not been built: then nothing is served, and
 * the caller says so). Paths under /api and /socket.io never reach it.
 */
export function serveClient(dir: string): RequestHandler | null {
  const indexPath = join(dir, 'index.html');
  if (!existsSync(indexPath)) return null;
  const files = clientFiles(dir);
  const index = files.get('/index.html')!;
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const file = files.get(req.path);
    if (file) return send(req, res, file);
    // A missing asset is a 404 (a stale page asking for an old build's file), not the page.
    if (req.path.startsWith('/assets/')) return next();
    send(req, res, index);
  };
}
