/**
 * The learner's eye: each screen shows the moment that teaches first, and no page grows
 * without bound. On a 360x740 phone in a class of 40: the keyboard stays on the actions
 * after a promise request, a deliver-all to 40 nodes keeps the page within four screens
 * (at 200% text too, with my node's card and the actions in the first two), and a class
 * question takes the screen and the focus wherever the student is scrolled. On the dashboard at 1366 px a split in two is one summary line
 * with one Heal all control. On a phone that lost a duel, the card says what to do next.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { DESKTOP, joinAs, openRoom, person as personAt, PHONE, screenshot, SCREENSHOTS, seriousViolations, useClassroom } from './harness';

const env = useClassroom();
/** Each person's pages let axe-core in past the Content-Security-Policy. */
const person = (browser: Browser, viewport: { width: number; height: number }) => personAt(browser, viewport, { bypassCSP: true });

// Run in the page: written as strings, since these tests are type-checked without the DOM's types.
const ROOT_PX = 'parseFloat(getComputedStyle(document.documentElement).fontSize)';
const PAGE_SIZE = '({ height: document.scrollingElement.scrollHeight, screen: window.innerHeight })';
/** Where the node card's heading and the Actions heading end, from the top of the page. */
const HEADINGS_BOTTOM = `(() => {
  const bottom = (el) => el.getBoundingClientRect().bottom + window.scrollY;
  return { card: bottom(document.querySelector('.node-card h2')), actions: bottom(document.querySelector('#actions h2')) };
})()`;
const FOCUS = `(() => {
  const el = document.activeElement;
  return { tag: el ? el.tagName : null, text: el ? (el.textContent || '').trim().slice(0, 40) : '', inActions: !!(el && el.closest('#actions')) };
})()`;
const QUESTION_IN_VIEW = `(() => {
  const q = document.querySelector('[data-testid=class-question]');
  if (!q) return null;
  const b = q.getBoundingClientRect();
  return { top: b.top, bottom: b.bottom, screen: window.innerHeight, focused: q.contains(document.activeElement) };
})()`;

async function pageSize(page: Page): Promise<{ height: number; screen: number }> {
  return (await page.evaluate(PAGE_SIZE)) as { height: number; screen: number };
}

/** The browser's default text size set to `percent` of 16 px, as its settings do (it scales every rem and em). */
async function textSize(page: Page, percent: number): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Page.setFontSizes', { fontSizes: { standard: Math.round((16 * percent) / 100), fixed: Math.round((13 * percent) / 100) } });
  await cdp.detach();
}

/** The instructor acts for `bot`: a new proposal, then a promise request to all. */
async function botProposes(actFor: Locator, bot: string): Promise<void> {
  await actFor.getByRole('combobox', { name: /Act for a node/ }).selectOption({ label: bot });
  await actFor.getByRole('button', { name: /^New proposal/ }).click();
  await expect.poll(() => actFor.getByRole('button', { name: 'Promise request', exact: true }).isEnabled()).toBe(true);
  await actFor.getByRole('button', { name: 'Promise request', exact: true }).click();
}

