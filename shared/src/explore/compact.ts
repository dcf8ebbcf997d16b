/**
 * The compact search: the same room as small integers, for speed. A state is one Int32Array
 * record (a header, fixed words per node, then three sorted sections: the monitor's tallies,
 * requests held in inboxes, messages in flight); nodes, values, ballots, (ballot, value)
 * pairs, messages and the states of the nodes' programs are numbered once per search.
 * `CompactRoom.expand` plays every command the explorer tries with the room's network, its
 * bookkeeping and the monitor written again for these records (decide.ts, room.ts,
 * monitor.ts, each step named after the function it mirrors); what a node does comes from its
 * programs (programs/), whichever they are: each node's proposer, acceptor and learner state is
 * held by number (equal as `stateKey` counts them equal), and each program call is made once
 * per distinct state and message and remembered. `encode` turns a room state into its
 * record. A test checks, over many random states, that both agree with `decide` and `apply`
 * command by command. Records are deduplicated whole: a record holds exactly what `stateKey`
 * holds, so the two searches count the same states. A schedule found is played back through
 * `decide` as real room commands.
 */
import { decide } from '../decide';
import { invariant, InvariantError } from '../invariant';
import type { SafetyRule } from '../monitor';
import { nextBallot, type AcceptedValue, type Ballot, type BallotScheme } from '../ballot';
import { makeReply, replyTo, tallyKey, type AcceptorState, type Message, type ProposerState, type ReplyMessage, type RequestMessage } from '../node';
import { LIMITS, type RoomCommand, type RoomEvent, type RoomState } from '../room';
import { programsOf } from '../room-state';
import { quorumSizes } from '../settings';
import type { LearnerState, NodePrograms, Quorums } from '../programs/types';
import type { ExploreBounds, Focus } from './types';
import { acceptorKey, ballotKey, learnerKey, proposerKey } from './key';
import { sentKey, successorState } from './schedule';

// Header fields.
const H_FIXED = 0;
const H_RECONFIGURED = 1;
const H_VIOLATIONS = 2;
const H_PROPOSED = 3;
const H_CUT = 4;
const H_MEMBERS = 5;
/** The joiners that joined, in join order, as base-8 digits (slot + 1), the first one lowest. */
const H_JOINED = 6;
/** Section sizes: monitor's tallies, held requests, messages in flight. */
const H_SECTIONS = 7;
const HDR = 10;

// Node words, after the header: NF words per node. The first holds the room's own fields,
// each `word | shift << 3 | bits << 8`; the others the numbers of the node's program states.
const NF = 4;
const F_PRESENT = nodeField(0, 0, 1);
const F_UP = nodeField(0, 1, 1);
/**
 * The explorer's own bookkeeping (queued delivery): bit i, a promise request sent to the node
 * in slot i this ballot; bit SLOTS_MAX + i, an accept request.
 */
const F_SENT = nodeField(0, 2, 14);
const SLOTS_MAX = 7;
/** The monitor's last value learned by the node: the value's number + 1 (0 for none), at most 30 values. */
const F_LEARNED = nodeField(0, 16, 5);
const VALUES_MAX = 30;
/** The proposer's state, the acceptor's, and the learner's (its choice and tallies), by number (`ProgramStates`). */
const W_PROPOSER = 1;
const W_ACCEPTOR = 2;
const W_LEARNER = 3;
const BV_LIMIT = (1 << 15) - 1;

function nodeField(word: number, shift: number, bits: number): number {
  return word | (shift << 3) | (bits << 8);
}

/** Field `f` of node `i` in record `r`. */
function get(r: Int32Array, i: number, f: number): number {
  return (r[HDR + i * NF + (f & 7)]! >>> ((f >>> 3) & 31)) & ((1 << (f >>> 8)) - 1);
}

/** Sets field `f` of node `i` in record `r` to `v`. */
function put(r: Int32Array, i: number, f: number, v: number): void {
  const at = HDR + i * NF + (f & 7);
  const mask = ((1 << (f >>> 8)) - 1) << ((f >>> 3) & 31);
  r[at] = (r[at]! & ~mask) | ((v << ((f >>> 3) & 31)) & mask);
}

const S_TALLY = 0;
const S_HELD = 1;
const S_FLIGHT = 2;

// Message kinds.
const K_PREPARE = 0;
const K_ACCEPT = 1;
const K_PROMISE = 2;
const K_ACCEPTED = 3;
const K_NOTICE = 4;
const K_REJECT = 5;
const KIND_NAMES = ['prepare', 'accept', 'promise', 'accepted', 'notice', 'reject'] as const;

// Command codes: type + 16 * (a + 2^20 * b).
const C_DELIVER = 0;
const C_DROP = 1;
const C_DUPLICATE = 2;
const C_ANSWER = 3;
const C_PROPOSE = 4;
const C_PROMISE_REQUEST = 5;
const C_ACCEPT_REQUEST = 6;
const C_CRASH = 7;
const C_RECOVER = 8;
const C_CUT = 9;
const C_HEAL = 10;
const C_JOIN = 11;
/** Codes stay below 2^30, small integers to the engine. */
const A_SPAN = 1 << 20;

const RULE_BITS: Record<SafetyRule, number> = { agreement: 1, validity: 2, learning: 4, stability: 8, prefix: 16 };
const RULES = Object.keys(RULE_BITS) as SafetyRule[];

function popCount(x: number): number {
  let c = 0;
  for (; x; x &= x - 1) c++;
  return c;
}

/** A room state the compact model cannot hold (a node that left mid-round, say): the search then plays the room itself. */
export class Unsupported extends Error {}

/**
 * The fields the records hold, or know to be constant in a search. A state with a field not
 * named here (one added to the room since) is searched by the exact search, whose key holds
 * every node field by default: a new field is safe until it is added here and to the records.
 * A program's state is held whole, by number, so its fields are not named here.
 */
const KNOWN_FIELDS: readonly [string, ReadonlySet<string>, (s: RoomState) => object[]][] = [
  ['room', new Set(['seq', 'settings', 'round', 'nodes', 'order', 'members', 'fixed', 'nextSettings', 'reconfigured', 'inFlight', 'held', 'nextMessageId', 'cut', 'monitor', 'checkpoints', 'programs']), (s) => [s]],
  ['node', new Set(['id', 'name', 'bot', 'up', 'proposer', 'acceptor', 'choice', 'heard', 'inbox']), (s) => Object.values(s.nodes)],
  ['monitor', new Set(['proposed', 'proposalSeqs', 'tallies', 'chosen', 'learned', 'violations']), (s) => [s.monitor]],
];

/** Plain values numbered by a key: equal keys, one number, and the first value seen stands for them all. */
class Numbered<T> {
  readonly values: T[] = [];
  #byKey = new Map<string, number>();

  number(v: T, key: string): number {
    let i = this.#byKey.get(key);
    if (i === undefined) {
      i = this.values.length;
      this.#byKey.set(key, i);
      this.values.push(v);
    }
    return i;
  }
}

/** How many program calls the search remembers per state it may visit, before it forgets them all and calls again. */
const MEMO_PER_STATE = 8;

/**
 * One function's answers, by the number of the state it was given and the rest of its
 * arguments as one integer (a message's number, say): an open-addressing table of integers,
 * which a search reads at every step it plays, several times. The messages' numbers are kept
 * in one too, by their content as two integers.
 */
class Answers {
  /** Per slot: state + 1 (0: empty), rest, answer. */
  #table = new Int32Array(3 * 256);
  #mask = 255;
  #size = 0;

