/** Starts the classroom server: the only place that reads the environment and listens. */
import pino from 'pino';
import { configFromEnv, createApp, SqliteStore } from './app';

const config = configFromEnv(process.env);
const logger = pino({ level: config.logLevel, redact: ['token', '*.token', 'instructorToken', '*.instructorToken'] });
const store = new SqliteStore(config.dataDir);
const app = createApp({ config, store, logger });
const port = await app.listen(config.port, config.host);
logger.info({ url: `http://localhost:${port}`, dataDir: config.dataDir, origins: config.allowedOrigins }, 'toy-paxos classroom is listening');
console.log(`toy-paxos classroom: http://localhost:${port}`);

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
