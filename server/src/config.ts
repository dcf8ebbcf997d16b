import { fileURLToPath } from 'node:url';
import { cannotStart, parseTrustProxy, reachableAddresses, type Interfaces, type Reachable, type TrustProxy } from './network';

/** The server's settings. Only `index.ts` reads them from the environment. */
export interface ServerConfig {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** A PostgreSQL database (postgres://...) shared by many server processes, in place of the SQLite file in `dataDir`. */
  readonly databaseUrl?: string | null;
  /** Browser origins allowed to connect; requests without an Origin header (non-browser clients) are allowed. */
  readonly allowedOrigins: readonly string[];
  /** The public address used in join links and QR codes. */
  readonly publicUrl: string;
  /** True when PUBLIC_URL set it; false (the default) when it was worked out from the network interfaces. */
  readonly publicUrlSet?: boolean;
  /** Where the server can be opened, as the start-up banner lists it. */
  readonly reachable?: Reachable;
  /** Which reverse proxies' X-Forwarded-For to believe for per-address limits (Express's `trust proxy`); none by default. */
  readonly trustProxy?: TrustProxy;
  /** A certificate and its key, as file paths: the server then speaks https itself. Plain http by default. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string } | null;
  readonly logLevel: string;
  /** Where the built web client is; the server serves it when the folder exists. */
  readonly clientDir: string;
  readonly limits: ServerLimits;
}

export interface ServerLimits {
  readonly roomsMax: number;
  /** Students and bots per room (each is one node). */
  readonly nodesPerRoomMax: number;
  readonly observersPerRoomMax: number;
  readonly eventsPerRoomMax: number;
  /** A room expires this long after its last activity. */
  readonly roomTtlMs: number;
  /**
   * Events per person: a burst of `commandBurst`, refilled at `commandsPerSecond`, shared by
   * all the sockets of one session token. A socket that sends as many again past an empty
   * budget is disconnected.
   */
  readonly commandBurst: number;
  readonly commandsPerSecond: number;
  /** Events per client address from sockets without a session (joins and resumes): a whole class behind one NAT comes back at once. */
  readonly addressBurst: number;
  readonly addressEventsPerSecond: number;
  /** Open sockets per session token; a new one closes the oldest. */
  readonly socketsPerSessionMax: number;
  /** How fast one member may grow a room's log: a burst of events, refilled per second. The instructor is exempt. */
  readonly memberEventsBurst: number;
  readonly memberEventsPerSecond: number;
  /** How fast a room's log may grow, all members together (the instructor exempt). */
  readonly roomEventsBurst: number;
  readonly roomEventsPerSecond: number;
  /**
   * How long a join made with a join id, whose page has not confirmed it (`room:confirm`),
   * is kept once its last connection has closed: time for the page's retry, with the same
   * join id, to get the same node. Then it is taken back.
   */
  readonly unconfirmedJoinGraceMs: number;
  /** Room creations, and joins with a wrong room code, per client address per minute. */
  readonly createsPerMinute: number;
  readonly joinsPerMinute: number;
  /** Bytes in one socket.io message; larger ones close the connection. */
  readonly maxMessageBytes: number;
  /**
   * History the whole server serves (`room:history`), in shares of its cost (one per 2,000
   * events, or per 200 with text): a burst, refilled per second. Whoever asks, history
   * takes at most this part of the event loop, and the rooms stay live.
   */
  readonly historyBurst: number;
  readonly historyPerSecond: number;
}

/** The most an expiry is rounded up by (a hundredth of the time to live, if that is less). */
const EXPIRY_STEP_MAX_MS = 60_000;

/**
 * When a room active at `nowMs` expires: `ttlMs` later, rounded up to a step of a minute (or
 * a hundredth of `ttlMs`), never earlier. A busy room's expiry then changes once a step, so
 * the store rewrites its row once a minute rather than with every commit.
 */
export function expiryAfter(nowMs: number, ttlMs: number): number {
  const step = Math.max(1, Math.floor(Math.min(EXPIRY_STEP_MAX_MS, ttlMs / 100)));
  return Math.ceil((nowMs + ttlMs) / step) * step;
}

export const DEFAULT_LIMITS: ServerLimits = {
  roomsMax: 500,
  nodesPerRoomMax: 400,
  observersPerRoomMax: 50,
  eventsPerRoomMax: 100_000,
  roomTtlMs: 24 * 60 * 60 * 1000,
  commandBurst: 20,
  commandsPerSecond: 10,
  addressBurst: 500,
  addressEventsPerSecond: 50,
  socketsPerSessionMax: 5,
  memberEventsBurst: 100,
  memberEventsPerSecond: 20,
  roomEventsBurst: 500,
  roomEventsPerSecond: 100,
  createsPerMinute: 10,
  joinsPerMinute: 30,
  unconfirmedJoinGraceMs: 30_000,
  maxMessageBytes: 16 * 1024,
  historyBurst: 20,
  historyPerSecond: 10,
};

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/**
 * An address as browsers send it in the Origin header: scheme, host and port, lower case,
 * with the default port left out (`https://Paxos.example:443/` is `https://paxos.example`).
 * Anything more (a path, a query, a fragment, a user name) is refused, naming the variable.
 */
function originOf(variable: string, value: string): string {
  const example = 'http://192.168.1.20:3000';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${variable} must be an address such as ${example}, not "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${variable} must start with http:// or https://, not "${value}"`);
  if (url.username || url.password) throw new Error(`${variable} must not hold a user name or password: "${value}"`);
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || /[?#]/.test(value)) {
    throw new Error(`${variable} must be an address such as ${example}, with no path, query or fragment, not "${value}"`);
  }
  return url.origin;
}

/**
 * Reads the configuration from environment variables, with the documented defaults.
 * `interfaces` is what `os.networkInterfaces()` returns: with no PUBLIC_URL, join links
 * use the first LAN address, since that is the one students' phones can reach.
 */
export function configFromEnv(env: NodeJS.ProcessEnv, interfaces: Interfaces = {}): ServerConfig {
  const port = Number(env.PORT ?? 3000);
  if (env.PORT?.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a port number from 0 to 65535, not "${env.PORT}"`);
  }
  const host = env.HOST ?? '0.0.0.0';
  if (Boolean(env.TLS_CERT) !== Boolean(env.TLS_KEY)) {
    throw new Error('TLS_CERT and TLS_KEY go together: set both (the certificate file and its key file) or neither.');
  }
  const tls = env.TLS_CERT && env.TLS_KEY ? { certFile: env.TLS_CERT, keyFile: env.TLS_KEY } : null;
  const scheme = tls ? 'https' : 'http';
  const reachable = reachableAddresses(host, port, scheme, interfaces);
  const publicUrlSet = Boolean(env.PUBLIC_URL?.trim());
  const publicUrl = publicUrlSet ? originOf('PUBLIC_URL', env.PUBLIC_URL!.trim()) : (reachable.network[0] ?? reachable.local);
  const origins = env.ALLOWED_ORIGINS
    ? env.ALLOWED_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean).map((o) => originOf('ALLOWED_ORIGINS', o))
    : [publicUrl, reachable.local, `${scheme}://127.0.0.1:${port}`, ...reachable.network];
  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, not "${logLevel}"`);
  const ttlHours = Number(env.ROOM_TTL_HOURS ?? 24);
  if (!(ttlHours > 0)) throw new Error(`ROOM_TTL_HOURS must be a positive number, not "${env.ROOM_TTL_HOURS}"`);
  const databaseUrl = env.DATABASE_URL?.trim() || null;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error('DATABASE_URL must be a PostgreSQL address such as postgres://user:password@host:5432/toy_paxos; leave it unset to use SQLite');
  }
  return {
    port,
    host,
    dataDir: env.DATA_DIR ?? './data',
    databaseUrl,
    allowedOrigins: [...new Set(origins)],
    publicUrl,
    publicUrlSet,
    reachable,
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    tls,
    logLevel,
    clientDir: env.CLIENT_DIR ?? fileURLToPath(new URL('../../client/dist', import.meta.url)),
    limits: { ...DEFAULT_LIMITS, roomTtlMs: ttlHours * 60 * 60 * 1000 },
  };
}

/** The configuration from the environment, or the end of a start-up with the sentence that says what to change. */
export function configOrStop(env: NodeJS.ProcessEnv, interfaces: Interfaces): ServerConfig {
  try {
    return configFromEnv(env, interfaces);
  } catch (e) {
    return cannotStart(e, env);
  }
}
