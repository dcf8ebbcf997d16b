/**
 * `npm run start:cluster`'s primary killed with SIGKILL while its server processes start: with
 * no primary, no connection can reach them, and each stops, saying so, rather than dying of
 * an error on its channel to the primary.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports';
import { freshDatabase } from '../support/postgres';
import { spawnServer } from '../support/server-process';
import { until } from './harness';

const pids: number[] = [];
afterEach(() => {
  for (const pid of pids.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The processes `primary` has started so far. */
function childrenOf(primary: ChildProcess): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(primary.pid)]).toString().trim().split(/\s+/).map(Number);
  } catch {
    return []; // pgrep exits with 1 when there are none
  }
}

describe('start:cluster when its primary is killed', () => {
  it('stops each server process still starting, saying why, with no error', async () => {
    let output = '';
    const primary = spawnServer(await freePort(), { DATABASE_URL: await freshDatabase(), PROCESSES: '2', LOG_LEVEL: 'info' }, 'server/src/cluster.ts', (text) => (output += text));
    pids.push(primary.pid!);
    // Their output comes through the pipes they share with the primary, closed once all are gone.
    const outputEnds = Promise.all([primary.stdout!, primary.stderr!].map((stream) => new Promise((resolve) => stream.once('close', resolve))));
    // Killed as soon as it has started both, long before they serve.
    let workers: number[] = [];
    await until(() => (workers = childrenOf(primary)).length === 2, 'the primary starting two server processes', 20_000);
    pids.push(...workers);
    primary.kill('SIGKILL');

    await until(() => !workers.some(alive), 'every server process stopping', 30_000);
    await outputEnds;
    expect(output).not.toMatch(/EPIPE|Unhandled 'error' event/);
    for (const pid of workers) expect(output).toContain(`toy-paxos: server process ${pid} stops: the primary (npm run start:cluster) is gone`);
  }, 60_000);
});
