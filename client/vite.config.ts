import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';
import { leanSocket } from './lean-socket.ts';

// `npm run dev -w client` serves the client with hot reload and forwards the API and
// the socket to a classroom server started with `npm start` on port 3000.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [leanSocket(), svelte({ compilerOptions: { discloseVersion: false } })],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    minify: true,
    // Every browser the classroom supports has module preloading.
    modulePreload: { polyfill: false },
    rolldownOptions: {
      // The Svelte compiler is most of a build's time, as it should be: no timing report at every `npm start`.
      checks: { bundlerTimings: false },
      treeshake: {
        // Svelte's client runtime runs nothing when loaded (its modules only declare
        // functions, constants and caches), but its package does not say so. Said here, the
        // runtime that only lazy views use ({#each}, bindings) loads with them, not with the
        // first page: otherwise every part that svelte/internal/client re-exports is reached
        // from the first page's imports, and bundled with it.
        moduleSideEffects: (id) => !id.replaceAll('\\', '/').includes('/node_modules/svelte/src/internal/client/'),
      },
      output: {
        // What the first page needs goes in one file, which compresses better than
        // several, and so does the student view with what it needs (the core's fold
        // included), which loads while the page connects; the views and tools loaded on
        // demand keep their own chunks, and take what they share with the student view from it.
        codeSplitting: {
          groups: [
            { name: 'app', tags: ['$initial'] },
            { name: 'StudentView', test: /[\\/]src[\\/]views[\\/]StudentView\.svelte$/ },
          ],
        },
      },
    },
  },
  server: {
    proxy: {
      '/api': 'http://localhost:3000',
      '/socket.io': { target: 'http://localhost:3000', ws: true },
    },
  },
});
