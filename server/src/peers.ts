/**
 * The other server processes of a cluster, reached through socket.io's adapter
 * (`io.serverSideEmit`; with PostgreSQL, LISTEN/NOTIFY). What one process commits, the
 * others hear of here and apply to their rooms in memory; who is online on each, and
 * which processes are alive. A message is a hint with its data, never the truth: the
 * store is, and a process that finds a gap reads the store (classroom.ts).
 *
 * Messages can be lost: those sent while the database was down, or while a process was not
 * listening (restarting its connection, or starting). A process that may have missed some
 * reads every room from the store, forgets who it believed online elsewhere, and says hello:
 * each other process then forgets who it believed online on this one, and each tells the
 * others again who is online on it, what is presented and the replay links. It knows it may
 * have missed some when the adapter says so, when it starts hearing the others, and when a
 * process's messages skip a number: each process numbers what it sends, the "alive" it sends
 * every two seconds too, so a loss is found within one of them whatever the adapter noticed.
 */
import { randomUUID } from 'node:crypto';
import type { RoomChange } from './store';

/**
 * A committed change as told to the other processes: with its events, or, when they would
 * not fit in one message, with `through`, the seq of its last event, whose events are read
 * from the store by a process that holds the room (an import's are always read there).
 */
export type ToldChange = Omit<RoomChange, 'eventSlices' | 'events'> & { readonly events?: RoomChange['events']; readonly through?: number };

/**
 * The most characters of JSON a batch's changes take with their events in a 'committed'
 * message: one PostgreSQL notification holds that whole (pg-adapter.ts). A larger batch is
 * told without its events: the processes that do not hold its rooms (nearly all, each room
 * on its owner) then have nothing to read, and the sender nothing to attach.
 */
const TOLD_WITH_EVENTS_CHARS_MAX = 4000;

/** `changes` as told to the other processes: whole when they fit in one message, else without their events. */
export function toldChanges(changes: readonly RoomChange[]): ToldChange[] {
  const told = changes.map(({ eventSlices: _, ...c }): ToldChange => c);
  if (JSON.stringify(told).length <= TOLD_WITH_EVENTS_CHARS_MAX) return told;
  return told.map(({ events, ...c }) => (events?.length ? { ...c, through: events.at(-1)!.seq } : c));
}

/** What a process tells the others. */
export type PeerMessage =
  /** Changes it committed, in order. */
  | { readonly kind: 'committed'; readonly changes: readonly ToldChange[] }
  /** The instructor presents an event to every screen (null: released). */
  | { readonly kind: 'present'; readonly code: string; readonly seq: number | null }
  /** The room's replay link (its token travels between processes only), or null once revoked. */
  | { readonly kind: 'share'; readonly code: string; readonly token: string | null }
  /** A participant has a socket open on the sender, or no longer has one. */
  | { readonly kind: 'online'; readonly code: string; readonly tokenHash: string; readonly online: boolean }
  /** The room expired and is deleted. */
  | { readonly kind: 'expired'; readonly code: string }
  /** The room may have changed in the store with no message of its own (a commit the database kept as the sender lost its connection): read it. */
  | { readonly kind: 'changed'; readonly code: string }
  /** The sender has just read the room from the store: those that hold it say what is not stored (who is online on them, what is presented, the replay link). */
  | { readonly kind: 'ask'; readonly code: string };

/** The socket.io event that carries peer messages between processes. */
const PEER_EVENT = 'toy-paxos:peer';
const ALIVE_EVENT = 'toy-paxos:alive';

/** A process that has not said it is alive for this long is taken for dead: its sockets are gone. */
const ALIVE_EVERY_MS = 2000;
const DEAD_AFTER_MS = 7000;
/** The most processes whose last message number is remembered. */
const HEARD_MAX = 256;

/** The part of socket.io's server that reaches other processes. */
export interface ServerSideEmitter {
  serverSideEmit(event: string, ...args: unknown[]): boolean;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

export interface PeerHandlers {
  message(from: string, message: PeerMessage): void;
  /**
   * Tells the other processes what this one holds that is not in the store (who is online
   * here, what is presented, the replay links): one of them was seen for the first time, or
   * said hello, and knows none of it; or this one said hello, and the others forgot it.
   */
  tellAll(): void;
  /** A process stopped saying it is alive (killed, or cut off), or said hello: what it said before is stale. */
  gone(id: string): void;
  /** Messages of the other processes may have been lost: read the rooms from the store. */
  missed(): void;
}

export class Peers {
  /** This process, among the others. */
  readonly id = randomUUID();
  #io: ServerSideEmitter | null = null;
  #handlers: PeerHandlers | null = null;
  readonly #lastSeen = new Map<string, number>();
  /** The number of the last message heard from each process. */
  readonly #lastHeard = new Map<string, number>();
  /** The number of the last message this process sent. */
  #sent = 0;
  /**
   * Rooms this process changed before it could tell the others (it serves sockets before it
   * hears the other processes): each is named in a `changed` message once it can.
   */
  readonly #untold = new Set<string>();
  #timer: NodeJS.Timeout | null = null;

