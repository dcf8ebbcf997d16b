/**
 * Runs a learner's own node, in a worker of its own that the page ends when the program
 * misbehaves. The server sends this file with a Content-Security-Policy that lets it load
 * nothing and connect nowhere (server/src/client-files.ts); here, before the learner's code
 * runs, every way out of the worker is taken away (fetch, WebSocket, importScripts, the
 * channel to the page...) and the built-in prototypes are frozen. The learner's code sees
 * only the program interface: `compareBallots` and the honest programs (`HONEST`). Each call into it has a deadline, checked
 * at the start of every function and loop body it runs, and what it returns must be plain
 * data of a bounded size (shared/src/programs/plain.ts). Each call runs on a fresh instance of
 * the learner's module (see `guarded`).
 */
import {
  acceptorAnswerProblem,
  compareBallots,
  DEFAULT_SETTINGS,
  describeSchedule,
  Exploration,
  explorationScope,
  HONEST,
  initialRoomState,
  plainValueProblem,
  RoomLog,
  sameBallot,
  summarizeExploration,
  type AcceptorProgram,
  type NodePrograms,
  type ProposerProgram,
  type RequestMessage,
  type RoomState,
} from '@toy-paxos/shared';
import { compileNode, DEADLINE_CHECK, learnerLine } from './compile';
import { CALL_MS_MAX } from './limits';
import { answerKey, CHECK_BOUNDS, CHECK_NODES, type NodeProgramProblem, type NodeWorkerAnswer, type NodeWorkerRequest } from './messages';

const SLICE_STATES = 200;
const YIELD_MS = 40;

// Taken before the learner's code can reach it: the only way to the page.
const send: (m: NodeWorkerAnswer) => void = self.postMessage.bind(self);

/** A call into the program that failed: where, on which line, and why. */
class ProgramFailure extends Error {
  constructor(readonly problem: NodeProgramProblem) {
    super(problem.message);
  }
}

class DeadlinePassed extends Error {}

let deadline = Infinity;
let expired = false;
function deadlineCheck(): void {
  if (expired || performance.now() > deadline) {
    // Once passed, every check throws: a program that catches the first one stops at the next.
    expired = true;
    throw new DeadlinePassed(`it ran longer than ${CALL_MS_MAX} ms (a loop that never ends?)`);
  }
}

/** The names the learner's code sees as undefined; most are also removed from the worker itself. */
const SHADOWED = ['self', 'globalThis', 'postMessage', 'fetch', 'WebSocket', 'XMLHttpRequest', 'importScripts', 'EventSource', 'indexedDB', 'caches', 'Worker', 'addEventListener', 'close', 'navigator'];
const REMOVED = ['fetch', 'WebSocket', 'XMLHttpRequest', 'importScripts', 'EventSource', 'indexedDB', 'caches', 'Worker', 'SharedWorker', 'BroadcastChannel', 'WebTransport', 'postMessage', 'close'];
const FROZEN: readonly object[] = [Object, Object.prototype, Array, Array.prototype, Function.prototype, String.prototype, Number.prototype, Boolean.prototype, Symbol.prototype, Error.prototype, Map.prototype, Set.prototype, Promise.prototype, JSON, Math, Reflect];

function lockDown(): void {
  const scope = self as unknown as Record<string, unknown>;
  for (const name of REMOVED) {
    for (let o: object | null = scope; o; o = Object.getPrototypeOf(o)) {
      if (Object.prototype.hasOwnProperty.call(o, name)) Reflect.deleteProperty(o, name);
    }
    Object.defineProperty(scope, name, { value: undefined, writable: false, configurable: false });
  }
  for (const o of FROZEN) Object.freeze(o);
}

/** The lines `new Function` puts before the body: what a stack's line numbers are shifted by. */
function headerLines(): number {
  try {
    new Function('a', 'throw new Error()')();
  } catch (e) {
    const line = learnerLine((e as Error).stack, 0);
    if (line !== null) return line - 1;
  }
  return 2;
}
const HEADER_LINES = headerLines();

// A promise the learner's code let fail (an import() it made, say) stops the program as a throw does.
addEventListener('unhandledrejection', (e: PromiseRejectionEvent) => {
  e.preventDefault();
  send({ type: 'failed', ...problemOf(e.reason, null) });
});

