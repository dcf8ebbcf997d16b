/**
 * npm run repl
 * A Node REPL with the core loaded, for working as with the notebook:
 *   > node = new PaxosNode('Node', { quorum: 3 })
 *   > another = new PaxosNode('Another_Node', { quorum: 3 })
 *   > node.initNewProposal('Apple')
 *   > node.promiseRequest(another)
 * The notebook's own lines work too (`node = PaxosNode("Node", quorum=3)`,
 * `node.promise_request(another_node)`): each is run as the JavaScript it means, which is
 * printed the first time a form is met, or refused with the line to type (notebook-lines.ts).
 * Entries print as the notebook's lines; `.explain` shows the last entry's explanation.
 */
import repl from 'node:repl';
import { inspect } from 'node:util';
import vm from 'node:vm';
import * as core from '@toy-paxos/shared';
import { formatRun, LogEntry, parseScenario, PaxosNode, PaxosNodeError, PRESETS, runScenario } from '@toy-paxos/shared';
import { readNotebookLine, type NotebookForm } from './notebook-lines';

const interactive = process.stdin.isTTY ?? false;
if (interactive) {
  console.log(`toy-paxos REPL: PaxosNode, preset(name), scenario(text) and the whole core (as core.*) are loaded.
Try:
  node = new PaxosNode('Node', { quorum: 3 })
  another = new PaxosNode('Another_Node', { quorum: 3 })
  node.initNewProposal('Apple')
  node.promiseRequest(another)
The notebook's lines work too: node = PaxosNode("Node", quorum=3), node.promise_request(another_node).
.explain prints the last entry's explanation; preset('notebook') runs a preset.`);
}

let lastEntry: LogEntry | null = null;
const server = repl.start({
  prompt: interactive ? 'paxos> ' : '',
  ignoreUndefined: true,
  eval: evaluate,
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

/** The forms whose JavaScript was printed already: each is shown once, then simply run. */
const formsShown = new Set<NotebookForm>();

/**
 * Runs one input: the notebook's Python forms rewritten first (or refused with the line to
 * type), then the JavaScript in the REPL's context. Node's own eval would print an error
 * with a stack trace of source paths; here every error is one sentence.
 */
function evaluate(code: string, context: vm.Context, filename: string, callback: (err: Error | null, result?: unknown) => void): void {
  const script = compile(code, filename);
  if (script instanceof Error) {
    // Unfinished input waits for its next line, as in Node's REPL; other syntax errors are said.
    if (script.message === 'Unexpected end of input' || (script.message === 'missing ) after argument list' && !code.trimEnd().endsWith(')'))) {
      callback(new repl.Recoverable(script));
    } else {
      say(`SyntaxError: ${script.message}`);
      callback(null);
    }
    return;
  }
  const line = readNotebookLine(code, (name) => nodeVariable(context, name));
  if (!line.ok) {
    say(line.sentence);
    callback(null);
    return;
  }
  if (line.forms.some((f) => !formsShown.has(f))) {
    for (const f of line.forms) formsShown.add(f);
    say(`// in JavaScript: ${line.code.trim()}`);
  }
  try {
    const run = line.forms.length > 0 ? compile(line.code, filename) : script;
    if (run instanceof Error) throw run;
    callback(null, run.runInContext(context, { displayErrors: false, breakOnSigint: true }));
  } catch (e) {
    say(oneSentence(e));
    callback(null);
  }
}

/** The input as a script, or the SyntaxError; `{ a: 1 }` alone is an object, as Node's REPL reads it. */
function compile(code: string, filename: string): vm.Script | Error {
  const attempts = /^\s*\{/.test(code) && /\}\s*$/.test(code) ? [`(${code.trim()})\n`, code] : [code];
  let error: Error | null = null;
  for (const source of attempts) {
    try {
      return new vm.Script(source, { filename });
    } catch (e) {
      error ??= e instanceof Error ? e : new Error(String(e));
    }
  }
  return error!;
}

/** What a thrown value says, without the stack of source paths behind it. */
function oneSentence(e: unknown): string {
  if (e instanceof PaxosNodeError || e instanceof core.ScenarioError) return e.message;
  // Errors made in the REPL's context are of its realm: look at their shape, not their class.
  if (typeof e === 'object' && e !== null && 'message' in e && 'name' in e) return `${String(e.name)}: ${String(e.message)}`;
  return `Uncaught ${inspect(e)}`;
}

/** A variable of the REPL's context that holds the PaxosNode called `name`, if any. */
function nodeVariable(context: vm.Context, name: string): string | null {
  // Read the variables' values only, not the context's getters (some throw when read so).
  for (const [variable, property] of Object.entries(Object.getOwnPropertyDescriptors(context))) {
    if (property.value instanceof PaxosNode && property.value.name === name) return variable;
  }
  return null;
}

function say(text: string): void {
  server.output.write(`${text}\n`);
}
