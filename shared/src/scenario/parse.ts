/**
 * The scenario format: plain text, one step per line, `#` starts a comment.
 * `parseScenario` checks the whole file before anything runs and reports every
 * problem with its line number, so a bad script changes nothing.
 * docs/SCENARIOS.md is the user's guide to it.
 */
import type { SafetyRule } from '../monitor';
import { LIMITS, REFUSAL_CODES, type RoomCommand, type RefusalCode } from '../room';
import { QUORUM_MAX, type QuorumSize, type RoomSettings, type RuleModeName, type SettingsChange } from '../settings';
import { CHECKPOINT_LIMITS, freeQuestionProblem, type QuestionSpec } from '../checkpoint-state';
import { parseKvCommand } from '../multi/kv';
import { MULTI_LIMITS } from '../multi/types';
import { cleanText, closestWord, nodeNameProblem } from '../text';

export type MessageRef =
  | { readonly by: 'id'; readonly id: number }
  | { readonly by: 'route'; readonly from: string; readonly to: string }
  /** Every message in flight, or those from or to one node; `seed` shuffles a delivery's order. */
  | { readonly by: 'all'; readonly from?: string; readonly to?: string; readonly seed?: number };

export type Expectation =
  | { readonly kind: 'chosen'; readonly value: string | null }
  | { readonly kind: 'choice'; readonly node: string; readonly value: string | null }
  | { readonly kind: 'violation'; readonly rule: SafetyRule }
  | { readonly kind: 'safe' }
  | { readonly kind: 'refused'; readonly code: RefusalCode | null }
  | { readonly kind: 'in-flight'; readonly count: number }
  | { readonly kind: 'promisers' | 'acceptors'; readonly node: string; readonly count: number }
  /** The right answer of the last question asked, as its text. */
  | { readonly kind: 'answer'; readonly text: string }
  /** Multi-Paxos: the command chosen in a slot (null: none yet). */
  | { readonly kind: 'slot'; readonly slot: number; readonly value: string | null }
  /** Multi-Paxos: how many slots a node's state machine has run. */
  | { readonly kind: 'applied'; readonly node: string; readonly count: number }
  /** Multi-Paxos: a key's value in a node's key-value store (null: unset). */
  | { readonly kind: 'kv'; readonly node: string; readonly key: string; readonly value: string | null };

/** What an `ask` step asks: a question spec, or a reply question about the oldest request on a route. */
export type AskSpec = QuestionSpec | { readonly kind: 'replyRoute'; readonly from: string; readonly to: string };

export type ScenarioStep =
  | { readonly kind: 'command'; readonly line: number; readonly source: string; readonly command: RoomCommand }
  | { readonly kind: 'network'; readonly line: number; readonly source: string; readonly action: 'deliver' | 'drop' | 'duplicate'; readonly ref: MessageRef }
  | { readonly kind: 'settle'; readonly line: number; readonly source: string }
  | { readonly kind: 'answer'; readonly line: number; readonly source: string; readonly node: string; readonly id: number | null; readonly yes: boolean }
  | { readonly kind: 'partition'; readonly line: number; readonly source: string; readonly groups: readonly (readonly string[])[] }
  | { readonly kind: 'healAll'; readonly line: number; readonly source: string }
  | { readonly kind: 'run'; readonly line: number; readonly source: string; readonly ms: number }
  | { readonly kind: 'ask'; readonly line: number; readonly source: string; readonly spec: AskSpec; readonly seconds: number | null }
  /** Reveals the last question (closing it first); `answer` marks a free question's right option (0-based). */
  | { readonly kind: 'reveal'; readonly line: number; readonly source: string; readonly answer: number | null }
  | { readonly kind: 'expect'; readonly line: number; readonly source: string; readonly expect: Expectation };

/** A step without its position, as the parser builds it. */
type StepBody = ScenarioStep extends infer S ? (S extends ScenarioStep ? Omit<S, 'line' | 'source'> : never) : never;

