/**
 * npm run scenario -- FILE [--classic]
 * npm run scenario -- --preset NAME [--classic]
 * npm run scenario -- --list
 * Prints a scenario's annotated log. Exits 1 when an expectation fails or a step
 * cannot run, 2 when the script itself is malformed, with the line and what is wrong.
 */
import { readFileSync } from 'node:fs';
import { formatRun, parseScenario, PRESETS, runScenario, ScenarioError } from '@toy-paxos/shared';

const USAGE = `usage: npm run scenario -- FILE [--classic]
       npm run scenario -- --preset NAME [--classic]
       npm run scenario -- --list`;

function main(argv: string[]): number {
  const classic = argv.includes('--classic');
  const args = argv.filter((a) => a !== '--classic');
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
  process.stdout.write(formatRun(run, { classic }));
  for (const f of run.failures) console.error(`${name}:${f.line}: ${f.message}`);
  return run.failures.length ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
