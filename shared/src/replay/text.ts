/** Exports of a room's log as text: annotated Markdown, and a ShiViz log with vector clocks. */
import { annotate } from '../annotate';
import { apply, cloneRoomState, nameOf, type RoomEvent, type RoomState } from '../room';
import type { Message } from '../node';
import { settingsLine } from '../settings';
import { startsBallot } from '../protocols/kinds';

/**
 * The notebook's lines and the explanations, as a Markdown document, headed by the settings
 * the room started with (as the scenario output's header prints them).
 */
export function exportMarkdown(initial: RoomState, events: readonly RoomEvent[], title: string): string {
  const out = [`# ${title}`, '', '', '', `${events.length} events.`, ''];
  let s = cloneRoomState(initial);
  // A majority counts the first round's acceptors: the nodes there when its first proposal started.
  let acceptors: number | null = null;
  for (const e of events) {
    if (acceptors === null && startsBallot(e)) acceptors = s.members.length;
    const next = cloneRoomState(s);
    apply(next, e);
    const a = annotate(s, e, next);
    out.push(`**${a.seq}.** ${a.explanation}`, '', '```', ...a.lines, '```', '');
    for (const v of a.violations) out.push(`> **SAFETY VIOLATION (${v.rule}):** ${v.message} Events: ${v.seqs.join(', ')}.`, '');
    s = next;
  }
  out[2] = settingsLine(initial.settings, acceptors ?? s.members.length);
  return out.join('\n');
}

/** The parser expression ShiViz needs for the log below it. */
export const SHIVIZ_REGEX = '(?<event>.*)\\n(?<host>\\S*) (?<clock>{.*})';

/**
 * ShiViz host names, one per node for the whole log: fixed the first time a node appears,
 * so a renamed node stays one host (its clock would start again under a new name), and
 * made from its id, which is unique, so "Node 2" and "Node_2" are two hosts. The name as
 * first seen is added to the id when they differ ("n2(Ana)"), for people to read.
 */
function shivizHosts(nameNow: (id: string) => string): (id: string) => string {
  const byId = new Map<string, string>();
  const taken = new Set<string>();
  return (id) => {
    let host = byId.get(id);
    if (host !== undefined) return host;
    const name = nameNow(id);
    const base = (name === id ? id : `${id}(${name})`).replace(/\s+/g, '_');
    host = base;
    // Only an imported file's odd ids could meet another host's name; one more suffix settles it.
    for (let k = 2; taken.has(host); k++) host = `${base}~${k}`;
    byId.set(id, host);
    taken.add(host);
    return host;
  };
}

/**
 * A log for ShiViz (the distributed-systems log visualizer): every send and receive of
 * a message as an event of its node, with a vector clock. The first line is the parser
 * expression to paste into ShiViz, then a blank line, then the log.
 */
export function exportShiViz(initial: RoomState, events: readonly RoomEvent[]): string {
  const s = cloneRoomState(initial);
  const clocks = new Map<string, Record<string, number>>();
  const sentClock = new Map<number, Record<string, number>>();
  const lines: string[] = [SHIVIZ_REGEX, ''];
  const host = shivizHosts((id) => nameOf(s, id));
  const tick = (id: string): Record<string, number> => {
    const c = { ...(clocks.get(id) ?? {}) };
    c[host(id)] = (c[host(id)] ?? 0) + 1;
    clocks.set(id, c);
    return c;
  };
  const merge = (id: string, other: Record<string, number> | undefined) => {
    const c = { ...(clocks.get(id) ?? {}) };
    for (const [k, v] of Object.entries(other ?? {})) c[k] = Math.max(c[k] ?? 0, v);
    clocks.set(id, c);
  };
  const describe = (m: Message) => `${m.kind} #${m.id} ${host(m.from)} -> ${host(m.to)}`;
  const send = (m: Message) => {
    const c = tick(m.from);
    sentClock.set(m.id, c);
    lines.push(`send ${describe(m)}`, `${host(m.from)} ${JSON.stringify(c)}`);
  };
  const receive = (m: Message) => {
    merge(m.to, sentClock.get(m.id));
    lines.push(`receive ${describe(m)}`, `${host(m.to)} ${JSON.stringify(tick(m.to))}`);
  };
  for (const e of events) {
    // A copy: applying the event changes the list in place.
    const before = s.inFlight.slice();
    const held = { ...s.held };
    apply(s, e);
    switch (e.type) {
      case 'sent':
        send(e.message);
        break;
      case 'exchanged':
        send(e.request);
        if (e.reply) {
          receive(e.request);
          send(e.reply);
          receive(e.reply);
        }
        break;
      case 'lost':
        send(e.message);
        break;
      case 'delivered':
      case 'deliveredAll':
        for (const d of e.type === 'delivered' ? [e] : e.deliveries) {
          const m = before.find((x) => x.id === d.id);
          if (m) receive(m);
          if (d.reply) send(d.reply);
        }
        break;
      case 'duplicated': {
        const c = sentClock.get(e.id);
        if (c) sentClock.set(e.copyId, c);
        break;
      }
      case 'answered': {
        const m = held[e.id];
        if (m) receive(m);
        send(e.reply);
        if (e.instant && !e.lost) receive(e.reply);
        break;
      }
      default:
        break;
    }
  }
  return lines.join('\n') + '\n';
}
