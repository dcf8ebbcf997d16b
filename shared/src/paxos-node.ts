/**
 * The notebook's PaxosNode, in TypeScript. Each call runs the room model on the two
 * nodes involved with instant delivery, so a script written against this class and a
 * classroom room apply the very same rules and print the very same lines.
 */
import type { Ballot, BallotScheme } from './ballot';
import { annotate, type Annotation, type EntryData } from './annotate';
import type { ChosenValue, Violation } from './monitor';
import { createNode, type AcceptedValue, type NodeState } from './node';
import { decide } from './decide';
import { apply, cloneRoomState, initialRoomState, type RoomCommand, type RoomState } from './room';
import { DEFAULT_SETTINGS, SAFE_RULES, type RuleModes } from './settings';

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

/** A Paxos node that plays proposer, acceptor and learner, driven one call at a time. */
export class PaxosNode {
  readonly name: string;
  readonly q1: number;
  readonly q2: number;
  readonly ballots: BallotScheme;
  readonly rules: RuleModes;
  #state: NodeState;
  #messageId = 1;
  #seq = 0;

  constructor(name: string, options: PaxosNodeOptions = {}) {
    if (typeof name !== 'string' || name.trim() === '') throw new TypeError('A PaxosNode needs a name.');
    const quorum = options.quorum ?? 2;
    this.name = name;
    this.q1 = options.q1 ?? quorum;
    this.q2 = options.q2 ?? quorum;
    for (const q of [this.q1, this.q2]) {
      if (!Number.isInteger(q) || q < 1) throw new RangeError(`A quorum size is a whole number of at least 1, not ${q}.`);
    }
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
    return this.#run([this], { type: 'propose', node: this.name, value: value ?? null });
  }

  /** Sends a promise request to `other` and returns the exchange as a log entry. */
  promiseRequest(other: PaxosNode): LogEntry {
    return this.#run([this, other], { type: 'promiseRequest', from: this.name, to: [other.name] });
  }

  /** Sends an accept request to `other` and returns the exchange as a log entry. */
  acceptRequest(other: PaxosNode): LogEntry {
    return this.#run([this, other], { type: 'acceptRequest', from: this.name, to: [other.name] });
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
    return this.#run([this], { type: 'crash', node: this.name });
  }

  recover(): LogEntry {
    return this.#run([this], { type: 'recover', node: this.name });
  }

  /** Runs one command on a two-node room made of the nodes' own states, which it updates in place. */
  #run(nodes: PaxosNode[], command: RoomCommand): LogEntry {
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

function formatPlain(b: Ballot): string {
  return b.node === undefined ? String(b.round) : `${b.round}.${b.node}`;
}
