/**
 * The JSON export of a session: complete and versioned, so that it can be imported
 * into a new room or the solo sandbox. `parseSessionFile` validates a file before
 * anything is loaded: the JSON, every field (named in the error), then the log itself,
 * which must fold event by event from its settings. Nothing is half-loaded.
 */
import { z } from 'zod';
import { InvariantError } from '../invariant';
import { apply, initialRoomState, LIMITS, type RoomEvent, type RoomState } from '../room';
import type { RoomSettings } from '../settings';
import { nameKey, normalizeText, reservedId, textProblem, tooManyChars, type TextNoun } from '../text';
import { settingsSchema } from './settings-schema';
import { CHECKPOINT_LIMITS } from '../checkpoint-state';
import { multiEventSchemas, multiMessageSchemas } from '../multi/schemas';

export const SESSION_FILE_FORMAT = 'toy-paxos-session';
export const SESSION_FILE_VERSION = 1;
/** A session file holds at most this many events. */
export const SESSION_FILE_EVENTS_MAX = 200_000;

export interface SessionFile {
  readonly format: typeof SESSION_FILE_FORMAT;
  readonly version: typeof SESSION_FILE_VERSION;
  readonly title: string;
  /** The settings the room started with; later changes are events. */
  readonly settings: RoomSettings;
  readonly events: readonly RoomEvent[];
}

/** A session as a file (serialize with `JSON.stringify(file, null, 2)`). */
export function sessionFile(initial: RoomState, events: readonly RoomEvent[], title: string): SessionFile {
  return { format: SESSION_FILE_FORMAT, version: SESSION_FILE_VERSION, title, settings: initial.settings, events };
}

const id = z.string().min(1).max(64).refine((id) => !reservedId(id), 'a node id may not be the name of a property every object has');
/** A file's names and values follow the rules of typed ones, checked as they are (a file is not rewritten). */
function fileText(max: number, noun: TextNoun, emptyOk = false) {
  return z.string().check((ctx) => {
    const problem = emptyOk && ctx.value === '' ? null : textProblem(ctx.value, max, noun);
    if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
  });
}
const name = fileText(LIMITS.nameLengthMax, 'a name').refine((n) => nameKey(n) !== 'all', '"all" stands for every node, so it cannot be a name');
const value = fileText(LIMITS.valueLengthMax, 'a value');
const msgId = z.number().int().positive();
const ballot = z.strictObject({ round: z.number().int().nonnegative(), node: id.optional() });
const accepted = z.strictObject({ ballot, value });
const base = { id: msgId, from: id, to: id, ballot };
const request = z.discriminatedUnion('kind', [
  z.strictObject({ ...base, kind: z.literal('prepare') }),
  z.strictObject({ ...base, kind: z.literal('accept'), value }),
]);
const reply = z.discriminatedUnion('kind', [
  z.strictObject({ ...base, kind: z.literal('promise'), lastAccepted: accepted.nullable() }),
  z.strictObject({ ...base, kind: z.literal('accepted'), value }),
  z.strictObject({ ...base, kind: z.literal('reject'), request: z.enum(['prepare', 'accept']), promised: ballot, value: value.optional() }),
]);
const lostReason = z.enum(['crashed', 'cut', 'left']);
const multiAtoms = { id, msgId, ballot, lostReason };
/** A request's reply: single-decree, or Multi-Paxos (a Multi-Paxos request delivered by the network). */
const anyReply = z.union([reply, multiMessageSchemas(multiAtoms).reply]);
const checkpointId = z.number().int().positive();
const option = z.number().int().min(0).max(CHECKPOINT_LIMITS.optionsMax - 1);
/** A free question's text: at most `max` characters as a person counts them (the core checks the rest). */
const questionText = (max: number) =>
  z
    .string()
    .min(1)
    // zod runs every check even after one fails: the count itself stops past the limit.
    .refine((t) => !tooManyChars(t, max), `at most ${max} characters`);
/** A question a checkpoint asks (`QuestionSpec`). */
export const questionSpec = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('reply'), message: msgId }),
  z.strictObject({ kind: z.literal('nextValue'), node: id }),
  z.strictObject({ kind: z.literal('chosenNow') }),
  z.strictObject({ kind: z.literal('quorumCrash') }),
  z.strictObject({ kind: z.literal('otherValue') }),
  z.strictObject({
    kind: z.literal('free'),
    prompt: questionText(CHECKPOINT_LIMITS.promptLengthMax),
    options: z.array(questionText(CHECKPOINT_LIMITS.optionLengthMax)).min(CHECKPOINT_LIMITS.optionsMin).max(CHECKPOINT_LIMITS.optionsMax),
  }),
]);
const question = z.strictObject({
  spec: questionSpec,
  prompt: z.string().max(1000),
  options: z.array(z.string().max(1000)).min(CHECKPOINT_LIMITS.optionsMin).max(CHECKPOINT_LIMITS.optionsMax),
  answer: option.nullable(),
  explanation: z.string().max(4000),
});
// Files saved before "reconfigure mid-round" existed have no such rule: it was off. Files saved
// before learners were told of acceptances played with only the proposer learning. Files saved
// before Multi-Paxos existed are single-decree rooms, with no Multi-Paxos rule broken.
const fullSettings = settingsSchema.required().extend({
  learners: z.enum(['everyone', 'proposer']).default('proposer'),
  protocol: z.enum(['single', 'multi']).default('single'),
  rules: settingsSchema.shape.rules
    .unwrap()
    .required()
    .extend({ reconfigureMidRound: z.boolean().default(false), skipRepropose: z.boolean().default(false) }),
});

