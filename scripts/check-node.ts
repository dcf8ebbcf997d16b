/**
 * npm run check -- FILE [--proposer FILE] [--depth N] [--states N] [--rounds N] [--values A,B] [--seconds N] [--no-crashes]
 * Checks a learner's own acceptor and/or proposer (docs/BRING-YOUR-OWN-NODE.md): every node
 * of a small room runs it, and the explorer searches every way the room can go. Prints the
 * verdict, and the shortest way to break a safety rule as a scenario that `npm run scenario
 * -- FILE --node NODE_FILE` plays. Exits 1 when a rule can be broken, 0 when none can, 2 on
 * a program that cannot run (with the learner's file and line) or a wrong command line.
 */
import { ExploreError, formatCount, LearnerProgramError, NODE_CHECK_STAGES, nodeCheck, nodeCheckReport, nodeCheckStageName, nodeCheckStart, type Exploration, type NodeCheckBounds } from '@toy-paxos/shared';
import { exploreOptions, unknownOption } from './explore-options';
import { LearnerFileError, loadLearnerNode, type LearnerNode } from './learner-node';

const USAGE = `usage: npm run check -- FILE [--proposer FILE] [--depth N] [--states N] [--rounds N] [--values A,B] [--seconds N] [--no-crashes]
  FILE exports acceptor, proposer or both; --proposer FILE takes the proposer from another file.
  A proposes Apple and B Mango; with --values, each proposes any of those values.`;

/** The search options this command takes: the explorer's, less those that change the room (values, cuts). */
const OPTIONS = ['--proposer', '--depth', '--states', '--rounds', '--values', '--seconds', '--no-crashes'];

function main(argv: string[]): number {
  const parsed = exploreOptions(argv, true);
  if (typeof parsed === 'string') {
    console.error(`${parsed}\n${USAGE}`);
    return 2;
  }
  const bounds = parsed.bounds!;
  if (bounds.cuts !== undefined) {
    console.error(`The check's room has no links to cut: --cuts belongs to npm run scenario -- --explore.\n${USAGE}`);
    return 2;
  }
  const args = [...parsed.rest];
  let proposer: string | undefined;
  const at = args.indexOf('--proposer');
  if (at >= 0) {
    proposer = args[at + 1];
    if (proposer === undefined || proposer.startsWith('--')) {
      console.error(`--proposer needs the file of a proposer, such as --proposer my-proposer.ts\n${USAGE}`);
      return 2;
    }
    args.splice(at, 2);
  }
  const unknown = args.find((a) => a.startsWith('-'));
  if (unknown !== undefined) {
    console.error(`${unknownOption(unknown, OPTIONS)}\n${USAGE}`);
    return 2;
  }
  if (args.length !== 1) {
    console.error(USAGE);
    return 2;
  }
  let node: LearnerNode;
  try {
    node = loadLearnerNode(proposer === undefined ? { both: args[0]! } : { acceptor: args[0]!, proposer });
  } catch (e) {
    if (!(e instanceof LearnerFileError)) throw e;
    console.error(e.message);
    return 2;
  }
  const start = nodeCheckStart(node.programs);
  // With neither --rounds nor --no-crashes, the check's two stages (NODE_CHECK_STAGES), each named; else the one search asked for.
  const staged = bounds.roundMax === undefined && bounds.crashes === undefined;
  const stages: NodeCheckBounds[] = staged ? NODE_CHECK_STAGES.map((stage) => ({ ...bounds, ...stage })) : [bounds];
  const honest = (['acceptor', 'proposer'] as const).filter((r) => !node.roles.includes(r));
  console.log(`Checking your ${node.roles.join(' and ')}${honest.length ? ` (with the honest ${honest.join(' and ')})` : ''} on 3 nodes, ${bounds.values ? `A and B proposing ${bounds.values.join(' or ')}` : 'A proposing Apple and B Mango'}.`);
  for (const [i, stageBounds] of stages.entries()) {
    let search: Exploration;
    try {
      search = nodeCheck(start, stageBounds, () => performance.now());
    } catch (e) {
      if (!(e instanceof ExploreError)) throw e;
      console.error(e.message);
      return 2;
    }
    const t0 = performance.now();
    let result;
    try {
      result = search.run()!;
    } catch (e) {
      if (!(e instanceof LearnerProgramError)) throw e;
      console.error(node.explain(e));
      return 2;
    }
    const seconds = ((performance.now() - t0) / 1000).toFixed(1);
    const report = nodeCheckReport(start, result);
    if (staged) console.log(`${i === 0 ? 'First' : 'Then'}, ${nodeCheckStageName(stageBounds)}:`);
    console.log(report.lines.join('\n'));
    console.log(`(${formatCount(result.states)} states and ${formatCount(result.transitions)} commands in ${seconds} s)`);
    if (report.scenario) {
      const play = `npm run scenario -- broken.paxos --node ${args[0]}${proposer === undefined ? '' : ` --proposer ${proposer}`}`;
      console.log(`\nSave these lines as broken.paxos and play them with: ${play}\n`);
      console.log(report.scenario);
      return 1;
    }
    // A search cut short by a bound says so; the next stage would not make its answer whole.
    if (report.verdict !== 'safe') return 0;
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
