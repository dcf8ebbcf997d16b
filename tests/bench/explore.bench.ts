/**
 * npm run bench:explore: state counts and speed of the what-if explorer.
 * 1. The reference model of the TLA+ Paxos specification on TLC's MCPaxos configuration
 *    (3 acceptors, 2 values, ballots 0..1), whose count TLC gives as 3,921, and on larger ones.
 * 2. The room explorer (`explore`) on the same configuration as a room, and on the other
 *    configurations of explore-configs.ts: the compact search it runs, beside the exact search
 *    through `decide` and `apply` in the same run (the baseline: the explorer before the
 *    compact search). On the larger configurations the exact search would take minutes, so
 *    both searches are timed on the same first 20,000 states, and the compact one on the whole,
 *    cold and warm, in a worker thread of its own (explore-worker.ts): an isolate that runs only
 *    the compact search, as the pages' explorer worker does. Run in this process after the
 *    smaller configurations' exact searches, the same search took 2.5 times the CPU time.
 * 3. A queued duel (explore-configs.ts): what the search finds from a room in the middle of a
 *    round, with the default bounds and with 3,000,000 states and 12 steps.
 *    `npm run bench:explore -- --duel` runs this part only.
 * 4. "Bring your own node": the search of `npm run check` (every node running a learner's
 *    programs, the compact search, which calls each program once per distinct state and message)
 *    with an honest acceptor written from scratch and loaded as the command loads a learner's file
 *    (examples/acceptor-fixed.js), beside the same search with the built-in honest programs: the
 *    cost of running a learner's code in a vm context and checking every value it returns (target:
 *    at most 5x slower); and, for scale, the exact search through `decide` and `apply` on the
 *    learner's programs. `npm run bench:explore -- --byo` runs this part only.
 * Prints figures only: times on a shared machine are not asserted anywhere. Wall-clock rates
 * are what a person waits for. CPU rates divide by the CPU time of the thread that searched
 * (Linux: /proc/self/task; elsewhere the whole process's, and it says so), which other work
 * on the machine does not inflate. Nothing is warmed up: each configuration's first search is
 * timed as it comes ("first run": the first configuration's is cold, the compiler not yet
 * warm) and, for the small spaces, again ("second run"). The memory per state is the
 * search's memory (array buffers and heap, after a full collection) over its states, given
 * for searches of 100,000 states or more.
 */
import { Worker } from 'node:worker_threads';
import { Exploration, exploreTlaPaxos, formatCount, HONEST, NODE_CHECK_ROOM, nodeCheck, nodeCheckStart, type ExploreBounds, type ExploreResult, type RoomState, type TlaPaxosConfig } from '@toy-paxos/shared';
import { loadLearnerNode } from '../../scripts/learner-node';
import type { WorkerRun } from './explore-worker';
import { canCollect, memoryNow, threadCpuMs } from './thread-cpu';
import { LARGER_CONFIGS, MC_PAXOS_ROOM, QUEUED_DUEL, ROOM_CONFIGS, roomStart, scenarioEnd, type RoomConfig } from './explore-configs';

const TLC_MCPAXOS_STATES = 3921;
const PREFIX_STATES = 20_000;

function rate(states: number, ms: number): string {
  return `${formatCount(Math.round((states / ms) * 1000))} states/s`;
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(1)} s`;
}

function timed<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const r = f();
  return [r, performance.now() - t0];
}

const CPU_WORDS = threadCpuMs() === null ? 'CPU of the process, every thread' : 'CPU of the searching thread';
function cpuMs(): number {
  const thread = threadCpuMs();
  if (thread !== null) return thread;
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

interface Run {
  readonly r: ExploreResult;
  readonly ms: number;
  readonly cpuMs: number;
  /** Bytes the search holds per state, or null without `--expose-gc`. */
  readonly bytesPerState: number | null;
}

function search(start: RoomState, bounds: ExploreBounds, engine: 'auto' | 'exact'): Run {
  const before = memoryNow();
  const cpu0 = cpuMs();
  const exploration = new Exploration(start, bounds, null, engine);
  const [r, ms] = timed(() => exploration.run()!);
  const cpu = cpuMs() - cpu0;
  // Measured while the exploration, and so its records, are still held.
  const bytes = canCollect ? memoryNow() - before : null;
  exploration.stop();
  return { r, ms, cpuMs: cpu, bytesPerState: bytes === null ? null : Math.max(0, bytes) / r.states };
}

function figures(run: Run): string {
  // Below 100,000 states the first chunk of records (4 MB) and the collector's noise would be most of it.
  const memory = run.bytesPerState === null || run.r.states < 100_000 ? '' : `, ${Math.round(run.bytesPerState)} bytes/state`;
  // A run shorter than a few clock ticks has no CPU rate worth printing.
  const cpu = run.cpuMs >= 50 ? rate(run.r.states, run.cpuMs) : 'too short to time';
  return `${formatCount(run.r.states)} states in ${seconds(run.ms)}, ${rate(run.r.states, run.ms)} (${CPU_WORDS}: ${cpu})${memory}`;
}

/** Searches `LARGER_CONFIGS[config]` whole `runs` times in a new worker thread (the first cold) and gives each run's figures. */
function wholeInWorker(config: number, runs: number): Promise<WorkerRun[]> {
  return new Promise((resolve, reject) => {
    const file = new URL('./explore-worker.ts', import.meta.url).href;
    const code = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => tsx.tsImport(${JSON.stringify(file)}, ${JSON.stringify(import.meta.url)}))`;
    const worker = new Worker(code, { eval: true, workerData: { config, runs } });
    const got: WorkerRun[] = [];
    worker.on('message', (run: WorkerRun) => got.push(run));
    worker.on('error', reject);
    worker.on('exit', (code) => (code === 0 && got.length === runs ? resolve(got) : reject(new Error(`the search's worker exited with ${code} after ${got.length} of ${runs} runs`))));
  });
}

