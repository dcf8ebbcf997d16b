/** What the ring draws of the network, and where it puts every node: from the core's own room log. */
import { describe, expect, it } from 'vitest';
import { RoomLog, type RoomCommand } from '@toy-paxos/shared';
import { lostMessages, messageLines, networkSides } from '../../client/src/lib/network-view';
import { FONT_PX_MIN, ringLayout, type Box } from '../../client/src/lib/ring-layout';

/** A queued room of `n` nodes (A, B, C, ...) after `commands`. */
function room(n: number, commands: RoomCommand[]): RoomLog {
  const log = new RoomLog();
  for (const c of [
    { type: 'changeSettings', settings: { delivery: 'queued' } } as const,
    ...Array.from({ length: n }, (_, i) => ({ type: 'addNode', node: String.fromCharCode(65 + i) }) as const),
    ...commands,
  ]) {
    const r = log.dispatch(c);
    if (!r.ok) throw new Error(`${c.type}: ${r.explanation}`);
  }
  return log;
}

describe('networkSides', () => {
  it('is one side when no link is cut, and each connected group of a partition, the largest first', () => {
    expect(networkSides(room(4, []).state)).toEqual([['A', 'B', 'C', 'D']]);
    expect(networkSides(room(5, [{ type: 'partition', groups: [['A', 'E'], ['B', 'C', 'D']] }]).state)).toEqual([['B', 'C', 'D'], ['A', 'E']]);
  });

  it('keeps nodes together that still reach each other through a third', () => {
    expect(networkSides(room(3, [{ type: 'cut', a: 'A', b: 'C' }]).state)).toEqual([['A', 'B', 'C']]);
  });
});

describe('messageLines and lostMessages', () => {
  const sent: RoomCommand[] = [
    { type: 'propose', node: 'A', value: 'Apple' },
    { type: 'promiseRequest', from: 'A', to: ['A', 'B'] },
  ];

  it('counts a duplicated message once, with its copies', () => {
    const s = room(3, [...sent, { type: 'duplicate', id: 2 }]).state;
    expect(messageLines(s).map((l) => [l.message.to, l.copies])).toEqual([['A', 1], ['B', 2]]);
  });

  it('finds what the last event dropped, copies included, and nothing after any other event', () => {
    const one = room(3, [...sent, { type: 'drop', id: 2 }]);
    expect(lostMessages(one.events, one.state).map((m) => [m.id, m.from, m.to, m.kind])).toEqual([[2, 'A', 'B', 'prepare']]);
    const all = room(3, [...sent, { type: 'duplicate', id: 2 }, { type: 'dropAll' }]);
    expect(lostMessages(all.events, all.state).map((m) => [m.id, m.to]).sort()).toEqual([[1, 'A'], [2, 'B'], [3, 'B']]);
    const kept = room(3, sent);
    expect(lostMessages(kept.events, kept.state)).toEqual([]);
  });
});

describe('ringLayout', () => {
  const overlap = (a: Box, b: Box) => a.x < b.x + b.w - 0.01 && b.x < a.x + a.w - 0.01 && a.y < b.y + b.h - 0.01 && b.y < a.y + a.h - 0.01;
  const label = { name: 3.4, detail: 6.6 };

  it.each([
    [1250, 900],
    [640, null],
    [330, null],
  ] as const)('from 3 to 60 nodes in %d by %s px: no two cells overlap, and every cell is inside the ring', (width, height) => {
    for (let n = 3; n <= 60; n++) {
      const sides = n > 4 ? [Math.ceil(n / 2), Math.floor(n / 2)] : [n];
      const layout = ringLayout({ width, height, sides, labels: Array.from({ length: n }, () => label) });
      expect(layout.nodes).toHaveLength(n);
      expect(layout.fontPx).toBeGreaterThanOrEqual(FONT_PX_MIN);
      for (const [i, a] of layout.nodes.entries()) {
        expect(a.cell.x).toBeGreaterThanOrEqual(-0.01);
        expect(a.cell.x + a.cell.w).toBeLessThanOrEqual(width + 0.01);
        expect(a.cell.y + a.cell.h).toBeLessThanOrEqual(layout.height + 0.01);
        for (const b of layout.nodes.slice(i + 1)) expect(overlap(a.cell, b.cell)).toBe(false);
      }
      if (height !== null) expect(layout.height).toBe(height);
    }
  });

  it('keeps a ring of 7 to 12 long names, cutting to one line only the names its boxes cannot hold', () => {
    // Names of 20 letters and more, one a single word of 24, measured in em of bold type; their detail lines are short.
    const long = (i: number) => (i === 1 ? { name: 14, nameWord: 14, detail: 8, detailWord: 4.4 } : { name: 13 + (i % 3), nameWord: 7 + (i % 3), detail: 8, detailWord: 4.4 });
    // The projector's ring at 1920x1080, and the dashboard's at 1366x768.
    for (const [width, height] of [[1250, 850], [740, 520]] as const) {
      for (const n of [7, 12]) {
        const labels = Array.from({ length: n }, (_, i) => ({ ...long(i), word: Math.max(long(i).nameWord, long(i).detailWord) }));
        const layout = ringLayout({ width, height, sides: [n], labels });
        expect(layout.kind, `${n} in ${width}`).toBe('ring');
        expect(layout.fontPx).toBeGreaterThanOrEqual(FONT_PX_MIN);
        for (const [i, a] of layout.nodes.entries()) {
          expect(a.cell.x).toBeGreaterThanOrEqual(-0.01);
          expect(a.cell.x + a.cell.w).toBeLessThanOrEqual(width + 0.01);
          for (const b of layout.nodes.slice(i + 1)) expect(overlap(a.cell, b.cell)).toBe(false);
          // What is not cut fits its box: every word on a line, and no part on more than two.
          const word = labels[i]!.nameWord * layout.fontPx;
          if (!a.cut?.name) expect(word).toBeLessThanOrEqual(a.label.w);
          expect(a.cut?.detail ?? false).toBe(false);
        }
        // The single word of 24 letters is the one cut first.
        if (layout.nodes.some((p) => p.cut?.name)) expect(layout.nodes[1]!.cut?.name).toBe(true);
      }
    }
  });

  it('cuts no name where an uncut ring fits', () => {
    const layout = ringLayout({ width: 1250, height: 900, sides: [7], labels: Array.from({ length: 7 }, () => label) });
    expect(layout.kind).toBe('ring');
    expect(layout.nodes.every((p) => p.cut === undefined)).toBe(true);
  });

  it('is a ring for a few nodes and a grid past a dozen, with smaller type for more nodes', () => {
    const at = (n: number) => ringLayout({ width: 1250, height: 900, sides: [n], labels: Array.from({ length: n }, () => label) });
    expect(at(5).kind).toBe('ring');
    expect(at(40).kind).toBe('grid');
    expect(at(40).fontPx).toBeGreaterThanOrEqual(28);
    expect(at(60).fontPx).toBeLessThan(at(40).fontPx);
  });
});
