/**
 * The README and the guides stay true: every relative link leads to a file (and, for an
 * #anchor, to a heading that exists under GitHub's rules), every picture is a PNG in the
 * repository, every `npm run X` names a script, and the scenario and REPL examples run.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

/** README.md and every Markdown file under docs/, as paths from the repository's root. */
function markdownFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : [],
    );
  return ['README.md', ...walk('docs')];
}

const FILES = markdownFiles();
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** A page's prose: fenced code blocks and inline code blanked out, so that only real links are read. */
function prose(text: string): string {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, 'code');
}

/** A heading's anchor as GitHub makes it: its text lower-cased, punctuation dropped, spaces to hyphens. */
function githubSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link or picture keeps its text
    .replace(/<[^>]+>/g, '') // HTML tags go
    .replace(/`/g, '')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '').replace(/ /g, '-');
}

/** Every anchor a page offers: its headings (a repeated one gets -1, -2, ...) and its `<a id>`/`<a name>` tags. */
function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const text = read(file).replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const [, heading] of text.matchAll(/^#{1,6} +(.+?) *#* *$/gm)) {
    const slug = githubSlug(heading!);
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  for (const [, id] of text.matchAll(/<a (?:id|name)="([^"]+)"/g)) anchors.add(id!);
  return anchors;
}

interface Link {
  file: string;
  target: string;
  image: boolean;
}

/** Every Markdown link and picture of a page whose target is in this repository. */
function relativeLinks(file: string): Link[] {
  const links: Link[] = [];
  for (const [, bang, target] of prose(read(file)).matchAll(/(!?)\[(?:[^\]]|\n)*?\]\(([^)\s]+)(?: "[^"]*")?\)/g)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target!)) continue; // http:, https:, mailto:
    links.push({ file, target: target!, image: bang === '!' });
  }
  return links;
}

/** What is wrong with a link, or null when it leads somewhere real. */
function brokenLink({ file, target }: Link): string | null {
  const [path, anchor] = target.split('#', 2) as [string, string | undefined];
  const to = path === '' ? join(ROOT, file) : resolve(ROOT, dirname(file), decodeURIComponent(path));
  if (!to.startsWith(ROOT) || !existsSync(to)) return `${file}: ${target} leads to no file`;
  if (anchor === undefined) return null;
  if (statSync(to).isDirectory() || !to.endsWith('.md')) return `${file}: ${target} has an anchor, but leads to no Markdown page`;
  const page = relative(ROOT, to);
  return anchorsOf(page).has(anchor) ? null : `${file}: ${target}: ${page} has no heading with the anchor #${anchor}`;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Every `npm run ...` command a page shows, with the rest of its line up to a comment or the end of the code. */
function npmRuns(file: string): { script: string; workspace: string | null; args: string[] }[] {
  const found = [];
  for (const [, script, workspace, rest] of read(file).matchAll(/npm run (?:-s )?([\w:-]+)(?: -w (\w+))?([^`|#\n]*)/g)) {
    const args = rest!.trim().replace(/^--\s*/, '').split(/\s+/).filter(Boolean);
    found.push({ script: script!, workspace: workspace ?? null, args });
  }
  return found;
}

const scriptsOf = (pkg: string) => Object.keys((JSON.parse(readFileSync(join(ROOT, pkg), 'utf8')) as { scripts: Record<string, string> }).scripts);

/** A placeholder in an example (`--preset NAME`, `-- ...`), not something to run. */
const placeholder = (arg: string) => /^([A-Z]+|\.\.\.|…)$/.test(arg);

/** A reader's own scenario file (`my.paxos`) stands for any script: a preset's file is run in its place. */
const STAND_IN = 'shared/presets/value-adoption.paxos';

const tsx = (script: string, args: string[], input?: string) => {
  const child = run(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (input !== undefined) child.child.stdin!.end(input);
  return child;
};

describe('the README and docs/', () => {
  it('every page starts with one or two lines that say who it is for or what it covers', () => {
    const untold = FILES.filter((file) => {
      const [title, , first] = read(file).split('\n');
      return !title!.startsWith('# ') || !first || first.startsWith('#') || first.startsWith('!') || first.startsWith('```');
    });
    expect(untold).toEqual([]);
  });

  it('every relative link leads to a file, and every #anchor to a heading of that page', () => {
    const links = FILES.flatMap(relativeLinks);
    expect(links.length).toBeGreaterThan(100);
    expect(links.map(brokenLink).filter((problem) => problem !== null)).toEqual([]);
  });

  it('makes anchors as GitHub does', () => {
    expect(githubSlug('3.1 `GET /healthz`')).toBe('31-get-healthz');
    expect(githubSlug('`node:crash` / `node:recover`')).toBe('nodecrash--noderecover');
    expect(githubSlug("6.5 Deriving the room's state")).toBe('65-deriving-the-rooms-state');
    expect(githubSlug('What can happen from here?')).toBe('what-can-happen-from-here');
  });

  it('every picture is a PNG kept in the repository', () => {
    const images = FILES.flatMap(relativeLinks).filter((l) => l.image);
    expect(images.map((l) => l.target)).toContain('docs/images/class.png');
    const wrong = images.filter((l) => {
      const path = resolve(ROOT, dirname(l.file), l.target);
      return !l.target.endsWith('.png') || !existsSync(path) || !readFileSync(path).subarray(0, 8).equals(PNG_SIGNATURE);
    });
    expect(wrong.map((l) => `${l.file}: ${l.target}`)).toEqual([]);
  });

  it('every `npm run` command names a script of package.json', () => {
    const scripts = new Map([[null, scriptsOf('package.json')], ['client', scriptsOf('client/package.json')]] as const);
    const runs = FILES.flatMap((file) => npmRuns(file).map((r) => ({ file, ...r })));
    expect(runs.length).toBeGreaterThan(20);
    const unknown = runs.filter((r) => !scripts.get(r.workspace as 'client' | null)?.includes(r.script));
    expect(unknown.map((r) => `${r.file}: npm run ${r.script}${r.workspace ? ` -w ${r.workspace}` : ''}`)).toEqual([]);
  });

  it('every scenario example with a preset or a file runs', { timeout: 120_000 }, async () => {
    /** What to run, and the example as a page shows it. */
    const examples = new Map<string, string>();
    for (const file of FILES)
      for (const r of npmRuns(file))
        if (r.script === 'scenario' && r.args.length && !r.args.some(placeholder)) {
          const args = r.args.map((a) => (a.endsWith('.paxos') && !existsSync(join(ROOT, a)) ? STAND_IN : a));
          examples.set(args.join(' '), r.args.join(' '));
        }
    expect([...examples.values()]).toContain('--preset value-adoption');
    const failed: string[] = [];
    // Two at a time, for a machine of two cores.
    const queue = [...examples];
    await Promise.all(
      [0, 1].map(async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          const [args, shown] = next;
          await tsx('scripts/scenario.ts', args.split(' ')).catch((e: { code?: number; stderr?: string }) => failed.push(`npm run scenario -- ${shown}: exit ${e.code}: ${e.stderr}`));
        }
      }),
    );
    expect(failed).toEqual([]);
  });

  it('npm run check prints what docs/BRING-YOUR-OWN-NODE.md shows, but for the time it took', { timeout: 240_000 }, async () => {
    const blocks = [...read('docs/BRING-YOUR-OWN-NODE.md').matchAll(/^```[^\n]*\n([\s\S]*?)^```/gm)].map((m) => m[1]!.trimEnd());
    // A block of one `npm run check -- ...` line followed by the block of what it prints.
    const examples = blocks.flatMap((b, i) => (/^npm run check -- [^\n]+$/.test(b) && blocks[i + 1] && !blocks[i + 1]!.startsWith('npm run') ? [[b, blocks[i + 1]!] as const] : []));
    expect(examples.length).toBe(2);
    const timeless = (text: string) => text.trimEnd().replace(/ in \d+\.\d s\)$/gm, ' in (time) s)');
    for (const [command, shown] of examples) {
      const args = command.replace('npm run check -- ', '').split(' ');
      const out = await tsx('scripts/check-node.ts', args).catch((e: { code: number; stdout: string }) => ({ stdout: e.stdout, code: e.code }));
      expect(timeless(out.stdout), command).toBe(timeless(shown));
    }
  });

  it('the REPL answers each line of the examples as the page shows', { timeout: 60_000 }, async () => {
    const mismatched: string[] = [];
    let transcripts = 0;
    for (const file of FILES) {
      // A page's sessions follow on from each other: the nodes made in one are used in the next.
      const inputs: string[] = [];
      for (const [, block] of read(file).matchAll(/^```[^\n]*\n([\s\S]*?)^```/gm)) {
        if (!block!.includes('paxos> ')) continue;
        transcripts++;
        const lines = block!.split('\n').filter((l) => l && l !== 'npm run repl');
        inputs.push(...lines.filter((l) => l.startsWith('paxos> ')).map((l) => l.slice('paxos> '.length)));
        const { stdout, stderr } = await tsx('scripts/repl.ts', [], inputs.join('\n') + '\n');
        const printed = new Set(`${stdout}\n${stderr}`.split('\n'));
        for (const line of lines) if (!line.startsWith('paxos> ') && !printed.has(line)) mismatched.push(`${file}: the REPL does not print: ${line}`);
      }
    }
    expect(transcripts).toBeGreaterThan(0);
    expect(mismatched).toEqual([]);
  });
});
