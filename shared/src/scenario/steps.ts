/**
 * A lesson as the learner steps through it: where "Next step" stops, what each step made,
 * and which of its entries teach (its key entries, from `keyMoments`). The solo sandbox
 * shows a step's key entries first; the tests and the golden files read the same steps.
 */
import type { Annotation } from '../annotate';
import { keyEntries, keyMoments, teaches, type KeyEntry, type Moment } from '../replay/moments';
import type { LessonGuess } from './parse';
import type { ScenarioRun, StepOutcome } from './run';
import { describeExpectation, entryReading, stepHeadline } from './words';

/** One stop of "Next step": the outcomes since the stop before, and what they made. */
export interface LessonStep {
  /** The step stops after this many outcomes of the run. */
  readonly stop: number;
  readonly outcomes: readonly StepOutcome[];
  /** The log entries the step made, oldest first. */
  readonly entries: readonly Annotation[];
  /** The entries that teach, oldest first, each with its key moments. */
  readonly keys: readonly KeyEntry[];
  /** With no key entry, the entry the step ended on (a question's own entry is the question, shown apart): shown instead. */
  readonly ending: Annotation | null;
  /** Why an entry shown (a key entry, or the ending) names a value other than the one it carries, by event (`entryReading`). */
  readonly readings: Readonly<Record<number, string>>;
  /** What the step shows, in the lesson author's words (its `say` lines). */
  readonly said: readonly string[];
  /** The lesson's question this step answers (a `guess` line before it): asked at the stop before, so the learner commits first. */
  readonly guess: LessonGuess | null;
}

/** Set-up only: nodes joining, settings, renames. */
function setUp(o: StepOutcome): boolean {
  return o.kind === 'entries' && o.entries.every((e) => e.data.type === 'nodeAdded' || e.data.type === 'settingsChanged' || e.data.type === 'nodeRenamed');
}

/**
 * Where "Next step" stops: after each of these numbers of outcomes. Outcomes of one script
 * line, a run of set-up lines (nodes, settings) and a run of checks each make one stop, so
 * that no click shows the same line again or only adds a node. A question (`ask`) opens in
 * the step before it, whose moments wait for the reveal: that step shows what happened, not
 * the answer it would give the question one click later.
 */
export function walkStops(outcomes: readonly StepOutcome[]): number[] {
  const stops: number[] = [];
  outcomes.forEach((o, i) => {
    const next = outcomes[i + 1];
    const together = next && (next.step === o.step || (setUp(o) && setUp(next)) || (o.kind === 'expect' && next.kind === 'expect') || (next.step.kind === 'ask' && o.kind !== 'expect'));
    if (!together) stops.push(i + 1);
  });
  return stops;
}

/** The steps of an annotated run (not one run with `annotate: false`), in order; `moments` are the run's, when already worked out. */
export function lessonSteps(run: ScenarioRun, moments: readonly Moment[] = keyMoments(run.log.stateAt(0), run.log.events)): LessonStep[] {
  let from = 0;
  return walkStops(run.outcomes).map((stop) => {
    const outcomes = run.outcomes.slice(from, stop);
    from = stop;
    const entries = outcomes.flatMap((o) => (o.kind === 'entries' ? o.entries : []));
    const keys = keyEntries(entries, moments);
    const last = entries.at(-1);
    const ending = keys.length === 0 && last && last.data.type !== 'checkpointOpened' ? last : null;
    const readings: Record<number, string> = {};
    for (const e of [...keys.map((k) => k.entry), ...(ending ? [ending] : [])]) {
      const reading = entryReading(run.log.stateAt(e.seq - 1), e);
      if (reading) readings[e.seq] = reading;
    }
    const lines = [...new Set(outcomes.map((o) => o.step.line))];
    const said = lines.flatMap((line) => (run.scenario.says[line] ? [run.scenario.says[line]] : []));
    const guess = lines.map((line) => run.scenario.guesses[line]).find((g) => g !== undefined) ?? null;
    return { stop, outcomes, entries, keys, ending, readings, said, guess };
  });
}

/**
 * The run's steps as the learner meets them, each with its key moments: what the lesson's
 * step panel shows first. Deterministic, so golden files compare it byte for byte.
 */
export function formatSteps(run: ScenarioRun): string {
  const moments = keyMoments(run.log.stateAt(0), run.log.events);
  const steps = lessonSteps(run, moments);
  const out: string[] = [];
  if (run.scenario.title) out.push(`== ${run.scenario.title}`);
  steps.forEach((s, i) => {
    if (s.guess) out.push(`  before the next step, guess: ${s.guess.question} ${s.guess.options.map((o, j) => (j === s.guess!.answer ? `[${o}]` : o)).join(' | ')}`);
    out.push(`Step ${i + 1} of ${steps.length}: ${stepHeadline(s.outcomes)} (${[...new Set(s.outcomes.map((o) => o.step.source))].join('; ')})`);
    // Signposts are listed to jump to, not shown first.
    for (const m of moments) if (!teaches(m) && s.entries.some((e) => e.seq === m.seq)) out.push(`  signpost at event ${m.seq}: ${m.label}`);
    const rest = s.entries.length - s.keys.length;
    if (s.keys.length && s.outcomes.some((o) => o.step.kind === 'ask')) out.push('  a question opens: the reasons below wait for its reveal');
    for (const k of s.keys) {
      out.push(`  event ${k.entry.seq}: ${k.entry.lines[0]}`);
      for (const m of k.moments) out.push(`    ${m.kind}: ${m.because}`);
      if (s.readings[k.entry.seq]) out.push(`    reads: ${s.readings[k.entry.seq]}`);
    }
    if (s.keys.length && rest > 0) out.push(`  and ${rest} more ${rest === 1 ? 'entry' : 'entries'}`);
    if (!s.keys.length && s.entries.length) out.push(`  no key entry; ${s.entries.length} ${s.entries.length === 1 ? 'entry' : 'entries'}`);
    if (s.ending && s.readings[s.ending.seq]) out.push(`  ends at event ${s.ending.seq}, which reads: ${s.readings[s.ending.seq]}`);
    for (const o of s.outcomes) if (o.kind === 'expect' && o.step.kind === 'expect') out.push(`  ${o.ok ? 'as expected' : 'not as expected'}: ${describeExpectation(o.step.expect)}`);
    for (const text of s.said) out.push(`  says: ${text}`);
    if (i === steps.length - 1) out.push(`  Lesson complete.${run.scenario.rule ? ` ${run.scenario.rule}` : ''}`);
  });
  return out.join('\n') + '\n';
}
