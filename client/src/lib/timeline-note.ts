/**
 * What a page says about the timeline it shows: the banner at its top, and the sentence a
 * student reads when a switch of timeline brought their node onto it (or could not).
 * Plain functions of the protocol's data, so that a test needs no page.
 */
import type { LogRecord, RoomEvent, RoomState, TimelineInfo } from '@toy-paxos/shared';

/** The timeline shown and where it comes from, or null while the room has only its main one (nothing to tell apart). */
export interface TimelineLabel {
  readonly name: string;
  /** The timeline it was forked from, or null for the main one. */
  readonly parent: string | null;
  readonly forkSeq: number;
}

export function timelineLabel(timeline: TimelineInfo): TimelineLabel | null {
  if (timeline.branches.length < 2) return null;
  const active = timeline.branches.find((b) => b.id === timeline.active);
  if (!active) return null;
  const parent = active.parent === null ? null : (timeline.branches.find((b) => b.id === active.parent)?.name ?? 'main');
  return { name: active.name, parent, forkSeq: active.forkSeq };
}

type NodeAdded = Extract<RoomEvent, { type: 'nodeAdded' }>;

/**
 * The sentence a student reads when the class moved from `before` to `after`: their node
 * `node` was just brought onto it (its carried `nodeAdded` is past what the page knew of that
 * timeline), or could not be (`state`, after the switch, has no such node). Null when there
 * is nothing to say: the node was there already, or the page had no timeline before.
 */
export function switchNote(before: TimelineInfo, after: TimelineInfo, records: readonly LogRecord[], state: RoomState, node: string | null): string | null {
  if (node === null || before.branches.length === 0 || before.active === after.active) return null;
  const target = after.branches.find((b) => b.id === after.active);
  if (!target) return null;
  const from = before.branches.find((b) => b.id === before.active);
  // What this page last knew of the target: a timeline forked just now shares its parent's first events only.
  const known = before.branches.find((b) => b.id === target.id)?.length ?? target.forkSeq;
  const where = `The instructor switched to the timeline “${target.name}”${target.parent !== null ? ` (forked at event ${target.forkSeq})` : ''}.`;
  const mine = records.find((r): r is LogRecord & { event: NodeAdded } => r.seq > known && r.event.type === 'nodeAdded' && r.event.node === node && r.event.carried === true);
  if (mine) {
    const why = target.parent !== null && from?.id === target.parent ? 'You joined after that moment' : `You joined on “${from?.name ?? 'another timeline'}”, not on this one`;
    const how = mine.event.nextRound ? ': it can propose now, and becomes an acceptor when the next round starts.' : ': it takes part at once.';
    return `${where} ${why}, so your node ${mine.event.name} joins this timeline now as a new node${how}`;
  }
  if (!state.nodes[node]) return `${where} This timeline is full, so your node could not join it: you watch it, and act again when the class is back on a timeline with your node.`;
  return null;
}

/** The banner's words after "Timeline: name", for a page of `role`. */
export function timelineOrigin(label: TimelineLabel, instructor: boolean): string {
  const origin = label.parent === null ? ' (the original)' : ` (from event ${label.forkSeq}${label.parent !== 'main' ? ` of “${label.parent}”` : ''})`;
  return instructor ? origin : `${origin} — switched by the instructor`;
}
