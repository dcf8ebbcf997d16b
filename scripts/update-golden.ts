/**
 * Regenerates tests/transcripts/golden/*.txt from the presets. Run it on purpose,
 * then review the diff (git diff tests/transcripts) before committing: the golden
 * files are what a learner reads.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatRun, parseScenario, PRESETS, runScenario } from '@toy-paxos/shared';

const dir = join(import.meta.dirname, '..', 'tests', 'transcripts', 'golden');
for (const p of PRESETS) {
  writeFileSync(join(dir, `${p.name}.txt`), formatRun(runScenario(parseScenario(p.text))));
}
console.log(`golden: wrote ${PRESETS.length} transcripts to tests/transcripts/golden/`);
