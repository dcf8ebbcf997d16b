/**
 * What a student's screen reader must hear as the room moves: each entry the core names as
 * key (`MomentReader`: a promise that reports a value, a value chosen, a rule broken...), every
 * one of a burst, not only its last entry, which is all the log's own live region reads.
 * Only what happens while the page is open is told; a switch of timeline starts again quietly.
 */
import type { MomentReader, RoomEvent, RoomState } from '@toy-paxos/shared';

/** The room as the session holds it: the events from `earlier + 1`, and the state after the last. */
export interface NewsSource {
  readonly events: readonly RoomEvent[];
  readonly earlier: number;
  readonly lastSeq: number;
  readonly state: RoomState;
  readonly timelineVersion: number;
}

/** One thing to read aloud: a key entry's moments, each in one sentence. */
export interface Spoken {
  readonly id: number;
  readonly text: string;
}

/** How many announcements stay in the live region: a region that only grows would be read again by some screen readers. */
const SPOKEN_MAX = 5;

export class KeyNews {
  /** The core's moment reader, loaded just after the page (moment-reader.ts). */
  #core: typeof import('./moment-reader') | null = null;
  #reader: MomentReader | null = null;
  /** The room when this page (or timeline) started to listen: moments are read from there. */
  #start: RoomState | null = null;
  /** The timeline read, and the last event read on it. */
  #epoch = -1;
  #read = 0;
  #source: NewsSource | null = null;
  #next = 1;
  #spoken = $state.raw<readonly Spoken[]>([]);

  constructor() {
    void import('./moment-reader').then((core) => {
      this.#core = core;
      // What arrived while it loaded is read now.
      if (this.#source) this.update(this.#source);
    });
  }

  /** The latest announcements, oldest first. */
  get spoken(): readonly Spoken[] {
    return this.#spoken;
  }

  /** Adds a sentence to read aloud now. */
  say(text: string): void {
    this.#spoken = [...this.#spoken, { id: this.#next++, text }].slice(-SPOKEN_MAX);
  }

  /** Reads the events that arrived since the last call and announces their key entries. */
  update(source: NewsSource): void {
    this.#source = source;
    if (source.timelineVersion !== this.#epoch) {
      this.#epoch = source.timelineVersion;
      this.#start = source.state;
      this.#reader = null;
      this.#read = source.lastSeq;
      return;
    }
    if (!this.#core) return;
    this.#reader ??= new this.#core.MomentReader(this.#start!);
    // Event `seq` is at index `seq - earlier - 1` (older events fetched later go in front).
    const fresh = source.events.slice(this.#read - source.earlier, source.lastSeq - source.earlier);
    if (fresh.length === 0) return;
    this.#read = source.lastSeq;
    const bySeq = new Map<number, string[]>();
    for (const m of this.#reader.read(fresh)) if (this.#core.teaches(m)) bySeq.set(m.seq, [...(bySeq.get(m.seq) ?? []), m.because]);
    for (const [seq, sentences] of bySeq) this.say(`Key entry ${seq}: ${sentences.join(' ')}`);
  }
}
