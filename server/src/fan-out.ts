/**
 * One encoding per broadcast. socket.io encodes a message to a room once, WebSocket frame
 * included, and engine.io writes that frame to every socket as it is; but only on
 * connections without permessage-deflate. With compression on (for messages of 16 kB or
 * more, app.ts), engine.io encodes and frames every broadcast again for each socket: a
 * room of 300 paid 300 encodings of each batch of records. A frame smaller than the
 * compression threshold is exactly what ws would send uncompressed, so it goes out as built,
 * unless the connection is still compressing an earlier message: then it waits in ws's queue,
 * in order, as before.
 *
 * This reaches into engine.io's WebSocket transport (`_canSendPreEncodedFrame`, the same
 * check it makes itself) and ws's sender (`_state`, `_queue`); tests/integration/fanout.test.ts
 * fails if an upgrade of either changes them.
 */
import type { Server } from 'socket.io';

/** What this reads of engine.io's WebSocket transport and of ws's sender. */
interface WebSocketTransport {
  readonly name: string;
  readonly socket?: { readonly _sender?: { readonly _state: number; readonly _queue: readonly unknown[]; sendFrame?: unknown } };
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
  if (transport.name !== 'websocket' || typeof transport._canSendPreEncodedFrame !== 'function') return;
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

/** Lets every WebSocket connection of `io` send broadcasts below `thresholdBytes` as the one frame socket.io built. */
export function encodeBroadcastsOnce(io: Pick<Server, 'engine'>, thresholdBytes: number): void {
  io.engine.on('connection', (socket: { transport: WebSocketTransport; on(event: 'upgrade', listener: (t: WebSocketTransport) => void): void }) => {
    sendFramesAsBuilt(socket.transport, thresholdBytes);
    socket.on('upgrade', (transport) => sendFramesAsBuilt(transport, thresholdBytes));
  });
}
