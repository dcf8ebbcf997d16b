/**
 * In Chromium: the timeline banner stays at the top of the dashboard and the phone however
 * far down they are scrolled, without hiding what the page scrolls to.
 */
import { describe, expect, it } from 'vitest';
import { DASHBOARD, elementBox as box, inViewport, joinAs, openRoomFrom, person, PHONE, seriousViolations, useClassroom, viewportShot } from './harness';

const env = useClassroom();

/** A round that chose Apple, long enough a log for both pages to scroll far. */
const LESSON = ['nodes A B C', 'propose A Apple', 'promise A -> all', 'accept A -> A B'].join('\n');

describe('the timeline banner', () => {
  it('stays at the top of the 1366 × 768 dashboard and of the phone however far down they scroll, and what the page scrolls to comes to rest below it', async () => {
    const teacher = await person(env.browser, DASHBOARD, { bypassCSP: true });
    const code = await openRoomFrom(env.classroom.url, teacher.page, LESSON);
    const phone = await person(env.browser, PHONE, { bypassCSP: true });
    await joinAs(env.classroom.url, phone.page, code, 'Ana');
    // Fork a branch at the live event: the room plays on it, and every screen's banner names it.
    await teacher.page.getByRole('button', { name: 'Replay and export' }).click();
    await teacher.page.getByLabel('Name of the branch').fill('What if B hears C');
    await teacher.page.getByRole('button', { name: /^Fork a what-if branch after event \d+$/ }).click();
    await expect.poll(() => teacher.page.getByTestId('branch-name').innerText()).toBe('What if B hears C');
    await expect.poll(() => phone.page.getByTestId('branch-name').innerText()).toBe('What if B hears C');

    for (const [who, page] of [['dashboard', teacher.page], ['phone', phone.page]] as const) {
      await page.evaluate('window.scrollTo(0, document.documentElement.scrollHeight)');
      await expect.poll(() => page.evaluate('window.scrollY > 600'), { message: `${who} scrolled far down` }).toBe(true);
      expect(await inViewport(page, 'timeline-banner'), `${who}: the banner in view at the bottom of the page`).toBe(true);
      expect((await box(page, 'timeline-banner')).top, `${who}: the banner at the top`).toBeLessThan(4);
      await viewportShot(page, `timeline-banner-${who}-scrolled`);
    }

    // Scrolled to from below, a control comes to rest under the banner, not hidden by it.
    const round = teacher.page.getByRole('button', { name: 'Start a new round' });
    await round.focus();
    const roundBox = (await round.boundingBox())!;
    expect(roundBox.y, 'the focused button below the banner').toBeGreaterThanOrEqual((await box(teacher.page, 'timeline-banner')).bottom);
    // The phone's "Skip to actions" link: the actions start below the banner.
    await phone.page.evaluate('window.scrollTo(0, document.documentElement.scrollHeight)');
    await phone.page.keyboard.press('Tab');
    await phone.page.getByRole('link', { name: 'Skip to actions' }).press('Enter');
    await expect.poll(async () => (await phone.page.locator('#actions').boundingBox())!.y, { message: 'the actions below the banner' }).toBeGreaterThanOrEqual((await box(phone.page, 'timeline-banner')).bottom);
    await viewportShot(phone.page, 'timeline-banner-phone-actions');
    expect(await seriousViolations(phone.page), 'the phone with its banner held at the top').toEqual([]);
    expect(await seriousViolations(teacher.page), 'the dashboard with its banner held at the top').toEqual([]);

    // Replaying the past: the replay bar across the top, and the banner held just below it, both in view.
    await teacher.page.getByRole('button', { name: 'Replay and export' }).click();
    await teacher.page.getByRole('button', { name: 'One event back' }).click();
    await teacher.page.getByTestId('replay-bar').waitFor();
    await teacher.page.evaluate('window.scrollTo(0, document.documentElement.scrollHeight)');
    expect(await inViewport(teacher.page, 'timeline-banner'), 'the banner in view while replaying').toBe(true);
    expect((await box(teacher.page, 'timeline-banner')).top, 'the banner below the replay bar').toBeGreaterThanOrEqual((await box(teacher.page, 'replay-bar')).bottom);
    await viewportShot(teacher.page, 'timeline-banner-dashboard-replaying');
    for (const p of [teacher, phone]) await p.context.close();
  });
});
