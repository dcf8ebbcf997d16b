/** The instructor's network controls at class scale, over real sockets: one command, one record, every screen the same. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '@toy-paxos/server';
import { createRoom, startServer, TestClient, useServer } from './harness';

const env = useServer();

describe('network controls at class scale', () => {
  it('a round of 12 nodes in a handful of commands: deliver all, partition, heal all', async () => {
    const room = await createRoom(env.server.url);
    const teacher = env.client();
    expect((await teacher.resume(room.instructorToken)).ok).toBe(true);
    expect((await teacher.emit('room:settings', { settings: { delivery: 'queued' } })).ok).toBe(true);
    // Eleven bots in one command: Bot 1 to Bot 11, one record each, one presence.
    const added = await teacher.emit('bot:add', { count: 11 });
    expect(added).toMatchObject({ ok: true, seqs: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] });
    await teacher.until(() => teacher.presence?.participants.filter((p) => p.role === 'bot').length === 11, 'eleven bots');
    expect(teacher.presence!.participants.filter((p) => p.role === 'bot').map((p) => p.name)).toEqual(Array.from({ length: 11 }, (_, i) => `Bot ${i + 1}`));
    const student = env.client();
    expect((await student.join(room.code, 'Ana')).ok).toBe(true);

    expect((await student.emit('node:propose', { value: 'Apple' })).ok).toBe(true);
    expect((await student.emit('node:promise', { to: 'all' })).ok).toBe(true);
    const first = await teacher.emit('net:deliverAll', { random: true });
    expect(first).toMatchObject({ ok: true, seqs: [expect.any(Number)] });
    await teacher.until(() => teacher.records.at(-1)?.event.type === 'deliveredAll', 'the bulk delivery');
    const record = teacher.records.at(-1)!;
    expect(record.lines[0]).toMatch(/^NETWORK deliver all in random order \(seed \d+\): 12 messages$/);
    expect((await teacher.emit('net:deliverAll', {})).ok).toBe(true);
    expect((await student.emit('node:accept', { to: 'all' })).ok).toBe(true);
    expect((await teacher.emit('net:deliverAll', {})).ok).toBe(true);
    expect((await teacher.emit('net:deliverAll', { to: 'n12' })).ok).toBe(true);
    await student.until(() => student.records.some((r) => r.chosen.some((c) => c.value === 'Apple')), 'Apple chosen');
    // Every acceptor told every other node: the notices to the bots are still in flight.
    expect((await teacher.emit('net:deliverAll', {})).ok).toBe(true);

    const halves = [['n1', 'n2', 'n3', 'n4', 'n5', 'n6'], ['n7', 'n8', 'n9', 'n10', 'n11', 'n12']];
    expect((await teacher.emit('net:partition', { groups: halves })).ok).toBe(true);
    await teacher.until(() => teacher.records.at(-1)?.event.type === 'partitioned', 'the partition');
    expect(teacher.records.at(-1)!.lines).toEqual(['NETWORK partition Bot 1 Bot 2 Bot 3 Bot 4 Bot 5 Bot 6 | Bot 7 Bot 8 Bot 9 Bot 10 Bot 11 Ana: 36 links cut']);
    expect((await teacher.emit('net:healAll', {})).ok).toBe(true);
    expect(await teacher.emit('net:healAll', {})).toEqual({ ok: false, error: { code: 'not-cut', message: 'No link is cut: there is nothing to heal.' } });
    expect(await teacher.emit('net:dropAll', {})).toEqual({ ok: false, error: { code: 'nothing-in-flight', message: 'No message is in flight: there is nothing to drop.' } });
  });

  it('adds bots up to the room limit, all or none', async () => {
    const s = await startServer({ limits: { ...DEFAULT_LIMITS, nodesPerRoomMax: 12 } });
    try {
      const room = await createRoom(s.url);
      const teacher = new TestClient(s.url);
      await teacher.resume(room.instructorToken);
      expect((await teacher.emit('bot:add', { count: 10 })).ok).toBe(true);
      expect(await teacher.emit('bot:add', { count: 3 })).toEqual({ ok: false, error: { code: 'room-full', message: 'This room has 10 nodes and holds at most 12: add at most 2.' } });
      expect(await teacher.emit('bot:add', { name: 'Rex', count: 2 })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
      expect((await teacher.emit('bot:add', { count: 2 })).ok).toBe(true);
      expect(s.app.classroom.roomSummary(room.code)!.nodes).toBe(12);
      teacher.close();
    } finally {
      await s.close();
    }
  });

  it('only the instructor may use them, and a bad payload changes nothing', async () => {
    const room = await createRoom(env.server.url);
    const teacher = env.client();
    await teacher.resume(room.instructorToken);
    const student = env.client();
    await student.join(room.code, 'Bo');
    expect(await student.emit('net:deliverAll', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const before = teacher.lastSeq;
    for (const payload of [{ groups: [['n1']] }, { groups: 'all' }, { groups: [['n1'], []] }, { groups: [['n1'], ['n1']] }, {}]) {
      const ack = await teacher.emit('net:partition', payload);
      expect(ack.ok, JSON.stringify(payload)).toBe(false);
    }
    expect(await teacher.emit('net:deliverAll', { random: 'yes' })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await teacher.emit('net:dropAll', { from: 'n9' })).toMatchObject({ ok: false, error: { code: 'unknown-node' } });
    expect(teacher.lastSeq).toBe(before);
  });
});
