/**
 * The protocol seam holds: outside the protocol modules (shared/src/protocols/, the
 * Multi-Paxos code in shared/src/multi/ and the pages' client/src/protocols/), no code of the
 * core, the server or the client tests which protocol a room plays or reads a protocol's own
 * part of the state. It asks the registry (`protocolOf(state)`) and the module instead.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initialRoomState, messageOwner, PROTOCOLS, protocolOf } from '@toy-paxos/shared';

const ROOT = join(import.meta.dirname, '..', '..');
const SCANNED = ['shared/src', 'server/src', 'client/src'];
const MODULES = ['shared/src/protocols/', 'shared/src/multi/', 'client/src/protocols/'];

/** What only a protocol module may write: a test of the protocol by name, or a read of Multi-Paxos's part of the state. */
const FORBIDDEN: readonly { readonly what: string; readonly pattern: RegExp }[] = [
  { what: "a test of protocol === 'multi'", pattern: /protocol\s*[!=]==?\s*['"]multi['"]|['"]multi['"]\s*[!=]==?\s*[\w.?]*protocol\b/ },
  { what: 'isMultiMessage', pattern: /\bisMultiMessage\b/ },
  { what: "a read of the state's .multi part", pattern: /\.multi\b(?![-\w])/ },
];

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sourceFiles(path);
    return /\.(ts|svelte)$/.test(e.name) ? [path] : [];
  });
}

/** A file's code: a Svelte file's styles are left out (a CSS class may be called `multi`). */
function code(path: string): string {
  const text = readFileSync(join(ROOT, path), 'utf8');
  return path.endsWith('.svelte') ? text.replace(/<style[\s\S]*?<\/style>/g, '') : text;
}

/** Every line of `text` that breaks the seam, as `line N: what`. */
export function seamBreaks(text: string): string[] {
  return text.split('\n').flatMap((line, i) => FORBIDDEN.filter((f) => f.pattern.test(line)).map((f) => `line ${i + 1}: ${f.what}: ${line.trim()}`));
}

describe('the protocol seam', () => {
  it('finds each kind of breach it looks for', () => {
    expect(seamBreaks("if (state.settings.protocol === 'multi') lead();")).toHaveLength(1);
    expect(seamBreaks('return isMultiMessage(m);')).toHaveLength(1);
    expect(seamBreaks('const n = room.multi?.nodes[id];')).toHaveLength(1);
    expect(seamBreaks('const slots = protocolOf(state).chosenCount(state);')).toEqual([]);
  });

  it('no code outside the protocol modules tests for Multi-Paxos or reads its state', () => {
    const files = SCANNED.flatMap(sourceFiles).map((p) => relative(ROOT, join(ROOT, p)));
    expect(files.length).toBeGreaterThan(50);
    const breaks = files
      .filter((p) => !MODULES.some((m) => p.startsWith(m)))
      .flatMap((p) => seamBreaks(code(p)).map((b) => `${p} ${b}`));
    expect(breaks).toEqual([]);
  });

  it('the registry gives each room and each message its module', () => {
    expect(PROTOCOLS.map((p) => p.id)).toEqual(['single', 'multi']);
    expect(protocolOf(initialRoomState()).id).toBe('single');
    const multi = initialRoomState({ ...initialRoomState().settings, protocol: 'multi' });
    expect(protocolOf(multi).id).toBe('multi');
    expect(messageOwner({ id: 1, kind: 'prepare', from: 'A', to: 'B', ballot: { round: 1 } }).id).toBe('single');
    expect(messageOwner({ id: 2, kind: 'multiPrepare', from: 'A', to: 'B', ballot: { round: 1 }, slot: 1 }).id).toBe('multi');
  });
});
