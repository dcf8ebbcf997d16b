/**
 * Joins are idempotent and clean: one session per socket, no node left behind
 * by a join whose connection is gone, offline observers that make room, and an instructor
 * who can remove anyone.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '@toy-paxos/server';
import { PROTOCOL_VERSION, type Ack, type RoomInfo } from '@toy-paxos/shared';
import { createRoom, startServer, useServer, type TestClient } from './harness';

const env = useServer();

async function instructor(code: string, token: string): Promise<TestClient> {
  const t = env.client();
  expect((await t.resume(token)).ok).toBe(true);
  return t;
}

function send(c: TestClient, event: string, payload: unknown): Promise<Ack<Record<string, unknown>>> {
  return new Promise((resolve) => c.socket.emit(event, payload, resolve));
}

describe('one session per socket', () => {
  it('a second room:join or room:resume sent before the first is answered is already-joined, and leaves no node', async () => {
    const room = await createRoom(env.server.url);
    const teacher = await instructor(room.code, room.instructorToken);
    const c = env.client();
    const join = { v: PROTOCOL_VERSION, code: room.code, name: 'Node', role: 'student' };
    const answers = await Promise.all([send(c, 'room:join', join), send(c, 'room:join', join), send(c, 'room:resume', { v: PROTOCOL_VERSION, token: room.instructorToken, lastSeq: 0 })]);
    expect(answers[0]).toMatchObject({ ok: true, session: { name: 'Node' } });
    expect(answers[1]).toMatchObject({ ok: false, error: { code: 'already-joined' } });
    expect(answers[2]).toMatchObject({ ok: false, error: { code: 'already-joined' } });
    expect(env.server.app.classroom.roomSummary(room.code)!.nodes).toBe(1);
    c.close();
    await teacher.until(() => teacher.presence!.participants.every((p) => p.role !== 'student' || !p.online), 'Node offline');
  });
});

describe('a join whose connection is gone before it is answered', () => {
  it('leaves no node behind: the retry with the same name gets that name, and the quorum counts only real nodes', async () => {
    const room = await createRoom(env.server.url);
    const teacher = await instructor(room.code, room.instructorToken);
    // The connection drops right after the server has read the join, while it is being committed.
    let drops = 1;
    env.server.app.io.on('connection', (s) => s.onAny((event: string) => event === 'room:join' && drops-- > 0 && setImmediate(() => s.conn.close())));
    const lost = env.client();
    lost.socket.emit('room:join', { v: PROTOCOL_VERSION, code: room.code, name: 'Ana', role: 'student' }, () => undefined);
    await new Promise<void>((resolve) => lost.socket.once('disconnect', () => resolve()));
    lost.close();
    await teacher.until(() => teacher.records.some((r) => r.event.type === 'nodeRemoved'), 'the lost join taken back');
    expect(env.server.app.classroom.roomSummary(room.code)!.nodes).toBe(0);
    const retry = env.client();
    expect(await retry.join(room.code, 'Ana')).toMatchObject({ ok: true, session: { name: 'Ana' } });
    expect(env.server.app.classroom.roomSummary(room.code)!.nodes).toBe(1);
    await teacher.until(() => teacher.presence!.participants.filter((p) => p.role === 'student').length === 1, 'one student listed');
  });
});

describe('a join made with a join id, as the web page makes it', () => {
  /** A server that takes back a join not confirmed 300 ms after its last connection closed. */
  async function quickServer(): Promise<void> {
    await env.server.close();
    env.server = await startServer({ limits: { ...DEFAULT_LIMITS, unconfirmedJoinGraceMs: 300 } });
  }
  const students = (t: TestClient) => (t.presence?.participants ?? []).filter((p) => p.role === 'student');

  it('that the page gave up on is the same node when the page retries: one node, one session, and it stands once confirmed', async () => {
    await quickServer();
    const room = await createRoom(env.server.url);
    const teacher = await instructor(room.code, room.instructorToken);
    // The server answers, but the page had given up on the answer and closed its connection.
    const gaveUp = env.client();
    const first = await gaveUp.join(room.code, 'Sol', 'student', 'sol-join-id-0123456789');
    expect(first.ok).toBe(true);
    const { node, token } = gaveUp.session!;
    gaveUp.close();
    await teacher.until(() => students(teacher).length === 1 && !students(teacher)[0]!.online, 'Sol offline');
    // Pressing Join again sends the same join id.
    const retry = env.client();
    const again = await retry.join(room.code, 'Sol', 'student', 'sol-join-id-0123456789');
    expect(again).toMatchObject({ ok: true, session: { name: 'Sol', node, token } });
    expect(env.server.app.classroom.roomSummary(room.code)!.nodes).toBe(1);
    expect(await send(retry, 'room:confirm', {})).toEqual({ ok: true, seqs: [] });
    retry.close();
    // Confirmed: its page closing is a student going offline, as ever, not a join taken back.
    await new Promise((r) => setTimeout(r, 600));
    expect(students(teacher).map((p) => p.name)).toEqual(['Sol']);
    expect(teacher.records.filter((r) => r.event.type === 'nodeAdded' || r.event.type === 'nodeRemoved').map((r) => r.event.type)).toEqual(['nodeAdded']);
  });

  it('is taken back when its connection closes before the answer, and when its page never confirms it', async () => {
    await quickServer();
    const room = await createRoom(env.server.url);
    const teacher = await instructor(room.code, room.instructorToken);
    let drops = 1;
    env.server.app.io.on('connection', (s) => s.onAny((event: string) => event === 'room:join' && drops-- > 0 && setImmediate(() => s.conn.close())));
    const lost = env.client();
    lost.socket.emit('room:join', { v: PROTOCOL_VERSION, code: room.code, name: 'Sol', role: 'student', joinId: 'sol-join-id-lost-000000' }, () => undefined);
    await new Promise<void>((resolve) => lost.socket.once('disconnect', () => resolve()));
    lost.close();
    await teacher.until(() => teacher.records.filter((r) => r.event.type === 'nodeRemoved').length === 1, 'the lost join taken back');
    expect(env.server.app.classroom.roomSummary(room.code)!.nodes).toBe(0);
    // Answered, but the page never says it has the answer: gone once its page is.
    const silent = env.client();
    expect((await silent.join(room.code, 'Sol', 'student', 'sol-join-id-silent-0000')).ok).toBe(true);
    silent.close();
    await teacher.until(() => teacher.records.filter((r) => r.event.type === 'nodeRemoved').length === 2, 'the join never confirmed taken back');
    expect(env.server.app.classroom.roomSummary(room.code)!.nodes).toBe(0);
    expect(students(teacher)).toEqual([]);
    // Its retry after that is a new join, with the name as typed.
    const retry = env.client();
    expect(await retry.join(room.code, 'Sol', 'student', 'sol-join-id-silent-0000')).toMatchObject({ ok: true, session: { name: 'Sol' } });
    expect(env.server.app.classroom.roomSummary(room.code)!.nodes).toBe(1);
  });
});

