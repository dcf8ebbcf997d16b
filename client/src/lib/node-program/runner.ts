/**
 * The page's side of a learner's node: one worker per program text (node-program.worker.ts),
 * one request at a time. A watchdog ends the worker when it stays silent longer than a call
 * may run, plus a margin: the worker answers or reports progress well within that, unless
 * the learner's code is stuck where the deadline checks cannot see it (a native call that
 * runs long, say). A program that failed once stays failed: load the text again to start over.
 */
import { LEARNER_ROLES, type AcceptorState, type Answer, type LearnerRole, type RequestMessage, type RoomCommand, type RoomEvent, type RoomState } from '@toy-paxos/shared';
import { CALL_MS_MAX } from './limits';
import type { NodeProgramProblem, NodeWorkerAnswer, NodeWorkerRequest, ProgramAnswers } from './messages';

/** How long the worker may stay silent before the page ends it. */
export const SILENCE_MS_MAX = CALL_MS_MAX + 4000;

type Pending = { readonly resolve: (m: NodeWorkerAnswer) => void; readonly onProgress?: (states: number) => void };

export class NodeProgramRunner {
  #worker: Worker | null;
  #pending: Pending | null = null;
  #watchdog: ReturnType<typeof setTimeout> | null = null;
  /** Why the program stopped, once it has. */
  failure: NodeProgramProblem | null = null;
  /** Told when the program fails, whenever that is: also between requests (a promise's callback that ran late, say). */
  onFailure: ((problem: NodeProgramProblem) => void) | null = null;
  /** The roles the learner's file wrote, once loaded: the honest programs play the others. */
  roles: readonly LearnerRole[] = [];

  constructor() {
    this.#worker = new Worker(new URL('./node-program.worker.ts', import.meta.url), { type: 'module', name: 'node-program' });
    this.#worker.addEventListener('message', (e: MessageEvent<NodeWorkerAnswer>) => this.#answer(e.data));
    this.#worker.addEventListener('error', (e) => {
      e.preventDefault();
      this.#fail({ where: null, line: null, message: 'The program stopped the worker it ran in.' });
    });
    this.#worker.addEventListener('messageerror', () => this.#fail({ where: null, line: null, message: 'The program answered with something the page cannot read.' }));
  }

  /** Compiles and loads `source`: null when it is ready, else the problem (the worker is then ended). */
  async load(source: string): Promise<NodeProgramProblem | null> {
    const m = await this.#ask({ type: 'load', source });
    if (m.type !== 'loaded') return this.failure;
    this.roles = LEARNER_ROLES.filter((role) => Array.isArray(m.roles) && m.roles.includes(role));
    return null;
  }

  /** Every answer the program gives while the sandbox's log is folded and `command` run, or the failure. */
  async prepare(initial: RoomState, events: readonly RoomEvent[], command: RoomCommand | null, nodes: readonly string[]): Promise<ProgramAnswers | NodeProgramProblem> {
    const m = await this.#ask({ type: 'prepare', initial, events, command, nodes });
    return m.type === 'prepared' ? m.answers : this.failure!;
  }

  /** A classroom room: the acceptor's answer to `request`, given the node's state as the room holds it, or the failure. */
  async answer(acceptor: AcceptorState, request: RequestMessage): Promise<Answer | NodeProgramProblem> {
    const m = await this.#ask({ type: 'answer', acceptor, request });
    return m.type === 'answered' ? m.answer : this.failure!;
  }

  /** "Check my node": the explorer's answer, or the failure. */
  async check(onProgress: (states: number) => void): Promise<Extract<NodeWorkerAnswer, { type: 'checked' }> | NodeProgramProblem> {
    const m = await this.#ask({ type: 'check' }, onProgress);
    return m.type === 'checked' ? m : this.failure!;
  }

  /** Ends the worker. */
  end(): void {
    if (this.#watchdog) clearTimeout(this.#watchdog);
    this.#worker?.terminate();
    this.#worker = null;
  }

  #ask(request: NodeWorkerRequest, onProgress?: (states: number) => void): Promise<NodeWorkerAnswer> {
    if (this.failure || !this.#worker) return Promise.resolve({ type: 'failed', ...(this.failure ?? { where: null, line: null, message: 'The program has stopped.' }) });
    if (this.#pending) throw new Error('one request at a time');
    return new Promise((resolve) => {
      this.#pending = { resolve, ...(onProgress ? { onProgress } : {}) };
      this.#arm();
      this.#worker!.postMessage(request);
    });
  }

  #arm(): void {
    if (this.#watchdog) clearTimeout(this.#watchdog);
    this.#watchdog = setTimeout(() => this.#fail({ where: null, line: null, message: `It did not answer within ${SILENCE_MS_MAX / 1000} s, so the sandbox ended it (a loop that never ends?).` }), SILENCE_MS_MAX);
  }

  #answer(m: NodeWorkerAnswer): void {
    // Only the answers this page asked for, in the shapes it knows; a failure whenever it comes.
    if (typeof m !== 'object' || m === null) return;
    if (m.type === 'failed') return this.#fail({ where: typeof m.where === 'string' ? m.where : null, line: typeof m.line === 'number' ? m.line : null, message: String(m.message) });
    if (!this.#pending) return;
    if (m.type === 'progress') {
      this.#arm();
      this.#pending.onProgress?.(Number(m.states) || 0);
      return;
    }
    if (m.type !== 'loaded' && m.type !== 'prepared' && m.type !== 'checked' && m.type !== 'answered') return;
    const pending = this.#pending;
    this.#pending = null;
    if (this.#watchdog) clearTimeout(this.#watchdog);
    pending.resolve(m);
  }

  #fail(problem: NodeProgramProblem): void {
    const first = !this.failure;
    this.failure ??= problem;
    this.end();
    const pending = this.#pending;
    this.#pending = null;
    pending?.resolve({ type: 'failed', ...this.failure });
    if (first) this.onFailure?.(this.failure);
  }
}

/** The problem in words, with where it happened: "acceptor.onRequest, line 14: ...". */
export function describeProblem(p: NodeProgramProblem): string {
  const at = [p.where, p.line !== null ? `line ${p.line}` : null].filter(Boolean).join(', ');
  return at ? `${at}: ${p.message}` : p.message;
}
