/**
 * A learner's own program answering for the student's node in a classroom room. The page
 * runs it (in its worker, runner.ts), never the server: for each request waiting in the
 * node's inbox it asks the program's acceptor, with the node's state as the room holds it,
 * and sends the answer as `node:answer`, as if the student had tapped. The room checks that
 * answer as it checks a tap. The room records only that the node runs a program
 * (`node:program`), so that the dashboard and the projector can show it.
 *
 * Why one call per request, and not the sandbox's fold of the whole log: in a room the log is
 * the server's, and the node's acceptor state is what the room folded from the answers it took
 * (whoever gave them), so the program is asked only what a student is asked: this request,
 * now, yes or no. What the program keeps of its answer (`onAnswer`) is not asked: the room
 * remembers each answer itself, as it does for a tap.
 *
 * A program that throws, runs past its deadline, answers something malformed, or gives an
 * answer the room refuses, stops at once: the page says why (with the line, when known), tells
 * the room it failed, and the student answers by hand. Only this node is held up meanwhile.
 */
import type { AcceptorState, NodeState, RequestMessage } from '@toy-paxos/shared';
import type { RoomSession } from '../session.svelte';
import type { NodeProgramProblem } from './messages';
import { describeProblem, NodeProgramRunner } from './runner';
import { saveFailure, saveProgram } from './saved';

/** Refusals of an answer that are not the program's doing, and pass: asked again after `RETRY_MS`. */
const TRANSIENT = new Set(['rate-limited', 'server-error', 'store-unavailable', 'network-full', 'node-crashed']);
const RETRY_MS = 1000;

export type OwnProgramPhase = 'off' | 'starting' | 'running' | 'failed';

export class RoomProgram {
  phase = $state<OwnProgramPhase>('off');
  /** Answers the program gave that the room took. */
  answers = $state(0);
  /** Why it stopped, once it has. */
  problem = $state.raw<NodeProgramProblem | null>(null);
  readonly #session: RoomSession;
  #runner: NodeProgramRunner | null = null;
  /** The request being answered, so that one is asked once. */
  #asking: number | null = null;
  /** The room's records up to here hold the program's last command: until then the state shown is older. */
  #waitSeq = 0;
  /** Requests the room said were answered already, before this page's copy of the room shows it. */
  readonly #settled = new Set<number>();
  /** The text running, kept with the reason when it stops: a reload of the tab says why, and opens it again. */
  #source = '';
  /** The timeline the class played when the program started: a switch, not a PROGRAM off, may be what turns it off. */
  #timeline = 0;

  constructor(session: RoomSession) {
    this.#session = session;
  }