describe("the learner's eye, in a class of 40", () => {
  it('a phone keeps the keyboard on its actions, stays within four screens after a deliver-all, and a question takes the screen; the dashboard heals a split with one control', async () => {
    const teacher = await person(env.browser, DESKTOP);
    const code = await openRoom(env.classroom.url, teacher.page);
    const t = teacher.page;
    await t.getByLabel('Delivery').selectOption('queued');
    const phone = await person(env.browser, PHONE);
    const s = phone.page;
    await joinAs(env.classroom.url, s, code, 'Ada');
    await t.getByLabel('Bots to add').fill('39');
    await t.getByRole('button', { name: 'Add 39 bots' }).click();
    const network = t.getByRole('region', { name: 'Network' });
    await expect.poll(() => network.getByRole('region', { name: 'Nodes' }).getByRole('listitem').count()).toBe(40);

    // Ada proposes, then sends her promise request from the keyboard: the focus stays on her actions.
    await s.getByLabel('Value', { exact: true }).fill('Apple');
    await s.getByRole('button', { name: /^New proposal/ }).click();
    const promise = s.getByRole('button', { name: 'Promise request', exact: true });
    await expect.poll(() => promise.isEnabled()).toBe(true);
    await promise.focus();
    await s.keyboard.press('Enter');
    const deliverAll = network.getByRole('button', { name: /^Deliver all \(\d+\)$/ });
    await expect.poll(() => deliverAll.innerText()).toBe('Deliver all (40)');
    await expect.poll(() => s.getByRole('status').filter({ hasText: 'Sending…' }).count()).toBe(0);
    // Each bullet's check is soft: a page that fails one still shows whether it passes the others.
    const focus = (await s.evaluate(FOCUS)) as { tag: string | null; text: string; inActions: boolean };
    expect.soft(focus.inActions && ['BUTTON', 'SELECT', 'INPUT'].includes(focus.tag ?? ''), `the focus after Promise request: ${JSON.stringify(focus)}`).toBe(true);

    // Two bots duel with her: three promise requests to all 40, then the network delivers all 120.
    const actFor = t.getByRole('region', { name: 'Act for a node' });
    await botProposes(actFor, 'Bot 1');
    await botProposes(actFor, 'Bot 2');
    await expect.poll(() => deliverAll.innerText()).toBe('Deliver all (120)');
    await deliverAll.click();
    await expect.poll(() => s.getByTestId('log').innerText()).toContain('NETWORK deliver all: 120 messages');
    // And the 120 replies.
    await expect.poll(() => deliverAll.innerText()).toBe('Deliver all (120)');
    await deliverAll.click();
    await expect.poll(() => s.getByTestId('log').innerText()).toMatch(/NETWORK deliver all: 120 messages[\s\S]*NETWORK deliver all: 120 messages/);

    // The page stays within four screens.
    const normal = await pageSize(s);
    console.log(`phone after a 40-node deliver-all: ${normal.height} px tall, screen ${normal.screen} px`);
    await screenshot(s, 'learners-eye-phone-deliver-all');
    expect.soft(normal.height, 'the phone after a deliver-all').toBeLessThanOrEqual(4 * normal.screen);
    // At 200% text too: within four screens, with my node and what it can do in the first two.
    await textSize(s, 200);
    await expect.poll(() => s.evaluate(ROOT_PX)).toBe(32);
    const large = await pageSize(s);
    console.log(`phone at 200% text: ${large.height} px tall, ${(large.height / large.screen).toFixed(1)} screens`);
    // Each screen, and what the phone shows of the entry (a full-page screenshot would reset the text size).
    for (let at = 0; at * large.screen < large.height; at++) {
      await s.evaluate(`window.scrollTo(0, ${at * large.screen})`);
      await s.screenshot({ path: join(SCREENSHOTS, `learners-eye-phone-deliver-all-200-screen-${at + 1}.png`) });
    }
    await s.evaluate(`window.scrollTo(0, document.querySelector('[aria-label="Selected entry"]').getBoundingClientRect().top + window.scrollY)`);
    await s.screenshot({ path: join(SCREENSHOTS, 'learners-eye-phone-deliver-all-200.png') });
    expect.soft(large.height, 'the phone after a deliver-all, at 200% text').toBeLessThanOrEqual(4 * large.screen);
    const headings = (await s.evaluate(HEADINGS_BOTTOM)) as { card: number; actions: number };
    expect.soft(headings.card, 'the bottom of the node card\'s heading, at 200% text').toBeLessThanOrEqual(2 * large.screen);
    expect.soft(headings.actions, 'the bottom of the Actions heading, at 200% text').toBeLessThanOrEqual(2 * large.screen);
    // The selected entry scrolls in its box there: the keyboard can reach it, and axe finds nothing.
    expect.soft(await s.getByRole('region', { name: 'Selected entry' }).getAttribute('tabindex'), 'the scrolling entry is a Tab stop').toBe('0');
    expect.soft(await seriousViolations(s), 'the phone at 200% text').toEqual([]);
    await textSize(s, 100);
    await expect.poll(() => s.evaluate(ROOT_PX)).toBe(16);

    // Ada sits at her actions, far down the page, when the instructor asks the class.
    await s.evaluate(`document.getElementById('actions').scrollIntoView({ block: 'start' })`);
    expect((await s.evaluate('window.scrollY')) as number).toBeGreaterThan(300);
    const panel = t.getByTestId('checkpoint-panel');
    await panel.getByRole('button', { name: 'Ask the class' }).click();
    await s.getByTestId('class-question').getByTestId('countdown').waitFor();
    // The question takes the screen, and the focus.
    await s.waitForFunction(`(${QUESTION_IN_VIEW})?.focused`, null, { timeout: 3000 }).catch(() => undefined);
    const q = (await s.evaluate(QUESTION_IN_VIEW)) as { top: number; bottom: number; screen: number; focused: boolean };
    expect.soft(q.focused, 'the focus is in the question').toBe(true);
    expect.soft(q.top >= 0 && q.bottom <= q.screen, `the question is on the screen: ${JSON.stringify(q)}`).toBe(true);
    await s.screenshot({ path: (await screenshot(s, 'learners-eye-phone-question')).replace('.png', '-viewport.png') });
    expect(await seriousViolations(s), 'the phone with the question open').toEqual([]);
    await t.getByTestId('open-question').getByRole('button', { name: 'Close the answers' }).click();

    // The dashboard: a split in two is one line and one Heal all control, not a Heal button a link.
    const before = await pageSize(t);
    await network.getByRole('button', { name: 'Split in two at random' }).click();
    await expect.poll(() => t.getByTestId('log').innerText()).toMatch(/NETWORK partition .*: 400 links cut/);
    const links = network.getByRole('region', { name: 'Links' });
    const split = await pageSize(t);
    console.log(`dashboard at 1366 px: ${before.height} px before the split, ${split.height} px after`);
    await screenshot(t, 'learners-eye-dashboard-split');
    await links.screenshot({ path: join(SCREENSHOTS, 'learners-eye-dashboard-links.png') });
    expect.soft(split.height - before.height, 'what the split adds to the dashboard').toBeLessThanOrEqual(before.screen);
    expect.soft(await links.getByRole('button', { name: /^Heal/ }).count(), 'Heal buttons after a split').toBe(1);

    // On demand: the phone's whole entry, from the keyboard, in a box that scrolls.
    await s.getByRole('option', { name: /NETWORK partition/ }).waitFor();
    await s.getByRole('option', { name: /NETWORK deliver all: 120 messages/ }).last().click();
    const more = s.getByRole('button', { name: /^Show all \d[\d,]* lines$/ });
    await more.focus();
    await s.keyboard.press('Enter');
    await expect.poll(() => s.getByRole('region', { name: 'Every line of the entry' }).innerText()).toContain('NETWORK deliver all: 120 messages');
    expect((await pageSize(s)).height).toBeLessThanOrEqual(4 * normal.screen);
    await screenshot(s, 'learners-eye-phone-whole-entry');
    expect(await seriousViolations(s), 'the phone with the whole entry open').toEqual([]);
    await s.getByRole('button', { name: 'Show fewer lines' }).click();

    // On demand: the dashboard's links one by one; then one click heals them all.
    expect(await links.getByTestId('cut-summary').innerText()).toBe('Split in two: 20 | 20 · 400 links cut');
    expect(await seriousViolations(t), 'the dashboard after a split').toEqual([]);
    await links.getByText('Show the 400 cut links').click();
    await expect.poll(() => links.getByRole('button', { name: 'Heal', exact: true }).count()).toBe(400);
    expect((await pageSize(t)).height - before.height).toBeLessThanOrEqual(before.screen);
    await links.getByRole('button', { name: 'Heal all links' }).click();
    await expect.poll(() => t.getByTestId('log').innerText()).toMatch(/NETWORK heal all: 400 links/);
    expect(await links.getByTestId('cut-summary').count()).toBe(0);
    for (const p of [teacher, phone]) await p.context.close();
  });

  it('a phone that lost a duel says to start a new proposal, with a higher ballot, and why', async () => {
    const teacher = await person(env.browser, DESKTOP);
    const code = await openRoom(env.classroom.url, teacher.page);
    const t = teacher.page;
    const phone = await person(env.browser, PHONE);
    const s = phone.page;
    await joinAs(env.classroom.url, s, code, 'Ada');
    await t.getByLabel('Bots to add').fill('2');
    await t.getByRole('button', { name: 'Add 2 bots' }).click();
    await expect.poll(() => s.getByRole('combobox', { name: 'Send to' }).locator('option').count()).toBe(4);

    // Ada has her promises for 1.Ada; then Bot 1 takes them with 2.Bot 1.
    await s.getByLabel('Value', { exact: true }).fill('Apple');
    await s.getByRole('button', { name: /^New proposal/ }).click();
    await s.getByRole('button', { name: 'Promise request', exact: true }).click();
    await expect.poll(() => s.getByText('promisers').locator('xpath=following-sibling::dd[1]').innerText()).toBe('3 promises, 2 needed');
    await botProposes(t.getByRole('region', { name: 'Act for a node' }), 'Bot 1');
    // Her accept request is refused everywhere: the card says what to do, not what the request carries.
    await s.getByRole('button', { name: 'Accept request', exact: true }).click();
    await expect.poll(() => s.getByTestId('log').innerText()).toContain('lost to 2.Bot 1');
    const next = s.getByTestId('next-accept');
    await expect.poll(() => next.innerText()).toContain('Bot 2 promised 2.Bot 1, higher than your 1.Ada: start a new proposal to try again');
    expect(await next.innerText()).not.toContain('carries');
    await screenshot(s, 'learners-eye-phone-duel-lost');
    expect(await seriousViolations(s), 'the phone after a lost duel').toEqual([]);
    // The new proposal picks a ballot above the one it lost to, and the card is back to the next accept request.
    await s.getByRole('button', { name: /^New proposal/ }).click();
    await expect.poll(() => s.getByText('p', { exact: true }).locator('xpath=following-sibling::dd[1]').innerText()).toBe('3.Ada');
    await expect.poll(() => next.innerText()).toContain('Next accept request carries');
    for (const p of [teacher, phone]) await p.context.close();
  });
});
