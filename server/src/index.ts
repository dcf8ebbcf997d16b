/** Starts the classroom server: the only place that reads the environment and listens. */
import { networkInterfaces } from 'node:os';
import pino from 'pino';
import { configFromEnv, createApp, SqliteStore } from './app';
import { startupBanner } from './network';

const config = configFromEnv(process.env, networkInterfaces());
const logger = pino({ level: config.logLevel, redact: ['token', '*.token', 'instructorToken', '*.instructorToken'] });
const store = new SqliteStore(config.dataDir);
const app = createApp({ config, store, logger });
const port = await app.listen(config.port, config.host);
logger.info(
  { url: config.reachable?.local, port, publicUrl: config.publicUrl, dataDir: config.dataDir, origins: config.allowedOrigins, trustProxy: config.trustProxy, tls: Boolean(config.tls) },
  'toy-paxos classroom is listening',
);
if (config.reachable) console.log(startupBanner(config.reachable, config.publicUrl, config.publicUrlSet ?? false));

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
