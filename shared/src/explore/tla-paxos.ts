/**
 * An independent model of the TLA+ examples' Paxos specification (Lamport's Paxos.tla,
 * checked by TLC as MCPaxos), written only to compare state counts with TLC. It shares no
 * code with the room model: acceptors are numbers, values are numbers, and the network is
 * the spec's set of messages, which only grows (a message, once sent, can be received any
 * number of times and is never removed). Its four actions are the spec's:
 *
 * - Phase1a(b): send a 1a message for ballot b.
 * - Phase1b(a): on a 1a message with bal > maxBal[a], raise maxBal[a] and send a 1b
 *   message carrying maxVBal[a] and maxVal[a].
 * - Phase2a(b, v): when no 2a message for b exists and some quorum Q sent 1b messages
 *   for b, send a 2a message for (b, v), where v is the value of the highest-ballot vote
 *   among Q's 1b messages, or any value if they report none.
 * - Phase2b(a): on a 2a message with bal >= maxBal[a], vote: set maxBal, maxVBal and
 *   maxVal, and send a 2b message.
 *
 * A state is a small array of integers (two per acceptor, then the message set as a bit
 * set), kept in one flat store with an open-addressing hash table: the states are
 * numbered in the order found, which is breadth-first order, so the store is the queue.
 */

export interface TlaPaxosConfig {
  readonly acceptors: number;
  readonly values: number;
  /** Ballots are 0 .. ballots - 1. */
  readonly ballots: number;
}

export interface TlaPaxosResult {
  /** Distinct states reached from Init, as TLC counts them. */
  readonly states: number;
  /** Every value some quorum voted for in one ballot, in some reachable state. */
  readonly chosenValues: readonly number[];
  /** True when some reachable state has two different values chosen. */
  readonly agreementBroken: boolean;
}

/** The majority quorums of `n` acceptors, as bit masks. */
function majorityQuorums(n: number): number[] {
  const size = Math.floor(n / 2) + 1;
  const quorums: number[] = [];
  for (let mask = 0; mask < 1 << n; mask++) if (popCount(mask) === size) quorums.push(mask);
  return quorums;
}

function popCount(x: number): number {
  let c = 0;
  for (; x; x &= x - 1) c++;
  return c;
}

