/**
 * The what-if explorer's longer searches:
 * - with each rule-breaking mode on, it finds the mode's violation from the start of its
 *   preset, no longer than the preset's own schedule, and the schedule replays through
 *   `decide` to the violation;
 * - in safe mode it finds no violation in any configuration of `npm run bench:explore`.
 * Lengths are counted as the room counts work: one command per step, a request to k
 * acceptors as k requests (the explorer sends to one acceptor at a time and merges them).
 */
import { describe, expect, it } from 'vitest';
import { decide, explore, fold, initialRoomState, parseScenario, PRESETS, scenarioSettings, type ExploreBounds, type RoomCommand, type RoomState, type RuleModes, type ScenarioStep } from '@toy-paxos/shared';
import { play } from '../support/explore';
import { ROOM_CONFIGS, roomStart } from '../bench/explore-configs';

/** A schedule's length, a request to k acceptors counting k. */
function length(commands: readonly (RoomCommand | ScenarioStep)[]): number {
  let n = 0;
  for (const c of commands) {
    const command = 'kind' in c ? (c.kind === 'command' ? c.command : null) : c;
    n += command && (command.type === 'promiseRequest' || command.type === 'acceptRequest') && Array.isArray(command.to) ? command.to.length : 1;
  }
  return n;
}

/** The preset's room after its first `skip` steps (its setting-up at least), and the steps it plays after them. */
function presetFrom(name: string, skip: number, rules: Partial<RuleModes> = {}): { start: RoomState; played: ScenarioStep[] } {
  const scenario = parseScenario(PRESETS.find((p) => p.name === name)!.text);
  const base = initialRoomState(scenarioSettings(scenario));
  let s: RoomState = { ...base, settings: { ...base.settings, rules: { ...base.settings.rules, ...rules } } };
  for (const step of scenario.steps.slice(0, skip)) {
    const command: RoomCommand | null =
      step.kind === 'command' ? step.command : step.kind === 'answer' ? { type: 'answer', node: step.node, id: s.nodes[step.node]!.inbox[0]!, yes: step.yes } : null;
    if (!command) continue;
    const d = decide(s, command);
    if (!d.ok) throw new Error(`${step.source}: ${d.explanation}`);
    s = fold(s, d.events);
  }
  // What the preset does after that: its commands, less its checks and the settings it changes (on here from the start).
  const played = scenario.steps.slice(skip).filter((st) => st.kind !== 'expect' && !(st.kind === 'command' && st.command.type === 'changeSettings'));
  return { start: s, played };
}

/** The number of set-up steps (the first `nodes` line) at the top of a preset. */
function setUpSteps(name: string): number {
  const steps = parseScenario(PRESETS.find((p) => p.name === name)!.text).steps;
  const i = steps.findIndex((st) => !(st.kind === 'command' && st.command.type === 'addNode'));
  return i;
}

interface ModeCase {
  readonly preset: string;
  readonly bounds: ExploreBounds;
  readonly rules?: Partial<RuleModes>;
  /** Steps of the preset played before the search: its setting-up, unless said otherwise. */
  readonly skip?: number;
}

const apple = { A: ['Apple'] };
const cases: readonly ModeCase[] = [
  { preset: 'break-plain-ballots', bounds: { crashes: false, proposers: ['A', 'B'], valuesOf: { ...apple, B: ['Mango'] } } },
  { preset: 'break-ignore-accepted-value', bounds: { crashes: false, proposers: ['A', 'C'], valuesOf: { ...apple, C: ['Mango'] } } },
  { preset: 'break-accept-without-quorum', bounds: { crashes: false, proposers: ['A', 'C'], valuesOf: { ...apple, C: ['Mango'] } } },
  { preset: 'break-forget-on-crash', bounds: { proposers: ['A', 'C'], valuesOf: { ...apple, C: ['Mango'] } } },
  { preset: 'break-small-quorums', bounds: { crashes: false, proposers: ['A', 'D'], valuesOf: { ...apple, D: ['Mango'] } } },
  // Deeper: from the preset's moment Apple is chosen (its first 6 steps), with D and E free to join at any time.
  { preset: 'break-reconfigure-mid-round', skip: 6, bounds: { crashes: false, proposers: ['C'], valuesOf: { C: ['Mango'] }, joiners: ['D', 'E'] } },
];

describe('rule-breaking modes: the explorer finds each violation from the start of its preset', () => {
  for (const c of cases) {
    it(`${c.preset}: the shortest counterexample, no longer than the preset's, replays through decide to the violation`, () => {
      const { start, played } = presetFrom(c.preset, c.skip ?? setUpSteps(c.preset), c.rules);
      const r = explore(start, { ...c.bounds, stopAtViolation: true });
      const agreement = r.violations.find((v) => v.rule === 'agreement');
      expect(agreement, `no violation in ${r.states} states`).toBeDefined();
      expect(length(agreement!.commands)).toBeLessThanOrEqual(length(played));
      const end = play(start, agreement!.commands);
      expect(end.monitor.violations.map((v) => v.rule)).toContain('agreement');
      // The search is breadth-first: one command less has not broken agreement yet.
      expect(play(start, agreement!.commands.slice(0, -1)).monitor.violations.map((v) => v.rule)).not.toContain('agreement');
    });
  }
});

describe('safe mode: no violation in any configuration of the benchmark', () => {
  for (const config of ROOM_CONFIGS) {
    it(config.name, () => {
      const r = explore(roomStart(config), config.bounds);
      expect(r.complete).toBe(true);
      expect(r.violations).toEqual([]);
      // Both values can be chosen: "no violation" is not for want of reaching choices.
      expect(r.chosen.map((x) => x.value).sort()).toEqual([...(config.bounds.values ?? [])].sort());
    });
  }
});