  #slotOf(state: number, rest: number): number {
    return (Math.imul(state, 0x9e3779b1) ^ Math.imul(rest, 0x85ebca6b)) >>> 7;
  }

  get(state: number, rest: number): number | undefined {
    const t = this.#table;
    for (let slot = this.#slotOf(state, rest) & this.#mask; ; slot = (slot + 1) & this.#mask) {
      const at = 3 * slot;
      if (t[at] === 0) return undefined;
      if (t[at] === state + 1 && t[at + 1] === rest) return t[at + 2];
    }
  }

  /** Adds an answer that `get` has just found missing. */
  set(state: number, rest: number, answer: number): void {
    if (2 * (this.#size + 1) > this.#mask + 1) this.#grow();
    this.#put(state, rest, answer);
    this.#size++;
  }

  clear(): void {
    this.#table.fill(0);
    this.#size = 0;
  }

  #put(state: number, rest: number, answer: number): void {
    const t = this.#table;
    let slot = this.#slotOf(state, rest) & this.#mask;
    while (t[3 * slot] !== 0) slot = (slot + 1) & this.#mask;
    t[3 * slot] = state + 1;
    t[3 * slot + 1] = rest;
    t[3 * slot + 2] = answer;
  }

  #grow(): void {
    const old = this.#table;
    this.#table = new Int32Array(old.length * 2);
    this.#mask = this.#mask * 2 + 1;
    for (let at = 0; at < old.length; at += 3) if (old[at] !== 0) this.#put(old[at]! - 1, old[at + 1]!, old[at + 2]!);
  }
}

/**
 * The answers of one node's programs (one `NodePrograms`), each call remembered by its
 * arguments' numbers: a program is pure, so a (state, message) pair runs its code once.
 */
class Memo {
  readonly onRequest = new Answers();
  readonly onAnswer = new Answers();
  readonly mayAnswerYes = new Answers();
  readonly onReply = new Answers();
  readonly readyToAccept = new Answers();
  readonly valueToPropose = new Answers();
  readonly propose = new Answers();
  readonly onCrash = new Answers();
  readonly onNotice = new Answers();
  constructor(readonly programs: NodePrograms) {}

  all(): Answers[] {
    return [this.onRequest, this.onAnswer, this.mayAnswerYes, this.onReply, this.readyToAccept, this.valueToPropose, this.propose, this.onCrash, this.onNotice];
  }
}

/** The room's own changes to program states, remembered as the programs' answers are. */
class RoomMemo {
  readonly seeRound = new Answers();
  readonly noteSent = new Answers();
  readonly setChoice = new Answers();
  readonly nextBallot = new Answers();

  all(): Answers[] {
    return [this.seeRound, this.noteSent, this.setChoice, this.nextBallot];
  }
}

/**
 * The tables of one search (nodes, values, ballots, messages, program states) and the room's
 * network and monitor on records; what a node does comes from its programs, each call made
 * once per distinct state and message. Built from the starting state; `create` returns null
 * when that state holds something the records cannot (then the exact search runs).
 */
export class CompactRoom {
  /** Node ids by slot: the starting state's nodes in join order, then the joiners. */
  readonly ids: string[];
  readonly n: number;
  readonly width: number;
  /** How many slots were in the room at the start (the rest are joiners). */
  readonly n0: number;
  /** Values by number: those the search may propose and those in the room, then any a program makes up. */
  readonly values: string[];
  hitCopies = false;
  hitRounds = false;
  /** Scratch record: the successor being built. */
  t: Int32Array;
  tLen = 0;

  #slot = new Map<string, number>();
  #bot: boolean[];
  #initialMembers: number[];
  #joinable: boolean[];
  /** The program states of a joiner when it joins: proposer, acceptor, learner. */
  #fresh: number[][];
  #valueIndex = new Map<string, number>();
  #quorums: Quorums[] = [];
  #instant: boolean;
  #students: boolean;
  #everyone: boolean;
  #ballots: BallotScheme;
  #reconfigure: boolean;
  #proposers: number[];
  #proposerValues: number[][];
  #roundMax: number;
  #copiesMax: number;
  #crashes: boolean;
  #cuts: boolean;
  #joiners: number[];
  #pair: number[];
  // Ballots: 0 for none.
  #ballotsNumbered = new Numbered<Ballot | null>();
  #ballotRound: number[] = [];
  // (ballot, value) pairs.
  #bvByCode = new Map<number, number>();
  #bvBallot: number[] = [];
  #bvValue: number[] = [];
  // Program states, and what the room reads of them.
  #proposerStates = new Numbered<ProposerState>();
  #pBallot: number[] = [];
  #pMaxRound: number[] = [];
  #pSentValue: number[] = [];
  #acceptorStates = new Numbered<AcceptorState>();
  #learnerStates = new Numbered<LearnerState>();
  /** The learner's choice: value + 1, or 0. */
  #lChoice: number[] = [];
  /** Each slot's programs' memo. */
  #memoOf: Memo[] = [];
  /** The room's own changes to program states (rounds seen, the value sent, tallies): by state and argument. */
  #roomMemo = new RoomMemo();
  #memoSize = 0;
  #memoMax: number;
  // Messages by content.
  /** By head (kind, from, to, ballot) and payload: two keys below 2^30, in a table of integers. */
  #msgByContent = new Answers();
  #mKind: number[] = [];
  #mFrom: number[] = [];
  #mTo: number[] = [];
  #mBallot: number[] = [];
  /** accept, accepted, notice: value; promise: last accepted (bv + 1, or 0); reject: the request's kind. */
  #mA: number[] = [];
  /** reject: the promised ballot. */
  #mB: number[] = [];
  /** reject of an accept request: value + 1. */
  #mC: number[] = [];
  /** The message as the programs see it, made when first asked for. */
  #mObject: (Message | undefined)[] = [];

  /** A search for one value alone (see `roomSuccessors`): the proposer's slot and the value's number. */
  readonly focus: { readonly proposer: number; readonly value: number } | null;

