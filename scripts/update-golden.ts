/**
 * Regenerates the golden files from the presets: tests/transcripts/golden/*.txt (the full
 * annotated log) and tests/transcripts/steps/*.txt (each step of the lesson with its key
 * moments). Run it on purpose, then review the diff (git diff tests/transcripts) before
 * committing: the golden files are what a learner reads.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatRun, formatSteps, parseScenario, PRESETS, runScenario } from '@toy-paxos/shared';

const dir = join(import.meta.dirname, '..', 'tests', 'transcripts');
for (const p of PRESETS) {
  const run = runScenario(parseScenario(p.text));
  writeFileSync(join(dir, 'golden', `${p.name}.txt`), formatRun(run));
  writeFileSync(join(dir, 'steps', `${p.name}.txt`), formatSteps(run));
}
console.log(`golden: wrote ${PRESETS.length} transcripts to tests/transcripts/golden/ and their steps to tests/transcripts/steps/`);