/** Breadth-first search of every reachable state of the spec, with no symmetry reduction. */
export function exploreTlaPaxos(config: TlaPaxosConfig): TlaPaxosResult {
  const A = config.acceptors;
  const V = config.values;
  const B = config.ballots;
  const quorums = majorityQuorums(A);
  // Message numbering: 1a(b); 1b(a, b, mbal, mval) with (mbal, mval) = (-1, None) or a vote;
  // 2a(b, v); 2b(a, b, v).
  const votes = 1 + B * V; // (-1, None) is 0; (mb, v) is 1 + mb * V + v
  const m1a = (b: number) => b;
  const base1b = B;
  const m1b = (a: number, b: number, vote: number) => base1b + (a * B + b) * votes + vote;
  const base2a = base1b + A * B * votes;
  const m2a = (b: number, v: number) => base2a + b * V + v;
  const base2b = base2a + B * V;
  const m2b = (a: number, b: number, v: number) => base2b + (a * B + b) * V + v;
  const messageCount = base2b + A * B * V;
  const words = Math.ceil(messageCount / 32);
  // Layout: maxBal[A] (-1 for none), vote[A] (0 for none, else 1 + mbal * V + val), then the bit set.
  const width = 2 * A + words;
  const has = (s: Int32Array, m: number) => (s[2 * A + (m >>> 5)]! & (1 << (m & 31))) !== 0;
  const store = new StateStore(width);
  const scratch = new Int32Array(width);
  /** `s` plus message `m`, in the scratch record. */
  const withMessage = (s: Int32Array, m: number): Int32Array => {
    scratch.set(s);
    scratch[2 * A + (m >>> 5)]! |= 1 << (m & 31);
    return scratch;
  };

  const init = new Int32Array(width);
  for (let a = 0; a < A; a++) init[a] = -1;
  store.add(init);
  const chosen = new Set<number>();
  let agreementBroken = false;

  /** Notes the values chosen in state `s`: voted for by a quorum in one ballot (2b messages are never removed). */
  const noteChosen = (s: Int32Array) => {
    let here = 0;
    for (let b = 0; b < B; b++) {
      for (let v = 0; v < V; v++) {
        let mask = 0;
        for (let a = 0; a < A; a++) if (has(s, m2b(a, b, v))) mask |= 1 << a;
        if (quorums.some((q) => (q & mask) === q)) here |= 1 << v;
      }
    }
    for (let v = 0; v < V; v++) if (here & (1 << v)) chosen.add(v);
    if (popCount(here) > 1) agreementBroken = true;
  };

  const allowed: boolean[] = [];
  for (let i = 0; i < store.size; i++) {
    const s = store.get(i);
    noteChosen(s);
    for (let b = 0; b < B; b++) {
      // Phase1a(b)
      if (!has(s, m1a(b))) store.add(withMessage(s, m1a(b)));
      // Phase2a(b, v)
      let sent2a = false;
      for (let v = 0; v < V; v++) if (has(s, m2a(b, v))) sent2a = true;
      if (sent2a) continue;
      allowed.length = 0;
      for (const q of quorums) {
        let complete = true;
        let top = -1; // the highest ballot of a vote reported by Q
        for (let a = 0; a < A && complete; a++) {
          if (!(q & (1 << a))) continue;
          let reported = false;
          for (let vote = 0; vote < votes; vote++) {
            if (!has(s, m1b(a, b, vote))) continue;
            reported = true;
            if (vote > 0) top = Math.max(top, Math.floor((vote - 1) / V));
          }
          if (!reported) complete = false;
        }
        if (!complete) continue;
        if (top < 0) for (let v = 0; v < V; v++) allowed[v] = true;
        else {
          // Any highest-ballot vote in Q1bv may be named (the spec's \E m).
          for (let a = 0; a < A; a++) {
            if (!(q & (1 << a))) continue;
            for (let v = 0; v < V; v++) if (has(s, m1b(a, b, 1 + top * V + v))) allowed[v] = true;
          }
        }
      }
      for (let v = 0; v < V; v++) if (allowed[v]) store.add(withMessage(s, m2a(b, v)));
    }
    for (let a = 0; a < A; a++) {
      const maxBal = s[a]!;
      const vote = s[A + a]!;
      for (let b = 0; b < B; b++) {
        // Phase1b(a) on 1a(b)
        if (b > maxBal && has(s, m1a(b))) {
          const t = withMessage(s, m1b(a, b, vote));
          t[a] = b;
          store.add(t);
        }
        // Phase2b(a) on 2a(b, v)
        if (b < maxBal) continue;
        for (let v = 0; v < V; v++) {
          if (!has(s, m2a(b, v))) continue;
          const t = withMessage(s, m2b(a, b, v));
          t[a] = b;
          t[A + a] = 1 + b * V + v;
          store.add(t);
        }
      }
    }
  }
  return { states: store.size, chosenValues: [...chosen].sort((x, y) => x - y), agreementBroken };
}

/** A set of fixed-width integer records in one flat array, numbered in insertion order. */
class StateStore {
  size = 0;
  #records: Int32Array;
  #table: Int32Array;
  #mask: number;

  constructor(readonly width: number) {
    this.#records = new Int32Array(width * 1024);
    this.#table = new Int32Array(2048);
    this.#mask = 2047;
  }

  /** A view of record `i` (valid until the next `add`). */
  get(i: number): Int32Array {
    return this.#records.subarray(i * this.width, (i + 1) * this.width);
  }

  /** Adds a copy of `r` unless an equal record is there; true when it was new. */
  add(r: Int32Array): boolean {
    const w = this.width;
    let slot = hashRecord(r) & this.#mask;
    for (;;) {
      const at = this.#table[slot]!;
      if (at === 0) break;
      const off = (at - 1) * w;
      let same = true;
      for (let k = 0; k < w; k++) {
        if (this.#records[off + k] !== r[k]) {
          same = false;
          break;
        }
      }
      if (same) return false;
      slot = (slot + 1) & this.#mask;
    }
    if ((this.size + 1) * w > this.#records.length) {
      const bigger = new Int32Array(this.#records.length * 2);
      bigger.set(this.#records);
      this.#records = bigger;
    }
    this.#records.set(r, this.size * w);
    this.size++;
    this.#table[slot] = this.size;
    if (this.size * 2 > this.#table.length) this.#grow();
    return true;
  }

  #grow(): void {
    const table = new Int32Array(this.#table.length * 2);
    const mask = table.length - 1;
    for (let i = 0; i < this.size; i++) {
      let slot = hashRecord(this.get(i)) & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = i + 1;
    }
    this.#table = table;
    this.#mask = mask;
  }
}

/** FNV-1a over the record's integers, with a final mix. */
function hashRecord(r: Int32Array): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < r.length; k++) h = Math.imul(h ^ r[k]!, 0x01000193);
  h ^= h >>> 16;
  return Math.imul(h, 0x85ebca6b) >>> 0;
}
