/**
 * npm run bench:server -- --processes N
 * The classroom on one SQLite process (the default set-up), on one process with PostgreSQL,
 * and on N processes sharing one PostgreSQL database, in the same run. Every client of a room
 * is on the room's process, room r on process r mod N, as the cluster's router puts them
 * (CLUSTER.md, "Routing"):
 *
 * - latency: 300 clients (BENCH_CLIENTS) in one room, each acting every 2 to 4 seconds; p50
 *   and p99 from an action to the last client receiving it (15 s, BENCH_SECONDS, after a
 *   3 s warm-up);
 * - events committed per second in one room: 40 students each sending a proposal as soon as
 *   the last one is answered, for 10 s;
 * - the same in 50 rooms of 4 students each.
 *
 * Then the ratio of each to the single SQLite process, and of N processes to one on
 * PostgreSQL, with the proposals refused and the machine's load average. The 50 rooms on
 * one process and on N with PostgreSQL are measured again in turns, for 3 rounds in all
 * (BENCH_ROUNDS), and the median of each round's ratio printed. PostgreSQL is a throwaway server on
 * this machine (tests/support/postgres-server.ts); servers and the database share its cores
 * with the clients. A benchmark: it prints figures and never fails a build.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Socket } from 'socket.io-client';
import { PROTOCOL_VERSION, type LogRecord, type SessionInfo } from '@toy-paxos/shared';
import { createDatabase, startPostgres } from '../support/postgres-server';
import { drive, median, open, percentile, WARMUP_S } from './latency';
import { ownCpuMs, processCpuMs, treeCpuMs } from './process-cpu';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 300);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const THROUGHPUT_S = 10;
/** Rounds of the 50-room measure on PostgreSQL, one process and N in turns. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** A folder: each server process writes a CPU profile there (node --cpu-prof) when it stops. */
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF;

interface Setup {
  readonly label: string;
  readonly processes: number;
  readonly postgres: boolean;
}

interface Figures {
  readonly p50: number;
  readonly p99: number;
  readonly incomplete: number;
  readonly oneRoom: number;
  readonly fiftyRooms: number;
  /** Proposals refused in one room and in 50 (a conflict decided again 8 times, then refused). */
  readonly refused: readonly [number, number];
  /** The machine's 1-minute load average at the end of the set-up's measures. */
  readonly load: number;
  /** Where the CPU went in the 50-room measure. */
  readonly cpu: CpuShares;
}

/** The processes whose CPU a measure counts: the servers, and PostgreSQL's postmaster (null: a server not started here). */
interface Watched {
  readonly children: readonly ChildProcess[];
  readonly servers: readonly number[];
  readonly postgres: number | null;
}

/** Each process's share of one core over a measure (1 = a whole core), and the whole machine's. */
interface CpuShares {
  readonly servers: readonly number[];
  readonly postgres: number | null;
  /** This process, which runs every client. */
  readonly clients: number;
  /** Every process of the machine, this bench's and any other work (from /proc/stat). */
  readonly machine: number;
  /** Events per commit, over every server process (the group commit's batch). */
  readonly eventsPerCommit: number;
}

/** The commits a server process has made and the events they stored (server-process.ts). */
function commitsOf(child: ChildProcess): Promise<{ commits: number; events: number }> {
  return new Promise((resolve) => {
    const heard = (m: unknown) => {
      if (typeof m !== 'object' || m === null || !('commits' in m)) return;
      child.off('message', heard);
      resolve(m as { commits: number; events: number });
    };
    child.on('message', heard);
    child.send('commits');
  });
}

/** The commits and events of all `children` so far. */
async function commitsOfAll(children: readonly ChildProcess[]): Promise<{ commits: number; events: number }> {
  const each = await Promise.all(children.map(commitsOf));
  return { commits: each.reduce((n, c) => n + c.commits, 0), events: each.reduce((n, c) => n + c.events, 0) };
}

/** The machine's busy CPU time in ms, every core (/proc/stat's first line, without idle and iowait). */
function machineCpuMs(): number {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
  // user nice system idle iowait irq softirq steal: all but idle (3) and iowait (4).
  return ticks.slice(0, 8).reduce((sum, t, i) => (i === 3 || i === 4 ? sum : sum + t), 0) * 10;
}

