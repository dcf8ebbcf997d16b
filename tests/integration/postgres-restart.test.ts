/**
 * Real server processes (`server/src/index.ts`) on a throwaway PostgreSQL of this file's own,
 * never the tests' shared one (in CI it serves other test files meanwhile), which the tests
 * take down: a process started while the database is down waits for it.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports';
import { createDatabase, startPostgres, type Postgres } from '../support/postgres-server';
import { startProcess } from '../support/server-process';
import { createRoom, TestClient, until } from './harness';

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

describe('server processes on PostgreSQL, when the database is down', () => {
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
