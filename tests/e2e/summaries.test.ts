/**
 * The projector summarizes at scale, in Chromium at 1920x1080: in a room of 50, a promise
 * request to all is one labelled group in flight ("50 promise requests, 1.Ana") and one line
 * of the log with its count; no name breaks inside a word, and no text the back row reads
 * is under 20 px. A presented Multi-Paxos moment keeps its whole slot grid on screen. In
 * the solo sandbox, the explorer comes right after the lesson's step.
 */
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { PRESETS } from '@toy-paxos/shared';
import { TestClient } from '../integration/harness';
import { DESKTOP, joinProjector, openRoom, person as personAt, PROJECTOR, screenshot, seriousViolations, useClassroom } from './harness';

const env = useClassroom();
/** Each person's pages let axe-core in past the Content-Security-Policy. */
const person = (browser: Browser, viewport: { width: number; height: number }) => personAt(browser, viewport, { bypassCSP: true });

/** Students with names long enough to wrap on a crowded projector. */
const STUDENTS = ['Ana', 'Luca Esposito', 'Ananya Krishnamurthy', 'Maximilian Oberhauser'];

// Runs in the page: written as strings, since these tests are type-checked without the DOM's types.
/** Each name label's words that the browser laid out on more than one line. */
const BROKEN_WORDS = `(() => {
  const broken = [];
  for (const el of document.querySelectorAll('[data-node-name]')) {
    const node = el.firstChild;
    if (!node || node.nodeType !== 3) continue;
    const text = node.textContent;
    for (const m of text.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      if (tops.size > 1) broken.push(text + ': "' + m[0] + '"');
    }
  }
  return broken;
})()`;

/** The smallest computed size of any text the projector shows in the viewport, with where it is. */
const SMALLEST_TEXT = `(() => {
  let min = { px: Infinity, where: '' };
  const root = document.querySelector('.projector');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let t = walker.nextNode(); t; t = walker.nextNode()) {
    if (!t.textContent.trim()) continue;
    const el = t.parentElement;
    if (el.closest('.sr-only, details:not([open]), [hidden]')) continue;
    const b = el.getBoundingClientRect();
    if (b.width === 0 || b.height === 0 || b.bottom <= 0 || b.top >= window.innerHeight) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.opacity === '0') continue;
    const px = parseFloat(style.fontSize);
    if (px < min.px) min = { px, where: el.tagName.toLowerCase() + '.' + [...el.classList].join('.') + ' "' + t.textContent.trim().slice(0, 40) + '"' };
  }
  return min;
})()`;

