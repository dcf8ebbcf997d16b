/** The sequence diagram as a student sees it, on a laptop and on a phone, and its SVG export; the log and the diagram as one view of one history; its colours in the dark. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { PRESETS } from '@toy-paxos/shared';
import { DASHBOARD, DESKTOP, joinAs, joinProjector, openDiagram, openRoomFrom, person, PHONE, PROJECTOR, screenshot, SCREENSHOTS, useClassroom } from './harness';

const env = useClassroom();

type Rect = { x: number; y: number; width: number; height: number };
const meet = (a: Rect, b: Rect) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('the sequence diagram', () => {
  it('labels its arrows, draws loops, keeps "chosen" clear of the arrows, and exports what it shows (preset lost-messages)', async () => {
    const teacher = await person(env.browser, DESKTOP);
    await teacher.page.goto(env.classroom.url);
    const lesson = PRESETS.find((p) => p.name === 'lost-messages')!.text;
    await teacher.page.getByLabel('Or start it from a file').setInputFiles({ name: 'lost.paxos', mimeType: 'text/plain', buffer: Buffer.from(lesson) });
    await teacher.page.waitForURL(/\/room\/[A-Z0-9]{6}$/);
    const code = teacher.page.url().split('/').pop()!;

    const s = await person(env.browser, DESKTOP);
    await joinAs(env.classroom.url, s.page, code, 'Dot');
    await s.page.getByRole('button', { name: 'Replay and export' }).click();
    await s.page.getByRole('button', { name: 'Show the sequence diagram' }).click();
    const diagram = s.page.getByTestId('diagram');
    await diagram.waitFor();
    const labels = await diagram.locator('text.arrow-label').allTextContents();
    for (const t of ['prepare 1.A', 'promise 1.A', 'accept 1.A Apple']) expect(labels).toContain(t);
    // A's messages to itself are loops.
    expect(await diagram.locator('g.arrow path[d*="C"]').count()).toBeGreaterThan(0);

    // As drawn: the labels do not overlap, and "chosen: Apple" meets no arrow.
    // Without the halo, a stroke of the card's own colour 2 px wide around each letter.
    const ink = (r: Rect | null): Rect => ({ x: r!.x + 2, y: r!.y + 2, width: r!.width - 4, height: r!.height - 4 });
    const boxes = (await Promise.all((await diagram.locator('text.arrow-label').all()).map((l) => l.boundingBox()))).map(ink);
    for (const [i, a] of boxes.entries()) for (const [j, b] of boxes.entries()) if (j > i) expect(meet(a, b), `${labels[i]} over ${labels[j]} ${JSON.stringify([a, b])}`).toBe(false);
    const chosen = (await diagram.locator('text.chosen-label').first().boundingBox())!;
    expect(await diagram.locator('text.chosen-label').first().textContent()).toBe('chosen: Apple');
    for (const arrow of await diagram.locator('g.arrow path').all()) expect(meet(chosen, (await arrow.boundingBox())!)).toBe(false);
    await diagram.scrollIntoViewIfNeeded();
    await screenshot(s.page, 'diagram-desktop');

    const [download] = await Promise.all([s.page.waitForEvent('download'), s.page.getByRole('button', { name: 'Save SVG' }).click()]);
    const svg = readFileSync((await download.path())!, 'utf8');
    expect(svg.match(/<text class="arrow-label"/g)).toHaveLength(labels.length);
    expect(svg).toContain('>chosen: Apple</text>');

    await s.page.setViewportSize(PHONE);
    await diagram.scrollIntoViewIfNeeded();
    await screenshot(s.page, 'diagram-phone');
    for (const p of [teacher, s]) await p.context.close();
  });
});

/**
 * A promise request dropped on its way from A to C (event 8: the lanes are A, B, C), a
 * value chosen, a second and a third proposer, and C's promise requests still in flight.
 */
const LESSON = `delivery queued
nodes A B C
propose A Apple
promise A -> all
drop A -> C
deliver all
deliver all
accept A -> all
deliver all
deliver all
propose B Kiwi
promise B -> all
settle
accept B -> all
settle
propose C Fig
promise C -> all
`;

