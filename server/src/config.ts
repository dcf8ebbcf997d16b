import { fileURLToPath } from 'node:url';

/** The server's settings. Only `index.ts` reads them from the environment. */
export interface ServerConfig {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** Browser origins allowed to connect; requests without an Origin header (non-browser clients) are allowed. */
  readonly allowedOrigins: readonly string[];
  /** The public address used in join links and QR codes. */
  readonly publicUrl: string;
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
  /** Commands per socket: a burst of `commandBurst`, refilled at `commandsPerSecond`. */
  readonly commandBurst: number;
  readonly commandsPerSecond: number;
  /** Room creations, and joins with a wrong room code, per client address per minute. */
  readonly createsPerMinute: number;
  readonly joinsPerMinute: number;
  /** Bytes in one socket.io message; larger ones close the connection. */
  readonly maxMessageBytes: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  roomsMax: 500,
  nodesPerRoomMax: 400,
  observersPerRoomMax: 50,
  eventsPerRoomMax: 100_000,
  roomTtlMs: 24 * 60 * 60 * 1000,
  commandBurst: 20,
  commandsPerSecond: 10,
  createsPerMinute: 10,
  joinsPerMinute: 30,
  maxMessageBytes: 16 * 1024,
};

/** Reads the configuration from environment variables, with the documented defaults. */
export function configFromEnv(env: NodeJS.ProcessEnv): ServerConfig {
  const port = Number(env.PORT ?? 3000);
  if (env.PORT?.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a port number from 0 to 65535, not "${env.PORT}"`);
  }
  const host = env.HOST ?? '0.0.0.0';
  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/$/, '');
  const origins = env.ALLOWED_ORIGINS
    ? env.ALLOWED_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean)
    : [publicUrl, `http://localhost:${port}`, `http://127.0.0.1:${port}`];
  const ttlHours = Number(env.ROOM_TTL_HOURS ?? 24);
  if (!(ttlHours > 0)) throw new Error(`ROOM_TTL_HOURS must be a positive number, not "${env.ROOM_TTL_HOURS}"`);
  return {
    port,
    host,
    dataDir: env.DATA_DIR ?? './data',
    allowedOrigins: [...new Set(origins)],
    publicUrl,
    logLevel: env.LOG_LEVEL ?? 'info',
    clientDir: env.CLIENT_DIR ?? fileURLToPath(new URL('../../client/dist', import.meta.url)),
    limits: { ...DEFAULT_LIMITS, roomTtlMs: ttlHours * 60 * 60 * 1000 },
  };
}
