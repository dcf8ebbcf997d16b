/**
 * The projector's "Latest entries" at 1920x1080, and the ring's labels over the messages in
 * flight: whole entries with the newest in view and no band under it, notebook lines wrapped
 * whole rather than cut, explanations whole or clamped with an ellipsis, the selected entry
 * whole below the list, and labels on the card's own colour. The students and the instructor are real socket.io
 * clients; the pages are real Chromium reaching the server as classroom.test.
 */
import { describe, expect, it } from 'vitest';
import { DASHBOARD, joinProjector, openRoom, person, PROJECTOR, seriousViolations, useClassroom, viewportShot } from './harness';
import { TestClient } from '../integration/harness';

const env = useClassroom();

/** How each entry in view lies in the log's scrolling box, and how its explanation ends; runs in the page. */
const ENTRIES_IN_VIEW = `(() => {
  const box = document.querySelector('[aria-label="Latest entries"] [data-testid="log"]').getBoundingClientRect();
  return [...document.querySelectorAll('[aria-label="Latest entries"] .entry')].map((el) => {
    const r = el.getBoundingClientRect();
    const why = el.querySelector('.why');
    const lines = el.querySelector('.lines');
    return {
      seq: Number(el.dataset.seq),
      bottomGap: box.bottom - r.bottom,
      linesCut: lines.scrollHeight > lines.clientHeight + 1 || [...el.querySelectorAll('.line')].some((l) => l.scrollWidth > l.clientWidth + 1),
      lineFontPx: parseFloat(getComputedStyle(lines).fontSize),
      inView: r.bottom > box.top + 1 && r.top < box.bottom - 1,
      whole: r.top >= box.top - 1 && r.bottom <= box.bottom + 1,
      whyCut: why.scrollHeight > why.clientHeight + 1,
      whyClamp: getComputedStyle(why).webkitLineClamp,
    };
  });
})()`;

/** The background colours behind the ring's labels' words; runs in the page. */
const LABEL_BACKGROUNDS = `[...document.querySelectorAll('.ring .labels .label .name, .ring .labels .label .detail')].map((el) => getComputedStyle(el).backgroundColor)`;

/** How the selected entry's panel lies: its content beyond its box, and its foot against the screen's; runs in the page. */
const DETAIL = `(() => {
  const el = document.querySelector('[aria-label="Latest entries"] .detail');
  return { cut: el.scrollHeight > el.clientHeight + 1, bottom: el.getBoundingClientRect().bottom, screen: innerHeight, text: el.innerText };
})()`;

interface Entry {
  seq: number;
  bottomGap: number;
  linesCut: boolean;
  lineFontPx: number;
  inView: boolean;
  whole: boolean;
  whyCut: boolean;
  whyClamp: string;
}

describe("the projector's latest entries", () => {
  it('shows whole entries with the newest in view and no band under it, notebook lines wrapped whole, explanations whole or clamped, the selected entry whole, and labels readable over dots', async () => {
    const dashboard = await person(env.browser, DASHBOARD);
    const projector = await person(env.browser, PROJECTOR, { bypassCSP: true });
    const teacher = new TestClient(env.classroom.localUrl);
    const students = ['Ana', 'Bo', 'Cy', 'Di', 'Ed'].map(() => new TestClient(env.classroom.localUrl));
    try {
      const code = await openRoom(env.classroom.url, dashboard.page);
      const token = (await dashboard.page.evaluate(`localStorage.getItem('toy-paxos:token:${code}')`)) as string;
      expect((await teacher.resume(token)).ok).toBe(true);
      for (const [i, name] of ['Ana', 'Bo', 'Cy', 'Di', 'Ed'].entries()) expect((await students[i]!.join(code, name)).ok).toBe(true);
      expect((await teacher.emit('room:settings', { settings: { delivery: 'queued' } })).ok).toBe(true);
      expect((await students[0]!.emit('node:propose', { value: 'Apple' })).ok).toBe(true);
      expect((await students[0]!.emit('node:promise', { to: 'all' })).ok).toBe(true);
      // One at a time, so that the log holds an entry for each, then Bo's requests stay in flight on the ring.
      for (const id of [1, 2, 3, 4, 5]) expect((await teacher.emit('net:deliver', { id })).ok).toBe(true);
      expect((await students[1]!.emit('node:propose', { value: 'Pear' })).ok).toBe(true);
      expect((await students[1]!.emit('node:promise', { to: 'all' })).ok).toBe(true);

      const page = projector.page;
      await joinProjector(env.classroom.url, page, code);
      const log = page.getByRole('region', { name: 'Latest entries' });
      await expect.poll(async () => (await page.evaluate(ENTRIES_IN_VIEW) as Entry[]).length).toBeGreaterThan(6);
      const newest = await log.locator('.entry').evaluateAll((els) => Math.max(...els.map((el) => Number((el as unknown as { dataset: { seq: string } }).dataset.seq))));
      const inView = async () => ((await page.evaluate(ENTRIES_IN_VIEW)) as Entry[]).filter((e) => e.inView);
      // Once the ring and the log have taken their sizes: the newest entry whole, and no entry in view cut by the box's edge, the top one included.
      await expect.poll(async () => (await inView()).find((e) => e.seq === newest)?.whole).toBe(true);
      await expect.poll(async () => (await inView()).filter((e) => !e.whole).map((e) => e.seq)).toEqual([]);
      expect((await inView()).length).toBeGreaterThan(1);
      // Each notebook line wraps whole inside its row, at the back row's size, rather than ending in an ellipsis.
      expect((await inView()).filter((e) => e.linesCut).map((e) => e.seq)).toEqual([]);
      for (const e of await inView()) expect(e.lineFontPx).toBeGreaterThanOrEqual(24);
      // No band under the newest entry: the rows share the list's height (what rounding leaves is a few pixels).
      expect((await inView()).find((e) => e.seq === newest)!.bottomGap).toBeLessThan(8);
      // The selected entry is whole below the list: the latest, then one picked.
      const detail = async () => (await page.evaluate(DETAIL)) as { cut: boolean; bottom: number; screen: number; text: string };
      expect(await detail()).toMatchObject({ cut: false });
      expect((await detail()).bottom).toBeLessThanOrEqual(1080);
      const top = (await inView())[0]!.seq;
      await log.locator(`.entry[data-seq="${top}"]`).click();
      await expect.poll(async () => (await detail()).text).toContain((await log.locator(`.entry[data-seq="${top}"] .line`).first().innerText()).trim());
      expect(await detail()).toMatchObject({ cut: false });
      expect((await detail()).bottom).toBeLessThanOrEqual(1080);
      await viewportShot(page, 'projector-selected-entry-1920');
      // An explanation that does not fit its row ends in an ellipsis after two lines.
      expect((await inView()).filter((e) => e.whyCut && e.whyClamp !== '2').map((e) => e.seq)).toEqual([]);
      // The ring's labels sit on the card's own colour, which no dot or line under them shows through.
      const backgrounds = (await page.evaluate(LABEL_BACKGROUNDS)) as string[];
      expect(backgrounds.length).toBe(10);
      for (const colour of backgrounds) expect(colour).toMatch(/^rgb\(/);
      await viewportShot(page, 'projector-latest-entries-1920');
      expect(await seriousViolations(page)).toEqual([]);
    } finally {
      for (const c of [teacher, ...students]) c.close();
      for (const p of [dashboard, projector]) await p.context.close();
    }
  });
});
