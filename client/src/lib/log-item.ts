/** One entry of the annotated log, as every view shows it, and how it is made from the core's annotation. */
import type { Annotation, EntryData } from '@toy-paxos/shared';

export interface LogItem {
  readonly seq: number;
  readonly lines: readonly string[];
  readonly explanation: string;
  readonly nodes: readonly string[];
  readonly violations: readonly { readonly rule: string; readonly message: string }[];
  /** What happened (the core's event type), and the node that acted: what a projector groups entries by. */
  readonly type?: EntryData['type'];
  readonly node?: string | null;
  /** For entries grouped into one line: the first entry's seq (`seq` is the last's), and how many there are. */
  readonly firstSeq?: number;
  readonly count?: number;
}

export function toLogItem(a: Annotation): LogItem {
  return { seq: a.seq, lines: a.lines, explanation: a.explanation, nodes: a.data.nodes, violations: a.violations, type: a.data.type, node: a.data.node };
}

/** The head of a request's line: its kind (`PROMISE`, `ACCEPT`) and its ballot. */
const SEND_HEAD = /^(\S+)\s+Request from .*\(p: ([^,)]+)/;

/** Entries of a group past this many are read on demand only: a group's detail stays short to make. */
const GROUP_LINES_MAX = 2_000;

/**
 * The log as a projector shows it: consecutive messages sent by one node, of one kind, in one
 * ballot (a promise request to all) collapse into one entry, "Ana sends 50 promise requests",
 * with every line of them in its detail. `name` gives a node's name. Other entries stay as they are.
 */
export function groupItems(items: readonly LogItem[], name: (id: string) => string): LogItem[] {
  const out: LogItem[] = [];
  let run: LogItem[] = [];
  const flush = () => {
    if (run.length === 1) out.push(run[0]!);
    else if (run.length > 1) out.push(groupOf(run, name));
    run = [];
  };
  for (const item of items) {
    if (sendKey(item) === null || (run.length > 0 && sendKey(run[0]!) !== sendKey(item))) flush();
    if (sendKey(item) === null) out.push(item);
    else run.push(item);
  }
  flush();
  return out;
}

/** The sender, kind and ballot of a message sent (`PROMISE Request from Ana(p: 1.Ana)`), or null for any other entry. */
function sendKey(item: LogItem): string | null {
  if (item.type !== 'sent' || !item.node || item.violations.length) return null;
  const head = SEND_HEAD.exec(item.lines[0] ?? '');
  return head ? `${item.node}|${head[1]}|${head[2]}` : null;
}

/** One entry for a run of sends: its first line and a count on the row, every line in the detail. */
function groupOf(run: readonly LogItem[], name: (id: string) => string): LogItem {
  const first = run[0]!;
  const last = run.at(-1)!;
  const head = SEND_HEAD.exec(first.lines[0]!)!;
  const kind = head[1] === 'PROMISE' ? 'promise requests' : 'accept requests';
  const sender = name(first.node!);
  const lines = run.slice(0, GROUP_LINES_MAX).flatMap((i) => i.lines);
  return {
    seq: last.seq,
    firstSeq: first.seq,
    count: run.length,
    lines,
    explanation: `${sender} sends ${run.length} ${kind} in ballot ${head[2]}, one entry each (${first.seq} to ${last.seq}). They wait in the network until each is delivered, dropped or duplicated.`,
    nodes: [...new Set(run.flatMap((i) => i.nodes))],
    violations: [],
    type: 'sent',
    node: first.node!,
  };
}

/** An entry longer than this many lines shows its first few and a count of the rest; the whole on demand. */
export const ENTRY_LINES_MAX = 8;
/** How many of a long entry's lines show before the count. */
export const ENTRY_LINES_SHOWN = 3;
/** An explanation longer than this (a bulk delivery's, which explains each message) shows its beginning; the whole on demand. */
export const EXPLANATION_CHARS_MAX = 400;
/** How much of a long explanation shows: about three lines on a phone. */
export const EXPLANATION_CHARS_SHOWN = 160;
/** How many kinds of line a summary names; the others are counted together. */
const KINDS_MAX = 4;

/** Lines of one kind in a long entry: `PROMISE Request`, with the tags of their replies (`[ACC]`, `[REJ]`). */
export interface LineKind {
  readonly kind: string;
  readonly count: number;
  readonly tags: readonly { readonly tag: string; readonly count: number }[];
}

/** A long entry as a screen shows it: the first lines, how many more, and those counted by kind. */
export interface LinesSummary {
  readonly head: readonly string[];
  readonly more: number;
  readonly kinds: readonly LineKind[];
  /** Lines of kinds past the ones named. */
  readonly otherKinds: number;
}

/**
 * A summary of an entry's lines when it has more than `ENTRY_LINES_MAX` (a deliver-all to a
 * class of 40 has thousands), or null when it is short enough to show whole. The lines stay
 * the core's, in the notebook's format; this only decides how many a screen shows.
 */
export function summarizeLines(lines: readonly string[]): LinesSummary | null {
  if (lines.length <= ENTRY_LINES_MAX) return null;
  const head = lines.slice(0, ENTRY_LINES_SHOWN);
  const kinds = new Map<string, { count: number; tags: Map<string, number> }>();
  // The kind of the last line that opened a message: its indented reply lines count under it.
  let current = kindOf([...head].reverse().find((l) => !l.startsWith(' ')) ?? '');
  for (const line of lines.slice(ENTRY_LINES_SHOWN)) {
    if (!line.startsWith(' ')) {
      current = kindOf(line);
      const k = kinds.get(current) ?? { count: 0, tags: new Map() };
      k.count++;
      kinds.set(current, k);
      continue;
    }
    const tag = /\[[A-Z]+\]/.exec(line)?.[0];
    if (!tag) continue;
    const k = kinds.get(current) ?? { count: 0, tags: new Map() };
    k.tags.set(tag, (k.tags.get(tag) ?? 0) + 1);
    kinds.set(current, k);
  }
  const all = [...kinds.entries()]
    .map(([kind, k]) => ({ kind, count: k.count, tags: [...k.tags.entries()].map(([tag, count]) => ({ tag, count })) }))
    .filter((k) => k.count > 0)
    .sort((a, b) => b.count - a.count);
  const named = all.slice(0, KINDS_MAX);
  const otherKinds = all.slice(KINDS_MAX).reduce((n, k) => n + k.count, 0);
  return { head, more: lines.length - head.length, kinds: named, otherKinds };
}

/** `PROMISE Request from A(p: 1.A) to B(acc_p: None)` is of kind `PROMISE Request`. */
function kindOf(line: string): string {
  return line.trim().split(/\s+/).slice(0, 2).join(' ');
}

/** `120 PROMISE Request (80 [ACC], 40 [REJ])`. */
export function kindText(k: LineKind): string {
  const tags = k.tags.map((t) => `${t.count.toLocaleString('en')} ${t.tag}`).join(', ');
  return `${k.count.toLocaleString('en')} ${k.kind}${tags ? ` (${tags})` : ''}`;
}

/** The beginning of a long explanation, cut after a sentence (else a word), or null when it is short enough to show whole. */
export function clipText(text: string): string | null {
  if (text.length <= EXPLANATION_CHARS_MAX) return null;
  const within = text.slice(0, EXPLANATION_CHARS_SHOWN);
  const sentence = within.lastIndexOf('. ');
  const cut = sentence > EXPLANATION_CHARS_SHOWN / 3 ? sentence + 1 : Math.max(within.lastIndexOf(' '), 1);
  return `${text.slice(0, cut).trimEnd()} …`;
}
