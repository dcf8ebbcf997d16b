/**
 * Limits per person, not per socket: one budget per session token shared by its
 * sockets, at most five sockets per session, a cut-off for a socket that keeps going past
 * its budget, and a cap on how fast one member (and a room) may grow the log.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '@toy-paxos/server';
import { createRoom, startServer, TestClient, type TestServer } from './harness';

const servers: TestServer[] = [];
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.close();
});
async function server(limits: Partial<typeof DEFAULT_LIMITS> = {}): Promise<TestServer> {
  const s = await startServer({ limits: { ...DEFAULT_LIMITS, ...limits } });
  servers.push(s);
  return s;
}
function client(s: TestServer): TestClient {
  const c = new TestClient(s.url);
  clients.push(c);
  return c;
}
/** Sends `n` events at once and counts the answers by outcome. */
async function burst(c: TestClient, n: number, event = 'node:propose', payload: unknown = { value: 'x' }): Promise<Record<string, number>> {
  const acks = await Promise.all(Array.from({ length: n }, () => c.emit(event, payload)));
  const counts: Record<string, number> = {};
  for (const a of acks) {
    const key = a.ok ? 'ok' : (a.error as { code: string }).code;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

describe('one budget per person', () => {
  it('the sockets of one session share its budget: three sockets together get 20 events through, not 60', async () => {
    const s = await server({ commandBurst: 20, commandsPerSecond: 0.001 });
    const room = await createRoom(s.url);
    const a = client(s);
    await a.join(room.code, 'Ana');
    const more = [client(s), client(s)];
    for (const c of more) expect((await c.resume(a.token!)).ok).toBe(true);
    // The join and the two resumes were spent before the session existed (the address's budget).
    const counts = await Promise.all([a, ...more].map((c) => burst(c, 10)));
    const ok = counts.reduce((n, c) => n + (c.ok ?? 0), 0);
    const limited = counts.reduce((n, c) => n + (c['rate-limited'] ?? 0), 0);
    expect(ok).toBe(20);
    expect(limited).toBe(10);
  });

  it('a session holds at most five sockets: a sixth closes the oldest, which is told why', async () => {
    const s = await server();
    const room = await createRoom(s.url);
    const first = client(s);
    await first.join(room.code, 'Ana');
    let closed: { reason: string; message: string } | null = null;
    first.socket.on('connection:closed', (p: { reason: string; message: string }) => (closed = p));
    const more = Array.from({ length: 5 }, () => client(s));
    for (const c of more) expect((await c.resume(first.token!)).ok).toBe(true);
    await first.until(() => closed !== null && !first.socket.connected, 'the oldest socket closed');
    expect(closed).toEqual({
      reason: 'replaced',
      message: 'Your session was opened on too many pages or devices at once, so the server closed this older one. Reload the page to use it here.',
    });
    for (const c of more) expect(c.socket.connected).toBe(true);
    expect((await more[0]!.emit('node:propose', { value: 'Apple' })).ok).toBe(true);
  });

  it('a socket that keeps sending past its budget is cut off, and gets no answer after its overdraft', async () => {
    const s = await server({ commandBurst: 5, commandsPerSecond: 0.001 });
    const room = await createRoom(s.url);
    const a = client(s);
    await a.join(room.code, 'Ana');
    let closed: string | null = null;
    a.socket.on('connection:closed', ({ reason }: { reason: string }) => (closed = reason));
    const answers: string[] = [];
    for (let i = 0; i < 40; i++) a.socket.emit('node:propose', { value: 'x' }, (ack: { ok: boolean; error?: { code: string } }) => answers.push(ack.ok ? 'ok' : ack.error!.code));
    await a.until(() => closed !== null && !a.socket.connected, 'the flooder cut off');
    expect(closed).toBe('flooding');
    // Its budget (5 proposals, applied; their answers were due after the commit, when the
    // socket was gone), then as many refusals (the overdraft); the rest is dropped unanswered.
    expect(answers).toEqual(['rate-limited', 'rate-limited', 'rate-limited', 'rate-limited', 'rate-limited']);
    // The session goes on: the same token resumes on a new connection, and the log has the five.
    const again = client(s);
    expect((await again.resume(a.token!)).ok).toBe(true);
    expect(again.records.filter((r) => r.event.type === 'proposalStarted').length).toBe(5);
    // But the new connection brings no new overdraft: the session's is spent, so the first
    // event past the budget cuts it off too, unanswered.
    let closedAgain: string | null = null;
    again.socket.on('connection:closed', ({ reason }: { reason: string }) => (closedAgain = reason));
    let answered = false;
    again.socket.emit('node:propose', { value: 'y' }, () => (answered = true));
    await again.until(() => closedAgain !== null && !again.socket.connected, 'the reconnected flooder cut off');
    expect(closedAgain).toBe('flooding');
    expect(answered).toBe(false);
  });

  it('sockets without a session share their address budget, and are cut off the same way', async () => {
    const s = await server({ addressBurst: 10, addressEventsPerSecond: 0.001, commandBurst: 10 });
    const c = client(s);
    const answers = await burst(c, 20, 'no:such-event', {});
    expect(answers).toEqual({ 'unknown-event': 10, 'rate-limited': 10 });
    // A new socket from the same address buys nothing: the overdraft was the address's too,
    // so its first event past the budget cuts it off, unanswered.
    const other = client(s);
    let closed: string | null = null;
    other.socket.on('connection:closed', ({ reason }: { reason: string }) => (closed = reason));
    let answered = false;
    other.socket.emit('no:such-event', {}, () => (answered = true));
    await other.until(() => closed !== null && !other.socket.connected, 'the second socket cut off');
    expect(closed).toBe('flooding');
    expect(answered).toBe(false);
  });
});

describe('how fast the log may grow', () => {
  it('one member cannot fill the log: past its events budget it is refused, while others and the instructor go on', async () => {
    const s = await server({ memberEventsBurst: 12, memberEventsPerSecond: 0.001, roomEventsBurst: 1000 });
    const room = await createRoom(s.url);
    const teacher = client(s);
    await teacher.resume(room.instructorToken);
    for (let i = 0; i < 4; i++) await teacher.emit('bot:add', {});
    const a = client(s);
    await a.join(room.code, 'Ana');
    const b = client(s);
    await b.join(room.code, 'Bo');
    expect((await a.emit('node:propose', { value: 'Apple' })).ok).toBe(true); // 1 event
    expect((await a.emit('node:promise', { to: 'all' })).ok).toBe(true); // 6 events
    expect(await a.emit('node:promise', { to: 'all' })).toEqual({
      ok: false,
      error: { code: 'rate-limited', message: 'You have added a lot to the log: it grows by at most 0.001 of your events a second. Wait a little.' },
    });
    expect((await b.emit('node:propose', { value: 'Kiwi' })).ok).toBe(true);
    expect((await teacher.emit('node:promise', { node: a.session!.node, to: 'all' })).ok).toBe(true);
  });

  it('lets a command larger than a whole budget through right after a small one, and then waits for the budget', async () => {
    const s = await server({ memberEventsBurst: 5, memberEventsPerSecond: 1, roomEventsBurst: 1000 });
    const room = await createRoom(s.url);
    const teacher = client(s);
    await teacher.resume(room.instructorToken);
    for (let i = 0; i < 7; i++) await teacher.emit('bot:add', {});
    const a = client(s);
    await a.join(room.code, 'Ana');
    // A proposal (1 event), then a request to all 8 nodes (8 events, more than the whole budget of 5).
    expect((await a.emit('node:propose', { value: 'Apple' })).ok).toBe(true);
    expect(await a.emit('node:promise', { to: 'all' })).toMatchObject({ ok: true });
    // That emptied the budget: the next request waits for it.
    expect(await a.emit('node:promise', { to: 'all' })).toMatchObject({ ok: false, error: { code: 'rate-limited' } });
  });

  it('a room as a whole grows at a bounded rate', async () => {
    const s = await server({ roomEventsBurst: 3, roomEventsPerSecond: 0.001 });
    const room = await createRoom(s.url);
    const people = [client(s), client(s), client(s), client(s)];
    for (const [i, c] of people.entries()) await c.join(room.code, `P${i}`);
    for (const c of people.slice(0, 3)) expect((await c.emit('node:propose', { value: 'v' })).ok).toBe(true);
    expect(await people[3]!.emit('node:propose', { value: 'v' })).toEqual({
      ok: false,
      error: { code: 'rate-limited', message: "This room's log is growing too fast (at most 0.001 events a second): wait a little." },
    });
  });
});
