/**
 * Time travel over a room's log: a cursor that anyone can move (one event back or
 * forward, play at several speeds, jump to key moments), over a log with snapshots so
 * that seeking anywhere is fast. `cursor` null means live.
 */
import { MomentReader, RoomLog, type Moment, type RoomEvent, type RoomState } from '@toy-paxos/shared';

export const SPEEDS = [0.5, 1, 2, 4, 8] as const;

export class Replay {
  cursor = $state<number | null>(null);
  playing = $state(false);
  speed = $state<(typeof SPEEDS)[number]>(1);
  /** Bumped when the log grows. */
  version = $state(0);
  #log: RoomLog;
  #timer: ReturnType<typeof setInterval> | null = null;
  /** The log's key moments, read as far as the log goes when they are asked for. */
  #moments: MomentReader | null = null;

  constructor(initial: RoomState, events: readonly RoomEvent[]) {
    this.#log = new RoomLog(initial, events);
  }

  get length(): number {
    void this.version;
    return this.#log.length;
  }

  /** Takes in events that arrived since (the live log only grows). */
  sync(events: readonly RoomEvent[]): void {
    if (events.length <= this.#log.length) return;
    for (const e of events.slice(this.#log.length)) this.#log.append(e);
    this.version++;
  }

  /** The state at the cursor (a fresh copy), or null when live. */
  readonly state: RoomState | null = $derived.by(() => (this.cursor === null ? null : this.#log.stateAt(this.cursor)));

  /** The key moments of the whole log (the core's `keyMoments`); a growing log's new events only are read. */
  get moments(): readonly Moment[] {
    void this.version;
    this.#moments ??= new MomentReader(this.#log.stateAt(0));
    if (this.#moments.length < this.#log.length) this.#moments.read(this.#log.events.slice(this.#moments.length));
    return this.#moments.moments;
  }

  get events(): readonly RoomEvent[] {
    void this.version;
    return this.#log.events;
  }

  get initial(): RoomState {
    return this.#log.stateAt(0);
  }

  seek(seq: number | null): void {
    this.cursor = seq === null ? null : Math.max(0, Math.min(this.#log.length, Math.round(seq)));
  }

  step(delta: number): void {
    this.seek((this.cursor ?? this.#log.length) + delta);
  }

  /** Plays forward from the cursor, one event every second divided by the speed; stops at the end. */
  play(): void {
    this.pause();
    if (this.cursor === null || this.cursor >= this.#log.length) this.cursor = 0;
    this.playing = true;
    this.#timer = setInterval(() => {
      if (this.cursor === null || this.cursor >= this.#log.length) return this.pause();
      this.cursor++;
    }, 1000 / this.speed);
  }

  pause(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.playing = false;
  }

  setSpeed(speed: (typeof SPEEDS)[number]): void {
    this.speed = speed;
    if (this.playing) this.play();
  }

  destroy(): void {
    this.pause();
  }
}
