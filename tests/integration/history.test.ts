/**
 * A long room: a page gets the newest records and the state before them first, and older
 * events on demand (`room:history`). Everything a page folds or prints from the parts is
 * what it would have from the whole log.
 */
import { describe, expect, it } from 'vitest';
import { annotateEvents, fold, initialRoomState, RECENT_CHARS_MAX, RECENT_RECORDS, type HistoryEvent, type HistoryPage, type RoomState } from '@toy-paxos/shared';
import { DEFAULT_LIMITS } from '@toy-paxos/server';
import { startServer, textOf, useServer, type TestClient } from './harness';

const env = useServer();

/** 5 nodes, then 1,000 promise requests to all: 5,002 events, past four sealed chunks of the server's log. */
const SCRIPT = `nodes A B C D E\npropose A Apple\n${'promise A -> all\n'.repeat(1000)}`;
const LENGTH = 5 + 1 + 1000 * 5;

async function bigRoom(): Promise<{ code: string; instructorToken: string }> {
  const res = await fetch(`${env.server.url}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ import: { name: 'long.paxos', text: SCRIPT } }) });
  expect(res.status).toBe(201);
  return (await res.json()) as { code: string; instructorToken: string };
}

/** Bytes of every packet the client receives from now on. */
function countBytes(c: TestClient): () => number {
  let bytes = 0;
  c.socket.io.engine.on('packet', (p: { data?: unknown }) => {
    if (typeof p.data === 'string') bytes += Buffer.byteLength(p.data);
  });
  return () => bytes;
}

async function history(c: TestClient, payload: object): Promise<HistoryPage> {
  const ack = await c.emit('room:history', payload);
  if (!ack.ok) throw new Error(JSON.stringify(ack));
  return ack.history as HistoryPage;
}

/** Every event of the active timeline, fetched in pages without text. */
async function allEvents(c: TestClient, to: number): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  for (let from = 1; from <= to; from += 5000) events.push(...((await history(c, { from, to: Math.min(to, from + 4999) })).records as HistoryEvent[]));
  return events;
}

const json = (s: RoomState) => JSON.stringify(s);

describe('joining a long room', () => {
  it('sends the newest records after the state before them, not the whole log', async () => {
    const room = await bigRoom();
    const student = env.client();
    await student.until(() => student.socket.connected, 'the connection');
    const bytes = countBytes(student);
    const ack = await student.join(room.code, 'Zed');
    expect(ack.ok).toBe(true);
    // The whole log with its text was about 2.6 MB; the newest records and a state are a small part of it.
    expect(bytes()).toBeLessThan(300_000);
    const session = student.session!;
    // The newest RECENT_RECORDS, or fewer when they would weigh more than RECENT_CHARS_MAX (here, 174 of 690 characters each).
    const n = session.records.length;
    expect(n).toBeGreaterThan(100);
    expect(n).toBeLessThanOrEqual(RECENT_RECORDS);
    expect(session.records.reduce((c, r) => c + JSON.stringify(r).length, 0)).toBeLessThanOrEqual(RECENT_CHARS_MAX);
    expect(session.records.at(-1)!.seq).toBe(LENGTH + 1); // the student's own nodeAdded
    expect(session.base!.seq).toBe(LENGTH + 1 - n);

    // The base and the window fold to the state the whole log folds to.
    const events = await allEvents(student, LENGTH + 1);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: LENGTH + 1 }, (_, i) => i + 1));
    const whole = fold(initialRoomState(session.settings), events.map((e) => e.event));
    expect(json(fold(session.base!, session.records.map((r) => r.event)))).toBe(json(whole));
    expect(json(session.base!)).toBe(json(fold(initialRoomState(session.settings), events.slice(0, session.base!.seq).map((e) => e.event))));

    // The window's text is the shared core's, as a client annotating the whole log prints it.
    const annotated = annotateEvents(initialRoomState(session.settings), events.map((e) => e.event));
    expect(session.records.map((r) => r.lines)).toEqual(annotated.slice(-n).map((a) => a.lines));
    expect(session.records.map((r) => r.explanation)).toEqual(annotated.slice(-n).map((a) => a.explanation));

    // With text, a page of history is whole records, which join on to the window without a gap.
    await student.loadHistory();
    expect(student.records.map((r) => r.seq)).toEqual(Array.from({ length: LENGTH + 1 }, (_, i) => i + 1));
    expect(student.records.map((r) => r.lines)).toEqual(annotated.map((a) => a.lines));
    expect(student.problems).toEqual([]);
  });

  it('a room of long entries: a join or a resume sends only the newest that fit in RECENT_CHARS_MAX, after the state before them', async () => {
    // 300 nodes and eight rounds of requests to all delivered at once: entries of hundreds of lines each.
    const nodes = Array.from({ length: 6 }, (_, k) => `nodes ${Array.from({ length: 50 }, (_, i) => `N${k * 50 + i}`).join(' ')}\n`).join('');
    const script = `${nodes}${'propose N0 Apple\npromise N0 -> all\naccept N0 -> all\nround\n'.repeat(8)}`;
    const res = await fetch(`${env.server.url}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ import: { name: 'wide.paxos', text: script } }) });
    expect(res.status, await res.clone().text()).toBe(201);
    const room = (await res.json()) as { code: string; instructorToken: string };
    const teacher = env.client();
    expect((await teacher.resume(room.instructorToken)).ok).toBe(true);
    const session = teacher.session!;
    const chars = session.records.reduce((n, r) => n + JSON.stringify(r).length, 0);
    // Fewer than RECENT_RECORDS, as many as fit, and the newest: up to the log's end, after a base.
    expect(session.records.length).toBeLessThan(RECENT_RECORDS);
    expect(chars).toBeLessThanOrEqual(RECENT_CHARS_MAX);
    const last = session.records.at(-1)!.seq;
    expect(session.records.map((r) => r.seq)).toEqual(Array.from({ length: session.records.length }, (_, i) => last - session.records.length + 1 + i));
    expect(session.base!.seq).toBe(session.records[0]!.seq - 1);
    // One record more would not have fitted.
    const [before] = (await history(teacher, { from: session.base!.seq, to: session.base!.seq, text: true })).records as unknown as { seq: number }[];
    expect(chars + JSON.stringify(before).length).toBeGreaterThan(RECENT_CHARS_MAX);
    // The parts fold to the whole.
    const events = await allEvents(teacher, last);
    expect(json(fold(session.base!, session.records.map((r) => r.event)))).toBe(json(fold(initialRoomState(session.settings), events.map((e) => e.event))));
  });

  it('a page of history carries the state before it: folding it gives the state at its end', async () => {
    const room = await bigRoom();
    const viewer = env.client();
    await viewer.resume(room.instructorToken);
    const page = await history(viewer, { from: 2000, to: 2600 });
    expect(page.branch).toBe(0);
    expect(page.base.seq).toBe(1999);
    expect(page.records).toHaveLength(601);
    expect(page.records[0]).toEqual({ seq: 2000, at: expect.any(Number), event: expect.any(Object) });
    expect('lines' in page.records[0]!).toBe(false);
    const next = await history(viewer, { from: 2601, to: 2601 });
    expect(json(fold(page.base, page.records.map((r) => r.event)))).toBe(json(next.base));
  });

  it('a resume that missed many events gets a base; one that missed a few gets them all', async () => {
    const room = await bigRoom();
    const teacher = env.client();
    await teacher.resume(room.instructorToken);
    expect(teacher.session!.base!.seq).toBe(LENGTH - teacher.session!.records.length);
    const a = env.client();
    await a.join(room.code, 'Ann');
    await teacher.until(() => teacher.lastSeq === LENGTH + 1, 'the join');
    // Away for a few events: they follow on from what the client holds.
    a.close();
    for (let i = 0; i < 3; i++) expect((await teacher.emit('node:promise', { node: 'A', to: ['B'] })).ok).toBe(true);
    const back = env.client();
    back.records = a.records.slice();
    back.base = a.base;
    await back.resume(a.token!);
    expect(back.session!.base).toBeNull();
    expect(back.session!.records.map((r) => r.seq)).toEqual([LENGTH + 2, LENGTH + 3, LENGTH + 4]);
    const held = a.records.length;
    expect(back.records.map((r) => r.seq)).toEqual(Array.from({ length: held + 3 }, (_, i) => LENGTH + 2 - held + i));
    // Away for longer than the window (here: holding nothing): the newest records after a base again.
    const fresh = env.client();
    await fresh.resume(a.token!);
    expect(fresh.session!.records.length).toBeGreaterThan(100);
    expect(fresh.session!.base!.seq).toBe(LENGTH + 4 - fresh.session!.records.length);
    expect(fresh.problems).toEqual([]);
  });

  it('a fork of a long room sends every screen the branch as newest records after a base', async () => {
    const room = await bigRoom();
    const teacher = env.client();
    await teacher.resume(room.instructorToken);
    const watcher = env.client();
    await watcher.join(room.code, 'Wes', 'observer');
    expect((await teacher.emit('branch:fork', { seq: 3000, name: 'what if' })).ok).toBe(true);
    await watcher.until(() => watcher.timeline?.active === 1, 'the branch');
    const n = watcher.records.length;
    expect(n).toBeGreaterThan(100);
    expect(watcher.records.map((r) => r.seq)).toEqual(Array.from({ length: n }, (_, i) => 3000 - n + 1 + i));
    expect(watcher.base!.seq).toBe(3000 - n);
    const page = await history(watcher, { from: 1, to: 3000, text: false });
    expect(page.branch).toBe(1);
    expect(json(fold(watcher.base!, watcher.records.map((r) => r.event)))).toBe(json(fold(page.base, page.records.map((r) => r.event))));
  });

  it('after a restart, the text made again is the text sent before it', async () => {
    const room = await bigRoom();
    const before = env.client();
    await before.resume(room.instructorToken);
    await before.loadHistory();
    const text = textOf(before.records);
    before.close();
    await env.server.close();
    env.server = await startServer({}, env.server.dataDir);
    const after = env.client();
    await after.resume(room.instructorToken);
    await after.loadHistory();
    expect(textOf(after.records)).toBe(text);
  });
});

