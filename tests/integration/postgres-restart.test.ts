/**
 * A PostgreSQL restart under a class. Two real server processes (`server/src/index.ts`) on a
 * throwaway PostgreSQL of this file's own, never the tests' shared one (in CI it serves other
 * test files meanwhile), restarted with `pg_ctl -m fast` and `-m immediate` while students on
 * both processes act. Every process lives on; while the database is down, a command is
 * answered `store-unavailable` and changes nothing; once it is back, commands succeed on both
 * processes, each hears the other's, every client holds the same log, and every acknowledged
 * event is in it. A process started while the database is down waits for it.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LogRecord } from '@toy-paxos/shared';
import { freePort } from '../support/ports';
import { createDatabase, startPostgres, type Postgres } from '../support/postgres-server';
import { startProcess } from '../support/server-process';
import { createRoom, sameLog, TestClient, until } from './harness';

/** What a command is told while the database is down (docs/protocol/errors-and-limits.md, 7.1). */
const RESTARTING = "The classroom's database is restarting; nothing changed; try again in a moment.";

let postgres: Postgres;
/** Whether a test left the server down (it failed half-way): the next one needs it up. */
let down = false;
const children: ChildProcess[] = [];
const clients: TestClient[] = [];

beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(() => postgres?.stop());
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  for (const p of children.splice(0)) p.kill('SIGKILL');
  if (down) bringUp();
});

function takeDown(mode: 'fast' | 'immediate'): void {
  postgres.down(mode);
  down = true;
}

function bringUp(): void {
  postgres.up();
  down = false;
}

async function serverProcess(database: string, onOutput?: (text: string) => void): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = await startProcess(port, { DATABASE_URL: database, ...(onOutput ? { LOG_LEVEL: 'info' } : {}) }, undefined, onOutput);
  children.push(child);
  return { url: `http://127.0.0.1:${port}`, child };
}