  /** Compiles and loads `source` and, once ready, tells the room the node runs it. Null when it runs, else the problem. */
  async start(source: string): Promise<NodeProgramProblem | null> {
    this.#end();
    this.phase = 'starting';
    this.problem = null;
    this.answers = 0;
    saveFailure(this.#session.code, null);
    const runner = new NodeProgramRunner();
    let problem = await runner.load(source);
    // In a room only the acceptor answers for the node: a file with no acceptor of its own would run the honest one under the badge.
    if (!problem && !runner.roles.includes('acceptor')) {
      runner.end();
      problem = { where: null, line: null, message: 'The program exports no acceptor: in a class your code answers for your node as its acceptor, so write export const acceptor = { ... }.' };
    }
    if (problem) {
      this.phase = 'off';
      this.problem = problem;
      return problem;
    }
    const node = this.#node();
    if (!node) {
      runner.end();
      return this.#stopped('Your node is not on the timeline the class plays now: there is nothing to answer for.');
    }
    if (node.ownProgram !== 'running') {
      const ack = await this.#session.ask('node:program', { status: 'running' });
      if (!ack?.ok) {
        runner.end();
        return this.#stopped(ack ? ack.error.message : 'No answer from the server: try again once you are back online.');
      }
      this.#waitSeq = Math.max(0, ...ack.seqs);
    }
    this.#runner = runner;
    this.phase = 'running';
    this.#source = source;
    this.#timeline = this.#session.timeline.active;
    saveProgram(this.#session.code, source);
    this.step();
    return null;
  }

  /** The student stops the program: the room records it, and the student answers by hand. */
  async stop(): Promise<void> {
    this.#end();
    this.phase = 'off';
    this.problem = null;
    saveFailure(this.#session.code, null);
    if (this.#node()?.ownProgram) await this.#session.send('node:program', { status: 'off' });
  }

  /**
   * Answers what waits in the node's inbox, one request at a time: called again whenever the
   * room's state changes. Each answer is asked with the state the room folded after the last one.
   */
  step(): void {
    const s = this.#session;
    if (this.phase !== 'running' || !this.#runner || this.#asking !== null || s.status !== 'live') return;
    // Another timeline: its records are not the ones waited for, and its requests are others.
    const moved = s.timeline.active !== this.#timeline;
    if (moved) {
      this.#timeline = s.timeline.active;
      this.#waitSeq = 0;
      this.#settled.clear();
    }
    if (s.lastSeq < this.#waitSeq) return;
    const node = this.#node();
    // Turned off elsewhere: the class moved to a timeline where it was never attached, or a PROGRAM off on this one
    // (the instructor's Clear code, or the student's Answer by hand on another page: the record does not say whose).
    if (!node || node.ownProgram !== 'running') {
      this.#end();
      this.phase = 'off';
      const message = !node
        ? 'Your node is not on the timeline the class plays now, so your program stopped: run it again once it is.'
        : moved
          ? 'The class moved to another timeline, where your node runs no program: run it again to go on.'
          : `Your program was turned off for your node (PROGRAM ${node.name} off: your instructor's Clear code, or Answer by hand on another page of yours): run it again to go on.`;
      this.problem = { where: null, line: null, message };
      return;
    }
    if (!node.up) return;
    const id = node.inbox.find((i) => s.state.held[i] && !this.#settled.has(i));
    if (id === undefined) return;
    void this.#answer(id, s.state.held[id]!, node.acceptor);
  }

  async #answer(id: number, request: RequestMessage, acceptor: AcceptorState): Promise<void> {
    this.#asking = id;
    // When to look at the inbox again: at once, or (after a refusal that may pass) in a moment, never in a tight loop.
    let again: 'now' | 'later' = 'now';
    try {
      const answer = await this.#runner!.answer(acceptor, request);
      if (!('kind' in answer)) return void (await this.#fail(answer));
      const ack = await this.#session.ask('node:answer', { id, yes: answer.kind !== 'reject' });
      if (this.phase !== 'running') return;
      if (!ack) {
        // No answer: it may have been applied. The records that come tell; the request is asked about again later.
        again = 'later';
        return;
      }
      if (ack.ok) {
        this.answers++;
        this.#waitSeq = Math.max(this.#waitSeq, ...ack.seqs);
        return;
      }
      // Answered meanwhile (by hand, on another page) or gone: this page's copy of the room has not caught up yet.
      if (ack.error.code === 'not-in-inbox') return void this.#settled.add(id);
      // Not the program's doing: the server or the network is busy, or the node crashed meanwhile.
      if (TRANSIENT.has(ack.error.code)) {
        again = 'later';
        return;
      }
      const said = answer.kind === 'reject' ? 'no' : 'yes';
      await this.#fail({ where: 'acceptor.onRequest', line: null, message: `it said ${said} to request #${id}, and the room refused that answer: ${ack.error.message}` });
    } finally {
      this.#asking = null;
      // What arrived while this one was being answered.
      if (again === 'now') queueMicrotask(() => this.step());
      else setTimeout(() => this.step(), RETRY_MS);
    }
  }

  /** The program stopped: the page says why, the room hears it failed, and the student answers by hand. */
  async #fail(problem: NodeProgramProblem): Promise<void> {
    this.#end();
    this.phase = 'failed';
    this.problem = problem;
    saveFailure(this.#session.code, { reason: describeProblem(problem), source: this.#source });
    if (this.#node()?.ownProgram === 'running') await this.#session.ask('node:program', { status: 'failed' });
  }

  #stopped(message: string): NodeProgramProblem {
    this.phase = 'off';
    this.problem = { where: null, line: null, message };
    return this.problem;
  }

  /** The student's node in the live room, or null when it is not on the timeline played. */
  #node(): NodeState | null {
    const id = this.#session.node;
    return id ? (this.#session.state.nodes[id] ?? null) : null;
  }

  /** Ends the worker and forgets the saved text: nothing more is answered. */
  #end(): void {
    this.#runner?.end();
    this.#runner = null;
    saveProgram(this.#session.code, null);
  }

  /** The page closes: the worker ends; the room keeps its record, which a reload of this tab starts again. */
  close(): void {
    this.#runner?.end();
    this.#runner = null;
  }
}
