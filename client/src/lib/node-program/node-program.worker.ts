/**
 * Runs a learner's own node, in a worker of its own that the page ends when the program
 * misbehaves. The server sends this file with a Content-Security-Policy that lets it load
 * nothing and connect nowhere (server/src/client-files.ts); here, before the learner's code
 * runs, every way out of the worker is taken away (fetch, WebSocket, importScripts, the
 * channel to the page, eval, Function, the timers), the global object takes no new names and
 * its built-ins are frozen (see `lockDown`). The learner's code sees
 * only the program interface: `compareBallots` and the honest programs (`HONEST`). Each call into it has a deadline, checked
 * at the start of every function and loop body it runs, and what it returns must be plain
 * data of a bounded size (shared/src/programs/plain.ts) that fits the interface (checked by
 * shared/src/programs/learner.ts, as in a terminal). Each call runs on a fresh instance of the
 * learner's module (see `workerCall`).
 */
import {
  compareBallots,
  describeSchedule,
  Exploration,
  explorationScope,
  HONEST,
  formatCount,
  initialRoomState,
  LEARNER_FUNCTIONS,
  LEARNER_ROLES,
  learnerExports,
  LearnerProgramError,
  learnerPrograms,
  NODE_CHECK_ROOM,
  NODE_CHECK_STAGES,
  nodeCheckStageName,
  plainValueProblem,
  RoomLog,
  sameBallot,
  summarizeExploration,
  type AcceptorProgram,
  type LearnerCall,
  type LearnerRole,
  type NodePrograms,
  type ProposerProgram,
  type RoomState,
} from '@toy-paxos/shared';
import { compileNode, DEADLINE_CHECK, learnerLine } from './compile';
import { CALL_MS_MAX } from './limits';
import { answerKey, CHECK_BOUNDS, CHECK_NODES, type NodeProgramProblem, type NodeWorkerAnswer, type NodeWorkerRequest } from './messages';

const SLICE_STATES = 200;
const YIELD_MS = 40;

// Taken before the learner's code can reach them: the only way to the page, and the timer the check yields with.
const send: (m: NodeWorkerAnswer) => void = self.postMessage.bind(self);
const later: (f: () => void) => void = ((timer: typeof setTimeout) => (f: () => void) => void timer(f, 0))(setTimeout.bind(self));

/** A call into the program that failed: where, on which line, and why. */
class ProgramFailure extends Error {
  constructor(readonly problem: NodeProgramProblem) {
    super(problem.message);
  }
}

class DeadlinePassed extends Error {}

let deadline = Infinity;
/** Why the program's time ran out, once it has: every later check throws it again, so a program that catches the first stops at the next, and the page hears the first reason. */
let expired: string | null = null;
function deadlineCheck(): void {
  // No call is running: a promise's callback, run once the call had returned, where no deadline could stop it.
  if (deadline === Infinity) expired ??= "it ran after its call had returned (in a promise's callback?): do a call's work before it returns";
  else if (performance.now() > deadline) expired ??= `it ran longer than ${CALL_MS_MAX} ms (a loop that never ends?)`;
  if (expired) throw new DeadlinePassed(expired);
}

/** The names the learner's code sees as undefined; most are also removed from the worker itself. */
const SHADOWED = ['self', 'globalThis', 'postMessage', 'fetch', 'WebSocket', 'XMLHttpRequest', 'importScripts', 'EventSource', 'indexedDB', 'caches', 'Worker', 'addEventListener', 'close', 'navigator'];
/** Removed from the worker: ways out of it, and ways to make code at run time (which no deadline check would be put into). */
const REMOVED = ['fetch', 'WebSocket', 'XMLHttpRequest', 'importScripts', 'EventSource', 'indexedDB', 'caches', 'Worker', 'SharedWorker', 'BroadcastChannel', 'WebTransport', 'postMessage', 'close', 'eval', 'Function', 'setTimeout', 'setInterval'];
const FROZEN: readonly object[] = [Object, Object.prototype, Array, Array.prototype, Function.prototype, String.prototype, Number.prototype, Boolean.prototype, Symbol.prototype, Error.prototype, Map.prototype, Set.prototype, Promise.prototype, JSON, Math, Reflect];

function deepFreeze<T>(v: T): T {
  if ((typeof v !== 'object' && typeof v !== 'function') || v === null || Object.isFrozen(v)) return v;
  Object.freeze(v);
  for (const k of Reflect.ownKeys(v as object)) {
    const d = Object.getOwnPropertyDescriptor(v, k);
    if (d && 'value' in d) deepFreeze(d.value);
  }
  return v;
}

