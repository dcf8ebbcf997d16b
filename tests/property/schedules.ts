/**
 * Random schedules for property tests: proposers, deliveries in any order (reorders),
 * drops, duplicates, crashes, recoveries and partitions, drawn by fast-check and run
 * through `decide` and `apply` exactly as the server runs them.
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
  | { readonly a: 'answer'; readonly n: number; readonly k: number; readonly yes: boolean };

const VALUES = ['Apple', 'Mango', 'Kiwi'];
const idx = fc.nat({ max: 31 });
/** Proposers are mostly the first two nodes, sometimes a third, so that proposals meet and compete. */
const proposer = fc.oneof({ weight: 4, arbitrary: fc.nat({ max: 1 }) }, { weight: 1, arbitrary: fc.constant(2) });

/** Actions, with crashes and recoveries weighted by `crashWeight`. */
export function actionsArb(crashWeight: number): fc.Arbitrary<Action> {
  return fc.oneof(
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
      actions: fc.array(actionsArb(1), { minLength: 30, maxLength: maxActions, size: 'max' }),
    })
    .map(({ nodes, q1Extra, q2Extra, delivery, acceptorMode, actions }) => {
      // Any q1 from 1..N, then q2 at least N - q1 + 1 so that every pair of quorums intersects.
      const q1 = 1 + (q1Extra % nodes);
      const q2min = nodes - q1 + 1;
      const q2 = q2min + (q2Extra % (nodes - q2min + 1));
      return { nodes, actions, settings: { ...DEFAULT_SETTINGS, q1, q2, delivery, acceptorMode, rules: SAFE_RULES } };
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

const NAMES = ['A', 'B', 'C', 'D', 'E'];

function targets(mask: number, nodes: number): string[] | 'all' {
  const picked = NAMES.slice(0, nodes).filter((_, i) => mask & (1 << i));
  return picked.length === 0 ? 'all' : picked;
}

/** The command an action stands for in the current state, or null when it names nothing there. */
export function toCommand(s: RoomState, w: World, act: Action): RoomCommand | null {
  const name = (i: number) => NAMES[i % w.nodes]!;
  switch (act.a) {
    case 'propose':
      return { type: 'propose', node: name(act.n), value: VALUES[act.v]! };
    case 'promise':
    case 'accept': {
      const from = name(act.n);
      // A proposer with nothing in progress starts a proposal first.
      if (s.nodes[from]?.up && !s.nodes[from]?.proposer.ballot) return { type: 'propose', node: from, value: VALUES[act.mask % 3]! };
      return { type: act.a === 'promise' ? 'promiseRequest' : 'acceptRequest', from, to: targets(act.mask, w.nodes) };
    }
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
    case 'answer': {
      // Answer for a node that has something in its inbox, if any does.
      const waiting = s.order.filter((id) => (s.nodes[id]?.inbox.length ?? 0) > 0);
      const node = s.nodes[waiting[act.n % Math.max(1, waiting.length)] ?? ''];
      const id = node?.inbox[act.k % Math.max(1, node.inbox.length)];
      return id === undefined ? null : { type: 'answer', node: node!.id, id, yes: act.yes };
    }
  }
}

/** Runs a world; refused commands are skipped, as a class would retry them. */
export function runWorld(w: World): RoomState {
  const s = initialRoomState(w.settings);
  for (const e of NAMES.slice(0, w.nodes).map((n) => ({ type: 'nodeAdded' as const, node: n, name: n, bot: false }))) apply(s, e);
  for (const act of w.actions) {
    const command = toCommand(s, w, act);
    if (!command) continue;
    const d = decide(s, command);
    if (d.ok) for (const e of d.events) apply(s, e);
  }
  return s;
}
