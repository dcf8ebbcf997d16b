/**
 * Random schedules for Multi-Paxos: would-be leaders that lead, run phase 1, take client
 * commands and send accept requests (for every pending slot or one), and a network that
 * reorders, drops and duplicates, with crashes, recoveries and cut links. Drawn by
 * fast-check and run through `decide` and `apply` exactly as the server runs them.
 */
import fc from 'fast-check';
import { faultCommand, type FaultAction } from './schedules';
import { apply, decide, initialRoomState, multiNodeOf, DEFAULT_SETTINGS, SAFE_RULES, type RoomCommand, type RoomSettings, type RoomState } from '@toy-paxos/shared';

export type MultiAction =
  | { readonly a: 'lead'; readonly n: number }
  | { readonly a: 'promise'; readonly n: number; readonly mask: number }
  | { readonly a: 'submit'; readonly n: number; readonly c: number }
  | { readonly a: 'accept'; readonly n: number; readonly mask: number; readonly slot: number }
  | FaultAction;

/** Client commands: few keys, so that two logs that differ show it in their stores too. */
const COMMANDS = ['set x 1', 'set x 2', 'set y 3', 'get x', 'set y 4', 'get y'];
const idx = fc.nat({ max: 31 });
/** Leaders are mostly the first two nodes, sometimes a third, so that leaderships meet. */
const leader = fc.oneof({ weight: 4, arbitrary: fc.nat({ max: 1 }) }, { weight: 1, arbitrary: fc.constant(2) });
/** mask 0 means "all": most requests go to everyone, the rest to a random subset. */
const mask = fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat({ max: 31 }) });

export function multiActionsArb(crashWeight: number): fc.Arbitrary<MultiAction> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.record({ a: fc.constant('lead' as const), n: leader }) },
    { weight: 4, arbitrary: fc.record({ a: fc.constant('promise' as const), n: leader, mask }) },
    { weight: 6, arbitrary: fc.record({ a: fc.constant('submit' as const), n: leader, c: fc.nat({ max: COMMANDS.length - 1 }) }) },
    // slot 0: every pending slot; otherwise one slot, often one the leader has nothing for.
    { weight: 5, arbitrary: fc.record({ a: fc.constant('accept' as const), n: leader, mask, slot: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }) }) }) },
    { weight: 12, arbitrary: fc.record({ a: fc.constant('deliver' as const), k: idx }) },
    { weight: 2, arbitrary: fc.record({ a: fc.constantFrom('drop' as const, 'duplicate' as const), k: idx }) },
    { weight: crashWeight, arbitrary: fc.record({ a: fc.constantFrom('crash' as const, 'recover' as const), n: idx }) },
    { weight: 1, arbitrary: fc.record({ a: fc.constantFrom('cut' as const, 'heal' as const), n: idx, m: idx }) },
  );
}

export interface MultiWorld {
  readonly nodes: number;
  readonly settings: RoomSettings;
  readonly actions: readonly MultiAction[];
}

/** Safe Multi-Paxos rooms of 3 to 5 nodes, majorities, every delivery and learner option. */
export function safeMultiWorldArb(maxActions = 120): fc.Arbitrary<MultiWorld> {
  return fc
    .record({
      nodes: fc.integer({ min: 3, max: 5 }),
      delivery: fc.constantFrom('instant' as const, 'queued' as const),
      learners: fc.constantFrom('everyone' as const, 'everyone' as const, 'proposer' as const),
      actions: fc.array(multiActionsArb(1), { minLength: 30, maxLength: maxActions, size: 'max' }),
    })
    .map(({ nodes, delivery, learners, actions }) => ({
      nodes,
      actions,
      settings: { ...DEFAULT_SETTINGS, protocol: 'multi' as const, delivery, learners, rules: SAFE_RULES },
    }));
}

/** Three nodes whose new leaders skip re-proposing: the search must find the violation. */
export function skipReproposeWorldArb(maxActions = 60): fc.Arbitrary<MultiWorld> {
  return fc
    .record({
      delivery: fc.constantFrom('instant' as const, 'queued' as const),
      actions: fc.array(multiActionsArb(2), { minLength: 30, maxLength: maxActions, size: 'max' }),
    })
    .map(({ delivery, actions }) => ({
      nodes: 3,
      actions,
      settings: { ...DEFAULT_SETTINGS, protocol: 'multi' as const, delivery, rules: { ...SAFE_RULES, skipRepropose: true } },
    }));
}

const NAMES = ['A', 'B', 'C', 'D', 'E'];

function targets(m: number, s: RoomState): string[] | 'all' {
  const picked = s.order.filter((_, i) => m & (1 << i));
  return picked.length === 0 ? 'all' : picked;
}

/** The command an action stands for in the current state, or null when it names nothing there. */
export function toMultiCommand(s: RoomState, act: MultiAction): RoomCommand | null {
  const name = (i: number) => s.order[i % s.order.length]!;
  // A would-be leader with no ballot in progress starts leading first.
  const leaderOf = (i: number) => multiNodeOf(s.multi, name(i)).leader;
  if ((act.a === 'promise' || act.a === 'submit' || act.a === 'accept') && s.nodes[name(act.n)]?.up && !leaderOf(act.n)) return { type: 'lead', node: name(act.n) };
  switch (act.a) {
    case 'lead':
      return { type: 'lead', node: name(act.n) };
    case 'promise':
      return { type: 'promiseRequest', from: name(act.n), to: targets(act.mask, s) };
    case 'submit':
      return { type: 'submit', node: name(act.n), command: COMMANDS[act.c]! };
    case 'accept': {
      // One slot counts from the leader's phase 1 on, so that it often names a slot with a command.
      const from = leaderOf(act.n)?.slot ?? 1;
      return { type: 'acceptRequest', from: name(act.n), to: targets(act.mask, s), ...(act.slot ? { slot: from + act.slot - 1 } : {}) };
    }
    default:
      return faultCommand(s, act);
  }
}

/** Runs a world: every action becomes a command, decided and applied; refusals are skipped, as a class's mistakes are. */
export function runMultiWorld(w: MultiWorld): RoomState {
  const s = initialRoomState(w.settings);
  const run = (c: RoomCommand) => {
    const d = decide(s, c);
    if (d.ok) for (const e of d.events) apply(s, e);
  };
  for (const n of NAMES.slice(0, w.nodes)) run({ type: 'addNode', node: n });
  for (const act of w.actions) {
    const c = toMultiCommand(s, act);
    if (c) run(c);
  }
  return s;
}
