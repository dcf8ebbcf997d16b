/**
 * A ring of 7 and of 12 students with long names (15 characters and more), on the dashboard at
 * 1366x768 and on the projector at 1920x1080: it stays a ring, with no two labels over each
 * other, each name whole or cut to one line by an ellipsis, and the whole name on hover and for
 * screen readers. The students are real socket.io clients; the pages are real Chromium reaching
 * the server as classroom.test.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DASHBOARD, joinProjector, openRoom, person, PROJECTOR, seriousViolations, useClassroom, viewportShot } from './harness';
import { TestClient } from '../integration/harness';

const env = useClassroom();

const NAMES = [
  'Alexandra Konstantinidou',
  'Wolfeschlegelsteinhausen',
  'Bartholomew Fairweather',
  'Christopher Montgomery',
  'Dimitrios Papadopoulos',
  'Evangelina Rosenthal',
  'Guinevere Abernathy-Smith',
  'Hildegard Vandermeer',
  'Ignatius Worthington',
  'Jacqueline Beauregard',
  'Konstantin Rachmaninov',
  'Leopoldina Castellanos',
];

interface Label {
  name: string;
  title: string;
  grid: boolean;
  /** The name or detail line overflows its box without an ellipsis. */
  clipped: boolean;
  /** The name is cut by an ellipsis. */
  ellipsis: boolean;
  box: { left: number; top: number; right: number; bottom: number };
}

/** Each label of the ring, how it shows its name, and where it lies; runs in the page. */
const LABELS = `[...document.querySelectorAll('.ring .labels .label')].map((el) => {
  const name = el.querySelector('[data-node-name]');
  const parts = [name, el.querySelector('.detail')];
  const overflows = (p) => p.scrollWidth > p.clientWidth + 1 || p.scrollHeight > p.clientHeight + 1;
  const b = el.getBoundingClientRect();
  return {
    // What a screen reader reads: the whole name, whatever the ellipsis hides.
    name: name.textContent,
    title: el.title,
    grid: el.classList.contains('grid'),
    clipped: parts.some((p) => overflows(p) && getComputedStyle(p).textOverflow !== 'ellipsis') || el.scrollHeight > el.clientHeight + 1,
    ellipsis: overflows(name) && getComputedStyle(name).textOverflow === 'ellipsis',
    box: { left: b.left, top: b.top, right: b.right, bottom: b.bottom },
  };
})`;

async function labels(page: Page): Promise<Label[]> {
  return (await page.evaluate(LABELS)) as Label[];
}

/** A ring of `count` labels, none over another, every name whole or cut by an ellipsis with the whole name in its title. */
async function expectRing(page: Page, count: number): Promise<Label[]> {
  await expect.poll(async () => (await labels(page)).length).toBe(count);
  const all = await labels(page);
  const stage = await page.evaluate(`(() => { const r = document.querySelector('.ring .stage').getBoundingClientRect(); return r.width + 'x' + r.height; })()`);
  expect(all.filter((l) => l.grid).map((l) => l.name), `the ring in ${stage}`).toEqual([]);
  expect(all.filter((l) => l.clipped).map((l) => l.name)).toEqual([]);
  for (const l of all.filter((l) => l.ellipsis)) expect(l.title).toContain(l.name);
  expect(all.map((l) => l.name).sort()).toEqual(NAMES.slice(0, count).sort());
  const over = (a: Label['box'], b: Label['box']) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  for (const [i, a] of all.entries()) for (const b of all.slice(i + 1)) expect(over(a.box, b.box), `${a.name} over ${b.name}`).toBe(false);
  return all;
}

describe('a ring of long names', () => {
  it('stays a ring of 7 on the dashboard and the projector, and of 12 on the projector, names whole or cut by an ellipsis, whole on hover', async () => {
    const dashboard = await person(env.browser, DASHBOARD, { bypassCSP: true });
    const projector = await person(env.browser, PROJECTOR, { bypassCSP: true });
    const students = NAMES.map(() => new TestClient(env.classroom.localUrl));
    try {
      const code = await openRoom(env.classroom.url, dashboard.page);
      for (const [i, name] of NAMES.slice(0, 7).entries()) expect((await students[i]!.join(code, name)).ok).toBe(true);
      expect((await students[0]!.emit('node:propose', { value: 'Apple' })).ok).toBe(true);
      await joinProjector(env.classroom.url, projector.page, code);
      for (const [page, name] of [[dashboard.page, 'ring-long-names-7-dashboard'], [projector.page, 'ring-long-names-7-projector']] as const) {
        await expectRing(page, 7);
        await viewportShot(page, name);
      }
      expect(await seriousViolations(dashboard.page)).toEqual([]);
      expect(await seriousViolations(projector.page)).toEqual([]);

      for (const [i, name] of NAMES.slice(7).entries()) expect((await students[7 + i]!.join(code, name)).ok).toBe(true);
      // Twelve on the projector (a laptop's dashboard, its ring beside the network, draws a dozen long names as a grid).
      for (const [page, name] of [[projector.page, 'ring-long-names-12-projector']] as const) {
        const twelve = await expectRing(page, 12);
        await viewportShot(page, name);
        // Cut names are few, not every one.
        expect(twelve.filter((l) => l.ellipsis).length).toBeLessThan(12);
      }
    } finally {
      for (const c of students) c.close();
      for (const p of [dashboard, projector]) await p.context.close();
    }
  });
});
