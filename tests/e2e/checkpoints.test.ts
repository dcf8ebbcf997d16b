/**
 * A prediction checkpoint end to end, in Chromium reaching the server by another name: the
 * instructor asks in two clicks, three phones answer, the projector counts the answers and
 * then shows their distribution and the right answer with its explanation; a phone that
 * reloads mid-question keeps its locked-in answer; the class results download.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DESKTOP, joinAs, openRoom, person as personAt, PHONE, PROJECTOR, screenshot, seriousViolations, useClassroom, joinProjector } from './harness';

const env = useClassroom();
/** Each person's pages let axe-core in past the Content-Security-Policy. */
const person = (browser: Browser, viewport: { width: number; height: number }) => personAt(browser, viewport, { bypassCSP: true });

async function propose(page: Page, value: string): Promise<void> {
  await page.getByLabel('Value', { exact: true }).fill(value);
  await page.getByRole('button', { name: /^New proposal/ }).click();
  await page.getByRole('button', { name: 'Promise request', exact: true }).click();
}

describe('a checkpoint in the browser', () => {
  it('the instructor asks, three phones answer, the projector shows the count, then the distribution and the answer', async () => {
    const teacher = await person(env.browser, DESKTOP);
    const code = await openRoom(env.classroom.url, teacher.page);
    const projector = await person(env.browser, PROJECTOR);
    await joinProjector(env.classroom.url, projector.page, code);
    const phones = await Promise.all([person(env.browser, PHONE), person(env.browser, PHONE), person(env.browser, PHONE)]);
    const names = ['Ana', 'Bo', 'Cy'];
    for (const [i, s] of phones.entries()) await joinAs(env.classroom.url, s.page, code, names[i]!);
    await propose(phones[0]!.page, 'Apple');
    await expect.poll(() => phones[0]!.page.getByText('promisers').locator('xpath=following-sibling::dd[1]').innerText()).toBe('3 promises, 2 needed');

    // Two clicks: the question, then Ask.
    const panel = teacher.page.getByTestId('checkpoint-panel');
    await panel.getByLabel("Which value will 1.Ana's next accept request carry?").check();
    await panel.getByRole('button', { name: 'Ask the class' }).click();

    // Every phone shows the question with big answer buttons and a countdown.
    for (const { page } of phones) {
      const q = page.getByTestId('class-question');
      await expect.poll(() => q.getByRole('heading').innerText()).toBe("Which value will 1.Ana's next accept request carry?");
      await expect.poll(() => q.getByTestId('countdown').innerText()).toMatch(/^\d+ s left$/);
    }
    const pq = projector.page.getByTestId('class-question');
    await expect.poll(() => pq.getByTestId('answer-count').innerText()).toBe('0 of 3 students have answered');
    await screenshot(phones[0]!.page, 'checkpoint-phone-question');
    expect(await seriousViolations(phones[0]!.page), 'a phone with the question open').toEqual([]);
    expect(await seriousViolations(teacher.page), 'the dashboard with the question open').toEqual([]);

    // Ana and Bo answer Apple, Cy the other one; the projector counts, and shows no answer's content.
    await phones[0]!.page.getByRole('button', { name: 'Apple', exact: true }).click();
    await expect.poll(() => phones[0]!.page.getByTestId('answer-status').innerText()).toBe('Your answer is locked in: Apple. Wait for the reveal.');
    expect(await phones[0]!.page.getByRole('button', { name: 'Apple', exact: true }).isDisabled()).toBe(true);
    await phones[1]!.page.getByRole('button', { name: 'Apple', exact: true }).click();
    await phones[2]!.page.getByRole('button', { name: /^None yet/ }).click();
    await expect.poll(() => pq.getByTestId('answer-count').innerText()).toBe('3 of 3 students have answered');
    expect(await pq.innerText()).not.toContain('right answer');
    await screenshot(projector.page, 'checkpoint-projector-counting-1080p');
    await screenshot(phones[0]!.page, 'checkpoint-phone-locked');

    // Bo reloads: the question and the locked-in answer come back.
    await phones[1]!.page.reload();
    await expect.poll(() => phones[1]!.page.getByTestId('answer-status').innerText()).toBe('Your answer is locked in: Apple. Wait for the reveal.');

    // The open question sits above the ring, with its Reveal.
    await teacher.page.getByTestId('open-question').getByRole('button', { name: 'Reveal the answer' }).click();
    await expect.poll(() => pq.getByText('✓ right answer').isVisible()).toBe(true);
    expect((await pq.getByRole('listitem').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim())).toEqual(['Apple ✓ right answer 2', 'None yet 1']);
    await expect.poll(() => pq.getByTestId('explanation').innerText()).toContain('its own value');
    await screenshot(projector.page, 'checkpoint-projector-reveal-1080p');
    expect(await seriousViolations(projector.page), 'the projector at the reveal').toEqual([]);
    await expect.poll(() => phones[0]!.page.getByTestId('verdict').innerText()).toBe('Right: Apple.');
    await expect.poll(() => phones[2]!.page.getByTestId('verdict').innerText()).toBe('Not this time: you picked None yet; the answer is Apple.');
    expect(await phones[2]!.page.getByTestId('my-score').innerText()).toBe('Your results so far: 0 right of the 1 question you answered.');
    await expect.poll(() => phones[0]!.page.getByTestId('my-score').innerText()).toBe('Your results so far: 1 right of the 1 question you answered.');
    await screenshot(phones[2]!.page, 'checkpoint-phone-reveal');
    expect(await seriousViolations(phones[2]!.page), 'a phone at the reveal').toEqual([]);

    // The class results, on the dashboard and as a file.
    await panel.getByRole('button', { name: 'Show the class results' }).click();
    const results = panel.getByTestId('class-results');
    await expect.poll(() => results.innerText()).toContain('67%');
    const [download] = await Promise.all([teacher.page.waitForEvent('download'), panel.getByRole('button', { name: 'Download Markdown' }).click()]);
    const md = readFileSync((await download.path())!, 'utf8');
    expect(md).toContain("| 1 | Which value will 1.Ana's next accept request carry? | 3 | Apple | 67% | None yet (1) |");
    expect(md).toContain('| Cy | 1 | 0 |');
    await screenshot(teacher.page, 'checkpoint-instructor-results');
    for (const p of [teacher, projector, ...phones]) await p.context.close();
  });
});