const event = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('nodeAdded'), node: id, name, bot: z.boolean(), nextRound: z.literal(true).optional(), carried: z.literal(true).optional() }),
  z.strictObject({ type: z.literal('nodeRemoved'), node: id, nextRound: z.literal(true).optional() }),
  z.strictObject({ type: z.literal('nodeRenamed'), node: id, name }),
  z.strictObject({ type: z.literal('settingsChanged'), settings: fullSettings, nextRound: fullSettings.optional() }),
  z.strictObject({ type: z.literal('roundStarted'), round: z.number().int().positive() }),
  z.strictObject({ type: z.literal('proposalStarted'), node: id, ballot, value: value.nullable() }),
  z.strictObject({ type: z.literal('exchanged'), request, reply: reply.nullable() }),
  z.strictObject({ type: z.literal('sent'), message: request }),
  z.strictObject({ type: z.literal('delivered'), id: msgId, reply: anyReply.nullable() }),
  z.strictObject({ type: z.literal('lost'), message: request, reason: lostReason }),
  z.strictObject({ type: z.literal('dropped'), id: msgId }),
  z.strictObject({
    type: z.literal('deliveredAll'),
    from: id.optional(),
    to: id.optional(),
    seed: z.number().int().min(0).max(2 ** 31).optional(),
    deliveries: z.array(z.strictObject({ id: msgId, reply: anyReply.nullable() })).min(1).max(LIMITS.inFlightMax),
  }),
  z.strictObject({ type: z.literal('droppedAll'), from: id.optional(), to: id.optional(), ids: z.array(msgId).min(1).max(LIMITS.inFlightMax) }),
  z.strictObject({ type: z.literal('partitioned'), groups: z.array(z.array(id).min(1)).min(2), links: z.array(z.tuple([id, id])).min(1) }),
  z.strictObject({ type: z.literal('healedAll'), links: z.array(z.tuple([id, id])).min(1) }),
  z.strictObject({ type: z.literal('duplicated'), id: msgId, copyId: msgId }),
  z.strictObject({ type: z.literal('answered'), id: msgId, reply, instant: z.boolean(), lost: lostReason.optional() }),
  z.strictObject({ type: z.literal('crashed'), node: id }),
  z.strictObject({ type: z.literal('recovered'), node: id }),
  z.strictObject({ type: z.literal('ownProgramSet'), node: id, status: z.enum(['running', 'failed', 'off']) }),
  z.strictObject({ type: z.literal('linkCut'), a: id, b: id }),
  z.strictObject({ type: z.literal('linkHealed'), a: id, b: id }),
  z.strictObject({
    type: z.literal('checkpointOpened'),
    id: checkpointId,
    question,
    seconds: z.number().int().min(CHECKPOINT_LIMITS.secondsMin).max(CHECKPOINT_LIMITS.secondsMax),
    at: z.number().int().nonnegative().optional(),
    lesson: z.literal(true).optional(),
  }),
  z.strictObject({ type: z.literal('checkpointClosed'), id: checkpointId, answers: z.record(id, option) }),
  z.strictObject({ type: z.literal('checkpointRevealed'), id: checkpointId, answer: option }),
  ...multiEventSchemas(multiAtoms),
]);

const file = z.strictObject({
  format: z.literal(SESSION_FILE_FORMAT, { error: `this is not a toy-paxos session file (format must be "${SESSION_FILE_FORMAT}")` }),
  version: z.literal(SESSION_FILE_VERSION, { error: `this file's version is not one this toy-paxos reads (${SESSION_FILE_VERSION})` }),
  // Empty for a session without a title; a room opened from the file shows any other.
  title: fileText(LIMITS.titleLengthMax, 'a title', true),
  settings: fullSettings,
  events: z.array(event).max(SESSION_FILE_EVENTS_MAX),
});

export type ParsedSession =
  | { readonly ok: true; readonly title: string; readonly initial: RoomState; readonly events: readonly RoomEvent[] }
  | { readonly ok: false; readonly error: string };

/** Where a JSON syntax error is, as "line L, column C". */
function jsonPosition(text: string, error: unknown): string {
  const m = /position (\d+)/.exec(String(error));
  if (!m) return '';
  const before = text.slice(0, Number(m[1]));
  const line = before.split('\n').length;
  return ` at line ${line}, column ${before.length - before.lastIndexOf('\n')}`;
}

/** Validates a session file; on success returns its log, ready to load. */
export function parseSessionFile(text: string): ParsedSession {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `The file is not valid JSON${jsonPosition(text, error)}.` };
  }
  const parsed = file.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
    return { ok: false, error: `${where || 'The file'}: ${issue.message}.` };
  }
  // The file's own objects, not zod's copies: zod reorders keys, and an import must
  // give back the very same events. Strict schemas have let no unknown key through.
  const { title, settings, events } = raw as SessionFile;
  const initial = initialRoomState(settings);
  const check = initialRoomState(settings);
  for (const [i, e] of events.entries()) {
    try {
      apply(check, e);
    } catch (error) {
      if (!(error instanceof InvariantError)) throw error;
      return { ok: false, error: `events[${i}] (${e.type}): this event does not follow from the ones before it: ${error.message}.` };
    }
    if (check.order.length > LIMITS.nodesMax) return { ok: false, error: `events[${i}]: a room holds at most ${LIMITS.nodesMax} nodes.` };
  }
  return { ok: true, title: normalizeText(title), initial, events };
}
