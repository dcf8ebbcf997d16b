/**
 * The composition root: wires the store, the classroom, Express and socket.io.
 * Only `index.ts` reads the environment and listens; tests call `createApp` with
 * their own store, clock and port 0. With the PostgreSQL store, socket.io gets the
 * PostgreSQL adapter (pg-adapter.ts), the classroom hears the other processes through
 * it (peers.ts), and this process holds the lease of the rooms it serves (leases.ts).
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import { createServer as createTlsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import type { Logger } from 'pino';
import { Classroom } from './classroom';
import type { ServerConfig } from './config';
import { createHttpApp } from './http';
import { trustFunction } from './network';
import { tuneWebSockets } from './fan-out';
import { bindSockets, SocketBroadcaster, type ClassroomServer } from './socket';
import { RoomLeases } from './leases';
import { Peers } from './peers';
import { createPgAdapter } from './pg-adapter';
import { StoreUnavailable, type Store } from './store';
import { StoreHealth } from './store-health';
import { PgStore, whenReachable } from './store-pg';

export interface AppOptions {
  readonly config: ServerConfig;
  readonly store: Store;
  readonly logger: Logger;
  /** Milliseconds since the epoch; the server's only clock. */
  readonly clock?: () => number;
  /** Draws a room code; tests pass their own to make codes collide. */
  readonly roomCode?: () => string;
}

export interface App {
  /** The listening server: https when the config has a certificate, else plain http. */
  readonly http: HttpServer | HttpsServer;
  readonly io: ClassroomServer;
  readonly classroom: Classroom;
  /** Resolves once the rooms are restored from the store (`listen` waits for it). */
  ready(): Promise<void>;
  /** Starts listening once the rooms are restored; resolves with the port (useful with port 0). */
  listen(port: number, host?: string): Promise<number>;
  /** Stops accepting connections, closes sockets and the store. */
  close(): Promise<void>;
}

export type { ServerConfig } from './config';
export { configFromEnv, DEFAULT_LIMITS, expiryAfter } from './config';
export { SqliteStore, StoreConflict, StoreUnavailable, type RoomChange, type Store } from './store';
export { PgStore } from './store-pg';
export type { Session } from './classroom';

/**
 * WebSocket messages of 16 kB or more are compressed (permessage-deflate): a join's or a
 * resume's answer, a switch of timeline, a delivery of hundreds of messages. They are JSON of
 * many alike records, and shrink about five times, which is most of the wait of a phone on
 * a slow network. The many small messages of a class in play are sent as they are, costing
 * no CPU, and a broadcast of one is framed once for the whole room (fan-out.ts). ws applies
 * the threshold only without context takeover: with it, every message was compressed, and
 * every socket kept a compressor from its first message on. Without it, a socket has one only
 * once it was sent a large message; each message is compressed on its own, which costs these
 * large ones little. Small windows keep a compressor at about 24 kB (zlib's default takes
 * 256 kB); a client's compressed message is still limited by `maxHttpBufferSize` once inflated.
 *
 * ws copies these options for each connection and adds `isServer` and `maxPayload` to its
 * copy; here already, with the values ws gives them, they make the copy equal to these, so
 * each connection can use these instead (fan-out.ts). They spare V8 a hidden class per copy
 * too: added to a copy, they gave each one a class of its own, some 300 bytes a connection.
 */
function websocketCompression(maxPayloadBytes: number) {
  return {
    threshold: 16 * 1024,
    serverNoContextTakeover: true,
    serverMaxWindowBits: 11,
    clientMaxWindowBits: 11,
    zlibDeflateOptions: { level: 6, memLevel: 5 },
    isServer: true,
    maxPayload: maxPayloadBytes,
  } as const;
}

