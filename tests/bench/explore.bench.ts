/**
 * npm run bench:explore: state counts and speed of the what-if explorer.
 * 1. The reference model of the TLA+ Paxos specification on TLC's MCPaxos configuration
 *    (3 acceptors, 2 values, ballots 0..1), whose count TLC gives as 3,921, and on larger ones.
 * 2. The room explorer (`explore`, through `decide` and `apply`) on the same configuration
 *    as a room, and on the other configurations of explore-configs.ts.
 * Prints figures only: times on a shared machine are not asserted anywhere.
 */
import { explore, exploreTlaPaxos, formatCount, type TlaPaxosConfig } from '@toy-paxos/shared';
import { MC_PAXOS_ROOM, ROOM_CONFIGS, roomStart, type RoomConfig } from './explore-configs';

const TLC_MCPAXOS_STATES = 3921;

function rate(states: number, ms: number): string {
  return `${formatCount(Math.round((states / ms) * 1000))} states/s`;
}

function timed<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const r = f();
  return [r, performance.now() - t0];
}

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
console.log('The room explorer (every step through decide and apply)');
let proposerLearns = 0;
for (const config of ROOM_CONFIGS) {
  const start = roomStart(config);
  const [r, ms] = timed(() => explore(start, config.bounds));
  if (config === MC_PAXOS_ROOM) proposerLearns = r.states;
  console.log(
    `  ${config.name}: ${formatCount(r.states)} states${r.complete ? '' : ' (stopped by a bound)'}, ${formatCount(r.transitions)} commands tried, ` +
      `in ${(ms / 1000).toFixed(1)} s, ${rate(r.states, ms)}; ${r.violations.length ? 'VIOLATION' : 'no violation'}; can be chosen: ${r.chosen.map((c) => c.value).join(', ')}`,
  );
  if (config === MC_PAXOS_ROOM) {
    console.log(
      [
        `    Beside TLC's ${formatCount(TLC_MCPAXOS_STATES)}: the room counts another thing. Its ballots are one per proposer (1.A and 1.B stand for`,
        "    the spec's 0 and 1); its proposers keep state (promisers, acceptors, promiser_acc_max) that the spec reads off the",
        '    message set; a promise or an acceptance is sent to one proposer and counted by it, and refusals are messages too;',
        "    the monitor's tallies and each learner's choice are part of a state; and a request reaches one acceptor at a time,",
        "    where the spec's 1a and 2a messages are broadcast once and can be received again at any time.",
        '    These rooms let only the proposer learn, as the specification has no learners\' messages.',
      ].join('\n'),
    );
  }
}

// The classroom's default, every node learning from the acceptors' notices: what learners add to the space.
const everyone: RoomConfig = { ...MC_PAXOS_ROOM, name: 'MCPaxos as a room, every node learning (the classroom default)', settings: { learners: 'everyone' } };
{
  const [r, ms] = timed(() => explore(roomStart(everyone), everyone.bounds));
  console.log(
    `  ${everyone.name}: ${formatCount(r.states)} states${r.complete ? '' : ' (stopped by a bound)'}, in ${(ms / 1000).toFixed(1)} s, ${rate(r.states, ms)}; ` +
      `${r.violations.length ? 'VIOLATION' : 'no violation'}; ${(r.states / proposerLearns).toFixed(2)}x the states with only the proposer learning (with instant delivery and no crash, what each node has heard follows from what the acceptors accepted)`,
  );
}
