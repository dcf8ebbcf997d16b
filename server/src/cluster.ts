/**
 * `npm run start:cluster`: the classroom server in several processes on one machine, so
 * that its cores are used. This primary process listens on PORT and hands each connection
 * to a server process (index.ts): every client of a room to the room's process, by the room
 * code the web client puts in its socket.io address, and the requests of one socket.io
 * session to the process that opened it (router.ts). The server processes share the
 * PostgreSQL database of DATABASE_URL and reach each other through its adapter. A server
 * process that dies is replaced; its rooms' clients reconnect to the others meanwhile, and
 * to the replacement once it serves.
 */
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import { availableParallelism, networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import { configOrStop } from './config';
import { cannotStart, startupBanner } from './network';
import { routeConnections, WorkerSlots } from './router';

function stop(problem: unknown): never {
  return cannotStart(problem, process.env);
}

const config = configOrStop(process.env, networkInterfaces());
if (!config.databaseUrl) stop('start:cluster needs DATABASE_URL (postgres://...): the processes share their rooms through PostgreSQL');
if (config.tls) stop('start:cluster speaks plain http (sticky sessions cannot read TLS): leave TLS_CERT and TLS_KEY unset and put https in a reverse proxy');
const processes = Number(process.env.PROCESSES ?? availableParallelism());
if (!Number.isInteger(processes) || processes < 1 || processes > 64) stop(`PROCESSES must be a whole number from 1 to 64, not "${process.env.PROCESSES}"`);

const http = createServer();
const slots = new WorkerSlots();
routeConnections(http, slots);
// cluster-worker.cjs first: it hears the channel's errors from the start of each process.
const workerArgs = ['--require', fileURLToPath(new URL('./cluster-worker.cjs', import.meta.url)), '--import', 'tsx'];
cluster.setupPrimary({ exec: fileURLToPath(new URL('./index.ts', import.meta.url)), execArgv: workerArgs, serialization: 'advanced' });

let closing = false;
const started = new Promise<void>((resolve) => {
  let ready = 0;
  cluster.on('message', (worker, message) => {
    if (message !== 'ready') return;
    slots.ready(worker);
    if (++ready === processes) resolve();
  });
});
/** Starts a server process in `slot`: its rooms go to it once it is ready. */
const fork = (slot: number) => slots.fill(cluster.fork(), slot);
cluster.on('exit', (worker, code, signal) => {
  // Its rooms go to the other processes at once, and back to its slot's replacement once it serves.
  const slot = slots.vacate(worker);
  if (closing || slot === undefined) return;
  console.error(`toy-paxos: server process ${worker.process.pid} stopped (${signal ?? `exit ${code}`}); starting another`);
  fork(slot);
});
for (let slot = 0; slot < processes; slot++) fork(slot);
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