/** Whether the box lies wholly inside the other (each as the page draws it). */
const inside = (a: Rect, b: Rect) => a.x >= b.x - 0.5 && a.y >= b.y - 0.5 && a.x + a.width <= b.x + b.width + 0.5 && a.y + a.height <= b.y + b.height + 0.5;
const box = async (l: Locator): Promise<Rect> => (await l.boundingBox())!;

/** The part of the diagram's box not under its lane names, and not off the screen: where an arrow can be seen. */
async function visibleDiagram(page: Page): Promise<Rect> {
  const scroll = await box(page.locator('.diagram .scroll'));
  const names = await box(page.getByTestId('lane-names'));
  const viewport = page.viewportSize()!;
  const top = Math.max(scroll.y, names.y + names.height, 0);
  const bottom = Math.min(scroll.y + scroll.height, viewport.height);
  return { x: Math.max(scroll.x, 0), y: top, width: Math.min(scroll.x + scroll.width, viewport.width) - Math.max(scroll.x, 0), height: bottom - top };
}

/** What has focus: its data-arrow, data-seq and role. */
const focus = async (page: Page) =>
  (await page.evaluate('(() => { const e = document.activeElement; return { arrow: e?.getAttribute("data-arrow") ?? null, seq: e?.getAttribute("data-seq") ?? null, role: e?.getAttribute("role") ?? null }; })()')) as {
    arrow: string | null;
    seq: string | null;
    role: string | null;
  };

/** The selected log entry: its seq, whether it has focus, and whether it lies inside the log's box and on the screen. */
async function selectedEntry(page: Page): Promise<{ seq: string | null; focused: boolean; inView: boolean }> {
  const entry = page.getByTestId('log').locator('[role="option"][aria-selected="true"]');
  const viewport = page.viewportSize()!;
  const [e, log] = [await box(entry), await box(page.getByTestId('log'))];
  return {
    seq: await entry.getAttribute('data-seq'),
    focused: (await focus(page)).seq === (await entry.getAttribute('data-seq')),
    inView: inside(e, log) && inside(e, { x: 0, y: 0, ...viewport }),
  };
}

/** The instructor opens a room from LESSON; a student joins it as `name` and opens the sequence diagram. */
async function studentWithDiagram(viewport: { width: number; height: number }, name: string) {
  const teacher = await person(env.browser, DASHBOARD);
  const code = await openRoomFrom(env.classroom.url, teacher.page, LESSON);
  const s = await person(env.browser, viewport);
  await joinAs(env.classroom.url, s.page, code, name);
  await openDiagram(s.page);
  return { teacher, s, code };
}

