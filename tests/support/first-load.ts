/**
 * The JavaScript of the built client (client/dist) that a page loads before its first screen:
 * the entry script named by index.html and every chunk it imports statically, and theirs
 * (not `import()`), with the gzipped size of each file as the bench and the budget test count it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** The student page's budget of initial JavaScript, gzipped at level 9 (docs/BENCHMARKS.md). */
export const FIRST_LOAD_BYTES_MAX = 40_000;

export class ClientBuild {
  constructor(readonly dist: string) {}

  /** A chunk's file under assets/ by the name Vite gives it (`JoinView`, `StudentView`, `fold`). */
  chunk(name: string): string {
    const file = readdirSync(join(this.dist, 'assets')).find((f) => f.startsWith(`${name}-`) && f.endsWith('.js'));
    if (!file) throw new Error(`client/dist/assets holds no ${name} chunk: build the client (npm run build), or name the chunk the page loads now`);
    return `assets/${file}`;
  }

  /** The entry script, then every chunk it imports statically. */
  initial(): string[] {
    const html = readFileSync(join(this.dist, 'index.html'), 'utf8');
    return this.withImports([...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!));
  }

  /** The initial JavaScript of a page that comes by the QR code or a join link: the join page's chunk as well. */
  byJoinLink(): string[] {
    return this.withImports([...this.initial(), this.chunk('JoinView')]);
  }

  /** `files`, then every chunk they import statically, and theirs (not `import()`). */
  withImports(files: readonly string[]): string[] {
    const all = [...files];
    for (let i = 0; i < all.length; i++) {
      const code = readFileSync(join(this.dist, all[i]!), 'utf8');
      for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*)["']\.\/([^"']+\.js)["']/g)) {
        const file = `assets/${m[1]!}`;
        if (!all.includes(file)) all.push(file);
      }
    }
    return all;
  }

  /** A file's size gzipped at level 9. */
  gzipped(file: string): number {
    return gzipSync(readFileSync(join(this.dist, file)), { level: 9 }).length;
  }

  total(files: readonly string[]): number {
    return files.reduce((n, f) => n + this.gzipped(f), 0);
  }
}
