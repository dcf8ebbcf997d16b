/**
 * A Multi-Paxos room through real sockets: a student leads, classmates send it client
 * commands, the instructor crashes the leader, another student takes over and its phase 1
 * recovers the half-accepted slot (P2c, slot by slot).
 */
import { describe, expect, it } from 'vitest';
import { fold, initialRoomState, multiNodeOf } from '@toy-paxos/shared';
import { createRoom, textOf, useServer, type TestClient } from './harness';

const env = useServer();

/** A Multi-Paxos room with an instructor and three students, Ana (n1), Bo (n2) and Cy (n3). */
async function multiRoom(): Promise<{ instructor: TestClient; ana: TestClient; bo: TestClient; cy: TestClient }> {
  const room = await createRoom(env.server.url);
  const instructor = env.client();
  expect((await instructor.resume(room.instructorToken)).ok).toBe(true);
  expect(await instructor.emit('room:settings', { settings: { protocol: 'multi' } })).toMatchObject({ ok: true });
  const [ana, bo, cy] = [env.client(), env.client(), env.client()];
  for (const [c, name] of [[ana, 'Ana'], [bo, 'Bo'], [cy, 'Cy']] as const) expect((await c.join(room.code, name)).ok).toBe(true);
  return { instructor, ana, bo, cy };
}

