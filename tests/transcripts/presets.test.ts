/**
 * Golden files of every preset, matched byte for byte against their reviewed files: the full
 * annotated log (golden/), and the lesson's steps as "Next step" stops on them, with the key
 * moments the step panel shows first (steps/). After a deliberate change, run
 * `npm run golden:update` and review the diff.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatRun, formatSteps, parseScenario, PRESETS, runScenario, type ScenarioRun } from '@toy-paxos/shared';

function golden(folder: string, what: string, format: (run: ScenarioRun) => string): void {
  const dir = join(import.meta.dirname, folder);
  describe(`golden ${what}`, () => {
    it('there is one golden file per preset, and no stray one', () => {
      const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();
      expect(files).toEqual(PRESETS.map((p) => `${p.name}.txt`).sort());
    });

    for (const p of PRESETS) {
      it(p.name, () => {
        const expected = readFileSync(join(dir, `${p.name}.txt`), 'utf8');
        const actual = format(runScenario(parseScenario(p.text)));
        expect(actual, `${p.name}'s ${what} differ from the golden file in ${folder}/: run "npm run golden:update" and review the diff`).toBe(expected);
      });
    }
  });
}

golden('golden', 'transcripts', formatRun);
golden('steps', 'lesson steps', formatSteps);
