/**
 * A learner's own programs, made safe to run: the exports of their file are checked for an
 * acceptor and a proposer with every function, and each function is wrapped so that what
 * it is given is a frozen copy (a program that changes its state in place cannot reach the
 * room's) and what it returns is checked, field by field, and copied into plain data. A
 * mistake becomes a `LearnerProgramError` that names the function and says what to return.
 * Pure: loading the code (a vm context in Node, a Web Worker in the browser) is the caller's.
 */
import type { AcceptedValue, Ballot } from '../ballot';
import type { AcceptorState, Answer, ProposerState, ReplyMessage, RequestMessage } from '../node';
import { HONEST } from './honest';
import type { AcceptorProgram, NodePrograms, ProposerProgram, ProposerStep, Quorums } from './types';

/** What a learner's file may export: either role, or both. */
export const LEARNER_ROLES = ['acceptor', 'proposer'] as const;
export type LearnerRole = (typeof LEARNER_ROLES)[number];

/** Every function each role's program must have, in the order docs/NODE-PROGRAMS.md lists them. */
export const LEARNER_FUNCTIONS: Readonly<Record<LearnerRole, readonly string[]>> = {
  acceptor: ['init', 'onRequest', 'onAnswer', 'mayAnswerYes', 'onCrash'],
  proposer: ['init', 'propose', 'onReply', 'readyToAccept', 'valueToPropose', 'onCrash'],
};

/** Bounds on what a program may return, so that checking an answer costs little: no room has more nodes or longer names. */
export const LEARNER_LIMITS = { stringLengthMax: 100, listLengthMax: 100, roundMax: 1_000_000 } as const;

/** A learner's program broke the interface: `where` is the function (null: the file's exports), `cause` what it threw. */
export class LearnerProgramError extends Error {
  override name = 'LearnerProgramError';
  constructor(
    message: string,
    readonly where: { readonly role: LearnerRole; readonly fn: string } | null = null,
    override readonly cause: unknown = undefined,
  ) {
    super(message);
  }
}

/** Thrown inside a check when a returned value does not fit: the message says what was expected. */
class Misfit {
  constructor(readonly message: string) {}
}

function shown(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (v === undefined || v === null || typeof v !== 'object') return String(v);
  if (Array.isArray(v)) return 'a list';
  try {
    const text = JSON.stringify(v);
    return text.length > 80 ? `${text.slice(0, 80)}…` : text;
  } catch {
    return 'an object that is not plain data';
  }
}

function record(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Misfit(`${what} must be an object, not ${shown(v)}`);
  return v as Record<string, unknown>;
}

function text(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > LEARNER_LIMITS.stringLengthMax) {
    throw new Misfit(`${what} must be a string of 1 to ${LEARNER_LIMITS.stringLengthMax} characters, not ${shown(v)}`);
  }
  return v;
}

function maybeText(v: unknown, what: string): string | null {
  return v === null ? null : text(v, `${what} (or null)`);
}

function ballot(v: unknown, what: string): Ballot {
  const b = record(v, `${what} (a ballot such as { round: 1, node: 'A' })`);
  const round = b.round;
  if (typeof round !== 'number' || !Number.isInteger(round) || round < 0 || round > LEARNER_LIMITS.roundMax) {
    throw new Misfit(`${what}.round must be a whole number from 0 to ${LEARNER_LIMITS.roundMax}, not ${shown(round)}`);
  }
  return Object.freeze(b.node === undefined ? { round } : { round, node: text(b.node, `${what}.node`) });
}

function maybeBallot(v: unknown, what: string): Ballot | null {
  return v === null ? null : ballot(v, `${what} (or null)`);
}

function accepted(v: unknown, what: string): AcceptedValue | null {
  if (v === null) return null;
  const a = record(v, `${what} ({ ballot, value } or null)`);
  return Object.freeze({ ballot: ballot(a.ballot, `${what}.ballot`), value: text(a.value, `${what}.value`) });
}

function names(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || v.length > LEARNER_LIMITS.listLengthMax) throw new Misfit(`${what} must be a list of node names, not ${shown(v)}`);
  return v.map((x, i) => text(x, `${what}[${i}]`));
}

function yesNo(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean') throw new Misfit(`${what} must be true or false, not ${shown(v)}`);
  return v;
}

/** An acceptor's state, checked and copied: `{ promised, accepted }`. */
function acceptorState(v: unknown, what = 'the state'): AcceptorState {
  const s = record(v, `${what} ({ promised, accepted })`);
  return Object.freeze({ promised: maybeBallot(s.promised, `${what}.promised`), accepted: accepted(s.accepted, `${what}.accepted`) });
}

