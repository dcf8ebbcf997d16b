/**
 * Runs a parsed scenario on a room log. Network steps that name messages by route
 * or "all" are resolved against the live state here and become ordinary commands,
 * so everything a scenario does goes through `decide` and lands in the log.
 */
import type { Annotation } from '../annotate';
import { BotDriver } from '../bots';
import { otherValueQuestion } from '../checkpoint';
import { RoomLog } from '../log';
import { initialRoomState, linkKey, linkUp, type RoomCommand, type RoomState } from '../room';
import type { NodePrograms } from '../programs/types';
import { DEFAULT_SETTINGS, SAFE_RULES, type RoomSettings } from '../settings';
import type { Expectation, Scenario, ScenarioStep } from './parse';
import type { QuestionSpec } from '../checkpoint-state';
import { multiNodeIn, slotsChosen } from '../protocols/multi';

export type StepOutcome =
  | { readonly kind: 'entries'; readonly step: ScenarioStep; readonly entries: readonly Annotation[] }
  | { readonly kind: 'refused'; readonly step: ScenarioStep; readonly code: string; readonly explanation: string }
  | { readonly kind: 'expect'; readonly step: ScenarioStep; readonly ok: boolean; readonly detail: string };

export interface ScenarioFailure {
  readonly line: number;
  readonly message: string;
}

export interface ScenarioRun {
  readonly scenario: Scenario;
  readonly log: RoomLog;
  readonly outcomes: readonly StepOutcome[];
  /** Failed expectations and steps that could not run; empty when the scenario passed. */
  readonly failures: readonly ScenarioFailure[];
}

/** Bots act on a 100 ms tick during `run`. */
export const RUN_TICK_MS = 100;
const SETTLE_MAX = 10_000;

/** The settings a scenario starts with; quorums default to a majority of the nodes in the room. */
export function scenarioSettings(scenario: Scenario): RoomSettings {
  const s = scenario.settings;
  return { ...DEFAULT_SETTINGS, ...s, rules: { ...SAFE_RULES, ...s.rules } };
}

/** Thrown inside a run when its log passes the event budget; becomes the run's failure. */
class OverBudget {
  constructor(readonly eventsMax: number) {}
}

/**
 * Runs `scenario` to its end, or to the first step that cannot run. With `eventsMax`, the
 * run stops as soon as its log holds more events than that (checked at every command, so a
 * long `run` step stops too), failing at the step it had reached. With `annotate: false`
 * the outcomes hold no entries (refusals and failures are still there): an import needs
 * the events only, and annotating them would take most of its time. With `programs`, every
 * node the scenario adds runs them (a learner's own node).
 */