function lockDown(): void {
  const scope = self as unknown as Record<string, unknown>;
  Object.freeze(deadlineCheck);
  for (const name of REMOVED) {
    for (let o: object | null = scope; o; o = Object.getPrototypeOf(o)) {
      if (Object.prototype.hasOwnProperty.call(o, name)) Reflect.deleteProperty(o, name);
    }
    Object.defineProperty(scope, name, { value: undefined, writable: false, configurable: false });
  }
  // The other way to make code: the constructor of a function, an async function or a generator.
  const noCode = function (): never {
    throw new TypeError('code cannot be made while the program runs: write it as functions in your file');
  };
  for (const f of [function () {}, async function () {}, function* () {}, async function* () {}]) {
    const proto = Object.getPrototypeOf(f) as object;
    Object.defineProperty(proto, 'constructor', { value: noCode, writable: false, configurable: false });
    Object.freeze(proto);
  }
  for (const o of FROZEN) Object.freeze(o);
  // Nothing the learner's code can reach keeps what a call puts on it for the next call (each call's module is fresh): the
  // global object takes no new names, and every built-in it holds, with its prototype, is frozen. What one call allocates is
  // then garbage once it returns; a worker has no limit of its own on memory, and one that filled the page's would end the page.
  for (const name of Object.getOwnPropertyNames(scope)) {
    const d = Object.getOwnPropertyDescriptor(scope, name);
    const v: unknown = d && 'value' in d ? d.value : undefined;
    if ((typeof v !== 'function' && typeof v !== 'object') || v === null) continue;
    Object.freeze(v);
    const proto = (v as { prototype?: unknown }).prototype;
    if (typeof v === 'function' && typeof proto === 'object' && proto !== null) Object.freeze(proto);
  }
  Object.preventExtensions(scope);
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
  if (e instanceof LearnerProgramError) return { where: e.where ? `${e.where.role}.${e.where.fn}` : null, line: null, message: e.message };
  const line = e instanceof Error || (typeof e === 'object' && e !== null && 'stack' in e) ? learnerLine(String((e as Error).stack), HEADER_LINES) : null;
  let message: string;
  try {
    message = e instanceof DeadlinePassed ? e.message : e instanceof Error ? `${e.name}: ${e.message}` : `it threw ${String(e).slice(0, 200)}`;
  } catch {
    message = 'it threw something that cannot be shown';
  }
  return { where, line, message: message.slice(0, 500) };
}

/** Every answer the program gave since the last `prepare`, by `answerKey`. */
let recorded: Map<string, unknown> | null = null;

/** The learner's module, run afresh: its exports. */
type Instance = () => Record<string, unknown>;

/**
 * How the worker calls the learner's code (learner.ts's `LearnerCall`): each call on a fresh
 * instance of the module, with a deadline, on a copy of its arguments; what it returns must be
 * plain data (plain.ts), copied while the deadline still holds (a getter that never returns is
 * cut off like a loop). A fresh instance for every call keeps a program pure, as the interface
 * asks: nothing it keeps outside the state it returns lasts from one call to the next. It also
 * bounds its memory: what one call can make in its time, never more piling up call after
 * call, which a worker could not otherwise see (browsers give a worker no measure of its own
 * memory). learner.ts then checks the copy field by field, as in a terminal.
 */
function workerCall(instance: Instance): LearnerCall {
  return (role, fn, _first, args) => {
    const where = `${role}.${fn}`;
    deadline = performance.now() + CALL_MS_MAX;
    try {
      const program = instance()[role] as Record<string, unknown>;
      // A copy: the program may not change the room's own state, even by mistake.
      const answer = (program[fn] as (...a: unknown[]) => unknown).apply(program, structuredClone(args));
      const problem = plainValueProblem(answer, `${where}'s answer`);
      if (problem) throw new ProgramFailure({ where, line: null, message: problem });
      return structuredClone(answer);
    } catch (e) {
      throw new ProgramFailure(problemOf(e, where));
    } finally {
      deadline = Infinity;
    }
  };
}

/** `programs`' learner-written roles, each answer recorded for the page (answers.ts). */
function recording(programs: NodePrograms, roles: readonly LearnerRole[]): Mine {
  const wrap = <T extends object>(role: LearnerRole, program: T): T => {
    const out = { ...program } as Record<string, unknown>;
    for (const fn of LEARNER_FUNCTIONS[role]) {
      const f = (program as Record<string, (...a: unknown[]) => unknown>)[fn]!;
      out[fn] = (...args: unknown[]) => {
        const answer = f(...args);
        recorded?.set(answerKey(role, fn, args), answer);
        return answer;
      };
    }
    return out as T;
  };
  return {
    roles,
    acceptor: roles.includes('acceptor') ? wrap('acceptor', programs.acceptor) : programs.acceptor,
    proposer: roles.includes('proposer') ? wrap('proposer', programs.proposer) : programs.proposer,
  };
}

