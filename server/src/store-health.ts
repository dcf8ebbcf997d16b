/**
 * Whether the store is saving: every save (a batch of commands, a new room) goes through
 * here. A failed save is logged at error level, at most once every `logEveryMs` with the
 * count of failures since (a full disk refuses every save of a class, and must not fill
 * the log too); `/healthz` reports the store as failing until a save succeeds again, or
 * (PostgreSQL) the classroom has read every room from the database once it is back.
 */
import type { Logger } from 'pino';
import { StoreConflict, type Store } from './store';

/** What `/healthz` says of the store. */
export interface StoreReport {
  readonly ok: boolean;
  /** When saves began to fail (ms since the epoch), while they fail. */
  readonly failingSinceMs?: number;
  /** Saves refused since they began to fail. */
  readonly failedSaves?: number;
  /** The last failure, in a line. */
  readonly lastError?: string;
}

export class StoreHealth {
  #failingSinceMs: number | null = null;
  #failed = 0;
  #unlogged = 0;
  #lastLoggedMs = -Infinity;
  #lastError = '';

  constructor(
    readonly logger: Logger,
    readonly clock: () => number,
    readonly logEveryMs = 10_000,
  ) {}

  /** `store`, with each commit's outcome recorded here. */
  watch(store: Store): Store {
    const commit: Store['commit'] = (changes) =>
      store.commit(changes).then(
        () => this.#saved(),
        (e: unknown) => {
          // Another process committed first: the store answered, so it is working.
          if (e instanceof StoreConflict) this.#saved();
          else this.#failedSave(e);
          throw e;
        },
      );
    return new Proxy(store, {
      get(target, key) {
        if (key === 'commit') return commit;
        const value: unknown = Reflect.get(target, key, target);
        // The store's methods use its private fields: they run on the store, not on this proxy.
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  /**
   * The database went out of reach (PostgreSQL restarting), or answers again: out of reach
   * counts as failing from that moment, even before a save is refused; back counts as a save
   * that succeeded, since the classroom has read every room from it again.
   */
  reachable(reachable: boolean): void {
    if (reachable) return this.#saved();
    this.#failingSinceMs ??= this.clock();
    this.#lastError = "the classroom's database cannot be reached";
  }

  get report(): StoreReport {
    if (this.#failingSinceMs === null) return { ok: true };
    return { ok: false, failingSinceMs: this.#failingSinceMs, failedSaves: this.#failed, lastError: this.#lastError };
  }

  #saved(): void {
    if (this.#failingSinceMs === null) return;
    this.logger.warn({ failedSaves: this.#failed, failingForMs: this.clock() - this.#failingSinceMs }, 'the store saves again');
    this.#failingSinceMs = null;
    this.#failed = this.#unlogged = 0;
    this.#lastLoggedMs = -Infinity;
  }

  #failedSave(e: unknown): void {
    const now = this.clock();
    this.#failingSinceMs ??= now;
    this.#failed++;
    this.#unlogged++;
    this.#lastError = (e instanceof Error ? e.message : String(e)).slice(0, 300);
    if (now - this.#lastLoggedMs < this.logEveryMs) return;
    this.logger.error(
      { err: e, failedSaves: this.#unlogged, failingSinceMs: this.#failingSinceMs },
      'a save failed: the commands in it were refused and nothing of them was kept (is the disk full, or the database down?)',
    );
    this.#lastLoggedMs = now;
    this.#unlogged = 0;
  }
}
