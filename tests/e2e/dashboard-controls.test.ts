/**
 * The instructor's controls in Chromium: every Settings select shows its options whole on a
 * laptop and a 1080p screen, and Rename takes the focus into its field and gives it back to
 * the Rename button when the field closes.
 */
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DASHBOARD, joinAs, openRoom, person as personAt, PHONE, PROJECTOR, screenshot, seriousViolations, useClassroom } from './harness';

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

describe("the instructor's Rename", () => {
  it('takes the focus into the new name field, and back to Rename when it is saved or cancelled', async () => {
    const teacher = await person(env.browser, DASHBOARD);
    const code = await openRoom(env.classroom.url, teacher.page);
    const phone = await person(env.browser, PHONE);
    await joinAs(env.classroom.url, phone.page, code, 'Ada');
    const t = teacher.page;
    const participants = t.getByRole('region', { name: 'Participants' });
    const focused = () => t.evaluate('document.activeElement && (document.activeElement.getAttribute("aria-label") || document.activeElement.id)') as Promise<string | null>;

    await participants.getByRole('button', { name: 'Rename Ada' }).click();
    await expect.poll(focused, { message: 'the field has the focus' }).toMatch(/^rename-/);
    expect(await participants.getByLabel('New name for Ada').evaluate((el: { id: string }) => el.id)).toBe(await focused());
    await participants.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(focused, { message: 'cancelled: back to Rename' }).toBe('Rename Ada');

    await t.keyboard.press('Enter');
    await expect.poll(focused, { message: 'opened from the keyboard: the field has the focus' }).toMatch(/^rename-/);
    await t.keyboard.press('ControlOrMeta+a');
    await t.keyboard.type('Bea');
    await t.keyboard.press('Enter');
    await expect.poll(() => phone.page.getByTestId('me').innerText()).toBe('Bea');
    await expect.poll(focused, { message: 'saved: back to Rename' }).toBe('Rename Bea');
    expect(await seriousViolations(t)).toEqual([]);
    for (const p of [teacher, phone]) await p.context.close();
  });
});
