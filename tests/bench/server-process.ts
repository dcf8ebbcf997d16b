/**
 * A server for bench:server, in its own process: `classroom` runs the real toy-paxos
 * server (SQLite store in a temporary folder, or the PostgreSQL database of DATABASE_URL,
 * shared with other such processes) with limits that let one machine's clients in;
 * `throughput` the same with no budget per person (clients that send as fast as they are
 * answered); `defaults` the same with the documented limits (the flood test); `relay` is the
 * baseline, a bare socket.io server that broadcasts the actions of one event-loop turn to
 * the room as one message, as the classroom does, then acks them. Prints `PORT <n>` when it
 * listens. Asked `heap` over IPC, it collects garbage (run it with --expose-gc) and answers
 * its memory use, the CPU time it has used and, for the classroom, its slowest commit since
 * the last question; asked `commits`, how many commits it made and the events they stored.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Server } from 'socket.io';
import { createApp, DEFAULT_LIMITS, PgStore, SqliteStore, type Store } from '@toy-paxos/server';

/** How long each commit took since the last `heap` question, in ms: the disk's share of the latency. */
let commitTimes: number[] = [];
/** Commits and the events they stored since the start: how many events a commit carries (the group commit's batch). */
let commitsDone = 0;
let eventsCommitted = 0;

/** The real store, timing its commits (each one a transaction synced to the disk). */
function timed<S extends Store>(store: S): S {
  const commit = store.commit.bind(store);
  store.commit = async (changes) => {
    const start = performance.now();
    try {
      await commit(changes);
      commitsDone++;
      for (const c of changes) eventsCommitted += c.events?.length ?? 0;
    } finally {
      commitTimes.push(performance.now() - start);
    }
  };
  return store;
}

const mode = process.argv[2];

if (mode === 'classroom' || mode === 'throughput' || mode === 'defaults') {
  const dataDir = mkdtempSync(join(tmpdir(), 'toy-paxos-bench-'));
  const app = createApp({
    config: {
      port: 0,
      host: '127.0.0.1',
      dataDir,
      allowedOrigins: [],
      publicUrl: 'http://127.0.0.1',
      logLevel: 'silent',
      clientDir: join(dataDir, 'none'),
      // Every bench client comes from 127.0.0.1, so the per-address join limit is lifted;
      // and the audience may grow past the default cap on observers, to find the limit.
      // `defaults` keeps every documented limit, for tests of the limits themselves.
      // The growth of the log and the per-address budget are lifted too: the bench measures
      // what the server can carry, not its limits. `throughput` lifts each person's budget
      // as well, for clients that send as fast as they are answered.
      limits:
        mode === 'defaults'
          ? DEFAULT_LIMITS
          : {
              ...DEFAULT_LIMITS,
              joinsPerMinute: 100_000,
              createsPerMinute: 100,
              observersPerRoomMax: 100_000,
              addressBurst: 100_000,
              addressEventsPerSecond: 100_000,
              roomEventsBurst: 1_000_000,
              roomEventsPerSecond: 1_000_000,
              ...(mode === 'throughput'
                ? { memberEventsBurst: 1_000_000, memberEventsPerSecond: 1_000_000, commandBurst: 1_000_000, commandsPerSecond: 1_000_000 }
                : {}),
            },
    },
    store: timed(process.env.DATABASE_URL ? await PgStore.open(process.env.DATABASE_URL) : new SqliteStore(dataDir)),
    logger: pino({ level: 'silent' }),
  });
  console.log(`PORT ${await app.listen(0, '127.0.0.1')}`);
  // Exit cleanly on SIGINT, so that a --cpu-prof profile is written, and leave no data behind.
  process.on('SIGINT', () =>
    void app.close().then(() => {
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(0);
    }),
  );
} else if (mode === 'relay') {
  // Batched as the classroom batches its commits: the actions that arrive in one turn of the
  // event loop go to the room as one message, then each is acknowledged.
  const http = createServer();
  const io = new Server(http, { maxHttpBufferSize: 16 * 1024 });
  const turn = new Map<string, { payloads: unknown[]; acks: (() => void)[] }>();
  const flush = () => {
    for (const [room, { payloads, acks }] of turn) {
      io.to(room).emit('relay', payloads);
      for (const ack of acks) ack();
    }
    turn.clear();
  };
  io.on('connection', (socket) => {
    socket.on('join', (room: string, ack: () => void) => {
      socket.join(room);
      ack();
    });
    socket.on('act', (payload: { room: string; id: number; body: string }, ack: (r: { ok: true }) => void) => {
      if (turn.size === 0) setImmediate(flush);
      let batch = turn.get(payload.room);
      if (!batch) turn.set(payload.room, (batch = { payloads: [], acks: [] }));
      batch.payloads.push(payload);
      batch.acks.push(() => ack({ ok: true }));
    });
  });
  http.listen(0, '127.0.0.1', () => console.log(`PORT ${(http.address() as { port: number }).port}`));
} else {
  console.error('usage: server-process.ts classroom|throughput|defaults|relay');
  process.exit(2);
}

process.on('message', (message) => {
  if (message === 'commits') return void process.send?.({ commits: commitsDone, events: eventsCommitted });
  if (message !== 'heap') return;
  for (let i = 0; i < 3; i++) (globalThis as { gc?: () => void }).gc?.();
  const { heapUsed, rss, external } = process.memoryUsage();
  const { user, system } = process.cpuUsage();
  const commits = commitTimes;
  commitTimes = [];
  process.send?.({ heapUsed, rss, external, cpuMs: (user + system) / 1000, slowestCommitMs: Math.max(0, ...commits), slowCommits: commits.filter((t) => t > 50).length });
});
