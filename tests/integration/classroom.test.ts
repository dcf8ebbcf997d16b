import { describe, expect, it } from 'vitest';
import { fold, initialRoomState, annotate, apply, cloneRoomState, DEFAULT_SETTINGS, PROTOCOL_VERSION } from '@toy-paxos/shared';
import * as wire from '@toy-paxos/shared/wire';
import { createRoom, textOf, useServer, type TestClient } from './harness';

const env = useServer();

describe('a class reaches consensus', () => {
  it('an instructor and five students reach consensus, and every client ends with the identical log', async () => {
    const room = await createRoom(env.server.url);
    const instructor = env.client();
    expect((await instructor.resume(room.instructorToken)).ok).toBe(true);
    expect(instructor.session!.role).toBe('instructor');

    const students = ['Ana', 'Bo', 'Cy', 'Di', 'Ed'].map(() => env.client());
    for (const [i, s] of students.entries()) {
      const ack = await s.join(room.code.toLowerCase(), ['Ana', 'Bo', 'Cy', 'Di', 'Ed'][i]!);
      expect(ack).toMatchObject({ ok: true });
    }
    const [ana, bo] = students as [TestClient, TestClient];
    expect(ana.session!.node).toBe('n1');

    expect(await ana.emit('node:propose', { value: 'Apple' })).toMatchObject({ ok: true, seqs: [6] });
    const promised = await ana.emit('node:promise', { to: 'all' });
    expect(promised).toMatchObject({ ok: true });
    // Bo hears of Ana's ballot, so its own proposal is higher and wins the promises.
    expect((await bo.emit('node:propose', { value: 'Mango' })).ok).toBe(true);
    expect((await bo.emit('node:promise', { to: 'all' })).ok).toBe(true);
    expect((await bo.emit('node:accept', { to: 'all' })).ok).toBe(true);

    const total = instructor.lastSeq;
    for (const c of [instructor, ...students]) await c.until(() => c.lastSeq === total, 'every record');
    const expected = textOf(instructor.records);
    for (const c of students) {
      expect(textOf(c.records)).toBe(expected);
      expect(c.problems).toEqual([]);
    }
    expect(expected).toContain('    > [ACC] Accept(2.Bo, Mango), Bo(acceptors: 3, quorum_size: 3, choice: Mango)');

    // The records are the shared core's own text: annotating the events here gives the same lines.
    let state = initialRoomState(DEFAULT_SETTINGS);
    for (const r of instructor.records) {
      const next = cloneRoomState(state);
      apply(next, r.event);
      expect(annotate(state, r.event, next).lines).toEqual(r.lines);
      state = next;
    }
    expect(fold(initialRoomState(), instructor.records.map((r) => r.event)).nodes.n2!.choice).toBe('Mango');
  });

  it('refuses what the protocol forbids with the core explanation, to the sender alone', async () => {
    const room = await createRoom(env.server.url);
    const [a, b] = [env.client(), env.client()];
    await a.join(room.code, 'Ana');
    await b.join(room.code, 'Bo');
    await a.emit('node:propose', { value: 'Apple' });
    const ack = await a.emit('node:accept', { to: 'all' });
    expect(ack).toEqual({
      ok: false,
      error: {
        code: 'no-promise-quorum',
        message: expect.stringContaining('Ana has 0 of the 2 promises it needs'),
      },
    });
    expect(a.lastSeq).toBe(3);
  });
});

