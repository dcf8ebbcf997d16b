import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BotDriver, formatRun, initialRoomState, parseScenario, PRESETS, runScenario, ScenarioError, STEP_WORDS } from '@toy-paxos/shared';
import { parseSessionFile, sessionFile } from '@toy-paxos/shared/protocol';

function problems(text: string): string[] {
  try {
    parseScenario(text);
  } catch (e) {
    if (e instanceof ScenarioError) return e.problems.map((p) => `${p.line}: ${p.message}`);
    throw e;
  }
  throw new Error('expected the scenario to be refused');
}

describe('parseScenario', () => {
  it('reports every bad line with its number and what to write instead', () => {
    const text = ['nodes A B', 'promise A B', 'propose Zed Apple', 'quorum 2', 'frobnicate', 'expect chosen', 'nodes A'].join('\n');
    expect(problems(text)).toEqual([
      '2: write "promise FROM -> TO..." (for example "promise A -> B C" or "promise A -> all")',
      '3: unknown node "Zed": declare it first with "nodes Zed"',
      '4: settings before the first "nodes" line set up the room; to change one here, write "set quorum 2"',
      '5: unknown step "frobnicate"; see docs/SCENARIOS.md for the steps a scenario can use',
      '6: write "expect chosen VALUE" or "expect chosen none"',
      '7: node "A" is declared twice',
    ]);
  });

  it('asks "did you mean" for a misspelt step, and gives the exact "set" line for a setting after "nodes"', () => {
    expect(problems('nodes A\nsettel\ndelivery queued\nbreak forget-on-crash   # B forgets\nexpct safe\n')).toEqual([
      '2: unknown step "settel": did you mean "settle"?; see docs/SCENARIOS.md for the steps a scenario can use',
      '3: settings before the first "nodes" line set up the room; to change one here, write "set delivery queued"',
      '4: settings before the first "nodes" line set up the room; to change one here, write "set break forget-on-crash"',
      '5: unknown step "expct": did you mean "expect"?; see docs/SCENARIOS.md for the steps a scenario can use',
    ]);
  });

  it('every word "did you mean" offers is a step the parser knows', () => {
    for (const word of STEP_WORDS) {
      let found: string[] = [];
      try {
        parseScenario(`nodes A\n${word}`);
      } catch (e) {
        if (!(e instanceof ScenarioError)) throw e;
        found = e.problems.map((p) => p.message);
      }
      expect(found.filter((m) => m.startsWith('unknown step'))).toEqual([]);
    }
  });

  it('a guess comes before the step that answers it, with one right answer marked', () => {
    const s = parseScenario("nodes A B\npropose A Apple\nguess Which value will A carry? | Mango | *Apple\npromise A -> all\n");
    expect(s.guesses).toEqual({ 4: { question: 'Which value will A carry?', options: ['Mango', 'Apple'], answer: 1 } });
    expect(problems('nodes A\nguess Which? | Mango | Apple\npropose A Apple')).toEqual([
      '2: write "guess QUESTION | ANSWER | *RIGHT ANSWER", with 2 to 4 answers and a * before the right one: mark exactly one answer with *',
    ]);
    expect(problems('nodes A\nguess Which? | *Mango')[0]).toMatch(/^2: write "guess QUESTION/);
    expect(problems('nodes A\npropose A Apple\nguess Which? | *Mango | Apple')).toEqual(['3: a guess comes right before the step that answers it: put a step after it']);
  });

  it('refuses bad values, modes, codes and numbers', () => {
    expect(problems('break nonsense\nnodes A')).toEqual([
      '1: unknown rule-breaking mode "nonsense"; the modes are: ignore-accepted-value, accept-without-quorum, forget-on-crash, break-promises, reconfigure-mid-round, skip-repropose',
    ]);
    expect(problems('quorum 0\nnodes A')).toEqual(['1: a quorum must be from 1 to 99']);
    expect(problems('nodes A\nexpect refused nope')[0]).toMatch(/^2: unknown refusal code "nope"/);
    expect(problems('nodes A\npropose A ' + 'x'.repeat(25))[0]).toMatch(/^2: ".*" is not a value/);
    expect(problems('nodes 1abc')[0]).toMatch(/^1: "1abc" is not a node name/);
    expect(problems('# only a comment')).toEqual(['1: a scenario needs a "nodes" line']);
    expect(problems('nodes A\nrun 11m')).toEqual(['2: write "run 10s" or "run 500ms"']);
  });

  it('checks a title as a typed name is (it becomes the title of a room opened from the file): kept tidied, or refused with the line', () => {
    expect(parseScenario('title  Value\u00a0 adoption \nnodes A').title).toBe('Value adoption');
    expect(parseScenario('title A\ntitle The last one counts\nnodes A').title).toBe('The last one counts');
    expect(parseScenario('nodes A').title).toBe('');
    expect(problems('title\nnodes A')).toEqual(['1: a title needs at least 1 character']);
    expect(problems(`nodes A\ntitle ${'t'.repeat(201)}`)).toEqual(['2: a title has at most 200 characters']);
    expect(problems('title Lesson \u202Eeno\nnodes A')).toEqual(['1: a title cannot contain a text-direction control (U+202E), which makes text look like something else']);
    expect(problems('title \uFEFFLesson\nnodes A')).toEqual(['1: a title cannot contain an invisible character (U+FEFF): type only characters that show']);
  });

  it('counts a file\'s lines as an editor does: a final newline starts no line of its own', () => {
    const lines = (n: number) => ['nodes A', ...Array.from({ length: n - 1 }, () => 'crash A\nrecover A').join('\n').split('\n').slice(0, n - 1)].join('\n') + '\n';
    expect(parseScenario(lines(5000)).steps).toHaveLength(5000);
    expect(() => parseScenario(lines(5001))).toThrow('line 5001: a scenario has at most 5000 lines');
  });

  it('reads a lesson: its question, its rule, and what a step shows in the author\'s words, tied to the step above', () => {
    const s = parseScenario('lesson Who wins?\nrule One value.\nnodes A\npropose A Apple\nsay A starts.\nsay It wants Apple.\nexpect safe');
    expect({ lesson: s.lesson, rule: s.rule, says: s.says }).toEqual({ lesson: 'Who wins?', rule: 'One value.', says: { 4: 'A starts. It wants Apple.' } });
    expect(problems('say Too early.\nnodes A\nsay')).toEqual([
      '1: "say" tells what the step above it shows: put it after a step',
      '3: write "say TEXT": what the step above it shows, in plain words',
    ]);
  });

  it('keeps #N message references apart from comments', () => {
    const s = parseScenario('delivery queued\nnodes A  # two nodes\ndeliver #3 # the third');
    expect(s.steps[1]).toMatchObject({ kind: 'network', action: 'deliver', ref: { by: 'id', id: 3 } });
  });
});

describe('node names every object has', () => {
  it('are refused in a scenario and in a session file, where they would clash with the room\'s plain object of nodes', () => {
    expect(() => parseScenario('nodes A constructor')).toThrow(/"constructor" cannot be a node name: every JavaScript object has a property of that name/);
    const file = JSON.stringify({ ...JSON.parse(JSON.stringify(sessionFile(initialRoomState(), [{ type: 'nodeAdded', node: 'A', name: 'A', bot: false }], 't'))) });
    expect(parseSessionFile(file).ok).toBe(true);
    expect(parseSessionFile(file.replace('"node":"A"', '"node":"toString"')).ok).toBe(false);
  });
});

describe('runScenario', () => {
  it('stops at a refused step that the script did not expect, with the line and the reason', () => {
    const run = runScenario(parseScenario('nodes A B C\npropose A Apple\naccept A -> all\nexpect chosen Apple'));
    expect(run.failures).toHaveLength(1);
    expect(run.failures[0]!.line).toBe(3);
    expect(run.failures[0]!.message).toContain('was refused (no-promise-quorum)');
    expect(run.outcomes.some((o) => o.kind === 'expect')).toBe(false);
  });

  it('reports a failed expectation with what it found', () => {
    const run = runScenario(parseScenario('nodes A B C\npropose A Apple\npromise A -> all\naccept A -> all\nexpect chosen Mango'));
    expect(run.failures).toEqual([{ line: 5, message: 'expected chosen Mango, but chosen: Apple' }]);
    expect(formatRun(run)).toContain('EXPECT chosen Mango: FAILED, chosen: Apple');
  });

  it('prints only the notebook lines with --classic', () => {
    const run = runScenario(parseScenario('nodes A B C\npropose A Apple\npromise A -> B'));
    expect(formatRun(run, { classic: true })).toBe(
      'JOIN A\nJOIN B\nJOIN C\nNEW Proposal from A(p: 1.A, val: Apple)\n' +
        'PROMISE Request from A(p: 1.A) to B(acc_p: None)\n' +
        '    > [ACC] Promise(1.A, last_accepted()), A(promisers: 1, quorum_size: 2, promiser_acc_max: None)\n',
    );
  });

  it('every preset runs to the end with all its expectations met', () => {
    for (const p of PRESETS) {
      const run = runScenario(parseScenario(p.text));
      expect({ preset: p.name, failures: run.failures }).toEqual({ preset: p.name, failures: [] });
      expect(p.lesson.length).toBeGreaterThan(40);
      // The introduction asks; the rule is a sentence of its own, for the end.
      expect(p.lesson, p.name).toMatch(/\?$/);
      expect(p.rule, p.name).toMatch(/\.$/);
    }
  });

  it('each rule-breaking preset makes the monitor fire; every other preset stays safe', () => {
    for (const p of PRESETS) {
      const v = runScenario(parseScenario(p.text)).log.state.monitor.violations;
      expect({ preset: p.name, fired: v.length > 0 }).toEqual({ preset: p.name, fired: p.name.startsWith('break-') });
    }
  });
});

describe('bots', () => {
  it('the same seed gives the same run; another seed may differ but stays safe', () => {
    const text = (seed: number) => `seed ${seed}\nautobots P Q R\nrun 20s\nexpect safe`;
    const a = runScenario(parseScenario(text(3)));
    const b = runScenario(parseScenario(text(3)));
    expect(a.failures).toEqual([]);
    expect(formatRun(a)).toBe(formatRun(b));
    expect(a.log.state.monitor.chosen.length).toBeGreaterThan(0);
    for (let seed = 1; seed <= 20; seed++) expect(runScenario(parseScenario(text(seed))).failures).toEqual([]);
  });

  it('BotDriver waits a seeded pause before acting', () => {
    const run = runScenario(parseScenario('bots A B C'));
    const driver = new BotDriver(1, { thinkMsMin: 500, thinkMsMax: 500, retryMs: 5000 });
    expect(driver.next(run.log.state, 0, ['A'])).toEqual([]);
    expect(driver.next(run.log.state, 499, ['A'])).toEqual([]);
    expect(driver.next(run.log.state, 500, ['A']).map((c) => c.type)).toEqual(['propose', 'promiseRequest']);
  });
});

describe('npm run scenario (the CLI)', () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'scripts/scenario.ts', ...args], { encoding: 'utf8' });

  it('prints a preset and exits 0', () => {
    const r = cli('--preset', 'basic-3', '--classic');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('    > [ACC] Accept(1.A, Apple), A(acceptors: 2, quorum_size: 2, choice: Apple)');
  });

  it('lists the presets', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/scenario.ts', '--list'], { encoding: 'utf8' });
    expect(out.trim().split('\n')).toHaveLength(PRESETS.length);
  });

  it('exits 2 with the file, line number and problem for a bad script', () => {
    const dir = mkdtempSync(join(tmpdir(), 'toy-paxos-'));
    const file = join(dir, 'bad.paxos');
    writeFileSync(file, 'nodes A B\npropose A\npromise A to B\n');
    const r = cli(file);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${file}:3: write "promise FROM -> TO..."`);
    expect(r.stdout).toBe('');
  });

  it('exits 1 when an expectation fails, and 2 for a missing file or preset', () => {
    const dir = mkdtempSync(join(tmpdir(), 'toy-paxos-'));
    const file = join(dir, 'fails.paxos');
    writeFileSync(file, 'nodes A\nexpect chosen Apple\n');
    expect(cli(file).status).toBe(1);
    const missing = cli(join(dir, 'nope.paxos'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('no such file');
    expect(cli('--preset', 'nope').stderr).toContain('npm run scenario -- --list');
  }, 30_000);

  it('--explore prints what can happen from the end of the scenario, with the shortest way as scenario lines', () => {
    const dir = mkdtempSync(join(tmpdir(), 'toy-paxos-'));
    const file = join(dir, 'one.paxos');
    writeFileSync(file, 'nodes A\npropose A Apple\n');
    const r = cli(file, '--explore', '--no-crashes');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^From here, only Apple can be chosen \(\d+ states searched, all of them\)\.$/);
    expect(lines[1]).toBe('Apple can still be chosen: the shortest way is 2 steps.');
    expect(r.stdout).toContain('(13 states and ');
    expect(r.stdout).toContain('Shortest way to choose Apple:\n  promise A -> A           # A sends promise requests to A.\n  accept A -> A            # A sends accept requests to A.');
  });

  it('an option it does not know, or a value no scenario line can hold, exits 2', () => {
    for (const [args, said] of [
      [['--preset', 'basic-3', '--frob'], 'There is no option --frob.'],
      [['--preset', 'basic-3', '--explore', '--no-crash'], 'There is no option --no-crash: did you mean --no-crashes?'],
    ] as const) {
      const r = cli(...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(said);
      expect(r.stdout).toBe('');
    }
    const hash = cli('--preset', 'basic-3', '--explore', '--values', 'a#b');
    expect(hash.status).toBe(2);
    expect(hash.stderr).toContain('"a#b" cannot be a value in a scenario line');
  }, 60_000);

  it('--explore refuses wrong options with exit 2 and changes nothing', () => {
    const bad = cli('--preset', 'basic-3', '--explore', '--depth', 'x');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--depth needs a whole number of at least 1');
    expect(bad.stdout).toBe('');
    const alone = cli('--preset', 'basic-3', '--rounds', '2');
    expect(alone.status).toBe(2);
    expect(alone.stderr).toContain('go with --explore');
    const both = cli('--preset', 'basic-3', '--explore', '--classic');
    expect(both.status).toBe(2);
    const values = cli('--preset', 'basic-3', '--explore', '--values', 'a,b,c,d,e');
    expect(values.status).toBe(2);
    expect(values.stderr).toContain('--values takes from 1 to 4 values, not 5: such as --values Apple,Mango');
    expect(values.stdout).toBe('');
  }, 60_000);

  it('exits 2 with "did you mean" for a misspelt step in a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'toy-paxos-'));
    const file = join(dir, 'typo.paxos');
    writeFileSync(file, 'delivery queued\nnodes A B\npropose A Apple\npromise A -> all\nsettel\n');
    const r = cli(file);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${file}:5: unknown step "settel": did you mean "settle"?`);
    expect(r.stdout).toBe('');
  });

  it('--explore from a queued duel finds Apple eleven steps away and says the search was cut short, not that only Mango can be chosen', () => {
    const dir = mkdtempSync(join(tmpdir(), 'toy-paxos-'));
    const file = join(dir, 'duel.paxos');
    const lines = ['delivery queued', 'nodes A B C', 'propose A Apple', 'propose B Mango', 'promise A -> all', 'settle', 'promise B -> all', 'settle', 'accept A -> all', 'settle'];
    writeFileSync(file, lines.join('\n') + '\n');
    const r = cli(file, '--explore', '--states', '20000');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = r.stdout.split('\n');
    expect(out[0]).toBe('The search was cut short (20,000 states searched, not all of them: it stopped at 20,000 states), so here is what it found, value by value.');
    expect(out[1]).toBe('Mango can be chosen: the shortest way is 4 steps.');
    expect(out[2]).toMatch(/^Apple can be chosen: a way of 11 steps, found by searching for Apple alone \(a shorter way, of at least \d+ steps, may exist\)\.$/);
    expect(r.stdout).toContain('A way to choose Apple (11 steps; there may be a shorter one):');
    expect(r.stdout).not.toContain('only Mango');
    // The way printed, pasted at the end of the scenario, chooses Apple.
    const way = r.stdout.split('A way to choose Apple')[1]!.split('\n').slice(1).filter((l) => l.startsWith('  ')).map((l) => l.replace(/\s+# .*$/, '').trim());
    const played = runScenario(parseScenario([...lines, ...way, 'expect chosen Apple'].join('\n')));
    expect(played.failures).toEqual([]);
  }, 60_000);
});

