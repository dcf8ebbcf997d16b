/**
 * The time-space diagram of a room's log: one lane per node, time running down by
 * event, an arrow per message (delivered, dropped, lost, duplicated told apart),
 * ballots coloured by proposer, and the moments values were chosen. `diagramModel`
 * builds the geometry as data, which the client draws with Svelte; `diagramSvg` prints
 * the same model as a standalone SVG document for export.
 *
 * Arrows carry short visible labels (kind and ballot: "prepare 1.A", "promise 1.A",
 * "accept 1.A Apple") at their middle; where arrows crowd, a label moves along its
 * arrow, shrinks to the phase's name ("1b") or is left out, so that no two overlap.
 * A message a node sends itself is a loop beside its lane. The "chosen" marks stand
 * right of every lane, clear of the arrows.
 */
import { formatBallot, type Ballot } from '../ballot';
import { inkOf, nodeHue } from '../ink';
import type { Message } from '../node';
import { apply, cloneRoomState, nameOf, type RoomEvent, type RoomState } from '../room';
import { byMessageKind, isProtocolEvent, networkMove } from '../protocols/kinds';

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
  /** The whole message and its route ("#3 prepare 1.A from A to C"), for the arrow's tooltip and its name to screen readers. */
  readonly label: string;
  /** The event that sent it (null when it was in flight before the first event drawn), and the one that delivered, dropped or lost it (null while in flight): the log entries it belongs to. */
  readonly sentSeq: number | null;
  readonly endSeq: number | null;
  /** Sent by a node to itself: drawn as a loop beside its lane. */
  readonly self: boolean;
  /** The SVG path of the arrow: a straight line, or a loop. */
  readonly d: string;
}

/** An arrow's visible label, centred on (x, y) or, beside a loop, starting at x. */
export interface ArrowLabel {
  readonly id: number;
  readonly text: string;
  readonly x: number;
  readonly y: number;
  readonly anchor: 'middle' | 'start';
  /** The box the label takes, for placing the others clear of it. */
  readonly box: Box;
}

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface ChosenMark {
  readonly seq: number;
  /** Height of the rule across the lanes. */
  readonly y: number;
  readonly value: string;
  /** "chosen: VALUE" (a long value shortened), written right of every lane. */
  readonly text: string;
  readonly box: Box;
}

export interface DiagramModel {
  readonly width: number;
  readonly height: number;
  readonly top: number;
  /** Vertical distance between two events. */
  readonly step: number;
  readonly lanes: readonly Lane[];
  readonly arrows: readonly Arrow[];
  /** The labels shown: one per arrow, save where arrows crowd. */
  readonly labels: readonly ArrowLabel[];
  /** Where the lanes end and the "chosen" marks begin. */
  readonly lanesRight: number;
  readonly chosen: readonly ChosenMark[];
  /** The last seq drawn. */
  readonly upTo: number;
}

export const DIAGRAM = {
  laneGap: 120,
  step: 22,
  top: 48,
  margin: 60,
  /** How far short of its receiver's lane a dropped or lost message's cross stands: on the receiver's side, clear of every other lane. */
  dropShortPx: 28,
  /** How far a loop reaches right of its lane, and its least height. */
  loopPx: 36,
  loopMinPx: 8,
  /** Labels: their type size, and the width of a character and the height of a line at that size (estimates on the safe side, without the halo). */
  labelFontPx: 11,
  labelCharPx: 7,
  labelLinePx: 18,
  /** The height of the card-coloured band behind a label, which hides the lines it crosses. */
  labelBandPx: 14,
  chosenFontPx: 12,
  chosenCharPx: 7.4,
} as const;

// Phase numbers, not the paper's rule names (P1a and P2c are rules, which explanations cite).
const PHASE = byMessageKind({ prepare: '1a', promise: '1b', accept: '2a', accepted: '2b', notice: '2b', reject: 'nack' });
const KIND = byMessageKind<string>({ prepare: 'prepare', promise: 'promise', accept: 'accept', accepted: 'accepted', notice: 'notice', reject: 'reject' });

/** Cuts `text` to `max` characters, with an ellipsis. */
function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** An arrow's visible label: its kind and ballot, and an accept request's value ("accept 1.A Apple"). */
export function arrowText(m: Message, nameOf: (id: string) => string = (id) => id): string {
  const ballot = shorten(formatBallot(m.ballot, (id) => shorten(nameOf(id), 8)), 12);
  return `${KIND[m.kind]} ${ballot}${m.kind === 'accept' ? ` ${shorten(m.value, 10)}` : ''}`;
}

