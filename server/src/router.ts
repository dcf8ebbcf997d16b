/**
 * The primary of `npm run start:cluster`: it reads the first bytes of each connection and
 * hands the connection to one server process, as @socket.io/sticky's primary does, and
 * speaks the same messages, so that each server process takes connections with sticky's
 * `setupWorker` (index.ts). It routes differently:
 *
 * - a request of a socket.io session (`sid=`) goes to the process that opened the session,
 *   so that long-polling's many requests reach one process;
 * - a new socket.io connection that names its room (`?room=CODE`, which the web client always
 *   sends) goes to the room's process: the live process with the highest score for the code
 *   (rendezvous hashing), so that every client of a room reaches the same process, and only
 *   the rooms of a process that stops move (to the others) until its replacement is ready;
 * - anything else (pages, the HTTP API) to the process with the fewest sessions.
 */
import cluster, { type Worker } from 'node:cluster';
import { createHash, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

const SID = /[?&]sid=([\w-]{20})/;
/** A room code in the request line's query: letters and digits, as rooms.ts draws them. */
const ROOM = /[?&]room=([A-Za-z0-9]{1,16})(?:[&\s#]|$)/;

/** The room named by a request's first line (`GET /socket.io/?EIO=4&room=ABCDEF HTTP/1.1`), upper-cased, or null. */
export function roomOfRequest(requestLine: string): string | null {
  const path = requestLine.split(' ')[1] ?? '';
  const m = ROOM.exec(path);
  return m ? m[1]!.toUpperCase() : null;
}

/** A slot's score for a room: rendezvous hashing's weight. */
function score(code: string, slot: number): number {
  return createHash('sha256').update(`${code}\u0000${slot}`).digest().readUInt32BE(0);
}

/**
 * The slot, among `live`, that serves room `code`: the one of highest score. A slot that
 * leaves moves only its own rooms, each to the slot of next-highest score; one that comes
 * back takes them back. Null when no slot is live.
 */
export function slotOfRoom(code: string, live: Iterable<number>): number | null {
  let best: number | null = null;
  let bestScore = -1;
  for (const slot of live) {
    const s = score(code, slot);
    if (s > bestScore || (s === bestScore && slot < best!)) [best, bestScore] = [slot, s];
  }
  return best;
}

/** The server processes as the router sees them: which slot each fills, and whether it serves yet. */
export class WorkerSlots {
  readonly #slotOf = new Map<number, number>();
  readonly #ready = new Map<number, Worker>();
  readonly #sessions = new Map<number, number>();

  /** A new process fills `slot` (its own, or the slot of one that stopped). */
  fill(worker: Worker, slot: number): void {
    this.#slotOf.set(worker.id, slot);
  }

  ready(worker: Worker): void {
    const slot = this.#slotOf.get(worker.id);
    if (slot !== undefined) this.#ready.set(slot, worker);
  }

  /** A process stopped: the slot it filled, for its replacement. */
  vacate(worker: Worker): number | undefined {
    const slot = this.#slotOf.get(worker.id);
    this.#slotOf.delete(worker.id);
    this.#sessions.delete(worker.id);
    if (slot !== undefined && this.#ready.get(slot) === worker) this.#ready.delete(slot);
    return slot;
  }

  sessionOpened(worker: Worker, delta: number): void {
    this.#sessions.set(worker.id, (this.#sessions.get(worker.id) ?? 0) + delta);
  }

  /** The process that serves room `code` now. */
  forRoom(code: string): Worker | undefined {
    const slot = slotOfRoom(code, this.#ready.keys());
    return slot === null ? undefined : this.#ready.get(slot);
  }

  /** The serving process with the fewest sessions. */
  leastBusy(): Worker | undefined {
    let best: Worker | undefined;
    for (const w of this.#ready.values()) if (!best || (this.#sessions.get(w.id) ?? 0) < (this.#sessions.get(best.id) ?? 0)) best = w;
    return best;
  }
}

/** Routes the connections of `http` to the server processes of `slots` (see the top of this file). */
export function routeConnections(http: Server, slots: WorkerSlots): void {
  const sessionToWorker = new Map<string, number>();
  /**
   * Connections whose request may come in several chunks: the primary keeps them and
   * forwards each chunk to the process it chose (its id here). When that process dies, its
   * connections are closed, so that their clients notice at once and come back.
   */
  const relayed = new Map<string, { readonly socket: Socket; readonly worker: number }>();
  /**
   * Connections being handed to each process (their id here). Node holds a socket it sends
   * until the process acknowledges it, and queues the next ones behind it: a process that
   * died first would leave them all open and unanswered, their clients waiting (a long-polling
   * one until its ping timeout). So the primary keeps a copy of each, and closes it once its
   * hand-over is written (the process's copy is then on its way) or the process has died.
   */
  const handing = new Map<number, Set<Socket>>();

  /** Hands `socket`, whose whole request is `chunk`, to `worker`, which reads it from there on. */
  const handOver = (worker: Worker, chunk: Buffer, socket: Socket) => {
    const pending = handing.get(worker.id) ?? new Set<Socket>();
    handing.set(worker.id, pending.add(socket));
    // What the client may send meanwhile is the process's to read, not this one's.
    socket.pause();
    worker.send({ type: 'sticky:connection', data: chunk }, socket, { keepOpen: true }, () => {
      pending.delete(socket);
      socket.destroy();
    });
  };

  const choose = (header: string): Worker | undefined => {
    const sid = SID.exec(header)?.[1];
    const bound = sid === undefined ? undefined : cluster.workers?.[sessionToWorker.get(sid) ?? -1];
    if (bound) return bound;
    const room = roomOfRequest(header.slice(0, header.indexOf('\r\n') >>> 0));
    return (room && slots.forRoom(room)) || slots.leastBusy();
  };

  http.on('connection', (socket: Socket) => {
    let worker: Worker | undefined;
    let connectionId: string | undefined;
    const failed = (err: Error | null) => {
      if (err) socket.destroy();
    };
    socket.removeAllListeners('data');
    socket.on('data', (chunk: Buffer) => {
      if (worker && connectionId) {
        if (worker.isConnected()) worker.send({ type: 'sticky:http-chunk', data: chunk, connectionId }, undefined, failed);
        else socket.destroy();
        return;
      }
      const header = chunk.subarray(0, chunk.indexOf('\r\n\r\n')).toString('latin1');
      worker = choose(header);
      if (!worker) {
        // Every server process is starting or restarting: the client tries again.
        socket.on('error', () => socket.destroy());
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      const lower = header.toLowerCase();
      if (!lower.includes('content-length:') && !lower.includes('transfer-encoding:')) {
        // The whole request is in this chunk: the process takes the connection itself.
        handOver(worker, chunk, socket);
        return;
      }
      connectionId = randomBytes(8).toString('hex');
      relayed.set(connectionId, { socket, worker: worker.id });
      const socketInfo = { remoteAddress: socket.remoteAddress, remotePort: socket.remotePort, localAddress: socket.localAddress, localPort: socket.localPort };
      worker.send({ type: 'sticky:http-chunk-start', data: chunk, connectionId, socketInfo }, undefined, failed);
    });
    socket.on('close', () => {
      if (!connectionId || !relayed.delete(connectionId)) return;
      if (worker?.isConnected()) worker.send({ type: 'sticky:abort', connectionId });
    });
  });

  cluster.on('message', (worker: Worker, message: { type?: string; data?: unknown; connectionId?: string; error?: string }) => {
    const socket = message.connectionId === undefined ? undefined : relayed.get(message.connectionId)?.socket;
    switch (message.type) {
      case 'sticky:http-response':
        if (socket && !socket.destroyed) socket.write(Buffer.from(message.data as Uint8Array));
        return;
      case 'sticky:http-response-end':
        if (socket && !socket.destroyed) socket.end();
        relayed.delete(message.connectionId!);
        return;
      case 'sticky:http-response-destroy':
        if (socket && !socket.destroyed) socket.destroy(message.error ? new Error(message.error) : undefined);
        relayed.delete(message.connectionId!);
        return;
      case 'sticky:connection':
        sessionToWorker.set(message.data as string, worker.id);
        slots.sessionOpened(worker, 1);
        return;
      case 'sticky:disconnection':
        sessionToWorker.delete(message.data as string);
        slots.sessionOpened(worker, -1);
        return;
    }
  });

  cluster.on('exit', (worker: Worker) => {
    for (const [sid, id] of sessionToWorker) if (id === worker.id) sessionToWorker.delete(sid);
    for (const socket of handing.get(worker.id) ?? []) socket.destroy();
    handing.delete(worker.id);
    for (const [id, relay] of relayed) {
      if (relay.worker !== worker.id) continue;
      relayed.delete(id);
      relay.socket.destroy();
    }
  });
}
