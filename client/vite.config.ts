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
      output: {
        // What the first page needs goes in one file, which compresses better than
        // several; the views and tools loaded on demand keep their own chunks.
        codeSplitting: { groups: [{ name: 'app', tags: ['$initial'] }] },
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
