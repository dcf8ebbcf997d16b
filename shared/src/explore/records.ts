/**
 * The compact search's store of states: records of small integers, each kept once, numbered in
 * the order found, with a hash table to tell whether a record is there already.
 */
import { invariant } from '../invariant';

const CHUNK_BITS = 20;
const CHUNK = 1 << CHUNK_BITS;

/**
 * Records of varying length in chunks of a million integers (a chunk is never copied: a
 * record that does not fit starts the next one), numbered in the order added, with an
 * open-addressing hash table.
 */
export class RecordStore {
  size = 0;
  #chunks: Int32Array[] = [new Int32Array(CHUNK)];
  /** Where each record starts: chunk * CHUNK + offset. */
  #starts = new Int32Array(1 << 12);
  #lengths = new Int32Array(1 << 12);
  #used = 0;
  #table = new Int32Array(1 << 14);
  #mask = (1 << 13) - 1;
  /** The hash and table slot `has` found, for the `add` that follows it. */
  #hash = 0;
  #slotFound = 0;

  get(i: number): Int32Array {
    const start = this.#starts[i]!;
    const at = start & (CHUNK - 1);
    return this.#chunks[start >>> CHUNK_BITS]!.subarray(at, at + this.#lengths[i]!);
  }

  /** True when `r[0..len)` is there already. */
  has(r: Int32Array, len: number): boolean {
    this.#hash = hashRecord(r, len);
    return this.#find(r, len, this.#hash) >= 0;
  }

  /** Adds `r[0..len)`, which `has` has just found missing. */
  add(r: Int32Array, len: number): void {
    invariant(len <= CHUNK, 'a record fits in a chunk');
    if (this.#used + len > CHUNK) {
      this.#chunks.push(new Int32Array(CHUNK));
      this.#used = 0;
    }
    if (this.size + 1 > this.#starts.length) {
      this.#starts = grown(this.#starts, this.size + 1);
      this.#lengths = grown(this.#lengths, this.size + 1);
    }
    const chunk = this.#chunks[this.#chunks.length - 1]!;
    for (let k = 0; k < len; k++) chunk[this.#used + k] = r[k]!;
    this.#starts[this.size] = ((this.#chunks.length - 1) << CHUNK_BITS) + this.#used;
    this.#lengths[this.size] = len;
    this.#used += len;
    this.size++;
    this.#table[2 * this.#slotFound] = this.#hash;
    this.#table[2 * this.#slotFound + 1] = this.size;
    if (this.size * 4 > this.#table.length) this.#grow();
  }

  /** The index of the record, or -1; the slot where it is or would go in `#slotFound`. */
  #find(r: Int32Array, len: number, h: number): number {
    const table = this.#table;
    let slot = h & this.#mask;
    for (;;) {
      // Each slot holds a hash and a record's number + 1, side by side: one read of memory finds both.
      const at = table[2 * slot + 1]!;
      this.#slotFound = slot;
      if (at === 0) return -1;
      const i = at - 1;
      if (table[2 * slot] === h && this.#lengths[i] === len) {
        const start = this.#starts[i]!;
        const from = start & (CHUNK - 1);
        const chunk = this.#chunks[start >>> CHUNK_BITS]!;
        let same = true;
        for (let k = 0; k < len; k++) {
          if (chunk[from + k] !== r[k]) {
            same = false;
            break;
          }
        }
        if (same) return i;
      }
      slot = (slot + 1) & this.#mask;
    }
  }

  #grow(): void {
    const old = this.#table;
    const table = new Int32Array(old.length * 2);
    const mask = table.length / 2 - 1;
    for (let k = 0; k < old.length; k += 2) {
      if (old[k + 1] === 0) continue;
      let slot = old[k]! & mask;
      while (table[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
      table[2 * slot] = old[k]!;
      table[2 * slot + 1] = old[k + 1]!;
    }
    this.#table = table;
    this.#mask = mask;
  }
}

export function grown<T extends Int32Array | Float64Array>(a: T, needed: number): T {
  let size = a.length * 2;
  while (size < needed) size *= 2;
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

/** True when `r` begins with the whole of `s`. */
export function sameRecord(r: Int32Array, s: Int32Array): boolean {
  for (let k = 0; k < s.length; k++) if (r[k] !== s[k]) return false;
  return true;
}

/** FNV-1a over the record's integers, with a final mix. */
function hashRecord(r: Int32Array, len: number): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < len; k++) h = Math.imul(h ^ r[k]!, 0x01000193);
  h ^= h >>> 16;
  return Math.imul(h, 0x85ebca6b) & 0x7fffffff;
}
