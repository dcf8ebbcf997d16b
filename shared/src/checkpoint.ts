/**
 * Prediction checkpoints above the explorer: the question the explorer answers ("Can a value
 * other than X be chosen?", `otherValueQuestion`, which the server and the scenario runner pass
 * to `decide`), and the questions that make sense at a moment, for an instructor to pick from.
 * The other questions and their answers are in checkpoint-questions.ts, below `decide`.
 */
import { compareBallots, type Ballot } from './ballot';
import type { QuestionOffer, QuestionSpec } from './checkpoint-state';
import { makeQuestion, stalledReason, waitingRequests, type MadeQuestion } from './checkpoint-questions';
import { explore, EXPLORE_DEFAULTS, ExploreError } from './explore/explore';
import type { ExploreResult } from './explore/types';
import { formatCount } from './explore/text';
import type { RoomState } from './room';

/**
 * The search behind "can a value other than X be chosen?": breadth-first from the moment
 * asked about, through every delivery, loss, copy, crash and recovery and new proposals with
 * X and one other value, at most this many steps deep and this many states. The question
 * names the depth the search covered whole, so its "No" is exact for that many steps.
 */
export const OTHER_VALUE_SEARCH = { depthMax: 6, statesMax: 5_000, focus: false } as const;

/** The questions about one node's next step: one per request waiting, and one per proposer with a ballot. */
function stepQuestions(state: RoomState): QuestionSpec[] {
  return [
    ...waitingRequests(state).map((m): QuestionSpec => ({ kind: 'reply', message: m.id })),
    ...state.order.filter((id) => state.nodes[id]!.proposer.ballot).map((node): QuestionSpec => ({ kind: 'nextValue', node })),
  ];
}

/**
 * The questions that make sense now: one per request waiting and per proposer with a ballot
 * that can act in the room as it is (`stalledReason`), and the two about the whole room.
 */
export function questionsAt(state: RoomState): QuestionOffer[] {
  const offers: QuestionOffer[] = [];
  const add = (spec: QuestionSpec) => {
    const q = makeQuestion(state, spec);
    if (q.ok) offers.push({ spec, prompt: q.question.prompt });
  };
  for (const spec of stepQuestions(state)) add(spec);
  if (Object.keys(state.monitor.proposed).length > 0) add({ kind: 'chosenNow' });
  if (state.members.length > 0) add({ kind: 'quorumCrash' });
  if (leadingValue(state) !== null && state.order.length <= EXPLORE_DEFAULTS.nodesMax) offers.push({ spec: { kind: 'otherValue' }, prompt: `Can a value other than ${leadingValue(state)} be chosen within the next few steps?` });
  return offers;
}

/** Why the questions about a node's next step that `questionsAt` leaves out are not offered now, each reason once. */
export function questionsNotOffered(state: RoomState): string[] {
  return [...new Set(stepQuestions(state).map((spec) => stalledReason(state, spec)).filter((r) => r !== null))];
}

/** The value an "other value" question is about: the one chosen, else the one accepted in the highest ballot, else null. */
function leadingValue(state: RoomState): string | null {
  if (state.monitor.chosen.length) return state.monitor.chosen[0]!.value;
  let best: { readonly value: string; readonly ballot: Ballot } | null = null;
  for (const id of state.order) {
    const a = state.nodes[id]!.acceptor.accepted;
    if (a && (!best || compareBallots(a.ballot, best.ballot) > 0)) best = a;
  }
  return best?.value ?? null;
}

/** The "other value" question, answered by the explorer's bounded search (`OTHER_VALUE_SEARCH`): the `SearchedQuestion` to open questions with. */
export function otherValueQuestion(state: RoomState, spec: QuestionSpec): MadeQuestion {
  const value = leadingValue(state);
  if (value === null) return { ok: false, explanation: 'No value has been accepted yet: ask this once an acceptor has accepted one.' };
  const seen = Object.keys(state.monitor.proposed).filter((v) => v !== value);
  const other = seen[0] ?? (value === 'Mango' ? 'Apple' : 'Mango');
  if (state.order.length > EXPLORE_DEFAULTS.nodesMax) {
    return { ok: false, explanation: `This question is answered by searching every way the room can go on, which the explorer does for rooms of up to ${EXPLORE_DEFAULTS.nodesMax} nodes; this one has ${state.order.length}.` };
  }
  let result: ExploreResult;
  try {
    result = explore(state, { ...OTHER_VALUE_SEARCH, values: [value, other], stopAtViolation: false });
  } catch (e) {
    if (e instanceof ExploreError) return { ok: false, explanation: e.message };
    throw e;
  }
  const found = result.chosen.find((c) => c.value !== value && c.steps > 0) ?? result.chosen.find((c) => c.value !== value);
  // The deepest level searched whole; a value found deeper is still found.
  const depth = found ? Math.max(result.depth, found.steps) : result.depth;
  if (!found && depth < 1) return { ok: false, explanation: 'The room has too many ways to go on for the search to cover even one step: ask a question about one request instead.' };
  const steps = (n: number) => (n === 1 ? 'step' : `${n} steps`);
  const prompt = `Can a value other than ${value} be chosen within the next ${steps(depth)}?`;
  const searched = `${formatCount(result.states)} states searched`;
  const chosen = state.monitor.chosen.length > 0;
  const explanation = found
    ? `Yes: ${found.value} can be chosen in ${steps(found.steps)}${chosen ? `, though ${value} is chosen already: a safety violation (${searched}).` : ` (${searched}). ${value} is not chosen yet: no quorum has accepted it, so a higher ballot can still win with another value.`}`
    : chosen
      ? `No: ${value} is chosen, and every proposal from now on learns of it from a quorum of promises that overlaps the quorum that accepted it (P2c). The search tried every delivery, loss, copy, crash and new proposal ${depth} steps deep (${searched}).`
      : `No: within ${steps(depth)} no other value can gather a quorum (${searched}); further on it might.`;
  return { ok: true, question: { spec, prompt, options: ['Yes', 'No'], answer: found ? 0 : 1, explanation } };
}
