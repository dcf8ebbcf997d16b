/**
 * Prediction checkpoints on the server. The question, its closing and its reveal are events
 * of the log, decided by the shared core; the answers are not: each student's answer is held
 * by the room (held-answers.ts, and in the store, so that a restart or another server
 * process keeps it) while the question is open, and nobody hears what anyone answered, only how many have. Closing the
 * question puts the answers held into its `checkpointClosed` event.
 */
import type { AckError, CheckpointState, CheckpointStatus, Question, RoomEvent, RoomState } from '@toy-paxos/shared';
import type { ClientPayload } from '@toy-paxos/shared/protocol';
import type { Participant, Room } from './room';

/** Answers sent this long after the countdown ran out still count: the time a phone's tap takes to arrive. */
export const ANSWER_GRACE_MS = 1500;

/** The question open on the room's active timeline, or null. */
export function openQuestion(room: Room): CheckpointState | null {
  return room.log.state.checkpoints.find((c) => c.status === 'open') ?? null;
}

/** When the question's countdown runs out, in ms since the epoch (from the time its event was committed). */
function deadline(room: Room, c: CheckpointState): number {
  return room.timeline.times.at(c.seq) + c.seconds * 1000;
}

/** The open question as a participant sees it: how many have answered, the time left, and a student's own answer. */
export function checkpointStatus(room: Room, p: Participant | null, nowMs: number): CheckpointStatus | null {
  const c = openQuestion(room);
  if (!c) return null;
  const answers = room.answers.of(room.active, c.id);
  return {
    id: c.id,
    answered: answeredCount(room, c.id),
    remainingMs: Math.max(0, deadline(room, c) - nowMs),
    mine: p?.role === 'student' && p.node !== null ? (answers.get(p.node) ?? null) : null,
  };
}

/**
 * Checks a student's answer. Null: a new answer to keep. `'again'`: the same answer sent twice
 * (a double tap, a retry after a lost ack), which changes nothing and is not an error.
 */
export function answerProblem(room: Room, p: Participant, { id, option }: ClientPayload<'checkpoint:answer'>, nowMs: number): AckError | 'again' | null {
  const problem = (code: AckError['code'], message: string): AckError => ({ code, message });
  if (p.role !== 'student' || p.node === null) return problem('forbidden', 'Only students answer questions: each answers for themselves.');
  if (!room.log.state.nodes[p.node]) return problem('forbidden', 'Your node has left the room, so you cannot answer. Join again to take part.');
  const c = room.log.state.checkpoints.find((k) => k.id === id);
  if (!c) return problem('unknown-checkpoint', `There is no question ${id} in this room.`);
  if (c.status !== 'open') return problem('unknown-checkpoint', `Question ${id} is closed: answers are no longer taken.`);
  if (option >= c.question.options.length) return problem('bad-answer', `Question ${id} has answers 1 to ${c.question.options.length}; choose one of them.`);
  const mine = room.answers.of(room.active, id).get(p.node);
  if (mine !== undefined) {
    return mine === option ? 'again' : problem('bad-answer', `Your answer to question ${id} is locked in: "${c.question.options[mine]}". It cannot be changed.`);
  }
  if (nowMs > deadline(room, c) + ANSWER_GRACE_MS) return problem('too-late', `Time is up for question ${id}: the answer was not counted. Wait for the reveal.`);
  return null;
}

/** How many students still in the room have answered question `id` of the active timeline: what the class is told. */
export function answeredCount(room: Room, id: number): number {
  return Object.keys(answersToClose(room, id)).length;
}

/** The answers held for question `id` of the active timeline, of students whose nodes are still in the room: what closing it records. */
export function answersToClose(room: Room, id: number): Record<string, number> {
  const nodes = room.log.state.nodes;
  return Object.fromEntries([...room.answers.of(room.active, id)].filter(([node]) => Object.hasOwn(nodes, node)));
}

/**
 * What the class may see of the questions. The log holds each question's right answer from
 * its opening (a replay must show the same question), and each student's answer from its
 * closing (the analytics score them). What the server sends to anyone but the instructor
 * has the answer and explanation taken out of every question not revealed yet (the reveal's
 * record carries both), and the students' answers made anonymous: each keeps its option,
 * under a key (`?1`, `?2`...) that names nobody, except a student's own.
 */
export function answerHidden(question: Question): Question {
  return question.answer === null && question.explanation === '' ? question : { ...question, answer: null, explanation: '' };
}

/** `answers` under keys that name nobody, but `own`'s (the student it is sent to). */
function anonymous(answers: Readonly<Record<string, number>>, own: string | null): Record<string, number> {
  let k = 0;
  return Object.fromEntries(Object.entries(answers).map(([node, option]) => [node === own ? node : `?${++k}`, option]));
}

/** The ids of the questions of a timeline's state that are not revealed yet. */
function unrevealed(state: RoomState): Set<number> {
  return new Set(state.checkpoints.filter((c) => c.status !== 'revealed').map((c) => c.id));
}

/** An event as the class sees it (unchanged when it holds nothing to hide). */
function eventForClass(e: RoomEvent, hidden: ReadonlySet<number>, own: string | null): RoomEvent {
  if (e.type === 'checkpointOpened' && hidden.has(e.id)) return { ...e, question: answerHidden(e.question) };
  if (e.type === 'checkpointClosed') return { ...e, answers: anonymous(e.answers, own) };
  return e;
}

/** A state as the class sees it: unrevealed questions without their answers, everyone's answers anonymous but `own`'s. */
export function stateForClass(state: RoomState, own: string | null): RoomState {
  if (state.checkpoints.length === 0) return state;
  return {
    ...state,
    checkpoints: state.checkpoints.map((c) => ({ ...c, question: c.status === 'revealed' ? c.question : answerHidden(c.question), answers: anonymous(c.answers, own) })),
  };
}

/**
 * What the class may see of records or events, and of a state before them: for every role but
 * the instructor. `own` is the student they go to (null: a broadcast, or an observer).
 */
export function forTheClass(room: Room, own: string | null = null): { records<T extends { readonly event: RoomEvent }>(items: readonly T[]): readonly T[]; state(s: RoomState | null): RoomState | null } {
  const hidden = unrevealed(room.log.state);
  return {
    records: (items) =>
      items.some((r) => r.event.type === 'checkpointOpened' || r.event.type === 'checkpointClosed') ? items.map((r) => ({ ...r, event: eventForClass(r.event, hidden, own) })) : items,
    state: (s) => (s ? stateForClass(s, own) : s),
  };
}
