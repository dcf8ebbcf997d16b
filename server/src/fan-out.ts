/**
 * What each WebSocket connection costs, per broadcast and while it stays open.
 *
 * One encoding per broadcast. socket.io encodes a message to a room once, WebSocket frame
 * included, and engine.io writes that frame to every socket as it is; but only on
 * connections without permessage-deflate. With compression on (for messages of 16 kB or
 * more, app.ts), engine.io encoded and framed every broadcast again for each socket: a room
 * of 300 paid 300 encodings of each batch of records. A frame smaller than the compression
 * threshold is exactly what ws would send uncompressed, so it goes out as built, unless the
 * connection is still compressing an earlier message: then it waits in ws's queue, in order,
 * as before.
 *
 * No compressor kept. Without context takeover (app.ts), each compressed message starts from
 * nothing, so a connection's compressor is worth nothing between messages; zlib holds about
 * 90 kB for one (and its 16 kB output buffer), which every page kept from its join's answer
 * on. It is closed after each message; the rare next large one makes a new one.
 *
 * One for all. What replaces engine.io's and ws's own is one function shared by every
 * connection, not a closure per connection, and every connection uses the server's compression
 * options rather than a copy: a class of hundreds keeps none of them per page.
 *
 * This reaches into engine.io's WebSocket transport (`_canSendPreEncodedFrame`, the check it
 * makes itself) and ws's sender (`_state`, `_queue`) and permessage-deflate (`_compress`,
 * `_deflate`, `params`, `_options`); tests/integration/fanout.test.ts fails if an upgrade changes them.
 */
import type { Server } from 'socket.io';

/** What this reads of ws's permessage-deflate extension of one connection. */
interface PerMessageDeflate {
  params: Record<string, unknown>;
  _options: object;
  _deflate: { close(): void } | null;
  _compress(data: unknown, fin: boolean, callback: (error: Error | null, result?: Buffer) => void): void;
}

/** What this reads of engine.io's WebSocket transport and of its ws connection. */
interface WebSocketTransport {
  readonly name: string;
  readonly socket?: {
    readonly _sender?: { readonly _state: number; readonly _queue: readonly unknown[]; sendFrame?: unknown };
    readonly _extensions?: { readonly 'permessage-deflate'?: PerMessageDeflate };
  };
  _canSendPreEncodedFrame(packet: { options?: { wsPreEncodedFrame?: readonly Buffer[] } }): boolean;
}

/** ws's sender state when it is compressing nothing and has nothing queued. */
const SENDER_IDLE = 0;

function frameBytes(frame: readonly Buffer[]): number {
  let n = 0;
  for (const part of frame) n += part.length;
  return n;
}

/**
 * Whether a packet's frame goes out as socket.io built it: the transport's own check, made
 * for every connection by one function (the transport is `this`), not by a closure each.
 */
function sendsAsBuilt(thresholdBytes: number): WebSocketTransport['_canSendPreEncodedFrame'] {
  return function (this: WebSocketTransport, packet) {
    const frame = packet.options?.wsPreEncodedFrame;
    const sender = this.socket?._sender;
    return (
      frame !== undefined &&
      typeof sender?.sendFrame === 'function' &&
      frameBytes(frame) < thresholdBytes &&
      sender._state === SENDER_IDLE &&
      sender._queue.length === 0
    );
  };
}

/** ws's compressing of one message, then the compressor is closed once the message is whole; shared by every connection (`this`). */
function compressThenClose(this: PerMessageDeflate, data: unknown, fin: boolean, callback: (error: Error | null, result?: Buffer) => void): void {
  const compress = (Object.getPrototypeOf(this) as PerMessageDeflate)._compress;
  compress.call(this, data, fin, (error, result) => {
    if (fin && this._deflate) {
      this._deflate.close();
      this._deflate = null;
    }
    callback(error, result);
  });
}

/** What every connection shares: its check for frames sent as built, and its compression options. */
interface Shared {
  readonly canSend: WebSocketTransport['_canSendPreEncodedFrame'];
  readonly compression: object | undefined;
}

function tune(transport: WebSocketTransport, shared: Shared): void {
  if (transport.name !== 'websocket') return;
  if (typeof transport._canSendPreEncodedFrame === 'function') transport._canSendPreEncodedFrame = shared.canSend;
  const deflate = transport.socket?._extensions?.['permessage-deflate'];
  if (!deflate) return;
  // ws made each connection a copy of the server's options, equal to them (app.ts): the
  // connection uses the server's. The parameters it agreed on are a dictionary as ws parsed
  // them (some 180 bytes); a plain object holds them in a quarter of that.
  if (shared.compression) deflate._options = shared.compression;
  deflate.params = { ...deflate.params };
  if (deflate.params.server_no_context_takeover && typeof deflate._compress === 'function') deflate._compress = compressThenClose;
}

/**
 * Makes every WebSocket connection of `io` send broadcasts below `thresholdBytes` as the one
 * frame socket.io built, and keep no compressor between messages.
 */
export function tuneWebSockets(io: Pick<Server, 'engine'>, thresholdBytes: number): void {
  const { perMessageDeflate } = (io.engine as unknown as { opts: { perMessageDeflate?: object | boolean } }).opts;
  const shared: Shared = { canSend: sendsAsBuilt(thresholdBytes), compression: typeof perMessageDeflate === 'object' ? perMessageDeflate : undefined };
  const upgraded = (transport: WebSocketTransport) => tune(transport, shared);
  io.engine.on('connection', (socket: { transport: WebSocketTransport; on(event: 'upgrade', listener: (t: WebSocketTransport) => void): void }) => {
    tune(socket.transport, shared);
    // Only a connection that starts by polling upgrades (to a WebSocket); one that starts as a
    // WebSocket stays one, and keeps no listener for it.
    if (socket.transport.name === 'polling') socket.on('upgrade', upgraded);
  });
}