/** Starts counting the CPU of `watched`; the function it returns stops and gives each share. */
async function countCpu(watched: Watched): Promise<() => Promise<CpuShares>> {
  const commitsBefore = await commitsOfAll(watched.children);
  const take = () => ({
    at: performance.now(),
    servers: watched.servers.map(processCpuMs),
    postgres: watched.postgres === null ? null : treeCpuMs(watched.postgres),
    clients: ownCpuMs(),
    machine: machineCpuMs(),
  });
  const before = take();
  return async () => {
    const after = take();
    const commitsAfter = await commitsOfAll(watched.children);
    const share = (ms: number) => ms / (after.at - before.at);
    return {
      eventsPerCommit: (commitsAfter.events - commitsBefore.events) / Math.max(1, commitsAfter.commits - commitsBefore.commits),
      servers: after.servers.map((ms, i) => share(ms - before.servers[i]!)),
      postgres: after.postgres === null ? null : share(after.postgres - before.postgres!),
      clients: share(after.clients - before.clients),
      machine: share(after.machine - before.machine),
    };
  };
}

/** The shares of one core, and the CPU time each event committed cost this bench's processes (less noisy than events/s on a shared machine). */
function sharesLine(cpu: CpuShares, perSecond: number): string {
  const percent = (share: number) => `${Math.round(share * 100)}%`;
  const perEvent = (share: number) => `${Math.round((share / perSecond) * 1e6)}`;
  const servers = cpu.servers.reduce((a, b) => a + b, 0);
  const serverShares = cpu.servers.map((s, i) => (cpu.servers.length > 1 ? `server ${i + 1} ${percent(s)}` : `server ${percent(s)}`)).join(', ');
  const postgres = cpu.postgres === null ? 'PostgreSQL not counted (not started here)' : `PostgreSQL ${percent(cpu.postgres)}`;
  const costs = `CPU per event ${cpuPerEventUs(cpu, perSecond)} µs (servers ${perEvent(servers)}, ${cpu.postgres === null ? '' : `PostgreSQL ${perEvent(cpu.postgres)}, `}clients ${perEvent(cpu.clients)})`;
  return `${serverShares}, ${postgres}, clients ${percent(cpu.clients)}; the machine ${percent(cpu.machine)} of ${availableParallelism() * 100}%; ${costs}; ${cpu.eventsPerCommit.toFixed(1)} events a commit`;
}

/** The server processes of a set-up, each with no budget per person (server-process.ts `throughput`). */
async function startServers(setup: Setup, postgresUrl: string): Promise<{ children: ChildProcess[]; urls: string[] }> {
  const env = setup.postgres ? { ...process.env, DATABASE_URL: await createDatabase(postgresUrl) } : process.env;
  const children: ChildProcess[] = [];
  const urls: string[] = [];
  for (let i = 0; i < setup.processes; i++) {
    const profile = CPU_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF_DIR] : [];
    const child = spawn(process.execPath, ['--expose-gc', ...profile, '--import', 'tsx', 'tests/bench/server-process.ts', 'throughput'], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], env });
    children.push(child);
    urls.push(
      await new Promise<string>((resolve, reject) => {
        child.stdout!.on('data', (chunk: Buffer) => {
          const m = /PORT (\d+)/.exec(chunk.toString());
          if (m) resolve(`http://127.0.0.1:${m[1]}`);
        });
        child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
      }),
    );
  }
  return { children, urls };
}