export interface Scenario {
  readonly title: string;
  /** The introduction: the situation the lesson sets up and the question it asks. */
  readonly lesson: string;
  /** The rule the lesson teaches, in one sentence, stated once the learner has seen it (empty when none is given). */
  readonly rule: string;
  /** What a step shows, in the lesson author's words (`say` lines), by the line of the step they follow. */
  readonly says: Readonly<Record<number, string>>;
  /** The guesses a learner commits to before a step (`guess` lines), by the line of the step they come before. */
  readonly guesses: Readonly<Record<number, LessonGuess>>;
  /** Settings the room starts with (the settings lines before the first `nodes`). */
  readonly settings: SettingsChange;
  readonly seed: number;
  /** Bot nodes that propose on their own during `run`. */
  readonly autoProposers: readonly string[];
  readonly steps: readonly ScenarioStep[];
}

/** A lesson's question, asked just before the step that answers it: the learner picks one answer, then the step shows what happened. */
export interface LessonGuess {
  readonly question: string;
  readonly options: readonly string[];
  /** The right option (0-based): the one the script marks with `*`. */
  readonly answer: number;
}

/** How many answers a `guess` offers, and how long each part may be. */
export const GUESS_LIMITS = { optionsMin: 2, optionsMax: 4, questionMax: 200, optionMax: 60 } as const;

/** A `guess QUESTION | ANSWER | *RIGHT ...` line's text after the verb, or a problem that says how to write it. */
function parseGuess(text: string): LessonGuess {
  const how = 'write "guess QUESTION | ANSWER | *RIGHT ANSWER", with 2 to 4 answers and a * before the right one';
  const [question = '', ...parts] = text.split('|').map((p) => p.trim());
  if (!question.endsWith('?') || question.length > GUESS_LIMITS.questionMax) fail(`${how}; the question ends with "?" and has at most ${GUESS_LIMITS.questionMax} characters`);
  if (parts.length < GUESS_LIMITS.optionsMin || parts.length > GUESS_LIMITS.optionsMax) fail(how);
  const right = parts.flatMap((p, i) => (p.startsWith('*') ? [i] : []));
  if (right.length !== 1) fail(`${how}: mark exactly one answer with *`);
  const options = parts.map((p) => p.replace(/^\*\s*/, ''));
  if (options.some((o) => o === '' || o.length > GUESS_LIMITS.optionMax)) fail(`${how}; each answer has 1 to ${GUESS_LIMITS.optionMax} characters`);
  if (new Set(options).size !== options.length) fail(`${how}: two answers read the same`);
  return { question, options, answer: right[0]! };
}

export interface ScenarioProblem {
  readonly line: number;
  readonly message: string;
}

export class ScenarioError extends Error {
  override name = 'ScenarioError';
  constructor(readonly problems: readonly ScenarioProblem[]) {
    super(problems.map((p) => `line ${p.line}: ${p.message}`).join('\n'));
  }
}

export const SCENARIO_LIMITS = { linesMax: 5000, lineLengthMax: 500, runMsMax: 600_000 } as const;