  private constructor(start: RoomState, b: Required<ExploreBounds>, focus: Focus | null) {
    for (const [, known, objects] of KNOWN_FIELDS) for (const o of objects(start)) for (const k in o) if (!known.has(k)) throw new Unsupported();
    this.ids = [...start.order, ...b.joiners];
    this.n = this.ids.length;
    if (this.n > SLOTS_MAX) throw new Unsupported();
    this.n0 = start.order.length;
    this.width = HDR + this.n * NF;
    this.ids.forEach((id, i) => this.#slot.set(id, i));
    this.#bot = this.ids.map((id) => start.nodes[id]?.bot ?? false);
    if (!start.members.every((id) => start.nodes[id])) throw new Unsupported();
    this.#initialMembers = start.members.map((id) => this.slotOf(id));
    const values = new Set<string>([...b.values, ...Object.values(b.valuesOf).flat(), ...Object.keys(start.monitor.proposed)]);
    for (const t of Object.values(start.monitor.tallies)) values.add(t.value);
    for (const id of start.order) {
      const n = start.nodes[id]!;
      for (const v of [n.proposer.value, n.proposer.sentValue, n.proposer.promiserAccMax?.value, n.acceptor.accepted?.value, n.choice]) if (v) values.add(v);
    }
    for (const l of Object.values(start.monitor.learned)) values.add(l.value);
    for (const m of [...start.inFlight, ...Object.values(start.held)]) {
      if ('value' in m && m.value !== undefined) values.add(m.value);
      if (m.kind === 'promise' && m.lastAccepted) values.add(m.lastAccepted.value);
    }
    this.values = [];
    for (const v of values) this.#value(v);
    const s = start.settings;
    for (let c = 0; c <= this.n; c++) this.#quorums.push(quorumSizes(s, c));
    this.#instant = s.delivery === 'instant';
    this.#students = s.acceptorMode === 'students';
    this.#everyone = s.learners === 'everyone';
    this.#ballots = s.ballots;
    this.#reconfigure = s.rules.reconfigureMidRound;
    this.#ballotsNumbered.number(null, '-');
    this.#ballotRound.push(0);
    const memos = new Map<NodePrograms, Memo>();
    this.#memoOf = this.ids.map((id) => {
      const programs = programsOf(start, id);
      let memo = memos.get(programs);
      if (!memo) memos.set(programs, (memo = new Memo(programs)));
      return memo;
    });
    this.#memoMax = MEMO_PER_STATE * b.statesMax + 10_000;
    this.#joinable = this.ids.map((id, i) => i >= this.n0 && decide(start, { type: 'addNode', node: id }).ok);
    this.#fresh = this.ids.map((id, i) => {
      if (!this.#joinable[i]) return [];
      const node = successorState(start, (decide(start, { type: 'addNode', node: id }) as { events: RoomEvent[] }).events).nodes[id]!;
      return [this.#proposerNumber(node.proposer), this.#acceptorNumber(node.acceptor), this.#learnerNumber(node)];
    });
    const proposers = focus ? [focus.proposer] : b.proposers;
    this.#proposers = proposers.map((id) => this.slotOf(id));
    this.#proposerValues = proposers.map((id) => (b.valuesOf[id] ?? b.values).filter((v) => !focus || v === focus.value).map((v) => this.#valueIndex.get(v)!));
    const focusValue = focus && this.#valueIndex.get(focus.value);
    if (focusValue === undefined) throw new Unsupported();
    this.focus = focus && { proposer: this.slotOf(focus.proposer), value: focusValue! };
    this.#roundMax = b.roundMax;
    this.#copiesMax = b.copiesMax;
    this.#crashes = b.crashes;
    this.#cuts = b.cuts;
    this.#joiners = focus ? [] : b.joiners.map((id) => this.slotOf(id));
    this.#pair = [];
    let k = 0;
    for (let i = 0; i < this.n; i++) for (let j = 0; j < this.n; j++) this.#pair.push(i < j ? k++ : -1);
    for (let i = 0; i < this.n; i++) for (let j = 0; j < i; j++) this.#pair[i * this.n + j] = this.#pair[j * this.n + i]!;
    this.t = new Int32Array(this.width + 256);
  }

  /** The compact model of a search from `start` (for one value alone, with a focus), or null when the start holds something it cannot. */
  static create(start: RoomState, bounds: Required<ExploreBounds>, focus: Focus | null = null): CompactRoom | null {
    try {
      const room = new CompactRoom(start, bounds, focus);
      room.encode(start, []);
      return room;
    } catch (e) {
      if (e instanceof Unsupported) return null;
      throw e;
    }
  }

  slotOf(id: string): number {
    const i = this.#slot.get(id);
    if (i === undefined) throw new Unsupported();
    return i;
  }

  /** The number of value `v`; a value a program makes up is numbered when first seen, up to 30 in all. */
  #value(v: string): number {
    let i = this.#valueIndex.get(v);
    if (i === undefined) {
      if (this.values.length >= VALUES_MAX) throw new Unsupported();
      i = this.values.length;
      this.#valueIndex.set(v, i);
      this.values.push(v);
    }
    return i;
  }

  #ballot(b: Ballot | null | undefined): number {
    if (!b) return 0;
    const before = this.#ballotsNumbered.values.length;
    const i = this.#ballotsNumbered.number(b, ballotKey(b));
    if (i === before) this.#ballotRound.push(b.round);
    return i;
  }

  #round(ballot: number): number {
    return this.#ballotRound[ballot]!;
  }

  #bv(ballot: number, value: number): number {
    const code = ballot * 64 + value;
    let i = this.#bvByCode.get(code);
    if (i === undefined) {
      i = this.#bvBallot.length;
      invariant(i < BV_LIMIT, 'fewer than 32,767 (ballot, value) pairs');
      this.#bvByCode.set(code, i);
      this.#bvBallot.push(ballot);
      this.#bvValue.push(value);
    }
    return i;
  }

  #accepted(a: AcceptedValue | null): number {
    return a ? 1 + this.#bv(this.#ballot(a.ballot), this.#value(a.value)) : 0;
  }

  #acceptedValue(bv1: number): AcceptedValue | null {
    return bv1 ? { ballot: this.#ballotsNumbered.values[this.#bvBallot[bv1 - 1]!]!, value: this.values[this.#bvValue[bv1 - 1]!]! } : null;
  }

  #msg(kind: number, from: number, to: number, ballot: number, a: number, bb: number, c: number): number {
    const head = kind + 6 * (from + 8 * (to + 8 * ballot));
    const payload = kind === K_REJECT ? a + 2 * (c + 32 * bb) : a;
    let i = this.#msgByContent.get(head, payload);
    if (i === undefined) {
      i = this.#mKind.length;
      invariant(i < A_SPAN, 'fewer than a million distinct messages');
      this.#msgByContent.set(head, payload, i);
      this.#mKind.push(kind);
      this.#mFrom.push(from);
      this.#mTo.push(to);
      this.#mBallot.push(ballot);
      this.#mA.push(a);
      this.#mB.push(bb);
      this.#mC.push(c);
    }
    return i;
  }

  /** The number of a room message, by content. */
  messageOf(m: Message): number {
    const from = this.slotOf(m.from);
    const to = this.slotOf(m.to);
    const ballot = this.#ballot(m.ballot);
    switch (m.kind) {
      case 'prepare':
        return this.#msg(K_PREPARE, from, to, ballot, 0, 0, 0);
      case 'accept':
        return this.#msg(K_ACCEPT, from, to, ballot, this.#value(m.value), 0, 0);
      case 'accepted':
        return this.#msg(K_ACCEPTED, from, to, ballot, this.#value(m.value), 0, 0);
      case 'notice':
        return this.#msg(K_NOTICE, from, to, ballot, this.#value(m.value), 0, 0);
      case 'promise':
        return this.#msg(K_PROMISE, from, to, ballot, this.#accepted(m.lastAccepted), 0, 0);
      case 'reject':
        return this.#msg(K_REJECT, from, to, ballot, m.request === 'prepare' ? K_PREPARE : K_ACCEPT, this.#ballot(m.promised), m.value === undefined ? 0 : 1 + this.#value(m.value));
      default:
        // The explorer refuses a Multi-Paxos room before it gets here (explore.ts).
        throw new InvariantError(`the compact search has no ${m.kind} message`);
    }
  }

  /** Message `m` as the room hands it to a program (its id is 0: programs answer by content, as the search counts messages). */
  #message(m: number): Message {
    let o = this.#mObject[m];
    if (o) return o;
    const base = { id: 0, from: this.ids[this.#mFrom[m]!]!, to: this.ids[this.#mTo[m]!]!, ballot: this.#ballotsNumbered.values[this.#mBallot[m]!]! };
    const a = this.#mA[m]!;
    switch (this.#mKind[m]!) {
      case K_PREPARE:
        o = { ...base, kind: 'prepare' };
        break;
      case K_ACCEPT:
        o = { ...base, kind: 'accept', value: this.values[a]! };
        break;
      case K_PROMISE:
        o = { ...base, kind: 'promise', lastAccepted: this.#acceptedValue(a) };
        break;
      case K_ACCEPTED:
        o = { ...base, kind: 'accepted', value: this.values[a]! };
        break;
      case K_NOTICE:
        o = { ...base, kind: 'notice', value: this.values[a]! };
        break;
      default: {
        const promised = this.#ballotsNumbered.values[this.#mB[m]!]!;
        const c = this.#mC[m]!;
        o = a === K_ACCEPT ? { ...base, kind: 'reject', request: 'accept', promised, value: this.values[c - 1]! } : { ...base, kind: 'reject', request: 'prepare', promised };
      }
    }
    this.#mObject[m] = o;
    return o;
  }

  /** The request reply `r` answers: a reply carries its request's kind, ballot and value. */
  #requestOf(r: number): number {
    const kind = this.#mKind[r]!;
    const accept = kind === K_ACCEPTED || (kind === K_REJECT && this.#mA[r] === K_ACCEPT);
    const value = kind === K_ACCEPTED ? this.#mA[r]! : kind === K_REJECT && accept ? this.#mC[r]! - 1 : 0;
    return this.#msg(accept ? K_ACCEPT : K_PREPARE, this.#mTo[r]!, this.#mFrom[r]!, this.#mBallot[r]!, value, 0, 0);
  }

  // ---------------------------------------------------------------------------
  // Program states, by number, and the programs' answers, each call made once

  #proposerNumber(p: ProposerState): number {
    const before = this.#proposerStates.values.length;
    const i = this.#proposerStates.number(p, proposerKey(p));
    if (i === before) {
      this.#pBallot.push(this.#ballot(p.ballot));
      this.#pMaxRound.push(p.maxRound);
      this.#pSentValue.push(p.sentValue === null ? 0 : 1 + this.#value(p.sentValue));
    }
    return i;
  }

  #acceptorNumber(a: AcceptorState): number {
    return this.#acceptorStates.number(a, acceptorKey(a));
  }

  #learnerNumber(l: LearnerState): number {
    const before = this.#learnerStates.values.length;
    const plain = { choice: l.choice, heard: l.heard };
    const i = this.#learnerStates.number(plain, learnerKey(plain));
    if (i === before) this.#lChoice.push(l.choice === null ? 0 : 1 + this.#value(l.choice));
    return i;
  }

  /**
   * Remembers `answer` of a call in `table`, and returns it. The tables are forgotten whole
   * when they outgrow the state bound's share, and calls are then made again.
   */
  #remember(table: Answers, state: number, rest: number, answer: number): number {
    if (++this.#memoSize > this.#memoMax) {
      for (const t of [...new Set(this.#memoOf)].flatMap((m) => m.all()).concat(this.#roomMemo.all())) t.clear();
      this.#memoSize = 0;
    }
    table.set(state, rest, answer);
    return answer;
  }

  #programs(i: number): Memo {
    return this.#memoOf[i]!;
  }

  #pid(i: number): number {
    return this.t[HDR + i * NF + W_PROPOSER]!;
  }

  #aid(i: number): number {
    return this.t[HDR + i * NF + W_ACCEPTOR]!;
  }

  #lid(i: number): number {
    return this.t[HDR + i * NF + W_LEARNER]!;
  }

  #setWord(i: number, word: number, v: number): void {
    this.t[HDR + i * NF + word] = v;
  }

  #quorumsNow(): Quorums {
    return this.#quorums[popCount(this.t[H_MEMBERS]!)]!;
  }

  /** The acceptor's onRequest, as the reply message it sends (node.ts replyTo). */
  #onRequest(i: number, m: number): number {
    const memo = this.#programs(i);
    const a = this.#aid(i);
    const known = memo.onRequest.get(a, m);
    if (known !== undefined) return known;
    const request = this.#message(m) as RequestMessage;
    return this.#remember(memo.onRequest, a, m, this.messageOf(replyTo(request, memo.programs.acceptor.onRequest(this.#acceptorStates.values[a]!, request), 0)));
  }

  /** The acceptor's onAnswer, for reply `r` it sent (the reply is its answer). */
  #onAnswer(i: number, r: number): void {
    const memo = this.#programs(i);
    const a = this.#aid(i);
    let next = memo.onAnswer.get(a, r);
    if (next === undefined) {
      const state = memo.programs.acceptor.onAnswer(this.#acceptorStates.values[a]!, this.#message(this.#requestOf(r)) as RequestMessage, this.#message(r) as ReplyMessage);
      next = this.#remember(memo.onAnswer, a, r, this.#acceptorNumber(state));
    }
    this.#setWord(i, W_ACCEPTOR, next);
  }

  #mayAnswerYes(i: number, m: number): boolean {
    const memo = this.#programs(i);
    const a = this.#aid(i);
    const known = memo.mayAnswerYes.get(a, m);
    if (known !== undefined) return known === 1;
    return this.#remember(memo.mayAnswerYes, a, m, memo.programs.acceptor.mayAnswerYes(this.#acceptorStates.values[a]!, this.#message(m) as RequestMessage) ? 1 : 0) === 1;
  }

  /** The proposer's onReply: its next state's number * (VALUES_MAX + 1) + the choice it learned (value + 1, or 0). */
  #onReply(i: number, r: number): number {
    const memo = this.#programs(i);
    const p = this.#pid(i);
    const members = popCount(this.t[H_MEMBERS]!);
    const known = memo.onReply.get(p, r * 8 + members);
    if (known !== undefined) return known;
    const step = memo.programs.proposer.onReply(this.#proposerStates.values[p]!, this.#message(r) as ReplyMessage, this.#quorums[members]!);
    const answer = this.#proposerNumber(step.state) * (VALUES_MAX + 1) + (step.chosen === undefined ? 0 : 1 + this.#value(step.chosen));
    return this.#remember(memo.onReply, p, r * 8 + members, answer);
  }

  #readyToAccept(i: number, p: number, members: number): boolean {
    const memo = this.#programs(i);
    const known = memo.readyToAccept.get(p, members);
    if (known !== undefined) return known === 1;
    return this.#remember(memo.readyToAccept, p, members, memo.programs.proposer.readyToAccept(this.#proposerStates.values[p]!, this.#quorums[members]!) ? 1 : 0) === 1;
  }

  /** The value of the proposer's accept requests: its number + 1, or 0 for none. */
  #valueToPropose(i: number, p: number): number {
    const memo = this.#programs(i);
    const known = memo.valueToPropose.get(p, 0);
    if (known !== undefined) return known;
    const v = memo.programs.proposer.valueToPropose(this.#proposerStates.values[p]!);
    return this.#remember(memo.valueToPropose, p, 0, v === null ? 0 : 1 + this.#value(v));
  }

  #propose(i: number, p: number, ballot: number, value: number): number {
    const memo = this.#programs(i);
    const rest = ballot * (VALUES_MAX + 1) + value;
    const known = memo.propose.get(p, rest);
    if (known !== undefined) return known;
    const state = memo.programs.proposer.propose(this.#proposerStates.values[p]!, this.#ballotsNumbered.values[ballot]!, this.values[value]!);
    return this.#remember(memo.propose, p, rest, this.#proposerNumber(state));
  }

  /** Each program's onCrash: what of the node's states survives (one table, by role). */
  #onCrash(i: number): void {
    const memo = this.#programs(i);
    const { proposer, acceptor, learner } = memo.programs;
    const p = this.#pid(i);
    const a = this.#aid(i);
    const l = this.#lid(i);
    const t = memo.onCrash;
    this.#setWord(i, W_PROPOSER, t.get(p, 0) ?? this.#remember(t, p, 0, this.#proposerNumber(proposer.onCrash(this.#proposerStates.values[p]!))));
    this.#setWord(i, W_ACCEPTOR, t.get(a, 1) ?? this.#remember(t, a, 1, this.#acceptorNumber(acceptor.onCrash(this.#acceptorStates.values[a]!))));
    this.#setWord(i, W_LEARNER, t.get(l, 2) ?? this.#remember(t, l, 2, this.#learnerNumber(learner.onCrash(this.#learnerStates.values[l]!))));
  }

  /**
   * room.ts hear: the room adds acceptor `acceptor` to learner `i`'s tally of (ballot, value)
   * pair `bv`, and the learner's onNotice says its choice.
   */
  #onNotice(i: number, acceptor: number, bv: number): void {
    const memo = this.#programs(i);
    const l = this.#lid(i);
    const members = popCount(this.t[H_MEMBERS]!);
    const rest = (bv * 8 + acceptor) * 8 + members;
    let next = memo.onNotice.get(l, rest);
    if (next === undefined) {
      const before = this.#learnerStates.values[l]!;
      const ballot = this.#ballotsNumbered.values[this.#bvBallot[bv]!]!;
      const notice = { from: this.ids[acceptor]!, ballot, value: this.values[this.#bvValue[bv]!]! };
      const key = tallyKey(ballot, notice.value);
      const tally = before.heard[key] ?? [];
      const heard = tally.includes(notice.from) ? before.heard : { ...before.heard, [key]: [...tally, notice.from] };
      const choice = memo.programs.learner.onNotice({ choice: before.choice, heard }, notice, this.#quorums[members]!, heard[key]!);
      next = this.#remember(memo.onNotice, l, rest, this.#learnerNumber({ choice, heard }));
    }
    this.#setWord(i, W_LEARNER, next);
  }

  /** room.ts seeRound: the node's next ballot goes above a round it has seen. */
  #seeRound(i: number, round: number): void {
    const p = this.#pid(i);
    if (round <= this.#pMaxRound[p]!) return;
    const t = this.#roomMemo.seeRound;
    this.#setWord(i, W_PROPOSER, t.get(p, round) ?? this.#remember(t, p, round, this.#proposerNumber({ ...this.#proposerStates.values[p]!, maxRound: round })));
  }

  /** room.ts noteSent: the first accept request of the proposer's ballot fixes its value. */
  #noteSent(m: number): void {
    if (this.#mKind[m] !== K_ACCEPT) return;
    const i = this.#mFrom[m]!;
    const p = this.#pid(i);
    const value = this.#mA[m]!;
    if (this.#pBallot[p] !== this.#mBallot[m] || this.#pSentValue[p] === 1 + value) return;
    const t = this.#roomMemo.noteSent;
    this.#setWord(i, W_PROPOSER, t.get(p, value) ?? this.#remember(t, p, value, this.#proposerNumber({ ...this.#proposerStates.values[p]!, sentValue: this.values[value]! })));
  }

  /** room.ts receiveReply: a proposer's step sets the node's choice (`value` is the value's number + 1). */
  #setChoice(i: number, value: number): void {
    const l = this.#lid(i);
    if (this.#lChoice[l] === value) return;
    const t = this.#roomMemo.setChoice;
    this.#setWord(i, W_LEARNER, t.get(l, value) ?? this.#remember(t, l, value, this.#learnerNumber({ ...this.#learnerStates.values[l]!, choice: this.values[value - 1]! })));
  }

  /** The record of `s` with the explorer's `sent` bookkeeping; throws Unsupported for what records cannot hold. */
  encode(s: RoomState, sent: readonly string[]): Int32Array {
    const n = this.n;
    const head = new Int32Array(this.width);
    head[H_FIXED] = s.fixed ? 1 : 0;
    head[H_RECONFIGURED] = s.reconfigured ? 1 : 0;
    for (const v of s.monitor.violations) head[H_VIOLATIONS]! |= RULE_BITS[v.rule];
    for (const v of Object.keys(s.monitor.proposed)) head[H_PROPOSED]! |= 1 << this.#value(v);
    const cut = new Set(s.cut);
    if (cut.size !== s.cut.length) throw new Unsupported();
    for (const k of s.cut) {
      const [a, b] = k.split('|');
      head[H_CUT]! |= 1 << this.#pair[this.slotOf(a!) * n + this.slotOf(b!)]!;
    }
    // The order of the room: the starting nodes, then the joiners as they joined.
    for (let i = 0; i < this.n0; i++) if (s.order[i] !== this.ids[i]) throw new Unsupported();
    let joined = 0;
    for (let i = s.order.length - 1; i >= this.n0; i--) joined = joined * 8 + this.slotOf(s.order[i]!) + 1;
    head[H_JOINED] = joined;
    if (s.order.length > this.n) throw new Unsupported();
    for (const id of s.members) head[H_MEMBERS]! |= 1 << this.slotOf(id);
    if (s.members.join() !== this.#memberSlots(head).map((i) => this.ids[i]).join()) throw new Unsupported();
    const mask = (ids: readonly string[]) => {
      let m = 0;
      for (const id of ids) m |= 1 << this.slotOf(id);
      if (popCount(m) !== ids.length) throw new Unsupported();
      return m;
    };
    const held: number[] = [];
    const tallyOf = new Map<string, number>();
    for (const [key, t] of Object.entries(s.monitor.tallies)) tallyOf.set(key, this.#bv(this.#ballot(t.ballot), this.#value(t.value)));
    const chosenValues = new Set(s.monitor.chosen.map((c) => c.value));
    const tallyChosen = new Set(Object.values(s.monitor.tallies).filter((t) => t.chosen).map((t) => t.value));
    if ([...chosenValues].sort().join('\n') !== [...tallyChosen].sort().join('\n')) throw new Unsupported();
    let heldCount = 0;
    for (const id of s.order) {
      const node = s.nodes[id]!;
      const at = this.slotOf(id);
      put(head, at, F_PRESENT, 1);
      put(head, at, F_UP, node.up ? 1 : 0);
      head[HDR + at * NF + W_PROPOSER] = this.#proposerNumber(node.proposer);
      head[HDR + at * NF + W_ACCEPTOR] = this.#acceptorNumber(node.acceptor);
      head[HDR + at * NF + W_LEARNER] = this.#learnerNumber(node);
      const learned = s.monitor.learned[id];
      put(head, at, F_LEARNED, learned ? 1 + this.#value(learned.value) : 0);
      let sentBits = 0;
      this.ids.forEach((to, i) => {
        if (sent.includes(sentKey(id, 'promiseRequest', to))) sentBits |= 1 << i;
        if (sent.includes(sentKey(id, 'acceptRequest', to))) sentBits |= 1 << (SLOTS_MAX + i);
      });
      put(head, at, F_SENT, sentBits);
      for (const m of node.inbox) {
        const request = s.held[m];
        if (!request || request.to !== id) throw new Unsupported();
        held.push(this.messageOf(request));
        heldCount++;
      }
    }
    if (heldCount !== Object.keys(s.held).length) throw new Unsupported();
    for (const id of Object.keys(s.monitor.learned)) this.slotOf(id);
    for (const k of sent) this.slotOf(k.split('|')[0]!);
    const tallies: number[] = [];
    for (const [key, t] of Object.entries(s.monitor.tallies)) tallies.push((tallyOf.get(key)! << 9) | (t.chosen ? 256 : 0) | mask(t.acceptors));
    const flight = s.inFlight.map((m) => this.messageOf(m));
    const sections = [tallies, held, flight].map((x) => x.sort((p, q) => p - q));
    const out = new Int32Array(this.width + sections.reduce((sum, x) => sum + x.length, 0));
    out.set(head);
    let at = this.width;
    sections.forEach((x, k) => {
      out[H_SECTIONS + k] = x.length;
      out.set(x, at);
      at += x.length;
    });
    return out;
  }

  #slotLists = new Map<number, { members: number[]; order: number[] }>();

  /** The slots of this round's acceptors, and of the room's nodes, in the room's order (computed once per set). */
  #slots(r: Int32Array): { members: number[]; order: number[] } {
    const key = r[H_MEMBERS]! * 2 ** 21 + r[H_JOINED]!;
    let lists = this.#slotLists.get(key);
    if (!lists) {
      lists = { members: this.#memberSlots(r), order: this.#orderSlots(r) };
      this.#slotLists.set(key, lists);
    }
    return lists;
  }

  /** The slots of this round's acceptors, in the room's order: the starting ones, then joiners as they joined. */
  #memberSlots(r: Int32Array): number[] {
    const members = this.#initialMembers.filter((i) => r[H_MEMBERS]! & (1 << i));
    for (let j = r[H_JOINED]!; j; j = Math.floor(j / 8)) {
      const i = (j % 8) - 1;
      if (r[H_MEMBERS]! & (1 << i)) members.push(i);
    }
    return members;
  }

  /** The slots of the nodes in the room, in join order. */
  #orderSlots(r: Int32Array): number[] {
    const order: number[] = [];
    for (let i = 0; i < this.n0; i++) order.push(i);
    for (let j = r[H_JOINED]!; j; j = Math.floor(j / 8)) order.push((j % 8) - 1);
    return order;
  }

  // ---------------------------------------------------------------------------
  // The scratch record

  #f(i: number, field: number): number {
    return get(this.t, i, field);
  }

  #set(i: number, field: number, v: number): void {
    put(this.t, i, field, v);
  }

  #start(section: number): number {
    let at = this.width;
    for (let k = 0; k < section; k++) at += this.t[H_SECTIONS + k]!;
    return at;
  }

  #insert(section: number, v: number): void {
    if (this.tLen + 1 > this.t.length) {
      const bigger = new Int32Array(this.t.length * 2);
      bigger.set(this.t);
      this.t = bigger;
    }
    const t = this.t;
    const start = this.#start(section);
    const end = start + t[H_SECTIONS + section]!;
    let at = start;
    while (at < end && t[at]! < v) at++;
    t.copyWithin(at + 1, at, this.tLen);
    t[at] = v;
    t[H_SECTIONS + section]!++;
    this.tLen++;
  }

  #removeAt(section: number, at: number): void {
    this.t.copyWithin(at, at + 1, this.tLen);
    this.t[H_SECTIONS + section]!--;
    this.tLen--;
  }

  #remove(section: number, v: number): void {
    const start = this.#start(section);
    const end = start + this.t[H_SECTIONS + section]!;
    for (let at = start; at < end; at++) {
      if (this.t[at] === v) return this.#removeAt(section, at);
    }
    invariant(false, 'a removed entry is in its section');
  }

  #linkUp(a: number, b: number): boolean {
    return a === b || (this.t[H_CUT]! & (1 << this.#pair[a * this.n + b]!)) === 0;
  }

  // ---------------------------------------------------------------------------
  // The room's network and monitor on the scratch record, named after the functions they mirror

  /** decide.ts autoReply: the acceptor program's reply, or -1 when the request waits in a student's inbox. */
  #autoReply(acceptor: number, m: number): number {
    if (this.#students && !this.#bot[acceptor]) return -1;
    return this.#onRequest(acceptor, m);
  }

  /** decide.ts notices: the notices an acceptance puts in flight. */
  #notices(reply: number): number {
    if (reply < 0 || this.#mKind[reply] !== K_ACCEPTED || !this.#everyone || this.#instant) return 0;
    let c = 0;
    for (let i = 0; i < this.n; i++) if (this.#f(i, F_PRESENT) && i !== this.#mFrom[reply] && i !== this.#mTo[reply]) c++;
    return c;
  }

  /** room.ts receiveRequest. */
  #receiveRequest(m: number, reply: number, instant: boolean): void {
    this.#seeRound(this.#mTo[m]!, this.#round(this.#mBallot[m]!));
    if (reply < 0) {
      this.#insert(S_HELD, m);
      return;
    }
    this.#recordReply(reply);
    if (instant) this.#receiveReply(reply);
    else this.#insert(S_FLIGHT, reply);
    this.#tellLearners(reply, instant);
  }

  /** room.ts recordReply: the acceptor's onAnswer, and the monitor's tally of an acceptance. */
  #recordReply(reply: number): void {
    const a = this.#mFrom[reply]!;
    this.#seeRound(a, this.#round(this.#mBallot[reply]!));
    this.#onAnswer(a, reply);
    if (this.#mKind[reply] === K_ACCEPTED) this.#recordAccept(a, this.#bv(this.#mBallot[reply]!, this.#mA[reply]!));
  }

  /** monitor.ts recordAccept and choose. */
  #recordAccept(a: number, bv: number): void {
    const t = this.t;
    const start = this.#start(S_TALLY);
    const end = start + t[H_SECTIONS + S_TALLY]!;
    let at = start;
    while (at < end && t[at]! >> 9 !== bv) at++;
    let entry: number;
    if (at < end) {
      entry = t[at]!;
      if (entry & (1 << a)) return;
      entry |= 1 << a;
      t[at] = entry;
    } else {
      entry = (bv << 9) | (1 << a);
      this.#insert(S_TALLY, entry);
    }
    if (entry & 256 || popCount(entry & 255) < this.#quorumsNow().q2) return;
    const value = this.#bvValue[bv]!;
    const conflict = this.#chosen(value, false);
    this.#setTally(bv, entry | 256);
    if (!(t[H_PROPOSED]! & (1 << value))) t[H_VIOLATIONS]! |= RULE_BITS.validity;
    if (conflict) t[H_VIOLATIONS]! |= RULE_BITS.agreement;
  }

  #setTally(bv: number, entry: number): void {
    const start = this.#start(S_TALLY);
    const end = start + this.t[H_SECTIONS + S_TALLY]!;
    for (let at = start; at < end; at++) if (this.t[at]! >> 9 === bv) this.t[at] = entry;
  }

  /** True when some chosen tally's value is `value` (same) or is another value (not same). */
  #chosen(value: number, same: boolean): boolean {
    const t = this.t;
    const start = this.#start(S_TALLY);
    const end = start + t[H_SECTIONS + S_TALLY]!;
    for (let at = start; at < end; at++) {
      const e = t[at]!;
      if (e & 256 && (this.#bvValue[e >> 9] === value) === same) return true;
    }
    return false;
  }

  /** room.ts receiveReply: the proposer's onReply, and the monitor's check of what it learned. */
  #receiveReply(reply: number): void {
    const p = this.#mTo[reply]!;
    const kind = this.#mKind[reply]!;
    const before = this.#pid(p);
    const step = this.#onReply(p, reply);
    this.#setWord(p, W_PROPOSER, Math.floor(step / (VALUES_MAX + 1)));
    if (step % (VALUES_MAX + 1)) this.#setChoice(p, step % (VALUES_MAX + 1));
    const choice = this.#lChoice[this.#lid(p)]!;
    if (kind === K_ACCEPTED && this.#pBallot[before] !== 0 && this.#pBallot[before] === this.#mBallot[reply] && choice) this.#recordLearned(p, choice);
    if (kind === K_ACCEPTED && this.#everyone) this.#hear(p, this.#mFrom[reply]!, this.#bv(this.#mBallot[reply]!, this.#mA[reply]!));
  }

  /** room.ts hear. */
  #hear(l: number, acceptor: number, bv: number): void {
    const before = this.#lChoice[this.#lid(l)]!;
    this.#onNotice(l, acceptor, bv);
    const choice = this.#lChoice[this.#lid(l)]!;
    if (choice && choice !== before) this.#recordLearned(l, choice);
  }

  /** monitor.ts recordLearned (`value` is the value's number + 1). */
  #recordLearned(l: number, value: number): void {
    const before = this.#f(l, F_LEARNED);
    if (before === value) return;
    this.#set(l, F_LEARNED, value);
    if (!this.#chosen(value - 1, true)) this.t[H_VIOLATIONS]! |= RULE_BITS.learning;
    if (before) this.t[H_VIOLATIONS]! |= RULE_BITS.stability;
  }

  /** room.ts tellLearners. */
  #tellLearners(reply: number, instant: boolean): void {
    if (this.#mKind[reply] !== K_ACCEPTED || !this.#everyone) return;
    const acceptor = this.#mFrom[reply]!;
    const ballot = this.#mBallot[reply]!;
    const value = this.#mA[reply]!;
    const bv = this.#bv(ballot, value);
    this.#hear(acceptor, acceptor, bv);
    for (let i = 0; i < this.n; i++) {
      if (!this.#f(i, F_PRESENT) || i === acceptor || i === this.#mTo[reply]) continue;
      if (instant) {
        if (this.#f(i, F_UP) && this.#linkUp(acceptor, i)) this.#hear(i, acceptor, bv);
      } else this.#insert(S_FLIGHT, this.#msg(K_NOTICE, acceptor, i, ballot, value, 0, 0));
    }
  }

  // ---------------------------------------------------------------------------
  // Successors

  /**
   * True when the successor in the scratch record is record `s` itself: a command that changed
   * nothing (most commands in some spaces: a request answered as before, say). The node words
   * are compared first, since they are what most other commands change.
   */
  unchanged(s: Int32Array): boolean {
    const t = this.t;
    const len = s.length;
    if (this.tLen !== len) return false;
    for (let k = HDR; k < this.width; k++) if (t[k] !== s[k]) return false;
    for (let k = 0; k < HDR; k++) if (t[k] !== s[k]) return false;
    for (let k = this.width; k < len; k++) if (t[k] !== s[k]) return false;
    return true;
  }

  #begin(s: Int32Array): void {
    if (this.t.length < s.length + 64) this.t = new Int32Array(s.length * 2 + 64);
    this.t.set(s);
    this.tLen = s.length;
  }

  /**
   * Every command the explorer tries from record `s` that the room accepts, in the order the
   * exact search tries them: `emit(command)` is called with the successor in the scratch record.
   */
  expand(s: Int32Array, emit: (command: number) => void): void {
    const n = this.n;
    const flightStart = this.width + s[H_SECTIONS + S_TALLY]! + s[H_SECTIONS + S_HELD]!;
    const flightCount = s[H_SECTIONS + S_FLIGHT]!;
    const flightEnd = flightStart + flightCount;
    // The network: each distinct message once.
    for (let at = flightStart; at < flightEnd; ) {
      const m = s[at]!;
      let count = 1;
      while (at + count < flightEnd && s[at + count] === m) count++;
      if (this.#canArrive(s, m)) this.#deliver(s, m, emit);
      at += count;
      if (this.focus) continue;
      this.#begin(s);
      this.#remove(S_FLIGHT, m);
      emit(C_DROP + 16 * m);
      if (count < this.#copiesMax) {
        if (flightCount < LIMITS.inFlightMax) {
          this.#begin(s);
          this.#insert(S_FLIGHT, m);
          emit(C_DUPLICATE + 16 * m);
        }
      } else this.hitCopies = true;
    }
    // Requests held in an inbox: yes and no.
    const heldStart = flightStart - s[H_SECTIONS + S_HELD]!;
    for (let at = heldStart; at < flightStart; at++) {
      const m = s[at]!;
      if (at > heldStart && s[at - 1] === m) continue;
      this.#answer(s, m, true, emit);
      if (!this.focus) this.#answer(s, m, false, emit);
    }
    // Proposers.
    for (let k = 0; k < this.#proposers.length; k++) {
      const p = this.#proposers[k]!;
      if (!get(s, p, F_PRESENT) || !get(s, p, F_UP)) continue;
      const state = s[HDR + p * NF + W_PROPOSER]!;
      const maxRound = this.#pMaxRound[state]!;
      if (maxRound + 1 <= this.#roundMax) {
        // decide.ts decidePropose and the proposer's propose.
        const next = this.#roomMemo.nextBallot;
        const ballot = next.get(maxRound, p) ?? this.#remember(next, maxRound, p, this.#ballot(nextBallot(this.#ballots, maxRound, this.ids[p]!)));
        for (const v of this.#proposerValues[k]!) {
          this.#begin(s);
          this.t[H_FIXED] = 1;
          this.#setWord(p, W_PROPOSER, this.#propose(p, state, ballot, v));
          this.#set(p, F_SENT, 0);
          this.t[H_PROPOSED]! |= 1 << v;
          emit(C_PROPOSE + 16 * (p + A_SPAN * v));
        }
      } else this.hitRounds = true;
      if (this.#pBallot[state]) {
        for (let accept = false; ; accept = true) {
          for (const to of this.#slots(s).members) {
            if (this.#instant || !(get(s, p, F_SENT) & (1 << ((accept ? SLOTS_MAX : 0) + to)))) this.#request(s, p, accept, to, emit);
          }
          if (accept) break;
        }
      }
    }
    if (this.#crashes) {
      for (const i of this.#slots(s).order) {
        if (this.focus && get(s, i, F_UP)) continue;
        this.#begin(s);
        if (get(s, i, F_UP)) this.#crash(i);
        else this.#set(i, F_UP, 1);
        emit((get(s, i, F_UP) ? C_CRASH : C_RECOVER) + 16 * i);
      }
    }
    if (this.#cuts) {
      const members = this.#slots(s).members;
      for (let x = 0; x < members.length; x++) {
        for (let y = x + 1; y < members.length; y++) {
          const a = members[x]!;
          const b = members[y]!;
          const bit = 1 << this.#pair[a * n + b]!;
          if (this.focus && !(s[H_CUT]! & bit)) continue;
          this.#begin(s);
          this.t[H_CUT]! ^= bit;
          emit((s[H_CUT]! & bit ? C_HEAL : C_CUT) + 16 * (a + A_SPAN * b));
        }
      }
    }
    for (const j of this.#joiners) {
      if (get(s, j, F_PRESENT) || !this.#joinable[j]) continue;
      this.#begin(s);
      this.#join(s, j);
      emit(C_JOIN + 16 * j);
    }
  }

  /** True when message `m` in flight in record `s` can be delivered: its node is there and up, and the link between them is not cut. */
  #canArrive(s: Int32Array, m: number): boolean {
    const to = this.#mTo[m]!;
    const from = this.#mFrom[m]!;
    return get(s, to, F_PRESENT) === 1 && get(s, to, F_UP) === 1 && (from === to || (s[H_CUT]! & (1 << this.#pair[from * this.n + to]!)) === 0);
  }

  /** decide.ts decideDeliver and room.ts deliver, with the explorer's copies bound. */
  #deliver(s: Int32Array, m: number, emit: (command: number) => void): void {
    this.#begin(s);
    const kind = this.#mKind[m]!;
    const request = kind === K_PREPARE || kind === K_ACCEPT;
    const reply = request ? this.#autoReply(this.#mTo[m]!, m) : -1;
    if (s[H_SECTIONS + S_FLIGHT]! + this.#notices(reply) > LIMITS.inFlightMax) return;
    this.#remove(S_FLIGHT, m);
    if (request) this.#receiveRequest(m, reply, false);
    else if (kind === K_NOTICE) this.#hear(this.#mTo[m]!, this.#mFrom[m]!, this.#bv(this.#mBallot[m]!, this.#mA[m]!));
    else this.#receiveReply(m);
    // A request delivered again makes its reply again: the copies bound holds for replies too.
    if (this.#overCopies()) return;
    emit(C_DELIVER + 16 * m);
  }

  /** True (and the bound noted as hit) when a message has more copies in flight, or a request more in one inbox, than the bound allows. */
  #overCopies(): boolean {
    for (const section of [S_HELD, S_FLIGHT]) {
      const start = this.#start(section);
      const end = start + this.t[H_SECTIONS + section]!;
      for (let at = start, run = 0; at < end; at++) {
        run = at > start && this.t[at] === this.t[at - 1] ? run + 1 : 1;
        if (run > this.#copiesMax) {
          this.hitCopies = true;
          return true;
        }
      }
    }
    return false;
  }

  /** decide.ts decideAnswer (the acceptor program's mayAnswerYes and onRequest say which answers a student may give) and room.ts's `answered`. */
  #answer(s: Int32Array, m: number, yes: boolean, emit: (command: number) => void): void {
    const node = this.#mTo[m]!;
    if (!get(s, node, F_UP)) return;
    this.#begin(s);
    if (yes && !this.#mayAnswerYes(node, m)) return;
    if (!yes && this.#mKind[this.#onRequest(node, m)] !== K_REJECT) return;
    const acceptor = this.#acceptorStates.values[this.#aid(node)]!;
    const reply = this.messageOf(makeReply(acceptor, this.#message(m) as RequestMessage, yes, 0));
    const instant = this.#instant;
    if (!instant && s[H_SECTIONS + S_FLIGHT]! + 1 + this.#notices(reply) > LIMITS.inFlightMax) return;
    const proposer = this.#mFrom[m]!;
    const lost = instant && (!this.#f(proposer, F_PRESENT) || !this.#f(proposer, F_UP) || !this.#linkUp(node, proposer));
    this.#remove(S_HELD, m);
    this.#recordReply(reply);
    if (!lost) {
      if (instant) this.#receiveReply(reply);
      else this.#insert(S_FLIGHT, reply);
    }
    this.#tellLearners(reply, instant);
    emit(C_ANSWER + 16 * (m + A_SPAN * (yes ? 1 : 0)));
  }

  /** decide.ts decideRequest to one member (the proposer program's readyToAccept and valueToPropose), and room.ts's `sent`, `exchanged` and `lost`. */
  #request(s: Int32Array, p: number, accept: boolean, to: number, emit: (command: number) => void): void {
    const state = s[HDR + p * NF + W_PROPOSER]!;
    let value = 0;
    if (accept) {
      if (!this.#readyToAccept(p, state, popCount(s[H_MEMBERS]!))) return;
      value = this.#valueToPropose(p, state);
      if (!value) return;
    }
    if (!this.#instant && s[H_SECTIONS + S_FLIGHT]! + 1 > LIMITS.inFlightMax) return;
    this.#begin(s);
    const m = this.#msg(accept ? K_ACCEPT : K_PREPARE, p, to, this.#pBallot[state]!, accept ? value - 1 : 0, 0, 0);
    this.#noteSent(m);
    if (!this.#instant) {
      this.#insert(S_FLIGHT, m);
      this.#set(p, F_SENT, this.#f(p, F_SENT) | (1 << ((accept ? SLOTS_MAX : 0) + to)));
    } else if (this.#f(to, F_UP) && this.#linkUp(p, to)) this.#receiveRequest(m, this.#autoReply(to, m), true);
    // A request sent again to a student's inbox is a copy of the one waiting there.
    if (this.#students && this.#overCopies()) return;
    emit((accept ? C_ACCEPT_REQUEST : C_PROMISE_REQUEST) + 16 * (p + A_SPAN * to));
  }

  /** room.ts's `crashed`: the inbox is lost, and each program says what of its state survives. */
  #crash(i: number): void {
    const t = this.t;
    // Its inbox is lost with the process.
    const start = this.#start(S_HELD);
    for (let at = start + t[H_SECTIONS + S_HELD]! - 1; at >= start; at--) if (this.#mTo[t[at]!] === i) this.#removeAt(S_HELD, at);
    this.#set(i, F_UP, 0);
    this.#onCrash(i);
  }

  /** decide.ts decideAddNode and room.ts's `nodeAdded` (a fresh node; its quorum never shrinks the accept quorum). */
  #join(s: Int32Array, j: number): void {
    const nextRound = s[H_FIXED] === 1 && !this.#reconfigure;
    this.#set(j, F_PRESENT, 1);
    this.#set(j, F_UP, 1);
    const [proposer, acceptor, learner] = this.#fresh[j]!;
    this.#setWord(j, W_PROPOSER, proposer!);
    this.#setWord(j, W_ACCEPTOR, acceptor!);
    this.#setWord(j, W_LEARNER, learner!);
    let digits = 0;
    for (let x = s[H_JOINED]!; x; x = Math.floor(x / 8)) digits++;
    this.t[H_JOINED] = s[H_JOINED]! + (j + 1) * 8 ** digits;
    if (!nextRound) {
      this.t[H_MEMBERS]! |= 1 << j;
      if (s[H_FIXED]) this.t[H_RECONFIGURED] = 1;
    }
  }

  // ---------------------------------------------------------------------------
  // Back to the room

  /** The rules broken in record `r`, as bits. */
  violationBits(r: Int32Array): number {
    return r[H_VIOLATIONS]!;
  }

  /** The rules of `bits`. */
  rules(bits: number): SafetyRule[] {
    return RULES.filter((rule) => bits & RULE_BITS[rule]);
  }

  /** The values chosen in record `r`, as bits of their numbers. */
  chosenBits(r: Int32Array): number {
    let bits = 0;
    const start = this.width;
    const end = start + r[H_SECTIONS + S_TALLY]!;
    for (let at = start; at < end; at++) if (r[at]! & 256) bits |= 1 << this.#bvValue[r[at]! >> 9]!;
    return bits;
  }

  /** The room command of `code` in the room state `s` (whose record the command was played from). */
  command(s: RoomState, code: number): RoomCommand {
    const type = code % 16;
    const rest = Math.floor(code / 16);
    const a = rest % A_SPAN;
    const b = Math.floor(rest / A_SPAN);
    const id = (i: number) => this.ids[i]!;
    const firstOf = (messages: Iterable<Message>) => {
      for (const m of messages) if (this.messageOf(m) === a) return m;
      invariant(false, `a ${KIND_NAMES[this.#mKind[a]!]} of the schedule is in the room`);
    };
    switch (type) {
      case C_DELIVER:
        return { type: 'deliver', id: firstOf(s.inFlight).id };
      case C_DROP:
        return { type: 'drop', id: firstOf(s.inFlight).id };
      case C_DUPLICATE:
        return { type: 'duplicate', id: firstOf(s.inFlight).id };
      case C_ANSWER: {
        const m = firstOf(Object.values(s.held) as RequestMessage[]);
        return { type: 'answer', node: m.to, id: m.id, yes: b === 1 };
      }
      case C_PROPOSE:
        return { type: 'propose', node: id(a), value: this.values[b]! };
      case C_PROMISE_REQUEST:
      case C_ACCEPT_REQUEST:
        return { type: type === C_PROMISE_REQUEST ? 'promiseRequest' : 'acceptRequest', from: id(a), to: [id(b)] };
      case C_CRASH:
        return { type: 'crash', node: id(a) };
      case C_RECOVER:
        return { type: 'recover', node: id(a) };
      case C_CUT:
        return { type: 'cut', a: id(a), b: id(b) };
      case C_HEAL:
        return { type: 'heal', a: id(a), b: id(b) };
      case C_JOIN:
        return { type: 'addNode', node: id(a) };
    }
    invariant(false, `command code ${code} is known`);
  }
}