export function runScenario(
  scenario: Scenario,
  { eventsMax = Infinity, annotate = true, programs }: { readonly eventsMax?: number; readonly annotate?: boolean; readonly programs?: NodePrograms } = {},
): ScenarioRun {
  const start = initialRoomState(scenarioSettings(scenario));
  // Every node the scenario adds runs `programs` (a learner's own node, `npm run scenario -- --node FILE`).
  if (programs) start.programs = Object.fromEntries(scenario.steps.flatMap((s) => (s.kind === 'command' && s.command.type === 'addNode' ? [[s.command.node, programs]] : [])));
  const inner = new RoomLog(start);
  // Every command of the run goes through this one dispatch, where the budget is checked.
  const log = {
    get state() {
      return inner.state;
    },
    dispatch(command: RoomCommand) {
      const result = inner.dispatch(command, { annotate, searched: otherValueQuestion });
      if (inner.length > eventsMax) throw new OverBudget(eventsMax);
      return result;
    },
  };
  const outcomes: StepOutcome[] = [];
  const failures: ScenarioFailure[] = [];
  const bots = new BotDriver(scenario.seed);
  let clockMs = 0;
  let lastRefusal: { code: string } | null = null;
  const steps = scenario.steps;

  const dispatchAll = (step: ScenarioStep, commands: RoomCommand[], refusalOk: boolean): boolean => {
    const entries: Annotation[] = [];
    for (const command of commands) {
      const result = log.dispatch(command);
      if (result.ok) {
        entries.push(...result.entries);
        continue;
      }
      if (entries.length) outcomes.push({ kind: 'entries', step, entries: entries.splice(0) });
      outcomes.push({ kind: 'refused', step, code: result.code, explanation: result.explanation });
      lastRefusal = { code: result.code };
      if (!refusalOk) {
        failures.push({
          line: step.line,
          message: `"${step.source}" was refused (${result.code}): ${result.explanation} If the scenario means to show this refusal, put "expect refused" on the next line.`,
        });
        return false;
      }
      return true;
    }
    if (entries.length) outcomes.push({ kind: 'entries', step, entries });
    return true;
  };

  let i = 0;
  try {
    for (; i < steps.length; i++) if (!runStep(i)) break;
  } catch (e) {
    if (!(e instanceof OverBudget)) throw e;
    failures.push({ line: steps[i]!.line, message: `the scenario makes more than ${e.eventsMax} events here, the most a room holds; make it shorter.` });
  }
  return { scenario, log: inner, outcomes, failures };

  /** Runs step `i`; false stops the run. */
  function runStep(i: number): boolean {
    const step = steps[i]!;
    const next = steps[i + 1];
    const refusalOk = next?.kind === 'expect' && next.expect.kind === 'refused';
    if (step.kind !== 'expect') lastRefusal = null;
    let ok = true;
    switch (step.kind) {
      case 'command':
        ok = dispatchAll(step, [step.command], refusalOk);
        break;
      case 'network': {
        const resolved = resolveNetwork(log.state, step);
        if (typeof resolved === 'string') {
          failures.push({ line: step.line, message: resolved });
          ok = false;
        } else ok = dispatchAll(step, resolved, refusalOk);
        break;
      }
      case 'settle': {
        const entries: Annotation[] = [];
        for (let n = 0; n < SETTLE_MAX; n++) {
          const m = log.state.inFlight.find((x) => deliverable(log.state, x.to, x.from));
          if (!m) break;
          const r = log.dispatch({ type: 'deliver', id: m.id });
          if (!r.ok) break;
          entries.push(...r.entries);
        }
        outcomes.push({ kind: 'entries', step, entries });
        break;
      }
      case 'answer': {
        const inbox = log.state.nodes[step.node]?.inbox ?? [];
        const id = step.id ?? inbox[0];
        if (id === undefined) {
          failures.push({ line: step.line, message: `${step.node}'s inbox is empty: there is nothing to answer.` });
          ok = false;
        } else ok = dispatchAll(step, [{ type: 'answer', node: step.node, id, yes: step.yes }], refusalOk);
        break;
      }
      case 'partition': {
        // Links already cut are skipped; with none left to cut the step does nothing.
        const fresh = step.groups.some((g, gi) => step.groups.slice(gi + 1).some((h) => g.some((a) => h.some((b) => !log.state.cut.includes(linkKey(a, b))))));
        ok = dispatchAll(step, fresh ? [{ type: 'partition', groups: step.groups }] : [], refusalOk);
        break;
      }
      case 'healAll':
        ok = dispatchAll(step, log.state.cut.length ? [{ type: 'healAll' }] : [], refusalOk);
        break;
      case 'run': {
        const entries: Annotation[] = [];
        for (const end = clockMs + step.ms; clockMs < end; ) {
          clockMs += RUN_TICK_MS;
          for (const command of bots.next(log.state, clockMs, scenario.autoProposers)) {
            const r = log.dispatch(command);
            if (r.ok) entries.push(...r.entries);
          }
        }
        outcomes.push({ kind: 'entries', step, entries });
        break;
      }
      case 'ask': {
        const spec = step.spec.kind === 'replyRoute' ? routeRequest(log.state, step.spec.from, step.spec.to) : step.spec;
        if (typeof spec === 'string') {
          failures.push({ line: step.line, message: spec });
          ok = false;
        } else ok = dispatchAll(step, [{ type: 'openCheckpoint', spec, lesson: true, ...(step.seconds !== null ? { seconds: step.seconds } : {}) }], refusalOk);
        break;
      }
      case 'reveal': {
        const last = log.state.checkpoints.at(-1);
        if (!last) {
          failures.push({ line: step.line, message: 'no question has been asked: there is nothing to reveal.' });
          ok = false;
        } else ok = dispatchAll(step, [{ type: 'revealCheckpoint', id: last.id, ...(step.answer !== null ? { answer: step.answer } : {}) }], refusalOk);
        break;
      }
      case 'expect': {
        const { ok: passed, detail } = check(log.state, step.expect, lastRefusal);
        outcomes.push({ kind: 'expect', step, ok: passed, detail });
        if (!passed) failures.push({ line: step.line, message: `expected ${step.source.replace(/^expect\s+/, '')}, but ${detail}` });
        break;
      }
    }
    return ok;
  }
}

/** A reply question about the oldest request from `from` to `to`, in flight or waiting in an inbox; or why there is none. */
function routeRequest(state: RoomState, from: string, to: string): QuestionSpec | string {
  const held = Object.values(state.held).sort((a, b) => a.id - b.id);
  const m = [...state.inFlight, ...held].find((x) => x.from === from && x.to === to && (x.kind === 'prepare' || x.kind === 'accept'));
  return m ? { kind: 'reply', message: m.id } : `no request from ${from} to ${to} is in flight or waiting in an inbox.`;
}