describe('refusals', () => {
  it('a student cannot act as another node', async () => {
    const room = await createRoom(env.server.url);
    const [a, b] = [env.client(), env.client()];
    await a.join(room.code, 'Ana');
    await b.join(room.code, 'Bo');
    const seq = a.lastSeq;
    expect(await a.emit('node:propose', { node: 'n2', value: 'Apple' })).toEqual({
      ok: false,
      error: { code: 'forbidden', message: 'You control Ana; you cannot act for another node.' },
    });
    expect(env.server.app.classroom.roomSummary(room.code)!.nodes).toBe(2);
    expect(a.lastSeq).toBe(seq);
  });

  it('a student or an observer cannot send instructor commands', async () => {
    const room = await createRoom(env.server.url);
    const [a, o] = [env.client(), env.client()];
    await a.join(room.code, 'Ana');
    await o.join(room.code, 'Projector', 'observer');
    for (const [event, payload] of [
      ['node:crash', { node: 'n1' }],
      ['room:settings', { settings: { delivery: 'queued' } }],
      ['room:lock', { locked: true }],
      ['participant:remove', { node: 'n1' }],
    ] as const) {
      expect(await a.emit(event, payload)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    expect(await o.emit('node:propose', { value: 'x' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(env.server.app.classroom.roomSummary(room.code)).toEqual({ code: room.code, title: null, locked: false, nodes: 1 });
  });

  it('malformed and unknown payloads get bad-request or unknown-event, naming the problem', async () => {
    const room = await createRoom(env.server.url);
    const a = env.client();
    await a.join(room.code, 'Ana');
    expect(await a.emit('node:propose', { value: 42 })).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringMatching(/^Bad value:/) } });
    expect(await a.emit('node:promise', { to: 'all', extra: 1 })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await a.emit('node:promise', 'all')).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await a.emit('node:answer', { id: -1, yes: true })).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringMatching(/^Bad id:/) } });
    expect(await a.emit('room:join', { v: 99, code: room.code, name: 'x', role: 'student' })).toMatchObject({
      ok: false,
      error: { code: 'protocol-version', message: expect.stringContaining('reload the page') },
    });
    // The version as text, or none: the answer says what was sent and what to send.
    expect(await a.emit('room:resume', { v: String(PROTOCOL_VERSION), token: 'x' })).toEqual({
      ok: false,
      error: { code: 'protocol-version', message: `This server speaks protocol version ${PROTOCOL_VERSION}, not the text "${PROTOCOL_VERSION}": "v" is the number ${PROTOCOL_VERSION}. Reload the page to get the current client.` },
    });
    expect(await a.emit('room:join', { code: room.code, name: 'x', role: 'student' })).toMatchObject({ ok: false, error: { code: 'protocol-version', message: expect.stringContaining(`has no "v": send "v": ${PROTOCOL_VERSION}`) } });
    // A payload that is not an object (binary data, an array) is named, not taken apart key by key.
    expect(await a.emit('node:propose', Buffer.from('Apple'))).toEqual({ ok: false, error: { code: 'bad-request', message: 'node:propose takes one payload object ({...} in JSON), not binary data.' } });
    expect(await a.emit('node:propose', ['Apple'])).toEqual({ ok: false, error: { code: 'bad-request', message: 'node:propose takes one payload object ({...} in JSON), not an array.' } });
    expect(await a.emit('room:join', { v: PROTOCOL_VERSION, code: room.code, name: 'x'.repeat(33), role: 'student' })).toMatchObject({
      ok: false,
      error: { code: 'bad-request', message: 'Bad name: a name has at most 32 characters.' },
    });
    expect(await a.emit('admin:shutdown', {})).toEqual({ ok: false, error: { code: 'unknown-event', message: 'There is no event "admin:shutdown" in this protocol.' } });
    expect(a.lastSeq).toBe(1);
    expect(env.server.app.classroom.roomSummary(room.code)!.nodes).toBe(1);
  });

  it('commands before joining are refused with not-joined', async () => {
    const a = env.client();
    expect(await a.emit('node:propose', { value: 'x' })).toMatchObject({ ok: false, error: { code: 'not-joined' } });
    // Before a session, nothing but a join or a resume is read: not even a payload that would not pass.
    expect(await a.emit('node:propose', { value: 'a'.repeat(15_000) })).toEqual({ ok: false, error: { code: 'not-joined', message: 'Join a room first (room:join or room:resume).' } });
    expect(await a.emit('checkpoint:open', { spec: { kind: 'free', prompt: 'a'.repeat(15_000), options: [] } })).toMatchObject({ ok: false, error: { code: 'not-joined' } });
    // A student's too-long value is refused for its length, and changes nothing.
    expect((await a.join((await createRoom(env.server.url)).code, 'Ana')).ok).toBe(true);
    const seq = a.lastSeq;
    expect(await a.emit('node:propose', { value: 'a'.repeat(15_000) })).toEqual({ ok: false, error: { code: 'bad-request', message: 'Bad value: a value has at most 24 characters.' } });
    expect(a.lastSeq).toBe(seq);
  });

  it('an oversized payload closes that connection and changes nothing; the server goes on', async () => {
    const room = await createRoom(env.server.url);
    const a = env.client();
    await a.join(room.code, 'Ana');
    const closed = new Promise<string>((resolve) => a.socket.on('disconnect', (reason) => resolve(reason)));
    a.socket.emit('node:propose', { value: 'x'.repeat(20_000) });
    expect(await closed).toBe('transport close');
    const b = env.client();
    expect((await b.join(room.code, 'Bo')).ok).toBe(true);
    expect(b.records.map((r) => r.event.type)).toEqual(['nodeAdded', 'nodeAdded']);
  });

  it('a foreign Origin is rejected on polling and on websocket', async () => {
    for (const transports of [['polling'], ['websocket']]) {
      const c = env.client({ origin: 'http://evil.example', transports });
      const error = await new Promise<Error>((resolve) => c.socket.on('connect_error', resolve));
      expect(error.message).toMatch(/xhr poll error|websocket error/);
      expect(c.socket.connected).toBe(false);
    }
    const ok = env.client({ origin: 'http://localhost:3000', transports: ['polling'] });
    await ok.until(() => ok.socket.connected, 'an allowed origin to connect');
  });

  it('a bad token is refused with bad-token', async () => {
    const a = env.client();
    expect(await a.emit('room:resume', { v: PROTOCOL_VERSION, token: 'x'.repeat(43), lastSeq: 0 })).toMatchObject({ ok: false, error: { code: 'bad-token' } });
  });

  it('a wrong room code says so, and a locked room keeps newcomers out', async () => {
    const room = await createRoom(env.server.url);
    const teacher = env.client();
    await teacher.resume(room.instructorToken);
    expect(await env.client().join('ZZZZZZ', 'Ana')).toMatchObject({ ok: false, error: { code: 'room-not-found' } });
    expect(await teacher.emit('room:lock', { locked: true })).toEqual({ ok: true, seqs: [] });
    expect(await env.client().join(room.code, 'Ana')).toMatchObject({ ok: false, error: { code: 'room-locked' } });
  });

  it('rate-limits a flooding socket with a clear error', async () => {
    const room = await createRoom(env.server.url);
    const a = env.client();
    await a.join(room.code, 'Ana');
    const acks = await Promise.all(Array.from({ length: 40 }, () => a.emit('node:propose', { value: 'x' })));
    const limited = acks.filter((x) => !x.ok);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]).toMatchObject({ error: { code: 'rate-limited', message: expect.stringContaining('Slow down') } });
  });
});

