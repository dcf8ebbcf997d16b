/**
 * What a student joining a class of 40 downloads: after three rounds delivered in bulk
 * (queued delivery, each deliver-all of the notices 1,561 messages), the join's answer stays
 * under 150 kB, about 3 s on a phone's 400 kbit/s, and still shows the round just played.
 */
import { describe, expect, it } from 'vitest';
import { playBulkRounds } from '../support/bulk-rounds';
import { createRoom, useServer } from './harness';

const env = useServer();

describe('a join to a class of 40 after three rounds of deliver-alls', () => {
  it('answers with at most 150 kB, and they hold the whole round just played', async () => {
    const room = await createRoom(env.server.url);
    const teacher = env.client();
    expect((await teacher.resume(room.instructorToken)).ok).toBe(true);
    expect((await teacher.emit('bot:add', { count: 40 })).ok).toBe(true);
    expect((await teacher.emit('room:settings', { settings: { delivery: 'queued' } })).ok).toBe(true);
    await playBulkRounds((event, payload) => teacher.emit(event, payload), 3);
    const student = env.client();
    const ack = await student.join(room.code, 'Sol');
    expect(ack.ok).toBe(true);
    const bytes = Buffer.byteLength(JSON.stringify(ack));
    console.log(`a join to a class of 40 after three rounds: ${bytes.toLocaleString('en')} bytes, ${student.session!.records.length} records`);
    expect(bytes).toBeLessThanOrEqual(150_000);
    // The newest records after a base: the whole round just played (its bulk deliveries folded), up to the student's own join.
    // Before the deliver-alls were folded, one of them weighed 0.5 MB and the answer held only the join.
    const session = student.session!;
    expect(session.base).not.toBeNull();
    expect(session.records.at(-1)!.event).toMatchObject({ type: 'nodeAdded', name: 'Sol' });
    expect(session.records[0]!.event.type).toBe('roundStarted');
    expect(session.records.filter((r) => r.event.type === 'deliveredAll')).toHaveLength(4);
    expect(session.records.some((r) => r.folded !== undefined)).toBe(true);
  });
});