type Mine = { readonly roles: readonly LearnerRole[]; readonly acceptor: AcceptorProgram; readonly proposer: ProposerProgram };
let mine: Mine | null = null;

function load(source: string): void {
  const compiled = compileNode(source);
  if (!compiled.ok) return send({ type: 'failed', where: null, line: compiled.line, message: compiled.message });
  // What a learner may import, as in a terminal (scripts/learner-node.ts): compareBallots, sameBallot, and the honest programs to build on (frozen copies: the room's own stay as they are).
  const honest = { acceptor: { ...HONEST.acceptor }, proposer: { ...HONEST.proposer }, learner: { ...HONEST.learner } };
  // Frozen through and through, functions too: nothing the learner's code is given keeps what a call puts on it.
  const shared = deepFreeze({ compareBallots, sameBallot, honestAcceptor: honest.acceptor, honestProposer: honest.proposer, HONEST: honest });
  const require = Object.freeze((name: unknown) => {
    if (name === '@toy-paxos/shared') return shared;
    throw new Error(`Only '@toy-paxos/shared' can be imported here, not ${JSON.stringify(String(name).slice(0, 80))}.`);
  });
  let factory: (...a: unknown[]) => void;
  try {
    // Strict, as a module is: its `arguments` cannot rebind the deadline check.
    factory = new Function('exports', 'require', DEADLINE_CHECK, ...SHADOWED, `"use strict";${compiled.code}`) as typeof factory;
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
    const found = learnerExports(exports);
    const roles = LEARNER_ROLES.filter((role) => found[role]);
    mine = recording(learnerPrograms(exports, workerCall(instance)), roles);
  } catch (e) {
    return send({ type: 'failed', ...problemOf(e, null) });
  }
  send({ type: 'loaded', roles: mine.roles });
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

/** "Check my node": the check's stages in turn (NODE_CHECK_STAGES, as `npm run check`), the second only when the first finds nothing. */
function check(): void {
  // The terminal's room (NODE_CHECK_ROOM): the proposers learn, from their own acceptances; a way found plays the same on the sandbox, whose every node learns.
  const log = new RoomLog({ ...initialRoomState({ ...NODE_CHECK_ROOM.settings }), programs: programsFor(CHECK_NODES) });
  for (const node of CHECK_NODES) log.dispatch({ type: 'addNode', node });
  const start: RoomState = log.state;
  const done: { readonly states: number; readonly name: string }[] = [];
  let stage = 0;
  let search = new Exploration(start, { ...CHECK_BOUNDS, ...NODE_CHECK_STAGES[0] }, () => performance.now());
  const step = (): void => {
    try {
      const t0 = performance.now();
      let r = search.run(SLICE_STATES);
      while (!r && performance.now() - t0 < YIELD_MS) r = search.run(SLICE_STATES);
      const before = done.reduce((n, d) => n + d.states, 0);
      if (!r) {
        send({ type: 'progress', ...search.progress, states: before + search.progress.states });
        later(step);
        return;
      }
      if (!r.violations.length && r.complete && stage + 1 < NODE_CHECK_STAGES.length) {
        done.push({ states: r.states, name: nodeCheckStageName(NODE_CHECK_STAGES[stage]!) });
        stage++;
        search = new Exploration(start, { ...CHECK_BOUNDS, ...NODE_CHECK_STAGES[stage] }, () => performance.now());
        send({ type: 'progress', states: before + r.states, depth: 0 });
        later(step);
        return;
      }
      const violations = r.violations.map((v) => ({ kind: 'violation' as const, title: `Break ${v.rule}`, detail: v.message, steps: describeSchedule(start, v.commands), length: v.steps, shortest: true }));
      const { programs: _, ...plain } = start;
      const earlier = done.map((d) => `First, ${d.name}: no way found in ${formatCount(d.states)} states, all of them.`);
      send({
        type: 'checked',
        start: structuredClone(plain) as RoomState,
        commands: r.violations.map((v) => v.commands),
        summary: summarizeExploration(r),
        scope: [...earlier, `${done.length ? 'Then' : 'First'}, ${nodeCheckStageName(NODE_CHECK_STAGES[stage]!)}. ${explorationScope(r)}`].join(' '),
        states: before + r.states,
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