async function createRoom(url: string): Promise<string> {
  const res = await fetch(`${url}/api/rooms`, { method: 'POST' });
  if (res.status !== 201) throw new Error(`room creation failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { code: string }).code;
}

/** `count` students of room `code`, all on the room's process at `url`: their sockets and nodes. */
async function students(url: string, code: string, count: number): Promise<{ sockets: Socket[]; nodes: string[] }> {
  const sockets: Socket[] = [];
  const nodes: string[] = [];
  for (let i = 0; i < count; i++) {
    const s = await open(url);
    const ack = (await s.emitWithAck('room:join', { v: PROTOCOL_VERSION, code, name: `S${i}`, role: 'student' })) as { ok: boolean; session: SessionInfo };
    if (!ack.ok) throw new Error(`join failed: ${JSON.stringify(ack)}`);
    sockets.push(s);
    nodes.push(ack.session.node!);
  }
  return { sockets, nodes };
}

/** p50 and p99 from an action to its broadcast reaching the last of `clients` students in one room. */
async function latency(urls: readonly string[]): Promise<Pick<Figures, 'p50' | 'p99' | 'incomplete'>> {
  const { sockets, nodes } = await students(urls[0]!, await createRoom(urls[0]!), CLIENTS);
  const result = await drive(
    sockets,
    sockets.length,
    SECONDS,
    async (s, i) => {
      // As in the single-process bench: a new proposal, or a promise request to one other node.
      const proposing = Math.random() < 0.5;
      const to = nodes[(i + 1 + Math.floor(Math.random() * (nodes.length - 1))) % nodes.length]!;
      const ack = (await s.emitWithAck(proposing ? 'node:propose' : 'node:promise', proposing ? { value: `V${i}` } : { to: [to] })) as { ok: boolean; seqs?: number[] };
      if (ack.ok && ack.seqs?.length) return String(ack.seqs.at(-1));
      if (proposing) return null;
      const again = (await s.emitWithAck('node:propose', { value: `V${i}` })) as { ok: boolean; seqs?: number[] };
      return again.ok && again.seqs?.length ? String(again.seqs.at(-1)) : null;
    },
    (s, handler) => s.on('room:records', ({ records }: { records: LogRecord[] }) => handler(records.map((r) => String(r.seq)))),
  );
  for (const s of sockets) s.close();
  return { p50: percentile(result.latencies, 50), p99: percentile(result.latencies, 99), incomplete: result.incomplete };
}

/**
 * Events committed per second in `rooms` rooms of `perRoom` students, each proposing again
 * as soon as it is answered, and the CPU share of each of `watched` meanwhile.
 */
async function throughput(urls: readonly string[], watched: Watched, rooms: number, perRoom: number): Promise<{ perSecond: number; refused: number; cpu: CpuShares }> {
  const all: Socket[] = [];
  for (let r = 0; r < rooms; r++) {
    const url = urls[r % urls.length]!;
    all.push(...(await students(url, await createRoom(url), perRoom)).sockets);
  }
  let committed = 0;
  let refused = 0;
  const start = performance.now() + WARMUP_S * 1000;
  const end = start + THROUGHPUT_S * 1000;
  const counted = new Promise<CpuShares>((resolve) =>
    setTimeout(() => {
      void countCpu(watched).then((stop) => setTimeout(() => void stop().then(resolve), end - performance.now()));
    }, start - performance.now()),
  );
  await Promise.all(
    all.map(async (s, i) => {
      while (performance.now() < end) {
        const ack = (await s.emitWithAck('node:propose', { value: `V${i}` })) as { ok: boolean; seqs?: number[] };
        if (performance.now() < start) continue;
        if (ack.ok) committed += ack.seqs?.length ?? 0;
        else refused++;
      }
    }),
  );
  for (const s of all) s.close();
  return { perSecond: committed / THROUGHPUT_S, refused, cpu: await counted };
}

/** Runs one measure on fresh servers (and database), so that one measure's rooms do not weigh on the next. */
async function onFreshServers<T>(setup: Setup, postgresUrl: string, postgresPid: number | null, what: (urls: string[], watched: Watched) => Promise<T>): Promise<T> {
  const { children, urls } = await startServers(setup, postgresUrl);
  try {
    return await what(urls, { children, servers: children.map((c) => c.pid!), postgres: postgresPid });
  } finally {
    for (const c of children) c.kill('SIGINT');
    await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
  }
}

/** Events committed per second in 50 rooms of 4 on `setup`, and the CPU meanwhile. */
function fiftyRooms(setup: Setup, postgresUrl: string, postgresPid: number | null): ReturnType<typeof throughput> {
  return onFreshServers(setup, postgresUrl, postgresPid, (urls, watched) => throughput(urls, watched, 50, 4));
}

/** `postgresPid`: the PostgreSQL server's process, when this bench started it (its CPU is counted). */
async function measure(setup: Setup, postgresUrl: string, postgresPid: number | null): Promise<Figures> {
  const run = <T>(what: (urls: string[], watched: Watched) => Promise<T>): Promise<T> => onFreshServers(setup, postgresUrl, postgresPid, what);
  const lat = await run(latency);
  const one = await run((urls, watched) => throughput(urls, watched, 1, 40));
  const fifty = await fiftyRooms(setup, postgresUrl, postgresPid);
  const figures: Figures = { ...lat, oneRoom: one.perSecond, fiftyRooms: fifty.perSecond, refused: [one.refused, fifty.refused], load: loadavg()[0]!, cpu: fifty.cpu };
  console.log(
    `${setup.label.padEnd(30)} p50 ${figures.p50.toFixed(1).padStart(6)} ms   p99 ${figures.p99.toFixed(1).padStart(6)} ms   incomplete ${figures.incomplete}   one room ${figures.oneRoom.toFixed(0).padStart(5)} events/s   50 rooms ${figures.fiftyRooms.toFixed(0).padStart(5)} events/s   refused ${one.refused} + ${fifty.refused}   load average ${figures.load.toFixed(2)}`,
  );
  console.log(`${''.padEnd(30)} CPU in the 50 rooms, as a share of one core: ${sharesLine(figures.cpu, figures.fiftyRooms)}`);
  return figures;
}

/**
 * The 50 rooms again, one process and N on PostgreSQL in turns, for ROUNDS rounds in all
 * (the first is the measure above): from one run to the next the figure swings by as much
 * as the two set-ups differ, so the ratio is each round's, and their median.
 */
async function fiftyRoomsInTurns(one: Setup, many: Setup, first: number, postgresUrl: string, postgresPid: number | null): Promise<void> {
  const ratios = [first];
  for (let round = 2; round <= ROUNDS; round++) {
    const a = await fiftyRooms(one, postgresUrl, postgresPid);
    const b = await fiftyRooms(many, postgresUrl, postgresPid);
    ratios.push(b.perSecond / a.perSecond);
    console.log(
      `50 rooms, round ${round}: ${one.label} ${a.perSecond.toFixed(0)} events/s (CPU per event ${cpuPerEventUs(a.cpu, a.perSecond)} µs), ${many.label} ${b.perSecond.toFixed(0)} events/s (${cpuPerEventUs(b.cpu, b.perSecond)} µs): ${ratios.at(-1)!.toFixed(2)}x, refused ${a.refused} + ${b.refused}, load average ${loadavg()[0]!.toFixed(2)}`,
    );
  }
  console.log(`50 rooms, ${many.label} / ${one.label}, median of ${ratios.length} rounds: ${median(ratios).toFixed(2)}x (each round: ${ratios.map((r) => r.toFixed(2)).join(', ')})`);
}

/** The CPU time of this bench's processes per event committed, in µs. */
function cpuPerEventUs(cpu: CpuShares, perSecond: number): number {
  const ours = cpu.servers.reduce((a, b) => a + b, 0) + (cpu.postgres ?? 0) + cpu.clients;
  return Math.round((ours / perSecond) * 1e6);
}

/** Runs the comparison for N processes. */
export async function clusterBench(processes: number): Promise<void> {
  if (!Number.isInteger(processes) || processes < 1 || processes > 16) throw new Error(`--processes takes a whole number from 1 to 16, not "${processes}"`);
  console.log(`toy-paxos bench:server --processes ${processes}: ${CLIENTS} clients in one room (${SECONDS} s after ${WARMUP_S} s warm-up), then events committed per second (${THROUGHPUT_S} s) in one room of 40 and in 50 rooms of 4`);
  const given = process.env.TOY_PAXOS_TEST_DATABASE_URL;
  const server = given ? null : await startPostgres();
  const postgresUrl = given ?? server!.url;
  // Interrupted: the throwaway PostgreSQL goes too.
  process.once('SIGINT', () => {
    server?.stop();
    process.exit(130);
  });
  try {
    const setups: Setup[] = [
      { label: '1 process, SQLite', processes: 1, postgres: false },
      { label: '1 process, PostgreSQL', processes: 1, postgres: true },
      ...(processes > 1 ? [{ label: `${processes} processes, PostgreSQL`, processes, postgres: true }] : []),
    ];
    const results: Figures[] = [];
    for (const setup of setups) results.push(await measure(setup, postgresUrl, server?.pid() ?? null));
    const base = results[0]!;
    for (const [i, r] of results.entries()) {
      if (i === 0) continue;
      console.log(
        `ratio ${setups[i]!.label} / 1 process, SQLite: p50 ${(r.p50 / base.p50).toFixed(2)}x, p99 ${(r.p99 / base.p99).toFixed(2)}x, one room ${(r.oneRoom / base.oneRoom).toFixed(2)}x, 50 rooms ${(r.fiftyRooms / base.fiftyRooms).toFixed(2)}x`,
      );
    }
    if (results.length === 3) {
      const [one, many] = [results[1]!, results[2]!];
      console.log(`ratio ${setups[2]!.label} / 1 process, PostgreSQL: one room ${(many.oneRoom / one.oneRoom).toFixed(2)}x, 50 rooms ${(many.fiftyRooms / one.fiftyRooms).toFixed(2)}x`);
      await fiftyRoomsInTurns(setups[1]!, setups[2]!, many.fiftyRooms / one.fiftyRooms, postgresUrl, server?.pid() ?? null);
    }
  } finally {
    server?.stop();
  }
}