/** A message that never arrived names the node it was for ("prepare 1.A to C"): its cross stops short of that lane. */
function undelivered(text: string, m: Message, nameOf: (id: string) => string): string {
  return `${text} to ${shorten(nameOf(m.to), 8)}`;
}

/** The SVG path of an arrow: a straight line, or for a message to oneself a loop right of the lane. */
export function arrowPath(x1: number, y1: number, x2: number, y2: number, self: boolean): string {
  if (!self) return `M${x1},${y1}L${x2},${y2}`;
  const out = x1 + DIAGRAM.loopPx;
  return `M${x1},${y1}C${out},${y1} ${out},${y2} ${x2},${y2}`;
}

function labelBox(text: string, x: number, y: number, anchor: 'middle' | 'start'): Box {
  const width = text.length * DIAGRAM.labelCharPx + 2;
  return { x: anchor === 'middle' ? x - width / 2 : x - 2, y: y - DIAGRAM.labelLinePx / 2, width, height: DIAGRAM.labelLinePx };
}

/** Whether two boxes overlap. */
export function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Where along its arrow a whole label may stand, in order of preference (0 is the sender's end); then its phase alone. */
const WHOLE_AT = [0.5, 0.3, 0.7];
const PHASE_AT = [0.5, 0.3, 0.7, 0.15, 0.85];

/**
 * Places a label on each arrow clear of `taken` and of each other: at the arrow's middle,
 * else nearer either end, else as the phase's name alone ("1b"), which fits where a
 * request and its reply run close together; an arrow with no room keeps only its tooltip.
 */
export function placeLabels(arrows: readonly (Arrow & { readonly text: string; readonly phase: string })[], taken: readonly Box[] = []): ArrowLabel[] {
  const boxes = [...taken];
  const labels: ArrowLabel[] = [];
  for (const a of arrows) {
    const tries = [...WHOLE_AT.map((t) => ({ text: a.text, t })), ...PHASE_AT.map((t) => ({ text: a.phase, t }))];
    for (const { text, t } of tries) {
      // Beside a loop, starting just right of it; on a line, centred on it.
      const x = a.self ? a.x1 + DIAGRAM.loopPx + 2 : a.x1 + (a.x2 - a.x1) * t;
      const y = a.y1 + (a.y2 - a.y1) * t;
      const anchor = a.self ? 'start' : 'middle';
      const box = labelBox(text, x, y, anchor);
      if (boxes.some((b) => overlaps(b, box))) continue;
      boxes.push(box);
      labels.push({ id: a.id, text, x, y, anchor, box });
      break;
    }
  }
  return labels;
}

interface Open {
  readonly m: Message;
  /** Where the arrow starts, in events (a fraction where one event draws several). */
  readonly seq: number;
  /** The event that sent it, or null when it was in flight before the first event drawn. */
  readonly event: number | null;
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
      lane = { id, name: nameOf(s, id), x: DIAGRAM.margin + i * DIAGRAM.laneGap, hue: nodeHue(i) };
      lanesById.set(id, lane);
    }
    return lane;
  };
  for (const id of s.order) laneOf(id);
  const y = (seq: number) => DIAGRAM.top + seq * DIAGRAM.step;
  const hueOf = (b: Ballot, from: string) => laneOf(b.node ?? from).hue;
  const open = new Map<number, Open>();
  const arrows: (Arrow & { readonly text: string; readonly phase: string })[] = [];
  const chosenAt: { readonly seq: number; readonly value: string }[] = [];
  const label = (m: Message) =>
    `#${m.id} ${m.kind} ${formatBallot(m.ballot, (id) => nameOf(s, id))}${'value' in m && m.value !== undefined ? ` ${m.value}` : ''} from ${nameOf(s, m.from)} to ${nameOf(s, m.to)}`;
  /** Draws `o`'s arrow to height `seq` (in events), as `fate` ended it at event `event` (null while in flight). */
  const close = (o: Open, seq: number, fate: ArrowFate, event: number | null) => {
    const a = laneOf(o.m.from);
    const b = laneOf(o.m.to);
    const self = o.m.from === o.m.to;
    const ended = fate === 'dropped' || fate === 'lost';
    // How far along its way the arrow ends: a message that never arrived ends on its receiver's side, short of the lane.
    const end = !ended ? 1 : self ? 0.5 : 1 - DIAGRAM.dropShortPx / Math.abs(b.x - a.x);
    const y2 = fate === 'in-flight' || fate === 'held' ? y(seq) : y(o.seq) + (y(seq) - y(o.seq)) * end;
    const x2 = fate === 'delivered' || self ? b.x : a.x + (b.x - a.x) * (ended ? end : 0.85);
    // A loop is never flat, however soon its message arrives.
    const yEnd = Math.max(fate === 'delivered' ? y(seq) : y2, self ? y(o.seq) + DIAGRAM.loopMinPx : -Infinity);
    arrows.push({
      id: o.m.id,
      kind: o.m.kind,
      from: o.m.from,
      to: o.m.to,
      x1: a.x,
      y1: y(o.seq),
      x2,
      y2: yEnd,
      fate,
      copy: o.copy,
      hue: hueOf(o.m.ballot, o.m.from),
      label: label(o.m),
      sentSeq: o.event,
      endSeq: event,
      self,
      d: arrowPath(a.x, y(o.seq), x2, yEnd, self),
      text: ended ? undelivered(arrowText(o.m, (id) => nameOf(s, id)), o.m, (id) => nameOf(s, id)) : arrowText(o.m, (id) => nameOf(s, id)),
      phase: ended ? undelivered(PHASE[o.m.kind], o.m, (id) => nameOf(s, id)) : PHASE[o.m.kind],
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
    /** A request enters the network. */
    const sent = (message: Message) => open.set(message.id, { m: message, seq, event: seq, copy: false });
    /** A request and its acceptor's reply in one step (no reply: the request waits in an inbox). */
    const exchanged = (request: Message, reply: Message | null) => {
      const req = { m: request, seq: seq - 0.4, event: seq, copy: false };
      if (!reply) {
        open.set(request.id, { ...req, seq });
        return;
      }
      close(req, seq, 'delivered', seq);
      close({ m: reply, seq, event: seq, copy: false }, seq + 0.4, 'delivered', seq);
    };
    switch (e.type) {
      case 'sent':
        sent(e.message);
        break;
      case 'exchanged':
        exchanged(e.request, e.reply);
        break;
      case 'lost':
        close({ m: e.message, seq: seq - 0.4, event: seq, copy: false }, seq, 'lost', seq);
        break;
      case 'delivered': {
        const o = open.get(e.id) ?? { m: before.find((m) => m.id === e.id)!, seq: seq - 1, event: null, copy: false };
        open.delete(e.id);
        if (o.m) close(o, seq, 'delivered', seq);
        if (e.reply) open.set(e.reply.id, { m: e.reply, seq, event: seq, copy: false });
        break;
      }
      case 'deliveredAll':
        // One event, many arrivals: spread them over the event's row, in their order.
        e.deliveries.forEach((d, k) => {
          const at = seq - 0.5 + (k + 1) / (e.deliveries.length + 1);
          const o = open.get(d.id) ?? { m: before.find((m) => m.id === d.id)!, seq: seq - 1, event: null, copy: false };
          open.delete(d.id);
          if (o.m) close(o, at, 'delivered', seq);
          if (d.reply) open.set(d.reply.id, { m: d.reply, seq: at, event: seq, copy: false });
        });
        break;
      case 'dropped':
      case 'droppedAll':
        for (const id of e.type === 'dropped' ? [e.id] : e.ids) {
          const o = open.get(id);
          open.delete(id);
          if (o) close(o, seq, 'dropped', seq);
        }
        break;
      case 'duplicated': {
        const o = open.get(e.id);
        if (o) open.set(e.copyId, { m: { ...o.m, id: e.copyId }, seq, event: seq, copy: true });
        break;
      }
      case 'answered': {
        const request = held[e.id];
        const o = open.get(e.id);
        open.delete(e.id);
        if (o) close(o, seq - 0.5, 'delivered', seq);
        else if (request) close({ m: request, seq: seq - 1, event: null, copy: false }, seq - 0.5, 'delivered', seq);
        if (e.lost) close({ m: e.reply, seq, event: seq, copy: false }, seq + 0.5, 'lost', seq);
        else if (e.instant) close({ m: e.reply, seq, event: seq, copy: false }, seq + 0.4, 'delivered', seq);
        else open.set(e.reply.id, { m: e.reply, seq, event: seq, copy: false });
        break;
      }
      case 'roundStarted':
        for (const o of open.values()) close(o, seq, 'dropped', seq);
        open.clear();
        break;
      default:
        // A protocol's own events move messages as the notebook's do, or are not drawn.
        if (isProtocolEvent(e)) {
          const move = networkMove(e);
          if (move === 'sent' && 'message' in e) sent(e.message);
          else if (move === 'exchanged' && 'request' in e) exchanged(e.request, e.reply);
        }
        break;
    }
    for (const c of s.monitor.chosen.slice(chosenBefore)) chosenAt.push({ seq, value: c.value });
  }
  for (const o of open.values()) close(o, last + 0.8, s.held[o.m.id] ? 'held' : 'in-flight', null);
  const lanes = [...lanesById.values()].map((l) => ({ ...l, name: nameOf(s, l.id) }));
  const lanesRight = DIAGRAM.margin + Math.max(0, lanes.length - 1) * DIAGRAM.laneGap + DIAGRAM.loopPx + 12;
  // The marks first, right of the lanes (and of the last lane's loops), one under another where they meet.
  const chosen: ChosenMark[] = [];
  for (const c of chosenAt) {
    const text = `chosen: ${shorten(c.value, 16)}`;
    const width = text.length * DIAGRAM.chosenCharPx;
    let top = y(c.seq) - DIAGRAM.chosenFontPx;
    while (chosen.some((m) => overlaps(m.box, { x: lanesRight, y: top, width, height: DIAGRAM.chosenFontPx + 4 }))) top += DIAGRAM.chosenFontPx + 4;
    chosen.push({ seq: c.seq, y: y(c.seq), value: c.value, text, box: { x: lanesRight, y: top, width, height: DIAGRAM.chosenFontPx + 4 } });
  }
  // A lost or dropped message's cross stays in sight.
  const crosses = arrows.filter((a) => a.fate === 'dropped' || a.fate === 'lost').map((a) => ({ x: a.x2 - 6, y: a.y2 - 6, width: 12, height: 12 }));
  const labels = placeLabels(arrows, [...chosen.map((c) => c.box), ...crosses]);
  const right = Math.max(lanesRight, ...chosen.map((c) => c.box.x + c.box.width), ...labels.map((l) => l.box.x + l.box.width));
  return {
    width: Math.ceil(Math.max(DIAGRAM.margin * 2 + Math.max(0, lanes.length - 1) * DIAGRAM.laneGap, right + 8)),
    height: Math.max(y(last + 2), ...chosen.map((c) => c.box.y + c.box.height + 4)),
    top: DIAGRAM.top,
    step: DIAGRAM.step,
    lanes,
    arrows: arrows.map(({ text: _text, phase: _phase, ...a }) => a),
    labels,
    lanesRight,
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
    out.push(
      `<g class="chosen"><title>chosen: ${xml(c.value)}</title><line x1="0" x2="${model.lanesRight - 4}" y1="${c.y}" y2="${c.y}" stroke="#17713d" stroke-width="2"/>` +
        `<text x="${c.box.x}" y="${c.box.y + DIAGRAM.chosenFontPx}" fill="#17713d" font-weight="bold">${xml(c.text)}</text></g>`,
    );
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
        `<path d="${a.d}" fill="none" stroke="${inkOf(a.hue, 'light')}" stroke-width="${a.copy ? 1.5 : 2}"${dash}${end}/>${cross}</g>`,
    );
  }
  for (const l of model.labels) {
    const band = `<rect class="label-band" x="${l.box.x}" y="${l.y - DIAGRAM.labelBandPx / 2}" width="${l.box.width}" height="${DIAGRAM.labelBandPx}" rx="3" fill="#ffffff" fill-opacity="0.85"/>`;
    out.push(
      band +
        `<text class="arrow-label" x="${l.x}" y="${l.y}" text-anchor="${l.anchor}" dominant-baseline="central" font-size="${DIAGRAM.labelFontPx}" fill="#16181d" stroke="#ffffff" stroke-width="4" stroke-linejoin="round" paint-order="stroke">${xml(l.text)}</text>`,
    );
  }
  out.push('</svg>');
  return out.join('\n');
}