function workerFigures(run: WorkerRun): string {
  const cpu = run.cpuMs === null ? "CPU of the worker's thread: not measured off Linux" : `CPU of the worker's thread: ${rate(run.states, run.cpuMs)}`;
  const memory = run.bytesPerState === null ? '' : `, ${Math.round(run.bytesPerState)} bytes/state`;
  return `${formatCount(run.states)} states in ${seconds(run.ms)}, ${rate(run.states, run.ms)} (${cpu})${memory}`;
}

const duelOnly = process.argv.includes('--duel');
const byoOnly = process.argv.includes('--byo');
if (!duelOnly && !byoOnly) {
  console.log('Reference model of the TLA+ specification (messages a set, never removed; Phase1a/1b/2a/2b)');
  const reference: [string, TlaPaxosConfig][] = [
    ['MCPaxos: 3 acceptors, 2 values, ballots 0..1', { acceptors: 3, values: 2, ballots: 2 }],
    ['3 acceptors, 2 values, ballots 0..2', { acceptors: 3, values: 2, ballots: 3 }],
    ['3 acceptors, 3 values, ballots 0..2', { acceptors: 3, values: 3, ballots: 3 }],
  ];
  // The first is cold (TLC's figures leave out the JVM's start; these do not leave out the compiler's).
  for (const [name, config] of [...reference, ['MCPaxos again (second run)', reference[0]![1]] as [string, TlaPaxosConfig]]) {
    const [r, ms] = timed(() => exploreTlaPaxos(config));
    const mc = name.startsWith('MCPaxos');
    const tlc = mc ? ` (TLC: ${formatCount(TLC_MCPAXOS_STATES)}${r.states === TLC_MCPAXOS_STATES ? ', the same' : ', DIFFERENT'})` : '';
    const target = mc ? 'target: the whole space in 1,000 ms or less' : 'target: 200,000 states/s or more';
    console.log(`  ${name}: ${formatCount(r.states)} states${tlc} in ${ms.toFixed(0)} ms, ${rate(r.states, ms)} (${target}); agreement ${r.agreementBroken ? 'BROKEN' : 'holds'}`);
  }

  console.log('');
  console.log('The room explorer: the compact search, and the exact search through decide and apply (the baseline) in the same run');
  console.log('(targets: MCPaxos as a room in 1 s or less; 200,000 states/s or more on the larger configurations)');
  console.log(`  (${CPU_WORDS}${canCollect ? '' : '; memory not measured: run with --expose-gc'})`);

  // The classroom's default, every node learning from the acceptors' notices: what learners add to the space.
  const everyone: RoomConfig = { ...MC_PAXOS_ROOM, name: 'MCPaxos as a room, every node learning (the classroom default)', settings: { learners: 'everyone' } };
  for (const config of [...ROOM_CONFIGS, everyone]) {
    const start = roomStart(config);
    const compact = search(start, config.bounds, 'auto');
    const again = search(start, config.bounds, 'auto');
    const exact = search(start, config.bounds, 'exact');
    const same = compact.r.states === exact.r.states && compact.r.transitions === exact.r.transitions ? 'the same states and commands' : 'DIFFERENT';
    console.log(`  ${config.name}:`);
    console.log(
      `    compact, first run: ${figures(compact)}${compact.r.complete ? '' : ' (stopped by a bound)'}; ${compact.r.violations.length ? 'VIOLATION' : 'no violation'}; can be chosen: ${compact.r.chosen.map((c) => c.value).join(', ')}`,
    );
    console.log(`    compact, second run: ${figures(again)}`);
    console.log(`    exact, first run: ${figures(exact)}; ${same}; the compact search (first runs) ${(exact.ms / compact.ms).toFixed(1)}x as fast`);
    if (config === MC_PAXOS_ROOM) {
      console.log(
        [
          `    Beside TLC's ${formatCount(TLC_MCPAXOS_STATES)}: the room counts another thing. Its ballots are one per proposer (1.A and 1.B stand for`,
          "    the spec's 0 and 1); its proposers keep state (promisers, acceptors, promiser_acc_max) that the spec reads off the",
          '    message set; a promise or an acceptance is sent to one proposer and counted by it, and refusals are messages too;',
          "    the monitor's tallies and each learner's choice are part of a state; and a request reaches one acceptor at a time,",
          "    where the spec's 1a and 2a messages are broadcast once and can be received again at any time.",
          "    These rooms let only the proposer learn, as the specification has no learners' messages.",
        ].join('\n'),
      );
    }
  }

  console.log('');
  console.log(`Larger configurations (the exact search on the first ${formatCount(PREFIX_STATES)} states only: on the whole it would take minutes)`);
  for (const [index, config] of LARGER_CONFIGS.entries()) {
    const start = roomStart(config);
    // The whole search in a worker thread of its own, as the pages run it: an isolate whose compiler has seen only the compact search.
    const [cold, warm] = await wholeInWorker(index, 2);
    const prefix = { ...config.bounds, statesMax: PREFIX_STATES };
    const compact = search(start, prefix, 'auto');
    const exact = search(start, prefix, 'exact');
    console.log(`  ${config.name}:`);
    for (const [name, run] of [['cold', cold!], ['warm', warm!]] as const) {
      console.log(`    compact, whole, in a worker of its own, ${name}: ${workerFigures(run)}${run.complete ? '' : ' (stopped by a bound)'}; ${run.violations ? 'VIOLATION' : 'no violation'}`);
    }
    console.log(`    first ${formatCount(PREFIX_STATES)} states, in this process: compact ${figures(compact)}; exact ${figures(exact)}: the compact search ${(exact.ms / compact.ms).toFixed(1)}x as fast`);
  }
}

