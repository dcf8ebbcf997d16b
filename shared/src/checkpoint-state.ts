/**
 * Prediction checkpoints as the room keeps them: a question and its options, the answers
 * once closed, the right answer once revealed, and how the class answered. What every page
 * needs to show a question; making questions from a room's state is checkpoint.ts's.
 */
import { assertNever } from './invariant';
import { nameKey, textProblem, tooManyChars } from './text';

/** What a question is about; enough to make it again from the same state. */
export type QuestionSpec =
  /** "What will B answer to 3.C's promise request?": a request in flight, or waiting in an inbox. */
  | { readonly kind: 'reply'; readonly message: number }
  /** "Which value will 3.C's next accept request carry?" */
  | { readonly kind: 'nextValue'; readonly node: string }
  /** "Is a value chosen now? Which?" */
  | { readonly kind: 'chosenNow' }
  /** "How many acceptors must crash before no new proposal can succeed?": what quorums mean. */
  | { readonly kind: 'quorumCrash' }
  /** "Can a value other than Apple be chosen within the next 6 steps?", answered by a bounded search (`OTHER_VALUE_SEARCH`). */
  | { readonly kind: 'otherValue' }
  /** The instructor's own multiple-choice question. */
  | { readonly kind: 'free'; readonly prompt: string; readonly options: readonly string[] };

export interface Question {
  readonly spec: QuestionSpec;
  readonly prompt: string;
  readonly options: readonly string[];
  /** The right option's index; null for a free question, whose answer the instructor marks at the reveal. */
  readonly answer: number | null;
  /** Why the answer is right, in the log's words; empty for a free question. */
  readonly explanation: string;
}

/** A question this moment offers, for the instructor's list: its spec and its prompt. */
export interface QuestionOffer {
  readonly spec: QuestionSpec;
  readonly prompt: string;
}

export const CHECKPOINT_LIMITS = {
  optionsMin: 2,
  optionsMax: 6,
  promptLengthMax: 200,
  optionLengthMax: 80,
  secondsMin: 5,
  secondsMax: 600,
  /** The default countdown. */
  seconds: 20,
} as const;

/** What is wrong with a free question, or null. */
export function freeQuestionProblem(prompt: string, options: readonly string[]): string | null {
  const L = CHECKPOINT_LIMITS;
  if (prompt.trim() === '') return 'Write the question.';
  if (tooManyChars(prompt, L.promptLengthMax)) return `A question has at most ${L.promptLengthMax} characters.`;
  const hidden = textProblem(prompt, Infinity, 'a question');
  if (hidden) return `${hidden[0]!.toUpperCase()}${hidden.slice(1)}.`;
  if (options.length < L.optionsMin || options.length > L.optionsMax) return `Give from ${L.optionsMin} to ${L.optionsMax} answers to choose from.`;
  if (options.some((o) => o.trim() === '')) return 'An answer to choose from cannot be empty.';
  if (options.some((o) => tooManyChars(o, L.optionLengthMax))) return `An answer to choose from has at most ${L.optionLengthMax} characters.`;
  const bad = options.map((o) => textProblem(o, Infinity, 'an answer')).find((p) => p !== null);
  if (bad) return `${bad[0]!.toUpperCase()}${bad.slice(1)}.`;
  // Compared as names are: "Yes", "yes", "Ｙｅｓ" and "Yes" with a no-break space are one answer.
  if (new Set(options.map(nameKey)).size !== options.length) return 'Two answers to choose from are the same.';
  return null;
}

/** A checkpoint as the room keeps it: its question, its answers once closed, its right answer once revealed. */
export interface CheckpointState {
  readonly id: number;
  readonly question: Question;
  readonly seconds: number;
  /** The event that opened it. */
  readonly seq: number;
  /** The earlier moment it asks about (a replayed event's seq), when not the moment it opened at. */
  readonly at?: number;
  /** A prepared lesson's own question, played by its script before any class saw it. */
  readonly lesson?: true;
  status: 'open' | 'closed' | 'revealed';
  /** Each node's answer (an option's index), recorded when the checkpoint closes. */
  answers: Readonly<Record<string, number>>;
  /** The right option, once revealed. */
  answer: number | null;
}

