/**
 * The notebook's PaxosNode, in TypeScript. Each call runs the room model on the two
 * nodes involved with instant delivery, so a script written against this class and a
 * classroom room apply the very same rules and print the very same lines.
 */
import type { AcceptedValue, Ballot, BallotScheme } from './ballot';
import { annotate, type Annotation, type EntryData } from './annotate';
import type { ChosenValue, Violation } from './monitor';
import { createNode, type NodeState } from './node';
import { decide } from './decide';
import { apply, cloneRoomState, initialRoomState, type RoomCommand, type RoomState } from './room';
import { DEFAULT_SETTINGS, QUORUM_MAX, RULE_MODE_NAMES, SAFE_RULES, type RuleModes } from './settings';
import { closestWord, nodeNameProblem } from './text';

export interface PaxosNodeOptions {
  /** Quorum size for both phases, as in the notebook. */
  readonly quorum?: number;
  /** Separate promise quorum; defaults to `quorum`. */
  readonly q1?: number;
  /** Separate accept quorum; defaults to `quorum`. */
  readonly q2?: number;
  /** `plain` integers as the notebook prints them (default), or `unique` round.node pairs. */
  readonly ballots?: BallotScheme;
  readonly rules?: Partial<RuleModes>;
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** One entry of the annotated log. `String(entry)` and `entry.text` give the notebook's lines. */
export class LogEntry implements Annotation {
  readonly seq: number;
  readonly lines: readonly string[];
  readonly text: string;
  readonly explanation: string;
  readonly chosen: readonly ChosenValue[];
  readonly violations: readonly Violation[];
  readonly data: EntryData;
  /** Set when the core refused the action: a code and why. */
  readonly refusal: { readonly code: string; readonly explanation: string } | null;

  constructor(a: Annotation, refusal: LogEntry['refusal'] = null) {
    this.seq = a.seq;
    this.lines = a.lines;
    this.text = a.text;
    this.explanation = a.explanation;
    this.chosen = a.chosen;
    this.violations = a.violations;
    this.data = a.data;
    this.refusal = refusal;
  }

  toString(): string {
    return this.text;
  }

  /** Node's REPL prints an entry as the notebook did. */
  [INSPECT](): string {
    return this.text;
  }
}

/**
 * A call the core cannot make sense of: a missing or wrong argument, an unknown option.
 * JavaScript callers get no type checking, so each is refused at run time with a sentence
 * that says what to write instead.
 */
export class PaxosNodeError extends Error {
  override name = 'PaxosNodeError';
}

const OPTION_NAMES = ['quorum', 'q1', 'q2', 'ballots', 'rules'] as const;

/** A Paxos node that plays proposer, acceptor and learner, driven one call at a time. */
class PaxosNodeClass {
  // Its own name, not the variable's, in `PaxosNode.name` and wherever a class is named.
  static {
    Object.defineProperty(this, 'name', { value: 'PaxosNode' });
  }

  readonly name: string;
  readonly q1: number;
  readonly q2: number;
  readonly ballots: BallotScheme;
  readonly rules: RuleModes;
  #state: NodeState;
  #messageId = 1;
  #seq = 0;

  constructor(name: string, options: PaxosNodeOptions = {}) {
    checkNewArguments(arguments.length, name, options);
    const quorum = options.quorum ?? 2;
    this.name = name;
    this.q1 = options.q1 ?? quorum;
    this.q2 = options.q2 ?? quorum;
    this.ballots = options.ballots ?? 'plain';
    this.rules = { ...SAFE_RULES, ...options.rules };
    this.#state = createNode(name);
  }

  /** `p`: the current proposal's ballot, as printed (`1`, `2.Alice`), or null. */
  get p(): string | null {
    return this.#state.proposer.ballot ? formatPlain(this.#state.proposer.ballot) : null;
  }
  get ballot(): Ballot | null {
    return this.#state.proposer.ballot;
  }
  /** `val`: the value this node proposes. */
  get val(): string | null {
    return this.#state.proposer.value;
  }
  get promisers(): readonly string[] {
    return this.#state.proposer.promisers.slice();
  }
  /** `promiser_acc_max`: the value of the highest-ballot acceptance among the promisers. */
  get promiser_acc_max(): string | null {
    return this.#state.proposer.promiserAccMax?.value ?? null;
  }
  get acceptors(): readonly string[] {
    return this.#state.proposer.acceptors.slice();
  }
  /** `choice`: the value this node learned was chosen. */
  get choice(): string | null {
    return this.#state.choice;
  }
  /** `acc_p`: the highest ballot this node's acceptor promised. */
  get acc_p(): string | null {
    return this.#state.acceptor.promised ? formatPlain(this.#state.acceptor.promised) : null;
  }
  /** `last_accepted()`: what this node's acceptor last accepted. */
  get last_accepted(): AcceptedValue | null {
    return this.#state.acceptor.accepted;
  }
  get up(): boolean {
    return this.#state.up;
  }

