/**
 * The time-space diagram of a room's log: one lane per node, time running down by
 * event, an arrow per message (delivered, dropped, lost, duplicated told apart),
 * ballots coloured by proposer, and the moments values were chosen. `diagramModel`
 * builds the geometry as data, which the client draws with Svelte; `diagramSvg` prints
 * the same model as a standalone SVG document for export.
 */
import { formatBallot, type Ballot } from '../ballot';
import type { Message } from '../node';
import { apply, cloneRoomState, nameOf, type RoomEvent, type RoomState } from '../room';

export type ArrowFate = 'delivered' | 'dropped' | 'lost' | 'in-flight' | 'held';

export interface Lane {
  readonly id: string;
  readonly name: string;
  readonly x: number;
  /** Hue of this node's ballots, 0 to 360. */
  readonly hue: number;
}

export interface Arrow {
  readonly id: number;
  readonly kind: Message['kind'];
  readonly from: string;
  readonly to: string;
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
  readonly fate: ArrowFate;
  /** A copy made by the network's duplicate. */
  readonly copy: boolean;
  readonly hue: number;
  readonly label: string;
}

export interface ChosenMark {
  readonly seq: number;
  readonly y: number;
  readonly value: string;
}

export interface DiagramModel {
  readonly width: number;
  readonly height: number;
  readonly top: number;
  /** Vertical distance between two events. */
  readonly step: number;
  readonly lanes: readonly Lane[];
  readonly arrows: readonly Arrow[];
  readonly chosen: readonly ChosenMark[];
  /** The last seq drawn. */
  readonly upTo: number;
}

export const DIAGRAM = { laneGap: 120, step: 22, top: 48, margin: 60 } as const;

interface Open {
  readonly m: Message;
  readonly seq: number;
  readonly copy: boolean;
}

/** Builds the diagram of `events` (folded from `initial`) up to event `upTo`. */
export function diagramModel(initial: RoomState, events: readonly RoomEvent[], upTo = events.length): DiagramModel {
  const s = cloneRoomState(initial);
  const lanesById = new Map<string, Lane>();
  const laneOf = (id: string): Lane => {
    let lane = lanesById.get(id);
    if (!lane) {
      const i = lanesById.size;
      lane = { id, name: nameOf(s, id), x: DIAGRAM.margin + i * DIAGRAM.laneGap, hue: (i * 137.5 + 220) % 360 };
      lanesById.set(id, lane);
    }
    return lane;
  };
  for (const id of s.order) laneOf(id);
  const y = (seq: number) => DIAGRAM.top + seq * DIAGRAM.step;
  const hueOf = (b: Ballot, from: string) => laneOf(b.node ?? from).hue;
  const open = new Map<number, Open>();
  const arrows: Arrow[] = [];
  const chosen: ChosenMark[] = [];
  const label = (m: Message) => `#${m.id} ${m.kind} ${formatBallot(m.ballot, (id) => nameOf(s, id))}${'value' in m && m.value !== undefined ? ` ${m.value}` : ''}`;
  const close = (o: Open, seq: number, fate: ArrowFate) => {
    const a = laneOf(o.m.from);
    const b = laneOf(o.m.to);
    const end = fate === 'dropped' || fate === 'lost' ? 0.5 : 1;
    const y2 = fate === 'in-flight' || fate === 'held' ? y(seq) : y(o.seq) + (y(seq) - y(o.seq)) * end;
    arrows.push({
      id: o.m.id,
      kind: o.m.kind,
      from: o.m.from,
      to: o.m.to,
      x1: a.x,
      y1: y(o.seq),
      x2: fate === 'delivered' ? b.x : a.x + (b.x - a.x) * (fate === 'in-flight' || fate === 'held' ? 0.85 : 0.5),
      y2: fate === 'delivered' ? y(seq) : y2,
      fate,
      copy: o.copy,
      hue: hueOf(o.m.ballot, o.m.from),
      label: label(o.m),
    });
  };
  const last = Math.min(upTo, events.length);
  for (let i = 0; i < last; i++) {
    const e = events[i]!;
    const chosenBefore = s.monitor.chosen.length;
    // A copy: applying the event changes the list in place.
    const before = s.inFlight.slice();
    const held = { ...s.held };
    apply(s, e);
    const seq = s.seq;
    if (e.type === 'nodeAdded') laneOf(e.node);
    switch (e.type) {
      case 'sent':
        open.set(e.message.id, { m: e.message, seq, copy: false });
        break;
      case 'exchanged': {
        const req = { m: e.request, seq: seq - 0.4, copy: false };
        if (!e.reply) {
          open.set(e.request.id, { ...req, seq });
          break;
        }
        close(req, seq, 'delivered');
        close({ m: e.reply, seq, copy: false }, seq + 0.4, 'delivered');
        break;
      }
      case 'lost':
        close({ m: e.message, seq: seq - 0.4, copy: false }, seq, 'lost');
        break;
      case 'delivered': {
        const o = open.get(e.id) ?? { m: before.find((m) => m.id === e.id)!, seq: seq - 1, copy: false };
        open.delete(e.id);
        if (o.m) close(o, seq, 'delivered');
        if (e.reply) open.set(e.reply.id, { m: e.reply, seq, copy: false });
        break;
      }
      case 'deliveredAll':
        // One event, many arrivals: spread them over the event's row, in their order.
        e.deliveries.forEach((d, k) => {
          const at = seq - 0.5 + (k + 1) / (e.deliveries.length + 1);
          const o = open.get(d.id) ?? { m: before.find((m) => m.id === d.id)!, seq: seq - 1, copy: false };
          open.delete(d.id);
          if (o.m) close(o, at, 'delivered');
          if (d.reply) open.set(d.reply.id, { m: d.reply, seq: at, copy: false });
        });
        break;
      case 'dropped':
      case 'droppedAll':
        for (const id of e.type === 'dropped' ? [e.id] : e.ids) {
          const o = open.get(id);
          open.delete(id);
          if (o) close(o, seq, 'dropped');
        }
        break;
      case 'duplicated': {
        const o = open.get(e.id);
        if (o) open.set(e.copyId, { m: { ...o.m, id: e.copyId }, seq, copy: true });
        break;
      }
      case 'answered': {
        const request = held[e.id];
        const o = open.get(e.id);
        open.delete(e.id);
        if (o) close(o, seq - 0.5, 'delivered');
        else if (request) close({ m: request, seq: seq - 1, copy: false }, seq - 0.5, 'delivered');
        if (e.lost) close({ m: e.reply, seq, copy: false }, seq + 0.5, 'lost');
        else if (e.instant) close({ m: e.reply, seq, copy: false }, seq + 0.4, 'delivered');
        else open.set(e.reply.id, { m: e.reply, seq, copy: false });
        break;
      }
      case 'roundStarted':
        for (const o of open.values()) close(o, seq, 'dropped');
        open.clear();
        break;
      default:
        break;
    }
    for (const c of s.monitor.chosen.slice(chosenBefore)) chosen.push({ seq, y: y(seq), value: c.value });
  }
  for (const o of open.values()) close(o, last + 0.8, s.held[o.m.id] ? 'held' : 'in-flight');
  const lanes = [...lanesById.values()].map((l) => ({ ...l, name: nameOf(s, l.id) }));
  return {
    width: DIAGRAM.margin * 2 + Math.max(0, lanes.length - 1) * DIAGRAM.laneGap,
    height: y(last + 2),
    top: DIAGRAM.top,
    step: DIAGRAM.step,
    lanes,
    arrows,
    chosen,
    upTo: last,
  };
}

