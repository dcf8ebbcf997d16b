/** Accessibility in Chromium: axe-core on every page, one h1 each, the log from the keyboard, and text at 200%. */
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { join } from 'node:path';
import { DASHBOARD, DESKTOP, joinAs, joinProjector, largeText, openDiagram, openRoom, openRoomFrom, person as personAt, PHONE, PROJECTOR, screenshot, SCREENSHOTS, seriousViolations, useClassroom } from './harness';

const env = useClassroom();

/** A person whose pages let the test inject axe-core's script past the pages' Content-Security-Policy. */
const person = (browser: Browser, viewport: { width: number; height: number }) => personAt(browser, viewport, { bypassCSP: true });

/** The page has no serious or critical violation, and exactly one h1. */
async function expectAccessible(page: Page, name: string): Promise<void> {
  expect.soft(await seriousViolations(page), name).toEqual([]);
  expect.soft(await page.locator('h1').count(), `${name}: h1 elements`).toBe(1);
}

/** The student, alone in the room, proposes `value` and has it chosen. */
async function choose(page: Page, value: string): Promise<void> {
  await page.getByLabel('Value', { exact: true }).fill(value);
  await page.getByRole('button', { name: /^New proposal/ }).click();
  await page.getByRole('button', { name: 'Promise request', exact: true }).click();
  await page.getByRole('button', { name: 'Accept request', exact: true }).click();
  await expect.poll(() => page.getByTestId('chosen').innerText()).toBe(value);
}

describe('axe-core on every page', () => {
  it('finds no serious or critical violation, and each page has one h1', async () => {
    const start = await person(env.browser, DESKTOP);
    await start.page.goto(env.classroom.url);
    await start.page.getByRole('button', { name: 'Open a room' }).waitFor();
    await expectAccessible(start.page, 'start');
    await start.context.close();

    const teacher = await person(env.browser, DESKTOP);
    const code = await openRoom(env.classroom.url, teacher.page);
    await teacher.page.getByRole('button', { name: 'Replay and export' }).waitFor();

    const s = await person(env.browser, PHONE);
    await s.page.goto(`${env.classroom.url}/join/${code}`);
    await s.page.getByLabel('Your name').waitFor();
    await expectAccessible(s.page, 'join');
    await joinAs(env.classroom.url, s.page, code, 'Ada');
    await choose(s.page, 'Apple');
    await expectAccessible(s.page, 'student');
    await expectAccessible(teacher.page, 'instructor');

    await openDiagram(s.page);
    await expectAccessible(s.page, 'student with the replay open');

    const projector = await person(env.browser, PROJECTOR);
    await projector.page.goto(`${env.classroom.url}/join/${code}?as=projector`);
    await expect.poll(() => projector.page.getByTestId('chosen').innerText()).toBe('Apple');
    await expectAccessible(projector.page, 'projector');

    await teacher.page.getByRole('button', { name: 'Create a replay link' }).click();
    const link = await teacher.page.getByTestId('share-link').innerText();
    const viewer = await person(env.browser, DESKTOP);
    await viewer.page.goto(link.replace(/^https?:\/\/[^/]+/, env.classroom.url));
    await expect.poll(() => viewer.page.getByTestId('log').innerText()).toContain('NEW Proposal from Ada');
    await expectAccessible(viewer.page, 'replay-link viewer');

    const solo = await person(env.browser, DESKTOP);
    await solo.page.goto(`${env.classroom.url}/solo`);
    await solo.page.getByRole('heading', { name: 'Solo sandbox' }).waitFor();
    await expectAccessible(solo.page, 'solo');
    for (const p of [teacher, s, projector, viewer, solo]) await p.context.close();
  });
});

