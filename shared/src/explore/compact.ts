/**
 * The compact search: the same room as small integers, for speed. A state is one Int32Array
 * record (a header, fixed fields per node, then four sorted sections: learners' tallies, the
 * monitor's tallies, requests held in inboxes, messages in flight); nodes, values, ballots,
 * (ballot, value) pairs and messages are numbered once per search. `CompactRoom.expand` plays
 * every command the explorer tries with the room's own rules written again for these records
 * (decide.ts, room.ts, node.ts, the programs of programs/ and monitor.ts, each step named after
 * the function it mirrors),
 * and `encode` turns a room state into its record. A test checks, over many random states,
 * that both agree with `decide` and `apply` command by command. Records are deduplicated
 * whole: a record holds exactly what `stateKey` holds, so the two searches count the same
 * states. A schedule found is played back through `decide` as real room commands.
 */
import { decide } from '../decide';
import { invariant, InvariantError } from '../invariant';
import type { SafetyRule } from '../monitor';
import type { Ballot } from '../ballot';
import type { Message, RequestMessage } from '../node';
import { LIMITS, type RoomCommand, type RoomState } from '../room';
import { quorumSizes } from '../settings';
import type { ExploreBounds, Focus } from './types';
import { sentKey } from './schedule';

// Header fields.
const H_FIXED = 0;
const H_RECONFIGURED = 1;
const H_VIOLATIONS = 2;
const H_PROPOSED = 3;
const H_CUT = 4;
const H_MEMBERS = 5;
/** The joiners that joined, in join order, as base-8 digits (slot + 1), the first one lowest. */
const H_JOINED = 6;
/** Section sizes: learners' tallies, monitor's tallies, held requests, messages in flight. */
const H_SECTIONS = 7;
const HDR = 11;

// Node fields, after the header: NF words per node, each field `word | shift << 3 | bits << 8`.
const NF = 4;
const F_PRESENT = nodeField(0, 0, 1);
const F_UP = nodeField(0, 1, 1);
/**
 * The explorer's own bookkeeping (queued delivery): bit i, a promise request sent to the node
 * in slot i this ballot; bit SLOTS_MAX + i, an accept request.
 */
const F_SENT = nodeField(0, 2, 14);
const SLOTS_MAX = 7;
/** Values are their number + 1 (0 for none): at most 30 values. */
const F_VALUE = nodeField(0, 16, 5);
const F_SENT_VALUE = nodeField(0, 21, 5);
const F_CHOICE = nodeField(0, 26, 5);
const F_PROMISERS = nodeField(1, 0, 8);
const F_ACCEPTORS = nodeField(1, 8, 8);
const F_MAX_ROUND = nodeField(1, 16, 11);
const F_LEARNED = nodeField(1, 27, 5);
/** Ballots are round * (nodes + 1) + rank (0 for none): below 8,192. */
const F_BALLOT = nodeField(2, 0, 13);
const F_PROMISED = nodeField(2, 13, 13);
/** (ballot, value) pairs are their number + 1 (0 for none): fewer than 32,768. */
const F_ACC_MAX = nodeField(3, 0, 16);
const F_ACCEPTED = nodeField(3, 16, 16);
const BALLOT_LIMIT = 1 << 13;
const MAX_ROUND_LIMIT = 1 << 11;
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

const S_HEARD = 0;
const S_TALLY = 1;
const S_HELD = 2;
const S_FLIGHT = 3;

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
class Unsupported extends Error {}

/**
 * The fields the records hold, or know to be constant in a search. A state with a field not
 * named here (one added to the room since) is searched by the exact search, whose key holds
 * every node field by default: a new field is safe until it is added here and to the records.
 */
/**
 * The fields the records hold. A room whose nodes run programs of their own (`programs`) is
 * not among them: records play the honest programs and the modes', and code cannot be
 * encoded, so the exact search runs such a room through its programs.
 */
