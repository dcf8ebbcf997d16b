/**
 * Prediction checkpoints through real sockets: a class of 30 answers one question; answers
 * stay on the server until it closes; a student who reconnects, and a server restarted
 * mid-question, keep the question and every answer; hostile answers change nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckpointStatus, ClassAnalytics, RoomEvent } from '@toy-paxos/shared';
import { createRoom, startServer, TestClient, useServers } from './harness';

const env = useServers();

type Checkpoint = Extract<RoomEvent, { type: 'checkpointOpened' }>;

function opened(c: TestClient): Checkpoint | undefined {
  return c.records.map((r) => r.event).filter((e): e is Checkpoint => e.type === 'checkpointOpened').at(-1);
}

/** The fields of an ack that succeeded (the test fails on one that did not). */
function okAck(ack: Awaited<ReturnType<TestClient['emit']>>): Record<string, unknown> {
  if (!ack.ok) throw new Error(`refused: ${ack.error.message}`);
  return ack;
}

/** A room with `n` students, in which n1 has proposed Apple and has every promise. */
async function classroom(url: string, n: number) {
  const room = await createRoom(url);
  const teacher = env.client(url);
  await teacher.resume(room.instructorToken);
  const students: TestClient[] = [];
  for (let i = 0; i < n; i++) {
    const s = env.client(url);
    expect((await s.join(room.code, `Student ${i + 1}`)).ok).toBe(true);
    students.push(s);
  }
  expect((await teacher.emit('node:propose', { node: 'n1', value: 'Apple' })).ok).toBe(true);
  expect((await teacher.emit('node:promise', { node: 'n1', to: 'all' })).ok).toBe(true);
  return { room, teacher, students };
}

