/**
 * Builds the web client only when its sources changed since the last build: `npm start`
 * runs this, so a restart in class takes a second, not a rebuild. The sources are the
 * client, the shared core it bundles and the lock file; a hash of their contents is kept
 * in client/dist beside the build.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';

const ROOT = join(import.meta.dirname, '..');
/** What a build depends on; folders are read whole, less the skipped names. */
export const CLIENT_SOURCES = ['client', 'shared/src', 'shared/package.json', 'package-lock.json', 'tsconfig.base.json'];
const SKIPPED = new Set(['dist', 'node_modules']);
/** The hash of the sources the build in client/dist was made from. */
export const STAMP = join('client', 'dist', '.sources-sha256');

function files(root: string, path: string): string[] {
  const full = join(root, path);
  if (!existsSync(full)) return [];
  if (statSync(full).isFile()) return [path];
  return readdirSync(full, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .filter((p) => !p.split(sep).some((part) => SKIPPED.has(part)));
}

/** A hash of every source file's path and contents, in a fixed order. */
export function sourcesHash(root: string, sources: readonly string[] = CLIENT_SOURCES): string {
  const hash = createHash('sha256');
  const all = sources.flatMap((s) => files(root, s)).sort();
  for (const path of all) {
    hash.update(path.split(sep).join('/'));
    hash.update('\0');
    hash.update(readFileSync(join(root, path)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** True when client/dist holds a build of exactly these sources. */
export function buildIsCurrent(root: string, hash: string): boolean {
  const stamp = join(root, STAMP);
  return existsSync(join(root, 'client', 'dist', 'index.html')) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === hash;
}

/** `--always` builds whatever the stamp says (`npm run build`); without it, only when the sources changed. */
async function main(always: boolean): Promise<void> {
  const hash = sourcesHash(ROOT);
  if (!always && buildIsCurrent(ROOT, hash)) {
    console.log('toy-paxos: the web client is up to date.');
    return;
  }
  if (!always) console.log('toy-paxos: building the web client (its sources changed since the last build)...');
  // Loaded only to build: checking the hash alone stays quick.
  const { build } = await import('vite');
  await build({ root: join(ROOT, 'client'), logLevel: 'warn' });
  compressCopies(join(ROOT, 'client', 'dist'));
  writeFileSync(join(ROOT, STAMP), `${hash}\n`);
}

/** Files that compress: the server sends their copies to browsers that accept them (server/src/client-files.ts). */
const COMPRESSIBLE = /\.(html|js|mjs|css|svg|json|webmanifest|txt|map)$/;

/** Writes a Brotli (`.br`) and a gzip (`.gz`) copy beside each text file of `dir`, at the best compression. */
export function compressCopies(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !COMPRESSIBLE.test(entry.name)) continue;
    const path = join(entry.parentPath, entry.name);
    const data = readFileSync(path);
    writeFileSync(`${path}.br`, brotliCompressSync(data, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: data.length } }));
    writeFileSync(`${path}.gz`, gzipSync(data, { level: 9 }));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main(process.argv.includes('--always'));
