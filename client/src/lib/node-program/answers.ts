/**
 * A learner's program as the page runs it: every answer it gave in its worker, looked up.
 * The page folds the sandbox's log itself (replay, the log, the ring all read that fold);
 * before each command the worker runs the same fold and command through the real program
 * and hands back each answer (runner.ts `prepare`), so that every call the page's fold makes
 * finds its answer here. The learner's code never runs on the page.
 */
import { HONEST, LEARNER_FUNCTIONS, type AcceptorProgram, type LearnerRole, type NodePrograms, type ProposerProgram } from '@toy-paxos/shared';
import { answerKey, type ProgramAnswers } from './messages';

export class RecordedProgram {
  readonly #answers = new Map<string, unknown>();
  readonly acceptor: AcceptorProgram;
  readonly proposer: ProposerProgram;

  /** `roles`: those the learner's file wrote; the honest programs play the others, on the page as in the worker. */
  constructor(roles: readonly LearnerRole[]) {
    this.acceptor = roles.includes('acceptor') ? this.#role<AcceptorProgram>('acceptor') : HONEST.acceptor;
    this.proposer = roles.includes('proposer') ? this.#role<ProposerProgram>('proposer') : HONEST.proposer;
  }

  add(answers: ProgramAnswers): void {
    for (const [key, answer] of answers) this.#answers.set(key, answer);
  }

  /** The programs of each of `nodes`: this acceptor and proposer, and the honest learner. */
  programsFor(nodes: readonly string[]): Record<string, NodePrograms> {
    return Object.fromEntries(nodes.map((id) => [id, { ...HONEST, acceptor: this.acceptor, proposer: this.proposer }]));
  }

  #role<T>(role: LearnerRole): T {
    const out: Record<string, unknown> = { name: `your ${role}` };
    for (const fn of LEARNER_FUNCTIONS[role]) {
      out[fn] = (...args: unknown[]) => {
        const key = answerKey(role, fn, args);
        if (this.#answers.has(key)) return structuredClone(this.#answers.get(key));
        // Only a node card of a replayed moment asks this of a state no command reached: it shows no value then.
        if (fn === 'valueToPropose') return null;
        throw new Error(`The page asked your ${role} something its worker was not asked first (${fn}).`);
      };
    }
    return out as T;
  }
}
