/** The HTTP side: health, room creation with its join link and QR code, and the built client. */
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import helmet from 'helmet';
import QRCode from 'qrcode';
import { PROTOCOL_VERSION, type CreatedRoom } from '@toy-paxos/shared';
import type { Classroom } from './classroom';
import type { ImportedLog } from './room';
import type { ServerConfig } from './config';
import { DEFAULT_IMPORT_BUDGET, ImportRunner } from './import-runner';
import { importFile } from './imports';
import { serveClient } from './client-files';
import { PerMinuteLimiter } from './security';
import type { StoreReport } from './store-health';
import { STORE_UNAVAILABLE } from './commit';

export interface HttpOptions {
  readonly config: ServerConfig;
  readonly classroom: Classroom;
  readonly clock: () => number;
  readonly startedAtMs: number;
  /** Whether to believe a proxy's X-Forwarded-For and X-Forwarded-Proto, address by address. */
  readonly trust: (address: string, hop: number) => boolean;
  /** Whether the store saves (store-health.ts). */
  readonly storeReport: () => StoreReport;
}

/**
 * The security headers for a page reached over `secure` (https) or plain http. They differ
 * in two things only: HSTS and upgrade-insecure-requests belong to https, and over plain
 * http (a class on a LAN) upgrading would send every asset to an https port that does not
 * exist. Browsers exempt localhost from that upgrade, so only phones on the LAN saw it.
 */
function securityHeaders(secure: boolean) {
  return helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        // blob: is the sequence diagram drawn as an image before it is saved as a PNG.
        imgSrc: ["'self'", 'data:', 'blob:'],
        connectSrc: ["'self'", 'ws:', 'wss:'],
        upgradeInsecureRequests: secure ? [] : null,
      },
    },
    strictTransportSecurity: secure,
    // Browsers ignore these two on plain http off localhost, and say so in the console.
    crossOriginOpenerPolicy: secure,
    originAgentCluster: secure,
  });
}

/** An imported file may be this large. */
const IMPORT_BYTES_MAX = 8_000_000;

/**
 * Bytes of imported text that cost one room creation of the per-address budget: an import
 * costs one creation, plus one per this many bytes, so a file of 8 MB takes the whole minute.
 */
const IMPORT_BYTES_PER_CREATION = 800_000;

/** What was wrong with the request itself, from an error Express or body-parser raised while reading it; null when the fault is the server's. */
function requestProblem(err: unknown): { status: number; message: string } | null {
  // A "%" in the path that starts no escape: the router fails to decode a route parameter.
  if (err instanceof URIError) return { status: 400, message: 'The address is not a valid URL path: a "%" must start an escape such as %20.' };
  const e = err as { status?: unknown; type?: unknown; charset?: unknown; encoding?: unknown } | null;
  const status = typeof e?.status === 'number' ? e.status : 500;
  switch (e?.type) {
    case 'entity.too.large':
      return { status: 413, message: `The request is larger than ${IMPORT_BYTES_MAX / 1_000_000} MB.` };
    case 'entity.parse.failed':
      return { status: 400, message: 'The request body is not valid JSON.' };
    case 'charset.unsupported':
      return { status: 415, message: `The request body must be JSON in UTF-8, not "${String(e.charset).slice(0, 40)}".` };
    case 'encoding.unsupported':
      return { status: 415, message: `The request body must not be compressed with "${String(e.encoding).slice(0, 40)}": send it plain, or as gzip, deflate or br.` };
    case 'request.aborted':
    case 'request.size.invalid':
      return { status: 400, message: 'The request body ended before its Content-Length.' };
  }
  return status >= 400 && status < 500 ? { status, message: 'The request could not be read.' } : null;
}

function error(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

/** The `charset` parameter of a Content-Type, unquoted, or undefined. */
const CHARSET = /;\s*charset\s*=\s*("?)([^";\s]*)\1/i;

/**
 * Refuses a JSON body declared in any charset but UTF-8 (RFC 8259: JSON between systems is
 * UTF-8). body-parser alone decodes every "utf-" charset (UTF-7, UTF-16, UTF-32) and
 * refuses only the others, so two spellings of one body would be read differently.
 */
const utf8Json: RequestHandler = (req, res, next) => {
  const type = req.headers['content-type'] ?? '';
  const charset = CHARSET.exec(type)?.[2];
  if (charset === undefined || !req.is('application/json')) return next();
  if (/^utf-?8$/i.test(charset)) {
    // "utf8" is a common spelling of UTF-8 that body-parser does not know.
    req.headers['content-type'] = type.replace(CHARSET, '; charset=utf-8');
    return next();
  }
  error(res, 415, 'bad-request', `The request body must be JSON in UTF-8, not "${charset.slice(0, 40)}".`);
};

function roomCodeParam(req: Request): string {
  const code = String(req.params.code ?? '');
  // No room code is longer than a few letters: a long path is looked up as no room, at no cost.
  return code.length > 64 ? '' : code.trim().toUpperCase();
}

