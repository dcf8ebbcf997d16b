/**
 * Long unbroken text, in Chromium: a 32-character name and a 24-character value (the longest
 * the room takes, docs/protocol) and a question of one long word wrap on a 360 px phone, where
 * no page scrolls sideways, and in the dashboard's node list and log at 1366 px.
 */
import { describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { DESKTOP, joinAs, openRoom, person as personAt, PHONE, screenshot, seriousViolations, useClassroom } from './harness';

const env = useClassroom();
/** Each person's pages let axe-core in past the Content-Security-Policy. */
const person = (browser: Browser, viewport: { width: number; height: number }) => personAt(browser, viewport, { bypassCSP: true });

const NAME = 'W'.repeat(32);
const VALUE = 'W'.repeat(24);
const WORD = 'Which'.repeat(30);

/** The page is no wider than its window: nothing scrolls sideways. */
async function fitsWidth(page: Page): Promise<{ scrollWidth: number; innerWidth: number }> {
  return (await page.evaluate('({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })')) as { scrollWidth: number; innerWidth: number };
}

/** The element's left and right edges lie within the window's width. */
async function insideWidth(page: Page, element: Locator): Promise<boolean> {
  const box = (await element.boundingBox())!;
  return box.x >= 0 && box.x + box.width <= page.viewportSize()!.width;
}

/**
 * The elements, `within` and below it, whose content is wider than their box and shows past it
 * (a long word that does not wrap): none, when every text wraps inside its box. Text for screen
 * readers alone (in a 1 px box) is not seen.
 */
async function overflowing(within: Locator): Promise<string[]> {
  // These tests are type-checked without the DOM's types: the little of it used here.
  type El = { tagName: string; textContent: string | null; scrollWidth: number; clientWidth: number; closest(s: string): El | null; querySelectorAll(s: string): ArrayLike<El> };
  type Styles = { getComputedStyle(el: El): { overflowX: string } };
  return within.evaluate((root: El) =>
    [root, ...Array.from(root.querySelectorAll('*'))]
      .filter((el) => el.scrollWidth > el.clientWidth + 1 && !el.closest('.sr-only') && (globalThis as unknown as Styles).getComputedStyle(el).overflowX === 'visible')
      .map((el) => `${el.tagName.toLowerCase()} "${(el.textContent ?? '').trim().slice(0, 40)}"`),
  );
}

describe('long unbroken names, values and questions', () => {
  it('wrap on a 360 px phone, which never scrolls sideways, and in the dashboard at 1366 px', async () => {
    const teacher = await person(env.browser, DESKTOP);
    const code = await openRoom(env.classroom.url, teacher.page);
    const phone = await person(env.browser, PHONE);
    await phone.page.goto(`${env.classroom.url}/join/${code}`);
    await phone.page.getByLabel('Your name').fill(NAME);
    expect(await fitsWidth(phone.page).then((w) => w.scrollWidth <= w.innerWidth), 'the join page with the name typed').toBe(true);
    await screenshot(phone.page, 'long-text-join-phone');
    await joinAs(env.classroom.url, phone.page, code, NAME);
    const p = phone.page;
    await p.getByLabel('Value', { exact: true }).fill(VALUE);
    await p.getByRole('button', { name: /^New proposal/ }).click();
    await p.getByRole('button', { name: 'Promise request', exact: true }).click();
    await p.getByRole('button', { name: 'Accept request', exact: true }).click();
    await expect.poll(() => p.getByTestId('chosen').innerText()).toBe(VALUE);

    const width = await fitsWidth(p);
    expect(width.scrollWidth, 'the student page is as wide as the phone').toBeLessThanOrEqual(width.innerWidth);
    expect(await insideWidth(p, p.getByTestId('me')), '"you are" with the whole name on screen').toBe(true);
    expect(await insideWidth(p, p.getByTestId('chosen')), 'the chosen value on screen').toBe(true);
    expect(await insideWidth(p, p.getByRole('heading', { name: `My node: ${NAME}` })), "the node card's heading on screen").toBe(true);
    expect(await overflowing(p.locator('body')), 'no text reaches past its box').toEqual([]);
    await screenshot(p, 'long-text-student-phone');

    // A question of one long word, on the student's question card.
    const panel = teacher.page.getByTestId('checkpoint-panel');
    await panel.getByText('Write your own question').click();
    await panel.getByLabel('Question', { exact: true }).fill(WORD);
    await panel.getByLabel(/^Answers to choose from/).fill(`${VALUE}\nNone of ${VALUE}`);
    await panel.getByRole('button', { name: 'Ask your question' }).click();
    const card = p.getByTestId('class-question');
    await expect.poll(() => card.getByRole('heading').innerText()).toBe(WORD);
    expect(await fitsWidth(p).then((w) => w.scrollWidth <= w.innerWidth), 'the student page with the question').toBe(true);
    expect(await insideWidth(p, card), 'the question card on screen').toBe(true);
    expect(await overflowing(card), 'no text reaches past the question card').toEqual([]);
    await screenshot(p, 'long-text-question-phone');
    expect(await seriousViolations(p), 'the phone').toEqual([]);

    // The dashboard at 1366 px: its node list and its log hold the name and the value.
    const t = teacher.page;
    expect(await fitsWidth(t).then((w) => w.scrollWidth <= w.innerWidth), 'the dashboard').toBe(true);
    const participants = t.getByRole('region', { name: 'Participants' });
    await expect.poll(() => participants.innerText()).toContain(NAME);
    expect(await overflowing(participants), 'the participants').toEqual([]);
    expect(await overflowing(t.getByRole('region', { name: 'Network' })), "the network's node list").toEqual([]);
    const log = t.getByTestId('log');
    await expect.poll(() => log.innerText()).toContain(VALUE);
    expect(await overflowing(log), 'the log').toEqual([]);
    expect(await overflowing(t.getByTestId('class-question')), "the dashboard's question").toEqual([]);
    expect(await overflowing(t.locator('main')), 'the dashboard').toEqual([]);
    await screenshot(t, 'long-text-dashboard');
    expect(await seriousViolations(t), 'the dashboard').toEqual([]);
    for (const x of [teacher, phone]) await x.context.close();
  });
});
