/** Prints a scenario run as text: the full annotated log, or only the notebook's lines. */
import type { ScenarioRun } from './run';
import { settingsWarnings } from '../lessons';
import { settingsLine } from '../settings';
import { protocolOf } from '../protocols/registry';
import { startsBallot } from '../protocols/kinds';

export interface FormatOptions {
  /** Only the notebook's classic lines. */
  readonly classic?: boolean;
}

/** The run as the terminal shows it. Deterministic: golden files compare it byte for byte. */
export function formatRun(run: ScenarioRun, options: FormatOptions = {}): string {
  const out: string[] = [];
  const { scenario } = run;
  if (!options.classic) {
    if (scenario.title) out.push(`== ${scenario.title}`);
    if (scenario.lesson) out.push(`Lesson: ${scenario.lesson}`);
    if (scenario.rule) out.push(`Rule: ${scenario.rule}`);
    const s = run.log.stateAt(0).settings;
    // The first round's acceptors: the nodes there when its first proposal started.
    const first = run.log.events.findIndex(startsBallot);
    const n = (first < 0 ? run.log.state : run.log.stateAt(first)).members.length;
    out.push(settingsLine(s, n));
    for (const w of settingsWarnings(s, n)) out.push(`Warning: ${w.message}`);
    out.push('');
  }
  for (const o of run.outcomes) {
    switch (o.kind) {
      case 'entries':
        for (const e of o.entries) {
          out.push(...e.lines);
          if (options.classic) continue;
          if (e.explanation) out.push(`    Why (event ${e.seq}): ${e.explanation}`);
          for (const v of e.violations) {
            out.push(`    !! SAFETY VIOLATION (${v.rule}): ${v.message} Events: ${v.seqs.join(', ')}.`);
          }
        }
        break;
      case 'refused':
        if (options.classic) out.push(`REFUSED ${o.step.source}`);
        else out.push(`REFUSED line ${o.step.line}, ${o.step.source} (${o.code})`, `    Why: ${o.explanation}`);
        break;
      case 'expect':
        if (!options.classic) out.push(`EXPECT ${o.step.source.replace(/^expect\s+/, '')}: ${o.ok ? 'ok' : `FAILED, ${o.detail}`}`);
        break;
    }
  }
  if (!options.classic) {
    const v = run.log.state.monitor.violations;
    const chosen = protocolOf(run.log.state).chosenSummary(run.log.state);
    out.push('');
    out.push(`Chosen: ${chosen.length ? chosen.join(', ') : 'nothing yet'}. Safety: ${v.length ? `${v.length} violation(s): ${[...new Set(v.map((x) => x.rule))].join(', ')}` : 'no violation'}.`);
  }
  return out.join('\n') + '\n';
}
