/** The sequence diagram's layout: arrow labels clear of each other, loops for messages to oneself, and "chosen" marks clear of the arrows. */
import { describe, expect, it } from 'vitest';
import { arrowText, DIAGRAM, diagramModel, diagramSvg, overlaps, parseScenario, PRESETS, runScenario, type DiagramModel } from '@toy-paxos/shared';

function diagramOf(text: string): DiagramModel {
  const log = runScenario(parseScenario(text)).log;
  return diagramModel(log.stateAt(0), log.events);
}

const preset = (name: string) => diagramOf(PRESETS.find((p) => p.name === name)!.text);

/** The right-most point an arrow reaches: a loop bulges right of its lane. */
const arrowRight = (m: DiagramModel) => Math.max(...m.arrows.map((a) => Math.max(a.x1, a.x2) + (a.self ? DIAGRAM.loopPx : 0)));

/** No two labels overlap, nor any label a "chosen" mark or a lost message's cross, and each labels an arrow of its own. */
function expectClear(m: DiagramModel): void {
  for (const [i, a] of m.labels.entries()) {
    for (const b of m.labels.slice(i + 1)) expect(overlaps(a.box, b.box), `${a.text} over ${b.text}`).toBe(false);
    for (const c of m.chosen) expect(overlaps(a.box, c.box), `${a.text} over ${c.text}`).toBe(false);
    for (const x of m.arrows.filter((x) => x.fate === 'dropped' || x.fate === 'lost')) {
      expect(overlaps(a.box, { x: x.x2 - 5, y: x.y2 - 5, width: 10, height: 10 }), `${a.text} over a cross`).toBe(false);
    }
  }
  const ids = m.labels.map((l) => l.id);
  expect(new Set(ids).size).toBe(ids.length);
  for (const id of ids) expect(m.arrows.some((a) => a.id === id)).toBe(true);
}

describe('arrow labels', () => {
  it('name the kind and ballot, and an accept request its value (preset lost-messages, where only the proposer learns)', () => {
    const m = diagramOf(`learners proposer\n${PRESETS.find((p) => p.name === 'lost-messages')!.text}`);
    const texts = new Set(m.labels.map((l) => l.text));
    // A message dropped on its way names the node it was for: B's promise request, the acceptances to A.
    for (const t of ['prepare 1.A', 'promise 1.A', 'accept 1.A Apple', 'accepted 2.A', 'prepare 1.A to B', 'accepted 1.A to A']) expect(texts, t).toContain(t);
    // A sparse diagram: every arrow keeps its label.
    expect(m.labels).toHaveLength(m.arrows.length);
    expectClear(m);
  });

  it('keep long names and values short', () => {
    const text = arrowText({ kind: 'accept', id: 1, from: 'a', to: 'b', ballot: { round: 12, node: 'a' }, value: 'A very long value indeed' }, () => 'Maximilian-Alexander');
    expect(text).toBe('accept 12.Maximil… A very lo…');
  });

  it('move, shrink to the phase or give way where arrows crowd, and never overlap (5 nodes, one delivery of everything)', () => {
    const m = diagramOf('delivery queued\nnodes A B C D E\npropose A Apple\npromise A -> all\ndeliver all\ndeliver all\naccept A -> all\ndeliver all\ndeliver all');
    expect(m.chosen.map((c) => c.value)).toEqual(['Apple']);
    // 20 requests and replies, and 16 notices: A's acceptance to B, C, D and E, each other acceptor's to the three nodes but itself and A.
    expect(m.arrows).toHaveLength(36);
    expect(m.arrows.filter((a) => a.kind === 'notice')).toHaveLength(16);
    const phases = m.labels.filter((l) => /^[12][ab]$/.test(l.text));
    // Crowded: some labels shrink or are left out, and some keep their whole text.
    expect(phases.length + (m.arrows.length - m.labels.length)).toBeGreaterThan(0);
    expect(m.labels.some((l) => l.text === 'promise 1.A')).toBe(true);
    expectClear(m);
  });
});

