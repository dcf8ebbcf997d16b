/**
 * The configurations of `npm run bench:explore`: `ROOM_CONFIGS` are shared with the test
 * that finds no violation in any of them in safe mode; `LARGER_CONFIGS` are the benchmark's
 * larger spaces, of about a million states and more.
 */
import { DEFAULT_SETTINGS, SAFE_RULES, decide, apply, initialRoomState, parseScenario, runScenario, type ExploreBounds, type RoomSettings, type RoomState } from '@toy-paxos/shared';

export interface RoomConfig {
  readonly name: string;
  readonly nodes: readonly string[];
  readonly settings: Partial<RoomSettings>;
  readonly bounds: ExploreBounds;
}

/**
 * TLC's MCPaxos (3 acceptors, 2 values, ballots 0..1) as a room: two proposers, one ballot
 * each. Only the proposer learns, as the specification has no learners' messages; so do the
 * other configurations, whose counts the benchmark compares with it.
 */
export const MC_PAXOS_ROOM: RoomConfig = {
  name: 'MCPaxos as a room: 3 nodes, A and B propose once each, 2 values, instant delivery',
  nodes: ['A', 'B', 'C'],
  settings: { learners: 'proposer' },
  bounds: { proposers: ['A', 'B'], values: ['v1', 'v2'], roundMax: 1, crashes: false },
};

export const ROOM_CONFIGS: readonly RoomConfig[] = [
  MC_PAXOS_ROOM,
  {
    name: 'the same with queued delivery and 2 nodes: every delivery and loss, no copies',
    nodes: ['A', 'B'],
    settings: { delivery: 'queued', learners: 'proposer' },
    bounds: { proposers: ['A', 'B'], values: ['Apple', 'Mango'], roundMax: 1, crashes: false, copiesMax: 1 },
  },
  {
    name: '3 nodes, A and B propose once each, crashes and recoveries, instant delivery',
    nodes: ['A', 'B', 'C'],
    settings: { learners: 'proposer' },
    bounds: { proposers: ['A', 'B'], values: ['Apple', 'Mango'], roundMax: 1 },
  },
];

export const LARGER_CONFIGS: readonly RoomConfig[] = [
  {
    name: '3 nodes, every node learning, A and B propose once each, crashes and recoveries',
    nodes: ['A', 'B', 'C'],
    settings: { learners: 'everyone' },
    bounds: { proposers: ['A', 'B'], values: ['Apple', 'Mango'], roundMax: 1, statesMax: 5_000_000 },
  },
  {
    name: '3 nodes, A, B and C propose once each, no crashes',
    nodes: ['A', 'B', 'C'],
    settings: { learners: 'proposer' },
    bounds: { values: ['Apple', 'Mango'], roundMax: 1, crashes: false, statesMax: 5_000_000 },
  },
];

/** A room with `config`'s nodes and settings, before anything happens. */
export function roomStart(config: RoomConfig): RoomState {
  const settings: RoomSettings = { ...DEFAULT_SETTINGS, ...config.settings, rules: { ...SAFE_RULES, ...config.settings.rules } };
  const s = initialRoomState(settings);
  for (const node of config.nodes) {
    const d = decide(s, { type: 'addNode', node });
    if (!d.ok) throw new Error(d.explanation);
    for (const e of d.events) apply(s, e);
  }
  return s;
}

/**
 * A queued duel: A and B both proposed, every acceptor promised 1.B, and A's accept requests
 * were refused. Mango (B's) is three steps away; Apple needs A to start again (2.A), eleven
 * steps, which a breadth-first search through every crash, loss and copy does not reach.
 */
export const QUEUED_DUEL = `title A queued duel
delivery queued
nodes A B C
propose A Apple
propose B Mango
promise A -> all
settle
promise B -> all
settle
accept A -> all
settle
expect chosen none
`;

/** The room at the end of a scenario. */
export function scenarioEnd(text: string): RoomState {
  const run = runScenario(parseScenario(text));
  if (run.failures.length) throw new Error(run.failures[0]!.message);
  return run.log.state;
}
