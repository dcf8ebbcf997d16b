import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['tests/unit/**/*.test.ts'] } },
      { test: { name: 'transcript', include: ['tests/transcripts/**/*.test.ts'] } },
      { test: { name: 'property', include: ['tests/property/**/*.test.ts'], testTimeout: 300_000 } },
      // The PostgreSQL tests share one server for the run (tests/support/postgres.ts).
      { test: { name: 'integration', include: ['tests/integration/**/*.test.ts'], testTimeout: 30_000, globalSetup: ['tests/support/postgres.ts'] } },
      {
        // Tests that measure delays (a flood, hostile imports): alone on the machine, after
        // every other project, one file at a time, so that other tests' work is not counted.
        // Their p99 is nearly the slowest of ~120 samples, so one pause of a shared machine can
        // push it past the bound; a real regression (seconds, as before the limits) fails every
        // try, so two more tries tell the two apart.
        // The import test runs on PostgreSQL too (tests/support/postgres.ts).
        test: { name: 'load', include: ['tests/load/**/*.test.ts'], testTimeout: 60_000, fileParallelism: false, sequence: { groupOrder: 1 }, retry: 2, globalSetup: ['tests/support/postgres.ts'] },
      },
      {
        // Svelte's client runtime, so that runes in the client's state classes are live.
        plugins: [svelte({ configFile: false })],
        resolve: { conditions: ['browser'] },
        test: { name: 'client', include: ['tests/client/**/*.test.ts'] },
      },
      {
        // A browser on a shared 2-core machine: give polls time before calling a wait a failure.
        test: { name: 'e2e', include: ['tests/e2e/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 60_000, expect: { poll: { timeout: 10_000 } } },
      },
    ],
  },
});
