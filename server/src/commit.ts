/**
 * The commit pipeline: changes wait here until the current turn of the event loop ends,
 * then the whole batch is committed to the store in one transaction (one disk sync however
 * many commands arrived together), and only then are its records broadcast (one message
 * per room and timeline, in order) and its acks sent. Nobody hears of an event that could
 * still be lost. If the commit fails, the rooms it touched are reloaded from the store and
 * every change of the batch is answered with an error.
 */
import type { AckError, LogRecord } from '@toy-paxos/shared';
import type { Room } from './room';
import type { RoomChange, Store } from './store';

export const SAVE_FAILED: AckError = { code: 'server-error', message: 'The server could not save that; nothing changed. Try again in a moment.' };

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
}

export class CommitPipeline {
  #pending: Pending[] = [];
  #flushScheduled = false;
  /** A commit is on its way to the disk; the next batch waits for it, to keep the order. */
  #committing = false;

  readonly #store: Store;
  /** Sends committed records to every socket of a room. */
  readonly #send: (code: string, records: readonly LogRecord[]) => void;
  /** Replaces a room's memory with what the store holds, after a failed commit. */
  readonly #reload: (code: string) => void;

  constructor(store: Store, send: (code: string, records: readonly LogRecord[]) => void, reload: (code: string) => void) {
    this.#store = store;
    this.#send = send;
    this.#reload = reload;
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
    if (this.#committing || this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    const changes = batch.flatMap((p) => (p.change ? [p.change] : []));
    const finish = (committed: boolean) => {
      if (committed) this.#publish(batch);
      else {
        for (const code of new Set(changes.map((c) => c.code))) this.#reload(code);
        for (const p of batch) p.failed(SAVE_FAILED);
      }
      this.#committing = false;
      this.flush();
    };
    if (changes.length === 0) return finish(true);
    this.#committing = true;
    this.#store.commit(changes).then(
      () => finish(true),
      () => finish(false),
    );
  }

  /**
   * Broadcasts a committed batch in order: the records of consecutive changes to the
   * same timeline of a room go out as one message, then their acks. A change with no
   * records (a join, a fork, a switch...) waits for the records before it, so that
   * every screen sees everything in the order it happened.
   */
  #publish(batch: readonly Pending[]): void {
    let group: { room: Room; timeline: number | undefined; records: LogRecord[]; done: (() => void)[] } | null = null;
    const flushGroup = () => {
      if (!group) return;
      const timeline = group.room.timelines.get(group.timeline ?? group.room.active);
      if (timeline) timeline.committed = Math.max(timeline.committed, group.records.at(-1)!.seq);
      this.#send(group.room.code, group.records);
      for (const d of group.done) d();
      group = null;
    };
    for (const p of batch) {
      if (!p.records.length) {
        flushGroup();
        p.done();
        continue;
      }
      if (group && (group.room !== p.room || group.timeline !== p.timeline)) flushGroup();
      group ??= { room: p.room, timeline: p.timeline, records: [], done: [] };
      group.records.push(...p.records);
      group.done.push(p.done);
    }
    flushGroup();
  }

  /** Resolves when every change asked for so far is committed and published. */
  async settled(): Promise<void> {
    while (this.#committing || this.#pending.length) await new Promise((r) => setTimeout(r, 1));
  }
}