export function createHttpApp({ config, classroom, clock, startedAtMs, trust, storeReport }: HttpOptions): express.Express {
  const app = express();
  const creates = new PerMinuteLimiter(config.limits.createsPerMinute);
  const imports = new ImportRunner({ ...DEFAULT_IMPORT_BUDGET, eventsMax: config.limits.eventsPerRoomMax });
  app.disable('x-powered-by');
  app.set('trust proxy', trust);
  const httpsHeaders = securityHeaders(true);
  const httpHeaders = securityHeaders(false);
  // req.secure: over TLS here, or over https to a trusted proxy (X-Forwarded-Proto).
  app.use((req, res, next) => (req.secure ? httpsHeaders : httpHeaders)(req, res, next));

  app.get('/healthz', (_req, res) => {
    const store = storeReport();
    // A store that cannot save means a class whose every action is refused: not healthy, until a save succeeds.
    res.status(store.ok ? 200 : 503).json({
      status: store.ok ? 'ok' : 'store-failing',
      protocolVersion: PROTOCOL_VERSION,
      rooms: classroom.roomCount,
      uptimeS: Math.round((clock() - startedAtMs) / 1000),
      store,
    });
  });

  // A room may start from an imported session file or scenario script: a larger body than anything else.
  app.post('/api/rooms', utf8Json, express.json({ limit: IMPORT_BYTES_MAX }), async (req, res) => {
    // No Origin: a script or curl. An empty or "null" one comes from a browser page with no
    // origin of its own (sandboxed, file:), and is refused like any foreign one.
    const origin = req.headers.origin;
    if (origin !== undefined && !config.allowedOrigins.includes(origin)) {
      return error(res, 403, 'forbidden', `Rooms can only be opened from this classroom's own pages (${config.publicUrl}); open that address and try again.`);
    }
    const request: unknown = req.body;
    const empty = request === undefined || (typeof request === 'object' && request !== null && !Array.isArray(request) && Object.keys(request).length === 0);
    const file = empty ? null : importFile(request);
    // An import costs its share of the address's creations by its size.
    const cost = file ? 1 + Math.floor(Buffer.byteLength(file.text) / IMPORT_BYTES_PER_CREATION) : 1;
    if (!creates.allow(req.ip ?? 'unknown', clock(), cost)) {
      return error(res, 429, 'rate-limited', 'Too many rooms opened from here: wait a minute and try again.');
    }
    let from: ImportedLog | undefined;
    if (!empty) {
      if (!file) return error(res, 400, 'bad-request', 'Send no body, or { "import": { "name": "file name", "text": "the file" } }.');
      if (imports.busy) return error(res, 429, 'rate-limited', 'The server is importing other files right now: try again in a few seconds.');
      const imported = await imports.run(file);
      if (!imported.ok) return error(res, 400, imported.code, imported.error);
      from = imported;
    }
    const result = await classroom.createRoom(clock(), from);
    if (!result.ok) return error(res, result.error.code === 'log-full' ? 400 : 503, result.error.code, result.error.message);
    const joinUrl = classroom.joinUrl(result.value.code);
    const body: CreatedRoom = {
      code: result.value.code,
      instructorToken: result.value.instructorToken,
      joinUrl,
      qrSvg: await QRCode.toString(joinUrl, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }),
    };
    res.status(201).json(body);
  });

  /** A room this process does not hold may be in the database: while that cannot be asked, say so rather than "no room". */
  const unknownRoom = (res: Response, message: string) =>
    classroom.storeDown ? error(res, 503, STORE_UNAVAILABLE.code, STORE_UNAVAILABLE.message) : error(res, 404, 'room-not-found', message);

  app.get('/api/rooms/:code', async (req, res) => {
    const code = roomCodeParam(req);
    await classroom.findRoom(code);
    const summary = classroom.roomSummary(code);
    if (!summary) return unknownRoom(res, 'There is no room with that code. Check it with your instructor.');
    res.json(summary);
  });

  app.get('/api/rooms/:code/qr.svg', async (req, res) => {
    const code = roomCodeParam(req);
    if (!(await classroom.findRoom(code))) return unknownRoom(res, 'There is no room with that code.');
    res.type('image/svg+xml').send(await QRCode.toString(classroom.joinUrl(code), { type: 'svg', margin: 1 }));
  });

  app.use('/api', (_req, res) => error(res, 404, 'not-found', 'No such API route. See docs/protocol/http.md.'));

  const client = serveClient(config.clientDir);
  if (client) app.use(client);

  // Errors that Express and body-parser raise while reading a request are the client's:
  // each kind gets its status and a sentence; only what is left is the server's own 500.
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    const problem = requestProblem(err);
    if (problem) return error(res, problem.status, 'bad-request', problem.message);
    error(res, 500, 'server-error', 'Something went wrong on the server.');
  };
  app.use(onError);
  return app;
}