/**
 * Question `id`'s number as the class sees it: a room opened from a prepared lesson holds the
 * lesson's questions, played by its script before anyone joined, so the class's own questions
 * count apart from them (the class's first is Question 1, as the lesson's first is).
 */
export function questionNumber(checkpoints: readonly CheckpointState[], id: number): number {
  const lesson = checkpoints.find((c) => c.id === id)?.lesson === true;
  let n = 0;
  for (const c of checkpoints) {
    if ((c.lesson === true) === lesson) n++;
    if (c.id === id) return n;
  }
  return id;
}

/**
 * What the class's screens hide while a question is open, because it would give the answer
 * away: the question asks the class to work it out. Only the instructor's dashboard shows it.
 */
export interface Withheld {
  /** Which values are chosen, and which nodes have learned one ("Is a value chosen now?"). */
  readonly chosen: boolean;
  /** The node whose next accept request's value is asked about ("Which value will 1.C's next accept request carry?"). */
  readonly nextValue: string | null;
  /** Whether a proposer's ballot can still win, which says how an acceptor will answer it (a reply question). */
  readonly outcome: boolean;
  /** How many promises and acceptances a proposal needs ("How many acceptors must crash?"). */
  readonly counts: boolean;
  /** The what-if explorer's verdict ("Can a value other than Apple be chosen?"). */
  readonly verdict: boolean;
  /** The log's explanations: the core's reasoning says what is chosen, what a request carries and why. */
  readonly explanations: boolean;
}

export const NOTHING_WITHHELD: Withheld = { chosen: false, nextValue: null, outcome: false, counts: false, verdict: false, explanations: false };

/** What the class's screens hide while `checkpoint` is open (nothing once it closes, or for a free question). */
export function withheldBy(checkpoint: CheckpointState | null | undefined): Withheld {
  if (!checkpoint || checkpoint.status !== 'open') return NOTHING_WITHHELD;
  const spec = checkpoint.question.spec;
  const hide = (facts: Partial<Withheld>): Withheld => ({ ...NOTHING_WITHHELD, explanations: true, ...facts });
  switch (spec.kind) {
    case 'chosenNow':
      return hide({ chosen: true });
    case 'nextValue':
      return hide({ nextValue: spec.node });
    case 'reply':
      return hide({ outcome: true });
    case 'quorumCrash':
      return hide({ counts: true });
    // The verdict says whether another value can be chosen; what is chosen says much of it.
    case 'otherValue':
      return hide({ verdict: true, chosen: true });
    // The instructor's own question: its answer is theirs, not a fact on the screen.
    case 'free':
      return NOTHING_WITHHELD;
    default:
      return assertNever(spec, 'question');
  }
}

/** How a class answered one checkpoint. */
export interface CheckpointResult {
  readonly id: number;
  readonly prompt: string;
  readonly answered: number;
  /** How many chose each option. */
  readonly counts: readonly number[];
  readonly right: number | null;
  /** The share of answers that were right, 0 to 1; null before the reveal or with no answer. */
  readonly share: number | null;
  /** The wrong option chosen most often, or null (always before the reveal). */
  readonly commonWrong: number | null;
}

export function checkpointResult(c: CheckpointState): CheckpointResult {
  const counts = c.question.options.map(() => 0);
  for (const a of Object.values(c.answers)) counts[a] = (counts[a] ?? 0) + 1;
  const answered = Object.keys(c.answers).length;
  const right = c.answer;
  let commonWrong: number | null = null;
  counts.forEach((n, i) => {
    // Only once the right answer is known: before, the most chosen answer may be the right one.
    if (right !== null && i !== right && n > 0 && (commonWrong === null || n > counts[commonWrong]!)) commonWrong = i;
  });
  return {
    id: c.id,
    prompt: c.question.prompt,
    answered,
    counts,
    right,
    share: right === null || answered === 0 ? null : counts[right]! / answered,
    commonWrong,
  };
}