/** A viewport's worth of the page with the sequence diagram's box at its top, for looking at. */
async function diagramShot(page: Page, name: string): Promise<void> {
  await page.evaluate(`document.querySelector('.diagram .scroll').scrollIntoView({ block: 'start' })`);
  await screenshot(page, name);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-in-view.png`) });
}

describe('axe-core with the sequence diagram open', () => {
  it('finds no serious or critical violation in light and dark, on the dashboard, a phone and the projector', async () => {
    // Three proposers' messages, one dropped and some in flight: a diagram wider than a phone and taller than its box.
    const lesson = 'delivery queued\nnodes A B C\npropose A Apple\npromise A -> all\ndrop A -> C\ndeliver all\ndeliver all\naccept A -> all\nsettle\npropose B Kiwi\npromise B -> all\nsettle\npropose C Fig\npromise C -> all\n';
    const teacher = await person(env.browser, DASHBOARD);
    const code = await openRoomFrom(env.classroom.url, teacher.page, lesson);
    const phone = await person(env.browser, PHONE);
    await joinAs(env.classroom.url, phone.page, code, 'Ada');
    const projector = await person(env.browser, PROJECTOR);
    await joinProjector(env.classroom.url, projector.page, code);
    for (const [where, page] of [['dashboard', teacher.page], ['phone', phone.page], ['projector', projector.page]] as const) {
      await openDiagram(page);
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        expect.soft(await seriousViolations(page), `${where}, ${scheme}`).toEqual([]);
      }
    }
    await phone.page.emulateMedia({ colorScheme: 'light' });
    await diagramShot(phone.page, 'diagram-phone-light');
    await phone.page.emulateMedia({ colorScheme: 'dark' });
    await diagramShot(phone.page, 'diagram-phone-dark');
    await teacher.page.emulateMedia({ colorScheme: 'light' });
    await diagramShot(teacher.page, 'diagram-dashboard');
    await diagramShot(projector.page, 'diagram-projector-dark');
    for (const p of [teacher, phone, projector]) await p.context.close();
  });
});

describe('text at 200% on a phone', () => {
  it('nothing is wider than a 360 px screen when the browser text size is 200%', async () => {
    const teacher = await person(env.browser, DESKTOP);
    const code = await openRoom(env.classroom.url, teacher.page);
    const big = await largeText(200, PHONE);
    await big.page.goto(env.classroom.url);
    expect(await big.page.evaluate('getComputedStyle(document.documentElement).fontSize')).toBe('32px');
    await screenshot(big.page, 'text-200-start-phone');
    await big.page.goto(`${env.classroom.url}/join/${code}`);
    await big.page.getByLabel('Your name').waitFor();
    await screenshot(big.page, 'text-200-join-phone');
    await joinAs(env.classroom.url, big.page, code, 'Bea');
    await choose(big.page, 'Apple');
    await screenshot(big.page, 'text-200-student-phone');
    await openDiagram(big.page);
    await screenshot(big.page, 'text-200-student-replay-phone');
    // The solo sandbox, with a lesson's stage open: screenshot() fails if the page is wider than the phone.
    await big.page.goto(`${env.classroom.url}/solo`);
    await big.page.getByRole('combobox').filter({ hasText: 'Choose a preset lesson' }).selectOption('value-adoption');
    await big.page.getByRole('button', { name: 'Load' }).click();
    for (let i = 0; i < 3; i++) await big.page.getByRole('button', { name: 'Next step' }).click();
    await screenshot(big.page, 'text-200-solo-lesson-phone');
    for (const p of [teacher, big]) await p.context.close();
  });
});

/** The focused element's name (its aria-label, else its text) and its box. */
async function focused(page: Page): Promise<{ name: string; box: { x: number; y: number; width: number; height: number } | null }> {
  const el = page.locator('*:focus');
  const name = (await el.getAttribute('aria-label')) ?? (await el.innerText());
  return { name, box: await el.boundingBox() };
}

describe('the student page from the keyboard', () => {
  it('opens with a visible "Skip to actions" link that moves focus to the actions', async () => {
    const teacher = await person(env.browser, DESKTOP);
    const code = await openRoom(env.classroom.url, teacher.page);
    const s = await person(env.browser, PHONE);
    await joinAs(env.classroom.url, s.page, code, 'Cy');
    // The page as it opens from its address (a student's refresh, a link): focus starts at its top.
    await s.page.reload();
    await s.page.getByRole('heading', { name: 'My node: Cy' }).waitFor();
    await s.page.keyboard.press('Tab');
    const link = await focused(s.page);
    expect(link.name).toBe('Skip to actions');
    // Visible on focus: wholly on the screen.
    expect(link.box!.x).toBeGreaterThanOrEqual(0);
    expect(link.box!.y).toBeGreaterThanOrEqual(0);
    expect(link.box!.x + link.box!.width).toBeLessThanOrEqual(PHONE.width);
    await screenshot(s.page, 'student-skip-link-phone');
    await s.page.keyboard.press('Enter');
    expect((await focused(s.page)).name).toBe('Actions');
    await s.page.keyboard.press('Tab');
    await s.page.keyboard.type('Plum');
    expect(await s.page.getByLabel('Value', { exact: true }).inputValue()).toBe('Plum');
    for (const p of [teacher, s]) await p.context.close();
  });

  it('the log is one Tab stop, whose entries the arrow keys walk, each read with its explanation', async () => {
    const teacher = await person(env.browser, DESKTOP);
    const code = await openRoom(env.classroom.url, teacher.page);
    const s = await person(env.browser, DESKTOP);
    await joinAs(env.classroom.url, s.page, code, 'Dee');
    await teacher.page.getByLabel('Bots to add').fill('2');
    await teacher.page.getByRole('button', { name: 'Add 2 bots' }).click();
    await expect.poll(() => s.page.getByTestId('log').innerText()).toContain('Bot 2');
    await s.page.getByRole('button', { name: /^New proposal/ }).click();
    await s.page.getByRole('button', { name: 'Promise request', exact: true }).click();
    await s.page.getByRole('button', { name: 'Accept request', exact: true }).click();
    const entries = s.page.getByRole('listbox', { name: 'Annotated log entries' });
    const size = async () => Number(await entries.getByRole('option').last().getAttribute('aria-setsize'));
    await expect.poll(size).toBeGreaterThanOrEqual(7);
    await s.page.waitForTimeout(500);
    const total = await size();

    // From the log's first button to "Replay and export": the filters, then the list, once.
    await s.page.getByRole('button', { name: 'All', exact: true }).focus();
    let stops = 0;
    while ((await focused(s.page)).name !== 'Replay and export') {
      await s.page.keyboard.press('Tab');
      if (++stops > 10) break;
    }
    expect(stops).toBeLessThanOrEqual(3);

    // Back to the list: the latest entry, named by its text and its explanation.
    await s.page.keyboard.press('Shift+Tab');
    const latest = s.page.locator('[role="option"]:focus');
    expect(await latest.getAttribute('aria-posinset')).toBe(String(total));
    const last = entries.getByRole('option', { selected: true });
    const explanation = await s.page.getByLabel('Selected entry').locator('p').first().innerText();
    expect(explanation.length).toBeGreaterThan(10);
    expect(await last.innerText()).toContain(explanation.slice(0, 40));
    await s.page.keyboard.press('ArrowUp');
    await s.page.keyboard.press('ArrowUp');
    expect(await s.page.locator('[role="option"]:focus').getAttribute('aria-posinset')).toBe(String(total - 2));
    await s.page.keyboard.press('Home');
    const first = s.page.locator('[role="option"]:focus');
    expect(await first.getAttribute('aria-posinset')).toBe('1');
    expect(await s.page.getByLabel('Selected entry').innerText()).toContain('JOIN Dee');

    // The focus ring lies wholly inside the scrolling log.
    const ring = (await s.page.evaluate(
      '(() => { const s = getComputedStyle(document.activeElement); return { width: parseFloat(s.outlineWidth), offset: parseFloat(s.outlineOffset), style: s.outlineStyle }; })()',
    )) as { width: number; offset: number; style: string };
    expect(ring.style).toBe('solid');
    expect(ring.offset + ring.width).toBeLessThanOrEqual(0);
    const [row, log] = [await first.boundingBox(), await s.page.getByTestId('log').boundingBox()];
    expect(row!.y).toBeGreaterThanOrEqual(log!.y);
    expect(row!.y + row!.height).toBeLessThanOrEqual(log!.y + log!.height);
    await s.page.keyboard.press('End');
    expect(await s.page.locator('[role="option"]:focus').getAttribute('aria-posinset')).toBe(String(total));
    await s.page.keyboard.press('PageUp');
    expect(await s.page.locator('[role="option"]:focus').getAttribute('aria-posinset')).toBe(String(total - 5));
    await screenshot(s.page, 'student-log-keyboard-desktop');
    for (const p of [teacher, s]) await p.context.close();
  });
});
