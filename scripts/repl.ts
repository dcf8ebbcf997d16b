/**
 * npm run repl
 * A Node REPL with the core loaded, for working as with the notebook:
 *   > node = new PaxosNode('Node', { quorum: 3 })
 *   > another = new PaxosNode('Another_Node', { quorum: 3 })
 *   > node.initNewProposal('Apple')
 *   > node.promiseRequest(another)
 * Entries print as the notebook's lines; `.explain` shows the last entry's explanation.
 */
import repl from 'node:repl';
import { inspect } from 'node:util';
import * as core from '@toy-paxos/shared';
import { formatRun, LogEntry, parseScenario, PaxosNode, PRESETS, runScenario } from '@toy-paxos/shared';

const interactive = process.stdin.isTTY ?? false;
if (interactive) {
  console.log(`toy-paxos REPL: PaxosNode, preset(name), scenario(text) and the whole core (as core.*) are loaded.
Try:
  node = new PaxosNode('Node', { quorum: 3 })
  another = new PaxosNode('Another_Node', { quorum: 3 })
  node.initNewProposal('Apple')
  node.promiseRequest(another)
.explain prints the last entry's explanation; preset('notebook') runs a preset.`);
}

let lastEntry: LogEntry | null = null;
const server = repl.start({
  prompt: interactive ? 'paxos> ' : '',
  ignoreUndefined: true,
  // Remember the last entry printed, for `.explain`.
  writer: (value: unknown) => {
    if (value instanceof LogEntry) lastEntry = value;
    return inspect(value, { colors: interactive });
  },
});

/** Runs a preset scenario by name and prints its annotated log. */
function preset(name: string): void {
  const p = PRESETS.find((x) => x.name === name);
  if (!p) {
    console.log(`No preset "${name}". Presets: ${PRESETS.map((x) => x.name).join(', ')}`);
    return;
  }
  process.stdout.write(formatRun(runScenario(parseScenario(p.text))));
}

/** Runs a scenario written inline and prints its annotated log. */
function scenario(text: string): void {
  try {
    process.stdout.write(formatRun(runScenario(parseScenario(text))));
  } catch (e) {
    console.log(e instanceof core.ScenarioError ? e.message : String(e));
  }
}

Object.assign(server.context, { PaxosNode, core, preset, scenario, presets: PRESETS.map((p) => p.name) });

server.defineCommand('explain', {
  help: "Print the last log entry's plain-English explanation",
  action() {
    console.log(lastEntry ? lastEntry.explanation : 'No entry yet: call initNewProposal, promiseRequest or acceptRequest first.');
    this.displayPrompt();
  },
});