describe('npm run repl', () => {
  it('works as the notebook did: entries print as its lines, .explain gives the reason', () => {
    const input = [
      "node = new PaxosNode('Node', { quorum: 3 })",
      "another = new PaxosNode('Another_Node', { quorum: 3 })",
      "node.initNewProposal('Apple')",
      'node.promiseRequest(another)',
      '.explain',
      '',
    ].join('\n');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/repl.ts'], { input, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      'PROMISE Request from Node(p: 1) to Another_Node(acc_p: None)\n' +
        '    > [ACC] Promise(1, last_accepted()), Node(promisers: 1, quorum_size: 3, promiser_acc_max: None)\n',
    );
    expect(r.stdout).toContain('Another_Node had promised nothing yet, so it promises 1.');
    expect(r.stdout).toContain('Node(p: None, val: None, promisers: 0/3');
  });
});

describe('docs/SCENARIOS.md', () => {
  it('lists every preset with its title, lesson and rule, as the files say', async () => {
    const { readFileSync } = await import('node:fs');
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'SCENARIOS.md'), 'utf8');
    const cell = (text: string) => text.replaceAll('|', '\\|');
    for (const p of PRESETS) expect(doc, p.name).toContain(`| \`${p.name}\` | ${p.title} | ${cell(p.lesson)} | ${cell(p.rule)} |`);
  });
});

describe('runScenario without annotation (what an import runs)', () => {
  it('makes the same events, refusals and failures for every preset, with no entries', () => {
    for (const p of PRESETS) {
      const annotated = runScenario(parseScenario(p.text));
      const quiet = runScenario(parseScenario(p.text), { annotate: false });
      expect(quiet.log.events, p.name).toEqual(annotated.log.events);
      expect(quiet.failures, p.name).toEqual(annotated.failures);
      expect(quiet.outcomes.filter((o) => o.kind !== 'entries'), p.name).toEqual(annotated.outcomes.filter((o) => o.kind !== 'entries'));
      expect(quiet.outcomes.some((o) => o.kind === 'entries' && o.entries.length > 0), p.name).toBe(false);
    }
  });

  it('stops at the event budget at the same line', () => {
    const text = `nodes A B C\npropose A\n${'promise A -> all\n'.repeat(50)}`;
    const annotated = runScenario(parseScenario(text), { eventsMax: 60 });
    const quiet = runScenario(parseScenario(text), { eventsMax: 60, annotate: false });
    expect(quiet.failures).toEqual(annotated.failures);
    expect(quiet.failures[0]!.message).toMatch(/more than 60 events/);
  });
});
