/**
 * npm run bench:join
 * The cost of a large room: opens a room from a script of 99,397 events
 * (99 nodes, 1,003 promise requests to all: near the 100,000-event limit), then prints the
 * server's memory for it, and what a student joining it downloads and how long until the
 * page is live (the join's answer received and read). Targets: 2 MB, 1 s, 30 MB per room.
 *
 * The server runs in its own process (tests/bench/server-process.ts); the student here. A
 * benchmark, not a test: it prints figures and never fails a build.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { io as connect } from 'socket.io-client';
import { HISTORY_EVENTS_MAX, PROTOCOL_VERSION } from '@toy-paxos/shared';

const NODES = Array.from({ length: 99 }, (_, i) => `N${i}`).join(' ');
const SCRIPT = `nodes ${NODES}\npropose N0\n${'promise N0 -> all\n'.repeat(1003)}`;

interface Heap {
  heapUsed: number;
  rss: number;
  /** Memory outside the JavaScript heap: the compressed chunks of the room's events. */
  external: number;
}

const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', 'tests/bench/server-process.ts', 'classroom'], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
const url = await new Promise<string>((resolve, reject) => {
  child.stdout!.on('data', (chunk: Buffer) => {
    const m = /PORT (\d+)/.exec(chunk.toString());
    if (m) resolve(`http://127.0.0.1:${m[1]}`);
  });
  child.once('exit', (code) => reject(new Error(`the server exited with ${code}`)));
});
const heap = () =>
  new Promise<Heap>((resolve) => {
    child.once('message', (m) => resolve(m as Heap));
    child.send('heap');
  });

try {
  const before = await heap();
  const started = performance.now();
  const res = await fetch(`${url}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ import: { name: 'big.paxos', text: SCRIPT } }) });
  if (res.status !== 201) throw new Error(`import refused: ${res.status} ${await res.text()}`);
  const { code } = (await res.json()) as { code: string };
  console.log(`import of a 99,397-event script: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const after = await heap();
  const held = after.heapUsed - before.heapUsed + (after.external - before.external);
  console.log(
    `server memory for the room: ${(held / 1e6).toFixed(1)} MB (heap and buffers; target: 30 MB); RSS grew ${((after.rss - before.rss) / 1e6).toFixed(1)} MB, which counts memory the import freed but the process keeps`,
  );

  const socket = connect(url, { transports: ['websocket'], forceNew: true, reconnection: false });
  await new Promise((resolve) => socket.once('connect', () => resolve(undefined)));
  let bytes = 0;
  socket.io.engine.on('packet', (p: { data?: unknown }) => {
    if (typeof p.data === 'string') bytes += Buffer.byteLength(p.data);
  });
  const joinStart = performance.now();
  const ack = (await socket.emitWithAck('room:join', { v: PROTOCOL_VERSION, code, name: 'Student', role: 'student' })) as { ok: boolean; session?: { records: unknown[] } };
  const liveMs = performance.now() - joinStart;
  if (!ack.ok) throw new Error(`join refused: ${JSON.stringify(ack)}`);
  console.log(`a student's join: ${(bytes / 1e6).toFixed(2)} MB downloaded (${ack.session!.records.length} records; target: 2 MB), live after ${(liveMs / 1000).toFixed(2)} s (target: 1 s)`);

  // What the replay tools fetch before they open: every earlier event, without text, in pages.
  const earlier = (ack.session as unknown as { base: { seq: number } }).base.seq;
  const historyStart = performance.now();
  bytes = 0;
  let waits = 0;
  for (let from = 1; from <= earlier; ) {
    const page = (await socket.emitWithAck('room:history', { from, to: Math.min(earlier, from + HISTORY_EVENTS_MAX - 1) })) as { ok: boolean; error?: { code: string } };
    // The server paces history: wait as the web client does, and ask again.
    if (!page.ok && page.error?.code === 'rate-limited') {
      waits++;
      await new Promise((resolve) => setTimeout(resolve, 500));
      continue;
    }
    if (!page.ok) throw new Error(`room:history refused: ${JSON.stringify(page)}`);
    from += HISTORY_EVENTS_MAX;
  }
  console.log(`the whole earlier log for the replay (${earlier.toLocaleString('en')} events, no text): ${(bytes / 1e6).toFixed(1)} MB in ${((performance.now() - historyStart) / 1000).toFixed(2)} s, paced by the server ${waits} times`);
  socket.close();
} finally {
  child.kill('SIGINT');
}
