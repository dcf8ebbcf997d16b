/**
 * A room opened from a file, in Chromium: its title heads the instructor's dashboard, the
 * projector and a student's phone (one line on the phone, the whole of it on demand), and
 * the exports.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DASHBOARD, elementBox as box, inViewport, joinAs, joinProjector, openRoomFrom, person, PHONE, PROJECTOR, seriousViolations, useClassroom, viewportShot } from './harness';

const env = useClassroom();

/** Longer than a phone's line, and than the projector's header leaves it. */
const TITLE = 'Value adoption: a later proposer carries the earlier value, even when the acceptors it hears from accepted it in an older ballot than their promise';

const LESSON = `title ${TITLE}
nodes A B C
propose A Apple
promise A -> all
accept A -> A B
`;

describe("a room opened from a file shows the file's title", () => {
  it('at the top of the dashboard, the projector and the phone, one line on the phone with the whole of it on demand, and in the exports', async () => {
    const teacher = await person(env.browser, DASHBOARD, { bypassCSP: true });
    const code = await openRoomFrom(env.classroom.url, teacher.page, LESSON);
    const projector = await person(env.browser, PROJECTOR, { bypassCSP: true });
    await joinProjector(env.classroom.url, projector.page, code);
    const phone = await person(env.browser, PHONE, { bypassCSP: true });
    await joinAs(env.classroom.url, phone.page, code, 'Ana');

    for (const [who, page] of [['dashboard', teacher.page], ['projector', projector.page], ['phone', phone.page]] as const) {
      await expect.poll(() => page.getByTestId('room-title').locator('span').textContent(), { message: `${who}'s title` }).toBe(TITLE);
      expect(await inViewport(page, 'room-title'), `${who}: the title in view at the top`).toBe(true);
      // One line: the title is cut short with an ellipsis, never wrapped onto more lines.
      expect((await box(page, 'room-title')).height, `${who}: the title on one line`).toBeLessThan(60);
      await viewportShot(page, `room-title-${who}`);
      expect(await seriousViolations(page), `${who} with a title`).toEqual([]);
    }

    // The phone: the title takes one short line, and the safety banner and the node card's heading are still in the first view.
    expect((await box(phone.page, 'room-title')).height, 'the title on one short line').toBeLessThan(40);
    expect(await inViewport(phone.page, 'safety'), 'the safety banner in the first view').toBe(true);
    const node = (await phone.page.getByRole('heading', { name: 'My node: Ana' }).boundingBox())!;
    expect(node.y + node.height, 'the node card in the first view').toBeLessThanOrEqual(PHONE.height / 2);
    // The whole title, on demand.
    const more = phone.page.getByTestId('room-title').getByRole('button', { name: 'Show all' });
    await more.click();
    expect(await phone.page.getByTestId('room-title').getByRole('button', { name: 'Show less' }).getAttribute('aria-expanded')).toBe('true');
    type Shown = { scrollWidth: number; clientWidth: number; getBoundingClientRect(): { height: number } };
    const whole = await phone.page.getByTestId('room-title').locator('span').evaluate((el: Shown) => ({ cut: el.scrollWidth > el.clientWidth, height: el.getBoundingClientRect().height }));
    expect(whole.cut, 'the whole title shows').toBe(false);
    expect(whole.height).toBeGreaterThan(40);
    await viewportShot(phone.page, 'room-title-phone-whole');

    // The projector fills its screen without a scroll, the title's line included.
    expect(await projector.page.evaluate('document.documentElement.scrollHeight <= window.innerHeight')).toBe(true);

    // The exports carry the title: the session file's, the Markdown's heading.
    await teacher.page.getByRole('button', { name: 'Replay and export' }).click();
    const exports = teacher.page.getByRole('group', { name: 'Export' });
    const [json] = await Promise.all([teacher.page.waitForEvent('download'), exports.getByRole('button', { name: 'JSON' }).click()]);
    expect((JSON.parse(readFileSync((await json.path())!, 'utf8')) as { title: string }).title).toBe(TITLE);
    const [md] = await Promise.all([teacher.page.waitForEvent('download'), exports.getByRole('button', { name: 'Markdown' }).click()]);
    expect(readFileSync((await md.path())!, 'utf8').split('\n')[0]).toBe(`# ${TITLE}`);
    for (const p of [teacher, projector, phone]) await p.context.close();
  });
});
