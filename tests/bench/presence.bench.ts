/**
 * npm run bench:presence
 * What presence costs while a class joins: 40, 150 and 600 people join one room one after
 * the other (past the 400 nodes a room holds, as observers), and every page counts the bytes
 * of the `room:presence` messages it receives. Prints the bytes the first phone receives
 * (it hears of every later join), the bytes to all pages together, and how long the joins
 * took; then the growth from one size to the next beside the growth of the class. Presence
 * sent as changes grows linearly: the first phone's bytes grow as the class does.
 *
 * `BENCH_BEFORE=/path/to/checkout` runs the same against the server of another checkout
 * (an earlier commit, which sent the whole list on every change) and prints both.
 * The server runs in its own process, the pages here. A benchmark, not a test.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Socket } from 'socket.io-client';
import { LIMITS } from '@toy-paxos/shared';
import { open } from './latency';
import { spawnServer, stopServer } from './spawn-server';

const SIZES = (process.env.BENCH_SIZES ?? '40,150,600').split(',').map(Number);

interface Run {
  readonly people: number;
  /** Bytes of `room:presence` the first page to join received while the others joined. */
  readonly firstPhone: number;
  /** The same, summed over every page. */
  readonly all: number;
  readonly messages: number;
  readonly joinS: number;
  readonly load: number;
}

/** Counts the bytes of the `room:presence` packets a page receives, as they come off the WebSocket. */
function countPresence(s: Socket, into: { bytes: number; messages: number }): void {
  s.io.engine.on('packet', (p: { data?: unknown }) => {
    if (typeof p.data === 'string' && p.data.startsWith('2["room:presence"')) {
      into.bytes += Buffer.byteLength(p.data);
      into.messages++;
    }
  });
}

async function run(people: number, cwd?: string): Promise<Run> {
  const { child, url } = await spawnServer('classroom', { cwd });
  try {
    const { protocolVersion: v } = (await (await fetch(`${url}/healthz`)).json()) as { protocolVersion: number };
    const { code } = (await (await fetch(`${url}/api/rooms`, { method: 'POST' })).json()) as { code: string };
    const pages: Socket[] = [];
    const counts: { bytes: number; messages: number }[] = [];
    const started = performance.now();
    for (let i = 0; i < people; i++) {
      const s = await open(url);
      const count = { bytes: 0, messages: 0 };
      countPresence(s, count);
      const role = i < LIMITS.nodesMax ? 'student' : 'observer';
      const ack = (await s.emitWithAck('room:join', { v, code, name: `S${i}`, role })) as { ok: boolean };
      if (!ack.ok) throw new Error(`join ${i} refused: ${JSON.stringify(ack)}`);
      pages.push(s);
      counts.push(count);
    }
    const joinS = (performance.now() - started) / 1000;
    // The last joins' messages are on their way: a round trip on every page lets them land.
    await Promise.all(pages.map((s) => s.emitWithAck('room:confirm', {})));
    for (const s of pages) s.close();
    return {
      people,
      firstPhone: counts[0]!.bytes,
      all: counts.reduce((sum, c) => sum + c.bytes, 0),
      messages: counts.reduce((sum, c) => sum + c.messages, 0),
      joinS,
      load: loadavg()[0]!,
    };
  } finally {
    await stopServer(child, 'SIGINT');
  }
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(bytes < 1e6 ? 3 : 1)} MB`;

async function series(label: string, cwd?: string): Promise<Run[]> {
  const runs: Run[] = [];
  for (const people of SIZES) {
    const r = await run(people, cwd);
    runs.push(r);
    console.log(
      `${label}: ${String(people).padStart(4)} join   first phone ${mb(r.firstPhone).padStart(9)} (${(r.firstPhone / people).toFixed(0).padStart(6)} B a join)   all pages ${mb(r.all).padStart(9)} in ${r.messages} messages   joins took ${r.joinS.toFixed(1)} s   load ${r.load.toFixed(2)}`,
    );
  }
  for (let i = 1; i < runs.length; i++) {
    const [a, b] = [runs[i - 1]!, runs[i]!];
    console.log(
      `${label}: ${a.people} -> ${b.people} people (x${(b.people / a.people).toFixed(2)}): first phone x${(b.firstPhone / a.firstPhone).toFixed(2)}, all pages x${(b.all / a.all).toFixed(2)}`,
    );
  }
  return runs;
}

console.log(`toy-paxos bench:presence: ${SIZES.join(', ')} people join one room (students up to ${LIMITS.nodesMax}, then observers); bytes of room:presence received`);
const now = await series('now');
const beforeDir = process.env.BENCH_BEFORE;
if (beforeDir) {
  const before = await series('before', beforeDir);
  for (const [i, b] of before.entries()) {
    const n = now[i]!;
    console.log(`${n.people} people: the first phone receives ${(b.firstPhone / n.firstPhone).toFixed(0)}x fewer bytes of presence, all pages ${(b.all / n.all).toFixed(0)}x fewer; joins ${b.joinS.toFixed(1)} s before, ${n.joinS.toFixed(1)} s now`);
  }
}
process.exit(0);
