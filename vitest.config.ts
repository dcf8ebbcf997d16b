import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['tests/unit/**/*.test.ts'] } },
      { test: { name: 'transcript', include: ['tests/transcripts/**/*.test.ts'] } },
      { test: { name: 'property', include: ['tests/property/**/*.test.ts'], testTimeout: 300_000 } },
      { test: { name: 'integration', include: ['tests/integration/**/*.test.ts'], testTimeout: 30_000 } },
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
