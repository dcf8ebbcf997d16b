/** One entry of the annotated log, as every view shows it, and how it is made from the core's annotation. */
import { summarizeLines, type Annotation, type EntryData, type LinesSummary } from '@toy-paxos/shared';

export { ENTRY_LINES_MAX, ENTRY_LINES_SHOWN, kindText, summarizeLines, type LineKind, type LinesSummary } from '@toy-paxos/shared';

export interface LogItem {
  readonly seq: number;
  /** The notebook's lines; for a folded record (a bulk delivery to a large class), only its first few. */
  readonly lines: readonly string[];
  /** A folded record's summary, and every line, printed on demand from its event (docs/protocol/sessions.md, 2.3). */
  readonly folded?: { readonly summary: LinesSummary; readonly all: () => Promise<readonly string[]> };
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

/** A summary of an item's lines: a folded record's own, else `summarizeLines`'s (null when it is short). */
export function itemSummary(item: LogItem): LinesSummary | null {
  return item.folded?.summary ?? summarizeLines(item.lines);
}

/** How many lines an item has, the folded ones counted. */
export function lineCount(item: LogItem): number {
  return item.folded ? item.folded.summary.head.length + item.folded.summary.more : item.lines.length;
}

/** An explanation longer than this shows its beginning; the whole on demand. */
export const EXPLANATION_CHARS_MAX = 400;
/** How much of a long explanation shows: about three lines on a phone. */
export const EXPLANATION_CHARS_SHOWN = 160;

/** The beginning of a long explanation, cut after a sentence (else a word), or null when it is short enough to show whole. */
export function clipText(text: string): string | null {
  if (text.length <= EXPLANATION_CHARS_MAX) return null;
  const within = text.slice(0, EXPLANATION_CHARS_SHOWN);
  const sentence = within.lastIndexOf('. ');
  const cut = sentence > EXPLANATION_CHARS_SHOWN / 3 ? sentence + 1 : Math.max(within.lastIndexOf(' '), 1);
  return `${text.slice(0, cut).trimEnd()} …`;
}

/**
 * The two lines a log row shows of an item: an exchange keeps its request and reply lines (what
 * the learners heard is in the detail); a bulk delivery its first line and how many more the
 * detail holds; a group of sends its first line and the count of the others.
 */
export function rowLines(item: LogItem): readonly string[] {
  if (item.count) return [item.lines[0]!, `    … and ${item.count - 1} more like it: select to read them`];
  if (!item.folded && (item.lines.length <= 2 || item.lines[1]!.startsWith('    > '))) return item.lines.slice(0, 2);
  return [item.lines[0]!, `    … ${lineCount(item) - 1} more lines: select to read them`];
}

/**
 * How many lines `text` takes in a box `chars` characters of monospace type wide, wrapped as
 * the browser wraps `white-space: pre-wrap` with `overflow-wrap: anywhere`: at spaces, and
 * inside a word only when the word alone is wider than the box. Spaces at a line's end hang.
 */
export function wrappedLineCount(text: string, chars: number): number {
  if (chars < 1) return 1;
  let lines = 1;
  let column = 0;
  for (const token of text.match(/ +|[^ ]+/g) ?? []) {
    if (token[0] === ' ') {
      column = Math.min(chars, column + token.length);
      continue;
    }
    if (column + token.length <= chars) {
      column += token.length;
      continue;
    }
    // A word that does not fit what is left of the line starts the next; one wider than the box is broken across lines.
    if (column > 0) lines++;
    lines += Math.floor((token.length - 1) / chars);
    column = token.length - Math.floor((token.length - 1) / chars) * chars;
  }
  return lines;
}
