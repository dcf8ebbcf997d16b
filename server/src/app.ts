/**
 * The composition root: wires the store, the classroom, Express and socket.io.
 * Only `index.ts` reads the environment and listens; tests call `createApp` with
 * their own store, clock and port 0.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import type { Logger } from 'pino';
import { Classroom } from './classroom';
import type { ServerConfig } from './config';
import { createHttpApp } from './http';
import { bindSockets, SocketBroadcaster, type ClassroomServer } from './socket';
import type { Store } from './store';

export interface AppOptions {
  readonly config: ServerConfig;
  readonly store: Store;
  readonly logger: Logger;
  /** Milliseconds since the epoch; the server's only clock. */
  readonly clock?: () => number;
}

export interface App {
  readonly http: HttpServer;
  readonly io: ClassroomServer;
  readonly classroom: Classroom;
  /** Starts listening; resolves with the port (useful with port 0). */
  listen(port: number, host?: string): Promise<number>;
  /** Stops accepting connections, closes sockets and the store. */
  close(): Promise<void>;
}

export type { ServerConfig } from './config';
export { configFromEnv, DEFAULT_LIMITS } from './config';
export { SqliteStore, type RoomChange, type Store } from './store';
export type { Session } from './classroom';

export function createApp({ config, store, logger, clock = Date.now }: AppOptions): App {
  const startedAtMs = clock();
  const broadcaster = new SocketBroadcaster();
  const classroom = new Classroom({ store, limits: config.limits, broadcaster, publicUrl: config.publicUrl });
  const restored = classroom.restore(clock());
  logger.info(restored, 'rooms restored');

  const http = createServer(createHttpApp({ config, classroom, clock, startedAtMs }));
  const allowed = new Set(config.allowedOrigins);
  const io: ClassroomServer = new Server(http, {
    maxHttpBufferSize: config.limits.maxMessageBytes,
    cors: { origin: [...allowed] },
    // Browsers always send Origin; only an allowed one may open a session, by polling or by websocket.
    allowRequest: (req, callback) => {
      const origin = req.headers.origin;
      callback(null, origin === undefined || allowed.has(origin));
    },
  });
  broadcaster.attach(io);
  bindSockets({ io, classroom, broadcaster, limits: config.limits, clock, logger });

  const sweep = setInterval(() => {
    classroom.expire(clock()).then(
      (gone) => {
        if (gone.length) logger.info({ rooms: gone.length }, 'rooms expired');
      },
      (err: unknown) => logger.error({ err }, 'expiring rooms failed'),
    );
  }, 60_000);
  sweep.unref();

  return {
    http,
    io,
    classroom,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        http.once('error', reject);
        http.listen(port, host, () => resolve((http.address() as AddressInfo).port));
      });
    },
    async close() {
      clearInterval(sweep);
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await classroom.settled();
      await store.close();
    },
  };
}
