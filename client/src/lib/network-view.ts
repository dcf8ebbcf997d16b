/**
 * What the ring draws of the network, read from the shared core's room state and log:
 * the sides of a partition, the messages in flight with their copies, and the messages
 * the last event lost. Nothing here decides anything.
 */
import { linkKey, type Message, type RoomEvent, type RoomState } from '@toy-paxos/shared';
import { pagesOf } from '../protocols';

/**
 * A node's second line on the ring: what its acceptor holds, as its protocol tells it (what
 * it accepted, else what it promised; with slots, what each holds and how far it has run).
 */
export function ringDetail(room: RoomState, id: string): string {
  const badge = ownProgramBadge(room, id);
  return badge ? `${badge} · ${ringState(room, id)}` : ringState(room, id);
}

/** The ring's second line without its badge: up or crashed, and what the acceptor holds. */
export function ringState(room: RoomState, id: string): string {
  const n = room.nodes[id]!;
  const state = pagesOf(room).ringDetail(room, id);
  return n.up ? state : `crashed · ${state}`;
}

/**
 * The badge of a node whose student's page runs a learner's own program for it: "own code",
 * or "own code failed" once it stopped, until the student runs it again or answers by hand.
 * Null for a node answered by hand.
 */
export function ownProgramBadge(room: RoomState, id: string): string | null {
  const status = room.nodes[id]?.ownProgram;
  return status === 'running' ? 'own code' : status === 'failed' ? 'own code failed' : null;
}

/**
 * The sides of the network: the connected components of the graph of links that are up,
 * each in join order, the largest first. One side (every node) when no link is cut.
 */
export function networkSides(state: RoomState): string[][] {
  if (state.cut.length === 0) return [state.order.slice()];
  const cut = new Set(state.cut);
  const side = new Map<string, number>();
  const sides: string[][] = [];
  for (const start of state.order) {
    if (side.has(start)) continue;
    const members = [start];
    side.set(start, sides.length);
    for (let i = 0; i < members.length; i++) {
      for (const other of state.order) {
        if (!side.has(other) && !cut.has(linkKey(members[i]!, other))) {
          side.set(other, sides.length);
          members.push(other);
        }
      }
    }
    sides.push(members.sort((a, b) => state.order.indexOf(a) - state.order.indexOf(b)));
  }
  return sides.sort((a, b) => b.length - a.length);
}

/** A message in flight as the ring draws it: one line for a message and its copies. */
export interface MessageLine {
  readonly message: Message;
  /** How many copies of this message are in flight (2 or more: it was duplicated). */
  readonly copies: number;
}

/** The messages in flight, copies (same sender, recipient, kind, ballot and content) counted on one line. */
export function messageLines(state: RoomState): MessageLine[] {
  const lines = new Map<string, { message: Message; copies: number }>();
  for (const m of state.inFlight) {
    const { id: _id, ...content } = m;
    const key = JSON.stringify(content);
    const line = lines.get(key);
    if (line) line.copies++;
    else lines.set(key, { message: m, copies: 1 });
  }
  return [...lines.values()];
}

/**
 * The messages the event that led to `state` dropped (`dropped`, `droppedAll`); none for
 * any other event. Taken from `before`, the state just before that event, when the caller
 * has it; else found where they entered the network in `events` (the log `state` was
 * folded from), which holds requests and replies but not the notices to learners that the
 * core made on the way.
 */
export function lostMessages(events: readonly RoomEvent[], state: RoomState, before: RoomState | null = null): Message[] {
  const last = events[state.seq - 1];
  if (!last || (last.type !== 'dropped' && last.type !== 'droppedAll')) return [];
  const wanted = new Set(last.type === 'dropped' ? [last.id] : last.ids);
  if (before && before.seq === state.seq - 1) return before.inFlight.filter((m) => wanted.has(m.id));
  const found: Message[] = [];
  // Copies name their original: look for it too, and give the copy its own id.
  const copies = new Map<number, number[]>();
  const take = (m: Message) => {
    if (wanted.has(m.id)) found.push(m);
    for (const copyId of copies.get(m.id) ?? []) found.push({ ...m, id: copyId });
  };
  for (let i = state.seq - 2; i >= 0 && found.length < wanted.size; i--) {
    const e = events[i]!;
    switch (e.type) {
      case 'sent':
        take(e.message);
        break;
      case 'delivered':
        if (e.reply) take(e.reply);
        break;
      case 'deliveredAll':
        for (const d of e.deliveries) if (d.reply) take(d.reply);
        break;
      case 'answered':
        if (!e.instant && !e.lost) take(e.reply);
        break;
      case 'duplicated': {
        // The copy's wanted ids (itself, its own copies) are found where its original entered.
        const ids = [...(wanted.has(e.copyId) ? [e.copyId] : []), ...(copies.get(e.copyId) ?? [])];
        if (ids.length) copies.set(e.id, [...(copies.get(e.id) ?? []), ...ids]);
        break;
      }
      default:
        break;
    }
  }
  return found;
}

/** Messages in flight of one kind in one ballot: what a class-sized ring labels as one group. */
export interface FlightGroup {
  readonly kind: Message['kind'];
  readonly ballot: Message['ballot'];
  readonly messages: readonly Message[];
}

/**
 * The messages in flight grouped by kind and ballot, in the order their first message was
 * sent: a promise request to 50 nodes is one group of 50, whoever it went to.
 */
export function flightGroups(messages: readonly Message[]): FlightGroup[] {
  const groups = new Map<string, { kind: Message['kind']; ballot: Message['ballot']; messages: Message[] }>();
  for (const m of messages) {
    const key = `${m.kind}|${m.ballot.round}|${m.ballot.node ?? ''}`;
    const group = groups.get(key);
    if (group) group.messages.push(m);
    else groups.set(key, { kind: m.kind, ballot: m.ballot, messages: [m] });
  }
  return [...groups.values()];
}
