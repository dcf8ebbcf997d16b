/**
 * npm run bench:explore: state counts and speed of the what-if explorer.
 * 1. The reference model of the TLA+ Paxos specification on TLC's MCPaxos configuration
 *    (3 acceptors, 2 values, ballots 0..1), whose count TLC gives as 3,921, and on larger ones.
 * 2. The room explorer (`explore`) on the same configuration as a room, and on the other
 *    configurations of explore-configs.ts: the compact search it runs, beside the exact search
 *    through `decide` and `apply` in the same run (the baseline: the explorer before the
 *    compact search). On the larger configurations the exact search would take minutes, so
 *    both searches are timed on the same first 20,000 states, and the compact one on the whole.
 * 3. A queued duel (explore-configs.ts): what the search finds from a room in the middle of a
 *    round, with the default bounds and with 3,000,000 states and 12 steps.
 *    `npm run bench:explore -- --duel` runs this part only.
 * Prints figures only: times on a shared machine are not asserted anywhere. Wall-clock rates
 * are what a person waits for; CPU rates say what the search costs when other work shares
 * the machine.
 */
import { Exploration, exploreTlaPaxos, formatCount, type ExploreBounds, type ExploreResult, type RoomState, type TlaPaxosConfig } from '@toy-paxos/shared';
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

interface Run {
  readonly r: ExploreResult;
  readonly ms: number;
  readonly cpuMs: number;
}

function search(start: RoomState, bounds: ExploreBounds, engine: 'auto' | 'exact'): Run {
  const cpu0 = process.cpuUsage();
  const [r, ms] = timed(() => new Exploration(start, bounds, null, engine).run()!);
  return { r, ms, cpuMs: process.cpuUsage(cpu0).user / 1000 };
}

function figures(run: Run): string {
  return `${formatCount(run.r.states)} states in ${seconds(run.ms)}, ${rate(run.r.states, run.ms)} (CPU: ${rate(run.r.states, run.cpuMs)})`;
}

const duelOnly = process.argv.includes('--duel');
if (!duelOnly) {
  console.log('Reference model of the TLA+ specification (messages a set, never removed; Phase1a/1b/2a/2b)');
  const reference: [string, TlaPaxosConfig][] = [
    ['MCPaxos: 3 acceptors, 2 values, ballots 0..1', { acceptors: 3, values: 2, ballots: 2 }],
    ['3 acceptors, 2 values, ballots 0..2', { acceptors: 3, values: 2, ballots: 3 }],
    ['3 acceptors, 3 values, ballots 0..2', { acceptors: 3, values: 3, ballots: 3 }],
  ];
  // Warm up the compiler on the small space, as TLC's figures leave out the JVM's start.
  exploreTlaPaxos(reference[0]![1]);
  for (const [name, config] of reference) {
    const [r, ms] = timed(() => exploreTlaPaxos(config));
    const mc = name.startsWith('MCPaxos');
    const tlc = mc ? ` (TLC: ${formatCount(TLC_MCPAXOS_STATES)}${r.states === TLC_MCPAXOS_STATES ? ', the same' : ', DIFFERENT'})` : '';
    const target = mc ? 'target: the whole space in 1,000 ms or less' : 'target: 200,000 states/s or more';
    console.log(`  ${name}: ${formatCount(r.states)} states${tlc} in ${ms.toFixed(0)} ms, ${rate(r.states, ms)} (${target}); agreement ${r.agreementBroken ? 'BROKEN' : 'holds'}`);
  }

  console.log('');
  console.log('The room explorer: the compact search, and the exact search through decide and apply (the baseline) in the same run');
  console.log('(targets: MCPaxos as a room in 1 s or less; 200,000 states/s or more on the larger configurations)');
  // Warm up both searches, as above.
  search(roomStart(MC_PAXOS_ROOM), MC_PAXOS_ROOM.bounds, 'auto');
  search(roomStart(MC_PAXOS_ROOM), { ...MC_PAXOS_ROOM.bounds, statesMax: 2_000 }, 'exact');

  // The classroom's default, every node learning from the acceptors' notices: what learners add to the space.
  const everyone: RoomConfig = { ...MC_PAXOS_ROOM, name: 'MCPaxos as a room, every node learning (the classroom default)', settings: { learners: 'everyone' } };
  for (const config of [...ROOM_CONFIGS, everyone]) {
    const start = roomStart(config);
    const compact = search(start, config.bounds, 'auto');
    const exact = search(start, config.bounds, 'exact');
    const same = compact.r.states === exact.r.states && compact.r.transitions === exact.r.transitions ? 'the same states and commands' : 'DIFFERENT';
    console.log(`  ${config.name}:`);
    console.log(
      `    compact: ${figures(compact)}${compact.r.complete ? '' : ' (stopped by a bound)'}; ${compact.r.violations.length ? 'VIOLATION' : 'no violation'}; can be chosen: ${compact.r.chosen.map((c) => c.value).join(', ')}`,
    );
    console.log(`    exact:   ${figures(exact)}; ${same}; the compact search ${(exact.ms / compact.ms).toFixed(1)}x as fast`);
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
  for (const config of LARGER_CONFIGS) {
    const start = roomStart(config);
    const whole = search(start, config.bounds, 'auto');
    const prefix = { ...config.bounds, statesMax: PREFIX_STATES };
    const compact = search(start, prefix, 'auto');
    const exact = search(start, prefix, 'exact');
    console.log(`  ${config.name}:`);
    console.log(`    compact, whole: ${figures(whole)}${whole.r.complete ? '' : ' (stopped by a bound)'}; ${whole.r.violations.length ? 'VIOLATION' : 'no violation'}`);
    console.log(`    first ${formatCount(PREFIX_STATES)} states: compact ${seconds(compact.ms)}, ${rate(compact.r.states, compact.ms)}; exact ${seconds(exact.ms)}, ${rate(exact.r.states, exact.ms)}: the compact search ${(exact.ms / compact.ms).toFixed(1)}x as fast`);
  }
}

console.log('');
console.log('A queued duel (3 nodes; every acceptor promised 1.B; A\'s accept requests refused): what the search finds, with its default bounds and with more');
const duel = scenarioEnd(QUEUED_DUEL);
// Warm up, as above.
search(duel, { statesMax: 20_000 }, 'auto');
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
