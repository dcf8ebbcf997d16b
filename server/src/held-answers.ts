/**
 * Students' answers to the class's questions, held while a question is open: the room
 * keeps them (room.ts), checkpoints.ts reads and closes them, and the store keeps a copy
 * so that a restart or another server process has them too.
 */
import type { StoredAnswer } from './store';

/** The answers held for a room's questions, by timeline and question. */
export class HeldAnswers {
  readonly #byQuestion = new Map<string, Map<string, number>>();

  static key(branch: number, id: number): string {
    return `${branch}:${id}`;
  }

  of(branch: number, id: number): ReadonlyMap<string, number> {
    return this.#byQuestion.get(HeldAnswers.key(branch, id)) ?? new Map();
  }

  /** Keeps an answer unless the student answered already: the first answer is locked in. */
  hold(a: StoredAnswer): void {
    const key = HeldAnswers.key(a.branch, a.checkpoint);
    let answers = this.#byQuestion.get(key);
    if (!answers) this.#byQuestion.set(key, (answers = new Map()));
    if (!answers.has(a.node)) answers.set(a.node, a.option);
  }

  /** Takes the stored answers as the truth (a restart, or a catch-up with the store). */
  replace(answers: readonly StoredAnswer[]): void {
    this.#byQuestion.clear();
    for (const a of answers) this.hold(a);
  }
}
