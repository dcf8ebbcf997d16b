/**
 * A long entry's lines counted by kind. A deliver-all to a class of 40 prints thousands of
 * lines in the notebook's format; a screen shows the first few and the others counted by
 * kind, and a record on the wire carries only those (the lines `folded`, protocol/records.ts):
 * every client holds the event and the state before it, so it prints the rest itself, the
 * same bytes, when someone asks to read them (`unfoldLines`, in log.ts with the annotation
 * code, which this module does not load: the student page's first download holds this
 * module and not that code).
 */

/** An entry longer than this many lines shows its first few and a count of the rest; the whole on demand. */
export const ENTRY_LINES_MAX = 8;
/** How many of a long entry's lines show before the count (and how many a folded record carries). */
export const ENTRY_LINES_SHOWN = 3;
/**
 * A record whose entry has more lines than this carries only its first `ENTRY_LINES_SHOWN`
 * and their count by kind (docs/protocol/sessions.md, 2.3). 100 keeps whole every entry but a bulk delivery
 * to a large class: a deliver-all of 40 requests (81 lines) is sent whole, one of 1,560
 * notices (3,123 lines, 215 kB) folded.
 */
export const RECORD_LINES_MAX = 100;
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
