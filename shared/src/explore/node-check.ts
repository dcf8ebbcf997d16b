/**
 * "Bring your own node": the explorer searches every way a small room whose nodes all run a
 * learner's programs can go, and answers whether a safety rule can be broken, with the
 * shortest way as a scenario that `npm run scenario` plays. `npm run check` runs it in the
 * terminal; a page can run the same `Exploration` in slices in a Web Worker.
 */
import { decide } from '../decide';
import { apply, initialRoomState, type RoomState } from '../room';
import { DEFAULT_SETTINGS, SAFE_RULES } from '../settings';
import type { NodePrograms } from '../programs/types';
import { Exploration } from './explore';
import { describeSchedule, explorationScope, formatCount, summarizeExploration } from './text';
import type { ExploreBounds, ExploreResult } from './types';

/**
 * The room a learner's node is checked in: three acceptors, A and B propose (A Apple, B
 * Mango), one ballot each (1.A and 1.B: two ballots), crashes and recoveries, instant
 * delivery, the proposer learning from its own acceptances. Each node runs the learner's
 * programs. 22,068 states with the honest programs, searched whole in about a second; with
 * `roundMax: 2` and no crashes 474,501 (the sandbox's "Check my node" default), within the
 * state bound; with crashes besides, 2,392,968, past it. The crashes stay in the default:
 * forgetting a promise or an acceptance on a crash is a mistake learners make.
 */
export const NODE_CHECK_ROOM = {
  nodes: ['A', 'B', 'C'],
  settings: { ...DEFAULT_SETTINGS, learners: 'proposer', rules: SAFE_RULES },
  bounds: { proposers: ['A', 'B'], values: ['Apple', 'Mango'], valuesOf: { A: ['Apple'], B: ['Mango'] }, roundMax: 1, crashes: true, statesMax: 600_000 },
} as const;

/** The options a learner may change: how deep, how many states, how many rounds, whether nodes crash, and `values`, which every proposer may then propose. */
export type NodeCheckBounds = Pick<ExploreBounds, 'depthMax' | 'statesMax' | 'roundMax' | 'timeMsMax' | 'crashes' | 'values'>;

/**
 * The check's default, in two stages, the second run only when the first finds nothing: one
 * ballot each with crashes and recoveries (forgetting a promise or an acceptance on a crash is
 * a mistake learners make), then two ballots each without crashes (a proposer that carries the
 * wrong value into a later ballot needs one). Both at once would be 2,392,968 states with the
 * honest programs; these are 22,068 and 474,501, a few seconds in all. The terminal
 * (`npm run check` with neither `--rounds` nor `--no-crashes`) and the sandbox's "Check my
 * node" run the same two.
 */
export const NODE_CHECK_STAGES: readonly NodeCheckBounds[] = [
  { roundMax: 1, crashes: true },
  { roundMax: 2, crashes: false },
];

/** How a stage's search is named in words: "one ballot each, with crashes and recoveries". */
export function nodeCheckStageName(bounds: NodeCheckBounds): string {
  const rounds = bounds.roundMax ?? NODE_CHECK_ROOM.bounds.roundMax;
  const count = ['one ballot', 'two ballots', 'three ballots'][rounds - 1] ?? `${rounds} ballots`;
  return `${count} each, ${bounds.crashes === false ? 'no crashes' : 'with crashes and recoveries'}`;
}

/** The check's room before anything happens, every node running `programs`. */
export function nodeCheckStart(programs: NodePrograms): RoomState {
  const s = initialRoomState({ ...NODE_CHECK_ROOM.settings });
  s.programs = Object.fromEntries(NODE_CHECK_ROOM.nodes.map((id) => [id, programs]));
  for (const node of NODE_CHECK_ROOM.nodes) {
    const d = decide(s, { type: 'addNode', node });
    if (!d.ok) throw new Error(d.explanation);
    for (const e of d.events) apply(s, e);
  }
  return s;
}

/**
 * The search of a check, to run in one call (`run()`) or in slices (`run(budget)`): it stops
 * at the first rule broken, which, breadth-first, is the shortest way to break one. A call of
 * the learner's program that throws or returns a misfit throws LearnerProgramError from `run`.
 */
export function nodeCheck(start: RoomState, bounds: NodeCheckBounds = {}, now: (() => number) | null = null, engine: 'auto' | 'exact' = 'auto'): Exploration {
  const valuesOf = bounds.values ? {} : NODE_CHECK_ROOM.bounds.valuesOf;
  return new Exploration(start, { ...NODE_CHECK_ROOM.bounds, valuesOf, ...bounds, stopAtViolation: true, focus: false }, now, engine);
}

/** A check's answer: the verdict, its sentences, and the shortest way to break a rule as a scenario file's text. */
export interface NodeCheckReport {
  readonly verdict: 'broken' | 'safe' | 'cut short';
  readonly lines: readonly string[];
  /** A scenario that plays the way found and expects the violation, or null when none was found. */
  readonly scenario: string | null;
}

/** The answer of a finished check in words, as the explorer gives it, with the way it found as scenario lines. */
export function nodeCheckReport(start: RoomState, r: ExploreResult): NodeCheckReport {
  const v = r.violations[0];
  if (!v) {
    const lines = r.complete
      ? [`No way to break agreement, validity, learning or stability found: ${formatCount(r.states)} states, all of them.`, explorationScope(r)]
      : [...summarizeExploration(r), explorationScope(r)];
    return { verdict: r.complete ? 'safe' : 'cut short', lines, scenario: null };
  }
  const steps = describeSchedule(start, v.commands);
  const scenario = [
    `title The shortest way to break ${v.rule}, found by npm run check`,
    `learners ${start.settings.learners}`,
    `nodes ${NODE_CHECK_ROOM.nodes.join(' ')}`,
    ...steps.map((s) => `${s.line.padEnd(24)} # ${s.words}`),
    `expect violation ${v.rule}`,
    '',
  ].join('\n');
  return { verdict: 'broken', lines: [`Safety can be broken: ${v.message} The shortest way is ${v.steps} ${v.steps === 1 ? 'step' : 'steps'} (${formatCount(r.states)} states searched).`], scenario };
}