/** What `read` gives once it gives `want`, or after three seconds of asking, what it gives then. */
async function settled<T>(read: () => Promise<T>, want: T): Promise<T> {
  const until = Date.now() + 3000;
  for (;;) {
    const got = await read();
    if (JSON.stringify(got) === JSON.stringify(want) || Date.now() > until) return got;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the projector summarizes a class of 50', () => {
  it('a promise request to all is one labelled group in flight and one line of the log; names whole, small print 20 px', async () => {
    const teacher = await person(env.browser, DESKTOP);
    const code = await openRoom(env.classroom.url, teacher.page);
    const t = teacher.page;
    await t.getByLabel('Delivery').selectOption('queued');
    const students = STUDENTS.map(() => new TestClient(env.classroom.localUrl));
    try {
      for (const [i, c] of students.entries()) expect((await c.join(code, STUDENTS[i]!)).ok).toBe(true);
      const bots = 50 - STUDENTS.length;
      await t.getByLabel('Bots to add').fill(String(bots));
      await t.getByRole('button', { name: `Add ${bots} bots` }).click();
      const projector = await person(env.browser, PROJECTOR);
      const p = projector.page;
      await joinProjector(env.classroom.url, p, code);

      const ana = students[0]!;
      expect((await ana.emit('node:propose', { value: 'Apple' })).ok).toBe(true);
      expect((await ana.emit('node:promise', { to: 'all' })).ok).toBe(true);
      await expect.poll(() => p.locator('[data-node-circle]').count()).toBe(50);
      await expect.poll(() => p.getByTestId('ring-summary').innerText()).toContain('50 messages in flight');

      // Each check is soft: a page that fails one still shows whether it passes the others.
      // In flight: one label for the group, visible on the screen, not 50 unlabelled dots.
      const group = p.getByTestId('flight-group');
      expect.soft(await settled(() => group.allInnerTexts(), ['50 promise requests, 1.Ana'])).toEqual(['50 promise requests, 1.Ana']);
      const box = await group.first().boundingBox({ timeout: 100 }).catch(() => null);
      expect.soft(box && box.y >= 0 && box.y + box.height <= PROJECTOR.height && box.x + box.width <= PROJECTOR.width, `the group's label in the viewport: ${JSON.stringify(box)}`).toBe(true);

      // The log: the 50 sends are one line, with the count.
      const log = p.getByTestId('log');
      expect.soft(await settled(() => log.locator('.entry', { hasText: 'Ana sends 50 promise requests' }).count(), 1)).toBe(1);
      expect.soft(await log.locator('.entry', { hasText: 'PROMISE Request from Ana' }).count()).toBe(1);

      await screenshot(p, 'summaries-50-promise-requests-1080p');
      expect.soft(await p.evaluate(BROKEN_WORDS)).toEqual([]);
      const smallest = (await p.evaluate(SMALLEST_TEXT)) as { px: number; where: string };
      expect.soft(smallest.px, `the smallest text: ${smallest.where}`).toBeGreaterThanOrEqual(20);
      expect.soft(await seriousViolations(p)).toEqual([]);
      for (const x of [teacher, projector]) await x.context.close();
    } finally {
      for (const c of students) c.close();
    }
  });

  it('a presented Multi-Paxos moment keeps the whole slot grid on screen', async () => {
    const preset = PRESETS.find((x) => x.name === 'multi-leader-change')!;
    const teacher = await person(env.browser, DESKTOP);
    await teacher.page.goto(env.classroom.url);
    await teacher.page.getByLabel('Or start it from a file').setInputFiles({ name: 'takeover.paxos', mimeType: 'text/plain', buffer: Buffer.from(preset.text) });
    await teacher.page.waitForURL(/\/room\/[A-Z0-9]{6}$/);
    const code = teacher.page.url().split('/').pop()!;
    const projector = await person(env.browser, PROJECTOR);
    const p = projector.page;
    await joinProjector(env.classroom.url, p, code);
    await teacher.page.getByRole('button', { name: 'Replay and export' }).click();
    await teacher.page.getByLabel('Jump to a moment').selectOption({ label: '20: B re-proposes set y 5 in slot 2' });
    await teacher.page.getByRole('button', { name: 'Present this moment to everyone' }).click();
    await expect.poll(() => p.getByTestId('moment-here').innerText()).toContain('B re-proposes set y 5 in slot 2');
    const grid = (await p.evaluate(`(() => {
      const el = document.querySelector('.projector .slots');
      const b = el.getBoundingClientRect();
      return { top: b.top, bottom: b.bottom, left: b.left, right: b.right, hidden: el.scrollHeight - el.clientHeight, page: document.documentElement.scrollHeight };
    })()`)) as { top: number; bottom: number; left: number; right: number; hidden: number; page: number };
    await screenshot(p, 'summaries-multi-moment-1080p');
    expect(grid.top).toBeGreaterThanOrEqual(0);
    expect(grid.bottom).toBeLessThanOrEqual(PROJECTOR.height);
    expect(grid.right).toBeLessThanOrEqual(PROJECTOR.width);
    // Nothing of the grid scrolled out of its box, and the page itself does not scroll.
    expect(grid.hidden).toBeLessThanOrEqual(1);
    expect(grid.page).toBeLessThanOrEqual(PROJECTOR.height);
    const smallest = (await p.evaluate(SMALLEST_TEXT)) as { px: number; where: string };
    expect(smallest.px, `the smallest text: ${smallest.where}`).toBeGreaterThanOrEqual(20);
    expect(await seriousViolations(p)).toEqual([]);
    for (const x of [teacher, projector]) await x.context.close();
  });
});

describe('the explorer in the solo sandbox', () => {
  it("comes right after the lesson's step, and asks with the room's values and one new one", async () => {
    const { context, page } = await person(env.browser, DESKTOP);
    await page.goto(`${env.classroom.url}/solo`);
    await page.getByRole('heading', { name: 'Solo sandbox' }).waitFor();
    await page.getByRole('combobox').filter({ hasText: 'Choose a preset lesson' }).selectOption('dueling-proposers');
    await page.getByRole('button', { name: 'Load', exact: true }).click();
    const lesson = page.getByRole('region', { name: 'Lesson' });
    for (let i = 0; i < 3; i++) await lesson.getByRole('button', { name: 'Next step' }).click();
    // Right after the lesson's panel, not in it: the explorer is the next thing the learner meets, and the
    // step's entries, Next and the ring keep the first view (the lessons tests check that view).
    const order = (await page.evaluate(`(() => {
      const story = document.querySelector('section[aria-label="Lesson"] .story');
      const whatIf = document.querySelector('.what-if');
      const next = story && whatIf ? story.compareDocumentPosition(whatIf) : 0;
      const lesson = document.querySelector('section[aria-label="Lesson"]');
      return {
        inLesson: !!(lesson && whatIf && lesson.contains(whatIf)),
        after: (next & Node.DOCUMENT_POSITION_FOLLOWING) !== 0,
        rightAfter: !!(lesson && whatIf && lesson.nextElementSibling && lesson.nextElementSibling.contains(whatIf)),
      };
    })()`)) as { inLesson: boolean; after: boolean; rightAfter: boolean };
    expect(order).toEqual({ inLesson: false, after: true, rightAfter: true });
    const values = await page.getByLabel('Values a new proposal may carry').inputValue();
    expect(values.split(/,\s*/).length).toBeGreaterThanOrEqual(2);
    await screenshot(page, 'summaries-solo-lesson-explorer-desktop');
    await context.close();
  });
});
