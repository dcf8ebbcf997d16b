/**
 * Where the ring puts each node, and how large it writes them: a ring up to a dozen
 * nodes, a grid past that (each side of a partition in its own rows), with the largest
 * type at which every label fits its box, measured from the labels' own widths. Where
 * long names leave no ring at any size, a name (or second line) too long for its box is
 * cut to one line with an ellipsis, rather than the ring giving way to a grid. Boxes
 * never overlap, so neither do the circles in them. Plain arithmetic, no DOM.
 */

/** The ring is a ring up to this many nodes; past it, a grid keeps labels large enough to read. */
export const RING_NODES_MAX = 12;
/** Line height of the labels, in em. */
export const LINE_EM = 1.2;
/** The smallest type the ring shrinks to; past that, it grows taller instead (a phone scrolls). */
export const FONT_PX_MIN = 14;
/** The narrowest label a ring of long names cuts its names to, in em of its type: about fourteen letters, most names whole. */
const CUT_LABEL_EM_MIN = 8;
/** A ring cuts names only at type this share of its largest or smaller: larger, it keeps every name whole at a smaller size. */
const CUT_FONT_SHARE = 0.6;
/** A name or detail line of a ring wraps onto at most this many lines; a longer one is cut to one. */
const PART_LINES_MAX = 2;
const FONT_STEP_PX = 0.5;
/** Width estimates are of one line of text; wrapping at word boundaries takes a little more. */
const WRAP_SLACK = 1.04;
/** A grid cell, in em of its type: the circle's radius, the cell's padding, the gap from circle to label. */
const RADIUS_EM = 0.6;
const PAD_EM = 0.15;
const GAP_EM = 0.3;
/** What a grid cell's width gives up besides its label's: padding, circle, gap, padding. */
const GRID_CHROME_EM = 2 * PAD_EM + 2 * RADIUS_EM + GAP_EM;

/** A node's label: the width of its name and of its detail line, written at 1 px. */
export interface LabelWidths {
  readonly name: number;
  readonly detail: number;
  /** Its widest word: a box narrower than that would break a name inside a word ("Luca s"). */
  readonly word?: number;
  /** The widest word of its name and of its detail line, apart: which of the two a ring cuts to one line. */
  readonly nameWord?: number;
  readonly detailWord?: number;
}

export interface LayoutInput {
  readonly width: number;
  /** The height available, or null: about three quarters of the width, taller if it must. */
  readonly height: number | null;
  /** How many nodes each side of the network has; the labels come side after side. */
  readonly sides: readonly number[];
  readonly labels: readonly LabelWidths[];
}

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export interface PlacedNode {
  /** The circle's centre. */
  readonly x: number;
  readonly y: number;
  /** The label's box, below the circle (ring) or to its right (grid). */
  readonly label: Box;
  /** The whole box the node owns: circle and label. */
  readonly cell: Box;
  /** Its name, and its detail line, cut to one line with an ellipsis: too long for the box a ring of long names leaves. */
  readonly cut?: LabelCut;
}

/** Which parts of a label a ring of long names cuts to one line. */
export interface LabelCut {
  readonly name: boolean;
  readonly detail: boolean;
}

export interface RingLayout {
  readonly kind: 'ring' | 'grid';
  readonly width: number;
  readonly height: number;
  readonly fontPx: number;
  readonly radiusPx: number;
  readonly nodes: readonly PlacedNode[];
  /** The grid's band of rows for each side of a partition (none for a ring, or for one side). */
  readonly sideBands: readonly Box[];
}

/** The largest type the ring uses at this width: large on a projector, modest on a dashboard. */
export function fontPxMax(width: number): number {
  return Math.max(14, Math.min(44, width / 28));
}

/** Whether every word of every label fits on one line of a box `widthPx` wide at `fontPx`: no name breaks inside a word. */
function wordsFit(labels: readonly LabelWidths[], fontPx: number, widthPx: number): boolean {
  return labels.every((l) => (l.word ?? 0) * fontPx * WRAP_SLACK <= widthPx);
}

/** Lines a label of these widths takes in a box `widthPx` wide at `fontPx` (one at least for each part). */
function lineCount(label: LabelWidths, fontPx: number, widthPx: number): number {
  const lines = (w: number) => Math.max(1, Math.ceil((w * fontPx * WRAP_SLACK) / widthPx));
  return lines(label.name) + lines(label.detail);
}