  /** Who hears what the other processes say (the classroom). */
  listen(handlers: PeerHandlers): void {
    this.#handlers = handlers;
  }

  /** Starts hearing the other processes through `io` and telling them this one is alive. */
  attach(io: ServerSideEmitter, clock: () => number): void {
    const handlers = this.#handlers;
    if (!handlers) throw new Error('Peers.listen must come before Peers.attach');
    this.#io = io;
    io.on(PEER_EVENT, (from, n, message) => {
      if (typeof from !== 'string' || from === this.id) return;
      if (this.#heard(from, n)) this.missed();
      handlers.message(from, message as PeerMessage);
    });
    io.on(ALIVE_EVENT, (from, n, hello) => {
      if (typeof from !== 'string' || from === this.id) return;
      // Missed some: forget what every process said, and have them all say it again.
      const lost = this.#heard(from, n);
      if (lost) this.missed();
      const known = this.#lastSeen.has(from);
      this.#lastSeen.set(from, clock());
      // Hello: it may have missed what this process said, and this one what it said.
      if (known && hello === true) handlers.gone(from);
      if (!lost && (!known || hello === true)) handlers.tellAll();
    });
    const tick = () => {
      io.serverSideEmit(ALIVE_EVENT, this.id, ++this.#sent);
      const now = clock();
      for (const [id, seen] of this.#lastSeen) {
        if (now - seen < DEAD_AFTER_MS) continue;
        this.#lastSeen.delete(id);
        handlers.gone(id);
      }
    };
    tick();
    for (const code of this.#untold) this.send({ kind: 'changed', code });
    this.#untold.clear();
    this.#timer = setInterval(tick, ALIVE_EVERY_MS);
    this.#timer.unref();
    // What the others said while the rooms were being restored, before anyone listened here.
    handlers.missed();
  }

  /**
   * Messages of the other processes may have been lost (the adapter listens again after a
   * break): read the rooms from the store, and say hello, so that the others forget what
   * they believed of this process and all tell each other again who is online.
   */
  missed(): void {
    const handlers = this.#handlers;
    if (!this.#io || !handlers) return; // not hearing the others yet: attach reads the store
    // Every process heard from, even one not yet seen alive since the last time.
    for (const id of new Set([...this.#lastSeen.keys(), ...this.#lastHeard.keys()])) handlers.gone(id);
    this.#lastSeen.clear();
    this.#io.serverSideEmit(ALIVE_EVENT, this.id, ++this.#sent, true);
    handlers.tellAll();
    handlers.missed();
  }

  send(message: PeerMessage): void {
    if (this.#io) return void this.#io.serverSideEmit(PEER_EVENT, this.id, ++this.#sent, message);
    // Not hearing the others yet: what is not in the store (who is online, what is presented)
    // is told when they first hear this process (`tellAll`); what is, they read then.
    if (message.kind === 'committed') for (const c of message.changes) this.#untold.add(c.code);
    else if (message.kind === 'changed' || message.kind === 'expired') this.#untold.add(message.code);
  }

  /**
   * Notes message `n` from `from`; true if messages before it never arrived. One taken for
   * dead is still remembered, so that one cut off for a while, not killed, is found to have
   * gaps when it comes back. A process heard for the first time has none: it is new, and
   * the others tell it all (the alive handler).
   */
  #heard(from: string, n: unknown): boolean {
    if (typeof n !== 'number') return false;
    const last = this.#lastHeard.get(from);
    this.#lastHeard.delete(from);
    this.#lastHeard.set(from, n);
    // The processes heard from longest ago go first: a cluster's restarts leave their ids behind.
    if (this.#lastHeard.size > HEARD_MAX) this.#lastHeard.delete(this.#lastHeard.keys().next().value!);
    return last !== undefined && n > last + 1;
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