describe('a Multi-Paxos room', () => {
  it('a student leads, classmates submit, the leader crashes, another student leads and recovers the slots', async () => {
    const { instructor, ana, bo, cy } = await multiRoom();

    expect(await ana.emit('node:lead', {})).toMatchObject({ ok: true });
    expect(await ana.emit('node:promise', { to: 'all' })).toMatchObject({ ok: true });
    // Classmates are Ana's clients: they send commands to the leader, naming it.
    expect(await bo.emit('node:submit', { node: 'n1', command: '  set   x 3 ' })).toMatchObject({ ok: true });
    expect(await ana.emit('node:accept', { to: 'all' })).toMatchObject({ ok: true });
    expect(await cy.emit('node:submit', { node: 'n1', command: 'set y 5' })).toMatchObject({ ok: true });
    // Slot 2 reaches Bo alone before the leader crashes: half-accepted, not chosen.
    expect(await ana.emit('node:accept', { to: ['n2'], slot: 2 })).toMatchObject({ ok: true });
    expect(await instructor.emit('node:crash', { node: 'n1' })).toMatchObject({ ok: true });

    expect(await bo.emit('node:lead', {})).toMatchObject({ ok: true });
    expect(await bo.emit('node:promise', { to: 'all' })).toMatchObject({ ok: true });
    expect(await cy.emit('node:submit', { node: 'n2', command: 'set x 9' })).toMatchObject({ ok: true });
    expect(await bo.emit('node:accept', { to: 'all' })).toMatchObject({ ok: true });

    const total = instructor.lastSeq;
    for (const c of [instructor, ana, bo, cy]) await c.until(() => c.lastSeq === total, 'every record');
    const text = textOf(instructor.records);
    for (const c of [ana, bo, cy]) {
      expect(textOf(c.records)).toBe(text);
      expect(c.problems).toEqual([]);
    }
    expect(text).toContain('NEW Leader from Ana(p: 1.Ana, from_slot: 1)');
    expect(text).toContain('CLIENT Request set x 3 to Ana(p: 1.Ana, slot: 1)');
    expect(text).toContain('    > [APPLY] Ana, Bo, Cy run slot 1 (set x 3: x = 3)');
    expect(text).toContain('NEW Leader from Bo(p: 2.Bo, from_slot: 2)');
    // Bo's own promise reports slot 2, so Bo must re-propose set y 5 there, and Cy's command goes to slot 3.
    expect(text).toContain('promiser_acc_max: slot 2: set y 5');
    expect(text).toContain('CLIENT Request set x 9 to Bo(p: 2.Bo, slot: 3)');
    expect(text).toContain('    > [APPLY] Bo, Cy run slot 2 (set y 5: y = 5)');
    expect(text).toContain('    > [APPLY] Bo, Cy run slot 3 (set x 9: x = 9)');

    const state = fold(initialRoomState(), instructor.records.map((r) => r.event));
    expect(state.monitor.violations).toEqual([]);
    expect(multiNodeOf(state.multi, 'n2').kv).toEqual({ x: '9', y: '5' });
    expect(multiNodeOf(state.multi, 'n3').kv).toEqual({ x: '9', y: '5' });
    // Ana is down: it ran slot 1 only, a prefix of the others'.
    expect(multiNodeOf(state.multi, 'n1')).toMatchObject({ applied: 1, kv: { x: '3' } });

  });

  it('the instructor acts for a node, and names it', async () => {
    const { instructor } = await multiRoom();
    expect(await instructor.emit('node:lead', {})).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await instructor.emit('node:lead', { node: 'n3' })).toMatchObject({ ok: true });
    expect(await instructor.emit('node:promise', { node: 'n3', to: 'all' })).toMatchObject({ ok: true });
    expect(await instructor.emit('node:submit', { node: 'n3', command: 'set k v' })).toMatchObject({ ok: true });
    expect(await instructor.emit('node:accept', { node: 'n3', to: 'all', slot: 1 })).toMatchObject({ ok: true });
    await instructor.until(() => instructor.records.some((r) => r.lines.some((l) => l.includes('run slot 1 (set k v: k = v)'))), 'slot 1 run');
  });

  it('refuses hostile and misplaced input with a clear error, and changes nothing', async () => {
    const { instructor, ana, bo } = await multiRoom();
    expect((await ana.emit('node:lead', {})).ok).toBe(true);
    expect((await ana.emit('node:promise', { to: 'all' })).ok).toBe(true);
    const before = instructor.lastSeq;

    const refusals: [TestClient, string, unknown, string, RegExp?][] = [
      [bo, 'node:submit', { node: 'n1', command: 'rm -rf /' }, 'bad-request', /^Bad command:/],
      [bo, 'node:submit', { node: 'n1', command: 'set x' }, 'bad-request', /^Bad command:/],
      [bo, 'node:submit', { node: 'n1', command: `set ${'k'.repeat(500)} 1` }, 'bad-request'],
      [bo, 'node:submit', { node: 'n1', command: 'no-op' }, 'bad-request'],
      [bo, 'node:submit', { node: 'n1', command: 3 }, 'bad-request'],
      [bo, 'node:submit', { node: 'n1' }, 'bad-request'],
      [bo, 'node:submit', { node: 'n1', command: 'set x 1', extra: true }, 'bad-request'],
      [bo, 'node:submit', { node: 'n9', command: 'set x 1' }, 'unknown-node'],
      // Bo is not leading: a command sent to it is refused by the core.
      [ana, 'node:submit', { node: 'n2', command: 'set x 1' }, 'not-leader'],
      [bo, 'node:lead', { node: 'n1' }, 'forbidden'],
      [bo, 'node:lead', { force: true }, 'bad-request'],
      [ana, 'node:accept', { to: 'all', slot: 0 }, 'bad-request', /^Bad slot:/],
      [ana, 'node:accept', { to: 'all', slot: 100 }, 'bad-request', /^Bad slot:/],
      [ana, 'node:accept', { to: 'all', slot: 1.5 }, 'bad-request', /^Bad slot:/],
      [ana, 'node:accept', { to: 'all', slot: '1' }, 'bad-request', /^Bad slot:/],
      [ana, 'node:accept', { to: 'all', slot: -1 }, 'bad-request', /^Bad slot:/],
      [ana, 'node:accept', { to: 'all', slot: 5 }, 'unknown-slot'],
      [ana, 'node:propose', { value: 'Apple' }, 'wrong-protocol'],
    ];
    for (const [c, event, payload, code, message] of refusals) {
      const ack = await c.emit(event, payload);
      expect(ack, `${event} ${JSON.stringify(payload)}`).toMatchObject({ ok: false, error: { code, ...(message ? { message: expect.stringMatching(message) } : {}) } });
    }
    // Nothing was appended.
    await new Promise((r) => setTimeout(r, 50));
    expect(instructor.lastSeq).toBe(before);
  });

  it('a single-decree room refuses the Multi-Paxos commands with the core explanation', async () => {
    const room = await createRoom(env.server.url);
    const ana = env.client();
    await ana.join(room.code, 'Ana');
    expect(await ana.emit('node:lead', {})).toMatchObject({ ok: false, error: { code: 'wrong-protocol' } });
    expect(await ana.emit('node:submit', { command: 'set x 3' })).toMatchObject({ ok: false, error: { code: 'wrong-protocol' } });
    expect(await ana.emit('node:propose', { value: 'Apple' })).toMatchObject({ ok: true });
    expect(await ana.emit('node:accept', { to: 'all', slot: 1 })).toMatchObject({ ok: false, error: { code: 'wrong-protocol' } });
  });
});
