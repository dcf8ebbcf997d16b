/**
 * Key moments of a room's log, for jumping there in a replay: each proposal, the first
 * quorum of promises for each ballot, each value chosen, each safety violation, and each
 * question asked of the class (a prepared lesson's questions are asked again at their moments).
 */
import type { Annotation } from '../annotate';
import { formatBallot } from '../ballot';
import { apply, cloneRoomState, nameOf, roomQuorums, type RoomEvent, type RoomState } from '../room';

export type MomentKind = 'proposal' | 'promise-quorum' | 'chosen' | 'violation' | 'round' | 'question';

export interface Moment {
  readonly seq: number;
  readonly kind: MomentKind;
  readonly label: string;
}

/** Folds `events` from `initial` once and lists the moments worth jumping to, in order. */
export function keyMoments(initial: RoomState, events: readonly RoomEvent[]): Moment[] {
  const s = cloneRoomState(initial);
  const out: Moment[] = [];
  const quorate = new Set<string>();
  for (const e of events) {
    const chosenBefore = s.monitor.chosen.length;
    const violationsBefore = s.monitor.violations.length;
    apply(s, e);
    const name = (id: string) => nameOf(s, id);
    if (e.type === 'proposalStarted') {
      out.push({ seq: s.seq, kind: 'proposal', label: `${name(e.node)} proposes ${formatBallot(e.ballot, name)}${e.value ? ` (${e.value})` : ''}` });
    }
    if (e.type === 'roundStarted') out.push({ seq: s.seq, kind: 'round', label: `Round ${e.round}` });
    if (e.type === 'checkpointOpened') out.push({ seq: s.seq, kind: 'question', label: `Question ${e.id}: ${e.question.prompt}` });
    const { q1 } = roomQuorums(s);
    for (const id of s.order) {
      const p = s.nodes[id]!.proposer;
      if (!p.ballot || p.promisers.length < q1) continue;
      const key = `${s.round}|${formatBallot(p.ballot)}|${id}`;
      if (quorate.has(key)) continue;
      quorate.add(key);
      out.push({ seq: s.seq, kind: 'promise-quorum', label: `${name(id)} has a quorum of promises for ${formatBallot(p.ballot, name)}` });
    }
    for (const c of s.monitor.chosen.slice(chosenBefore)) {
      out.push({ seq: s.seq, kind: 'chosen', label: `${c.value} is chosen (ballot ${formatBallot(c.ballot, name)})` });
    }
    for (const v of s.monitor.violations.slice(violationsBefore)) {
      out.push({ seq: s.seq, kind: 'violation', label: `Violation: ${v.rule}` });
    }
  }
  return out;
}

/** An entry of the log that teaches, with the moments that make it so. */
export interface KeyEntry {
  readonly entry: Annotation;
  readonly moments: readonly Moment[];
}

/** The entries among `entries` that `moments` name, oldest first, each with its moments. */
export function keyEntries(entries: readonly Annotation[], moments: readonly Moment[]): KeyEntry[] {
  const bySeq = new Map<number, Moment[]>();
  for (const m of moments) bySeq.set(m.seq, [...(bySeq.get(m.seq) ?? []), m]);
  return entries.flatMap((entry) => {
    const named = bySeq.get(entry.seq);
    return named ? [{ entry, moments: named }] : [];
  });
}
