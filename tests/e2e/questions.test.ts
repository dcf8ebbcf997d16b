/**
 * A question never shows its own answer, in Chromium: while "Is a value chosen now?" is open,
 * no sentence on a phone's or the projector's screen says what is chosen (the question's own
 * answers aside); at the reveal the banner says it again. A lesson room's first class question
 * is Question 1 on the phone and the projector; the projector link opens the projector view
 * with no click; and a student following the instructor sees the dimmed replay controls in
 * readable contrast.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DESKTOP, joinAs, joinProjector, openRoom, person as personAt, PHONE, PROJECTOR, screenshot, seriousViolations, useClassroom } from './harness';

const env = useClassroom();
/** Each person's pages let axe-core in past the Content-Security-Policy. */
const person = (browser: Browser, viewport: { width: number; height: number }) => personAt(browser, viewport, { bypassCSP: true });

/**
 * The text a person sees on the screen now, outside the class question itself (whose answers
 * name every value): each block (a paragraph, a list item, a banner) with a text in the
 * viewport, once. Text for screen readers alone (1 px) is not seen.
 */
const SEEN_BLOCKS = `(() => {
  const question = document.querySelector('[data-testid=class-question]');
  const blocks = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || !n.textContent.trim() || (question && question.contains(el)) || !el.checkVisibility({ visibilityProperty: true })) continue;
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1 || r.bottom <= 0 || r.top >= window.innerHeight || r.right <= 0 || r.left >= window.innerWidth) continue;
    const block = el.closest('p, li, dd, dt, h1, h2, h3, pre, [data-testid=safety] > div') || el;
    blocks.add(block.innerText.replace(/\\s+/g, ' ').trim());
  }
  return [...blocks];
})()`;

/** The blocks in view that say `value` is chosen, or that a node learned it; the log's copy of the question itself (its answers) aside. */
async function saysChosen(page: Page, value: string): Promise<string[]> {
  const blocks = (await page.evaluate(SEEN_BLOCKS)) as string[];
  return blocks.filter((b) => b.includes(value) && /chosen|learned|learns/i.test(b) && !b.includes('Is a value chosen now? Which?'));
}

describe('a question never shows its own answer', () => {
  it('while "Is a value chosen now?" is open, neither a phone nor the projector says what is chosen; at the reveal both do', async () => {
    const teacher = await person(env.browser, DESKTOP);
    const code = await openRoom(env.classroom.url, teacher.page);
    const t = teacher.page;
    const projector = await person(env.browser, PROJECTOR);
    await joinProjector(env.classroom.url, projector.page, code);
    const phone = await person(env.browser, PHONE);
    await joinAs(env.classroom.url, phone.page, code, 'Ana');
    await t.getByLabel('Bots to add').fill('2');
    await t.getByRole('button', { name: 'Add 2 bots' }).click();
    // A bot gets Kiwi chosen: its proposal, promises and acceptances from everyone.
    const actFor = t.getByRole('region', { name: 'Act for a node' });
    await expect.poll(() => actFor.getByRole('combobox', { name: /Act for a node/ }).locator('option').count()).toBeGreaterThanOrEqual(2);
    const bot = (await actFor.getByRole('combobox', { name: /Act for a node/ }).locator('option').allTextContents()).find((o) => o.startsWith('Bot'))!;
    await actFor.getByRole('combobox', { name: /Act for a node/ }).selectOption({ label: bot });
    await actFor.getByLabel('Value', { exact: true }).fill('Kiwi');
    await actFor.getByRole('button', { name: /^New proposal/ }).click();
    await expect.poll(() => actFor.getByRole('button', { name: 'Promise request', exact: true }).isEnabled()).toBe(true);
    await actFor.getByRole('button', { name: 'Promise request', exact: true }).click();
    await actFor.getByRole('button', { name: 'Accept request', exact: true }).click();
    await expect.poll(() => projector.page.getByTestId('chosen').innerText()).toBe('Kiwi');
    await expect.poll(() => phone.page.getByTestId('chosen').innerText()).toBe('Kiwi');
    // Before the question, the phone and the projector say it (the check below can see it).
    expect(await saysChosen(phone.page, 'Kiwi')).not.toEqual([]);
    expect(await saysChosen(projector.page, 'Kiwi')).not.toEqual([]);

    const panel = t.getByTestId('checkpoint-panel');
    await panel.getByLabel('Is a value chosen now? Which?').check();
    await panel.getByRole('button', { name: 'Ask the class' }).click();
    await expect.poll(() => phone.page.getByTestId('class-question').getByRole('heading').innerText()).toBe('Is a value chosen now? Which?');
    await expect.poll(() => projector.page.getByTestId('class-question').getByRole('heading').innerText()).toBe('Is a value chosen now? Which?');
    expect(await saysChosen(phone.page, 'Kiwi'), 'the phone while the question is open').toEqual([]);
    expect(await saysChosen(projector.page, 'Kiwi'), 'the projector while the question is open').toEqual([]);
    await screenshot(phone.page, 'question-open-phone');
    await screenshot(projector.page, 'question-open-projector-1080p');
    // The instructor knows the answer: the dashboard keeps showing it.
    expect(await t.getByTestId('chosen').first().innerText()).toBe('Kiwi');

    await phone.page.getByRole('button', { name: 'Kiwi', exact: true }).click();
    await t.getByTestId('open-question').getByRole('button', { name: 'Reveal the answer' }).click();
    await expect.poll(() => phone.page.getByTestId('verdict').innerText()).toBe('Right: Kiwi.');
    await expect.poll(async () => (await saysChosen(phone.page, 'Kiwi')).some((b) => b.includes('Chosen by a quorum: Kiwi'))).toBe(true);
    await expect.poll(async () => (await saysChosen(projector.page, 'Kiwi')).some((b) => b.includes('Chosen by a quorum: Kiwi'))).toBe(true);
    await screenshot(phone.page, 'question-revealed-phone');
    await screenshot(projector.page, 'question-revealed-projector-1080p');
    for (const p of [teacher, projector, phone]) await p.context.close();
  });
});

