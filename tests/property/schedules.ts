/**
 * Random schedules for property tests: proposers, deliveries in any order (reorders),
 * drops, duplicates, crashes, recoveries and partitions, and (in reconfiguring worlds)
 * nodes that join and leave, quorum changes and new rounds, as a class makes them at
 * any moment. Drawn by fast-check and run through `decide` and `apply` exactly as the
 * server runs them.
 */
import fc from 'fast-check';
import {
  apply,
  decide,
  initialRoomState,
  DEFAULT_SETTINGS,
  SAFE_RULES,
  type RoomCommand,
  type RoomSettings,
  type RoomState,
  type RuleModes,
} from '@toy-paxos/shared';

export type Action =
  | { readonly a: 'propose'; readonly n: number; readonly v: number }
  | { readonly a: 'promise' | 'accept'; readonly n: number; readonly mask: number }
  | { readonly a: 'deliver' | 'drop' | 'duplicate'; readonly k: number }
  | { readonly a: 'crash' | 'recover'; readonly n: number }
  | { readonly a: 'cut' | 'heal'; readonly n: number; readonly m: number }
  | { readonly a: 'answer'; readonly n: number; readonly k: number; readonly yes: boolean }
  | { readonly a: 'join' }
  | { readonly a: 'remove'; readonly n: number }
  | { readonly a: 'quorum'; readonly q1: number; readonly q2: number; readonly majority: boolean }
  | { readonly a: 'round' };

const VALUES = ['Apple', 'Mango', 'Kiwi'];
const idx = fc.nat({ max: 31 });
/** Proposers are mostly the first two nodes, sometimes a third, so that proposals meet and compete. */
const proposer = fc.oneof({ weight: 4, arbitrary: fc.nat({ max: 1 }) }, { weight: 1, arbitrary: fc.constant(2) });

/** Actions, with crashes and recoveries weighted by `crashWeight`, and joins, removals, quorum changes and rounds by `reconfigureWeight`. */
export function actionsArb(crashWeight: number, reconfigureWeight = 0): fc.Arbitrary<Action> {
  return fc.oneof(
  { weight: reconfigureWeight, arbitrary: fc.constant({ a: 'join' as const }) },
  { weight: reconfigureWeight, arbitrary: fc.record({ a: fc.constant('remove' as const), n: idx }) },
  {
    weight: reconfigureWeight,
    arbitrary: fc.record({ a: fc.constant('quorum' as const), q1: idx, q2: idx, majority: fc.boolean() }),
  },
  { weight: reconfigureWeight === 0 ? 0 : 1, arbitrary: fc.constant({ a: 'round' as const }) },
  { weight: 1, arbitrary: fc.record({ a: fc.constant('propose' as const), n: proposer, v: fc.nat({ max: 2 }) }) },
  // mask 0 means "all": most requests go to everyone, the rest to a random subset.
  {
    weight: 8,
    arbitrary: fc.record({
      a: fc.constantFrom('promise' as const, 'accept' as const),
      n: proposer,
      mask: fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat({ max: 31 }) }),
    }),
  },
  { weight: 10, arbitrary: fc.record({ a: fc.constant('deliver' as const), k: idx }) },
  { weight: 1, arbitrary: fc.record({ a: fc.constantFrom('drop' as const, 'duplicate' as const), k: idx }) },
  { weight: crashWeight, arbitrary: fc.record({ a: fc.constantFrom('crash' as const, 'recover' as const), n: idx }) },
  { weight: 1, arbitrary: fc.record({ a: fc.constantFrom('cut' as const, 'heal' as const), n: idx, m: idx }) },
  {
    weight: 10,
    arbitrary: fc.record({
      a: fc.constant('answer' as const),
      n: idx,
      k: idx,
      yes: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    }),
  },
  );
}

export interface World {
  readonly nodes: number;
  readonly settings: RoomSettings;
  readonly actions: readonly Action[];
  /**
   * Quorum changes keep Q1 + Q2 above this many nodes: the most a world can hold (every
   * change safe whoever joins later), or 0 for "the nodes in the room now" (safe when made,
   * but not if more join afterwards, as the scripts do).
   */
  readonly quorumBasis?: number;
}

