/**
 * Starts the classroom server: the only place that reads the environment and listens. In a
 * process that cluster.ts started, the primary listens and hands each connection over
 * (router.ts, in @socket.io/sticky's messages), so this process only serves.
 */
import cluster from 'node:cluster';
import { networkInterfaces } from 'node:os';
import { setupWorker } from '@socket.io/sticky';
import pino from 'pino';
import { createApp, PgStore, SqliteStore, type Store } from './app';
import { configOrStop } from './config';
import { cannotStart, startupBanner } from './network';

/** Ends a failed start-up with one sentence an instructor can act on. */
function stop(problem: unknown): never {
  return cannotStart(problem, process.env);
}

const config = configOrStop(process.env, networkInterfaces());
const logger = pino({ level: config.logLevel, redact: ['token', '*.token', 'instructorToken', '*.instructorToken'] });
// The last net under the classroom's own guards (commit.ts, rooms.ts): a promise that fails
// with nobody to hear it is a bug, logged where an operator sees it; it does not end a class.
process.on('unhandledRejection', (err) => logger.error({ err }, 'a promise failed with nothing to handle it (a bug): the server goes on'));
let app: ReturnType<typeof createApp>;
try {
  // DATABASE_URL: many processes share one PostgreSQL database; else the SQLite file under DATA_DIR.
  // A database that is not up yet (starting after this process, or restarting) is waited for.
  const store: Store = config.databaseUrl
    ? await PgStore.openWhenReachable(config.databaseUrl, (problem, retryInMs) =>
        logger.warn({ reason: problem.message, retryInMs }, 'cannot reach the database (DATABASE_URL): trying again'),
      )
    : new SqliteStore(config.dataDir);
  app = createApp({ config, store, logger });
} catch (e) {
  stop(e);
}
if (cluster.isWorker) {
  await app.ready().catch(stop);
  setupWorker(app.io);
  process.send?.('ready');
  logger.info({ pid: process.pid }, 'toy-paxos classroom process is serving');
} else {
  await listen(app);
}

async function listen(app: ReturnType<typeof createApp>): Promise<void> {
  const port = await app.listen(config.port, config.host).catch(stop);
  logger.info(
    { url: config.reachable?.local, port, publicUrl: config.publicUrl, store: config.databaseUrl ? 'postgresql' : 'sqlite', dataDir: config.dataDir, origins: config.allowedOrigins, trustProxy: config.trustProxy, tls: Boolean(config.tls) },
  'toy-paxos classroom is listening',
  );
  if (config.reachable) console.log(startupBanner(config.reachable, config.publicUrl, config.publicUrlSet ?? false));
}

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
