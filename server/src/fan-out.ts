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
 * This reaches into engine.io's WebSocket transport (`_canSendPreEncodedFrame`, the check it
 * makes itself) and ws's sender (`_state`, `_queue`) and permessage-deflate (`_compress`,
 * `_deflate`, `params`); tests/integration/fanout.test.ts fails if an upgrade changes them.
 */
import type { Server } from 'socket.io';

/** What this reads of ws's permessage-deflate extension of one connection. */
interface PerMessageDeflate {
  readonly params: Record<string, unknown>;
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

function sendFramesAsBuilt(transport: WebSocketTransport, thresholdBytes: number): void {
  if (typeof transport._canSendPreEncodedFrame !== 'function') return;
  transport._canSendPreEncodedFrame = (packet) => {
    const frame = packet.options?.wsPreEncodedFrame;
    const sender = transport.socket?._sender;
    return (
      frame !== undefined &&
      typeof sender?.sendFrame === 'function' &&
      frameBytes(frame) < thresholdBytes &&
      sender._state === SENDER_IDLE &&
      sender._queue.length === 0
    );
  };
}

function closeCompressorAfterEachMessage(transport: WebSocketTransport): void {
  const deflate = transport.socket?._extensions?.['permessage-deflate'];
  if (!deflate?.params.server_no_context_takeover || typeof deflate._compress !== 'function') return;
  const compress = deflate._compress;
  deflate._compress = function (this: PerMessageDeflate, data, fin, callback) {
    compress.call(this, data, fin, (error, result) => {
      if (fin && this._deflate) {
        this._deflate.close();
        this._deflate = null;
      }
      callback(error, result);
    });
  };
}

function tune(transport: WebSocketTransport, thresholdBytes: number): void {
  if (transport.name !== 'websocket') return;
  sendFramesAsBuilt(transport, thresholdBytes);
  closeCompressorAfterEachMessage(transport);
}

/**
 * Makes every WebSocket connection of `io` send broadcasts below `thresholdBytes` as the one
 * frame socket.io built, and keep no compressor between messages.
 */
export function tuneWebSockets(io: Pick<Server, 'engine'>, thresholdBytes: number): void {
  io.engine.on('connection', (socket: { transport: WebSocketTransport; on(event: 'upgrade', listener: (t: WebSocketTransport) => void): void }) => {
    tune(socket.transport, thresholdBytes);
    socket.on('upgrade', (transport) => tune(transport, thresholdBytes));
  });
}
