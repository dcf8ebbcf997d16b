/**
 * The instructor's controls in Chromium: every Settings select shows its options whole on a
 * laptop and a 1080p screen.
 */
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DASHBOARD, openRoom, person as personAt, PROJECTOR, screenshot, seriousViolations, useClassroom } from './harness';

const env = useClassroom();
/** Each person's pages let axe-core in past the Content-Security-Policy. */
const person = (browser: Browser, viewport: { width: number; height: number }) => personAt(browser, viewport, { bypassCSP: true });

/**
 * Each select of the Settings panel: its width, and the width it takes to show its longest
 * option whole (a copy of it as wide as its options, beside it).
 */
async function selectWidths(page: Page): Promise<{ label: string; width: number; needs: number }[]> {
  // These tests are type-checked without the DOM's types: the little of it used here.
  type Box = { width: number };
  type El = { style: Record<string, string>; parentElement: El; firstChild: El | null; textContent: string | null; cloneNode(deep: boolean): El; getBoundingClientRect(): Box; after(e: El): void; remove(): void };
  return page.getByRole('region', { name: 'Settings' }).locator('select').evaluateAll((selects: El[]) =>
    selects.map((select) => {
      const copy = select.cloneNode(true);
      Object.assign(copy.style, { width: 'auto', maxWidth: 'none', position: 'absolute', visibility: 'hidden' });
      select.after(copy);
      const needs = copy.getBoundingClientRect().width;
      copy.remove();
      return { label: (select.parentElement.firstChild?.textContent ?? '').trim(), width: select.getBoundingClientRect().width, needs };
    }),
  );
}

describe("the instructor's Settings", () => {
  it('show each select whole, at 1366x768 and 1920x1080', async () => {
    for (const [where, size] of [['laptop', DASHBOARD], ['1080p', PROJECTOR]] as const) {
      const teacher = await person(env.browser, size);
      await openRoom(env.classroom.url, teacher.page);
      await expect.poll(() => teacher.page.getByRole('region', { name: 'Settings' }).locator('select').count()).toBe(6);
      const widths = await selectWidths(teacher.page);
      expect(widths.length, 'Q1, Q2, protocol, delivery, acceptors, learners').toBe(6);
      for (const w of widths) expect(w.width, `${where}: ${w.label} is ${w.width}px wide and its options need ${w.needs}px`).toBeGreaterThanOrEqual(w.needs - 0.5);
      await teacher.page.getByRole('region', { name: 'Settings' }).scrollIntoViewIfNeeded();
      await screenshot(teacher.page, `settings-${where}`);
      expect(await seriousViolations(teacher.page), where).toEqual([]);
      await teacher.context.close();
    }
  });
});
