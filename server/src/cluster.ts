/**
 * `npm run start:cluster`: the classroom server in several processes on one machine, so
 * that its cores are used. This primary process listens on PORT and hands each connection
 * to a server process (index.ts) with @socket.io/sticky, which keeps a socket.io session's
 * long-polling requests on the process that opened it; the server processes share the
 * PostgreSQL database of DATABASE_URL and reach each other through its adapter. A server
 * process that dies is replaced; its clients reconnect to the others meanwhile.
 */
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import { availableParallelism, networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setupMaster } from '@socket.io/sticky';
import { configOrStop } from './config';
import { cannotStart, startupBanner } from './network';

function stop(problem: unknown): never {
  return cannotStart(problem, process.env);
}

const config = configOrStop(process.env, networkInterfaces());
if (!config.databaseUrl) stop('start:cluster needs DATABASE_URL (postgres://...): the processes share their rooms through PostgreSQL');
if (config.tls) stop('start:cluster speaks plain http (sticky sessions cannot read TLS): leave TLS_CERT and TLS_KEY unset and put https in a reverse proxy');
const processes = Number(process.env.PROCESSES ?? availableParallelism());
if (!Number.isInteger(processes) || processes < 1 || processes > 64) stop(`PROCESSES must be a whole number from 1 to 64, not "${process.env.PROCESSES}"`);

const http = createServer();
// A new session goes to the process with the fewest; its later requests to the same one.
setupMaster(http, { loadBalancingMethod: 'least-connection' });
cluster.setupPrimary({ exec: fileURLToPath(new URL('./index.ts', import.meta.url)), execArgv: ['--import', 'tsx'], serialization: 'advanced' });

let closing = false;
const started = new Promise<void>((resolve) => {
  let ready = 0;
  cluster.on('message', (_worker, message) => {
    if (message === 'ready' && ++ready === processes) resolve();
  });
});
cluster.on('exit', (worker, code, signal) => {
  if (closing) return;
  console.error(`toy-paxos: server process ${worker.process.pid} stopped (${signal ?? `exit ${code}`}); starting another`);
  cluster.fork();
});
for (let i = 0; i < processes; i++) cluster.fork();
await started;
http.once('error', stop);
http.listen(config.port, config.host, () => {
  if (config.reachable) console.log(startupBanner(config.reachable, config.publicUrl, config.publicUrlSet ?? false));
  console.log(`  ${processes} server processes share ${new URL(config.databaseUrl!).host}.`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    http.close();
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    cluster.on('exit', () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    });
  });
}