describe('room:history refuses what it cannot answer, and changes nothing', () => {
  it.each([
    [{ from: 0, to: 5 }, /Bad from/],
    [{ from: 7, to: 5 }, /from must not be after to/],
    [{ from: 1, to: 5001 }, /at most 5000 events/],
    [{ from: 1, to: 1001, text: true }, /1000 with text/],
    [{ from: 1.5, to: 5 }, /Bad from/],
    [{ from: 1, to: 5, text: 'yes' }, /Bad text/],
    [{ from: 1, to: 5, extra: 1 }, /extra/],
    [{ from: LENGTH, to: LENGTH + 1 }, new RegExp(`The log has ${LENGTH} events: ask for events up to ${LENGTH}`)],
  ])('%j', async (payload, message) => {
    const room = await bigRoom();
    const teacher = env.client();
    await teacher.resume(room.instructorToken);
    const ack = await teacher.emit('room:history', payload);
    expect(ack).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringMatching(message) } });
    expect(teacher.lastSeq).toBe(LENGTH);
  });

  it('costs the budget by its size: a page of 5,000 events takes 3 events of it', async () => {
    // A budget of 4 events that barely refills, so that what each page costs shows exactly.
    await env.server.close();
    env.server = await startServer({ limits: { ...DEFAULT_LIMITS, commandBurst: 4, commandsPerSecond: 0.01 } });
    const room = await bigRoom();
    const teacher = env.client();
    await teacher.resume(room.instructorToken);
    expect((await teacher.emit('room:history', { from: 1, to: 5000 })).ok).toBe(true); // 3 of 4
    expect(await teacher.emit('room:history', { from: 1, to: 5000 })).toMatchObject({
      ok: false,
      error: { code: 'rate-limited', message: 'Slow down: the earlier log comes at most 20 events (2 with text) a second. Try again in a moment.' },
    });
  });

  it('the whole server serves a bounded amount of history, whoever asks: a second reader waits', async () => {
    await env.server.close();
    env.server = await startServer({ limits: { ...DEFAULT_LIMITS, historyBurst: 3, historyPerSecond: 0.01 } });
    const room = await bigRoom();
    const [a, b] = [env.client(), env.client()];
    await a.join(room.code, 'Ann', 'observer');
    await b.join(room.code, 'Bea', 'observer');
    expect((await a.emit('room:history', { from: 1, to: 5000 })).ok).toBe(true); // all 3 shares
    expect(await b.emit('room:history', { from: 1, to: 10 })).toMatchObject({
      ok: false,
      error: { code: 'rate-limited', message: 'The server is busy sending earlier parts of logs: try again in a moment.' },
    });
    // Refused before it cost the reader more than the event itself: its own budget still has 19 of 20.
    const own = await Promise.all(Array.from({ length: 19 }, () => b.emit('room:settings', { settings: {} })));
    expect(own.every((ack) => ack.ok === false && (ack.error as { code: string }).code === 'forbidden')).toBe(true);
  });

  it('a flood of whole pages is slowed down with the rest of the budget', async () => {
    const room = await bigRoom();
    const teacher = env.client();
    await teacher.resume(room.instructorToken);
    // 20 events of budget: at one each, all 12 would pass; at 3 each, 6 do, and a few more as the budget refills meanwhile.
    const acks = await Promise.all(Array.from({ length: 12 }, () => teacher.emit('room:history', { from: 1, to: 5000 })));
    expect(acks.filter((a) => a.ok).length).toBeGreaterThanOrEqual(6);
    expect(acks.filter((a) => a.ok).length).toBeLessThanOrEqual(9);
    // Refused by the person's budget or the server's, whichever ran out first.
    for (const refused of acks.filter((a) => !a.ok)) expect(refused).toMatchObject({ error: { code: 'rate-limited', message: expect.stringMatching(/^(Slow down: |The server is busy sending earlier parts of logs)/) } });
  });

  it('an empty log has no history, and an unknown key is quoted a line at most', async () => {
    const res = await fetch(`${env.server.url}/api/rooms`, { method: 'POST' });
    const room = (await res.json()) as { instructorToken: string };
    const teacher = env.client();
    await teacher.resume(room.instructorToken);
    expect(await teacher.emit('room:history', { from: 1, to: 1 })).toMatchObject({ ok: false, error: { code: 'bad-request', message: 'The log has no events yet: there is no history to fetch.' } });
    const ack = await teacher.emit('room:history', { from: 1, to: 1, ['k'.repeat(15_000)]: 1 });
    expect(ack).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringMatching(/^Bad payload: Unrecognized key: "k+…\.$/) } });
    expect((ack.error as { message: string }).message.length).toBeLessThan(260);
  });

  it('needs a session, and any role may read', async () => {
    const room = await bigRoom();
    const stranger = env.client();
    await stranger.until(() => stranger.socket.connected, 'the connection');
    expect(await stranger.emit('room:history', { from: 1, to: 5 })).toMatchObject({ ok: false, error: { code: 'not-joined' } });
    const teacher = env.client();
    await teacher.resume(room.instructorToken);
    const link = ((await teacher.emit('share:create', {})) as { link?: string }).link!;
    const viewer = env.client();
    expect((await viewer.resume(link.split('#')[1]!)).ok).toBe(true);
    expect((await history(viewer, { from: 1, to: 5 })).records).toHaveLength(5);
    const watcher = env.client();
    await watcher.join(room.code, 'Projector', 'observer');
    expect((await history(watcher, { from: 1, to: 5, text: true })).records[0]).toMatchObject({ seq: 1, lines: ['JOIN A'] });
  });
});