/** The layout of these nodes in this space. */
export function ringLayout(input: LayoutInput): RingLayout {
  const n = input.labels.length;
  const width = Math.max(1, input.width);
  const height = input.height ?? Math.round(width * 0.75);
  if (n <= RING_NODES_MAX) {
    const ring = ringOf(input.labels, width, height);
    if (ring) return ring;
  }
  return gridOf(input, width, height);
}

/**
 * A ring at the largest type at which it fits: every name whole where it can be; from
 * `CUT_FONT_SHARE` of the largest type down, with a name or detail line too long for its box
 * cut to one line, rather than type too small for the room. Null where no ring fits.
 */
function ringOf(labels: readonly LabelWidths[], width: number, height: number): RingLayout | null {
  const cutFromPx = Math.max(FONT_PX_MIN, CUT_FONT_SHARE * fontPxMax(width));
  for (let f = fontPxMax(width); f >= FONT_PX_MIN; f -= FONT_STEP_PX) {
    const ring = wholeRingAt(labels, width, height, f) ?? (f <= cutFromPx ? cutRingAt(labels, width, height, f) : null);
    if (ring) return ring;
  }
  return null;
}

/** The ring at type `fontPx` with every label whole (names wrap between words), or null where it does not fit. */
function wholeRingAt(labels: readonly LabelWidths[], width: number, height: number, f: number): RingLayout | null {
  const widest = Math.max(1, ...labels.map((l) => Math.max(l.name, l.detail)));
  // As wide as the widest line, within a third of the ring; longer names wrap.
  const labelW = Math.min(widest * f * WRAP_SLACK, width / 3);
  if (!wordsFit(labels, f, labelW)) return null;
  const lines = Math.max(...labels.map((l) => lineCount(l, f, labelW)), 2);
  return placeRing(labels.length, width, height, f, labelW, lines, null);
}

/**
 * The ring at type `fontPx` with the widest labels that fit, down to about fourteen letters:
 * a name or detail line is cut to one line where its words do not fit the box or it would
 * take more than two lines. Null where even the narrowest leave no ring.
 */
function cutRingAt(labels: readonly LabelWidths[], width: number, height: number, f: number): RingLayout | null {
  const widest = Math.max(1, ...labels.map((l) => Math.max(l.name, l.detail)));
  for (let labelW = Math.min(widest * f * WRAP_SLACK, width / 3); labelW >= CUT_LABEL_EM_MIN * f; labelW -= FONT_STEP_PX * f) {
    const cut = labels.map((l): LabelCut => ({ name: partCut(l.name, l.nameWord ?? l.word, f, labelW), detail: partCut(l.detail, l.detailWord ?? l.word, f, labelW) }));
    const partLines = (w: number, isCut: boolean) => (isCut ? 1 : Math.max(1, Math.ceil((w * f * WRAP_SLACK) / labelW)));
    const lines = Math.max(2, ...labels.map((l, i) => partLines(l.name, cut[i]!.name) + partLines(l.detail, cut[i]!.detail)));
    const ring = placeRing(labels.length, width, height, f, labelW, lines, cut);
    if (ring) return ring;
  }
  return null;
}

/** Whether a name or detail line `widthEm` wide, whose widest word is `wordEm`, is cut to one line in a box `labelW` wide at `fontPx`. */
function partCut(widthEm: number, wordEm: number | undefined, fontPx: number, labelW: number): boolean {
  const px = (em: number) => em * fontPx * WRAP_SLACK;
  return px(wordEm ?? 0) > labelW || Math.ceil(px(widthEm) / labelW) > PART_LINES_MAX;
}