describe('a prepared lesson with questions, in the browser', () => {
  it('the instructor opens a room from the lesson, presents a question\'s moment, and asks it of the phones', async () => {
    const teacher = await person(env.browser, DESKTOP);
    await teacher.page.goto(env.classroom.url);
    const lesson = readFileSync(join(import.meta.dirname, '..', '..', 'shared', 'presets', 'predict-value-adoption.paxos'));
    await teacher.page.getByLabel('Or start it from a file').setInputFiles({ name: 'predict.paxos', mimeType: 'text/plain', buffer: lesson });
    await teacher.page.waitForURL(/\/room\/[A-Z0-9]{6}$/);
    const code = teacher.page.url().split('/').pop()!;
    const phones = await Promise.all([person(env.browser, PHONE), person(env.browser, PHONE)]);
    for (const [i, s] of phones.entries()) await joinAs(env.classroom.url, s.page, code, ['Dee', 'Eli'][i]!);

    await teacher.page.getByRole('button', { name: 'Replay and export' }).click();
    // The replay opens once it holds the whole log.
    const moments = () => teacher.page.getByLabel('Jump to a moment').locator('option').allTextContents();
    await expect.poll(async () => (await moments()).some((t) => t.includes('Question 2:'))).toBe(true);
    const moment = (await moments()).find((t) => t.includes('Question 2:'))!;
    expect(moment).toMatch(/^\d+: Question 2: What will B answer to 1\.C's promise request\?$/);
    await teacher.page.getByLabel('Jump to a moment').selectOption({ label: moment });
    await teacher.page.getByRole('button', { name: 'Present this moment to everyone' }).click();
    const panel = teacher.page.getByTestId('checkpoint-panel');
    await expect.poll(() => panel.getByText(/^About event \d+, the moment you present/).isVisible()).toBe(true);
    // The lesson's own question comes first, picked already: one click asks it.
    expect(await panel.getByLabel("What will B answer to 1.C's promise request? (this moment of the lesson)").isChecked()).toBe(true);
    await panel.getByRole('button', { name: 'Ask the class' }).click();

    for (const { page } of phones) await expect.poll(() => page.getByTestId('class-question').getByRole('heading').innerText()).toBe("What will B answer to 1.C's promise request?");
    await phones[0]!.page.getByRole('button', { name: 'Promise, reporting Apple accepted in 1.A', exact: true }).click();
    await phones[1]!.page.getByRole('button', { name: 'Refuse', exact: true }).click();
    const open = teacher.page.getByTestId('open-question');
    await expect.poll(() => open.getByTestId('answer-count').innerText()).toBe('2 of 2 students have answered');
    await open.getByRole('button', { name: 'Reveal the answer' }).click();
    await expect.poll(() => phones[0]!.page.getByTestId('verdict').innerText()).toBe('Right: Promise, reporting Apple accepted in 1.A.');
    await expect.poll(() => phones[1]!.page.getByTestId('explanation').innerText()).toContain('so it promises');
    await screenshot(phones[1]!.page, 'checkpoint-lesson-phone-reveal');
    await screenshot(teacher.page, 'checkpoint-lesson-instructor');
    for (const p of [teacher, ...phones]) await p.context.close();
  });
});
