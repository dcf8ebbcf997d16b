/**
 * A real PostgreSQL for the tests. With TOY_PAXOS_TEST_DATABASE_URL set (CI starts Debian's
 * cluster and sets it), that server; otherwise a throwaway one (postgres-server.ts), started
 * once for the run and stopped after it. Each test file takes its own fresh database from it
 * with `freshDatabase()`.
 */
import { inject } from 'vitest';
import type { TestProject } from 'vitest/node';
import { createDatabase, startPostgres } from './postgres-server';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

/** vitest's global set-up: provides `postgresUrl` to every test file; returns the teardown. */
export default async function setup(project: TestProject): Promise<() => void> {
  const given = process.env.TOY_PAXOS_TEST_DATABASE_URL;
  if (given) {
    project.provide('postgresUrl', given);
    return () => undefined;
  }
  const server = await startPostgres();
  project.provide('postgresUrl', server.url);
  return () => server.stop();
}

/** A new, empty database on the tests' PostgreSQL: its address. */
export function freshDatabase(): Promise<string> {
  return createDatabase(inject('postgresUrl'));
}
