/**
 * The protocol seam holds: outside the protocol modules (shared/src/protocols/, the
 * Multi-Paxos code in shared/src/multi/ and the pages' client/src/protocols/), no code of the
 * core, the server or the client tests which protocol a room plays or reads a protocol's own
 * part of the state. It asks the registry (`protocolOf(state)`) and the module instead. The
 * names of Multi-Paxos's messages and events appear only in its module, its folder and its
 * pages' folder (client/src/protocols/multi/): the other pages render the protocol's map of
 * components (client/src/protocols/index.ts) and never ask whether a room is Multi-Paxos.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decideByProtocol, initialRoomState, messageOwner, MULTI_KINDS, multiPaxos, PROTOCOLS, protocolOf, type Message, type RoomCommand } from '@toy-paxos/shared';

const ROOT = join(import.meta.dirname, '..', '..');
const SCANNED = ['shared/src', 'server/src', 'client/src'];
const MODULES = ['shared/src/protocols/', 'shared/src/multi/', 'client/src/protocols/'];
/** Where Multi-Paxos's own names may appear: its module and its code, and its pages' folder. */
const MULTI_PLACES = ['shared/src/protocols/', 'shared/src/multi/', 'client/src/protocols/multi/'];

/** Multi-Paxos's message kinds and event types, as its module lists them. */
const MULTI_NAMES = [...MULTI_KINDS, ...multiPaxos.events];

/** What only a protocol module may write (`where`, else `MODULES`): a test of the protocol by name, a read of Multi-Paxos's part of the state, one of its messages or events by name. */
const FORBIDDEN: readonly { readonly what: string; readonly pattern: RegExp; readonly where?: readonly string[] }[] = [
  { what: "a test of protocol === 'multi'", pattern: /protocol\s*[!=]==?\s*['"]multi['"]|['"]multi['"]\s*[!=]==?\s*[\w.?]*protocol\b/ },
  { what: 'isMultiMessage', pattern: /\bisMultiMessage\b/ },
  { what: "a read of the state's .multi part", pattern: /\.multi\b(?![-\w])/ },
  { what: 'a Multi-Paxos message or event by name', pattern: new RegExp(`\\b(?:${MULTI_NAMES.join('|')})\\b`), where: MULTI_PLACES },
  { what: 'a test of whether a room is Multi-Paxos (isMultiRoom)', pattern: /\bisMultiRoom\b/, where: [] },
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

/** Every line of `text` (the file at `path`) that breaks the seam, as `line N: what`. */
export function seamBreaks(text: string, path = 'shared/src/room.ts'): string[] {
  const rules = FORBIDDEN.filter((f) => !(f.where ?? MODULES).some((m) => path.startsWith(m)));
  return text.split('\n').flatMap((line, i) => rules.filter((f) => f.pattern.test(line)).map((f) => `line ${i + 1}: ${f.what}: ${line.trim()}`));
}

describe('the protocol seam', () => {
  it('finds each kind of breach it looks for', () => {
    expect(seamBreaks("if (state.settings.protocol === 'multi') lead();")).toHaveLength(1);
    expect(seamBreaks('return isMultiMessage(m);')).toHaveLength(1);
    expect(seamBreaks('const n = room.multi?.nodes[id];')).toHaveLength(1);
    expect(seamBreaks('const slots = protocolOf(state).chosenCount(state);')).toEqual([]);
    expect(seamBreaks("return m.kind === 'notice' || m.kind === 'multiNotice';", 'client/src/components/Ring.svelte')).toHaveLength(1);
    expect(seamBreaks("  multiPrepare: '1a',")).toHaveLength(1);
    expect(seamBreaks("case 'leaderStarted':")).toHaveLength(1);
    expect(seamBreaks('const multi = $derived(isMultiRoom(room));', 'client/src/protocols/index.ts')).toHaveLength(1);
    // A notice of single-decree Paxos, or a word that only starts like a Multi-Paxos kind, is no breach.
    expect(seamBreaks("return m.kind === 'notice' || m.kind === 'multiAcceptedCount';")).toEqual([]);
    // Multi-Paxos's own folders may name its messages; the pages' general folder may not.
    expect(seamBreaks("if (m.kind === 'multiAccept') slot(m);", 'client/src/protocols/multi/view.ts')).toEqual([]);
    expect(seamBreaks("if (m.kind === 'multiAccept') slot(m);", 'client/src/protocols/index.ts')).toHaveLength(1);
  });

  it('no code outside the protocol modules tests for Multi-Paxos, reads its state or names its messages and events', () => {
    const files = SCANNED.flatMap(sourceFiles).map((p) => relative(ROOT, join(ROOT, p)));
    expect(files.length).toBeGreaterThan(50);
    const breaks = files.flatMap((p) => seamBreaks(code(p), p).map((b) => `${p} ${b}`));
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

  it('each message kind belongs to exactly one protocol: the notebook’s six to single-decree Paxos, the rest to Multi-Paxos', () => {
    const notebook = ['prepare', 'promise', 'accept', 'accepted', 'reject', 'notice'];
    for (const kind of [...notebook, ...MULTI_KINDS]) {
      const m = { id: 1, kind, from: 'A', to: 'B', ballot: { round: 1 } } as Message;
      expect(PROTOCOLS.filter((p) => p.ownsMessage(m)).map((p) => p.id), kind).toEqual([notebook.includes(kind) ? 'single' : 'multi']);
    }
    expect(PROTOCOLS.filter((p) => p.ownsMessage({ id: 1, kind: 'promised' } as unknown as Message))).toEqual([]);
  });

  it("a protocol's own commands are decided, or refused, by a protocol module in a room of every protocol: none is left to the room", () => {
    const commands: readonly RoomCommand[] = [
      { type: 'lead', node: 'A' },
      { type: 'submit', node: 'A', command: 'set x 1' },
    ];
    for (const p of PROTOCOLS) {
      const room = initialRoomState({ ...initialRoomState().settings, protocol: p.id });
      for (const command of commands) expect(decideByProtocol(room, command), `${command.type} in a ${p.id} room`).not.toBeNull();
    }
    // A single-decree room refuses them, with a sentence that says what to do.
    expect(decideByProtocol(initialRoomState(), commands[0]!)).toMatchObject({ ok: false, code: 'wrong-protocol', explanation: expect.stringContaining('switch the room\'s protocol to multi') });
  });
});
