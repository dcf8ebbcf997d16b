/**
 * The what-if explorer's longer searches:
 * - with each rule-breaking mode on, it finds the mode's violation from the start of its
 *   preset (just after its `nodes` line), no longer than the preset's own schedule, and the
 *   schedule replays through `decide` to the violation;
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

/** The preset's room after its first `skip` steps (its setting-up), with `rules` on from the start. */
function presetFrom(name: string, skip: number, rules: Partial<RuleModes> = {}): RoomState {
  const scenario = parseScenario(PRESETS.find((p) => p.name === name)!.text);
  const base = initialRoomState(scenarioSettings(scenario));
  const s: RoomState = { ...base, settings: { ...base.settings, rules: { ...base.settings.rules, ...rules } } };
  return playSteps(s, scenario.steps.slice(0, skip), true).state;
}

/**
 * The length of the preset's own schedule after its first `skip` steps: the preset played as
 * written (its settings changes in their place), counting the steps the room accepts, a
 * request to k acceptors as k. Its checks (`expect`), its settings changes and the steps it
 * shows refused (break-promises' answer before `set break`) are not steps of the room.
 */
function presetLength(name: string, skip: number): number {
  const scenario = parseScenario(PRESETS.find((p) => p.name === name)!.text);
  const { state } = playSteps(initialRoomState(scenarioSettings(scenario)), scenario.steps.slice(0, skip), true);
  return playSteps(state, scenario.steps.slice(skip), false).length;
}

/** The number of set-up steps (the first `nodes` line) at the top of a preset. */
function setUpSteps(name: string): number {
  const steps = parseScenario(PRESETS.find((p) => p.name === name)!.text).steps;
  return steps.findIndex((st) => !(st.kind === 'command' && st.command.type === 'addNode'));
}

/** Plays scenario steps through `decide`; refused ones must not be (`strict`) or are skipped. */
function playSteps(start: RoomState, steps: readonly ScenarioStep[], strict: boolean): { state: RoomState; length: number } {
  let s = start;
  let n = 0;
  for (const step of steps) {
    const command: RoomCommand | null =
      step.kind === 'command' ? step.command : step.kind === 'answer' ? { type: 'answer', node: step.node, id: s.nodes[step.node]!.inbox[0]!, yes: step.yes } : null;
    if (!command) continue;
    const d = decide(s, command);
    if (!d.ok) {
      if (strict) throw new Error(`${step.source}: ${d.explanation}`);
      continue;
    }
    s = fold(s, d.events);
    if (command.type !== 'changeSettings') n += length([command]);
  }
  return { state: s, length: n };
}

interface ModeCase {
  readonly preset: string;
  readonly bounds: ExploreBounds;
  /** Modes the preset turns on part way (with `set break`), on here from the start. */
  readonly rules?: Partial<RuleModes>;
}

const apple = { A: ['Apple'] };
const cases: readonly ModeCase[] = [
  { preset: 'break-plain-ballots', bounds: { crashes: false, proposers: ['A', 'B'], valuesOf: { ...apple, B: ['Mango'] } } },
  { preset: 'break-ignore-accepted-value', bounds: { crashes: false, proposers: ['A', 'C'], valuesOf: { ...apple, C: ['Mango'] } } },
  { preset: 'break-accept-without-quorum', bounds: { crashes: false, proposers: ['A', 'C'], valuesOf: { ...apple, C: ['Mango'] } } },
  { preset: 'break-forget-on-crash', bounds: { proposers: ['A', 'C'], valuesOf: { ...apple, C: ['Mango'] } } },
  // Students answer: one copy of each request in an inbox, as the preset never asks twice (about 740,000 states before the violation; with two copies, 3.5 million).
  { preset: 'break-promises', rules: { breakPromises: true }, bounds: { crashes: false, proposers: ['A', 'C'], valuesOf: { ...apple, C: ['Mango'] }, copiesMax: 1, statesMax: 2_000_000 } },
  { preset: 'break-small-quorums', bounds: { crashes: false, proposers: ['A', 'D'], valuesOf: { ...apple, D: ['Mango'] } } },
  // D and E may join at any moment (about 1.2 million states before the violation).
  { preset: 'break-reconfigure-mid-round', bounds: { crashes: false, proposers: ['A', 'C'], valuesOf: { ...apple, C: ['Mango'] }, joiners: ['D', 'E'], statesMax: 2_000_000 } },
];

describe('rule-breaking modes: the explorer finds each violation from the start of its preset', () => {
  it('every rule-breaking preset of single-decree Paxos has a case (the explorer does not model Multi-Paxos rooms)', () => {
    const singleDecree = PRESETS.filter((p) => p.name.startsWith('break-') && !/^protocol multi$/m.test(p.text));
    expect(cases.map((c) => c.preset).sort()).toEqual(singleDecree.map((p) => p.name).sort());
  });

  for (const c of cases) {
    it(`${c.preset}: the shortest counterexample, no longer than the preset's, replays through decide to the violation`, () => {
      const skip = setUpSteps(c.preset);
      const start = presetFrom(c.preset, skip, c.rules);
      const r = explore(start, { ...c.bounds, stopAtViolation: true });
      expect(r.engine).toBe('compact');
      const agreement = r.violations.find((v) => v.rule === 'agreement');
      expect(agreement, `no violation in ${r.states} states`).toBeDefined();
      expect(length(agreement!.commands)).toBeLessThanOrEqual(presetLength(c.preset, skip));
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