const VALUE = /^[^\s#]{1,24}$/;

const RULE_WORDS: Record<string, RuleModeName> = {
  'ignore-accepted-value': 'ignoreAcceptedValue',
  'accept-without-quorum': 'acceptWithoutQuorum',
  'forget-on-crash': 'forgetOnCrash',
  'break-promises': 'breakPromises',
  'reconfigure-mid-round': 'reconfigureMidRound',
  'skip-repropose': 'skipRepropose',
};

const SAFETY_RULES: readonly SafetyRule[] = ['agreement', 'validity', 'learning', 'stability', 'prefix'];

/** Thrown inside the parser for one line; collected into a ScenarioError. */
class LineError extends Error {}

function fail(message: string): never {
  throw new LineError(message);
}

/** The first word of every step a scenario can use, for "did you mean ...?" (a test checks each one parses). */
export const STEP_WORDS = [
  'title', 'lesson', 'seed', 'quorum', 'ballots', 'delivery', 'acceptors', 'learners', 'protocol', 'break', 'set',
  'nodes', 'bots', 'autobots', 'propose', 'promise', 'accept', 'lead', 'submit', 'deliver', 'drop', 'duplicate', 'settle',
  'answer', 'crash', 'recover', 'cut', 'heal', 'partition', 'round', 'run', 'ask', 'reveal', 'expect', 'guess',
] as const;

/** Parses a scenario, or throws a ScenarioError listing every bad line. */
export function parseScenario(text: string): Scenario {
  // A final newline ends the last line; it does not start another.
  const rawLines = text.replace(/\r?\n$/, '').split(/\r?\n/);
  if (rawLines.length > SCENARIO_LIMITS.linesMax) {
    throw new ScenarioError([{ line: SCENARIO_LIMITS.linesMax + 1, message: `a scenario has at most ${SCENARIO_LIMITS.linesMax} lines` }]);
  }
  const problems: ScenarioProblem[] = [];
  const steps: ScenarioStep[] = [];
  const declared = new Set<string>();
  const settings: { -readonly [K in keyof Omit<SettingsChange, 'rules'>]: SettingsChange[K] } = {};
  const rules: Partial<Record<RuleModeName, boolean>> = {};
  const lessons: string[] = [];
  const ruleLines: string[] = [];
  const says: Record<number, string> = {};
  const guesses: Record<number, LessonGuess> = {};
  // A guess waits for the step it comes before.
  let guess: { line: number; guess: LessonGuess } | null = null;
  const autoProposers: string[] = [];
  let title = '';
  let seed = 1;
  let started = false;

  const node = (word: string | undefined): string => {
    if (word === undefined) fail('a node name is missing');
    if (!declared.has(word)) fail(`unknown node "${word}": declare it first with "nodes ${word}"`);
    return word;
  };
  const nodesUntil = (words: string[], what: string): string[] | 'all' => {
    if (words.length === 1 && words[0] === 'all') return 'all';
    if (words.length === 0) fail(`name the nodes to ${what}, or "all"`);
    return words.map(node);
  };
  const intArg = (word: string | undefined, what: string, min: number, max: number): number => {
    if (word === undefined || !/^\d+$/.test(word)) fail(`${what} must be a whole number`);
    const n = Number(word);
    if (n < min || n > max) fail(`${what} must be from ${min} to ${max}`);
    return n;
  };
  const arrow = (words: string[], verb: string): { from: string; rest: string[] } => {
    const [from, sep, ...rest] = words;
    if (sep !== '->') fail(`write "${verb} FROM -> TO..." (for example "${verb} A -> B C" or "${verb} A -> all")`);
    return { from: node(from), rest };
  };
  const messageRef = (words: string[], verb: string): MessageRef => {
    if (words[0] === 'all' && verb !== 'duplicate') {
      // all [from NODE] [to NODE] [random SEED] (random: deliver only)
      const ref: { by: 'all'; from?: string; to?: string; seed?: number } = { by: 'all' };
      const rest = words.slice(1);
      while (rest.length) {
        const [word, arg] = rest.splice(0, 2);
        if (word === 'from' && arg && ref.from === undefined) ref.from = node(arg);
        else if (word === 'to' && arg && ref.to === undefined) ref.to = node(arg);
        else if (word === 'random' && verb === 'deliver' && arg && /^\d{1,10}$/.test(arg) && Number(arg) <= 2 ** 31 && ref.seed === undefined) ref.seed = Number(arg);
        else fail(`write "${verb} all", optionally followed by "from NODE", "to NODE"${verb === 'deliver' ? ' and "random SEED"' : ''}`);
      }
      return ref;
    }
    if (words.length === 1 && /^#\d+$/.test(words[0]!)) return { by: 'id', id: Number(words[0]!.slice(1)) };
    if (words.length === 3 && words[1] === '->') return { by: 'route', from: node(words[0]), to: node(words[2]) };
    fail(`write "${verb} #ID" or "${verb} FROM -> TO"${verb === 'duplicate' ? '' : ` or "${verb} all"`}`);
  };
  const setting = (source: string): void => {
    if (started) fail(`settings before the first "nodes" line set up the room; to change one here, write "set ${source}"`);
  };

  rawLines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.length > SCENARIO_LIMITS.lineLengthMax) {
      problems.push({ line, message: `a line has at most ${SCENARIO_LIMITS.lineLengthMax} characters` });
      return;
    }
    const source = raw.replace(/(^|\s)#(?!\d).*$/, '').trim();
    if (source === '') return;
    const [verb, ...words] = source.split(/\s+/) as [string, ...string[]];
    const step = (s: StepBody): void => {
      steps.push({ ...s, line, source } as ScenarioStep);
      if (guess) guesses[line] = guess.guess;
      guess = null;
    };
    const command = (c: RoomCommand): void => step({ kind: 'command', command: c });
    try {
      switch (verb) {
        case 'title': {
          // The title of a room opened from this file: shown on every screen, so checked as any typed text is.
          const clean = cleanText(source.slice(verb.length), LIMITS.titleLengthMax, 'a title');
          if (!clean.ok) fail(clean.problem);
          title = clean.text;
          break;
        }
        case 'lesson':
          lessons.push(source.slice(verb.length).trim());
          break;
        case 'rule':
          ruleLines.push(source.slice(verb.length).trim());
          break;
        case 'say': {
          const said = steps.at(-1);
          if (!said) fail('"say" tells what the step above it shows: put it after a step');
          if (words.length === 0) fail('write "say TEXT": what the step above it shows, in plain words');
          says[said.line] = [says[said.line], source.slice(verb.length).trim()].filter(Boolean).join(' ');
          break;
        }
        case 'guess':
          if (guess) fail(`a guess comes right before the step that answers it: line ${guess.line} already asks one for the next step`);
          guess = { line, guess: parseGuess(source.slice(verb.length).trim()) };
          break;
        case 'seed':
          seed = intArg(words[0], 'the seed', 0, 2 ** 31);
          break;
        case 'quorum':
        case 'ballots':
        case 'delivery':
        case 'acceptors':
        case 'learners':
        case 'protocol':
        case 'break':
        case 'set': {
          const isSet = verb === 'set';
          const [key, ...args] = isSet ? words : [verb, ...words];
          const change = parseSetting(key, args, intArg);
          if (!isSet) {
            setting(source);
            const { rules: ruleChange, ...rest } = change;
            Object.assign(rules, ruleChange);
            Object.assign(settings, rest);
          } else {
            if (!started) fail('"set" changes settings during the scenario; before the first "nodes", write the setting alone');
            command({ type: 'changeSettings', settings: change });
          }
          break;
        }
        case 'nodes':
        case 'bots':
        case 'autobots': {
          if (words.length === 0) fail(`list the names after "${verb}"`);
          for (const w of words) {
            if (w === 'all') fail('"all" stands for every node, so it cannot be a node name');
            const problem = nodeNameProblem(w);
            if (problem) fail(`"${w}" ${problem}`);
            if (declared.has(w)) fail(`node "${w}" is declared twice`);
            declared.add(w);
            command({ type: 'addNode', node: w, bot: verb !== 'nodes' });
            if (verb === 'autobots') autoProposers.push(w);
          }
          started = true;
          break;
        }
        case 'propose': {
          if (words.length < 1 || words.length > 2) fail('write "propose NODE [VALUE]"');
          const value = words[1];
          if (value !== undefined && !VALUE.test(value)) fail(`"${value}" is not a value: use 1 to 24 characters without spaces`);
          if (value?.toLowerCase() === 'none') fail('the log writes None for "no value", so None cannot be a value: pick another word');
          command({ type: 'propose', node: node(words[0]), value: value ?? null });
          break;
        }
        case 'promise':
        case 'accept': {
          const { from, rest } = arrow(words, verb);
          // Multi-Paxos: "accept A -> all slot 3" sends one slot.
          const slotted = verb === 'accept' && rest.length >= 2 && rest.at(-2) === 'slot';
          const slot = slotted ? intArg(rest.at(-1), 'the slot', 1, MULTI_LIMITS.slotsMax) : undefined;
          const to = nodesUntil(slotted ? rest.slice(0, -2) : rest, `send the ${verb} request to`);
          command(verb === 'promise' ? { type: 'promiseRequest', from, to } : { type: 'acceptRequest', from, to, ...(slot !== undefined ? { slot } : {}) });
          break;
        }
        case 'lead':
          if (words.length !== 1) fail('write "lead NODE"');
          command({ type: 'lead', node: node(words[0]) });
          break;
        case 'submit': {
          if (words.length < 2) fail('write "submit NODE COMMAND", for example "submit A set x 3" or "submit A get x"');
          const text = words.slice(1).join(' ');
          const problem = parseKvCommand(text);
          if (typeof problem === 'string') fail(problem);
          command({ type: 'submit', node: node(words[0]), command: text });
          break;
        }
        case 'deliver':
        case 'drop':
        case 'duplicate':
          step({ kind: 'network', action: verb, ref: messageRef(words, verb) });
          break;
        case 'settle':
          if (words.length) fail('"settle" takes no arguments');
          step({ kind: 'settle' });
          break;
        case 'answer': {
          const n = node(words[0]);
          let rest = words.slice(1);
          let id: number | null = null;
          if (rest[0]?.startsWith('#')) {
            id = intArg(rest[0].slice(1), 'the message id', 1, Number.MAX_SAFE_INTEGER);
            rest = rest.slice(1);
          }
          if (rest.length !== 1 || (rest[0] !== 'yes' && rest[0] !== 'no')) fail('write "answer NODE [#ID] yes" or "answer NODE [#ID] no"');
          step({ kind: 'answer', node: n, id, yes: rest[0] === 'yes' });
          break;
        }
        case 'crash':
        case 'recover':
          if (words.length !== 1) fail(`write "${verb} NODE"`);
          command({ type: verb, node: node(words[0]) });
          break;
        case 'cut':
        case 'heal':
          if (verb === 'heal' && words.length === 1 && words[0] === 'all') {
            step({ kind: 'healAll' });
            break;
          }
          if (words.length !== 2) fail(`write "${verb} NODE NODE"${verb === 'heal' ? ' or "heal all"' : ''}`);
          command({ type: verb, a: node(words[0]), b: node(words[1]) });
          break;
        case 'partition': {
          const groups = words.join(' ').split('|').map((g) => g.trim().split(/\s+/).filter(Boolean));
          if (groups.length < 2 || groups.some((g) => g.length === 0)) fail('write "partition A B | C D": two or more groups split by |');
          const seen = new Set<string>();
          for (const g of groups) for (const n of g) {
            node(n);
            if (seen.has(n)) fail(`node "${n}" is in two groups`);
            seen.add(n);
          }
          step({ kind: 'partition', groups });
          break;
        }
        case 'round':
          command({ type: 'newRound' });
          break;
        case 'run': {
          const m = /^(\d+)(ms|s)$/.exec(words[0] ?? '');
          if (!m || words.length !== 1) fail('write "run 10s" or "run 500ms"');
          const ms = Number(m[1]) * (m[2] === 's' ? 1000 : 1);
          if (ms > SCENARIO_LIMITS.runMsMax) fail(`"run" lasts at most ${SCENARIO_LIMITS.runMsMax / 1000}s`);
          step({ kind: 'run', ms });
          break;
        }
        case 'ask': {
          // "ask KIND ... [in Ns]": the countdown, when given, comes last.
          let rest = words;
          let seconds: number | null = null;
          const timed = rest.length >= 2 && rest.at(-2) === 'in' ? /^(\d+)s$/.exec(rest.at(-1)!) : null;
          if (timed) {
            seconds = intArg(timed[1], 'the countdown', CHECKPOINT_LIMITS.secondsMin, CHECKPOINT_LIMITS.secondsMax);
            rest = rest.slice(0, -2);
          }
          step({ kind: 'ask', spec: parseAsk(rest, source, node, intArg), seconds });
          break;
        }
        case 'reveal':
          if (words.length > 1) fail('write "reveal", or "reveal N" to mark answer N of your own question right');
          step({ kind: 'reveal', answer: words[0] === undefined ? null : intArg(words[0], 'the right answer', 1, CHECKPOINT_LIMITS.optionsMax) - 1 });
          break;
        case 'expect':
          step({ kind: 'expect', expect: parseExpectation(words, node, intArg) });
          break;
        default: {
          const meant = closestWord(verb, STEP_WORDS);
          fail(`unknown step "${verb}"${meant ? `: did you mean "${meant}"?` : ''}; see docs/SCENARIOS.md for the steps a scenario can use`);
        }
      }
    } catch (e) {
      if (!(e instanceof LineError)) throw e;
      problems.push({ line, message: e.message });
    }
  });
  // Set inside the loop's callback, which the compiler does not follow.
  const unanswered = guess as { line: number; guess: LessonGuess } | null;
  if (unanswered) problems.push({ line: unanswered.line, message: 'a guess comes right before the step that answers it: put a step after it' });
  if (problems.length === 0 && declared.size === 0) problems.push({ line: rawLines.length, message: 'a scenario needs a "nodes" line' });
  if (problems.length) throw new ScenarioError(problems);
  return {
    title,
    lesson: lessons.join(' '),
    rule: ruleLines.join(' '),
    says,
    guesses,
    settings: Object.keys(rules).length ? { ...settings, rules } : settings,
    seed,
    autoProposers,
    steps,
  };
}