describe('a checkpoint in a class of 30', () => {
  it('holds the answers on the server until the close, tells everyone only how many have answered, and scores the class', async () => {
    const server = await env.server();
    const { teacher, students } = await classroom(server.url, 30);
    const counts: number[] = [];
    students[0]!.socket.on('checkpoint:answered', ({ answered }: { answered: number }) => counts.push(answered));

    const open = await teacher.emit('checkpoint:open', { spec: { kind: 'nextValue', node: 'n1' }, seconds: 60 });
    expect(open.ok).toBe(true);
    for (const s of students) await s.until(() => opened(s) !== undefined, 'the question');
    const q = opened(students[0]!)!;
    expect(q.question.prompt).toBe("Which value will 1.Student 1's next accept request carry?");
    // Nobody but the instructor gets the right answer before the reveal, in any record.
    expect(students.every((s) => opened(s)!.question.answer === null && opened(s)!.question.explanation === '')).toBe(true);
    await teacher.until(() => opened(teacher) !== undefined, 'the question');
    const right = opened(teacher)!.question.answer!;
    expect(right).not.toBeNull();
    const wrong = right === 0 ? 1 : 0;

    // Two thirds answer right, the rest wrong; all at once.
    const acks = await Promise.all(students.map((s, i) => s.emit('checkpoint:answer', { id: q.id, option: i % 3 === 2 ? wrong : right })));
    expect(acks.every((a) => a.ok)).toBe(true);
    expect((okAck(acks[2]!).checkpoint as CheckpointStatus).mine).toBe(wrong);
    await students[0]!.until(() => counts.at(-1) === 30, 'the count of 30');
    // The log holds no answer yet: only the server does.
    expect(teacher.records.some((r) => r.event.type === 'checkpointClosed')).toBe(false);

    // A double tap is the same answer; a changed answer is refused; neither counts twice.
    expect(await students[0]!.emit('checkpoint:answer', { id: q.id, option: right })).toMatchObject({ ok: true, checkpoint: { answered: 30, mine: right } });
    expect(await students[0]!.emit('checkpoint:answer', { id: q.id, option: wrong })).toMatchObject({ ok: false, error: { code: 'bad-answer' } });

    const reveal = await teacher.emit('checkpoint:reveal', { id: q.id });
    expect(reveal.ok).toBe(true);
    await teacher.until(() => teacher.records.some((r) => r.event.type === 'checkpointRevealed'), 'the reveal');
    // The reveal tells the class the answer and why.
    await students[1]!.until(() => students[1]!.records.some((r) => r.event.type === 'checkpointRevealed'), 'the reveal');
    const revealed = students[1]!.records.at(-1)!;
    expect(revealed.event).toEqual({ type: 'checkpointRevealed', id: q.id, answer: right });
    expect(revealed.explanation).toContain(opened(teacher)!.question.explanation);
    // The close's broadcast gives the class every answer under a key that names nobody (a page knows its own answer).
    const seen = students[1]!.records.find((r) => r.event.type === 'checkpointClosed')!.event as Extract<RoomEvent, { type: 'checkpointClosed' }>;
    expect(Object.keys(seen.answers).filter((k) => !k.startsWith('?'))).toEqual([]);
    expect(Object.keys(seen.answers)).toHaveLength(30);
    expect(Object.values(seen.answers).filter((o) => o === right)).toHaveLength(20);
    // Once revealed, a page that joins gets the question whole.
    const after = env.client(server.url);
    expect((await after.join(teacher.session!.code, 'Later')).ok).toBe(true);
    expect(opened(after)!.question).toEqual(opened(teacher)!.question);
    const late = after.records.find((r) => r.event.type === 'checkpointClosed')!.event as Extract<RoomEvent, { type: 'checkpointClosed' }>;
    expect(Object.keys(late.answers).every((k) => k.startsWith('?'))).toBe(true);
    // A student who comes back gets their own answer by name.
    const back = env.client(server.url);
    expect((await back.resume(students[2]!.token!)).ok).toBe(true);
    const own3 = back.records.find((r) => r.event.type === 'checkpointClosed')!.event as Extract<RoomEvent, { type: 'checkpointClosed' }>;
    expect(own3.answers.n3).toBe(wrong);
    const closed = teacher.records.find((r) => r.event.type === 'checkpointClosed')!;
    expect(closed.lines).toEqual(['CLOSE 1: 30 answers']);
    expect(teacher.records.find((r) => r.event.type === 'checkpointRevealed')!.lines).toEqual([`REVEAL 1: ${q.question.options[right]} (20 of 30 right)`]);

    const mine = await students[2]!.emit('room:analytics', {});
    const own = okAck(mine).analytics as ClassAnalytics;
    expect(own.students).toEqual([{ node: 'n3', name: 'Student 3', answered: 1, right: 0 }]);
    expect(own.checkpoints).toHaveLength(1);
    expect(own.answers).toEqual([{ checkpoint: 1, node: 'n3', option: wrong }]);
    const all = okAck(await teacher.emit('room:analytics', {})).analytics as ClassAnalytics;
    expect(all.students).toHaveLength(31);
    expect(all.checkpoints[0]).toMatchObject({ answered: 30, share: 20 / 30, commonWrong: wrong });
  });

  it('counts the rules the class trips over, by refusal code, for the analytics', async () => {
    const server = await env.server();
    const { teacher, students } = await classroom(server.url, 3);
    // Accept requests before any promise (a new proposal), twice; and an acceptor asked for a promise it cannot give.
    expect((await students[1]!.emit('node:propose', { value: 'Mango' })).ok).toBe(true);
    for (let i = 0; i < 2; i++) expect(await students[1]!.emit('node:accept', { to: 'all' })).toMatchObject({ ok: false, error: { code: 'no-promise-quorum' } });
    expect(await teacher.emit('net:deliver', { id: 999 })).toMatchObject({ ok: false, error: { code: 'unknown-message' } });
    // Not a rule of the protocol: not counted.
    expect(await students[1]!.emit('net:drop', { id: 1 })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const { analytics } = (await teacher.emit('room:analytics', {})) as unknown as { analytics: ClassAnalytics };
    expect(analytics.refusals).toEqual([
      { code: 'no-promise-quorum', count: 2 },
      { code: 'unknown-message', count: 1 },
    ]);
    // A student sees none of the class's refusals.
    expect((okAck(await students[0]!.emit('room:analytics', {})).analytics as ClassAnalytics).refusals).toEqual([]);
  });

  it('refuses bad answers and changes nothing: not a student, no such question, out of range, after the close, after the time', async () => {
    const server = await env.server();
    const { room, teacher, students } = await classroom(server.url, 3);
    const watcher = env.client(server.url);
    await watcher.join(room.code, 'Projector', 'observer');
    expect(await students[0]!.emit('checkpoint:answer', { id: 1, option: 0 })).toMatchObject({ ok: false, error: { code: 'unknown-checkpoint' } });
    expect((await teacher.emit('checkpoint:open', { spec: { kind: 'quorumCrash' }, seconds: 5 })).ok).toBe(true);
    await students[0]!.until(() => opened(students[0]!) !== undefined, 'the question');
    const q = opened(students[0]!)!;
    expect(await watcher.emit('checkpoint:answer', { id: q.id, option: 0 })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await teacher.emit('checkpoint:answer', { id: q.id, option: 0 })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await students[0]!.emit('checkpoint:answer', { id: q.id, option: q.question.options.length })).toMatchObject({ ok: false, error: { code: 'bad-answer' } });
    for (const bad of [{ id: q.id }, { id: q.id, option: -1 }, { id: q.id, option: 1.5 }, { id: 'x', option: 0 }, { id: q.id, option: 0, extra: true }, null]) {
      expect(await students[0]!.emit('checkpoint:answer', bad)).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    }
    // Students cannot run the checkpoint; the instructor cannot open a second question.
    expect(await students[0]!.emit('checkpoint:reveal', { id: q.id })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await teacher.emit('checkpoint:open', { spec: { kind: 'quorumCrash' } })).toMatchObject({ ok: false, error: { code: 'checkpoint-open' } });
    expect(await students[1]!.emit('checkpoint:answer', { id: q.id, option: 0 })).toMatchObject({ ok: true, checkpoint: { answered: 1 } });
    // Past the countdown (5 s) and its grace: too late.
    await new Promise((r) => setTimeout(r, 6600));
    expect(await students[2]!.emit('checkpoint:answer', { id: q.id, option: 0 })).toMatchObject({ ok: false, error: { code: 'too-late' } });
    expect((await teacher.emit('checkpoint:close', { id: q.id })).ok).toBe(true);
    expect(await students[0]!.emit('checkpoint:answer', { id: q.id, option: 0 })).toMatchObject({ ok: false, error: { code: 'unknown-checkpoint' } });
    await teacher.until(() => teacher.records.some((r) => r.event.type === 'checkpointClosed'), 'the close');
    const closed = teacher.records.find((r) => r.event.type === 'checkpointClosed')!.event as Extract<RoomEvent, { type: 'checkpointClosed' }>;
    expect(closed.answers).toEqual({ n2: 0 });
    // Closed first, then revealed: the reveal records nothing more.
    expect((await teacher.emit('checkpoint:reveal', { id: q.id })).ok).toBe(true);
    await teacher.until(() => teacher.records.some((r) => r.event.type === 'checkpointRevealed'), 'the reveal');
    expect(teacher.records.at(-1)!.lines[0]).toMatch(/\(\d of 1 right\)$/);
  }, 15_000);
});

describe('hostile input around questions', () => {
  it('node ids every object has are bad requests; the searched question in a class too big to search is a bad question; a removed student stops counting', async () => {
    const server = await env.server();
    const { teacher, students } = await classroom(server.url, 8);
    for (const node of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect(await teacher.emit('checkpoint:open', { spec: { kind: 'nextValue', node } })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
      expect(await teacher.emit('participant:rename', { node, name: 'Evil' })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
      expect(await teacher.emit('node:crash', { node })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    }
    expect((await teacher.emit('node:accept', { node: 'n1', to: ['n2'] })).ok).toBe(true);
    expect(await teacher.emit('checkpoint:open', { spec: { kind: 'otherValue' } })).toMatchObject({ ok: false, error: { code: 'bad-question', message: expect.stringContaining('rooms of up to 7 nodes; this one has 8') } });

    const counts: number[] = [];
    teacher.socket.on('checkpoint:answered', ({ answered }: { answered: number }) => counts.push(answered));
    expect((await teacher.emit('checkpoint:open', { spec: { kind: 'chosenNow' }, seconds: 60 })).ok).toBe(true);
    for (const s of students.slice(0, 2)) expect((await s.emit('checkpoint:answer', { id: 1, option: 0 })).ok).toBe(true);
    await teacher.until(() => counts.at(-1) === 2, 'two answers');
    expect((await teacher.emit('participant:remove', { node: 'n2' })).ok).toBe(true);
    await teacher.until(() => counts.at(-1) === 1, 'the count without the removed student');
    await new Promise((r) => setTimeout(r, 200));
    expect(await server.app.classroom.roomInfo(teacher.session!.code)).not.toBeNull();
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
  });
});

describe("the instructor's own question over the socket", () => {
  it('takes 200 characters as people count them, and refuses answers that read the same', async () => {
    const server = await env.server();
    const { teacher } = await classroom(server.url, 2);
    expect(await teacher.emit('checkpoint:open', { spec: { kind: 'free', prompt: 'Q?', options: ['Yes', '\uFF39\uFF45\uFF53'] } })).toMatchObject({ ok: false, error: { code: 'bad-question', message: 'Two answers to choose from are the same.' } });
    expect(await teacher.emit('checkpoint:open', { spec: { kind: 'free', prompt: 'x'.repeat(201), options: ['A', 'B'] } })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect((await teacher.emit('checkpoint:open', { spec: { kind: 'free', prompt: '\u{1F469}\u200D\u{1F680}'.repeat(200), options: ['A', 'B'] } })).ok).toBe(true);
  });
});

describe('a question that outlives connections and the server', () => {
  it('a student who reconnects, and one who joins late, see the open question, the time left and their own answer', async () => {
    const server = await env.server();
    const { room, teacher, students } = await classroom(server.url, 3);
    expect((await teacher.emit('checkpoint:open', { spec: { kind: 'chosenNow' }, seconds: 120 })).ok).toBe(true);
    await students[0]!.until(() => opened(students[0]!) !== undefined, 'the question');
    expect((await students[0]!.emit('checkpoint:answer', { id: 1, option: 1 })).ok).toBe(true);
    // The connection drops and comes back: the resume answers with the question's status.
    students[0]!.socket.io.engine.close();
    await students[0]!.until(() => !students[0]!.socket.connected, 'the drop');
    await students[0]!.until(() => students[0]!.socket.connected && students[0]!.session !== null, 'the resume');
    const back = env.client(server.url);
    expect((await back.resume(students[0]!.token!)).ok).toBe(true);
    expect(back.session!.checkpoint).toMatchObject({ id: 1, answered: 1, mine: 1 });
    expect(back.session!.checkpoint!.remainingMs).toBeGreaterThan(100_000);
    const late = env.client(server.url);
    expect((await late.join(room.code, 'Late')).ok).toBe(true);
    expect(late.session!.checkpoint).toMatchObject({ id: 1, answered: 1, mine: null });
    expect(opened(late)?.question.answer).toBeNull();
    // Nor does the log's history, with text or without, or a projector.
    const history = okAck(await late.emit('room:history', { from: 1, to: late.lastSeq, text: true })).history as { records: { event: RoomEvent }[] };
    const page = history.records.map((r) => r.event).find((e): e is Checkpoint => e.type === 'checkpointOpened')!;
    expect([page.question.answer, page.question.explanation]).toEqual([null, '']);
    const projector = env.client(server.url);
    await projector.join(room.code, 'Projector', 'observer');
    expect(opened(projector)!.question.answer).toBeNull();
    expect(opened(teacher)!.question.answer).not.toBeNull();
  });

  it('a server restarted mid-question keeps the question and every answer', async () => {
    const first = await startServer();
    const { room, teacher, students } = await classroom(first.url, 4);
    expect((await teacher.emit('checkpoint:open', { spec: { kind: 'quorumCrash' }, seconds: 300 })).ok).toBe(true);
    await teacher.until(() => opened(teacher) !== undefined, 'the question');
    const right = opened(teacher)!.question.answer!;
    for (const s of students.slice(0, 3)) expect((await s.emit('checkpoint:answer', { id: 1, option: right })).ok).toBe(true);
    await first.close();

    const second = await env.server({}, first.dataDir);
    const teacher2 = env.client(second.url);
    await teacher2.resume(room.instructorToken);
    expect(teacher2.session!.checkpoint).toMatchObject({ id: 1, answered: 3 });
    const last = env.client(second.url);
    await last.resume(students[3]!.token!);
    expect((await last.emit('checkpoint:answer', { id: 1, option: right })).ok).toBe(true);
    expect((await teacher2.emit('checkpoint:reveal', { id: 1 })).ok).toBe(true);
    await teacher2.until(() => teacher2.records.some((r) => r.event.type === 'checkpointRevealed'), 'the reveal');
    expect(teacher2.records.at(-1)!.lines[0]).toMatch(/\(4 of 4 right\)$/);
  });

  it('a reveal can play the step its question asks about', async () => {
    const server = await env.server();
    const room = await createRoom(server.url);
    const teacher = env.client(server.url);
    await teacher.resume(room.instructorToken);
    await teacher.emit('room:settings', { settings: { delivery: 'queued' } });
    await teacher.emit('bot:add', { count: 3 });
    await teacher.emit('node:propose', { node: 'n1', value: 'Apple' });
    await teacher.emit('node:promise', { node: 'n1', to: ['n2'] });
    await teacher.until(() => teacher.records.some((r) => r.event.type === 'sent'), 'the request');
    const sent = teacher.records.filter((r) => r.event.type === 'sent').at(-1)!.event as Extract<RoomEvent, { type: 'sent' }>;
    expect((await teacher.emit('checkpoint:open', { spec: { kind: 'reply', message: sent.message.id } })).ok).toBe(true);
    const ack = await teacher.emit('checkpoint:reveal', { id: 1, play: true });
    expect(ack.ok).toBe(true);
    await teacher.until(() => teacher.records.at(-1)?.event.type === 'delivered', 'the delivery');
    expect((okAck(ack).seqs as number[]).length).toBe(3);
  });
});

describe('a prepared lesson with its questions', () => {
  it('30 students answer each question of a .paxos lesson as the instructor presents its moment; each counts once in the analytics', async () => {
    const server = await env.server();
    const text = readFileSync(join(import.meta.dirname, '..', '..', 'shared', 'presets', 'predict-value-adoption.paxos'), 'utf8');
    const res = await fetch(`${server.url}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ import: { name: 'lesson.paxos', text } }) });
    expect(res.status).toBe(201);
    const room = (await res.json()) as { code: string; instructorToken: string };
    const teacher = env.client(server.url);
    await teacher.resume(room.instructorToken);
    await teacher.loadHistory();
    const lesson = teacher.records.filter((r) => r.event.type === 'checkpointOpened');
    expect(lesson).toHaveLength(3);
    const students: TestClient[] = [];
    for (let i = 0; i < 30; i++) {
      const s = env.client(server.url);
      expect((await s.join(room.code, `Student ${i + 1}`)).ok).toBe(true);
      students.push(s);
    }
    for (const [k, asked] of lesson.entries()) {
      const imported = asked.event as Checkpoint;
      expect((await teacher.emit('replay:present', { seq: asked.seq })).ok).toBe(true);
      expect((await teacher.emit('checkpoint:open', { spec: imported.question.spec })).ok).toBe(true);
      await teacher.until(() => opened(teacher)?.at === asked.seq, `question ${k + 1}`);
      const live = opened(teacher)!;
      // The same question, asked of the same moment, with the same right answer.
      expect(live.question).toEqual(imported.question);
      const right = live.question.answer!;
      // All but k students answer right; k answer the first wrong option.
      const acks = await Promise.all(students.map((s, i) => s.emit('checkpoint:answer', { id: live.id, option: i < k ? (right === 0 ? 1 : 0) : right })));
      expect(acks.every((a) => a.ok)).toBe(true);
      expect((await teacher.emit('checkpoint:reveal', { id: live.id })).ok).toBe(true);
    }
    expect((await teacher.emit('replay:present', { seq: null })).ok).toBe(true);
    const { checkpoints } = okAck(await teacher.emit('room:analytics', {})).analytics as ClassAnalytics;
    expect(checkpoints.map((c) => [c.answered, c.counts[c.right!]])).toEqual([
      [30, 30],
      [30, 29],
      [30, 28],
    ]);
  }, 60_000);
});