describe('observers', () => {
  it('60 projectors that each join and close again are all let in; offline ones make room', async () => {
    const room = await createRoom(env.server.url);
    const teacher = await instructor(room.code, room.instructorToken);
    const observersOnline = (info: RoomInfo | null) => (info?.participants ?? []).filter((p) => p.role === 'observer' && p.online).length;
    for (let i = 0; i < 60; i++) {
      const p = env.client();
      expect(await p.join(room.code, 'Projector', 'observer'), `join ${i + 1}`).toMatchObject({ ok: true });
      await teacher.until(() => observersOnline(teacher.presence) === 1, 'the projector online');
      p.close();
      await teacher.until(() => observersOnline(teacher.presence) === 0, 'the projector offline');
    }
    const listed = teacher.presence!.participants.filter((p) => p.role === 'observer').length;
    expect(listed).toBeLessThanOrEqual(50);
  });

  it('online observers still count: the 51st at once is room-full', async () => {
    const room = await createRoom(env.server.url);
    for (let i = 0; i < 50; i++) expect((await env.client().join(room.code, `P${i}`, 'observer')).ok).toBe(true);
    expect(await env.client().join(room.code, 'P50', 'observer')).toMatchObject({ ok: false, error: { code: 'room-full' } });
  });
});

describe('the instructor removes anyone', () => {
  it('an observer, by the id presence gives, and a student, by id or node', async () => {
    const room = await createRoom(env.server.url);
    const teacher = await instructor(room.code, room.instructorToken);
    const watcher = env.client();
    await watcher.join(room.code, 'Projector', 'observer');
    const ana = env.client();
    await ana.join(room.code, 'Ana');
    await teacher.until(() => teacher.presence!.participants.filter((p) => p.online).length === 3, 'three online');
    const byName = (name: string) => teacher.presence!.participants.find((p) => p.name === name)!;
    expect(byName('Projector').id).toMatch(/^[0-9a-f]{16}$/);
    expect(await teacher.emit('participant:remove', { id: byName('Projector').id })).toMatchObject({ ok: true, seqs: [] });
    await watcher.until(() => watcher.ended === 'removed', 'the observer removed');
    expect(await teacher.emit('participant:remove', { id: byName('Ana').id })).toMatchObject({ ok: true, seqs: [2] });
    await ana.until(() => ana.ended === 'removed', 'the student removed');
    await teacher.until(() => teacher.presence!.participants.length === 1, 'only the instructor left');
    expect(await teacher.emit('participant:remove', { id: byName('Instructor').id })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    // The replay link's viewer: removing it revokes the link, and the next share:create makes a new one.
    const { link } = (await teacher.emit('share:create', {})) as unknown as { link: string };
    const viewer = env.client();
    expect((await viewer.resume(link.split('#')[1]!)).ok).toBe(true);
    await teacher.until(() => teacher.presence!.participants.some((p) => p.role === 'viewer' && p.online), 'the viewer online');
    expect(await teacher.emit('participant:remove', { id: teacher.presence!.participants.find((p) => p.role === 'viewer')!.id })).toMatchObject({ ok: true, seqs: [] });
    await viewer.until(() => viewer.ended === 'revoked', 'the link revoked');
    expect((await teacher.emit('share:create', {})) as unknown as { link: string }).not.toMatchObject({ link });
    expect(await teacher.emit('participant:remove', { id: 'ffffffffffffffff' })).toMatchObject({ ok: false, error: { code: 'unknown-node' } });
    expect(await teacher.emit('participant:remove', { id: 'x', node: 'n1' })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
  });
});
