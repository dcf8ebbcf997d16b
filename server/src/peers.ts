/**
 * The other server processes of a cluster, reached through socket.io's adapter
 * (`io.serverSideEmit`; with PostgreSQL, LISTEN/NOTIFY). What one process commits, the
 * others hear of here and apply to their rooms in memory; who is online on each, and
 * which processes are alive. A message is a hint with its data, never the truth: the
 * store is, and a process that finds a gap reads the store (classroom.ts).
 */
import { randomUUID } from 'node:crypto';
import type { RoomChange } from './store';

/** What a process tells the others. */
export type PeerMessage =
  /** Changes it committed, in order (an import's events stay in the store: read them there). */
  | { readonly kind: 'committed'; readonly changes: readonly RoomChange[] }
  /** The instructor presents an event to every screen (null: released). */
  | { readonly kind: 'present'; readonly code: string; readonly seq: number | null }
  /** The room's replay link (its token travels between processes only), or null once revoked. */
  | { readonly kind: 'share'; readonly code: string; readonly token: string | null }
  /** A participant has a socket open on the sender, or no longer has one. */
  | { readonly kind: 'online'; readonly code: string; readonly tokenHash: string; readonly online: boolean }
  /** The room expired and is deleted. */
  | { readonly kind: 'expired'; readonly code: string };

/** The socket.io event that carries peer messages between processes. */
const PEER_EVENT = 'toy-paxos:peer';
const ALIVE_EVENT = 'toy-paxos:alive';

/** A process that has not said it is alive for this long is taken for dead: its sockets are gone. */
const ALIVE_EVERY_MS = 2000;
const DEAD_AFTER_MS = 7000;

/** The part of socket.io's server that reaches other processes. */
export interface ServerSideEmitter {
  serverSideEmit(event: string, ...args: unknown[]): boolean;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

export interface PeerHandlers {
  message(from: string, message: PeerMessage): void;
  /** A process was seen for the first time: it knows nothing of who is online here. */
  joined(id: string): void;
  /** A process stopped saying it is alive (killed, or cut off). */
  gone(id: string): void;
}

export class Peers {
  /** This process, among the others. */
  readonly id = randomUUID();
  #io: ServerSideEmitter | null = null;
  #handlers: PeerHandlers | null = null;
  readonly #lastSeen = new Map<string, number>();
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
    io.on(PEER_EVENT, (from, message) => {
      if (typeof from === 'string' && from !== this.id) handlers.message(from, message as PeerMessage);
    });
    io.on(ALIVE_EVENT, (from) => {
      if (typeof from !== 'string' || from === this.id) return;
      const known = this.#lastSeen.has(from);
      this.#lastSeen.set(from, clock());
      if (!known) handlers.joined(from);
    });
    const tick = () => {
      io.serverSideEmit(ALIVE_EVENT, this.id);
      const now = clock();
      for (const [id, seen] of this.#lastSeen) {
        if (now - seen < DEAD_AFTER_MS) continue;
        this.#lastSeen.delete(id);
        handlers.gone(id);
      }
    };
    tick();
    this.#timer = setInterval(tick, ALIVE_EVERY_MS);
    this.#timer.unref();
  }

  send(message: PeerMessage): void {
    this.#io?.serverSideEmit(PEER_EVENT, this.id, message);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
