/**
 * Fan-out through the real server, over connections that negotiated compression: a small
 * batch of records reaches every socket of a room as one WebSocket frame, built once and
 * sent as it is, rather than compressed and framed again for each socket (server/src/fan-out.ts);
 * only messages of 16 kB or more are compressed (app.ts), and they arrive. And what a
 * connection keeps while it stays open: no compressor, one listener for all its events, and
 * nothing of its own where one function or object serves every connection.
 */
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { createRoom, useServer } from './harness';

type FrameOptions = { mask?: boolean; rsv1?: boolean };
/** ws's frame builder, which every frame the server sends goes through (its types do not declare it). */
const { Sender } = createRequire(import.meta.url)('ws') as { Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] } };

const env = useServer();

/** Counts the frames the server builds (unmasked: clients mask theirs), and those compressed (RSV1). */
function countServerFrames(): { built: number; compressed: number; stop(): void } {
  const original = Sender.frame;
  const counter = { built: 0, compressed: 0, stop: () => void (Sender.frame = original) };
  Sender.frame = function (this: unknown, data: Buffer, options: FrameOptions) {
    if (!options.mask) {
      counter.built++;
      if (options.rsv1) counter.compressed++;
    }
    return original.call(this, data, options);
  };
  return counter;
}

let counting: { stop(): void } | null = null;
afterEach(() => counting?.stop());

describe('fan-out', () => {
  it('frames a small batch of records once for a room of 21 sockets, uncompressed, compresses only a large one, and keeps no compressor and one listener per socket', async () => {
    const room = await createRoom(env.server.url);
    const teacher = env.client();
    await teacher.resume(room.instructorToken);
    for (let i = 0; i < 20; i++) expect((await env.client().join(room.code, `S${i}`)).ok).toBe(true);
    for (const c of env.clients) await c.until(() => c.lastSeq === 20, 'every join');
    const frames = countServerFrames();
    counting = frames;
    const student = env.clients[1]!;
    expect((await student.emit('node:propose', { value: 'Apple' })).ok).toBe(true);
    for (const c of env.clients) await c.until(() => c.lastSeq === 21, 'the proposal on every page');
    frames.stop();
    // One frame of records for the 21 sockets, and the proposer's ack.
    expect({ built: frames.built, compressed: frames.compressed }).toEqual({ built: 2, compressed: 0 });

    // A join's answer of 16 kB or more is compressed, the small broadcasts of that join are not.
    expect((await teacher.emit('bot:add', { count: 50 })).ok).toBe(true);
    for (const c of env.clients) await c.until(() => c.lastSeq === 71, 'the bots on every page');
    const large = countServerFrames();
    counting = large;
    const late = env.client();
    expect((await late.join(room.code, 'Late')).ok).toBe(true);
    large.stop();
    expect(JSON.stringify(late.session).length).toBeGreaterThan(16 * 1024);
    expect(large.compressed).toBe(1);
    // Its compressor is gone once the answer is out, and every socket has one listener of events and one of its closing.
    const sockets = [...env.server.app.io.sockets.sockets.values()];
    expect(sockets).toHaveLength(22);
    const compressors = sockets.filter((s) => (s.conn.transport as unknown as { socket: { _extensions: Record<string, { _deflate: unknown }> } }).socket._extensions['permessage-deflate']?._deflate);
    expect(compressors).toHaveLength(0);
    // ('error' is socket.io's own, a no-op.)
    for (const s of sockets) expect({ any: s.listenersAny().length, events: s.eventNames() }).toEqual({ any: 1, events: ['error', 'disconnect'] });
    for (const c of env.clients) await c.until(() => c.lastSeq === 72 && c.problems.length === 0, 'the join on every page');
  });

  it('what the server adds to each connection is one thing for all of them: the frame check, the compressing, the compression options; and no upgrade listener on a WebSocket', async () => {
    const room = await createRoom(env.server.url);
    for (let i = 0; i < 3; i++) expect((await env.client().join(room.code, `S${i}`)).ok).toBe(true);
    const { io } = env.server.app;
    const options = (io.engine as unknown as { opts: { perMessageDeflate: Record<string, unknown>; maxHttpBufferSize: number } }).opts;
    // The options ws copies for each connection are, with the two it adds, the server's own.
    expect(options.perMessageDeflate).toMatchObject({ isServer: true, maxPayload: options.maxHttpBufferSize });
    const sockets = [...io.sockets.sockets.values()];
    expect(sockets).toHaveLength(3);
    type Deflate = { _options: unknown; _compress: unknown; params: object };
    type Transport = { name: string; _canSendPreEncodedFrame: unknown; socket: { _extensions: Record<string, Deflate | undefined> } };
    const transports = sockets.map((s) => s.conn.transport as unknown as Transport);
    const deflates = transports.map((t) => t.socket._extensions['permessage-deflate']!);
    expect(transports.map((t) => t.name)).toEqual(['websocket', 'websocket', 'websocket']);
    expect(deflates.every(Boolean)).toBe(true);
    expect(new Set(transports.map((t) => t._canSendPreEncodedFrame)).size).toBe(1);
    expect(new Set(deflates.map((d) => d._compress)).size).toBe(1);
    for (const d of deflates) {
      expect(d._options).toBe(options.perMessageDeflate);
      // What the connection agreed on, as a plain object (ws parses it into a dictionary without a prototype).
      expect(Object.getPrototypeOf(d.params)).toBe(Object.prototype);
      expect(d.params).toMatchObject({ server_no_context_takeover: true, server_max_window_bits: 11, client_max_window_bits: 11 });
    }
    // A connection that starts as a WebSocket never upgrades: nothing listens for it.
    for (const s of sockets) expect(s.conn.listenerCount('upgrade')).toBe(0);
  });
});
