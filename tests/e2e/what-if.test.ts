/**
 * "What can happen from here?" in real Chromium: the search runs in a Web Worker (the page
 * keeps working, shows progress and stops on Stop), answers in words, and plays the
 * shortest schedule it found as steps, in the solo sandbox and as a what-if branch of a room.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { join } from 'node:path';
import { openRoom, person, PHONE, screenshot, SCREENSHOTS, useClassroom } from './harness';

const env = useClassroom();

/** Replaces the sandbox with a scenario script, through the Import card. */
async function importScript(page: Page, text: string): Promise<void> {
  await page.getByLabel('File').setInputFiles({ name: 'start.paxos', mimeType: 'text/plain', buffer: Buffer.from(text) });
}

const status = (page: Page) => page.getByTestId('what-if-status');

/** A screenshot of the panel alone, beside the page's, to read its text at its real size. */
async function panelShot(page: Page, name: string): Promise<void> {
  await page.getByRole('region', { name: 'What can happen from here?' }).screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

describe('what can happen from here', () => {
  it('solo: searches in a worker with progress while the page stays usable, and Stop gives the answer so far', async () => {
    const { context, page } = await person(env.browser, { width: 1366, height: 768 });
    await page.goto(`${env.classroom.url}/solo`);
    await page.getByRole('heading', { name: 'Solo sandbox' }).waitFor();
    await page.getByRole('button', { name: 'What can happen from here?', exact: true }).click();
    await expect.poll(() => status(page).innerText()).toMatch(/^Searching: [\d,]+ states so far/);
    // The search runs in the explorer's Web Worker, not on the page's thread.
    expect(page.workers().map((w) => w.url())).toEqual(expect.arrayContaining([expect.stringMatching(/explore\.worker/)]));
    const first = Number((await status(page).innerText()).match(/Searching: ([\d,]+)/)![1]!.replace(/,/g, ''));
    // The page answers while the worker searches: a node is added, and the count goes on growing.
    await page.getByRole('button', { name: 'Add node', exact: true }).click();
    await expect.poll(() => page.getByLabel('Acting node').locator('option').count()).toBe(4);
    await expect.poll(async () => Number(((await status(page).innerText()).match(/Searching: ([\d,]+)/)?.[1] ?? '0').replace(/,/g, ''))).toBeGreaterThan(first);
    await screenshot(page, 'what-if-searching-desktop');
    await panelShot(page, 'what-if-panel-searching-desktop');
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await expect.poll(() => status(page).innerText()).toMatch(/states searched, not all of them: it was stopped\)/);
    await context.close();
  });

  it('solo: answers in words, and the shortest way plays as steps that reach the outcome', async () => {
    const { context, page } = await person(env.browser, PHONE);
    await page.goto(`${env.classroom.url}/solo`);
    await page.getByRole('heading', { name: 'Solo sandbox' }).waitFor();
    await importScript(page, 'quorum 2\nnodes A B\npropose A Apple\npromise A -> A B\n');
    await expect.poll(() => page.getByLabel('Acting node').locator('option').count()).toBe(2);
    await page.getByLabel('Crashes and recoveries').uncheck();
    await page.getByLabel('Values a new proposal may carry').fill('Apple, Mango');
    await page.getByRole('button', { name: 'What can happen from here?', exact: true }).click();
    await expect.poll(() => status(page).innerText(), { timeout: 60_000 }).toMatch(/states searched, all of them\)/);
    const answer = await status(page).innerText();
    // A has both promises for Apple; B may still propose Apple or Mango in round 2.
    expect(answer).toMatch(/^From here, Apple and Mango can each be chosen \([\d,]+ states searched, all of them\)\./);
    // Accept requests to A and B: two steps, a request to each acceptor counting as one, played as one line.
    expect(answer).toContain('Apple can be chosen: the shortest way is 2 steps.');
    await screenshot(page, 'what-if-answer-phone');
    await panelShot(page, 'what-if-panel-answer-phone');
    const apple = page.locator('details', { hasText: 'Choose Apple' });
    await apple.locator('summary').click();
    await expect.poll(() => apple.locator('li').first().innerText()).toContain('A sends accept requests to A and B.');
    expect(await apple.locator('summary').innerText()).toBe('Choose Apple: 2 steps');
    expect(await apple.locator('li').count()).toBe(1);
    await apple.getByRole('button', { name: 'Play these steps' }).click();
    await page.getByRole('button', { name: 'Play all the rest' }).click();
    await expect.poll(() => page.getByText('Every step is played.').isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId('chosen').innerText()).toBe('Apple');
    await screenshot(page, 'what-if-played-phone');
    await panelShot(page, 'what-if-panel-played-phone');
    await context.close();
  });

  it('a room: the instructor asks from the live room and opens the way to a value as a what-if branch', async () => {
    const teacher = await person(env.browser, { width: 1366, height: 768 });
    const code = await openRoom(env.classroom.url, teacher.page);
    expect(code).toMatch(/^[A-Z0-9]{6}$/);
    const page = teacher.page;
    await page.getByRole('button', { name: /Add.*bot/ }).first().click();
    await expect.poll(() => page.getByLabel('Act for a node (bots, or a student who is away)').locator('option').count()).toBeGreaterThan(1);
    await page.getByLabel('Crashes and recoveries').uncheck();
    await page.getByLabel('Values a new proposal may carry').fill('Kiwi');
    await page.getByRole('button', { name: 'What can happen from here?', exact: true }).click();
    await expect.poll(() => status(page).innerText(), { timeout: 60_000 }).toMatch(/^From here, only Kiwi can be chosen \([\d,]+ states searched, all of them\)\./);
    await screenshot(page, 'what-if-instructor-desktop');
    await panelShot(page, 'what-if-panel-instructor-desktop');
    const kiwi = page.locator('details', { hasText: 'Choose Kiwi' });
    await kiwi.locator('summary').click();
    await kiwi.getByRole('button', { name: 'Open as a what-if branch' }).click();
    await page.getByRole('button', { name: 'Play all the rest' }).click();
    await expect.poll(() => page.getByText('Every step is played.').isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId('chosen').first().innerText()).toBe('Kiwi');
    await teacher.context.close();
  });
});
