/**
 * A bug met after a command's synchronous part (once its commit is done) answers that
 * command `server-error` and is logged; the process, its sockets and the commits after it
 * go on. Before, such an exception escaped every try/catch: the process stopped, or its
 * commits did.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, DEFAULT_LIMITS, SqliteStore, type App } from '@toy-paxos/server';
import type { CommandResult, SessionInfo } from '@toy-paxos/shared';
import { Classroom, type Broadcaster, type Outcome, type Session } from '../../server/src/classroom';
import { createRoom, TestClient } from './harness';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The outcome `run` replies with, or 'no answer' if none comes within two seconds. */
function answer<T>(run: (reply: (outcome: Outcome<T>) => void) => void): Promise<Outcome<T> | 'no answer'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('no answer'), 2000);
    run((outcome) => {
      clearTimeout(timer);
      resolve(outcome);
    });
  });
}

describe('an exception after the commit, in the classroom', () => {
  it('answers the command server-error, is reported, and the next command is committed and answered', async () => {
    let armed = false;
    const quiet = () => undefined;
    const broadcaster: Broadcaster = {
      records: quiet,
      presence: () => {
        if (armed) {
          armed = false;
          throw new Error('a broadcast failed');
        }
      },
      replay: quiet,
      timeline: quiet,
      ended: quiet,
      answered: quiet,
    };
    const reported: string[] = [];
    const store = new SqliteStore(mkdtempSync(join(tmpdir(), 'toy-paxos-unexpected-')));
    cleanups.push(() => store.close());
    const classroom = new Classroom({
      store,
      limits: DEFAULT_LIMITS,
      broadcaster,
      publicUrl: 'http://localhost:3000',
      onError: (error) => reported.push(String(error)),
    });
    const created = await classroom.createRoom(Date.now());
    if (!created.ok) throw new Error(JSON.stringify(created));
    const resumed = await answer<{ session: Session; info: SessionInfo }>((reply) =>
      classroom.resume(created.value.instructorToken, 0, undefined, Date.now(), reply),
    );
    if (resumed === 'no answer' || !resumed.ok) throw new Error(JSON.stringify(resumed));
    const session = resumed.value.session;

    armed = true;
    const locked = await answer<CommandResult>((reply) => classroom.command(session, 'room:lock', { locked: true }, Date.now(), reply));
    expect(locked).toMatchObject({ ok: false, error: { code: 'server-error' } });
    expect(reported).toEqual(['Error: a broadcast failed']);
    const unlocked = await answer<CommandResult>((reply) => classroom.command(session, 'room:lock', { locked: false }, Date.now(), reply));
    expect(unlocked).toEqual({ ok: true, value: { seqs: [] } });
    expect(classroom.roomSummary(created.value.code)!.locked).toBe(false);
  });
});

describe('an exception after the commit, in the socket layer', () => {
  it('answers the join server-error and logs it; the server goes on serving joins', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'toy-paxos-unexpected-'));
    const errors: string[] = [];
    let armed = false;
    const base = pino({ level: 'silent' });
    // A logger that fails once, on the line written after a join's commit.
    const logger = Object.assign(Object.create(base) as Logger, {
      info(this: Logger, ...args: unknown[]) {
        if (armed && args.includes('session started')) {
          armed = false;
          throw new Error('the log failed');
        }
        return (base.info as (...a: unknown[]) => void)(...args);
      },
      error(this: Logger, obj: unknown, message?: string) {
        errors.push(`${message}: ${String((obj as { err?: unknown }).err)}`);
      },
    });
    const app: App = createApp({
      config: { port: 0, host: '127.0.0.1', dataDir, allowedOrigins: [], publicUrl: 'http://localhost:3000', logLevel: 'silent', clientDir: '/nonexistent', limits: DEFAULT_LIMITS },
      store: new SqliteStore(dataDir),
      logger,
    });
    const port = await app.listen(0, '127.0.0.1');
    cleanups.push(() => app.close());
    const url = `http://127.0.0.1:${port}`;
    const room = await createRoom(url);
    const first = new TestClient(url);
    const second = new TestClient(url);
    cleanups.push(() => first.close(), () => second.close());

    armed = true;
    expect(await first.join(room.code, 'Ana', 'observer')).toMatchObject({ ok: false, error: { code: 'server-error' } });
    expect(errors).toEqual(['command failed: Error: the log failed']);
    expect(await second.join(room.code, 'Bo', 'observer')).toMatchObject({ ok: true, session: { name: 'Bo' } });
    expect(first.socket.connected).toBe(true);
  });
});
