/**
 * npm run scenario -- FILE [--classic | --explore [EXPLORE OPTIONS]]
 * npm run scenario -- --preset NAME [--classic | --explore [EXPLORE OPTIONS]]
 * npm run scenario -- --list
 * Prints a scenario's annotated log, or with --explore what can happen from its end.
 * Exits 1 when an expectation fails or a step cannot run, 2 when the script itself is
 * malformed or the command line is wrong, with the line and what is wrong.
 */
import { readFileSync } from 'node:fs';
import {
  describeSchedule,
  EXPLORE_DEFAULTS,
  Exploration,
  explorationScope,
  ExploreError,
  formatCount,
  formatRun,
  parseScenario,
  PRESETS,
  runScenario,
  ScenarioError,
  summarizeExploration,
  type ExploreBounds,
  type RoomState,
} from '@toy-paxos/shared';

const USAGE = `usage: npm run scenario -- FILE [--classic]
       npm run scenario -- --preset NAME [--classic]
       npm run scenario -- FILE|--preset NAME --explore [--depth N] [--states N] [--rounds N]
                           [--values A,B] [--seconds N] [--no-crashes] [--cuts]
       npm run scenario -- --list`;

/** Reads --explore and its options out of `argv`; an error message when one is wrong. */
function exploreOptions(argv: string[]): { rest: string[]; bounds: ExploreBounds | null } | string {
  const rest: string[] = [];
  let on = false;
  const bounds: { -readonly [K in keyof ExploreBounds]: ExploreBounds[K] } = { timeMsMax: 60_000 };
  const numbers: Record<string, 'depthMax' | 'statesMax' | 'roundMax' | 'timeMsMax'> = { '--depth': 'depthMax', '--states': 'statesMax', '--rounds': 'roundMax', '--seconds': 'timeMsMax' };
  let options = 0;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--explore') on = true;
    else if (a === '--no-crashes') (bounds.crashes = false), options++;
    else if (a === '--cuts') (bounds.cuts = true), options++;
    else if (a === '--values') {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) return '--values needs a list of values, such as --values Apple,Mango';
      bounds.values = v.split(',').filter(Boolean);
      const most = EXPLORE_DEFAULTS.valuesMax;
      if (bounds.values.length === 0 || bounds.values.length > most) return `--values takes from 1 to ${most} values, not ${bounds.values.length}: such as --values Apple,Mango`;
      // The shortest ways print as scenario lines, where a value is one word with no #.
      const bad = bounds.values.find((x) => /[\s#]/.test(x));
      if (bad !== undefined) return `--values: "${bad}" cannot be a value in a scenario line: use words with no spaces and no #`;
      options++;
    } else if (a in numbers) {
      const v = argv[++i];
      const n = Number(v);
      if (v === undefined || !/^\d+$/.test(v) || n < 1) return `${a} needs a whole number of at least 1, such as ${a} 3`;
      bounds[numbers[a]!] = a === '--seconds' ? n * 1000 : n;
      options++;
    } else rest.push(a);
  }
  if (!on && options) return 'the search options (--depth, --states, --rounds, --values, --seconds, --no-crashes, --cuts) go with --explore';
  return { rest, bounds: on ? bounds : null };
}

/** Searches what can happen from `state` and prints the answer; 0, or 2 when the bounds are wrong. */
function printExploration(state: RoomState, bounds: ExploreBounds): number {
  let search: Exploration;
  try {
    search = new Exploration(state, bounds, () => performance.now());
  } catch (e) {
    if (!(e instanceof ExploreError)) throw e;
    console.error(e.message);
    return 2;
  }
  const t0 = performance.now();
  const r = search.run()!;
  const seconds = (performance.now() - t0) / 1000;
  const focus = r.focusStates ? `, then ${formatCount(r.focusStates)} states searching for each value it did not find alone,` : '';
  const out = [...summarizeExploration(r), explorationScope(r), `(${formatCount(r.states)} states and ${formatCount(r.transitions)} commands${focus} in ${seconds.toFixed(1)} s)`];
  const outcomes = [
    ...r.violations.map((v) => ({ title: `Shortest way to break ${v.rule}: ${v.message}`, commands: v.commands })),
    ...r.chosen
      .filter((c) => c.steps)
      .map((c) => ({ title: c.shortest ? `Shortest way to choose ${c.value}:` : `A way to choose ${c.value} (${c.steps} steps; there may be a shorter one):`, commands: c.commands })),
  ];
  for (const o of outcomes) {
    out.push('', o.title);
    for (const step of describeSchedule(state, o.commands)) out.push(`  ${step.line.padEnd(24)} # ${step.words}`);
  }
  console.log(out.join('\n'));
  return 0;
}

function main(argv: string[]): number {
  const parsed = exploreOptions(argv);
  if (typeof parsed === 'string') {
    console.error(`${parsed}\n${USAGE}`);
    return 2;
  }
  const classic = parsed.rest.includes('--classic');
  if (classic && parsed.bounds) {
    console.error(`--classic prints the log and --explore what can happen next: use one of them.\n${USAGE}`);
    return 2;
  }
  const args = parsed.rest.filter((a) => a !== '--classic');
  // Every option is one this command knows: a mistyped one (--no-crash) is an error, not ignored.
  const unknown = args.find((a, i) => a.startsWith('--') && !(a === '--list' && i === 0) && !(a === '--preset' && i === 0));
  if (unknown !== undefined) {
    console.error(`There is no option ${unknown}.\n${USAGE}`);
    return 2;
  }
  if (args[0] === '--list') {
    const width = Math.max(...PRESETS.map((p) => p.name.length));
    for (const p of PRESETS) console.log(`${p.name.padEnd(width)}  ${p.title}`);
    return 0;
  }
  let name: string;
  let text: string;
  if (args[0] === '--preset') {
    const preset = PRESETS.find((p) => p.name === args[1]);
    if (!preset) {
      console.error(`No preset called "${args[1] ?? ''}". Run "npm run scenario -- --list" to see them.`);
      return 2;
    }
    name = `preset ${preset.name}`;
    text = preset.text;
  } else if (args.length === 1 && !args[0]!.startsWith('--')) {
    name = args[0]!;
    try {
      text = readFileSync(name, 'utf8');
    } catch (e) {
      console.error(`Cannot read ${name}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
      return 2;
    }
  } else {
    console.error(USAGE);
    return 2;
  }
  let scenario;
  try {
    scenario = parseScenario(text);
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    for (const p of e.problems) console.error(`${name}:${p.line}: ${p.message}`);
    return 2;
  }
  const run = runScenario(scenario);
  if (!parsed.bounds) process.stdout.write(formatRun(run, { classic }));
  for (const f of run.failures) console.error(`${name}:${f.line}: ${f.message}`);
  if (run.failures.length) return 1;
  return parsed.bounds ? printExploration(run.log.state, parsed.bounds) : 0;
}

process.exitCode = main(process.argv.slice(2));