/** `n` cells of labels `labelW` wide and `lines` lines tall around an ellipse in `width` by `height`, or null where two would overlap. */
function placeRing(n: number, width: number, height: number, f: number, labelW: number, lines: number, cut: readonly LabelCut[] | null): RingLayout | null {
  const r = RADIUS_EM * f;
  const pad = 0.25 * f;
  const cellW = Math.max(labelW, 2 * r) + 2 * pad;
  const cellH = 2 * r + pad + lines * LINE_EM * f + 2 * pad;
  const rx = (width - cellW) / 2;
  const ry = (height - cellH) / 2;
  if (rx < 0 || ry < 0) return null;
  const cells: Box[] = [];
  for (let i = 0; i < n; i++) {
    const angle = n === 1 ? -Math.PI / 2 : (2 * Math.PI * i) / n - Math.PI / 2;
    // A single node sits in the middle.
    const cx = width / 2 + (n === 1 ? 0 : rx * Math.cos(angle));
    const cy = height / 2 + (n === 1 ? 0 : ry * Math.sin(angle));
    cells.push({ x: cx - cellW / 2, y: cy - cellH / 2, w: cellW, h: cellH });
  }
  if (!cells.every((a, i) => cells.every((b, j) => j <= i || !overlap(a, b)))) return null;
  const nodes = cells.map((c, i) => ({
    x: c.x + c.w / 2,
    y: c.y + pad + r,
    label: { x: c.x + pad, y: c.y + 2 * pad + 2 * r, w: c.w - 2 * pad, h: lines * LINE_EM * f },
    cell: c,
    ...(cut ? { cut: cut[i]! } : {}),
  }));
  return { kind: 'ring', width, height, fontPx: f, radiusPx: r, nodes, sideBands: [] };
}

function gridOf(input: LayoutInput, width: number, height: number): RingLayout {
  const n = input.labels.length;
  let best: { f: number; columns: number; lines: number; needed: number } | null = null;
  for (let f = fontPxMax(width); f >= FONT_PX_MIN && !best; f -= FONT_STEP_PX) {
    for (let columns = Math.max(1, n); columns >= 1; columns--) {
      const textW = width / columns - GRID_CHROME_EM * f;
      if (textW < 3 * f || !wordsFit(input.labels, f, textW)) continue;
      const lines = Math.max(2, ...input.labels.map((l) => lineCount(l, f, textW)));
      const needed = gridHeight(input.sides, columns, f, lines);
      if (needed <= height) {
        best = { f, columns, lines, needed };
        break;
      }
    }
  }
  if (!best) {
    // Nothing fits at the smallest type: keep it, as many columns as the width holds, and grow taller.
    const f = FONT_PX_MIN;
    const columns = Math.max(1, Math.min(n, Math.floor(width / (8 * f))));
    const lines = Math.max(2, ...input.labels.map((l) => lineCount(l, f, width / columns - GRID_CHROME_EM * f)));
    best = { f, columns, lines, needed: gridHeight(input.sides, columns, f, lines) };
  }
  const { f, columns, lines } = best;
  const pad = PAD_EM * f;
  const r = RADIUS_EM * f;
  const cellW = width / columns;
  const cellH = lines * LINE_EM * f + 2 * pad;
  const total = Math.max(height, best.needed);
  let y = (total - best.needed) / 2;
  const nodes: PlacedNode[] = [];
  const sideBands: Box[] = [];
  for (const count of input.sides) {
    const rows = Math.ceil(count / columns);
    if (input.sides.length > 1) sideBands.push({ x: 0, y, w: width, h: rows * cellH });
    for (let i = 0; i < count; i++) {
      const cell = { x: (i % columns) * cellW, y: y + Math.floor(i / columns) * cellH, w: cellW, h: cellH };
      const cx = cell.x + pad + r;
      const label = { x: cx + r + GAP_EM * f, y: cell.y + pad, w: cell.w - GRID_CHROME_EM * f, h: lines * LINE_EM * f };
      nodes.push({ x: cx, y: cell.y + pad + r, label, cell });
    }
    y += rows * cellH + sideGap(f);
  }
  return { kind: 'grid', width, height: total, fontPx: f, radiusPx: r, nodes, sideBands };
}

function sideGap(fontPx: number): number {
  return 0.6 * fontPx;
}

function gridHeight(sides: readonly number[], columns: number, fontPx: number, lines: number): number {
  const rows = sides.reduce((sum, count) => sum + Math.ceil(count / columns), 0);
  return rows * (lines * LINE_EM + 2 * PAD_EM) * fontPx + (sides.length - 1) * sideGap(fontPx);
}

function overlap(a: Box, b: Box): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}