type IntArg = (word: string | undefined, what: string, min: number, max: number) => number;

function parseSetting(key: string | undefined, args: string[], intArg: IntArg): SettingsChange {
  const one = (choices: readonly string[]): string => {
    if (args.length !== 1 || !choices.includes(args[0]!)) fail(`write "${key} ${choices.join('|')}"`);
    return args[0]!;
  };
  switch (key) {
    case 'quorum': {
      if (args.length < 1 || args.length > 2) fail('write "quorum N", "quorum Q1 Q2" or "quorum majority"');
      const size = (w: string | undefined): QuorumSize => (w === 'majority' ? 'majority' : intArg(w, 'a quorum', 1, QUORUM_MAX));
      const q1 = size(args[0]);
      const q2 = args[1] === undefined ? q1 : size(args[1]);
      return { q1, q2 };
    }
    case 'ballots':
      return { ballots: one(['plain', 'unique']) as RoomSettings['ballots'] };
    case 'delivery':
      return { delivery: one(['instant', 'queued']) as RoomSettings['delivery'] };
    case 'acceptors':
      return { acceptorMode: one(['rules', 'students']) as RoomSettings['acceptorMode'] };
    case 'learners':
      return { learners: one(['everyone', 'proposer']) as RoomSettings['learners'] };
    case 'protocol':
      return { protocol: one(['single', 'multi']) as RoomSettings['protocol'] };
    case 'break': {
      if (args.length === 0) fail(`write "break MODE...", with modes from: ${Object.keys(RULE_WORDS).join(', ')}`);
      const rules: Partial<Record<RuleModeName, boolean>> = {};
      for (const a of args) {
        const off = a.startsWith('no-') && a.slice(3) in RULE_WORDS;
        const name = RULE_WORDS[off ? a.slice(3) : a];
        if (!name) fail(`unknown rule-breaking mode "${a}"; the modes are: ${Object.keys(RULE_WORDS).join(', ')}`);
        rules[name] = !off;
      }
      return { rules };
    }
    default:
      fail('write "set quorum|ballots|delivery|acceptors|learners|protocol|break ..."');
  }
}

