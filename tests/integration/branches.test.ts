/** What-if branches and presenter mode through the real server and real clients. */
import { describe, expect, it } from 'vitest';
import { createRoom, startServer, textOf, useServer } from './harness';

const env = useServer();

describe('what-if branches', () => {
  it('forks a branch that becomes live for everyone, keeps the original, and switches back; both logs are intact', async () => {
    const room = await createRoom(env.server.url);
    const teacher = env.client();
    await teacher.resume(room.instructorToken);
    const [a, b] = [env.client(), env.client()];
    await a.join(room.code, 'Ann');
    await b.join(room.code, 'Ben');
    await a.emit('node:propose', { value: 'Apple' });
    await a.emit('node:promise', { to: 'all' });
    await a.emit('node:accept', { to: 'all' });
    await b.until(() => b.lastSeq === 7, 'the main timeline');
    const main = textOf(b.records);

    // What if Ben had proposed before Ann's accept requests went out?
    expect(await teacher.emit('branch:fork', { seq: 5, name: 'Ben first' })).toEqual({ ok: true, seqs: [] });
    for (const c of [teacher, a, b]) {
      await c.until(() => c.timeline?.active === 1 && c.lastSeq === 5, 'the branch');
    }
    expect(b.timeline!.branches.map((x) => [x.id, x.name, x.parent, x.forkSeq])).toEqual([
      [0, 'main', null, 0],
      [1, 'Ben first', 0, 5],
    ]);
    expect(await b.emit('node:propose', { value: 'Mango' })).toMatchObject({ ok: true, seqs: [6] });
    await b.emit('node:promise', { to: 'all' });
    await b.emit('node:accept', { to: 'all' });
    await a.until(() => a.lastSeq === 10, 'the branch to grow'); // a proposal, two promises, two acceptances
    const branch = textOf(a.records);
    expect(branch).toContain('choice: Mango');
    expect(branch.startsWith(textOf(b.records.slice(0, 5)))).toBe(true);

    // Back to the original: untouched; then to the branch again: untouched too.
    expect((await teacher.emit('branch:switch', { id: 0 })).ok).toBe(true);
    await a.until(() => a.timeline?.active === 0 && a.lastSeq === 7, 'the main timeline again');
    expect(textOf(a.records)).toBe(main);
    expect((await teacher.emit('branch:switch', { id: 1 })).ok).toBe(true);
    await a.until(() => a.timeline?.active === 1 && a.lastSeq === 10, 'the branch again');
    expect(textOf(a.records)).toBe(branch);

    // A client that was away resyncs to the active timeline; so does a server restart.
    const late = env.client();
    await late.resume(a.token!);
    expect(textOf(late.records)).toBe(branch);
    for (const c of env.clients) c.close();
    await env.server.close();
    env.server = await startServer({}, env.server.dataDir);
    const back = env.client();
    await back.resume(room.instructorToken);
    expect(back.timeline!.active).toBe(1);
    expect(textOf(back.records)).toBe(branch);
    expect((await back.emit('branch:switch', { id: 0 })).ok).toBe(true);
    await back.until(() => back.timeline?.active === 0, 'the main timeline after a restart');
    expect(textOf(back.records)).toBe(main);
  });

  it('a student keeps a node on every timeline: joined before the fork point, after it on main, or on the branch; each can propose after every switch, but on a timeline it joined mid-round', async () => {
    const room = await createRoom(env.server.url);
    const teacher = env.client();
    await teacher.resume(room.instructorToken);
    const [early, late, onBranch] = [env.client(), env.client(), env.client()];
    await early.join(room.code, 'Ann');
    await early.emit('node:propose', { value: 'Apple' });
    // Joined on main after event 2, the fork point: main's event 3.
    await late.join(room.code, 'Phoebe');
    expect(late.session!.node).not.toBeNull();

    const nodeOn = (c: typeof early, s: typeof early) => c.records.some((r) => r.event.type === 'nodeAdded' && r.event.node === s.session!.node);
    const students = [early, late, onBranch];
    /**
     * After a switch to `active`: every student's node is in every page's log, and each
     * student's proposal is accepted; but that of a student in `watching`, who joined that
     * timeline in the middle of its round, is refused until the next round.
     */
    const everyoneActs = async (active: number, joined: readonly (typeof early)[], watching: readonly (typeof early)[] = []) => {
      for (const c of [teacher, ...joined]) {
        await c.until(() => c.timeline?.active === active && joined.every((s) => nodeOn(c, s)), `every node on timeline ${active}`);
      }
      for (const s of joined) {
        const answer = await s.emit('node:propose', { value: `V${active}` });
        expect(answer, s.session!.name).toMatchObject(watching.includes(s) ? { ok: false, error: { code: 'not-acceptor' } } : { ok: true });
      }
    };

    // Fork after event 2 (Ann's proposal): Phoebe joined after it, so her node joins the branch, mid-round, carried.
    const forked = await teacher.emit('branch:fork', { seq: 2, name: 'What if C hears A first' });
    expect(forked).toMatchObject({ ok: true, seqs: [3] });
    await everyoneActs(1, [early, late]);
    expect(teacher.records[2]!.event).toEqual({ type: 'nodeAdded', node: late.session!.node, name: 'Phoebe', bot: false, nextRound: true, carried: true });
    expect(teacher.records[2]!.lines).toEqual(['JOIN Phoebe (from another timeline) (acceptor from round 2)']);

    // A student who joins on the branch gets an id no timeline has used (not Phoebe's).
    await onBranch.join(room.code, 'Quinn');
    expect(new Set(students.map((s) => s.session!.node)).size).toBe(3);

    // Back to main: Quinn's node joins it; then to the branch, and to main again: nothing more to add.
    expect(await teacher.emit('branch:switch', { id: 0 })).toMatchObject({ ok: true, seqs: [4] });
    // Phoebe joined main after its round's first proposal, and Quinn the branch: there each watches.
    await everyoneActs(0, students, [late]);
    expect(await teacher.emit('branch:switch', { id: 1 })).toMatchObject({ ok: true, seqs: [] });
    await everyoneActs(1, students, [onBranch]);
    expect(await teacher.emit('branch:switch', { id: 0 })).toMatchObject({ ok: true, seqs: [] });
    await everyoneActs(0, students, [late]);
    for (const c of [teacher, ...students]) expect(c.problems).toEqual([]);

    // Presence lists the three students on the active timeline, and a restart keeps the carried nodes.
    expect(teacher.presence!.participants.filter((p) => p.role === 'student').map((p) => p.name)).toEqual(['Ann', 'Phoebe', 'Quinn']);
    const main = textOf(teacher.records);
    for (const c of env.clients) c.close();
    await env.server.close();
    env.server = await startServer({}, env.server.dataDir);
    const back = env.client();
    await back.resume(room.instructorToken);
    expect(textOf(back.records)).toBe(main);
  });

  it('refuses a fork past the end, an unknown timeline, and students', async () => {
    const room = await createRoom(env.server.url);
    const teacher = env.client();
    await teacher.resume(room.instructorToken);
    const a = env.client();
    await a.join(room.code, 'Ann');
    expect(await teacher.emit('branch:fork', { seq: 9, name: 'x' })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await teacher.emit('branch:switch', { id: 4 })).toMatchObject({ ok: false, error: { code: 'bad-request', message: 'There is no timeline 4 in this room.' } });
    expect(await a.emit('branch:fork', { seq: 0, name: 'x' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await a.emit('replay:present', { seq: 0 })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });
});

describe('presenter mode', () => {
  it('the instructor presents a moment: every client is told, and late joiners too', async () => {
    const room = await createRoom(env.server.url);
    const teacher = env.client();
    await teacher.resume(room.instructorToken);
    const a = env.client();
    await a.join(room.code, 'Ann');
    const seen: (number | null)[] = [];
    a.socket.on('room:replay', ({ seq }: { seq: number | null }) => seen.push(seq));
    expect(await teacher.emit('replay:present', { seq: 1 })).toEqual({ ok: true, seqs: [] });
    await a.until(() => seen.length === 1, 'the presented moment');
    expect(seen).toEqual([1]);
    const late = env.client();
    await late.join(room.code, 'Cat');
    expect(late.session!.presenting).toBe(1);
    expect(await teacher.emit('replay:present', { seq: 99 })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    await teacher.emit('replay:present', { seq: null });
    await a.until(() => seen.length === 2, 'the release');
    expect(seen).toEqual([1, null]);
  });
});

describe('shareable replay links', () => {
  it('give a read-only view guarded by a token the instructor can revoke', async () => {
    const room = await createRoom(env.server.url);
    const teacher = env.client();
    await teacher.resume(room.instructorToken);
    const a = env.client();
    await a.join(room.code, 'Ann');
    await a.emit('node:propose', { value: 'Apple' });

    const created = await teacher.emit('share:create', {});
    expect(created).toMatchObject({ ok: true, link: expect.stringMatching(new RegExp(`^http://localhost:3000/watch/${room.code}#.{43}$`)) });
    const link = (created as { link?: string }).link!;
    expect(await teacher.emit('share:create', {})).toMatchObject({ ok: true, link });
    expect(await a.emit('share:create', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });

    const token = link.split('#')[1]!;
    const viewer = env.client();
    expect(await viewer.resume(token)).toMatchObject({ ok: true, session: { role: 'viewer', node: null } });
    expect(viewer.records.map((r) => r.event.type)).toEqual(['nodeAdded', 'proposalStarted']);
    expect(await viewer.emit('node:propose', { node: 'n1', value: 'x' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    // A second viewer with the same link.
    const other = env.client();
    expect((await other.resume(token)).ok).toBe(true);

    expect((await teacher.emit('share:revoke', {})).ok).toBe(true);
    await viewer.until(() => viewer.ended === 'revoked', 'the revocation');
    await other.until(() => other.ended === 'revoked', 'the revocation for every viewer');
    expect(await env.client().resume(token)).toMatchObject({ ok: false, error: { code: 'bad-token' } });
    const again = await teacher.emit('share:create', {});
    expect(again).toMatchObject({ ok: true, link: expect.stringContaining(`/watch/${room.code}#`) });
    expect((again as { link?: string }).link).not.toBe(link);
  });
});

describe('a room from an imported file', () => {
  async function post(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${env.server.url}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  it('starts from a scenario script or a JSON export, identical event by event; students join on top', async () => {
    const scenario = 'nodes A B C\npropose A Apple\npromise A -> all\naccept A -> all\n';
    const made = await post({ import: { name: 'lesson.paxos', text: scenario } });
    expect(made.status).toBe(201);
    const teacher = env.client();
    await teacher.resume(made.json.instructorToken as string);
    expect(teacher.records).toHaveLength(10);
    expect(teacher.records.at(-1)!.lines[1]).toContain('choice: Apple');

    // Export that room, import the export into another room: the same events.
    const { sessionFile } = await import('@toy-paxos/shared/protocol');
    const { initialRoomState } = await import('@toy-paxos/shared');
    const file = sessionFile(initialRoomState(teacher.session!.settings), teacher.records.map((r) => r.event), 'lesson');
    const copy = await post({ import: { name: 'lesson.json', text: JSON.stringify(file) } });
    expect(copy.status).toBe(201);
    const other = env.client();
    await other.resume(copy.json.instructorToken as string);
    expect(other.records.map((r) => r.event)).toEqual(teacher.records.map((r) => r.event));

    const student = env.client();
    expect(await student.join(copy.json.code as string, 'Dee')).toMatchObject({ ok: true, session: { node: 'n4' } });
  });

  it('refuses a bad file with its line or field, and opens no room', async () => {
    const before = env.server.app.classroom.roomCount;
    expect(await post({ import: { name: 'x.paxos', text: 'nodes A\npromise A B\n' } })).toMatchObject({
      status: 400,
      json: { error: { code: 'bad-request', message: expect.stringContaining('line 2: write "promise FROM -> TO..."') } },
    });
    expect(await post({ import: { name: 'x.json', text: '{"format": 1}' } })).toMatchObject({
      status: 400,
      json: { error: { code: 'bad-request', message: expect.stringContaining('format: this is not a toy-paxos session file') } },
    });
    expect(await post({ something: 'else' })).toMatchObject({ status: 400 });
    expect(await post([])).toMatchObject({ status: 400 });
    expect(env.server.app.classroom.roomCount).toBe(before);
  });
});
