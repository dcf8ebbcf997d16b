/**
 * Switching timelines with a class, in Chromium: three phones that joined at different
 * moments keep a node on every timeline the class is shown, and every screen says at its
 * top which timeline it shows.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DESKTOP, inViewport, joinAs, joinProjector, person, PHONE, PROJECTOR, screenshot, seriousViolations, useClassroom } from './harness';

const env = useClassroom();

/** Five nodes, two proposers stealing each other's promises; then a fresh round, where the class joins. */
const DUEL = `title A five-node duel
nodes A B C D E
propose A Apple
promise A -> all
propose B Mango
promise B -> all
accept A -> all
propose A Apple
promise A -> all
round
`;

describe('a class switched between timelines', () => {
  it('three phones joined at different moments keep their node after every switch, see the timeline at their top, and each can propose, or says why it watches', async () => {
    const teacher = await person(env.browser, DESKTOP, { bypassCSP: true });
    await teacher.page.goto(env.classroom.url);
    await teacher.page.getByLabel('Or start it from a file').setInputFiles({ name: 'duel.paxos', mimeType: 'text/plain', buffer: Buffer.from(DUEL) });
    await teacher.page.waitForURL(/\/room\/[A-Z0-9]{6}$/);
    const code = teacher.page.url().split('/').pop()!;
    const projector = await person(env.browser, PROJECTOR, { bypassCSP: true });
    await joinProjector(env.classroom.url, projector.page, code);

    // Ivy joins before the fork point and proposes; Phoebe joins after it, on main.
    const [ivy, phoebe, quinn] = [await person(env.browser, PHONE), await person(env.browser, PHONE, { bypassCSP: true }), await person(env.browser, PHONE)];
    await joinAs(env.classroom.url, ivy.page, code, 'Ivy');
    await ivy.page.getByRole('button', { name: /^New proposal/ }).click();
    await expect.poll(() => ivy.page.getByTestId('log').innerText()).toContain('Ivy');
    await joinAs(env.classroom.url, phoebe.page, code, 'Phoebe');

    /**
     * Each phone on `timeline`: its node card, the banner in view without a scroll, and a new
     * proposal that goes through; or, for the names in `watching` (latecomers to that
     * timeline's round), a disabled proposal that says why and until when.
     */
    const everyPhoneActs = async (phones: { page: Page; name: string }[], timeline: string, round: string, watching: string[] = [], switched = true) => {
      for (const { page, name } of phones) {
        await expect.poll(() => page.getByTestId('branch-name').innerText(), { message: `${name}'s banner` }).toBe(timeline);
        if (switched) await expect.poll(() => inViewport(page, 'timeline-banner'), { message: `${name}'s banner in view` }).toBe(true);
        await page.getByRole('heading', { name: `My node: ${name}` }).waitFor();
        if (watching.includes(name)) {
          await expect.poll(() => page.getByRole('button', { name: /^New proposal/ }).isDisabled(), { message: `${name} watches on ${timeline}` }).toBe(true);
          await expect.poll(() => page.locator('#watch-note').innerText()).toMatch(new RegExp(`^${name} joined during round \\d+, after its first proposal: it watches this round and learns its outcome\\. It can propose when the instructor starts round \\d+\\.$`));
          continue;
        }
        const value = `${name} ${round}`;
        await page.getByLabel('Value', { exact: true }).fill(value);
        await page.getByRole('button', { name: /^New proposal/ }).click();
        await expect.poll(() => page.getByTestId('log').innerText(), { message: `${name}'s proposal on ${timeline}` }).toContain(value);
        expect(await page.getByText('Refused:').count()).toBe(0);
      }
    };

    // Fork after Ivy's proposal: Phoebe joined after that moment, so her node joins the branch.
    await teacher.page.getByRole('button', { name: 'Replay and export' }).click();
    const moments = teacher.page.getByLabel('Jump to a moment');
    const ivyMoment = async () => (await moments.locator('option').allTextContents()).find((t) => /^\d+: Ivy proposes/.test(t));
    await expect.poll(ivyMoment).toBeDefined();
    const ivyProposes = (await ivyMoment())!;
    const forkSeq = Number(ivyProposes.split(':')[0]);
    await moments.selectOption({ label: ivyProposes });
    const branchName = 'What if C hears A first';
    await teacher.page.getByLabel('Name of the branch').fill(branchName);
    await teacher.page.getByRole('button', { name: `Fork a what-if branch after event ${forkSeq}` }).click();
    await expect.poll(() => phoebe.page.getByTestId('timeline-note').innerText()).toBe(
      `The instructor switched to the timeline “${branchName}” (forked at event ${forkSeq}). You joined after that moment, so your node Phoebe joins this timeline now as a new node: it can propose now, and becomes an acceptor when the next round starts.`,
    );
    expect(await ivy.page.getByTestId('timeline-note').count()).toBe(0);
    await expect.poll(() => phoebe.page.getByTestId('timeline-banner').innerText()).toContain(`Timeline: ${branchName} (from event ${forkSeq}) — switched by the instructor`);
    await screenshot(phoebe.page, 'timelines-phone-carried');
    expect(await seriousViolations(phoebe.page), 'the phone told its node joined the branch').toEqual([]);
    await everyPhoneActs([{ page: ivy.page, name: 'Ivy' }, { page: phoebe.page, name: 'Phoebe' }], branchName, 'b1');

    // Quinn joins on the branch; back to main, where Quinn's node joins.
    await joinAs(env.classroom.url, quinn.page, code, 'Quinn');
    const phones = [{ page: ivy.page, name: 'Ivy' }, { page: phoebe.page, name: 'Phoebe' }, { page: quinn.page, name: 'Quinn' }];
    const switchTo = async (name: string) => {
      await teacher.page.getByRole('button', { name: 'Replay and export' }).click();
      const row = teacher.page.getByRole('region', { name: 'Timelines' }).getByRole('listitem').filter({ hasText: name });
      await row.getByRole('button', { name: 'Switch to it' }).click();
    };
    await switchTo('main');
    await expect.poll(() => quinn.page.getByTestId('timeline-note').innerText()).toMatch(
      /^The instructor switched to the timeline “main”\. You joined on “What if C hears A first”, not on this one, so your node Quinn joins this timeline now as a new node/,
    );
    await expect.poll(() => teacher.page.getByTestId('timeline-banner').innerText()).toBe('Timeline: main (the original)');
    await expect.poll(() => projector.page.getByTestId('timeline-banner').innerText()).toBe('Timeline: main (the original) — switched by the instructor');
    expect(await inViewport(projector.page, 'timeline-banner'), 'the projector banner in view').toBe(true);
    await screenshot(quinn.page, 'timelines-phone-main');
    // Phoebe joined main in the middle of its round: she watches there.
    await everyPhoneActs(phones, 'main', 'm1', ['Phoebe']);

    // To the branch and back again: everyone is on both already. Quinn joined the branch as a
    // latecomer, in the middle of its round: there Quinn watches until the next round, and the
    // phone says so where the proposal would be.
    await switchTo(branchName);
    await everyPhoneActs(phones, branchName, 'b2', ['Quinn']);
    // A new round on the branch: every node takes part.
    await teacher.page.getByRole('button', { name: 'Start a new round' }).click();
    await everyPhoneActs(phones, branchName, 'b3', [], false);
    expect(await teacher.page.getByTestId('timeline-banner').innerText()).toBe(`Timeline: ${branchName} (from event ${forkSeq})`);
    // The instructor switched from the Timelines list, which says "playing" where they look; the banner heads the dashboard.
    await teacher.page.evaluate('window.scrollTo(0, 0)');
    expect(await inViewport(teacher.page, 'timeline-banner'), 'the dashboard banner in view').toBe(true);
    await expect.poll(() => projector.page.getByTestId('branch-name').innerText()).toBe(branchName);
    expect(await inViewport(projector.page, 'timeline-banner'), 'the projector banner in view').toBe(true);
    await screenshot(projector.page, 'timelines-projector-1080p');
    expect(await seriousViolations(projector.page), 'the projector on a branch').toEqual([]);
    await screenshot(teacher.page, 'timelines-dashboard');
    expect(await seriousViolations(teacher.page), 'the dashboard on a branch').toEqual([]);
    await switchTo('main');
    await everyPhoneActs(phones, 'main', 'm2', ['Phoebe']);
    for (const p of [teacher, projector, ivy, phoebe, quinn]) await p.context.close();
  });
});
