/**
 * Many server processes on one PostgreSQL database (`DATABASE_URL`), each a real
 * `server/src/index.ts`, with real socket.io clients spread over them: one room's log is
 * one log whichever process a command reaches, a process killed with SIGKILL loses nothing
 * it acknowledged, and its clients go on through another process with no gap.
 */
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type LogRecord } from '@toy-paxos/shared';
import { freePort } from '../support/ports';
import { freshDatabase } from '../support/postgres';
import { failoverProxy, keptServerLog, startCluster, startProcess } from '../support/server-process';
import { createRoom, keepActing, sameLog, TestClient } from './harness';

const children: ChildProcess[] = [];
const clients: TestClient[] = [];
const proxies: { close(): void }[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  for (const p of proxies.splice(0)) p.close();
  for (const p of children.splice(0)) p.kill('SIGKILL');
});

/**
 * `count` server processes on one fresh database: their addresses and ports, the database's,
 * and how to start another on it, its log kept with theirs for a failure (keptServerLog).
 */
async function cluster(count: number): Promise<{ urls: string[]; ports: number[]; processes: ChildProcess[]; database: string; start(port: number): Promise<ChildProcess> }> {
  const database = await freshDatabase();
  const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
  const log = keptServerLog();
  const start = async (port: number) => {
    const child = await startProcess(port, { DATABASE_URL: database, ...log.env }, undefined, log.onOutput);
    children.push(child);
    return child;
  };
  const processes: ChildProcess[] = [];
  // One after the other: the first creates the schema (the others would wait for its lock).
  for (const port of ports) processes.push(await start(port));
  return { urls: ports.map((p) => `http://127.0.0.1:${p}`), ports, processes, database, start };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether a child process is still running. */
function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function client(url: string): TestClient {
  const c = new TestClient(url);
  clients.push(c);
  return c;
}

function chosen(records: readonly LogRecord[]): string[] {
  return [...new Set(records.flatMap((r) => r.chosen.map((c) => c.value)))];
}

describe('server processes sharing one PostgreSQL database', () => {
  it('serve one room to students spread over three processes, who reach consensus with identical logs', async () => {
    const { urls } = await cluster(3);
    const room = await createRoom(urls[0]!);
    // The room was opened on the first process; the others find it.
    for (const url of urls) expect(((await (await fetch(`${url}/api/rooms/${room.code}`)).json()) as { code: string }).code).toBe(room.code);
    const teacher = client(urls[1]!);
    expect((await teacher.resume(room.instructorToken)).ok).toBe(true);
    const students = urls.map((url) => client(url));
    for (const [i, s] of students.entries()) expect((await s.join(room.code, `Student ${i}`)).ok).toBe(true);
    // Everyone is online on the teacher's screen, whichever process they are on.
    await teacher.until(() => teacher.presence?.participants.filter((p) => p.role === 'student' && p.online).length === 3, 'three students online');

    expect((await students[2]!.emit('node:propose', { value: 'Apple' })).ok).toBe(true);
    await students[2]!.until(() => students[2]!.lastSeq >= 4, 'the proposal');
    expect((await students[2]!.emit('node:promise', { to: 'all' })).ok).toBe(true);
    const accepted = await students[2]!.emit('node:accept', { to: 'all' });
    if (!accepted.ok) throw new Error(JSON.stringify(accepted));
    const last = Math.max(...(accepted.seqs as number[]));
    await sameLog([teacher, ...students], last);
    expect(chosen(teacher.records)).toEqual(['Apple']);
    for (const s of students) expect(chosen(s.records)).toEqual(['Apple']);
  });

  it('keeps one gapless log when sockets on three processes send hundreds of commands at once', async () => {
    const { urls } = await cluster(3);
    const room = await createRoom(urls[0]!);
    const students = Array.from({ length: 15 }, (_, i) => client(urls[i % 3]!));
    for (const [i, s] of students.entries()) expect((await s.join(room.code, `S${i}`)).ok).toBe(true);
    // 20 proposals from each student, all sent before any answer: 300 commands in a tight loop.
    const sent = students.flatMap((s, i) => Array.from({ length: 20 }, (_, k) => ({ value: `V${i}-${k}`, ack: s.emit('node:propose', { value: `V${i}-${k}` }) })));
    const acks = await Promise.all(sent.map((c) => c.ack));
    const acked = acks.flatMap((a) => (a.ok ? (a.seqs as number[]) : []));
    // Each command is decided again when another process committed first; none is lost or doubled.
    expect(acks.filter((a) => !a.ok)).toEqual([]);
    expect(new Set(acked).size).toBe(acked.length);
    const last = Math.max(...acked);
    await sameLog(students, last);
    // Every acknowledged seq holds the proposal of the one who was told so, and the log holds no other.
    const records = students[0]!.records;
    expect(records.filter((r) => r.event.type === 'proposalStarted').length).toBe(acked.length);
    sent.forEach(({ value }, i) => {
      const ack = acks[i]!;
      if (!ack.ok) return;
      const event = records[(ack.seqs as number[])[0]! - 1]!.event;
      expect(event.type === 'proposalStarted' && event.value).toBe(value);
    });
  });

  it('shows a branch forked on one process, the presented event and the replay link, on another', async () => {
    const { urls } = await cluster(2);
    const room = await createRoom(urls[0]!);
    const teacher = client(urls[0]!);
    await teacher.resume(room.instructorToken);
    const watcher = client(urls[1]!);
    expect((await watcher.join(room.code, 'Wall', 'observer')).ok).toBe(true);
    for (let i = 0; i < 3; i++) expect((await teacher.emit('bot:add', { name: `Bot ${i}` })).ok).toBe(true);
    expect((await teacher.emit('branch:fork', { seq: 2, name: 'what if' })).ok).toBe(true);
    await watcher.until(() => watcher.timeline?.active === 1, 'the branch on the other process');
    expect(watcher.timeline!.branches.map((b) => b.name)).toEqual(['main', 'what if']);
    const added = await teacher.emit('bot:add', { name: 'Branch bot' });
    expect(added.ok).toBe(true);
    await sameLog([teacher, watcher], 3);
    expect(watcher.records.map((r) => r.event.type === 'nodeAdded' && r.event.name)).toEqual(['Bot 0', 'Bot 1', 'Branch bot']);
    const presented = new Promise<number | null>((resolve) => watcher.socket.once('room:replay', ({ seq }: { seq: number | null }) => resolve(seq)));
    expect((await teacher.emit('replay:present', { seq: 2 })).ok).toBe(true);
    expect(await presented).toBe(2);
    // A resume on the other process lands on the branch too.
    const again = client(urls[1]!);
    expect((await again.resume(room.instructorToken)).ok).toBe(true);
    expect(again.timeline!.active).toBe(1);
    expect(again.session!.presenting).toBe(2);
    // The replay link made on one process opens on the other, and is revoked from there.
    const shared = await teacher.emit('share:create', {});
    if (!shared.ok) throw new Error(JSON.stringify(shared));
    const viewer = client(urls[1]!);
    const token = String(shared.link).split('#')[1]!;
    expect((await viewer.resume(token)).ok).toBe(true);
    expect(viewer.session!.role).toBe('viewer');
    // Revoked on the other process: the viewer's session ends.
    expect((await again.emit('share:revoke', {})).ok).toBe(true);
    await viewer.until(() => viewer.ended === 'revoked', 'the link revoked');
  });

  it('loses nothing acknowledged when a process is killed with SIGKILL; its clients go on through another with no gap', async () => {
    const { urls, ports, processes } = await cluster(2);
    // The doomed process first, the survivor behind it: a proxy as a load balancer would be.
    const proxy = await failoverProxy(ports);
    proxies.push(proxy);
    const viaProxy = `http://127.0.0.1:${proxy.port}`;
    const room = await createRoom(urls[1]!);
    const teacher = client(urls[1]!);
    await teacher.resume(room.instructorToken);
    const students = [client(viaProxy), client(viaProxy), client(urls[1]!)];
    for (const [i, s] of students.entries()) expect((await s.join(room.code, `S${i}`)).ok).toBe(true);

    const acked = new Set<number>();
    let stop = false;
    const loops = students.map((s, k) => keepActing(s, k, acked, () => stop));
    await teacher.until(() => acked.size > 40, 'some acknowledged events', 15_000);
    processes[0]!.kill('SIGKILL');
    const ackedBefore = [...acked];
    await teacher.until(() => acked.size > ackedBefore.length + 40, 'acting again through the survivor', 20_000);
    stop = true;
    await Promise.all(loops);

    const probe = client(urls[1]!);
    await probe.resume(room.instructorToken);
    await probe.loadHistory();
    await sameLog([probe, teacher, ...students], probe.lastSeq);
    for (const seq of ackedBefore) expect(seq).toBeLessThanOrEqual(probe.lastSeq);
    expect(students.every((s) => s.socket.connected)).toBe(true);
  }, 60_000);

  it('runs as `npm run start:cluster` does: processes behind one port with sticky sessions, over long-polling too', async () => {
    const port = await freePort();
    const primary = await startCluster(port, await freshDatabase());
    children.push(primary);
    const url = `http://127.0.0.1:${port}`;
    const room = await createRoom(url);
    const teacher = new TestClient(url, { transports: ['polling'] });
    clients.push(teacher);
    expect((await teacher.resume(room.instructorToken)).ok).toBe(true);
    // Long-polling only: every request of a session must reach the process that opened it.
    const students = Array.from({ length: 4 }, () => new TestClient(url, { transports: ['polling'] }));
    clients.push(...students);
    for (const [i, s] of students.entries()) expect((await s.join(room.code, `S${i}`)).ok).toBe(true);
    let last = 0;
    for (const s of students) {
      const ack = await s.emit('node:propose', { value: 'Fig' });
      if (!ack.ok) throw new Error(JSON.stringify(ack));
      last = Math.max(last, ...(ack.seqs as number[]));
    }
    await sameLog([teacher, ...students], last);
  });

  it('answers every join on a process just restarted while another process writes to the room, joins decided while it reads the room from the store included', async () => {
    const { urls, ports, processes, database, start } = await cluster(2);
    const room = await createRoom(urls[0]!);
    const teacher = client(urls[0]!);
    await teacher.resume(room.instructorToken);
    // The writers: students on the first process, each proposing as fast as its budget allows.
    const writers = [0, 1, 2].map(() => client(urls[0]!));
    for (const [i, w] of writers.entries()) expect((await w.join(room.code, `Writer ${i}`)).ok).toBe(true);

    processes[1]!.kill('SIGKILL');
    await new Promise((resolve) => processes[1]!.once('exit', resolve));
    const restarted = await start(ports[1]!);

    let writing = true;
    const write = async (w: TestClient, k: number) => {
      for (let i = 0; writing; i++) {
        await w.emit('node:propose', { value: `W${k}-${i}` }).catch(() => undefined);
        await pause(100);
      }
    };
    const writes = writers.map((w, k) => write(w, k));
    await pause(300);

    // The restarted process reads the room from the store whenever it learns it is behind. A
    // lock on a table it reads last holds that read, while joins reach the process and are
    // decided against the room in memory; then the read ends, before their commit.
    const admin = new pg.Client({ connectionString: database });
    await admin.connect();
    const joiners: TestClient[] = [];
    const waves = [
      { observers: 8, students: 0 },
      { observers: 4, students: 4 },
      { observers: 4, students: 0 },
    ];
    for (const [w, wave] of waves.entries()) {
      await admin.query('BEGIN');
      await admin.query('LOCK TABLE refusals IN ACCESS EXCLUSIVE MODE');
      // A page that holds more of the log than the restarted process has heard makes it read the store.
      const ahead = client(urls[1]!);
      const resumed = ahead.emit('room:resume', { v: PROTOCOL_VERSION, token: room.instructorToken, lastSeq: teacher.lastSeq + 100_000, branch: 0 });
      const waiting = async () => (await admin.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND relation = 'refusals'::regclass")).rows[0]!.n;
      for (let i = 0; (await waiting()) === 0; i++) {
        if (i > 500) throw new Error('the restarted process never read the room');
        await pause(10);
      }
      const wanted = [...Array.from({ length: wave.observers }, () => 'observer' as const), ...Array.from({ length: wave.students }, () => 'student' as const)];
      const acks = wanted.map((role, i) => {
        const c = client(urls[1]!);
        joiners.push(c);
        return c.join(room.code, `${role} ${w}-${i}`, role).catch((e: unknown) => ({ ok: false as const, error: { code: 'no-answer', message: String(e) } }));
      });
      await pause(400);
      await admin.query('ROLLBACK');
      expect(await resumed).toMatchObject({ ok: false, error: { code: 'bad-request' } });
      for (const [i, ack] of (await Promise.all(acks)).entries()) {
        // A student's join competes with the writers' events: after 8 tries it may be refused, saying so.
        if (!ack.ok && wanted[i] === 'student') expect(ack.error).toMatchObject({ code: 'server-error', message: expect.stringContaining('again and again') });
        else expect(ack).toMatchObject({ ok: true });
      }
      expect(running(restarted)).toBe(true);
    }
    await admin.end();
    writing = false;
    await Promise.all(writes);

    expect(running(restarted)).toBe(true);
    const joined = joiners.filter((c) => c.session !== null);
    expect(joined.every((c) => c.socket.connected)).toBe(true);
    // Every client, on either process, ends with the same log.
    const probe = client(urls[0]!);
    await probe.resume(room.instructorToken);
    await sameLog([probe, teacher, ...writers, ...joined], probe.lastSeq);
    // Every participant that was told it joined is in the room, seen from either process.
    const presence = client(urls[1]!);
    await presence.resume(room.instructorToken);
    const names = new Set(presence.presence!.participants.map((p) => p.name));
    for (const c of joined) expect(names.has(c.session!.name)).toBe(true);
  }, 90_000);

  it('keeps one answer of a student whose two pages, on two processes, answer at the same moment: the other is refused, and the close keeps the one acknowledged', async () => {
    const { urls } = await cluster(2);
    const room = await createRoom(urls[0]!);
    const teachers = urls.map((url) => client(url));
    for (const t of teachers) await t.resume(room.instructorToken);
    const page1 = client(urls[0]!);
    expect((await page1.join(room.code, 'Ada')).ok).toBe(true);
    const page2 = client(urls[1]!);
    expect((await page2.resume(page1.token!)).ok).toBe(true);
    const node = page1.session!.node!;
    const opened = (c: TestClient, id: number) => c.until(() => c.records.some((r) => r.event.type === 'checkpointOpened' && r.event.id === id), `question ${id}`);
    for (let id = 1; id <= 16; id++) {
      // Every fourth question, both pages give the same answer.
      const same = id % 4 === 0;
      const open = await teachers[0]!.emit('checkpoint:open', { spec: { kind: 'free', prompt: `Question ${id}?`, options: ['Yes', 'No', 'Maybe'] }, seconds: 60 });
      if (!open.ok) throw new Error(`question ${id}: ${JSON.stringify(open)}`);
      await Promise.all([opened(page1, id), opened(page2, id)]);
      const [one, two] = await Promise.all([page1.emit('checkpoint:answer', { id, option: 0 }), page2.emit('checkpoint:answer', { id, option: same ? 0 : 1 })]);
      let kept: number;
      if (same) {
        expect([one, two]).toMatchObject([{ ok: true, checkpoint: { mine: 0 } }, { ok: true, checkpoint: { mine: 0 } }]);
        kept = 0;
      } else {
        expect([one, two].filter((a) => a.ok)).toHaveLength(1);
        const refused = one.ok ? two : one;
        expect(refused).toMatchObject({ ok: false, error: { code: 'bad-answer' } });
        kept = one.ok ? 0 : 1;
        expect(one.ok ? one : two).toMatchObject({ checkpoint: { mine: kept } });
      }
      // Closed on either process: the answer acknowledged is the one in the log.
      const closer = teachers[id % 2]!;
      const closed = await closer.emit('checkpoint:close', { id });
      if (!closed.ok) throw new Error(JSON.stringify(closed));
      const seq = (closed.seqs as number[])[0]!;
      // The next question is asked on the first process once it has heard of the close.
      for (const t of teachers) await t.until(() => t.lastSeq >= seq, `the close of question ${id}`);
      const event = closer.records.find((r) => r.seq === seq)!.event;
      expect(event).toMatchObject({ type: 'checkpointClosed', id, answers: { [node]: kept } });
    }
  }, 60_000);
});
