/**
 * Presence through the real server: the whole list comes once, with a join's or a resume's
 * answer, and then only what changed (`room:presence`). Every page that folds the changes in
 * holds the server's list, through joins, leaves, renames, removals, reconnects, bots, a lock
 * and a switch of timeline, and with the class spread over two processes on PostgreSQL.
 */
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { PresenceChange, RoomInfo } from '@toy-paxos/shared';
import { freePort } from '../support/ports';
import { freshDatabase } from '../support/postgres';
import { startProcess } from '../support/server-process';
import { createRoom, TestClient, useServer } from './harness';

const env = useServer();

/** Waits until every open page holds `expected()`'s list, then returns it. */
async function agree(pages: readonly TestClient[], expected: () => RoomInfo | null, what: string): Promise<RoomInfo> {
  for (const p of pages) await p.until(() => JSON.stringify(p.presence) === JSON.stringify(expected()), `${what}: the list on every page`);
  return expected()!;
}

const students = (info: RoomInfo) => info.participants.filter((p) => p.role === 'student').map((p) => `${p.name}${p.online ? '' : ' (offline)'}`);

describe('presence', () => {
  it('sends a join as one entry, not the list, and keeps every page equal to the server through joins, leaves, renames, reconnects and a timeline switch', async () => {
    const room = await createRoom(env.server.url);
    const server = () => env.server.app.classroom.roomInfo(room.code);
    const teacher = env.client();
    await teacher.resume(room.instructorToken);
    const changes: PresenceChange[] = [];
    teacher.socket.on('room:presence', (change: PresenceChange) => changes.push(change));
    const class12 = Array.from({ length: 12 }, () => env.client());
    for (const [i, s] of class12.entries()) expect((await s.join(room.code, `S${i + 1}`)).ok).toBe(true);
    const open = () => env.clients.filter((c) => c.socket.connected && c.session);
    let info = await agree(open(), server, 'twelve joins');
    expect(students(info)).toEqual(Array.from({ length: 12 }, (_, i) => `S${i + 1}`));

    // The thirteenth join reaches the class as that one student, whatever the class's size.
    changes.length = 0;
    const late = env.client();
    expect((await late.join(room.code, 'Late')).ok).toBe(true);
    await teacher.until(() => changes.length > 0, 'the join on the teacher page');
    expect(changes).toEqual([{ put: [{ at: 12, participant: expect.objectContaining({ name: 'Late', node: 'n13', online: true }) }] }]);
    info = await agree(open(), server, 'the thirteenth join');
    expect(info.participants).toHaveLength(14);

    // A leave, a rename, a removal, a bot and a lock.
    class12[1]!.close();
    expect((await teacher.emit('participant:rename', { node: 'n3', name: 'Cleo' })).ok).toBe(true);
    expect((await teacher.emit('participant:remove', { node: 'n4' })).ok).toBe(true);
    expect((await teacher.emit('bot:add', {})).ok).toBe(true);
    expect((await teacher.emit('room:lock', { locked: true })).ok).toBe(true);
    info = await agree(open(), server, 'a leave, a rename, a removal, a bot and a lock');
    expect(info.locked).toBe(true);
    expect(students(info).slice(0, 4)).toEqual(['S1', 'S2 (offline)', 'Cleo', 'S5']);
    expect(info.participants.filter((p) => p.role === 'bot').map((p) => p.name)).toEqual(['Bot 1']);

    // The page that left comes back on a new connection; it gets the whole list again.
    const back = env.client();
    expect((await back.resume(class12[1]!.token!)).ok).toBe(true);
    info = await agree(open(), server, 'a reconnect');
    expect(students(info)[1]).toBe('S2');

    // A fork before most students joined: they are carried onto it, the bot is not; the switch
    // back restores the list as it was.
    expect((await teacher.emit('room:lock', { locked: false })).ok).toBe(true);
    expect((await teacher.emit('branch:fork', { seq: 2, name: 'Early' })).ok).toBe(true);
    const forked = await agree(open(), server, 'a fork');
    expect(students(forked)).toEqual(students(info));
    expect(forked.participants.some((p) => p.role === 'bot')).toBe(false); // the bot came after the fork point
    expect((await teacher.emit('branch:switch', { id: 0 })).ok).toBe(true);
    const main = await agree(open(), server, 'a switch back');
    expect(main.participants.map((p) => p.node)).toEqual(info.participants.map((p) => p.node));

    // A page that joins now gets the same list in its answer (with itself in it).
    const watcher = env.client();
    expect((await watcher.join(room.code, 'Wall', 'observer')).ok).toBe(true);
    const all = await agree(open(), server, 'an observer');
    expect(all.participants.at(-1)).toMatchObject({ name: 'Wall', role: 'observer', online: true });
    expect(open().every((c) => c.problems.length === 0)).toBe(true);
  });
});

describe('presence on two processes sharing PostgreSQL', () => {
  const children: ChildProcess[] = [];
  const clients: TestClient[] = [];
  const page = (url: string) => {
    const c = new TestClient(url);
    clients.push(c);
    return c;
  };
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
    for (const c of children.splice(0)) c.kill('SIGKILL');
  });

  it('keeps every page on either process equal to a fresh join on each process', async () => {
    const database = await freshDatabase();
    const ports = [await freePort(), await freePort()];
    for (const port of ports) children.push(await startProcess(port, { DATABASE_URL: database }));
    const urls = ports.map((p) => `http://127.0.0.1:${p}`);
    const room = await createRoom(urls[0]!);
    const teachers = urls.map(page);
    for (const t of teachers) expect((await t.resume(room.instructorToken)).ok).toBe(true);
    const pages = Array.from({ length: 8 }, (_, i) => page(urls[i % 2]!));
    for (const [i, p] of pages.entries()) expect((await p.join(room.code, `P${i + 1}`)).ok).toBe(true);
    pages[2]!.close();
    expect((await teachers[1]!.emit('participant:rename', { node: 'n2', name: 'Bea' })).ok).toBe(true);
    const back = page(urls[1]!);
    expect((await back.resume(pages[4]!.token!)).ok).toBe(true);
    pages[4]!.close();
    // The fork carries the students' nodes by their names: once the first process has heard of the rename.
    await teachers[0]!.until(() => teachers[0]!.presence?.participants.some((p) => p.name === 'Bea') === true, 'the rename on the first process');
    expect((await teachers[0]!.emit('branch:fork', { seq: 0, name: 'Again' })).ok).toBe(true);

    // What each process holds now: the answer to a fresh instructor page there.
    const open = () => clients.filter((c) => c.socket.connected && c.session);
    const fresh = async (url: string) => {
      const probe = page(url);
      await probe.resume(room.instructorToken);
      return probe;
    };
    // The probes' own connections do not change the list: the instructor is online already.
    const [probe0, probe1] = [await fresh(urls[0]!), await fresh(urls[1]!)];
    await agree(open(), () => probe0.presence, 'two processes');
    await agree([probe1], () => probe0.presence, 'the second process');
    expect(students(probe0.presence!)).toEqual(['P1', 'Bea', 'P3 (offline)', 'P4', 'P5', 'P6', 'P7', 'P8']);
  });
});
