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
import { EXPLORE_OPTIONS, exploreOptions, unknownOption } from './explore-options';
import { LearnerFileError, loadLearnerNode, type LearnerNode } from './learner-node';

const USAGE = `usage: npm run scenario -- FILE [--classic]
       npm run scenario -- --preset NAME [--classic]
       npm run scenario -- FILE|--preset NAME --explore [--depth N] [--states N] [--rounds N]
                           [--values A,B] [--seconds N] [--no-crashes] [--cuts]
       npm run scenario -- FILE --node NODE_FILE [--proposer FILE]   (every node runs NODE_FILE's acceptor and proposer)
       npm run scenario -- --list`;

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
  let args = parsed.rest.filter((a) => a !== '--classic');
  let node: LearnerNode | null = null;
  const files: Record<'--node' | '--proposer', string | undefined> = { '--node': undefined, '--proposer': undefined };
  for (const option of ['--node', '--proposer'] as const) {
    const at = args.indexOf(option);
    if (at < 0) continue;
    const file = args[at + 1];
    if (file === undefined || file.startsWith('--')) {
      console.error(`${option} needs the file of a node program, such as ${option} my-node.ts\n${USAGE}`);
      return 2;
    }
    files[option] = file;
    args = [...args.slice(0, at), ...args.slice(at + 2)];
  }
  if (files['--proposer'] !== undefined && files['--node'] === undefined) {
    console.error(`--proposer goes with --node: --node FILE gives every node that file's acceptor, --proposer FILE its proposer.\n${USAGE}`);
    return 2;
  }
  if (files['--node'] !== undefined) {
    try {
      node = loadLearnerNode(files['--proposer'] === undefined ? { both: files['--node'] } : { acceptor: files['--node'], proposer: files['--proposer'] });
    } catch (e) {
      if (!(e instanceof LearnerFileError)) throw e;
      console.error(e.message);
      return 2;
    }
  }
  // Every option is one this command knows: a mistyped one (--no-crash) is an error, not ignored.
  const unknown = args.find((a, i) => a.startsWith('--') && !(a === '--list' && i === 0) && !(a === '--preset' && i === 0));
  if (unknown !== undefined) {
    console.error(`${unknownOption(unknown, [...EXPLORE_OPTIONS, '--classic', '--list', '--preset', '--node', '--proposer'])}\n${USAGE}`);
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
  let run;
  try {
    run = runScenario(scenario, node ? { programs: node.programs } : {});
  } catch (e) {
    const explained = node?.explain(e);
    if (!explained) throw e;
    console.error(explained);
    return 2;
  }
  if (!parsed.bounds) process.stdout.write(formatRun(run, { classic }));
  for (const f of run.failures) console.error(`${name}:${f.line}: ${f.message}`);
  if (run.failures.length) return 1;
  return parsed.bounds ? printExploration(run.log.state, parsed.bounds) : 0;
}

process.exitCode = main(process.argv.slice(2));