describe('sessions that survive real classrooms', () => {
  it('a reconnect restores the node and resyncs with no gaps and no duplicates', async () => {
    const room = await createRoom(env.server.url);
    const [a, b] = [env.client(), env.client()];
    await a.join(room.code, 'Ana');
    await b.join(room.code, 'Bo');
    await b.until(() => b.presence?.participants.filter((p) => p.online).length === 2, 'both online');

    // Ana's connection drops; Bo keeps acting while she is away.
    a.socket.io.engine.close();
    await b.until(() => b.presence?.participants.find((p) => p.node === 'n1')?.online === false, 'Ana shown offline');
    expect(b.presence!.participants.map((p) => p.node)).toContain('n1'); // offline, not removed
    await b.emit('node:propose', { value: 'Mango' });
    await b.emit('node:promise', { to: 'all' });

    await a.until(() => a.lastSeq === b.lastSeq, 'Ana to resync');
    expect(a.session!.node).toBe('n1');
    expect(a.problems).toEqual([]);
    expect(textOf(a.records)).toBe(textOf(b.records));
    expect((await a.emit('node:propose', { value: 'Apple' })).ok).toBe(true);
  });

  it('a refresh (new connection, same token) gets the same node back', async () => {
    const room = await createRoom(env.server.url);
    const a = env.client();
    await a.join(room.code, 'Ana');
    const token = a.token!;
    a.close();
    const again = env.client();
    const ack = await again.resume(token);
    expect(ack).toMatchObject({ ok: true, session: { node: 'n1', name: 'Ana', role: 'student' } });
    expect(again.records).toHaveLength(1);
  });

  it('the instructor renames and removes participants; a removed student is told and cannot come back with the token', async () => {
    const room = await createRoom(env.server.url);
    const teacher = env.client();
    await teacher.resume(room.instructorToken);
    const [a, b] = [env.client(), env.client()];
    await a.join(room.code, 'Ana');
    await b.join(room.code, 'Ana'); // same name: made unique
    expect(b.session!.name).toBe('Ana 2');
    expect(await teacher.emit('participant:rename', { node: 'n2', name: 'all' })).toMatchObject({ ok: false, error: { code: 'bad-name' } });
    expect((await teacher.emit('participant:rename', { node: 'n2', name: 'Bea' })).ok).toBe(true);
    await b.until(() => b.records.at(-1)?.lines[0] === 'RENAME Ana 2 -> Bea', 'the rename');
    expect((await teacher.emit('participant:remove', { node: 'n1' })).ok).toBe(true);
    await a.until(() => a.ended === 'removed', 'the removal notice');
    const back = env.client();
    expect(await back.resume(a.token!)).toMatchObject({ ok: false, error: { code: 'bad-token' } });
    expect((await teacher.emit('bot:add', {})).ok).toBe(true);
    expect((await teacher.emit('bot:add', {})).ok).toBe(true);
    await teacher.until(() => teacher.presence?.participants.filter((p) => p.role === 'bot').length === 2, 'the bots');
    const bots = () => teacher.presence!.participants.filter((p) => p.role === 'bot');
    expect(bots().map((p) => p.name)).toEqual(['Bot 1', 'Bot 2']);
    // The first free number is taken again: no "Bot 2 2".
    expect((await teacher.emit('participant:remove', { node: bots()[0]!.node })).ok).toBe(true);
    expect((await teacher.emit('bot:add', {})).ok).toBe(true);
    await teacher.until(() => bots().length === 2 && bots().some((p) => p.name === 'Bot 1'), 'the new bot');
  });
});

describe("the web page's socket", () => {
  it('speaks to the server with the JSON-only parser, over WebSocket and over long-polling', async () => {
    const room = await createRoom(env.server.url);
    const clients = ['websocket', 'polling'].map((transport) => env.client({ transports: [transport], parser: wire }));
    const [ws, polling] = clients as [TestClient, TestClient];
    for (const c of clients) expect((c.socket.io as unknown as { encoder: unknown }).encoder).toBeInstanceOf(wire.Encoder);
    expect(await ws.join(room.code, 'Ana')).toMatchObject({ ok: true });
    expect(await polling.join(room.code, 'Bo')).toMatchObject({ ok: true });
    expect(polling.socket.io.engine.transport.name).toBe('polling');
    expect(await ws.emit('node:propose', { value: 'Apple' })).toMatchObject({ ok: true });
    expect(await polling.emit('node:accept', { to: 'all' })).toMatchObject({ ok: false, error: { code: 'no-proposal' } });
    await polling.until(() => polling.lastSeq === ws.lastSeq && ws.lastSeq === 3, 'the proposal');
    expect(textOf(polling.records)).toBe(textOf(ws.records));
    expect(textOf(ws.records)).toContain('NEW Proposal from Ana');
  });
});
