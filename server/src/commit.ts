/**
 * The commit pipeline: changes wait here until the current turn of the event loop ends,
 * then the whole batch is committed to the store in one transaction (one disk sync however
 * many commands arrived together), and only then are its records broadcast (one message
 * per room and timeline, in order) and its acks sent. Nobody hears of an event that could
 * still be lost. If the commit fails, the rooms it touched catch up with the store; when
 * another server process had committed first (a `StoreConflict`), each operation of the
 * batch is decided again against the room caught up, else each is answered with an error.
 * A callback that throws (a bug) answers its own change `server-error` and is reported; the
 * commits go on.
 * When the database cannot be reached (a `StoreUnavailable`), the store cannot be read
 * either: the rooms drop what they applied in memory, and the classroom catches them up
 * once it is back (rooms.ts).
 */
import type { AckError, LogRecord } from '@toy-paxos/shared';
import type { Room } from './room';
import { StoreConflict, StoreUnavailable, type RoomChange, type Store } from './store';

export const SAVE_FAILED: AckError = { code: 'server-error', message: 'The server could not save that; nothing changed. Try again in a moment.' };
/** What a change is answered when the server fails unexpectedly (a bug) on its way. */
export const UNEXPECTED: AckError = { code: 'server-error', message: 'Something went wrong on the server. Try again in a moment.' };

/**
 * Runs a callback that comes after a command's synchronous part (once its commit is done,
 * or a read of the store). An exception there is a bug that no try/catch around the
 * command meets any more: it is reported and answered `UNEXPECTED` through `failed`, so
 * that neither the process nor what comes after it stops.
 */
export function guarded(call: () => void, failed: (error: AckError) => void, report: (error: unknown) => void): void {
  try {
    call();
  } catch (error) {
    report(error);
    try {
      failed(UNEXPECTED);
    } catch (again) {
      report(again);
    }
  }
}
/** The answer to everything while the database cannot be reached (PostgreSQL restarting, or down). */
export const STORE_UNAVAILABLE: AckError = { code: 'store-unavailable', message: "The classroom's database is restarting; nothing changed; try again in a moment." };
/** The answer to a change whose commit the database may have carried out as its connection was lost. */
export const SAVE_IN_DOUBT: AckError = {
  code: 'store-unavailable',
  message: "The classroom's database stopped just as this was being saved, so it may or may not have been: look again in a moment, once it is back.",
};
export const TOO_BUSY: AckError = {
  code: 'server-error',
  message: 'Others changed this room at the same moment, again and again, so this could not be saved; nothing changed. Try again.',
};

/** A queued change, waiting for the next commit. */
export interface Pending {
  readonly room: Room;
  /** The timeline its records belong to. */
  readonly timeline?: number;
  readonly change: RoomChange | null;
  readonly records: readonly LogRecord[];
  /** Runs after the commit and the broadcast of the batch's records. */
  readonly done: () => void;
  /** Runs when the commit failed and nothing of the batch was kept. */
  readonly failed: (error: AckError) => void;
  /** The room's epoch the change was decided in: if it changed since, the change is decided again. */
  readonly epoch?: number;
  /** Decides the operation again, after another process committed first; absent after the last attempt. */
  readonly retry?: () => void;
}

export interface PipelineHooks {
  /** Sends committed records to every socket of a room. */
  send(code: string, records: readonly LogRecord[]): void;
  /** Brings rooms up to what the store holds, after a failed commit. */
  catchUp(codes: readonly string[]): Promise<void>;
  /** The database could not be reached for a commit to these rooms: they drop what they applied, and wait for it. */
  unavailable(codes: readonly string[], error: StoreUnavailable): void;
  /** Tells other server processes what was committed. */
  committed?(changes: readonly RoomChange[]): void;
  /** Hears of an exception thrown by a callback (a bug): the pipeline answers and goes on. */
  error?(error: unknown): void;
}

export class CommitPipeline {
  #pending: Pending[] = [];
  #flushScheduled = false;
  /** A commit is on its way to the disk; the next batch waits for it, to keep the order. */
  #committing = false;
  /** Counts the commits started: a commit that handed on to the next (`#handOn`) leaves the flag above to it. */
  #started = 0;

  /** Work that must not overlap a commit (catching a room up), run between commits. */
  #jobs: (() => Promise<void>)[] = [];

  readonly #store: Store;
  readonly #hooks: PipelineHooks;

  constructor(store: Store, hooks: PipelineHooks) {
    this.#store = store;
    this.#hooks = hooks;
  }