/** A proposer's state, checked and copied: every field of `ProposerState`. */
function proposerState(v: unknown, what = 'the state'): ProposerState {
  const s = record(v, `${what} ({ ballot, value, promisers, promiserAccMax, acceptors, sentValue, maxRound })`);
  const maxRound = s.maxRound;
  if (typeof maxRound !== 'number' || !Number.isInteger(maxRound) || maxRound < 0 || maxRound > LEARNER_LIMITS.roundMax) {
    throw new Misfit(`${what}.maxRound must be a whole number from 0 to ${LEARNER_LIMITS.roundMax}, not ${shown(maxRound)}`);
  }
  return Object.freeze({
    ballot: maybeBallot(s.ballot, `${what}.ballot`),
    value: maybeText(s.value, `${what}.value`),
    promisers: Object.freeze(names(s.promisers, `${what}.promisers`)) as string[],
    promiserAccMax: accepted(s.promiserAccMax, `${what}.promiserAccMax`),
    acceptors: Object.freeze(names(s.acceptors, `${what}.acceptors`)) as string[],
    sentValue: maybeText(s.sentValue, `${what}.sentValue`),
    maxRound,
  });
}

/** An acceptor's answer to `request`: one of the three answers, and one that fits the request. */
function answer(v: unknown, request: RequestMessage): Answer {
  const a = record(v, "the answer ({ kind: 'promise', lastAccepted }, { kind: 'accepted' } or { kind: 'reject', promised })");
  const fits = request.kind === 'prepare' ? "{ kind: 'promise', lastAccepted } or { kind: 'reject', promised }" : "{ kind: 'accepted' } or { kind: 'reject', promised }";
  if (a.kind === 'reject') return Object.freeze({ kind: 'reject', promised: ballot(a.promised, 'the refusal’s promised') });
  if (a.kind === 'promise' && request.kind === 'prepare') return Object.freeze({ kind: 'promise', lastAccepted: accepted(a.lastAccepted, 'the promise’s lastAccepted') });
  if (a.kind === 'accepted' && request.kind === 'accept') return Object.freeze({ kind: 'accepted' });
  throw new Misfit(`the answer to ${request.kind === 'prepare' ? 'a promise request' : 'an accept request'} must be ${fits}, not ${shown(v)}`);
}

function step(v: unknown): ProposerStep {
  const r = record(v, 'the result ({ state, chosen? })');
  const state = proposerState(r.state, 'the result’s state');
  return r.chosen === undefined || r.chosen === null ? { state } : { state, chosen: text(r.chosen, 'the result’s chosen (or absent)') };
}

/** A frozen copy of a message or state the room hands a program: plain data, a few levels deep. */
function frozenCopy<T>(v: T, depth = 3): T {
  if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return v;
  if (depth === 0) return v;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(v) ? v.map((x) => frozenCopy(x, depth - 1)) : {};
  if (!Array.isArray(v)) for (const [k, x] of Object.entries(v)) (copy as Record<string, unknown>)[k] = frozenCopy(x, depth - 1);
  return Object.freeze(copy) as T;
}

/**
 * Checks that `exports` (a learner's file's exports) holds an acceptor, a proposer or both,
 * with every function; throws LearnerProgramError saying what is missing otherwise.
 */
export function learnerExports(exports: unknown): { acceptor?: Record<string, unknown>; proposer?: Record<string, unknown> } {
  const e = (typeof exports === 'object' && exports !== null ? exports : {}) as Record<string, unknown>;
  const found: { acceptor?: Record<string, unknown>; proposer?: Record<string, unknown> } = {};
  for (const role of LEARNER_ROLES) {
    const p = e[role];
    if (p === undefined) continue;
    if (typeof p !== 'object' || p === null) throw new LearnerProgramError(`The export ${role} must be an object of functions (${LEARNER_FUNCTIONS[role].join(', ')}), not ${shown(p)}.`);
    const missing = LEARNER_FUNCTIONS[role].filter((fn) => typeof (p as Record<string, unknown>)[fn] !== 'function');
    if (missing.length) throw new LearnerProgramError(`Your ${role} has no ${missing.join(', ')}: a ${role} needs every one of ${LEARNER_FUNCTIONS[role].join(', ')} (see docs/NODE-PROGRAMS.md).`);
    found[role] = p as Record<string, unknown>;
  }
  if (!found.acceptor && !found.proposer) {
    const others = Object.keys(e).filter((k) => k !== '__esModule');
    throw new LearnerProgramError(`The file exports no acceptor and no proposer${others.length ? ` (it exports ${others.slice(0, 5).join(', ')})` : ''}: write "export const acceptor = { ... }" or "export const proposer = { ... }".`);
  }
  return found;
}

