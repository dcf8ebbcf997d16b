/**
 * A Multi-Paxos room in Chromium: the instructor switches the room to Multi-Paxos, a
 * projector and three phones join, a student leads and the class sends it client commands,
 * the instructor crashes the leader, another student takes over and its phase 1 recovers
 * the half-accepted slot; every screen shows the grid of slots and each node's store.
 * Screenshots go to tests/e2e/screenshots/multi-*.png.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { joinAs, joinProjector, openRoom, person, PHONE, PROJECTOR, screenshot, seriousViolations, useClassroom } from './harness';

const env = useClassroom();

/** Once the messages just sent reach the instructor's page, it delivers every message that can arrive, round after round, until none is left. */
async function deliverEverything(teacher: Page): Promise<void> {
  const button = teacher.getByRole('button', { name: /^Deliver all \(\d+\)$/ });
  // The button shows only while messages are in flight; disabled while a command is on its way, or when none can arrive.
  const settled = async () => (await button.count()) === 0 || (await button.innerText()) === 'Deliver all (0)' || (await button.isEnabled());
  // Messages waiting for a crashed node keep the button on screen: wait for one that can arrive.
  await expect.poll(async () => (await button.count()) === 1 && (await button.innerText()) !== 'Deliver all (0)').toBe(true);
  for (let i = 0; i < 10; i++) {
    await expect.poll(settled).toBe(true);
    if ((await button.count()) === 0 || (await button.innerText()) === 'Deliver all (0)') return;
    await button.click();
    await teacher.waitForTimeout(150);
  }
  throw new Error('messages kept coming');
}

/** The grid on `page` shows `value` chosen in `slot`. */
async function expectChosen(page: Page, slot: number, value: string): Promise<void> {
  await expect.poll(() => page.getByTestId(`chosen-slot-${slot}`).innerText()).toBe(value);
}

