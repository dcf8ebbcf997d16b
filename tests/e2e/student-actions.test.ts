/**
 * The student's actions on a phone: each press sends one command, even when the server has
 * answered the first tap of a double tap before its second lands, or Enter is pressed twice;
 * and a proposal with no value is deliberate, named on its button. The instructor's records
 * come through a real socket.io client of the dashboard's session.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DASHBOARD, joinAs, openRoom, person, PHONE, screenshot, seriousViolations, useClassroom } from './harness';
import { TestClient } from '../integration/harness';

const env = useClassroom();

/** An instructor's room (through the dashboard), a client of the same session that reads its records, and Kay's phone. */
async function kayInRoom() {
  const dashboard = await person(env.browser, DASHBOARD);
  const code = await openRoom(env.classroom.url, dashboard.page);
  const token = (await dashboard.page.evaluate(`localStorage.getItem('toy-paxos:token:${code}')`)) as string;
  const teacher = new TestClient(env.classroom.localUrl);
  expect((await teacher.resume(token)).ok).toBe(true);
  // bypassCSP: only so that axe's script can be put on the page.
  const kay = await person(env.browser, PHONE, { bypassCSP: true });
  await joinAs(env.classroom.url, kay.page, code, 'Kay');
  const close = async () => {
    teacher.close();
    for (const p of [kay, dashboard]) await p.context.close();
  };
  return { teacher, page: kay.page, close };
}

/** The values of the proposals the room's records show started, in order (null: none). */
const proposals = (teacher: TestClient) => teacher.records.flatMap((r) => (r.event.type === 'proposalStarted' ? [r.event.value] : []));

/** Waits until the room holds `count` proposals and the page has its answer (no action on its way). */
async function answered(teacher: TestClient, page: Page, count: number): Promise<void> {
  await teacher.until(() => proposals(teacher).length === count, `proposal ${count}`);
  await expect.poll(() => page.getByText('Sending…').count()).toBe(0);
}

