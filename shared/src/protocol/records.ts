/**
 * A log record as the server sends it: an annotated entry with its event, its lines folded
 * when there are more than `RECORD_LINES_MAX` (log-lines.ts), and a folded record's summary
 * as a client shows it.
 */
import type { Annotation } from '../annotate';
import { RECORD_LINES_MAX, summarizeLines, type LinesSummary } from '../log-lines';
import type { RoomEvent } from '../room';
import type { FoldedLines, LogRecord } from './types';

/** The record the server sends for `entry`: its lines folded when there are more than `RECORD_LINES_MAX`. */
export function toLogRecord(entry: Annotation, event: RoomEvent, at: number): LogRecord {
  const record = { seq: entry.seq, at, event, lines: entry.lines, explanation: entry.explanation, nodes: entry.data.nodes, chosen: entry.chosen, violations: entry.violations };
  const summary = entry.lines.length > RECORD_LINES_MAX ? summarizeLines(entry.lines) : null;
  if (!summary) return record;
  const folded: FoldedLines = { lines: entry.lines.length, kinds: summary.kinds, otherKinds: summary.otherKinds };
  return { ...record, lines: summary.head, folded };
}

/** A folded record's summary, as `summarizeLines` gives it for the whole lines. */
export function foldedSummary(record: Pick<LogRecord, 'lines' | 'folded'>): LinesSummary | null {
  const f = record.folded;
  return f ? { head: record.lines, more: f.lines - record.lines.length, kinds: f.kinds, otherKinds: f.otherKinds } : null;
}