/**
 * How a host runs one function of a learner's program on the room's `args`: it returns what
 * the function returned, or throws (a LearnerProgramError, or the host's own error for a call
 * it cut off). The terminal calls the function on frozen copies (`learnerCall`); the browser's
 * worker calls it on a fresh instance of the learner's module, with a deadline.
 */
export type LearnerCall = (role: LearnerRole, fn: string, program: Record<string, unknown>, args: unknown[]) => unknown;

/** The terminal's way to call a learner's function: on frozen copies of its arguments; what it throws becomes a LearnerProgramError. */
export const learnerCall: LearnerCall = (role, fn, program, args) => {
  try {
    return (program[fn] as (...a: unknown[]) => unknown).apply(program, args.map((a) => frozenCopy(a)));
  } catch (e) {
    const message = e instanceof Error || (typeof e === 'object' && e !== null && 'message' in e) ? String((e as Error).message) : shown(e);
    throw new LearnerProgramError(`Your ${role}'s ${fn} threw an error: ${message}`, { role, fn }, e);
  }
};

/**
 * The node programs that run a learner's exports: their acceptor and proposer (the honest
 * ones for a role the file leaves out) and the honest learner, each call made by `run` and
 * what it returns checked as the module comment says. Throws LearnerProgramError when the
 * exports are incomplete; a call that returns something that does not fit throws
 * LearnerProgramError when made. The terminal and the browser's worker both run a learner's
 * code through this, so a program gets the same answer in both.
 */
export function learnerPrograms(exports: unknown, run: LearnerCall = learnerCall): NodePrograms {
  const found = learnerExports(exports);
  const call = (role: LearnerRole, p: Record<string, unknown>, fn: string) => {
    return <T>(check: (v: unknown) => T, ...args: unknown[]): T => {
      const v = run(role, fn, p, args);
      try {
        return check(v);
      } catch (e) {
        if (!(e instanceof Misfit)) throw e;
        throw new LearnerProgramError(`Your ${role}'s ${fn} returned something that does not fit: ${e.message}.`, { role, fn });
      }
    };
  };
  let acceptor: AcceptorProgram = HONEST.acceptor;
  if (found.acceptor) {
    const p = found.acceptor;
    const [init, onRequest, onAnswer, mayAnswerYes, onCrash] = LEARNER_FUNCTIONS.acceptor.map((fn) => call('acceptor', p, fn));
    acceptor = {
      name: typeof p.name === 'string' ? p.name.slice(0, LEARNER_LIMITS.stringLengthMax) : 'your acceptor',
      init: () => init!((v) => acceptorState(v)),
      onRequest: (state, request) => onRequest!((v) => answer(v, request), state, request),
      onAnswer: (state, request, a) => onAnswer!((v) => acceptorState(v), state, request, a),
      mayAnswerYes: (state, request) => mayAnswerYes!((v) => yesNo(v, 'the answer'), state, request),
      onCrash: (state) => onCrash!((v) => acceptorState(v), state),
    };
  }
  let proposer: ProposerProgram = HONEST.proposer;
  if (found.proposer) {
    const p = found.proposer;
    const [init, propose, onReply, readyToAccept, valueToPropose, onCrash] = LEARNER_FUNCTIONS.proposer.map((fn) => call('proposer', p, fn));
    proposer = {
      name: typeof p.name === 'string' ? p.name.slice(0, LEARNER_LIMITS.stringLengthMax) : 'your proposer',
      init: (maxRound) => init!((v) => proposerState(v), maxRound),
      propose: (state, b, value) => propose!((v) => proposerState(v), state, b, value),
      onReply: (state, reply: ReplyMessage, quorums: Quorums) => onReply!(step, state, reply, quorums),
      readyToAccept: (state, quorums) => readyToAccept!((v) => yesNo(v, 'the answer'), state, quorums),
      valueToPropose: (state) => valueToPropose!((v) => maybeText(v, 'the value'), state),
      onCrash: (state) => onCrash!((v) => proposerState(v), state),
    };
  }
  return { acceptor, proposer, learner: HONEST.learner };
}