const KNOWN_FIELDS: readonly [string, ReadonlySet<string>, (s: RoomState) => object[]][] = [
  ['room', new Set(['seq', 'settings', 'round', 'nodes', 'order', 'members', 'fixed', 'nextSettings', 'reconfigured', 'inFlight', 'held', 'nextMessageId', 'cut', 'monitor', 'checkpoints']), (s) => [s]],
  ['node', new Set(['id', 'name', 'bot', 'up', 'proposer', 'acceptor', 'choice', 'heard', 'inbox']), (s) => Object.values(s.nodes)],
  ['proposer', new Set(['ballot', 'value', 'promisers', 'promiserAccMax', 'acceptors', 'sentValue', 'maxRound']), (s) => Object.values(s.nodes).map((n) => n.proposer)],
  ['acceptor', new Set(['promised', 'accepted']), (s) => Object.values(s.nodes).map((n) => n.acceptor)],
  ['monitor', new Set(['proposed', 'proposalSeqs', 'tallies', 'chosen', 'learned', 'violations']), (s) => [s.monitor]],
];

/**
 * The tables of one search (nodes, values, ballots, messages) and the room's rules on records.
 * Built from the starting state; `create` returns null when that state holds something the
 * records cannot (then the exact search runs).
 */
export class CompactRoom {
  /** Node ids by slot: the starting state's nodes in join order, then the joiners. */
  readonly ids: string[];
  readonly n: number;
  readonly width: number;
  /** How many slots were in the room at the start (the rest are joiners). */
  readonly n0: number;
  readonly values: readonly string[];
  hitCopies = false;
  hitRounds = false;
  /** Scratch record: the successor being built. */
  t: Int32Array;
  tLen = 0;

  #slot = new Map<string, number>();
  #bot: boolean[];
  #rank: number[];
  #initialMembers: number[];
  #joinable: boolean[];
  #valueIndex = new Map<string, number>();
  #q1ByMembers: number[] = [];
  #q2ByMembers: number[] = [];
  #instant: boolean;
  #students: boolean;
  #everyone: boolean;
  #unique: boolean;
  #acceptWithoutQuorum: boolean;
  #ignoreAcceptedValue: boolean;
  #forgetOnCrash: boolean;
  #breakPromises: boolean;
  #reconfigure: boolean;
  #proposers: number[];
  #proposerValues: number[][];
  #roundMax: number;
  #copiesMax: number;
  #crashes: boolean;
  #cuts: boolean;
  #joiners: number[];
  #pair: number[];
  // (ballot, value) pairs.
  #bvByCode = new Map<number, number>();
  #bvBallot: number[] = [];
  #bvValue: number[] = [];
  // Messages by content.
  /** By head (kind, from, to, ballot), then by payload: two keys below 2^30, which the engine hashes fast. */
  #msgByHead = new Map<number, Map<number, number>>();
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
    const sorted = this.ids.slice().sort();
    this.#rank = this.ids.map((id) => 1 + sorted.indexOf(id));
    if (!start.members.every((id) => start.nodes[id])) throw new Unsupported();
    this.#initialMembers = start.members.map((id) => this.slotOf(id));
    this.#joinable = this.ids.map((id, i) => i >= this.n0 && decide(start, { type: 'addNode', node: id }).ok);
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
    this.values = [...values];
    if (this.values.length > 30) throw new Unsupported();
    this.values.forEach((v, i) => this.#valueIndex.set(v, i));
    const s = start.settings;
    for (let c = 0; c <= this.n; c++) {
      const q = quorumSizes(s, c);
      this.#q1ByMembers.push(q.q1);
      this.#q2ByMembers.push(q.q2);
    }
    this.#instant = s.delivery === 'instant';
    this.#students = s.acceptorMode === 'students';
    this.#everyone = s.learners === 'everyone';
    this.#unique = s.ballots === 'unique';
    this.#acceptWithoutQuorum = s.rules.acceptWithoutQuorum;
    this.#ignoreAcceptedValue = s.rules.ignoreAcceptedValue;
    this.#forgetOnCrash = s.rules.forgetOnCrash;
    this.#breakPromises = s.rules.breakPromises;
    this.#reconfigure = s.rules.reconfigureMidRound;
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

  #value(v: string): number {
    const i = this.#valueIndex.get(v);
    if (i === undefined) throw new Unsupported();
    return i;
  }

