/**
 * `node:program`: a student's page says it runs a learner's own program for its node. The
 * server takes only that (never the code), checks it like any command, and every screen
 * folds it from the log; a resume brings it back.
 */
import { describe, expect, it } from 'vitest';
import { fold, initialRoomState, type RoomState } from '@toy-paxos/shared';
import { createRoom, useServer, type TestClient } from './harness';

const env = useServer();

function stateOf(c: TestClient): RoomState {
  return fold(initialRoomState(c.session!.settings), c.records.map((r) => r.event));
}

async function classOfTwo() {
  const room = await createRoom(env.server.url);
  const teacher = env.client();
  await teacher.resume(room.instructorToken);
  const [ana, bo] = [env.client(), env.client()];
  await ana.join(room.code, 'Ana');
  await bo.join(room.code, 'Bo');
  return { room, teacher, ana, bo };
}

describe('node:program', () => {
  it('records that a node runs its own program, for every screen, and a resume brings it back', async () => {
    const { room, teacher, ana } = await classOfTwo();
    expect(await ana.emit('node:program', { status: 'running' })).toMatchObject({ ok: true, seqs: [3] });
    await teacher.until(() => teacher.lastSeq === 3, 'the record on the dashboard');
    expect(teacher.records.at(-1)!.lines).toEqual(['PROGRAM Ana on']);
    expect(stateOf(teacher).nodes.n1!.ownProgram).toBe('running');

    // A page that comes back (a reload, a lost connection) folds the same state from the log.
    const again = env.client();
    expect(await again.resume(ana.token!)).toMatchObject({ ok: true });
    expect(stateOf(again).nodes.n1!.ownProgram).toBe('running');

    // A new round keeps it: the page still runs the program.
    expect((await teacher.emit('room:round', {})).ok).toBe(true);
    expect(await ana.emit('node:program', { status: 'failed' })).toMatchObject({ ok: true });
    await teacher.until(() => teacher.records.at(-1)?.lines[0] === 'PROGRAM Ana failed', 'the failure on the dashboard');
    expect(stateOf(teacher).nodes.n1!.ownProgram).toBe('failed');
    expect(await ana.emit('node:program', { status: 'off' })).toMatchObject({ ok: true });
    await teacher.until(() => teacher.records.at(-1)?.lines[0] === 'PROGRAM Ana off', 'off on the dashboard');
    expect(stateOf(teacher).nodes.n1!.ownProgram).toBeUndefined();
    expect(room.code).toHaveLength(6);
  });

  it('refuses bad payloads, another node, what is so already, and a bot, changing nothing', async () => {
    const { teacher, ana, bo } = await classOfTwo();
    const before = ana.lastSeq;
    const bad = [
      {},
      { status: 'on' },
      { status: true },
      { status: 'running', code: 'export const acceptor = {}' },
      { status: 'running', node: '' },
      { status: 'running', node: 'n'.repeat(65) },
      'running',
      null,
    ];
    for (const payload of bad) expect(await ana.emit('node:program', payload)).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await ana.emit('node:program', { node: 'n2', status: 'running' })).toMatchObject({ ok: false, error: { code: 'forbidden', message: 'You control Ana; you cannot act for another node.' } });
    expect(await ana.emit('node:program', { status: 'off' })).toMatchObject({ ok: false, error: { code: 'program-unchanged', message: 'Ana runs no program of its own: nothing to change.' } });
    expect(await ana.emit('node:program', { status: 'failed' })).toMatchObject({ ok: false, error: { code: 'program-unchanged' } });
    // The instructor names the node (a student's page that is gone for good), and may not give one to a bot.
    expect(await teacher.emit('node:program', { status: 'running' })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect((await teacher.emit('bot:add', {})).ok).toBe(true);
    expect(await teacher.emit('node:program', { node: 'n3', status: 'running' })).toMatchObject({ ok: false, error: { code: 'program-unchanged', message: expect.stringContaining('is a bot') } });
    await bo.until(() => bo.lastSeq === before + 1, 'the bot on Bo\'s page');
    expect(bo.lastSeq).toBe(before + 1);
    expect(stateOf(bo).nodes.n1!.ownProgram).toBeUndefined();

    expect((await ana.emit('node:program', { status: 'running' })).ok).toBe(true);
    expect(await ana.emit('node:program', { status: 'running' })).toMatchObject({ ok: false, error: { code: 'program-unchanged', message: 'Ana runs its own program already: nothing to change.' } });
    expect(await teacher.emit('node:program', { node: 'n1', status: 'off' })).toMatchObject({ ok: true });
  });

  it('a page that toggles its program in a flood is rate-limited like any command', async () => {
    const { ana } = await classOfTwo();
    const acks = await Promise.all(Array.from({ length: 40 }, (_, i) => ana.emit('node:program', { status: i % 2 === 0 ? 'running' : 'off' })));
    const limited = acks.filter((a) => !a.ok && (a.error as { code: string }).code === 'rate-limited');
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]).toMatchObject({ error: { message: expect.stringContaining('Slow down') } });
  });

  it('is refused in a Multi-Paxos room', async () => {
    const { teacher, ana } = await classOfTwo();
    expect((await teacher.emit('room:settings', { settings: { protocol: 'multi' } })).ok).toBe(true);
    expect(await ana.emit('node:program', { status: 'running' })).toMatchObject({ ok: false, error: { code: 'wrong-protocol' } });
  });
});