function deliverable(state: RoomState, to: string, from: string): boolean {
  const n = state.nodes[to];
  return !!n && n.up && linkUp(state, from, to);
}

function resolveNetwork(state: RoomState, step: Extract<ScenarioStep, { kind: 'network' }>): RoomCommand[] | string {
  const type = step.action;
  const ref = step.ref;
  switch (ref.by) {
    case 'id':
      return [{ type, id: ref.id }];
    case 'route': {
      const m = state.inFlight.find((x) => x.from === ref.from && x.to === ref.to);
      if (!m) return `no message from ${ref.from} to ${ref.to} is in flight.`;
      return [{ type, id: m.id }];
    }
    case 'all': {
      // Nothing to deliver or drop: the step does nothing, as it always has.
      const scope = (m: { from: string; to: string }) => (ref.from === undefined || m.from === ref.from) && (ref.to === undefined || m.to === ref.to);
      const ms = state.inFlight.filter((m) => scope(m) && (type !== 'deliver' || deliverable(state, m.to, m.from)));
      if (ms.length === 0) return [];
      const filters = { ...(ref.from !== undefined ? { from: ref.from } : {}), ...(ref.to !== undefined ? { to: ref.to } : {}) };
      if (type === 'deliver') return [{ type: 'deliverAll', ...filters, ...(ref.seed !== undefined ? { seed: ref.seed } : {}) }];
      if (type === 'drop') return [{ type: 'dropAll', ...filters }];
      return ms.map((m) => ({ type, id: m.id }));
    }
  }
}

function check(state: RoomState, e: Expectation, lastRefusal: { code: string } | null): { ok: boolean; detail: string } {
  const chosen = [...new Set(state.monitor.chosen.map((c) => c.value))];
  const chosenText = chosen.length ? chosen.join(' and ') : 'none';
  switch (e.kind) {
    case 'chosen':
      return e.value === null
        ? { ok: chosen.length === 0, detail: `chosen: ${chosenText}` }
        : { ok: chosen.length === 1 && chosen[0] === e.value, detail: `chosen: ${chosenText}` };
    case 'choice': {
      const got = state.nodes[e.node]?.choice ?? null;
      return { ok: got === e.value, detail: `${e.node}'s choice is ${got ?? 'none'}` };
    }
    case 'violation': {
      const rules = state.monitor.violations.map((v) => v.rule);
      return { ok: rules.includes(e.rule), detail: `violations: ${rules.length ? [...new Set(rules)].join(', ') : 'none'}` };
    }
    case 'safe': {
      const v = state.monitor.violations;
      return { ok: v.length === 0, detail: v.length ? `violations: ${v.map((x) => x.rule).join(', ')}` : 'no violation' };
    }
    case 'refused':
      if (!lastRefusal) return { ok: false, detail: 'the step before was not refused' };
      return { ok: e.code === null || e.code === lastRefusal.code, detail: `refused with ${lastRefusal.code}` };
    case 'in-flight':
      return { ok: state.inFlight.length === e.count, detail: `${state.inFlight.length} in flight` };
    case 'promisers':
    case 'acceptors': {
      const p = state.nodes[e.node]?.proposer;
      const got = p ? p[e.kind].length : 0;
      return { ok: got === e.count, detail: `${e.node} has ${got} ${e.kind}` };
    }
    case 'slot': {
      const values = [...new Set((slotsChosen(state)).filter((c) => c.slot === e.slot).map((c) => c.value))];
      const got = values.length ? values.join(' and ') : 'none';
      return { ok: e.value === null ? values.length === 0 : values.length === 1 && values[0] === e.value, detail: `slot ${e.slot} holds ${got}` };
    }
    case 'applied': {
      const got = multiNodeIn(state, e.node).applied;
      return { ok: got === e.count, detail: `${e.node} has run ${got} slot${got === 1 ? '' : 's'}` };
    }
    case 'kv': {
      const got = multiNodeIn(state, e.node).kv[e.key] ?? null;
      return { ok: got === e.value, detail: `${e.node} has ${e.key} = ${got ?? 'none'}` };
    }
    case 'answer': {
      const last = state.checkpoints.at(-1);
      if (!last) return { ok: false, detail: 'no question has been asked' };
      const right = last.answer ?? last.question.answer;
      const text = right === null ? 'not marked yet' : last.question.options[right]!;
      return { ok: text === e.text, detail: `the answer is ${text}` };
    }
  }
}
