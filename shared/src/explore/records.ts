/**
 * The compact search's store of states: records of small integers, each kept once, numbered in
 * the order found, with a hash table to tell whether a record is there already.
 */
import { invariant } from '../invariant';

const CHUNK_BITS = 20;
const CHUNK = 1 << CHUNK_BITS;

/**
 * Records of varying length in chunks of a million integers (a chunk is never copied: a
 * record that does not fit starts the next one), each record's length in the word before it,
 * numbered in the order added, with an open-addressing hash table.
 *
 * Nine in ten records a search looks up are there already, and in a space of a million
 * states the table and the records are far larger than the processor's caches: a lookup
 * costs the reads it makes at random. A slot of the table holds the record's hash and where
 * the record is, side by side, so a lookup reads the slot (most often the only one: the
 * table is at most half full, and a slot of another record, whose hash differs, is passed
 * over without reading that record), then the record itself, its length in the same read.
 */
export class RecordStore {
  size = 0;
  #chunks: Int32Array[] = [new Int32Array(CHUNK)];
  /** Where each record's length word is, by number: chunk * CHUNK + offset. */
  #starts = new Int32Array(1 << 12);
  #used = 0;
  /** Pairs of a hash and the place of its record's length word + 1 (0 for an empty slot). */
  #table = new Int32Array(1 << 14);
  #mask = (1 << 13) - 1;
  /** The hash and table slot `has` found, for the `add` that follows it. */
  #hash = 0;
  #slotFound = 0;

  get(i: number): Int32Array {
    const start = this.#starts[i]!;
    const chunk = this.#chunks[start >>> CHUNK_BITS]!;
    const at = (start & (CHUNK - 1)) + 1;
    return chunk.subarray(at, at + chunk[at - 1]!);
  }

  /** True when `r[0..len)` is there already. */
  has(r: Int32Array, len: number): boolean {
    const h = hashRecord(r, len);
    this.#hash = h;
    const table = this.#table;
    const mask = this.#mask;
    let slot = h & mask;
    for (;;) {
      const place = table[2 * slot + 1]!;
      if (place === 0) {
        this.#slotFound = slot;
        return false;
      }
      if (table[2 * slot] === h) {
        const start = place - 1;
        const chunk = this.#chunks[start >>> CHUNK_BITS]!;
        const from = (start & (CHUNK - 1)) + 1;
        if (chunk[from - 1] === len) {
          let k = 0;
          while (k < len && chunk[from + k] === r[k]) k++;
          if (k === len) return true;
        }
      }
      slot = (slot + 1) & mask;
    }
  }

  /** Adds `r[0..len)`, which `has` has just found missing. */
  add(r: Int32Array, len: number): void {
    invariant(len < CHUNK, 'a record fits in a chunk');
    if (this.#used + len + 1 > CHUNK) {
      this.#chunks.push(new Int32Array(CHUNK));
      this.#used = 0;
    }
    if (this.size + 1 > this.#starts.length) this.#starts = grown(this.#starts, this.size + 1);
    const chunk = this.#chunks[this.#chunks.length - 1]!;
    const used = this.#used;
    const start = ((this.#chunks.length - 1) << CHUNK_BITS) + used;
    chunk[used] = len;
    for (let k = 0; k < len; k++) chunk[used + 1 + k] = r[k]!;
    this.#starts[this.size] = start;
    this.#used = used + len + 1;
    this.size++;
    this.#table[2 * this.#slotFound] = this.#hash;
    this.#table[2 * this.#slotFound + 1] = start + 1;
    if (this.size * 4 > this.#table.length) this.#grow();
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

/** FNV-1a over the record's integers, with a final mix. */
function hashRecord(r: Int32Array, len: number): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < len; k++) h = Math.imul(h ^ r[k]!, 0x01000193);
  h ^= h >>> 16;
  return Math.imul(h, 0x85ebca6b) & 0x7fffffff;
}
