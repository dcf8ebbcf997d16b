/** The messages between the solo page and the worker that runs a learner's node (node-program.worker.ts). */
import type { AcceptorState, Answer, RequestMessage, RoomCommand, RoomEvent, RoomState } from '@toy-paxos/shared';
import type { WhatIfAnswer } from '../what-if';

export type NodeWorkerRequest =
  /** Compiles and loads the program (once per worker: a new text gets a new worker). */
  | { readonly type: 'load'; readonly source: string }
  /**
   * Folds `events` from `initial` with the program in place on `nodes`, then runs `command`
   * (if any), and hands back every answer the program gave, so that the page's own fold of
   * the same log finds each one ready.
   */
  | { readonly type: 'prepare'; readonly initial: RoomState; readonly events: readonly RoomEvent[]; readonly command: RoomCommand | null; readonly nodes: readonly string[] }
  /** Runs the explorer over a fresh room whose nodes all run the program. */
  | { readonly type: 'check' }
  /** A classroom room: the acceptor's answer to one request waiting in the node's inbox, asked with the node's state as the room holds it. */
  | { readonly type: 'answer'; readonly acceptor: AcceptorState; readonly request: RequestMessage };

/** Where a program failed, and why, in words. */
export interface NodeProgramProblem {
  /** `acceptor.onRequest`, or null for the program's text or its top level. */
  readonly where: string | null;
  /** The learner's line, as the editor numbers it, when known. */
  readonly line: number | null;
  readonly message: string;
}

/** A program's answers, keyed by `answerKey`. */
export type ProgramAnswers = readonly (readonly [string, unknown])[];

export type NodeWorkerAnswer =
  | { readonly type: 'loaded'; readonly roles: readonly string[] }
  | { readonly type: 'prepared'; readonly answers: ProgramAnswers }
  | { readonly type: 'answered'; readonly answer: Answer }
  | { readonly type: 'progress'; readonly states: number; readonly depth: number }
  | ({ readonly type: 'checked'; readonly start: RoomState; readonly commands: readonly (readonly RoomCommand[])[] } & WhatIfAnswer)
  | ({ readonly type: 'failed' } & NodeProgramProblem);

/** The key of one call into a program: its role, its function and its arguments, as JSON. */
export function answerKey(role: string, fn: string, args: readonly unknown[]): string {
  return `${role}.${fn}|${JSON.stringify(args)}`;
}

/**
 * The room "Check my node" searches: three acceptors, two proposers (A with Apple, B with
 * Mango), every delivery, loss and copy of a message, in the two stages of `npm run check`
 * (NODE_CHECK_STAGES: one ballot each with crashes, then two ballots each without), which set
 * `roundMax` and `crashes`. The compact search calls the learner's program once per distinct
 * state and message: 22,068 and 474,501 states with the honest programs, a few seconds
 * (docs/BENCHMARKS.md, bench:my-node). Each stage stops at its first violation, which is the
 * shortest there (it is breadth-first).
 */
export const CHECK_NODES = ['A', 'B', 'C'] as const;
export const CHECK_BOUNDS = { proposers: ['A', 'B'], valuesOf: { A: ['Apple'], B: ['Mango'] }, statesMax: 600_000, stopAtViolation: true } as const;