/** The same finger a moment after a tap, on the button where it is now: the browser counts it as the second click of a double tap. */
async function secondTap(page: Page, name: string): Promise<void> {
  const box = (await page.getByRole('button', { name, exact: true }).boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down({ clickCount: 2 });
  await page.mouse.up({ clickCount: 2 });
}

describe('the student page: one command per press', () => {
  it('the second tap of a double tap on New proposal, after the server answered the first, starts no second ballot', async () => {
    const { teacher, page, close } = await kayInRoom();
    try {
      await page.getByLabel('Value').fill('Apple');
      await page.getByRole('button', { name: 'New proposal', exact: true }).click();
      await answered(teacher, page, 1);
      await secondTap(page, 'New proposal');
      // A deliberate proposal after it: once it is in, the second tap has had its chance.
      await page.getByLabel('Value').fill('Mango');
      await page.getByRole('button', { name: 'New proposal', exact: true }).click();
      await answered(teacher, page, 2);
      expect(proposals(teacher)).toEqual(['Apple', 'Mango']);
    } finally {
      await close();
    }
  });

  it('the second tap of a double tap on Promise request sends no second round of requests', async () => {
    const { teacher, page, close } = await kayInRoom();
    try {
      const kinds = () => teacher.records.flatMap((r) => (r.event.type === 'exchanged' ? [r.event.request.kind] : []));
      await page.getByLabel('Value').fill('Apple');
      await page.getByRole('button', { name: 'New proposal', exact: true }).click();
      await answered(teacher, page, 1);
      const promise = page.getByRole('button', { name: 'Promise request', exact: true });
      await promise.click();
      await teacher.until(() => kinds().length === 1, 'the promise request answered');
      await expect.poll(() => page.getByText('Sending…').count()).toBe(0);
      await secondTap(page, 'Promise request');
      // A deliberate accept request after it: once it is answered, the second tap has had its chance.
      await page.getByRole('button', { name: 'Accept request', exact: true }).click();
      await teacher.until(() => kinds().includes('accept'), 'the accept request answered');
      expect(kinds()).toEqual(['prepare', 'accept']);
    } finally {
      await close();
    }
  });

  it('Enter pressed twice in the Value field starts one proposal', async () => {
    const { teacher, page, close } = await kayInRoom();
    try {
      await page.getByLabel('Value').fill('Apple');
      await page.getByLabel('Value').press('Enter');
      await answered(teacher, page, 1);
      await page.getByLabel('Value').press('Enter');
      await page.getByLabel('Value').fill('Mango');
      await page.getByLabel('Value').press('Enter');
      await answered(teacher, page, 2);
      expect(proposals(teacher)).toEqual(['Apple', 'Mango']);
    } finally {
      await close();
    }
  });
});

describe('the student page: a proposal without a value is deliberate', () => {
  it('with the field empty, the button says what it proposes, is not the main action, and Enter starts nothing', async () => {
    const { teacher, page, close } = await kayInRoom();
    try {
      const field = page.getByLabel('Value');
      const none = page.getByRole('button', { name: 'New proposal, no value', exact: true });
      expect((await none.getAttribute('class')) ?? '').not.toContain('primary');
      await screenshot(page, 'student-empty-value');
      expect(await seriousViolations(page)).toEqual([]);
      // Enter in the empty field: nothing starts.
      await field.press('Enter');
      // A value typed: the button is the main action again, and Enter proposes it.
      await field.fill('Apple');
      const propose = page.getByRole('button', { name: 'New proposal', exact: true });
      expect(await propose.getAttribute('class')).toContain('primary');
      await field.press('Enter');
      await answered(teacher, page, 1);
      // The field emptied: the button says the node keeps the value it wanted, and does so when pressed.
      await field.fill('');
      const keep = page.getByRole('button', { name: 'New proposal, keep Apple', exact: true });
      await keep.waitFor();
      await field.press('Enter');
      await screenshot(page, 'student-empty-value-keeps');
      expect(await seriousViolations(page)).toEqual([]);
      // From the keyboard: Tab from the field reaches the button, and Space presses it.
      await field.focus();
      await page.keyboard.press('Tab');
      expect(await keep.evaluate((b) => b === b.ownerDocument.activeElement)).toBe(true);
      await page.keyboard.press('Space');
      await answered(teacher, page, 2);
      expect(proposals(teacher)).toEqual(['Apple', 'Apple']);
    } finally {
      await close();
    }
  });
});

describe('the student page: offline', () => {
  it('the action buttons are disabled, and no aria-disabled says otherwise', async () => {
    const { page, close } = await kayInRoom();
    // A proposal first: the requests are then enabled while online.
    await page.getByLabel('Value', { exact: true }).fill('Fig');
    await page.getByRole('button', { name: /^New proposal/ }).click();
    const actions = page.getByRole('region', { name: 'Actions' });
    await expect.poll(() => actions.getByRole('button', { name: 'Promise request', exact: true }).isEnabled()).toBe(true);
    // The network goes, and the socket with it: the page cannot reconnect.
    await page.context().setOffline(true);
    env.classroom.app.io.disconnectSockets();
    await expect.poll(() => actions.getByText('Waiting for the connection to come back…').isVisible()).toBe(true);
    const buttons = (await actions.getByRole('button').evaluateAll((els: { disabled: boolean; textContent: string | null; getAttribute(n: string): string | null }[]) =>
      els.map((b) => ({ name: (b.textContent ?? '').trim(), disabled: b.disabled, aria: b.getAttribute('aria-disabled') })),
    )) as { name: string; disabled: boolean; aria: string | null }[];
    expect(buttons.map((b) => b.name)).toEqual(expect.arrayContaining(['Promise request', 'Accept request']));
    for (const b of buttons.filter((x) => x.disabled)) expect(b.aria, `${b.name}: disabled, and aria-disabled agrees`).not.toBe('false');
    expect(buttons.filter((b) => ['Promise request', 'Accept request'].includes(b.name)).every((b) => b.disabled)).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'student-offline-phone');
    await page.context().setOffline(false);
    await close();
  });
});
