/** One entry of the annotated log, as every view shows it, and how it is made from the core's annotation. */
import type { Annotation } from '@toy-paxos/shared';

export interface LogItem {
  readonly seq: number;
  readonly lines: readonly string[];
  readonly explanation: string;
  readonly nodes: readonly string[];
  readonly violations: readonly { readonly rule: string; readonly message: string }[];
}

export function toLogItem(a: Annotation): LogItem {
  return { seq: a.seq, lines: a.lines, explanation: a.explanation, nodes: a.data.nodes, violations: a.violations };
}