describe('the class sees its own questions, numbered from 1', () => {
  /** The instructor opens a room from the lesson predict-value-adoption, whose script asks three questions; returns its code. */
  async function lessonRoom(page: Page): Promise<string> {
    await page.goto(env.classroom.url);
    const lesson = readFileSync(join(import.meta.dirname, '..', '..', 'shared', 'presets', 'predict-value-adoption.paxos'));
    await page.getByLabel('Or start it from a file').setInputFiles({ name: 'predict.paxos', mimeType: 'text/plain', buffer: lesson });
    await page.waitForURL(/\/room\/[A-Z0-9]{6}$/);
    return page.url().split('/').pop()!;
  }

  it("a lesson room's first question is Question 1 on the phone, the projector and the dashboard", async () => {
    const teacher = await person(env.browser, DESKTOP);
    const code = await lessonRoom(teacher.page);
    const projector = await person(env.browser, PROJECTOR);
    await joinProjector(env.classroom.url, projector.page, code);
    const phone = await person(env.browser, PHONE);
    await joinAs(env.classroom.url, phone.page, code, 'Dee');
    const panel = teacher.page.getByTestId('checkpoint-panel');
    await panel.getByLabel('Is a value chosen now? Which?').check();
    await panel.getByRole('button', { name: 'Ask the class' }).click();
    for (const page of [phone.page, projector.page]) {
      await expect.poll(() => page.getByTestId('class-question').getByRole('heading').innerText()).toBe('Is a value chosen now? Which?');
      expect(await page.getByTestId('class-question').locator('.kicker').innerText()).toMatch(/^Question 1\b/);
    }
    expect(await teacher.page.getByTestId('open-question').locator('.kicker').innerText()).toMatch(/^Question 1\b/);
    await screenshot(phone.page, 'question-lesson-first-phone');
    await screenshot(projector.page, 'question-lesson-first-projector-1080p');
    for (const p of [teacher, projector, phone]) await p.context.close();
  });

  it('the projector link opens the projector view with no click, beside the dashboard on the same computer', async () => {
    const teacher = await person(env.browser, DESKTOP);
    const t = teacher.page;
    const code = await openRoom(env.classroom.url, t);
    const [opened] = await Promise.all([teacher.context.waitForEvent('page'), t.getByRole('link', { name: 'Open the projector view' }).click()]);
    await opened.waitForURL(`**/room/${code}`, { timeout: 5000 });
    await opened.setViewportSize(PROJECTOR);
    await expect.poll(() => opened.getByTestId('projector-lobby').isVisible()).toBe(true);
    await screenshot(opened, 'question-projector-link-1080p');
    // The dashboard keeps its own session, reloaded too; and the projector keeps its own.
    await t.reload();
    await expect.poll(() => t.getByTestId('checkpoint-panel').isVisible()).toBe(true);
    await opened.reload();
    await expect.poll(() => opened.getByTestId('projector-lobby').isVisible()).toBe(true);
    await teacher.context.close();
  });
});

describe('following the instructor', () => {
  it('a student following a presented moment sees the dimmed replay controls in readable contrast', async () => {
    const teacher = await person(env.browser, DESKTOP);
    const code = await openRoom(env.classroom.url, teacher.page);
    const phone = await person(env.browser, PHONE);
    await joinAs(env.classroom.url, phone.page, code, 'Flo');
    await phone.page.getByLabel('Value', { exact: true }).fill('Fig');
    await phone.page.getByRole('button', { name: /^New proposal/ }).click();
    await teacher.page.getByRole('button', { name: 'Replay and export' }).click();
    await teacher.page.getByRole('button', { name: 'One event back' }).click();
    await teacher.page.getByRole('button', { name: 'Present this moment to everyone' }).click();
    await expect.poll(() => phone.page.getByText(/^Following the instructor: event \d+/).isVisible()).toBe(true);
    const controls = phone.page.getByRole('group', { name: 'Replay controls' });
    await expect.poll(() => controls.isVisible()).toBe(true);
    await controls.scrollIntoViewIfNeeded();
    await screenshot(phone.page, 'question-following-phone');
    const contrast = (await seriousViolations(phone.page)).filter((v) => v.startsWith('color-contrast'));
    expect(contrast, 'a phone following the instructor').toEqual([]);
    for (const p of [teacher, phone]) await p.context.close();
  });
});
