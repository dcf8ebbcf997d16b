/**
 * Fan-out through the real server, over connections that negotiated compression: a small
 * batch of records reaches every socket of a room as one WebSocket frame, built once and
 * sent as it is, rather than compressed and framed again for each socket (server/src/fan-out.ts);
 * only messages of 16 kB or more are compressed (app.ts), and they arrive. And what a
 * connection keeps while it stays open: no compressor, one listener for all its events.
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
});