  /**
   * Starts a new proposal with a ballot above any this node has seen; a node can
   * re-initialize any time. Without a value it keeps the value it wanted before.
   */
  initNewProposal(value?: string | null): LogEntry {
    if (arguments.length > 1) {
      throw new PaxosNodeError(`initNewProposal takes one value, not ${arguments.length} arguments: write initNewProposal('Apple')`);
    }
    if (value !== undefined && value !== null && typeof value !== 'string') {
      throw new PaxosNodeError(`initNewProposal takes a value as text, not ${describe(value)}: write initNewProposal(${quote(typeof value === 'number' ? String(value) : 'Apple')})`);
    }
    return this.#run([this], { type: 'propose', node: this.name, value: value ?? null });
  }

  /** Sends a promise request to `other` and returns the exchange as a log entry. */
  promiseRequest(other: PaxosNode): LogEntry {
    this.#checkOther('promiseRequest', arguments.length, other);
    return this.#run([this, other], { type: 'promiseRequest', from: this.name, to: [other.name] });
  }

  /** Sends an accept request to `other` and returns the exchange as a log entry. */
  acceptRequest(other: PaxosNode): LogEntry {
    this.#checkOther('acceptRequest', arguments.length, other);
    return this.#run([this, other], { type: 'acceptRequest', from: this.name, to: [other.name] });
  }

  /** Refuses anything but one PaxosNode as the node a request goes to, saying what to write. */
  #checkOther(method: string, count: number, other: unknown): asserts other is PaxosNode {
    const example = `node.${method}(another_node)`;
    if (count === 0 || other === undefined) throw new PaxosNodeError(`${method} needs the node to ask: write ${example}, with another_node a PaxosNode.`);
    if (typeof other === 'string') {
      const quorum = this.q1 === this.q2 ? `{ quorum: ${this.q1} }` : `{ q1: ${this.q1}, q2: ${this.q2} }`;
      throw new PaxosNodeError(
        `${method} takes the PaxosNode itself, not its name ${quote(other)}: write ${example}, with another_node = new PaxosNode(${quote(other)}, ${quorum})`,
      );
    }
    if (typeof other !== 'object' || other === null || !(#state in other)) {
      throw new PaxosNodeError(`${method} takes a PaxosNode, not ${describe(other)}: write ${example}, with another_node a PaxosNode.`);
    }
    if (count > 1) throw new PaxosNodeError(`${method} asks one node at a time, not ${count}: call ${method} once for each node.`);
  }

  /** The node's state in the notebook's terms, as the REPL prints it. */
  toString(): string {
    const st = this.#state;
    const p = st.proposer;
    const acc = st.acceptor.accepted;
    return (
      `${this.name}(p: ${this.p ?? 'None'}, val: ${p.value ?? 'None'}, promisers: ${p.promisers.length}/${this.q1}, ` +
      `promiser_acc_max: ${this.promiser_acc_max ?? 'None'}, acceptors: ${p.acceptors.length}/${this.q2}, ` +
      `choice: ${st.choice ?? 'None'}, acc_p: ${this.acc_p ?? 'None'}, ` +
      `last_accepted(${acc ? `${formatPlain(acc.ballot)}, ${acc.value}` : ''})${st.up ? '' : ', crashed'})`
    );
  }

  [INSPECT](): string {
    return this.toString();
  }

  /** Crashes this node: its proposal in progress is lost; its acceptor state is kept unless `forgetOnCrash`. */
  crash(): LogEntry {
    if (arguments.length > 0) throw new PaxosNodeError('crash takes no arguments: write node.crash()');
    return this.#run([this], { type: 'crash', node: this.name });
  }

