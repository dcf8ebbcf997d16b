/**
 * socket.io's cluster adapter over PostgreSQL's LISTEN/NOTIFY: how the server processes that
 * share one database reach each other (`io.serverSideEmit`, peers.ts). socket.io-adapter's
 * `ClusterAdapterWithHeartbeat` is the cluster protocol; this file is only its transport. A
 * message is JSON in a NOTIFY on its namespace's channel, or, when it is too large for one, a
 * row of `socket_io_attachments` (store-pg.ts creates it) whose id the NOTIFY carries.
 *
 * It stands in for @socket.io/postgres-adapter (0.5.0, its latest release), whose LISTEN
 * connection has no 'error' listener, so that a database restart ended every process; which
 * never gave that connection back to its pool when it broke, so that each restart cost the
 * pool a connection; and which sent a message of exactly 8,000 bytes by NOTIFY, where it is
 * refused ("payload string too long": a payload must be shorter than that).
 *
 * The LISTEN connection is one of its own, outside the pool. When it breaks, the bus connects
 * again every couple of seconds until the database answers; each time it starts listening,
 * `missed` runs: what the other processes said before then never arrived, and the caller
 * reads the store (peers.ts). Messages are sent one at a time, in the order they were given,
 * and handed on in the order they arrived, so that one process's messages keep their order
 * in every other. A message that cannot be sent (the database is down) is dropped: they are
 * hints, never the truth.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import { ClusterAdapterWithHeartbeat, type Adapter, type ClusterAdapterOptions, type ClusterMessage, type ClusterResponse, type Offset, type ServerId } from 'socket.io-adapter';
import type { PgStore } from './store-pg';

/**
 * The largest message sent in the NOTIFY itself, in UTF-8 bytes; a larger one is attached.
 * PostgreSQL refuses a payload of 8,000 bytes or more, counted in the database's encoding,
 * where a character can take more bytes than in UTF-8 (a third more, in EUC_TW): 5,000
 * leaves room for that.
 */
const NOTIFY_BYTES_MAX = 5000;

/** The waits between tries to listen again, doubling up to the last. */
const LISTEN_RETRY_MS = [500, 1000, 2000] as const;

/** Messages waiting to be sent at most: past that (the database has not answered for a long while), new ones are dropped. */
const SEND_QUEUE_MAX = 1000;

/** Attachments older than this are deleted (every process has read them long before). */
const ATTACHMENT_TTL_MS = 30_000;

const TABLE = 'socket_io_attachments';
const CHANNEL_PREFIX = 'socket.io';

/** What a NOTIFY carries: a whole message, or where to read one. */
type Notice = (ClusterMessage | ClusterResponse) | { readonly uid: string; readonly nsp: string; readonly attachmentId: string };

export interface PgAdapterOptions {
  readonly logger: Logger;
  /**
   * Runs when messages of the other processes may have been lost: each time the bus starts
   * listening (the first time too), and when a message heard could not be read.
   */
  readonly missed: () => void;
}

/** The adapter of one namespace: publishes through the bus, and hears what the bus hands it. */
class PgAdapter extends ClusterAdapterWithHeartbeat {
  readonly #bus: NotifyBus;

  constructor(nsp: unknown, bus: NotifyBus, options: ClusterAdapterOptions) {
    super(nsp, options);
    this.#bus = bus;
  }

  /** This adapter's id in the cluster (what its messages carry as `uid`). */
  get id(): string {
    return this.uid;
  }

  protected override doPublish(message: ClusterMessage): Promise<Offset> {
    // socket.io's connection state recovery needs offsets; it is not used here.
    return this.#bus.publish(message).then(() => '');
  }

  protected override doPublishResponse(_requester: ServerId, response: ClusterResponse): Promise<void> {
    return this.#bus.publish(response);
  }

  override close(): Promise<void> {
    super.close();
    return this.#bus.remove(this);
  }
}

/** One process's LISTEN connection and its NOTIFYs, shared by its namespaces. */
class NotifyBus {
  readonly #store: PgStore;
  readonly #logger: Logger;
  readonly #missed: () => void;
  readonly #adapters = new Map<string, PgAdapter>();
  /** The connection that listens, once it does. */
  #client: pg.Client | null = null;
  #tries = 0;
  #everListened = false;
  #retry: NodeJS.Timeout | null = null;
  readonly #cleanup: NodeJS.Timeout;
  /** The last message sent, and the last one handed on: the next waits for it. */
  #sent: Promise<void> = Promise.resolve();
  #handed: Promise<void> = Promise.resolve();
  /** Messages given and not yet sent. */
  #waiting = 0;
  /** Whether sending failed since it last worked: the log says so once. */
  #sendFailing = false;
  #closed = false;

