/**
 * Room ownership among the server processes on PostgreSQL. A room's clients all reach one
 * process when the proxy routes by the room code (CLUSTER.md); that process, the room's
 * owner, holds the room's lease in the store (`room_owners`: owner, host, pid, expiry) and
 * renews it every 2 seconds while a page has a socket open on it there. Another process that
 * serves the room meanwhile (a proxy that does not route by room, or a client that came back
 * before the router knew its process was gone) still serves it correctly, as the store's
 * keys order every commit; it takes the lease once the owner's has expired, 10 seconds after
 * its last renewal (the owner was killed), or at once if the owner stopped and gave it up.
 *
 * The lease is a record for operators and for the log (which process serves which room, and
 * whether clients of one room reach several processes); it decides nothing about the log.
 */
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { LeaseHolder, PgStore } from './store-pg';

/** How often the owner renews its leases, and how long one lasts unrenewed. */
export const LEASE_RENEW_MS = 2000;
export const LEASE_TTL_MS = 10_000;
/** The most rooms named in one log line. */
const NAMED_MAX = 20;

export class RoomLeases {
  readonly holder: LeaseHolder;
  readonly #store: PgStore;
  readonly #served: () => string[];
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | null = null;
  /** The rooms whose lease this process held at the last renewal. */
  #owned = new Set<string>();
  /** Rooms served here whose lease another process holds, already said in the log. */
  readonly #told = new Set<string>();
  #renewing: Promise<void> = Promise.resolve();

  /** `id`: this process among the others (peers.ts); `served`: the rooms a page has a socket open on here. */
  constructor(store: PgStore, id: string, served: () => string[], logger: Logger) {
    this.holder = { id, host: hostname(), pid: process.pid };
    this.#store = store;
    this.#served = served;
    this.#logger = logger;
  }

  /** The rooms whose lease this process held at the last renewal. */
  get owned(): ReadonlySet<string> {
    return this.#owned;
  }

  start(): void {
    this.#timer = setInterval(() => void this.renew(), LEASE_RENEW_MS);
    this.#timer.unref();
    void this.renew();
  }

  /** Takes or renews the lease of every room served here; says in the log which rooms another process owns. */
  renew(): Promise<void> {
    this.#renewing = this.#renewing.then(async () => {
      const served = this.#served();
      let owned: Set<string>;
      try {
        owned = await this.#store.claimRooms(this.holder, served, LEASE_TTL_MS);
      } catch {
        // The database is out of reach (said once already, rooms.ts): the next renewal tries again.
        return;
      }
      this.#owned = owned;
      const elsewhere = served.filter((code) => !owned.has(code) && !this.#told.has(code));
      for (const code of elsewhere) this.#told.add(code);
      for (const code of this.#told) if (owned.has(code) || !served.includes(code)) this.#told.delete(code);
      if (elsewhere.length) {
        this.#logger.info(
          { rooms: elsewhere.slice(0, NAMED_MAX), count: elsewhere.length },
          'serving rooms that another process owns (is the proxy routing by the room code?): this process takes them if that one stops',
        );
      }
    });
    return this.#renewing;
  }

  /** Stops renewing and gives up this process's leases, so that the next process to serve its rooms owns them at once. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#renewing;
    await this.#store.releaseRooms(this.holder).catch(() => undefined);
  }
}
