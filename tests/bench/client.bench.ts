/**
 * npm run bench:client
 * The initial JavaScript of the student page, minified and gzipped: the entry chunk
 * and every chunk it imports statically (socket.io-client and the shared core
 * included), as the built index.html loads them. The instructor, projector and solo
 * views are loaded on demand and are listed apart. Target: 40 kB or less.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = join(import.meta.dirname, '..', '..', 'client', 'dist');
execFileSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });

const html = readFileSync(join(dist, 'index.html'), 'utf8');
const initial = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
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
