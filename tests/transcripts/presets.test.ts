/**
 * Golden transcripts: every preset's full annotated log must match its reviewed
 * file byte for byte. After a deliberate change, run `npm run golden:update` and
 * review the diff.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatRun, parseScenario, PRESETS, runScenario } from '@toy-paxos/shared';

const dir = join(import.meta.dirname, 'golden');

describe('golden transcripts', () => {
  it('there is one golden file per preset, and no stray one', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();
    expect(files).toEqual(PRESETS.map((p) => `${p.name}.txt`).sort());
  });

  for (const p of PRESETS) {
    it(p.name, () => {
      const golden = readFileSync(join(dir, `${p.name}.txt`), 'utf8');
      const actual = formatRun(runScenario(parseScenario(p.text)));
      expect(actual, `${p.name} differs from its golden file: run "npm run golden:update" and review the diff`).toBe(golden);
    });
  }
});