function client(url: string): TestClient {
  const c = new TestClient(url);
  clients.push(c);
  return c;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The value of each proposal in the log, by its seq. */
function proposals(records: readonly LogRecord[]): Map<number, string | null> {
  return new Map(records.flatMap((r) => (r.event.type === 'proposalStarted' ? [[r.seq, r.event.value] as const] : [])));
}

describe('server processes on PostgreSQL, when the database restarts', () => {
  it('live through a restart with -m fast and with -m immediate mid-class: refuse while it is down, lose nothing acknowledged, and converge', async () => {
    const database = await createDatabase(postgres.url);
    // One after the other: the first creates the schema.
    const a = await serverProcess(database);
    const b = await serverProcess(database);
    const room = await createRoom(a.url);
    const teacher = client(b.url);
    expect((await teacher.resume(room.instructorToken)).ok).toBe(true);
    // Two students on each process: the first of each acts all along, the second only when told.
    const students = [client(a.url), client(a.url), client(b.url), client(b.url)];
    for (const [i, s] of students.entries()) expect((await s.join(room.code, `S${i}`)).ok).toBe(true);
    // One more on a, who leaves while the database is down: the other process must hear of it.
    const leaver = client(a.url);
    expect((await leaver.join(room.code, 'Leaver')).ok).toBe(true);
    const online = () => new Set(teacher.presence?.participants.filter((p) => p.role === 'student' && p.online).map((p) => p.name));
    await teacher.until(() => online().size === 5, 'five students online');

    /** Each acknowledged seq, once; the value of each acknowledged proposal by its seq. */
    const acked = new Set<number>();
    const proposed = new Map<number, string>();
    const doubled: number[] = [];
    /** Acknowledged commands of the acting students, by process (0: a, 1: b). */
    const ackedOn = [0, 0];
    /** Proposals answered "nothing changed": none may be in the log. */
    const unchanged: string[] = [];
    /** Other answers while the database was down, for the message of a failure. */
    const unavailable = new Map<string, number>();
    let stop = false;
    /** Student `k` acts on process `k`, within its budget of commands (about ten a second). */
    const act = async (c: TestClient, k: number) => {
      for (let i = 0; !stop; i++) {
        const value = `V${k}-${i}`;
        const [event, payload] = ([['node:propose', { value }], ['node:promise', { to: 'all' }], ['node:accept', { to: 'all' }]] as const)[i % 3]!;
        try {
          const ack = await c.emit(event, payload);
          if (ack.ok) {
            ackedOn[k]!++;
            const seqs = ack.seqs as number[];
            for (const seq of seqs) {
              if (acked.has(seq)) doubled.push(seq);
              acked.add(seq);
            }
            if (event === 'node:propose') proposed.set(seqs[0]!, value);
          } else if (ack.error.code === 'store-unavailable') {
            if (ack.error.message === RESTARTING && event === 'node:propose') unchanged.push(value);
            unavailable.set(ack.error.message, (unavailable.get(ack.error.message) ?? 0) + 1);
          }
        } catch {
          // no answer in 5 s: not acknowledged
        }
        await sleep(120);
      }
    };
    const loops = [students[0]!, students[2]!].map((s, k) => act(s, k));
    const ackedOnBoth = async (what: string) => {
      const before = [...ackedOn];
      await until(() => ackedOn[0]! > before[0]! + 6 && ackedOn[1]! > before[1]! + 6, `commands acknowledged on both processes ${what}`, 20_000);
    };
    await ackedOnBoth('before the restarts');

    // As an administrator restarts it, mid-class: down and up again at once.
    postgres.restart('fast');
    await ackedOnBoth('after pg_ctl restart -m fast');
    // Then down for a while, in each mode.
    for (const mode of ['fast', 'immediate'] as const) {
      takeDown(mode);
      // Down for a while, the students acting all along: each process answers, and lives.
      await sleep(1500);
      for (const [s, where] of [[students[1]!, 'a'], [students[3]!, 'b']] as const) {
        const value = `Down-${mode}-${where}`;
        expect(await s.emit('node:propose', { value }), `a proposal on process ${where} with the database down (${mode})`).toEqual({
          ok: false,
          error: { code: 'store-unavailable', message: RESTARTING },
        });
        unchanged.push(value);
      }
      expect([a.child.exitCode, b.child.exitCode]).toEqual([null, null]);
      // An operator's probe sees it too: each process's /healthz says the store is failing.
      for (const p of [a, b]) {
        const health = await fetch(`${p.url}/healthz`);
        expect(health.status, `/healthz with the database down (${mode})`).toBe(503);
        expect(await health.json()).toMatchObject({ status: 'store-failing', store: { ok: false } });
      }
      if (mode === 'immediate') leaver.close();
      bringUp();
      await ackedOnBoth(`after the restart with -m ${mode}`);
      for (const p of [a, b]) {
        let status = (await fetch(`${p.url}/healthz`)).status;
        for (let tries = 0; tries < 50 && status !== 200; tries++) {
          await sleep(100);
          status = (await fetch(`${p.url}/healthz`)).status;
        }
        expect(status, `/healthz once the database is back (${mode})`).toBe(200);
      }
    }
    stop = true;
    await Promise.all(loops);
    expect(doubled).toEqual([]);
    expect(unavailable.size, JSON.stringify([...unavailable])).toBeGreaterThan(0);

    // Each process hears the other's commands: a's reach the clients of b, and b's those of a.
    for (const [from, to] of [[students[0]!, students[2]!], [students[2]!, students[0]!]] as const) {
      const ack = await from.emit('node:propose', { value: 'Heard' });
      if (!ack.ok) throw new Error(JSON.stringify(ack));
      const seq = (ack.seqs as number[])[0]!;
      acked.add(seq);
      proposed.set(seq, 'Heard');
      await to.until(() => to.lastSeq >= seq, `event ${seq} on the other process`, 3000);
    }

    // Who is online, as b sees it: the leaver went while nothing could be told.
    await teacher.until(() => online().size === 4 && !online().has('Leaver'), 'the leaver offline on the other process', 10_000);

    // One log on every client, fresh ones on each process too; every acknowledged event in it.
    const fresh = [client(a.url), client(b.url)];
    for (const c of fresh) expect((await c.resume(room.instructorToken)).ok).toBe(true);
    const last = Math.max(...fresh.map((c) => c.lastSeq));
    await sameLog([teacher, ...students, ...fresh], last);
    const log = proposals(teacher.records);
    for (const seq of acked) expect(seq).toBeLessThanOrEqual(last);
    for (const [seq, value] of proposed) expect(log.get(seq), `the proposal acknowledged at ${seq}`).toBe(value);
    const values = new Set(log.values());
    expect(unchanged.filter((v) => values.has(v)), 'proposals answered "nothing changed" that are in the log').toEqual([]);
  }, 120_000);

  it('start while the database is down: wait, say so in the log, and serve once it is up', async () => {
    const database = await createDatabase(postgres.url);
    takeDown('fast');
    let output = '';
    const starting = serverProcess(database, (text) => (output += text));
    let failed: unknown = null;
    starting.catch((e: unknown) => (failed = e));
    const waits = () => output.split('\n').filter((line) => line.includes('cannot reach the database')).length;
    // It tries again (a line each time) rather than exiting.
    await until(() => waits() >= 2 || failed !== null, 'two tries logged', 15_000);
    expect(failed).toBe(null);
    bringUp();
    const { url } = await starting;
    const room = await createRoom(url);
    const student = client(url);
    expect((await student.join(room.code, 'Early')).ok).toBe(true);
    expect((await student.emit('node:propose', { value: 'Up' })).ok).toBe(true);
  }, 60_000);
});