describe('a message that never arrived', () => {
  it("ends in a cross on its receiver's side, never on a lane between (drop A -> C)", () => {
    const m = diagramOf('delivery queued\nnodes A B C\npropose A Apple\npromise A -> all\ndrop A -> C');
    const [a, b, c] = m.lanes.map((l) => l.x) as [number, number, number];
    const dropped = m.arrows.find((x) => x.fate === 'dropped')!;
    expect([dropped.from, dropped.to]).toEqual(['A', 'C']);
    expect(dropped.x2).toBe(c - DIAGRAM.dropShortPx);
    // Past B, clear of its lane by more than the cross's half width, and nearer C than A.
    expect(dropped.x2 - 6).toBeGreaterThan(b);
    expect(dropped.x2 - a).toBeGreaterThan((c - a) / 2);
    // On its line: as far down its way as across.
    expect((dropped.y2 - dropped.y1) / (dropped.x2 - dropped.x1)).toBeCloseTo((m.step * 1) / (c - a), 6);
    expect(m.labels.find((l) => l.id === dropped.id)!.text).toBe('prepare 1.A to C');
    expect(dropped.label).toBe('#3 prepare 1.A from A to C');
    expectClear(m);
  });
});

describe('the log entries of an arrow', () => {
  it('are the event that sent it and the one that ended it (none while in flight)', () => {
    const m = diagramOf('delivery queued\nnodes A B C\npropose A Apple\npromise A -> all\ndrop A -> C\ndeliver A -> B');
    const seqs = Object.fromEntries(m.arrows.map((a) => [`${a.from}>${a.to} ${a.kind} ${a.fate}`, [a.sentSeq, a.endSeq]]));
    // Events 1 to 3 add the nodes, 4 is the proposal, 5 to 7 the promise requests, 8 the drop and 9 the delivery to B.
    expect(seqs).toEqual({
      'A>A prepare in-flight': [5, null],
      'A>C prepare dropped': [7, 8],
      'A>B prepare delivered': [6, 9],
      'B>A promise in-flight': [9, null],
    });
  });
});

describe('messages to oneself', () => {
  it('are loops right of their lane, never flat, labelled beside the loop', () => {
    const m = diagramOf('nodes A B\npropose A Apple\npromise A -> all\naccept A -> all');
    const self = m.arrows.filter((a) => a.self);
    expect(self.map((a) => a.kind).sort()).toEqual(['accept', 'accepted', 'prepare', 'promise']);
    for (const a of self) {
      expect(a.from).toBe(a.to);
      expect(a.x1).toBe(a.x2);
      expect(a.d).toBe(`M${a.x1},${a.y1}C${a.x1 + DIAGRAM.loopPx},${a.y1} ${a.x1 + DIAGRAM.loopPx},${a.y2} ${a.x2},${a.y2}`);
      expect(a.y2 - a.y1).toBeGreaterThanOrEqual(DIAGRAM.loopMinPx - 1e-9);
    }
    for (const a of m.arrows.filter((x) => !x.self)) expect(a.d).toBe(`M${a.x1},${a.y1}L${a.x2},${a.y2}`);
    const loopLabel = m.labels.find((l) => l.id === self[0]!.id)!;
    expect(loopLabel.anchor).toBe('start');
    expect(loopLabel.x).toBeGreaterThan(self[0]!.x1 + DIAGRAM.loopPx);
    expectClear(m);
  });
});

describe('"chosen" marks', () => {
  it('stand right of every lane and arrow, one under another where they meet (preset lost-messages)', () => {
    const m = preset('lost-messages');
    expect(m.chosen.map((c) => c.text)).toEqual(['chosen: Apple', 'chosen: Apple']);
    for (const c of m.chosen) {
      expect(c.box.x).toBeGreaterThan(arrowRight(m));
      expect(c.box.x + c.box.width).toBeLessThanOrEqual(m.width);
      expect(c.box.y + c.box.height).toBeLessThanOrEqual(m.height);
    }
    expect(overlaps(m.chosen[0]!.box, m.chosen[1]!.box)).toBe(false);
    expect(m.lanesRight).toBeLessThanOrEqual(m.chosen[0]!.box.x);
  });

  it('shorten a long value, keeping the whole value in the model', () => {
    const m = diagramOf('nodes A\npropose A Supercalifragilistic\npromise A -> all\naccept A -> all');
    expect(m.chosen.map((c) => [c.value, c.text])).toEqual([['Supercalifragilistic', 'chosen: Supercalifragil…']]);
  });
});

describe('the exported SVG', () => {
  it('draws the same labels, loops and marks as the page (preset basic-3)', () => {
    const m = preset('basic-3');
    const svg = diagramSvg(m);
    expect(svg.match(/<text class="arrow-label"/g)).toHaveLength(m.labels.length);
    expect(svg.match(/<path d="M[^"]*C/g)).toHaveLength(m.arrows.filter((a) => a.self).length);
    for (const c of m.chosen) expect(svg).toContain(`>${c.text}</text>`);
    expect(svg).toContain('paint-order="stroke"');
  });
});