/** Worlds whose room changes while it decides: joins, removals, quorum changes and rounds at any moment. */
export function reconfiguringWorldArb(reconfigureMidRound: boolean, maxActions = 120): fc.Arbitrary<World> {
  return fc
    .record({
      nodes: fc.integer({ min: 3, max: 5 }),
      delivery: fc.constantFrom('instant' as const, 'queued' as const),
      acceptorMode: reconfigureMidRound ? fc.constant('rules' as const) : fc.constantFrom('rules' as const, 'students' as const),
      actions: fc.array(actionsArb(1, 2), { minLength: 30, maxLength: maxActions, size: 'max' }),
    })
    .map(({ nodes, delivery, acceptorMode, actions }) => ({
      nodes,
      actions,
      // In safe mode, every quorum change is safe for any room this world can become; with the
      // mode on, a change only needs to be safe for the room as it is when it is made.
      quorumBasis: reconfigureMidRound ? 0 : NAMES.length,
      settings: { ...DEFAULT_SETTINGS, delivery, acceptorMode, rules: { ...SAFE_RULES, reconfigureMidRound } },
    }));
}

/** Room shapes whose quorums intersect (Q1 + Q2 > N), with every safe option mixed in. */
export function safeWorldArb(maxActions = 120): fc.Arbitrary<World> {
  return fc
    .record({
      nodes: fc.integer({ min: 3, max: 5 }),
      q1Extra: fc.nat({ max: 4 }),
      q2Extra: fc.nat({ max: 4 }),
      delivery: fc.constantFrom('instant' as const, 'queued' as const),
      acceptorMode: fc.constantFrom('rules' as const, 'students' as const),
      learners: fc.constantFrom('everyone' as const, 'proposer' as const),
      actions: fc.array(actionsArb(1), { minLength: 30, maxLength: maxActions, size: 'max' }),
    })
    .map(({ nodes, q1Extra, q2Extra, delivery, acceptorMode, learners, actions }) => {
      // Any q1 from 1..N, then q2 at least N - q1 + 1 so that every pair of quorums intersects.
      const q1 = 1 + (q1Extra % nodes);
      const q2min = nodes - q1 + 1;
      const q2 = q2min + (q2Extra % (nodes - q2min + 1));
      return { nodes, actions, settings: { ...DEFAULT_SETTINGS, q1, q2, delivery, acceptorMode, learners, rules: SAFE_RULES } };
    });
}

/** A small world with one rule broken, for the search that must find a violation. */
export function brokenWorldArb(
  broken: Partial<RuleModes> | 'plainBallots' | 'smallQuorums',
  maxActions = 60,
): fc.Arbitrary<World> {
  return fc
    .record({
      // A crash that wipes an acceptor must fall between two quorums: instant delivery
      // keeps those schedules short enough for the search to meet one quickly.
      delivery: typeof broken === 'object' && broken.forgetOnCrash ? fc.constant('instant' as const) : fc.constantFrom('instant' as const, 'queued' as const),
      actions: fc.array(actionsArb(typeof broken === 'object' && broken.forgetOnCrash ? 4 : 1), {
        minLength: 30,
        maxLength: maxActions,
        size: 'max',
      }),
    })
    .map(({ delivery, actions }) => {
      const nodes = broken === 'smallQuorums' ? 4 : 3;
      const quorum = 2;
      const settings: RoomSettings = {
        ...DEFAULT_SETTINGS,
        q1: quorum,
        q2: quorum,
        delivery,
        ballots: broken === 'plainBallots' ? 'plain' : 'unique',
        acceptorMode: typeof broken === 'object' && broken.breakPromises ? 'students' : 'rules',
        rules: typeof broken === 'object' ? { ...SAFE_RULES, ...broken } : SAFE_RULES,
      };
      return { nodes, actions, settings };
    });
}

const NAMES = ['A', 'B', 'C', 'D', 'E', 'F', 'G'];

function targets(mask: number, s: RoomState): string[] | 'all' {
  const picked = s.order.filter((_, i) => mask & (1 << i));
  return picked.length === 0 ? 'all' : picked;
}

/** What the network and the failures do, shared by every kind of world. */
export type FaultAction = Extract<Action, { readonly a: 'deliver' | 'drop' | 'duplicate' | 'crash' | 'recover' | 'cut' | 'heal' }>;