  #ballot(b: Ballot | null | undefined): number {
    if (!b) return 0;
    const code = b.round * (this.n + 1) + (b.node === undefined ? 0 : this.#rank[this.slotOf(b.node)]!);
    if (code >= BALLOT_LIMIT) throw new Unsupported();
    return code;
  }

  #round(code: number): number {
    return Math.floor(code / (this.n + 1));
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

  #msg(kind: number, from: number, to: number, ballot: number, a: number, bb: number, c: number): number {
    const head = kind + 6 * (from + 8 * (to + 8 * ballot));
    const payload = kind === K_REJECT ? a + 2 * (c + 32 * bb) : a;
    let byPayload = this.#msgByHead.get(head);
    if (!byPayload) {
      byPayload = new Map();
      this.#msgByHead.set(head, byPayload);
    }
    let i = byPayload.get(payload);
    if (i === undefined) {
      i = this.#mKind.length;
      invariant(i < A_SPAN, 'fewer than a million distinct messages');
      byPayload.set(payload, i);
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
        return this.#msg(K_PROMISE, from, to, ballot, m.lastAccepted ? 1 + this.#bv(this.#ballot(m.lastAccepted.ballot), this.#value(m.lastAccepted.value)) : 0, 0, 0);
      case 'reject':
        return this.#msg(K_REJECT, from, to, ballot, m.request === 'prepare' ? K_PREPARE : K_ACCEPT, this.#ballot(m.promised), m.value === undefined ? 0 : 1 + this.#value(m.value));
      default:
        // The explorer refuses a Multi-Paxos room before it gets here (explore.ts).
        throw new InvariantError(`the compact search has no ${m.kind} message`);
    }
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
    const heard: number[] = [];
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
      const p = node.proposer;
      if (p.maxRound >= MAX_ROUND_LIMIT) throw new Unsupported();
      put(head, at, F_PRESENT, 1);
      put(head, at, F_UP, node.up ? 1 : 0);
      put(head, at, F_BALLOT, this.#ballot(p.ballot));
      put(head, at, F_VALUE, p.value === null ? 0 : 1 + this.#value(p.value));
      put(head, at, F_PROMISERS, mask(p.promisers));
      put(head, at, F_ACC_MAX, p.promiserAccMax ? 1 + this.#bv(this.#ballot(p.promiserAccMax.ballot), this.#value(p.promiserAccMax.value)) : 0);
      put(head, at, F_ACCEPTORS, mask(p.acceptors));
      put(head, at, F_SENT_VALUE, p.sentValue === null ? 0 : 1 + this.#value(p.sentValue));
      put(head, at, F_MAX_ROUND, p.maxRound);
      put(head, at, F_PROMISED, this.#ballot(node.acceptor.promised));
      put(head, at, F_ACCEPTED, node.acceptor.accepted ? 1 + this.#bv(this.#ballot(node.acceptor.accepted.ballot), this.#value(node.acceptor.accepted.value)) : 0);
      put(head, at, F_CHOICE, node.choice === null ? 0 : 1 + this.#value(node.choice));
      const learned = s.monitor.learned[id];
      put(head, at, F_LEARNED, learned ? 1 + this.#value(learned.value) : 0);
      let sentBits = 0;
      this.ids.forEach((to, i) => {
        if (sent.includes(sentKey(id, 'promiseRequest', to))) sentBits |= 1 << i;
        if (sent.includes(sentKey(id, 'acceptRequest', to))) sentBits |= 1 << (SLOTS_MAX + i);
      });
      put(head, at, F_SENT, sentBits);
      for (const [key, acceptors] of Object.entries(node.heard)) {
        const bv = tallyOf.get(key);
        if (bv === undefined) throw new Unsupported();
        heard.push((this.slotOf(id) << 24) | (bv << 8) | mask(acceptors));
      }
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
    const sections = [heard, tallies, held, flight].map((x) => x.sort((p, q) => p - q));
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

  #q2(): number {
    return this.#q2ByMembers[popCount(this.t[H_MEMBERS]!)]!;
  }

  #linkUp(a: number, b: number): boolean {
    return a === b || (this.t[H_CUT]! & (1 << this.#pair[a * this.n + b]!)) === 0;
  }

  // ---------------------------------------------------------------------------
  // The room's rules on the scratch record, named after the functions they mirror

  /** node.ts makeReply: the acceptor's reply to request `m`, yes or no. */
  #makeReply(acceptor: number, m: number, yes: boolean): number {
    const kind = this.#mKind[m]!;
    const from = this.#mTo[m]!;
    const to = this.#mFrom[m]!;
    const ballot = this.#mBallot[m]!;
    if (!yes) {
      const promised = this.#f(acceptor, F_PROMISED) || ballot;
      return kind === K_ACCEPT ? this.#msg(K_REJECT, from, to, ballot, K_ACCEPT, promised, 1 + this.#mA[m]!) : this.#msg(K_REJECT, from, to, ballot, K_PREPARE, promised, 0);
    }
    return kind === K_PREPARE ? this.#msg(K_PROMISE, from, to, ballot, this.#f(acceptor, F_ACCEPTED), 0, 0) : this.#msg(K_ACCEPTED, from, to, ballot, this.#mA[m]!, 0, 0);
  }

  /** node.ts acceptorVerdict, as the honest acceptor's onRequest (programs/honest.ts) answers. */
  #verdict(acceptor: number, ballot: number): boolean {
    const promised = this.#f(acceptor, F_PROMISED);
    return promised === 0 || ballot >= promised;
  }

  /** decide.ts autoReply: the reply, or -1 when the request waits in a student's inbox. */
  #autoReply(acceptor: number, m: number): number {
    if (this.#students && !this.#bot[acceptor]) return -1;
    return this.#makeReply(acceptor, m, this.#verdict(acceptor, this.#mBallot[m]!));
  }

  /** decide.ts notices: the notices an acceptance puts in flight. */
  #notices(reply: number): number {
    if (reply < 0 || this.#mKind[reply] !== K_ACCEPTED || !this.#everyone || this.#instant) return 0;
    let c = 0;
    for (let i = 0; i < this.n; i++) if (this.#f(i, F_PRESENT) && i !== this.#mFrom[reply] && i !== this.#mTo[reply]) c++;
    return c;
  }

  /** room.ts noteSent. */
  #noteSent(m: number): void {
    if (this.#mKind[m] !== K_ACCEPT) return;
    const p = this.#mFrom[m]!;
    if (this.#f(p, F_BALLOT) === this.#mBallot[m]) this.#set(p, F_SENT_VALUE, 1 + this.#mA[m]!);
  }

  /** room.ts receiveRequest. */
  #receiveRequest(m: number, reply: number, instant: boolean): void {
    const a = this.#mTo[m]!;
    this.#set(a, F_MAX_ROUND, Math.max(this.#f(a, F_MAX_ROUND), this.#round(this.#mBallot[m]!)));
    if (reply < 0) {
      this.#insert(S_HELD, m);
      return;
    }
    this.#recordReply(reply);
    if (instant) this.#receiveReply(reply);
    else this.#insert(S_FLIGHT, reply);
    this.#tellLearners(reply, instant);
  }

  /** room.ts recordReply with the honest acceptor's onAnswer. */
  #recordReply(reply: number): void {
    const a = this.#mFrom[reply]!;
    const ballot = this.#mBallot[reply]!;
    this.#set(a, F_MAX_ROUND, Math.max(this.#f(a, F_MAX_ROUND), this.#round(ballot)));
    const kind = this.#mKind[reply]!;
    if (kind === K_REJECT) return;
    const promised = this.#f(a, F_PROMISED);
    if (promised === 0 || ballot > promised) this.#set(a, F_PROMISED, ballot);
    if (kind === K_ACCEPTED) {
      const bv = this.#bv(ballot, this.#mA[reply]!);
      this.#set(a, F_ACCEPTED, 1 + bv);
      this.#recordAccept(a, bv);
    }
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
    if (entry & 256 || popCount(entry & 255) < this.#q2()) return;
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

  /** room.ts receiveReply with the honest proposer's onReply. */
  #receiveReply(reply: number): void {
    const p = this.#mTo[reply]!;
    const from = this.#mFrom[reply]!;
    const kind = this.#mKind[reply]!;
    const ballot = this.#mBallot[reply]!;
    if (kind === K_REJECT) this.#set(p, F_MAX_ROUND, Math.max(this.#f(p, F_MAX_ROUND), this.#round(this.#mB[reply]!)));
    let counted = false;
    if (this.#f(p, F_BALLOT) !== 0 && this.#f(p, F_BALLOT) === ballot && kind !== K_REJECT) {
      counted = true;
      if (kind === K_PROMISE) {
        this.#set(p, F_PROMISERS, this.#f(p, F_PROMISERS) | (1 << from));
        const acc = this.#mA[reply]!;
        const max = this.#f(p, F_ACC_MAX);
        if (acc && (!max || this.#bvBallot[acc - 1]! > this.#bvBallot[max - 1]!)) this.#set(p, F_ACC_MAX, acc);
      } else {
        const acceptors = this.#f(p, F_ACCEPTORS) | (1 << from);
        this.#set(p, F_ACCEPTORS, acceptors);
        if (popCount(acceptors) >= this.#q2()) this.#set(p, F_CHOICE, 1 + this.#mA[reply]!);
      }
    }
    if (counted && this.#f(p, F_CHOICE) && kind === K_ACCEPTED) this.#recordLearned(p, this.#f(p, F_CHOICE));
    if (kind === K_ACCEPTED && this.#everyone) this.#hear(p, from, this.#bv(ballot, this.#mA[reply]!));
  }

  /** room.ts hear with the honest learner's onNotice. */
  #hear(l: number, acceptor: number, bv: number): void {
    const t = this.t;
    const prefix = (l << 24) | (bv << 8);
    const start = this.#start(S_HEARD);
    const end = start + t[H_SECTIONS + S_HEARD]!;
    let at = start;
    while (at < end && (t[at]! & ~255) !== prefix) at++;
    let heard: number;
    if (at < end) {
      heard = t[at]! | (1 << acceptor);
      t[at] = heard;
    } else {
      heard = prefix | (1 << acceptor);
      this.#insert(S_HEARD, heard);
    }
    if (popCount(heard & 255) >= this.#q2()) this.#set(l, F_CHOICE, 1 + this.#bvValue[bv]!);
    if (this.#f(l, F_CHOICE)) this.#recordLearned(l, this.#f(l, F_CHOICE));
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
    const flightStart = this.width + s[H_SECTIONS + S_HEARD]! + s[H_SECTIONS + S_TALLY]! + s[H_SECTIONS + S_HELD]!;
    const flightCount = s[H_SECTIONS + S_FLIGHT]!;
    const flightEnd = flightStart + flightCount;
    const canArrive = (m: number) => {
      const to = this.#mTo[m]!;
      const from = this.#mFrom[m]!;
      return get(s, to, F_PRESENT) === 1 && get(s, to, F_UP) === 1 && (from === to || (s[H_CUT]! & (1 << this.#pair[from * n + to]!)) === 0);
    };
    // The network: each distinct message once.
    for (let at = flightStart; at < flightEnd; ) {
      const m = s[at]!;
      let count = 1;
      while (at + count < flightEnd && s[at + count] === m) count++;
      if (canArrive(m)) this.#deliver(s, m, emit);
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
      if (get(s, p, F_MAX_ROUND) + 1 <= this.#roundMax) {
        for (const v of this.#proposerValues[k]!) {
          this.#begin(s);
          const round = get(s, p, F_MAX_ROUND) + 1;
          this.t[H_FIXED] = 1;
          this.#set(p, F_BALLOT, round * (n + 1) + (this.#unique ? this.#rank[p]! : 0));
          this.#set(p, F_VALUE, 1 + v);
          this.#set(p, F_PROMISERS, 0);
          this.#set(p, F_ACC_MAX, 0);
          this.#set(p, F_ACCEPTORS, 0);
          this.#set(p, F_SENT_VALUE, 0);
          this.#set(p, F_MAX_ROUND, round);
          this.#set(p, F_SENT, 0);
          this.t[H_PROPOSED]! |= 1 << v;
          emit(C_PROPOSE + 16 * (p + A_SPAN * v));
        }
      } else this.hitRounds = true;
      if (get(s, p, F_BALLOT)) {
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

  /** decide.ts decideAnswer and room.ts's `answered`. */
  #answer(s: Int32Array, m: number, yes: boolean, emit: (command: number) => void): void {
    const node = this.#mTo[m]!;
    if (!get(s, node, F_UP)) return;
    this.#begin(s);
    const ok = this.#verdict(node, this.#mBallot[m]!);
    if (yes && !ok && !this.#breakPromises) return;
    if (!yes && ok) return;
    const reply = this.#makeReply(node, m, yes);
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

  /** decide.ts decideRequest to one member, and room.ts's `sent`, `exchanged` and `lost`. */
  #request(s: Int32Array, p: number, accept: boolean, to: number, emit: (command: number) => void): void {
    let value = 0;
    if (accept) {
      if (popCount(get(s, p, F_PROMISERS)) < this.#q1ByMembers[popCount(s[H_MEMBERS]!)]! && !this.#acceptWithoutQuorum) return;
      const max = get(s, p, F_ACC_MAX);
      value = get(s, p, F_SENT_VALUE) || (!this.#ignoreAcceptedValue && max ? 1 + this.#bvValue[max - 1]! : get(s, p, F_VALUE));
      if (!value) return;
    }
    if (!this.#instant && s[H_SECTIONS + S_FLIGHT]! + 1 > LIMITS.inFlightMax) return;
    this.#begin(s);
    const m = this.#msg(accept ? K_ACCEPT : K_PREPARE, p, to, this.#f(p, F_BALLOT), accept ? value - 1 : 0, 0, 0);
    this.#noteSent(m);
    if (!this.#instant) {
      this.#insert(S_FLIGHT, m);
      this.#set(p, F_SENT, this.#f(p, F_SENT) | (1 << ((accept ? SLOTS_MAX : 0) + to)));
    } else if (this.#f(to, F_UP) && this.#linkUp(p, to)) this.#receiveRequest(m, this.#autoReply(to, m), true);
    // A request sent again to a student's inbox is a copy of the one waiting there.
    if (this.#students && this.#overCopies()) return;
    emit((accept ? C_ACCEPT_REQUEST : C_PROMISE_REQUEST) + 16 * (p + A_SPAN * to));
  }

  /** room.ts's `crashed` with each program's onCrash (a mode's acceptor may forget). */
  #crash(i: number): void {
    const t = this.t;
    // Its inbox is lost with the process.
    let start = this.#start(S_HELD);
    for (let at = start + t[H_SECTIONS + S_HELD]! - 1; at >= start; at--) if (this.#mTo[t[at]!] === i) this.#removeAt(S_HELD, at);
    start = this.#start(S_HEARD);
    for (let at = start + t[H_SECTIONS + S_HEARD]! - 1; at >= start; at--) if (t[at]! >>> 24 === i) this.#removeAt(S_HEARD, at);
    this.#set(i, F_UP, 0);
    for (const f of [F_BALLOT, F_VALUE, F_PROMISERS, F_ACC_MAX, F_ACCEPTORS, F_SENT_VALUE]) this.#set(i, f, 0);
    if (this.#forgetOnCrash) {
      this.#set(i, F_PROMISED, 0);
      this.#set(i, F_ACCEPTED, 0);
    }
  }

  /** decide.ts decideAddNode and room.ts's `nodeAdded` (a fresh node; its quorum never shrinks the accept quorum). */
  #join(s: Int32Array, j: number): void {
    const nextRound = s[H_FIXED] === 1 && !this.#reconfigure;
    this.#set(j, F_PRESENT, 1);
    this.#set(j, F_UP, 1);
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
    const start = this.width + r[H_SECTIONS + S_HEARD]!;
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