export function createApp({ config, store, logger, clock = Date.now, roomCode }: AppOptions): App {
  const startedAtMs = clock();
  const broadcaster = new SocketBroadcaster();
  const peers = store instanceof PgStore ? new Peers() : undefined;
  // Every save goes through the health watch: /healthz says when saves fail, and the log says why.
  const health = new StoreHealth(logger, clock);
  const classroom = new Classroom({
    store: health.watch(store),
    limits: config.limits,
    broadcaster,
    publicUrl: config.publicUrl,
    roomCode,
    peers,
    onError: (err, what) => logger.error({ err }, what),
    log: logger,
    storeReachable: (reachable) => health.reachable(reachable),
  });
  const restored = restoreWhenReachable(classroom, clock, logger).then((counts) => logger.info(counts, 'rooms restored'));
  restored.catch(() => undefined); // reported by ready() and listen()

  const trust = trustFunction(config.trustProxy ?? false);
  const handler = createHttpApp({ config, classroom, clock, startedAtMs, trust, storeReport: () => health.report });
  const http = config.tls ? tlsServer(config.tls, handler) : createServer(handler);
  const allowed = new Set(config.allowedOrigins);
  const compression = websocketCompression(config.limits.maxMessageBytes);
  const io: ClassroomServer = new Server(http, {
    maxHttpBufferSize: config.limits.maxMessageBytes,
    perMessageDeflate: compression,
    cors: { origin: [...allowed] },
    // Browsers always send Origin; only an allowed one may open a session, by polling or by websocket.
    // An empty or "null" Origin (a sandboxed or file: page) is a foreign one.
    allowRequest: (req, callback) => {
      const origin = req.headers.origin;
      callback(null, origin === undefined || allowed.has(origin));
    },
  });
  const leases = store instanceof PgStore ? new RoomLeases(store, peers!.id, () => classroom.servedRooms(), logger) : undefined;
  if (store instanceof PgStore) {
    io.adapter(createPgAdapter(store, { logger, missed: () => peers!.missed() }));
    // Once the rooms are here: the others' answers to a newcomer (who is online, what is presented) concern them.
    void restored.then(() => {
      peers!.attach(io, clock);
      leases!.start();
    }, () => undefined);
  }
  tuneWebSockets(io, compression.threshold);
  broadcaster.attach(io);
  bindSockets({ io, classroom, broadcaster, limits: config.limits, clock, logger, trust });

  const sweep = setInterval(() => {
    classroom.expire(clock()).then(
      (gone) => {
        if (gone.length) logger.info({ rooms: gone.length }, 'rooms expired');
      },
      // While the database is out of reach, that is said once already (rooms.ts), not every minute.
      (err: unknown) => (err instanceof StoreUnavailable ? undefined : logger.error({ err }, 'expiring rooms failed')),
    );
  }, 60_000);
  sweep.unref();

  return {
    http,
    io,
    classroom,
    ready: () => restored,
    async listen(port, host) {
      await restored;
      return new Promise((resolve, reject) => {
        http.once('error', reject);
        http.listen(port, host, () => resolve((http.address() as AddressInfo).port));
      });
    },
    async close() {
      clearInterval(sweep);
      classroom.stop();
      peers?.stop();
      // Before the sockets close: their clients reconnect to a process that can own the rooms at once.
      await leases?.stop();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await classroom.settled();
      await store.close();
    },
  };
}

/** Restores the rooms; a database that went out of reach since the store was opened (restarting) is waited for, as for opening it. */
function restoreWhenReachable(classroom: Classroom, clock: () => number, logger: Logger): Promise<{ rooms: number; events: number }> {
  return whenReachable(
    () => classroom.restore(clock()),
    (problem, retryInMs) => logger.warn({ reason: problem.message, retryInMs }, 'cannot reach the database (DATABASE_URL): trying again'),
  );
}

/** An https server from the certificate files, or an error that names the file to fix. */
function tlsServer(tls: { certFile: string; keyFile: string }, handler: ReturnType<typeof createHttpApp>): HttpsServer {
  const cert = readTlsFile('TLS_CERT', tls.certFile);
  const key = readTlsFile('TLS_KEY', tls.keyFile);
  try {
    return createTlsServer({ cert, key }, handler);
  } catch (e) {
    throw new Error(
      `TLS_CERT (${tls.certFile}) and TLS_KEY (${tls.keyFile}) must be a PEM certificate and its PEM private key, in that order (${e instanceof Error ? e.message : String(e)})`,
    );
  }
}

function readTlsFile(variable: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new Error(`${variable}: cannot read ${path} (${e instanceof Error ? e.message : String(e)})`);
  }
}
