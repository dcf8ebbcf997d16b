/**
 * Sockets to the classroom server. They connect over WebSocket; where WebSocket cannot
 * get through (a school proxy that blocks it, say), they fall back to HTTP long-polling
 * and upgrade to WebSocket again when they can. Long-polling's code is loaded only for
 * that fallback: ../../lean-socket.ts keeps it out of the first page load.
 */
import { Manager, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { WebSocket } from 'engine.io-client';

export type SocketOptionsIn = Partial<ManagerOptions & SocketOptions>;

type Transport = typeof WebSocket;

/** Long-polling, once this page has needed it: later sockets start with it. */
let polling: Transport | null = null;
/** Loading long-polling's code: one download for every socket that needs it. */
let loading: Promise<Transport | null> | null = null;

function loadPolling(): Promise<Transport | null> {
  loading ??= import('engine.io-client/polling').then(
    ({ XHR }) => (polling = XHR as unknown as Transport),
    () => {
      // Without the code (the server is down, say), try again with the next socket.
      loading = null;
      return null;
    },
  );
  return loading;
}

/** Whether a socket's next attempts include long-polling, or it could not be loaded. */
const settled = new WeakSet<Socket>();

/**
 * Opens a socket. After a failed attempt, its next attempts start with long-polling.
 * A WebSocket that a proxy holds open without answering fails after 8 s, not socket.io's
 * default 20 s.
 */
export function connect(options: SocketOptionsIn): Socket {
  const opts = { timeout: 8000, ...options, transports: polling ? [polling, WebSocket] : [WebSocket] };
  // A connection of its own, as `io()` gave every socket of a page after its first (its cache
  // shares a connection between namespaces, and the classroom has one); `io` stays out of the
  // page's first script (../../lean-socket.ts).
  const socket = new Manager(opts).socket('/', opts);
  if (polling) settled.add(socket);
  else {
    socket.once('connect_error', () => {
      void loadPolling().then((XHR) => {
        if (XHR) socket.io.opts.transports = [XHR, WebSocket];
        settled.add(socket);
      });
    });
  }
  return socket;
}

/** True once a socket's attempts include long-polling (or it is known to be out of reach): its failures from then on are real. */
export function fallbackSettled(socket: Socket): boolean {
  return settled.has(socket);
}