function parseExpectation(words: string[], node: (w: string | undefined) => string, intArg: IntArg): Expectation {
  const [what, ...args] = words;
  const valueOrNone = (w: string | undefined): string | null => {
    if (w === undefined) fail(`write "expect ${what} ... VALUE" or "none"`);
    return w === 'none' ? null : w;
  };
  switch (what) {
    case 'chosen':
      if (args.length !== 1) fail('write "expect chosen VALUE" or "expect chosen none"');
      return { kind: 'chosen', value: valueOrNone(args[0]) };
    case 'choice':
      if (args.length !== 2) fail('write "expect choice NODE VALUE" or "expect choice NODE none"');
      return { kind: 'choice', node: node(args[0]), value: valueOrNone(args[1]) };
    case 'violation': {
      const rule = args[0] as SafetyRule;
      if (args.length !== 1 || !SAFETY_RULES.includes(rule)) fail(`write "expect violation ${SAFETY_RULES.join('|')}"`);
      return { kind: 'violation', rule };
    }
    case 'safe':
      if (args.length) fail('"expect safe" takes no arguments');
      return { kind: 'safe' };
    case 'refused':
      if (args.length > 1) fail('write "expect refused" or "expect refused CODE"');
      if (args[0] !== undefined && !(REFUSAL_CODES as readonly string[]).includes(args[0])) {
        fail(`unknown refusal code "${args[0]}"; the codes are: ${REFUSAL_CODES.join(', ')}`);
      }
      return { kind: 'refused', code: (args[0] as RefusalCode | undefined) ?? null };
    case 'in-flight':
      if (args.length !== 1) fail('write "expect in-flight COUNT"');
      return { kind: 'in-flight', count: intArg(args[0], 'the count', 0, 100_000) };
    case 'promisers':
    case 'acceptors':
      if (args.length !== 2) fail(`write "expect ${what} NODE COUNT"`);
      return { kind: what, node: node(args[0]), count: intArg(args[1], 'the count', 0, 1000) };
    case 'answer':
      if (args.length === 0) fail('write "expect answer TEXT", the right answer of the last question asked');
      return { kind: 'answer', text: args.join(' ') };
    case 'slot': {
      if (args.length < 2) fail('write "expect slot N COMMAND" or "expect slot N none"');
      const slot = intArg(args[0], 'the slot', 1, MULTI_LIMITS.slotsMax);
      const value = args.slice(1).join(' ');
      return { kind: 'slot', slot, value: value === 'none' ? null : value };
    }
    case 'applied':
      if (args.length !== 2) fail('write "expect applied NODE COUNT"');
      return { kind: 'applied', node: node(args[0]), count: intArg(args[1], 'the count', 0, MULTI_LIMITS.slotsMax) };
    case 'kv':
      if (args.length !== 3) fail('write "expect kv NODE KEY VALUE" or "expect kv NODE KEY none"');
      return { kind: 'kv', node: node(args[0]), key: args[1]!, value: args[2] === 'none' ? null : args[2]! };
    default:
      fail('expect what? chosen, choice, violation, safe, refused, in-flight, promisers, acceptors, answer, slot, applied or kv');
  }
}