  /** Runs `job` when no commit is on its way, and holds the next commit until it is done. */
  exclusive(job: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#jobs.push(() => job().then(resolve, reject));
      this.flush();
    });
  }

  /** Whether changes to `room` wait for the next commit: a catch-up of the room must have them decided again. */
  waiting(room: Room): boolean {
    return this.#pending.some((p) => p.room === room && p.change !== null);
  }

  /** Queues a change for the next commit. */
  enqueue(p: Pending): void {
    this.#pending.push(p);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /**
   * Commits every queued change in one transaction, then broadcasts and acknowledges
   * them. One commit at a time: changes that arrive meanwhile form the next batch.
   */
  flush(): void {
    this.#flushScheduled = false;
    if (this.#committing) return;
    const job = this.#jobs.shift();
    if (job) {
      this.#committing = true;
      void job().finally(() => {
        this.#committing = false;
        this.flush();
      });
      return;
    }
    if (this.#pending.length === 0) return;
    // A change decided before its room dropped what it could not commit is decided again.
    const stale = new Set(this.#pending.filter((p) => p.change && p.epoch !== undefined && p.epoch !== p.room.epoch));
    const batch = this.#pending.filter((p) => !stale.has(p));
    this.#pending = [];
    for (const p of stale) this.#again(p);
    this.#committing = true;
    const started = ++this.#started;
    void this.#commit(batch)
      .catch((error: unknown) => this.#report(error))
      .finally(() => {
        if (started !== this.#started) return;
        this.#committing = false;
        this.flush();
      });
  }

  /**
   * Once a batch is on disk, the changes queued meanwhile go to the store at once, before
   * the batch is sent to every socket: the writes to hundreds of sockets no longer delay
   * the next disk sync. The order holds: the store commits in the order asked, and the next
   * batch's records go out only once its own commit is done, after this batch's, which are
   * sent in this same turn. A job that must not overlap a commit keeps the old way: it runs
   * once this batch is sent.
   */
  #handOn(): void {
    if (this.#jobs.length) return;
    this.#committing = false;
    this.flush();
  }

  /**
   * Commits a batch in one transaction, then publishes it. If another process was first in
   * some of its rooms, those rooms catch up and their changes are decided again, and the
   * rest of the batch goes back to the head of the queue, as it was decided; any other
   * failure catches the rooms up (or, with the database out of reach, drops what they
   * applied) and fails the whole batch.
   */
  async #commit(batch: readonly Pending[]): Promise<void> {
    const changes = batch.flatMap((p) => (p.change ? [p.change] : []));
    // Awaited even with nothing to commit: a batch started as the one before is handed on
    // (`#handOn`) is published only after that one, which is published in the same turn.
    const error = await (changes.length ? this.#store.commit(changes).then(() => null, (e: unknown) => e ?? new Error('the commit failed')) : null);
    if (error === null) {
      this.#handOn();
      this.#publish(batch);
      try {
        if (changes.length) this.#hooks.committed?.(changes);
      } catch (e) {
        this.#report(e);
      }
      return;
    }
    if (error instanceof StoreUnavailable) {
      this.#hooks.unavailable([...new Set(batch.map((p) => p.room.code))], error);
      for (const p of batch) this.#run(p, () => p.failed(error.inDoubt && p.change ? SAVE_IN_DOUBT : STORE_UNAVAILABLE));
      return;
    }
    const conflicted = error instanceof StoreConflict ? new Set(error.codes) : new Set(changes.map((c) => c.code));
    await this.#hooks.catchUp([...conflicted]).catch(() => undefined);
    if (!(error instanceof StoreConflict)) {
      for (const p of batch) this.#run(p, () => p.failed(SAVE_FAILED));
      return;
    }
    this.#pending.unshift(...batch.filter((p) => !conflicted.has(p.room.code)));
    for (const p of batch) if (conflicted.has(p.room.code)) this.#again(p);
  }

  /** Decides an operation again, or gives up on it after its last attempt. */
  #again(p: Pending): void {
    this.#run(p, p.retry ?? (() => p.failed(TOO_BUSY)));
  }

  /** Runs a callback of a change: one that throws answers the change `server-error` (a reply sent already is not sent again, see rooms.ts). */
  #run(p: Pending, call: () => void): void {
    guarded(call, p.failed, (error) => this.#report(error));
  }

  #report(error: unknown): void {
    this.#hooks.error?.(error);
  }

  /**
   * Broadcasts a committed batch in order: the records of consecutive changes to the
   * same timeline of a room go out as one message, then their acks. A change with no
   * records (a join, a fork, a switch...) waits for the records before it, so that
   * every screen sees everything in the order it happened.
   */
  #publish(batch: readonly Pending[]): void {
    let group: { room: Room; timeline: number | undefined; records: LogRecord[]; changes: Pending[] } | null = null;
    const flushGroup = () => {
      if (!group) return;
      const timeline = group.room.timelines.get(group.timeline ?? group.room.active);
      if (timeline) timeline.committed = Math.max(timeline.committed, group.records.at(-1)!.seq);
      try {
        this.#hooks.send(group.room.code, group.records);
      } catch (error) {
        // Committed all the same: the acks go out, and a page that missed records finds the gap.
        this.#report(error);
      }
      for (const p of group.changes) this.#run(p, p.done);
      group = null;
    };
    for (const p of batch) {
      if (!p.records.length) {
        flushGroup();
        this.#run(p, p.done);
        continue;
      }
      if (group && (group.room !== p.room || group.timeline !== p.timeline)) flushGroup();
      group ??= { room: p.room, timeline: p.timeline, records: [], changes: [] };
      group.records.push(...p.records);
      group.changes.push(p);
    }
    flushGroup();
  }

  /** Resolves when every change asked for so far is committed and published. */
  async settled(): Promise<void> {
    while (this.#committing || this.#pending.length || this.#jobs.length) await new Promise((r) => setTimeout(r, 1));
  }
}