describe('the log and the diagram, one view of one history', () => {
  it('an entry clicked highlights its arrows and brings them into view; an arrow clicked, or reached by keyboard and Enter, selects its entry', async () => {
    const { teacher, s } = await studentWithDiagram(DASHBOARD, 'Dot');
    const diagram = s.page.getByTestId('diagram');
    const entries = s.page.getByRole('listbox', { name: 'Annotated log entries' });

    // To entry 8, the drop, by keyboard (the log draws only the rows near the one in view); then the page back to its top, the diagram out of sight.
    await entries.getByRole('option', { selected: true }).focus();
    await s.page.keyboard.press('Home');
    for (let i = 1; i < 8; i++) await s.page.keyboard.press('ArrowDown');
    await s.page.evaluate('window.scrollTo(0, 0)');
    expect(inside(await box(diagram), { x: 0, y: 0, ...DASHBOARD })).toBe(false);
    await entries.locator('[data-seq="8"]').click();
    const picked = diagram.locator('g.arrow.picked');
    await expect.poll(() => picked.count()).toBe(1);
    expect(await picked.getAttribute('class')).toContain('dropped');
    expect(await picked.getAttribute('aria-label')).toContain('#3 prepare 1.A from A to C, dropped at event 8');
    // In view: on the screen, inside the diagram's box, below its lane names; and focused, for the keyboard and a screen reader.
    expect(inside(await box(picked), await visibleDiagram(s.page))).toBe(true);
    expect((await focus(s.page)).arrow).toBe('3');
    await screenshot(s.page, 'diagram-entry-picked-dashboard');

    // Enter on an entry does what a click does: 9 delivers A's promise requests to A and B, and sends their promises.
    await entries.locator('[data-seq="8"]').focus();
    await s.page.keyboard.press('ArrowDown');
    await s.page.keyboard.press('Enter');
    await expect.poll(() => picked.count()).toBe(4);
    expect((await picked.evaluateAll((gs) => gs.map((g) => g.getAttribute('aria-label')!.split(',')[0]))).sort()).toEqual([
      '#1 prepare 1.A from A to A',
      '#2 prepare 1.A from A to B',
      '#4 promise 1.A from A to A',
      '#5 promise 1.A from B to A',
    ]);
    for (const g of await picked.all()) expect(inside(await box(g), await visibleDiagram(s.page)), `${await g.getAttribute('aria-label')} ${JSON.stringify([await box(g), await visibleDiagram(s.page), await box(s.page.locator('rect.picked-box'))])}`).toBe(true);

    // An arrow clicked: its entry (the one that delivered it) is selected in the log, brought into view and focused.
    await s.page.evaluate('window.scrollTo(0, 0)');
    const accept = diagram.locator('g.arrow[data-arrow="7"]');
    expect(await accept.getAttribute('aria-label')).toBe('#7 accept 1.A Apple from A to B, delivered at event 14');
    await accept.click();
    await expect.poll(() => selectedEntry(s.page)).toEqual({ seq: '14', focused: true, inView: true });
    await expect.poll(() => picked.count()).toBeGreaterThan(1);
    expect(await accept.getAttribute('class')).toContain('picked');

    // By keyboard: Tab from the log to the diagram, whose arrows are one Tab stop (the one clicked last); the arrow keys move, Enter selects.
    let stops = 0;
    while ((await focus(s.page)).arrow === null && ++stops <= 30) await s.page.keyboard.press('Tab');
    expect((await focus(s.page)).arrow).toBe('7');
    await s.page.keyboard.press('ArrowDown');
    expect((await focus(s.page)).arrow).not.toBe('7');
    // The last arrow: one of C's promise requests, still in flight.
    await s.page.keyboard.press('End');
    const next = await focus(s.page);
    expect(await diagram.locator(`g.arrow[data-arrow="${next.arrow}"]`).getAttribute('aria-label')).toMatch(/^#\d+ prepare 3\.C from C to \w+, still in flight$/);
    const entry = await diagram.locator(`g.arrow[data-arrow="${next.arrow}"]`).getAttribute('data-entry');
    expect(entry).not.toBe('14');
    await s.page.keyboard.press('Enter');
    await expect.poll(() => selectedEntry(s.page)).toEqual({ seq: entry, focused: true, inView: true });
    await screenshot(s.page, 'diagram-arrow-picked-dashboard');
    for (const p of [teacher, s]) await p.context.close();
  });

  it("draws a dropped message's cross on its receiver's side, its label naming the receiver (drop A -> C)", async () => {
    const teacher = await person(env.browser, DASHBOARD);
    await openRoomFrom(env.classroom.url, teacher.page, LESSON);
    await openDiagram(teacher.page);
    const diagram = teacher.page.getByTestId('diagram');
    // Each lane's x, from the name centred over it.
    const lane = async (name: string) => {
      const b = await box(teacher.page.locator('.diagram text.lane-name', { hasText: new RegExp(`^${name}$`) }));
      return b.x + b.width / 2;
    };
    const [b, c] = [await lane('B'), await lane('C')];
    const cross = await box(diagram.locator('g.arrow.dropped path.cross'));
    const x = cross.x + cross.width / 2;
    // Clear of B's lane, and nearer C than B.
    expect(x - cross.width / 2).toBeGreaterThan(b);
    expect(c - x).toBeLessThan(x - b);
    expect(await diagram.locator('text.arrow-label').allTextContents()).toContain('prepare 1.A to C');
    await diagram.locator('g.arrow.dropped').scrollIntoViewIfNeeded();
    await teacher.page.locator('.diagram').screenshot({ path: join(SCREENSHOTS, 'diagram-dropped-dashboard.png') });
    await teacher.context.close();
  });

  it('keeps the lane names in sight on a phone while the diagram scrolls', async () => {
    const { teacher, s } = await studentWithDiagram(PHONE, 'Eve');
    const scroll = s.page.locator('.diagram .scroll');
    await scroll.scrollIntoViewIfNeeded();
    // Down the box, and across to the last lanes.
    const at = `document.querySelector('.diagram .scroll')`;
    await s.page.evaluate(`${at}.scrollTop = 300; ${at}.scrollLeft = 200`);
    expect(await s.page.evaluate(`[${at}.scrollTop, ${at}.scrollLeft]`)).toEqual([300, 200]);
    const area = await box(scroll);
    const names = s.page.locator('.diagram text.lane-name');
    let seen = 0;
    for (const name of await names.all()) {
      const b = await box(name);
      if (b.x + b.width < area.x || b.x > area.x + area.width) continue;
      seen++;
      expect(inside(b, area), `${await name.textContent()} in the box`).toBe(true);
      // Drawn on top: what is at its centre is the name itself.
      const hit = await s.page.evaluate(`document.elementFromPoint(${b.x + b.width / 2}, ${b.y + b.height / 2})?.textContent`);
      expect(hit).toBe(await name.textContent());
    }
    expect(seen).toBeGreaterThanOrEqual(2);
    await s.page.screenshot({ path: join(SCREENSHOTS, 'diagram-sticky-lanes-phone.png') });
    for (const p of [teacher, s]) await p.context.close();
  });
});

/** Each element's contrast with what it lies on, from the colours Chromium computed: its `property` (stroke or fill) against its nearest opaque background. */
async function contrasts(page: Page, selector: string, property: 'stroke' | 'fill'): Promise<{ what: string; ratio: number }[]> {
  return (await page.evaluate(`(() => {
    const rgb = (c) => {
      const m = /^rgba?\\(([^)]+)\\)$/.exec(c);
      if (!m) throw new Error('not an sRGB colour: ' + c);
      return m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    };
    const lum = ([r, g, b]) => {
      const l = (c) => ((c /= 255) <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
      return 0.2126 * l(r) + 0.7152 * l(g) + 0.0722 * l(b);
    };
    const background = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c.length < 4 || c[3] === 1) return c;
        if (c[3] > 0) throw new Error('a translucent background under ' + el.outerHTML.slice(0, 80));
      }
      return [255, 255, 255];
    };
    return [...document.querySelectorAll(${JSON.stringify(selector)})].map((el) => {
      const [hi, lo] = [lum(rgb(getComputedStyle(el)[${JSON.stringify(property)}])), lum(background(el))].sort((a, b) => b - a);
      const what = (el.closest('[aria-label]')?.getAttribute('aria-label') ?? '') + ' ' + el.tagName + '.' + el.getAttribute('class');
      return { what, ratio: Math.round(((hi + 0.05) / (lo + 0.05)) * 100) / 100 };
    });
  })()`)) as { what: string; ratio: number }[];
}

describe('colours in the dark, and in the light', () => {
  it('arrows, messages in flight and node rings stand out 3:1 from their background (projector and phone)', async () => {
    const teacher = await person(env.browser, DASHBOARD);
    const code = await openRoomFrom(env.classroom.url, teacher.page, LESSON);
    const projector = await person(env.browser, PROJECTOR);
    await joinProjector(env.classroom.url, projector.page, code);
    await openDiagram(projector.page);
    const phone = await person(env.browser, PHONE);
    await joinAs(env.classroom.url, phone.page, code, 'Eve');
    await openDiagram(phone.page);
    const parts = [
      ['.diagram g.arrow path:not(.cross):not(.hit)', 'stroke', 'arrows'],
      ['.diagram g.arrow.in-flight path:not(.hit)', 'stroke', 'arrows in flight'],
      ['.ring circle[data-node-circle]', 'stroke', 'node rings'],
      ['.ring circle.msg', 'fill', 'messages in flight'],
      ['.ring .path', 'stroke', "messages' lines"],
    ] as const;
    for (const scheme of ['dark', 'light'] as const) {
      for (const [where, page] of [['projector', projector.page], ['phone', phone.page]] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        for (const [selector, property, what] of parts) {
          // The phone shows the student's own node, not the ring.
          if (where === 'phone' && selector.startsWith('.ring')) continue;
          const found = await contrasts(page, selector, property);
          expect(found.length, `${where}, ${scheme}: ${what}`).toBeGreaterThan(0);
          expect.soft(found.filter((f) => f.ratio < 3), `${where}, ${scheme}: ${what} under 3:1`).toEqual([]);
        }
      }
    }
    await projector.page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(projector.page, 'diagram-projector-dark');
    for (const p of [teacher, projector, phone]) await p.context.close();
  });
});