function problemOf(e: unknown, where: string | null): NodeProgramProblem {
  if (e instanceof ProgramFailure) return e.problem;
  const line = e instanceof Error || (typeof e === 'object' && e !== null && 'stack' in e) ? learnerLine(String((e as Error).stack), HEADER_LINES) : null;
  let message: string;
  try {
    message = e instanceof DeadlinePassed ? e.message : e instanceof Error ? `${e.name}: ${e.message}` : `it threw ${String(e).slice(0, 200)}`;
  } catch {
    message = 'it threw something that cannot be shown';
  }
  return { where, line, message: message.slice(0, 500) };
}

const ACCEPTOR_FUNCTIONS = ['init', 'onRequest', 'onAnswer', 'mayAnswerYes', 'onCrash'] as const;
const PROPOSER_FUNCTIONS = ['init', 'propose', 'onReply', 'readyToAccept', 'valueToPropose', 'onCrash'] as const;

/** Every answer the program gave since the last `prepare`, by `answerKey`. */
let recorded: Map<string, unknown> | null = null;

/** The learner's module, run afresh: its exports. */
type Instance = () => Record<string, unknown>;

/**
 * The learner's `role`, each function run on a fresh instance of the module, with a deadline,
 * on a copy of its arguments, its answer checked. A fresh instance for every call keeps a
 * program pure, as the interface asks: nothing it keeps outside the state it returns lasts
 * from one call to the next. It also bounds its memory: what one call can make in its time,
 * never more piling up call after call, which a worker could not otherwise see (browsers give
 * a worker no measure of its own memory).
 */
function guarded<T>(role: string, first: Record<string, unknown>, instance: Instance, functions: readonly string[]): T {
  const out: Record<string, unknown> = { name: typeof first.name === 'string' ? first.name.slice(0, 60) : role };
  for (const fn of functions) {
    if (typeof first[fn] !== 'function') throw new ProgramFailure({ where: null, line: null, message: `${role} has no function ${fn}: write ${role}.${fn} (docs/NODE-PROGRAMS.md lists what each role needs).` });
    const where = `${role}.${fn}`;
    out[fn] = (...args: unknown[]) => {
      let answer: unknown;
      deadline = performance.now() + CALL_MS_MAX;
      try {
        const program = instance()[role] as Record<string, unknown>;
        // A copy: the program may not change the room's own state, even by mistake.
        answer = (program[fn] as (...a: unknown[]) => unknown).apply(program, structuredClone(args));
      } catch (e) {
        throw new ProgramFailure(problemOf(e, where));
      } finally {
        deadline = Infinity;
      }
      const problem =
        plainValueProblem(answer, `${where}'s answer`) ??
        (where === 'acceptor.onRequest' ? acceptorAnswerProblem(answer, (args[1] as RequestMessage).kind === 'prepare' ? 'prepare' : 'accept', `${where}'s answer`) : null);
      if (problem) throw new ProgramFailure({ where, line: null, message: problem });
      recorded?.set(answerKey(role, fn, args), answer);
      return answer;
    };
  }
  return out as T;
}

let mine: { acceptor: AcceptorProgram; proposer: ProposerProgram } | null = null;

