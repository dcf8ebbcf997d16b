/**
 * A real PostgreSQL for the tests. With TOY_PAXOS_TEST_DATABASE_URL set (CI starts Debian's
 * cluster and sets it), that server; otherwise a throwaway cluster under the system's temp
 * folder, made with the installed PostgreSQL's initdb and stopped after the run (as the
 * `postgres` user when the tests run as root, since PostgreSQL refuses root). Each test file
 * takes its own fresh database from it with `freshDatabase()`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import type { TestProject } from 'vitest/node';
import { freePort } from './ports';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

/** The bin folder of the newest installed PostgreSQL (Debian keeps each version apart). */
function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (!versions[0]) {
    throw new Error('The tests need PostgreSQL: install it (Debian: apt-get install postgresql), or set TOY_PAXOS_TEST_DATABASE_URL to a server they may create databases on.');
  }
  return join(root, versions[0], 'bin');
}

/** vitest's global set-up: provides `postgresUrl` to every test file; returns the teardown. */
export default async function setup(project: TestProject): Promise<() => void> {
  const given = process.env.TOY_PAXOS_TEST_DATABASE_URL;
  if (given) {
    project.provide('postgresUrl', given);
    return () => undefined;
  }
  const bin = postgresBin();
  const dir = mkdtempSync(join(tmpdir(), 'toy-paxos-pg-'));
  const asRoot = process.getuid?.() === 0;
  const run = (tool: string, args: string[]) =>
    execFileSync(asRoot ? 'runuser' : join(bin, tool), asRoot ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args, { stdio: 'pipe' });
  if (asRoot) execFileSync('chown', ['postgres', dir]);
  const data = join(dir, 'data');
  const port = await freePort();
  run('initdb', ['-D', data, '--auth=trust', '-U', 'postgres', '--no-sync']);
  // fsync stays on: the tests kill servers and count on what PostgreSQL acknowledged.
  run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=300`, 'start']);
  project.provide('postgresUrl', `postgres://postgres@127.0.0.1:${port}/postgres`);
  return () => {
    try {
      run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** A new, empty database on the tests' PostgreSQL: its address. */
export async function freshDatabase(): Promise<string> {
  const admin = new pg.Client({ connectionString: inject('postgresUrl') });
  await admin.connect();
  const name = `toy_paxos_${randomBytes(6).toString('hex')}`;
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(inject('postgresUrl'));
  url.pathname = `/${name}`;
  return url.toString();
}