  constructor(store: PgStore, options: PgAdapterOptions) {
    this.#store = store;
    this.#logger = options.logger;
    this.#missed = options.missed;
    this.#cleanup = setInterval(() => {
      store.pool.query(`DELETE FROM ${TABLE} WHERE created_at < now() - make_interval(secs => $1)`, [ATTACHMENT_TTL_MS / 1000]).catch(() => undefined);
    }, ATTACHMENT_TTL_MS);
    this.#cleanup.unref();
    this.#connect();
  }

  add(adapter: PgAdapter, nsp: string): void {
    this.#adapters.set(nsp, adapter);
    const client = this.#client;
    // Listening already: this channel too. (A connection that opens later listens to all.)
    if (client) client.query(`LISTEN ${client.escapeIdentifier(channelOf(nsp))}`).catch((e: unknown) => this.#logger.warn({ err: e }, 'cannot hear the other processes'));
  }

  async remove(adapter: PgAdapter): Promise<void> {
    for (const [nsp, a] of this.#adapters) if (a === adapter) this.#adapters.delete(nsp);
    if (this.#adapters.size > 0) return;
    this.#closed = true;
    clearInterval(this.#cleanup);
    if (this.#retry) clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = null;
    await this.#sent;
    await client?.end().catch(() => undefined);
  }

  /** Sends a message to the other processes, after the ones before it; never rejects (a failure is logged once until sending works again). */
  publish(message: ClusterMessage | ClusterResponse): Promise<void> {
    if (this.#waiting >= SEND_QUEUE_MAX) return this.#failed(new Error(`${SEND_QUEUE_MAX} messages are waiting to be sent already`));
    this.#waiting++;
    this.#sent = this.#sent.then(() =>
      this.#send(message).then(
        () => {
          this.#waiting--;
          if (this.#sendFailing) this.#logger.info('telling the other processes again');
          this.#sendFailing = false;
        },
        (e: unknown) => {
          this.#waiting--;
          return this.#failed(e);
        },
      ),
    );
    return this.#sent;
  }

  /** A message was not sent: the log says so once, until one is. */
  #failed(e: unknown): Promise<void> {
    if (!this.#sendFailing) this.#logger.warn({ err: e }, 'cannot tell the other processes: messages are dropped until it works again');
    this.#sendFailing = true;
    return Promise.resolve();
  }

  async #send(message: ClusterMessage | ClusterResponse): Promise<void> {
    const pool = this.#store.pool;
    const channel = channelOf(message.nsp);
    const json = JSON.stringify(message);
    if (Buffer.byteLength(json) <= NOTIFY_BYTES_MAX) {
      await pool.query('SELECT pg_notify($1, $2)', [channel, json]);
      return;
    }
    const { rows } = await pool.query<{ id: string }>(`INSERT INTO ${TABLE} (payload) VALUES ($1) RETURNING id`, [Buffer.from(json)]);
    const notice: Notice = { uid: message.uid, nsp: message.nsp, attachmentId: rows[0]!.id };
    await pool.query('SELECT pg_notify($1, $2)', [channel, JSON.stringify(notice)]);
  }

  /** Opens a LISTEN connection; when it fails or breaks, tries again after a while. */
  #connect(): void {
    if (this.#closed) return;
    const client = this.#store.newClient();
    let lost = false;
    const lose = (e?: unknown) => {
      if (lost) return;
      lost = true;
      const listened = this.#client === client;
      if (listened) this.#client = null;
      client.removeAllListeners('notification');
      client.end().catch(() => undefined);
      if (this.#closed) return;
      const retryInMs = LISTEN_RETRY_MS[Math.min(this.#tries++, LISTEN_RETRY_MS.length - 1)]!;
      if (listened) this.#logger.warn({ err: e, retryInMs }, 'lost the connection that hears the other processes: connecting again');
      else this.#logger.debug({ err: e, retryInMs }, 'cannot hear the other processes yet: trying again');
      this.#retry = setTimeout(() => this.#connect(), retryInMs);
    };
    // Stays on: errors after the first are the same loss.
    client.on('error', lose);
    client.on('end', () => lose(new Error('the connection ended')));
    client.on('notification', (n) => this.#heard(n.payload));
    client
      .connect()
      .then(async () => {
        for (const nsp of this.#adapters.keys()) await client.query(`LISTEN ${client.escapeIdentifier(channelOf(nsp))}`);
        if (lost) return;
        if (this.#closed) return void client.end().catch(() => undefined);
        this.#client = client;
        this.#tries = 0;
        if (this.#everListened) this.#logger.info('hearing the other processes again');
        this.#everListened = true;
        // What the others said before this connection listened never arrived, the first time
        // too: the process may have read its rooms before then (Peers.missed reads them again
        // once it hears the others; before that, Peers.attach reads them).
        this.#missed();
      })
      .catch(lose);
  }

  /** A NOTIFY: the message it holds or names goes to its namespace's adapter, after those heard before it. */
  #heard(payload: string | undefined): void {
    const read = async (): Promise<void> => {
      const notice = JSON.parse(payload ?? 'null') as Notice | null;
      const adapter = notice ? this.#adapters.get(notice.nsp) : undefined;
      if (!notice || !adapter || notice.uid === adapter.id) return;
      let message = notice;
      if ('attachmentId' in notice) {
        const { rows } = await this.#store.pool.query<{ payload: Buffer }>(`SELECT payload FROM ${TABLE} WHERE id = $1`, [notice.attachmentId]);
        if (!rows[0]) throw new Error(`attachment ${notice.attachmentId} is gone`);
        message = JSON.parse(rows[0].payload.toString()) as ClusterMessage;
      }
      adapter.onMessage(message as ClusterMessage);
    };
    this.#handed = this.#handed.then(read).catch((e: unknown) => {
      this.#logger.warn({ err: e }, 'a message from another process was lost');
      this.#missed();
    });
  }
}

function channelOf(nsp: string): string {
  return `${CHANNEL_PREFIX}#${nsp}`;
}

/** socket.io's adapter class for the processes on `store`'s database, with socket.io's default heartbeat: pass it to `io.adapter()`. */
export function createPgAdapter(store: PgStore, options: PgAdapterOptions): typeof Adapter {
  const bus = new NotifyBus(store, options);
  return class extends PgAdapter {
    constructor(nsp: { name: string }) {
      super(nsp, bus, {});
      bus.add(this, nsp.name);
    }
  };
}