function xml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

const DASH: Record<ArrowFate, string> = { delivered: '', dropped: '6 4', lost: '2 4', 'in-flight': '8 3', held: '8 3' };

/** The diagram as a standalone SVG document (names and values escaped). */
export function diagramSvg(model: DiagramModel, title = 'toy-paxos sequence diagram'): string {
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${model.width} ${model.height}" width="${model.width}" height="${model.height}" font-family="sans-serif" font-size="12">`,
    `<title>${xml(title)}</title>`,
    `<defs><marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="context-stroke"/></marker></defs>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
  );
  for (const c of model.chosen) {
    out.push(`<g class="chosen"><line x1="0" x2="${model.width}" y1="${c.y}" y2="${c.y}" stroke="#17713d" stroke-width="2"/><text x="4" y="${c.y - 4}" fill="#17713d" font-weight="bold">chosen: ${xml(c.value)}</text></g>`);
  }
  for (const l of model.lanes) {
    out.push(
      `<g class="lane" data-node="${xml(l.id)}"><text x="${l.x}" y="${model.top - 18}" text-anchor="middle" font-weight="bold">${xml(l.name)}</text>` +
        `<line x1="${l.x}" x2="${l.x}" y1="${model.top - 8}" y2="${model.height}" stroke="#9aa0ab"/></g>`,
    );
  }
  for (const a of model.arrows) {
    const dash = DASH[a.fate] ? ` stroke-dasharray="${DASH[a.fate]}"` : '';
    const end = a.fate === 'dropped' || a.fate === 'lost' ? '' : ' marker-end="url(#head)"';
    const cross =
      a.fate === 'dropped' || a.fate === 'lost'
        ? `<path d="M${a.x2 - 5},${a.y2 - 5}L${a.x2 + 5},${a.y2 + 5}M${a.x2 - 5},${a.y2 + 5}L${a.x2 + 5},${a.y2 - 5}" stroke="#b3261e" stroke-width="2"/>`
        : '';
    out.push(
      `<g class="arrow ${a.fate}${a.copy ? ' copy' : ''}" data-id="${a.id}"><title>${xml(a.label)} (${a.fate}${a.copy ? ', duplicate' : ''})</title>` +
        `<line x1="${a.x1}" y1="${a.y1}" x2="${a.x2}" y2="${a.y2}" stroke="hsl(${a.hue} 70% 42%)" stroke-width="${a.copy ? 1.5 : 2}"${dash}${end}/>${cross}</g>`,
    );
  }
  out.push('</svg>');
  return out.join('\n');
}
