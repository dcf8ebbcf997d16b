/**
 * A throwaway PostgreSQL server, for the tests and bench:server: a cluster under the system's
 * temp folder, made with the installed PostgreSQL's initdb (Debian keeps each version under
 * /usr/lib/postgresql), run as the `postgres` user when this runs as root (PostgreSQL refuses
 * root), and removed when stopped. A test may take it down and bring it back on the same
 * port, as an administrator restarts a database under running servers.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { freePort } from './ports';

/** The bin folder of the newest installed PostgreSQL. */
function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (!versions[0]) {
    throw new Error('This needs PostgreSQL: install it (Debian: apt-get install postgresql), or set TOY_PAXOS_TEST_DATABASE_URL to a server it may create databases on.');
  }
  return join(root, versions[0], 'bin');
}

/** A throwaway PostgreSQL: its address (user postgres, no password), and how to stop, restart and remove it. */
export interface Postgres {
  readonly url: string;
  /** Stops the server as `pg_ctl stop -m MODE` does: `fast` ends every session, `immediate` kills the server without a clean shutdown (it recovers from its WAL when started). */
  down(mode: 'fast' | 'immediate'): void;
  /** Starts it again on the same port; resolves once it accepts connections. */
  up(): void;
  /** `pg_ctl restart -m MODE`: down and up again at once. */
  restart(mode: 'fast' | 'immediate'): void;
  /** Stops the server and removes its files. */
  stop(): void;
  /** The process id of the running server (its postmaster, whose children are the backends). */
  pid(): number;
}

/** Starts a new PostgreSQL on a free port. */
export async function startPostgres(): Promise<Postgres> {
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
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=300`;
  const up = () => run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-o', options, 'start']);
  up();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    down(mode) {
      run('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
    },
    up,
    restart(mode) {
      run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-m', mode, '-w', '-o', options, 'restart']);
    },
    pid() {
      // The first line of postmaster.pid is the server's process id.
      return Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    },
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** A new, empty database on the server at `adminUrl`: its address. */
export async function createDatabase(adminUrl: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const name = `toy_paxos_${randomBytes(6).toString('hex')}`;
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