/**
 * `ask reply #ID`, `ask reply FROM -> TO`, `ask next-value NODE`, `ask chosen-now`,
 * `ask quorum-crash`, `ask other-value`, or `ask free QUESTION | ANSWER | ANSWER ...`.
 */
function parseAsk(words: string[], source: string, node: (w: string | undefined) => string, intArg: IntArg): AskSpec {
  const [kind, ...args] = words;
  switch (kind) {
    case 'reply': {
      if (args[0]?.startsWith('#') && args.length === 1) return { kind: 'reply', message: intArg(args[0].slice(1), 'the message id', 1, Number.MAX_SAFE_INTEGER) };
      // One request is asked about: one sender, one recipient ("all" is no recipient).
      if (args.length !== 3 || args[1] !== '->' || args[2] === 'all') fail('write "ask reply #ID" or "ask reply FROM -> TO", with one node on each side');
      return { kind: 'replyRoute', from: node(args[0]), to: node(args[2]) };
    }
    case 'next-value':
      if (args.length !== 1) fail('write "ask next-value NODE"');
      return { kind: 'nextValue', node: node(args[0]) };
    case 'chosen-now':
    case 'quorum-crash':
    case 'other-value':
      if (args.length) fail(`"ask ${kind}" takes nothing more`);
      return { kind: kind === 'chosen-now' ? 'chosenNow' : kind === 'quorum-crash' ? 'quorumCrash' : 'otherValue' };
    case 'free': {
      // The question and its answers, split by |, as written (comments already cut).
      const text = source.replace(/^ask\s+free\s*/, '').replace(/\s+in\s+\d+s$/, '');
      const [prompt = '', ...options] = text.split('|').map((p) => p.trim());
      const problem = freeQuestionProblem(prompt, options);
      if (problem) fail(`${problem} Write "ask free QUESTION | ANSWER | ANSWER".`);
      return { kind: 'free', prompt, options };
    }
    default:
      fail('ask what? reply, next-value, chosen-now, quorum-crash, other-value or free');
  }
}
