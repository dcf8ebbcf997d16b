/**
 * npm run bench:client
 * The initial JavaScript of the student page, minified and gzipped: the entry chunk
 * and every chunk it imports statically (socket.io-client and the shared core
 * included). The instructor, projector and solo views, the replay tools and
 * socket.io's long-polling fallback are loaded on demand and are listed apart.
 * Target: 40 kB or less.
 *
 * Then, in headless Chromium, seeking in a 100,000-event session: `RoomLog.stateAt` at
 * random points, as the replay slider does. Target: p99 of 16 ms (one frame) or less.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import { launch } from '../e2e/harness';
import type { SeekResult } from './seek-entry';

const dist = join(import.meta.dirname, '..', '..', 'client', 'dist');
execFileSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });

const html = readFileSync(join(dist, 'index.html'), 'utf8');
// The entry script, then every chunk it imports statically, and theirs (not `import()`).
const initial = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
for (let i = 0; i < initial.length; i++) {
  const code = readFileSync(join(dist, initial[i]!), 'utf8');
  for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*)["']\.\/([^"']+\.js)["']/g)) {
    const file = `assets/${m[1]!}`;
    if (!initial.includes(file)) initial.push(file);
  }
}
const gz = (file: string) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;

let total = 0;
console.log('toy-paxos bench:client: JavaScript the student page loads first (minified, gzip -9)');
for (const file of initial) {
  const size = gz(file);
  total += size;
  console.log(`  ${file.padEnd(40)} ${kb(size).padStart(9)}`);
}
console.log(`initial JavaScript of the student page: ${kb(total)} gzipped (target <= 40 kB)`);

const lazy = readdirSync(join(dist, 'assets')).filter((f) => f.endsWith('.js') && !initial.includes(`assets/${f}`));
console.log('loaded on demand:');
for (const f of lazy) console.log(`  assets/${f.padEnd(33)} ${kb(gz(`assets/${f}`)).padStart(9)}`);

// Seeking in the browser: the shared core and the log fixture, bundled for Chromium.
const bundle = await build({
  configFile: false,
  logLevel: 'warn',
  build: { write: false, minify: true, lib: { entry: join(import.meta.dirname, 'seek-entry.ts'), formats: ['iife'], name: 'seekBench' } },
});
const output = (Array.isArray(bundle) ? bundle[0]! : bundle) as { output: { code?: string }[] };
const code = output.output[0]!.code!;
const browser = await launch();
try {
  const page = await browser.newPage();
  await page.addScriptTag({ content: code });
  const r = await page.evaluate(() => (globalThis as unknown as { seekBench: (n: number, s: number) => SeekResult }).seekBench(100_000, 2000));
  console.log(
    `seek in a 100,000-event session (Chromium): log built in ${r.buildMs.toFixed(0)} ms; stateAt p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, max ${r.max.toFixed(2)} ms (target p99 <= 16 ms)`,
  );
} finally {
  await browser.close();
}
