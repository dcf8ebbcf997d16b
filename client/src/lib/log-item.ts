/** One entry of the annotated log, as every view shows it, and how it is made from the core's annotation. */
import { summarizeLines, type Annotation, type LinesSummary } from '@toy-paxos/shared';

export { ENTRY_LINES_MAX, ENTRY_LINES_SHOWN, kindText, summarizeLines, type LineKind, type LinesSummary } from '@toy-paxos/shared';

export interface LogItem {
  readonly seq: number;
  /** The notebook's lines; for a folded record (a bulk delivery to a large class), only its first few. */
  readonly lines: readonly string[];
  /** A folded record's summary, and every line, printed on demand from its event (PROTOCOL.md 2.3). */
  readonly folded?: { readonly summary: LinesSummary; readonly all: () => Promise<readonly string[]> };
  readonly explanation: string;
  readonly nodes: readonly string[];
  readonly violations: readonly { readonly rule: string; readonly message: string }[];
}

export function toLogItem(a: Annotation): LogItem {
  return { seq: a.seq, lines: a.lines, explanation: a.explanation, nodes: a.data.nodes, violations: a.violations };
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
