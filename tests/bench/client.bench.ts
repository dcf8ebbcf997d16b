/**
 * npm run bench:client
 * The initial JavaScript of the student page, minified and gzipped: the entry chunk
 * and every chunk it imports statically (socket.io-client and the shared core
 * included), for a student who opens the room's address, and for one who comes by the
 * QR code or join link (the join page's chunk as well). Then what loads while the page
 * connects (the student view and the shared core's fold of the room's records), and what
 * the page has loaded once the node shows. The
 * instructor, projector and solo views, the replay tools and socket.io's long-polling
 * fallback are loaded on demand and are listed apart.
 * Target: 40 kB or less on both ways in.
 *
 * Then, in headless Chromium, seeking in a 100,000-event session: `RoomLog.stateAt` at
 * random points, as the replay slider does. Target: p99 of 16 ms (one frame) or less.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'vite';
import { launch } from '../e2e/harness';
import { ClientBuild, FIRST_LOAD_BYTES_MAX } from '../support/first-load';
import type { SeekResult } from './seek-entry';

const dist = join(import.meta.dirname, '..', '..', 'client', 'dist');
execFileSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });

const client = new ClientBuild(dist);
const gz = (file: string) => client.gzipped(file);
const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;
const sum = (files: readonly string[]) => client.total(files);
const budget = kb(FIRST_LOAD_BYTES_MAX);

// The entry script, then every chunk it imports statically.
const initial = client.initial();
// By the QR code or a join link: the join page's chunk comes with the first page.
const byJoinLink = client.byJoinLink();
// The student view (node card, actions) and the fold, requested as the page starts to connect.
const studentView = client.withImports([client.chunk('StudentView'), client.chunk('fold')]).filter((f) => !initial.includes(f));

console.log('toy-paxos bench:client: JavaScript the student page loads first (minified, gzip -9)');
for (const file of initial) console.log(`  ${file.padEnd(40)} ${kb(gz(file)).padStart(9)}`);
console.log(`initial JavaScript of the student page, by the room's address: ${kb(sum(initial))} gzipped (target <= ${budget})`);
for (const file of byJoinLink.filter((f) => !initial.includes(f))) console.log(`  ${file.padEnd(40)} ${kb(gz(file)).padStart(9)}`);
console.log(`initial JavaScript of the student page, by the QR code or a join link: ${kb(sum(byJoinLink))} gzipped (target <= ${budget})`);
console.log('loaded while the page connects, the student view and the fold (the join page asks for them while the student types a name):');
for (const file of studentView) console.log(`  ${file.padEnd(40)} ${kb(gz(file)).padStart(9)}`);
console.log(`JavaScript loaded when the node card shows, by the room's address: ${kb(sum([...initial, ...studentView]))} gzipped`);

const lazy = readdirSync(join(dist, 'assets')).filter((f) => f.endsWith('.js') && ![...byJoinLink, ...studentView].includes(`assets/${f}`));
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