if (!byoOnly) {
  console.log('');
  console.log('A queued duel (3 nodes; every acceptor promised 1.B; A\'s accept requests refused): what the search finds, with its default bounds and with more');
  const duel = scenarioEnd(QUEUED_DUEL);
  for (const bounds of [{}, { statesMax: 3_000_000, depthMax: 12 }] as ExploreBounds[]) {
    const compact = search(duel, bounds, 'auto');
    const prefix = { ...bounds, statesMax: PREFIX_STATES };
    const first = search(duel, prefix, 'auto');
    const exact = search(duel, prefix, 'exact');
    const found = compact.r.chosen.map((c) => `${c.value} in ${c.steps} steps${c.shortest ? '' : ' (searching for it alone)'}`).join(', ');
    console.log(`  ${bounds.statesMax ? `${formatCount(bounds.statesMax)} states, ${bounds.depthMax} steps` : 'default bounds'}:`);
    const focus = compact.r.focusStates ? `, then ${formatCount(compact.r.focusStates)} states searching for single values` : '';
    console.log(`    compact: ${figures(compact)}${compact.r.complete ? '' : ' (stopped by a bound)'}${focus}; found: ${found || 'nothing'}`);
    console.log(`    first ${formatCount(PREFIX_STATES)} states: compact ${seconds(first.ms)}; exact ${seconds(exact.ms)}: the compact search ${(exact.ms / first.ms).toFixed(1)}x as fast`);
  }
}

if (!duelOnly) {
  console.log('');
  console.log("Bring your own node: npm run check's search (3 nodes, the compact search over programs), each node running the acceptor named (target: the learner's at most 5x slower)");
  const learner = loadLearnerNode({ both: new URL('../../examples/acceptor-fixed.js', import.meta.url).pathname });
  const runs: [string, Run][] = [];
  // Twice each, alternating, so that neither gets the warm compiler alone.
  for (const round of [1, 2]) {
    for (const [name, programs] of [
      ['built-in honest acceptor', HONEST],
      ["learner's honest acceptor (vm, every value checked)", learner.programs],
    ] as const) {
      const cpu0 = cpuMs();
      const [r, ms] = timed(() => nodeCheck(nodeCheckStart(programs)).run()!);
      const run: Run = { r, ms, cpuMs: cpuMs() - cpu0, bytesPerState: null };
      runs.push([name, run]);
      console.log(`  ${name}, run ${round}: ${figures(run)}${r.complete ? ', all of them' : ' (stopped by a bound)'}; ${r.violations.length ? 'VIOLATION' : 'no violation'}`);
    }
  }
  const best = (name: string) => Math.min(...runs.filter(([n]) => n.startsWith(name)).map(([, r]) => r.cpuMs));
  console.log(`  the learner's acceptor is ${(best('learner') / best('built-in')).toFixed(2)}x as slow (the faster run of each, CPU time)`);
  // For scale: the exact search through decide and apply, on the learner's programs.
  const exact = search(nodeCheckStart(learner.programs), { ...NODE_CHECK_ROOM.bounds, stopAtViolation: true, focus: false }, 'exact');
  console.log(`  for scale, the learner's acceptor through the exact search: ${figures(exact)}; the compact search ${(exact.cpuMs / best('learner')).toFixed(1)}x as fast (CPU time)`);
}