  recover(): LogEntry {
    if (arguments.length > 0) throw new PaxosNodeError('recover takes no arguments: write node.recover()');
    return this.#run([this], { type: 'recover', node: this.name });
  }

  /** Runs one command on a two-node room made of the nodes' own states, which it updates in place. */
  #run(nodes: PaxosNodeClass[], command: RoomCommand): LogEntry {
    const room: RoomState = {
      ...initialRoomState({ ...DEFAULT_SETTINGS, q1: this.q1, q2: this.q2, ballots: this.ballots, learners: 'proposer', rules: this.rules }),
      nextMessageId: this.#messageId,
      seq: this.#seq,
    };
    for (const n of nodes) {
      const same = room.nodes[n.name];
      if (same === n.#state) continue;
      if (same) {
        throw new Error(`Two PaxosNode objects are both called ${n.name}: an acceptor is known by its name, so give each node its own.`);
      }
      room.nodes[n.name] = n.#state;
      room.order.push(n.name);
      room.members.push(n.name);
    }
    const decision = decide(room, command);
    if (!decision.ok) {
      const refused = {
        seq: this.#seq,
        lines: [`REFUSED ${command.type}: ${decision.explanation}`],
        text: `REFUSED ${command.type}: ${decision.explanation}`,
        explanation: decision.explanation,
        chosen: [],
        violations: [],
        data: { type: 'refused' as const, node: this.name, nodes: [this.name], messageIds: [], tag: null, ballot: null, value: null },
      };
      return new LogEntry(refused, { code: decision.code, explanation: decision.explanation });
    }
    let last: Annotation | null = null;
    const lines: string[] = [];
    const explanations: string[] = [];
    for (const event of decision.events) {
      const before = cloneRoomState(room);
      apply(room, event);
      last = annotate(before, event, room);
      lines.push(...last.lines);
      explanations.push(last.explanation);
    }
    this.#messageId = room.nextMessageId;
    this.#seq = room.seq;
    // The room worked on the nodes' own state objects; nothing else to copy back.
    const a = last!;
    return new LogEntry({ ...a, lines, text: lines.join('\n'), explanation: explanations.join(' ') });
  }
}

/**
 * The notebook's `PaxosNode`. A notebook reader writes `PaxosNode("Node", quorum=3)`;
 * JavaScript cannot make a class without `new`, so that call is refused with the line to write.
 */
export const PaxosNode: typeof PaxosNodeClass = new Proxy(PaxosNodeClass, {
  apply(_target, _this, args: unknown[]) {
    throw new PaxosNodeError(`PaxosNode is a class, made with new: write ${suggestNew(args[0], args[1])}`);
  },
});
export type PaxosNode = PaxosNodeClass;

/** Refuses a name or options that `new PaxosNode(name, options)` cannot use, with the line to write. */
function checkNewArguments(count: number, name: unknown, options: unknown): void {
  if (count > 2) {
    throw new PaxosNodeError(`PaxosNode takes a name and one object of options, not ${count} arguments: write ${suggestNew(name, options)}`);
  }
  if (name === undefined || (typeof name === 'string' && name.trim() === '')) throw new PaxosNodeError(`A PaxosNode needs a name: write ${suggestNew(name, options)}`);
  if (typeof name !== 'string') {
    throw new PaxosNodeError(`A PaxosNode's name is text, not ${describe(name)}: write ${suggestNew(name, options)}`);
  }
  const problem = nodeNameProblem(name);
  if (problem) throw new PaxosNodeError(`${quote(name)} ${problem}; write ${suggestNew(name, options)}`);
  if (options === undefined) return;
  if (typeof options === 'number') {
    // `new PaxosNode('Node', quorum=3)` passes 3 here: JavaScript has no keyword arguments.
    throw new PaxosNodeError(`PaxosNode's options are an object, not ${describe(options)}: write ${suggestNew(name, options)}`);
  }
  if (!isPlainObject(options)) {
    throw new PaxosNodeError(`PaxosNode's options are an object such as { quorum: 3 }, not ${describe(options)}: write ${suggestNew(name, options)}`);
  }
  for (const key of Object.keys(options)) {
    if ((OPTION_NAMES as readonly string[]).includes(key)) continue;
    const meant = closestWord(key, OPTION_NAMES);
    throw new PaxosNodeError(
      meant
        ? `PaxosNode has no option ${quote(key)}: did you mean ${meant}? Write ${suggestNew(name, options)}`
        : `PaxosNode has no option ${quote(key)}: its options are quorum, q1, q2, ballots and rules, as in ${suggestNew(name, options)}`,
    );
  }
  for (const key of ['quorum', 'q1', 'q2'] as const) {
    const q = options[key];
    if (q !== undefined && !(Number.isInteger(q) && (q as number) >= 1 && (q as number) <= QUORUM_MAX)) {
      throw new PaxosNodeError(`A quorum size is a whole number from 1 to ${QUORUM_MAX}, so ${key} cannot be ${describe(q)}: write ${suggestNew(name, options)}`);
    }
  }
  const ballots = options['ballots'];
  if (ballots !== undefined && ballots !== 'plain' && ballots !== 'unique') {
    throw new PaxosNodeError(`ballots is 'plain' (printed 1, 2, 3, as in the notebook) or 'unique' (printed 1.Node), not ${describe(ballots)}.`);
  }
  const rules = options['rules'];
  if (rules === undefined) return;
  if (!isPlainObject(rules)) throw new PaxosNodeError(`rules is an object such as { forgetOnCrash: true }, not ${describe(rules)}.`);
  for (const [rule, on] of Object.entries(rules)) {
    if (!(RULE_MODE_NAMES as readonly string[]).includes(rule)) {
      const meant = closestWord(rule, RULE_MODE_NAMES);
      throw new PaxosNodeError(`There is no rule ${quote(rule)}: ${meant ? `did you mean ${meant}?` : `the rules are ${RULE_MODE_NAMES.join(', ')}.`}`);
    }
    if (typeof on !== 'boolean') throw new PaxosNodeError(`rules.${rule} is true or false, not ${describe(on)}.`);
  }
}

/**
 * The line that makes the node the caller meant: its name made a valid one, a bare number
 * taken as the quorum (what `quorum=3` passes), misspelled or mistyped options corrected.
 */
function suggestNew(name: unknown, options: unknown): string {
  const fixed = typeof name === 'string' ? name.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^[^A-Za-z]+|_+$/g, '').slice(0, 24) : '';
  const shown = fixed !== '' && nodeNameProblem(fixed) === null ? fixed : 'Node';
  const parts: string[] = [];
  if (typeof options === 'number' || typeof options === 'string') {
    parts.push(`quorum: ${quorumShown(options)}`);
  } else if (isPlainObject(options)) {
    for (const [key, value] of Object.entries(options)) {
      const option = (OPTION_NAMES as readonly string[]).includes(key) ? key : closestWord(key, OPTION_NAMES);
      if (option === 'quorum' || option === 'q1' || option === 'q2') parts.push(`${option}: ${quorumShown(value)}`);
      else if (option === 'ballots') parts.push(`ballots: ${value === 'unique' ? "'unique'" : "'plain'"}`);
    }
  }
  if (parts.length === 0) parts.push('quorum: 3');
  return `new PaxosNode(${quote(shown)}, { ${parts.join(', ')} })`;
}

/** A quorum size close to what was given (`'3'` is 3), or the notebook's 3. */
function quorumShown(q: unknown): number {
  const n = typeof q === 'string' && q.trim() !== '' ? Number(q) : q;
  return typeof n === 'number' && Number.isFinite(n) ? Math.min(QUORUM_MAX, Math.max(1, Math.round(n))) : 3;
}

/**
 * Whether `v` is an object literal. Its prototype is looked at by shape, not compared with
 * this realm's `Object.prototype`: the REPL's context is another realm with its own.
 */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/** A value as a sentence names it: "the number 42", "the text 'Apple'", "an array". */
function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'string') return `the text ${quote(v)}`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return `the ${typeof v} ${String(v)}`;
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof PaxosNodeClass) return `the PaxosNode ${v.name}`;
  return 'an object';
}

/** Text as a JavaScript string literal in single quotes, shortened past 40 characters. */
function quote(text: string): string {
  const short = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return `'${short.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

function formatPlain(b: Ballot): string {
  return b.node === undefined ? String(b.round) : `${b.round}.${b.node}`;
}
