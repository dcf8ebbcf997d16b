import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PAXOS_TERMS, PRESETS, parseScenario, runScenario, termsIn, type PaxosTerm } from '@toy-paxos/shared';

describe("the rules' names", () => {
  it('are found where an explanation cites them, and nowhere else', () => {
    expect(termsIn('so Paxos makes it propose Apple (P2c). ')).toEqual(['P2c']);
    expect(termsIn('it breaks its promise (P1a).')).toEqual(['P1a']);
    expect(termsIn('P2ca is not a rule; nor is P1')).toEqual([]);
  });

  it('every name the log cites is explained: the value-adoption and broken-promise lessons', () => {
    const cited = new Set<PaxosTerm>();
    for (const name of ['value-adoption', 'break-promises', 'break-ignore-accepted-value']) {
      const run = runScenario(parseScenario(PRESETS.find((p) => p.name === name)!.text));
      for (const e of run.log.entries()) for (const t of termsIn(e.explanation)) cited.add(t);
    }
    expect([...cited].sort()).toEqual(['P1a', 'P2c']);
  });

  it('docs/PAXOS.md gives each the same words', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'PAXOS.md'), 'utf8');
    for (const [name, text] of Object.entries(PAXOS_TERMS)) expect(doc).toContain(`| ${name} | ${text} |`);
  });
});