/** The command a network or failure action stands for in the current state, or null when it names nothing there. */
export function faultCommand(s: RoomState, act: FaultAction): RoomCommand | null {
  const name = (i: number) => s.order[i % s.order.length]!;
  switch (act.a) {
    case 'deliver':
    case 'drop':
    case 'duplicate': {
      const m = s.inFlight[act.k % Math.max(1, s.inFlight.length)];
      return m ? { type: act.a, id: m.id } : null;
    }
    case 'crash':
      return { type: 'crash', node: name(act.n) };
    case 'recover': {
      const down = s.order.filter((id) => !s.nodes[id]!.up);
      const node = down[act.n % Math.max(1, down.length)];
      return node === undefined ? null : { type: 'recover', node };
    }
    case 'cut':
      return { type: 'cut', a: name(act.n), b: name(act.m) };
    case 'heal': {
      const link = s.cut[act.n % Math.max(1, s.cut.length)];
      if (link === undefined) return null;
      const [a, b] = link.split('|') as [string, string];
      return { type: 'heal', a, b };
    }
  }
}

/** The command an action stands for in the current state, or null when it names nothing there. */
export function toCommand(s: RoomState, w: World, act: Action): RoomCommand | null {
  if (s.order.length === 0 && act.a !== 'join') return null;
  const name = (i: number) => s.order[i % s.order.length]!;
  switch (act.a) {
    case 'propose':
      return { type: 'propose', node: name(act.n), value: VALUES[act.v]! };
    case 'promise':
    case 'accept': {
      const from = name(act.n);
      // A proposer with nothing in progress starts a proposal first.
      if (s.nodes[from]?.up && !s.nodes[from]?.proposer.ballot) return { type: 'propose', node: from, value: VALUES[act.mask % 3]! };
      return { type: act.a === 'promise' ? 'promiseRequest' : 'acceptRequest', from, to: targets(act.mask, s) };
    }
    case 'deliver':
    case 'drop':
    case 'duplicate':
    case 'crash':
    case 'recover':
    case 'cut':
    case 'heal':
      return faultCommand(s, act);
    case 'answer': {
      // Answer for a node that has something in its inbox, if any does.
      const waiting = s.order.filter((id) => (s.nodes[id]?.inbox.length ?? 0) > 0);
      const node = s.nodes[waiting[act.n % Math.max(1, waiting.length)] ?? ''];
      const id = node?.inbox[act.k % Math.max(1, node.inbox.length)];
      return id === undefined ? null : { type: 'answer', node: node!.id, id, yes: act.yes };
    }
    case 'join':
      // Ids are never reused, as in a real room: `runWorld` passes the next one.
      return null;
    case 'remove':
      return s.order.length > 1 ? { type: 'removeNode', node: name(act.n) } : null;
    case 'quorum': {
      if (act.majority) return { type: 'changeSettings', settings: { q1: 'majority', q2: 'majority' } };
      // Q1 + Q2 > basis, so any quorum of each phase intersects.
      const basis = w.quorumBasis || s.order.length;
      const q1 = 1 + (act.q1 % basis);
      const q2min = basis - q1 + 1;
      const q2 = q2min + (act.q2 % (basis - q2min + 1));
      return { type: 'changeSettings', settings: { q1, q2 } };
    }
    case 'round':
      return { type: 'newRound' };
  }
}

/**
 * Runs a world; refused commands are skipped, as a class would retry them. The monitor
 * starts over with each round, so the violations and choices of every round are gathered
 * into the final state's monitor.
 */
export function runWorld(w: World): RoomState {
  const s = initialRoomState(w.settings);
  for (const e of NAMES.slice(0, w.nodes).map((n) => ({ type: 'nodeAdded' as const, node: n, name: n, bot: false }))) apply(s, e);
  const earlier: RoomState['monitor']['violations'] = [];
  const earlierChosen: RoomState['monitor']['chosen'] = [];
  let joined = w.nodes;
  for (const act of w.actions) {
    const command = act.a === 'join' ? (joined < NAMES.length ? { type: 'addNode' as const, node: NAMES[joined++]! } : null) : toCommand(s, w, act);
    if (!command) continue;
    const d = decide(s, command);
    if (!d.ok) continue;
    for (const e of d.events) {
      if (e.type === 'roundStarted') {
        earlier.push(...s.monitor.violations);
        earlierChosen.push(...s.monitor.chosen);
      }
      apply(s, e);
    }
  }
  s.monitor.violations.unshift(...earlier);
  s.monitor.chosen.unshift(...earlierChosen);
  return s;
}