function load(source: string): void {
  const compiled = compileNode(source);
  if (!compiled.ok) return send({ type: 'failed', where: null, line: compiled.line, message: compiled.message });
  // What a learner may import, as in a terminal (scripts/learner-node.ts): compareBallots, sameBallot, and the honest programs to build on (frozen copies: the room's own stay as they are).
  const honest = Object.freeze({ acceptor: Object.freeze({ ...HONEST.acceptor }), proposer: Object.freeze({ ...HONEST.proposer }), learner: Object.freeze({ ...HONEST.learner }) });
  const shared = Object.freeze({ compareBallots, sameBallot, honestAcceptor: honest.acceptor, honestProposer: honest.proposer, HONEST: honest });
  const require = (name: unknown) => {
    if (name === '@toy-paxos/shared') return shared;
    throw new Error(`Only '@toy-paxos/shared' can be imported here, not ${JSON.stringify(String(name).slice(0, 80))}.`);
  };
  let factory: (...a: unknown[]) => void;
  try {
    factory = new Function('exports', 'require', DEADLINE_CHECK, ...SHADOWED, compiled.code) as typeof factory;
  } catch (e) {
    return send({ type: 'failed', ...problemOf(e, null) });
  }
  lockDown();
  const hidden = SHADOWED.map(() => undefined);
  const instance: Instance = () => {
    const exports: Record<string, unknown> = {};
    factory(exports, require, deadlineCheck, ...hidden);
    return exports;
  };
  try {
    deadline = performance.now() + CALL_MS_MAX;
    const exports = instance();
    deadline = Infinity;
    const acceptor = exports.acceptor;
    const proposer = exports.proposer;
    if (typeof acceptor !== 'object' || acceptor === null) throw new ProgramFailure({ where: null, line: null, message: 'The program exports no acceptor: write export const acceptor = { ... }.' });
    if (typeof proposer !== 'object' || proposer === null) throw new ProgramFailure({ where: null, line: null, message: 'The program exports no proposer: write export const proposer = { ... }.' });
    mine = {
      acceptor: guarded<AcceptorProgram>('acceptor', acceptor as Record<string, unknown>, instance, ACCEPTOR_FUNCTIONS),
      proposer: guarded<ProposerProgram>('proposer', proposer as Record<string, unknown>, instance, PROPOSER_FUNCTIONS),
    };
  } catch (e) {
    return send({ type: 'failed', ...problemOf(e, null) });
  }
  send({ type: 'loaded', roles: ['acceptor', 'proposer'] });
}

function programsFor(nodes: readonly string[]): Record<string, NodePrograms> {
  const programs: Record<string, NodePrograms> = {};
  for (const id of nodes) programs[id] = { ...HONEST, acceptor: mine!.acceptor, proposer: mine!.proposer };
  return programs;
}

function prepare(request: Extract<NodeWorkerRequest, { type: 'prepare' }>): void {
  recorded = new Map();
  const log = new RoomLog({ ...request.initial, programs: programsFor(request.nodes) }, request.events);
  if (request.command) log.dispatch(request.command);
  // What the page shows of each node (the value its accept requests would carry) asks the program too.
  for (const id of request.nodes) {
    const node = log.state.nodes[id];
    if (node) mine!.proposer.valueToPropose(node.proposer);
  }
  send({ type: 'prepared', answers: [...recorded] });
  recorded = null;
}

function check(): void {
  const log = new RoomLog({ ...initialRoomState(DEFAULT_SETTINGS), programs: programsFor(CHECK_NODES) });
  for (const node of CHECK_NODES) log.dispatch({ type: 'addNode', node });
  const start: RoomState = log.state;
  const search = new Exploration(start, CHECK_BOUNDS, () => performance.now());
  const step = (): void => {
    try {
      const t0 = performance.now();
      let r = search.run(SLICE_STATES);
      while (!r && performance.now() - t0 < YIELD_MS) r = search.run(SLICE_STATES);
      if (!r) {
        send({ type: 'progress', ...search.progress });
        setTimeout(step, 0);
        return;
      }
      const violations = r.violations.map((v) => ({ kind: 'violation' as const, title: `Break ${v.rule}`, detail: v.message, steps: describeSchedule(start, v.commands), length: v.steps, shortest: true }));
      const { programs: _, ...plain } = start;
      send({
        type: 'checked',
        start: structuredClone(plain) as RoomState,
        commands: r.violations.map((v) => v.commands),
        summary: summarizeExploration(r),
        scope: explorationScope(r),
        states: r.states,
        complete: r.complete,
        outcomes: violations,
      });
    } catch (e) {
      send({ type: 'failed', ...problemOf(e, null) });
    }
  };
  step();
}

addEventListener('message', (e: MessageEvent<NodeWorkerRequest>) => {
  const request = e.data;
  try {
    if (request.type === 'load') load(request.source);
    else if (!mine) send({ type: 'failed', where: null, line: null, message: 'No program is loaded.' });
    else if (request.type === 'prepare') prepare(request);
    // One call, checked like every other (guarded): a malformed answer is a failure, never sent on.
    else if (request.type === 'answer') send({ type: 'answered', answer: mine.acceptor.onRequest(request.acceptor, request.request) });
    else check();
  } catch (err) {
    recorded = null;
    send({ type: 'failed', ...problemOf(err, null) });
  }
});
