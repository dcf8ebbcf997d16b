/**
 * Sockets to the classroom server. They connect over WebSocket; where WebSocket cannot
 * get through (a school proxy that blocks it, say), they fall back to HTTP long-polling
 * and upgrade to WebSocket again when they can. Long-polling's code is loaded only for
 * that fallback: ../../lean-socket.ts keeps it out of the first page load.
 */
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { WebSocket } from 'engine.io-client';

export type SocketOptionsIn = Partial<ManagerOptions & SocketOptions>;

/**
 * Opens a socket. After a first failed attempt, the socket's next attempts start with
 * long-polling. Give it reconnection attempts: the fallback is one of them.
 */
export function connect(options: SocketOptionsIn): Socket {
  const socket = io({ ...options, transports: [WebSocket] });
  socket.once('connect_error', () => {
    import('engine.io-client/polling').then(
      ({ XHR }) => {
        socket.io.opts.transports = [XHR, WebSocket];
      },
      // Without the code for long-polling, the socket keeps trying WebSocket alone.
      () => undefined,
    );
  });
  return socket;
}