describe('a Multi-Paxos room in the browser', () => {
  it('a student leads, the class submits, the leader crashes, another student takes over and recovers the slots', async () => {
    // Pages that let the test inject axe-core (see a11y.test.ts).
    const csp = { bypassCSP: true };
    const teacher = await person(env.browser, PROJECTOR, csp);
    const code = await openRoom(env.classroom.url, teacher.page);
    const t = teacher.page;
    await t.getByRole('combobox', { name: /^Protocol/ }).selectOption('multi');
    await expect.poll(() => t.getByTestId('slot-grid').isVisible()).toBe(true);
    await t.getByLabel('Delivery').selectOption('queued');
    // The acceptors' "students decide" mode is not offered in a Multi-Paxos room.
    expect(await t.getByRole('combobox', { name: /^Acceptors/ }).locator('option').allInnerTexts()).toEqual(['answer by the rules']);

    const projector = await person(env.browser, PROJECTOR, csp);
    await joinProjector(env.classroom.url, projector.page, code);
    const phones = await Promise.all(['Ana', 'Bo', 'Cy'].map(() => person(env.browser, PHONE, csp)));
    const [ana, bo, cy] = phones.map((p) => p.page) as [Page, Page, Page];
    for (const [page, name] of [[ana, 'Ana'], [bo, 'Bo'], [cy, 'Cy']] as const) await joinAs(env.classroom.url, page, code, name);
    // A bot plays a follower: the core answers for every acceptor.
    await t.getByRole('button', { name: 'Add bot' }).click();
    await expect.poll(() => t.getByText('4/4 online').isVisible().catch(() => false)).toBe(true);

    // Ana leads: phase 1 once, for every slot from slot 1 on.
    await ana.getByRole('button', { name: 'Lead', exact: true }).click();
    await expect.poll(() => ana.getByRole('button', { name: 'Promise request', exact: true }).isEnabled()).toBe(true);
    await ana.getByRole('button', { name: 'Promise request', exact: true }).click();
    await deliverEverything(t);
    await expect.poll(() => ana.getByTestId('leader-slots').innerText()).toContain('4 promises, 3 needed');
    // The settings lock the protocol once a node leads.
    expect(await t.getByRole('combobox', { name: /^Protocol/ }).isDisabled()).toBe(true);

    // Ana's client sends set x 3; the box checks the command as it is typed.
    await ana.getByLabel('Client command', { exact: true }).fill('set x');
    await expect.poll(() => ana.getByRole('button', { name: 'Send command' }).isDisabled()).toBe(true);
    await ana.getByLabel('Client command', { exact: true }).fill('set x 3');
    await ana.getByRole('button', { name: 'Send command' }).click();
    await expect.poll(() => ana.getByTestId('leader-slots').innerText()).toContain('slot 1: set x 3');
    await ana.getByRole('button', { name: 'Accept request', exact: true }).click();
    await deliverEverything(t);
    for (const page of [t, projector.page, ana, bo, cy]) {
      await expectChosen(page, 1, 'set x 3');
      for (const name of ['Ana', 'Bo', 'Cy', 'Bot 1']) await expect.poll(() => page.getByTestId(`store-${name}`).innerText()).toContain('x = 3');
    }
    await expect.poll(() => ana.getByTestId('cell-Bo-1').innerText()).toContain('run');
    await screenshot(ana, 'multi-leader-phone');
    await screenshot(projector.page, 'multi-projector-1080p');
    await screenshot(t, 'multi-instructor-1080p');

    // Cy is a client of the leader: set y 5 goes to Ana, whose accept request reaches Bo alone.
    expect(await cy.getByRole('combobox', { name: /^To(\s|$)/ }).inputValue()).toBe('n1');
    await cy.getByLabel('Client command', { exact: true }).fill('set y 5');
    await cy.getByRole('button', { name: 'Send command' }).click();
    await expect.poll(() => ana.getByTestId('leader-slots').innerText()).toContain('slot 2: set y 5');
    await ana.getByLabel('Send to').selectOption({ label: 'Bo' });
    await ana.getByRole('button', { name: 'Accept request', exact: true }).click();
    await deliverEverything(t);
    await expect.poll(() => t.getByTestId('cell-Bo-2').innerText()).toContain('accepted');
    // Accepted by Bo alone: nothing is chosen there, and the log of slots says the command is half-accepted.
    expect(await t.getByTestId('chosen-slot-2').innerText()).toBe('half-accepted');

    // The instructor crashes the leader; Bo takes over.
    await t.getByRole('region', { name: 'Nodes' }).getByRole('listitem').filter({ hasText: 'Ana' }).getByRole('button', { name: 'Crash' }).click();
    await expect.poll(() => bo.getByTestId('slot-grid').innerText()).toContain('crashed');
    await bo.getByRole('button', { name: 'Lead', exact: true }).click();
    await expect.poll(() => bo.getByRole('button', { name: 'Promise request', exact: true }).isEnabled()).toBe(true);
    await bo.getByRole('button', { name: 'Promise request', exact: true }).click();
    await deliverEverything(t);
    // Phase 1 recovers slot 2: a promiser reported set y 5 there, so Bo must re-propose it.
    await expect.poll(() => bo.getByTestId('leader-slots').innerText()).toContain('slot 2: set y 5 (reported by a promiser)');
    await screenshot(bo, 'multi-takeover-phone');

    // The instructor acts for the bot, a client of the new leader.
    await t.getByRole('combobox', { name: /Act for a node/ }).selectOption({ label: 'Bot 1' });
    const actFor = t.getByRole('region', { name: 'Act for a node' });
    expect(await actFor.getByRole('combobox', { name: /^To(\s|$)/ }).inputValue()).toBe('n2');
    await actFor.getByLabel('Client command', { exact: true }).fill('set z 7');
    await actFor.getByRole('button', { name: 'Send command' }).click();
    await expect.poll(() => bo.getByTestId('leader-slots').innerText()).toContain('slot 3: set z 7');
    await bo.getByRole('button', { name: 'Accept request', exact: true }).click();
    await deliverEverything(t);
    for (const page of [t, projector.page, bo, cy]) {
      await expectChosen(page, 2, 'set y 5');
      await expectChosen(page, 3, 'set z 7');
      for (const name of ['Bo', 'Cy', 'Bot 1']) await expect.poll(() => page.getByTestId(`store-${name}`).innerText()).toContain('x = 3, y = 5, z = 7');
      // Ana is down: she ran slot 1 only.
      expect(await page.getByTestId('store-Ana').innerText()).toContain('ran slot 1');
    }
    await expect.poll(() => projector.page.getByTestId('log').innerText()).toContain('it is chosen in slot 3');
    await screenshot(bo, 'multi-recovered-phone');
    await screenshot(cy, 'multi-client-phone');
    await screenshot(projector.page, 'multi-projector-recovered-1080p');
    await screenshot(t, 'multi-instructor-recovered-1080p');
    await projector.page.setViewportSize(PHONE);
    await screenshot(projector.page, 'multi-projector-phone');

    for (const [page, name] of [[bo, 'student'], [projector.page, 'projector'], [t, 'instructor']] as const) {
      expect.soft(await seriousViolations(page), name).toEqual([]);
    }
    for (const p of [teacher, projector, ...phones]) await p.context.close();
  });

  it('the solo sandbox plays Multi-Paxos too', async () => {
    const { context, page } = await person(env.browser, PHONE);
    await page.goto(`${env.classroom.url}/solo`);
    await page.getByRole('heading', { name: 'Solo sandbox' }).waitFor();
    await page.getByRole('combobox', { name: /^Protocol/ }).selectOption('multi');
    await page.getByRole('button', { name: 'Lead', exact: true }).click();
    await page.getByRole('button', { name: 'Promise request', exact: true }).click();
    await page.getByLabel('Client command', { exact: true }).fill('set x 3');
    await page.getByRole('button', { name: 'Send command' }).click();
    await page.getByRole('button', { name: 'Accept request', exact: true }).click();
    await expectChosen(page, 1, 'set x 3');
    await expect.poll(() => page.getByTestId('store-A').innerText()).toContain('x = 3');
    await screenshot(page, 'multi-solo-phone');
    await context.close();
  });
});
