/** Starts the classroom server: the only place that reads the environment and listens. */
import { networkInterfaces } from 'node:os';
import pino from 'pino';
import { configFromEnv, createApp, SqliteStore } from './app';
import { startupBanner } from './network';

/** A start-up problem an instructor can fix (a setting, a busy port): one sentence, no stack. */
function stop(e: unknown): never {
  const code = (e as { code?: string }).code;
  const message =
    code === 'EADDRINUSE'
      ? `port ${process.env.PORT ?? 3000} is in use: stop the other server, or choose another port with PORT=3001`
      : code === 'EADDRNOTAVAIL'
        ? `HOST ${process.env.HOST} is not an address of this computer: leave HOST unset to listen on every address`
        : code === 'EACCES'
          ? `port ${process.env.PORT} needs administrator rights: choose a port above 1023, such as PORT=3000`
          : e instanceof Error
            ? e.message
            : String(e);
  console.error(`toy-paxos cannot start: ${message}`);
  process.exit(2);
}

let config: ReturnType<typeof configFromEnv>;
try {
  config = configFromEnv(process.env, networkInterfaces());
} catch (e) {
  stop(e);
}
const logger = pino({ level: config.logLevel, redact: ['token', '*.token', 'instructorToken', '*.instructorToken'] });
let app: ReturnType<typeof createApp>;
try {
  app = createApp({ config, store: new SqliteStore(config.dataDir), logger });
} catch (e) {
  stop(e);
}
const port = await app.listen(config.port, config.host).catch(stop);
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
