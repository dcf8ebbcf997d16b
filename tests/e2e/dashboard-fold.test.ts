/**
 * The dashboard on a laptop however busy the room: with 5 to 8 nodes and up to 24 messages in
 * flight, the network's delivery and every node's Crash stay on the first screen at 1366x768 and
 * 1280x720, and opening the replay brings its controls into view with the focus on them. The
 * students and the instructor's commands are real socket.io clients; the page is real Chromium
 * reaching the server as classroom.test.
 */
import { describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { DASHBOARD, openRoom, person, seriousViolations, useClassroom, viewportShot } from './harness';
import { TestClient } from '../integration/harness';

const env = useClassroom();

const SMALL_LAPTOP = { width: 1280, height: 720 } as const;
const NAMES = ['Ana', 'Bo', 'Cy', 'Di', 'Ed', 'Flo', 'Gus', 'Hal'];

/** Whether the whole of a visible element lies inside the viewport, as the page is scrolled now. */
async function wholeInView(page: Page, target: Locator): Promise<boolean> {
  const box = await target.boundingBox();
  const size = page.viewportSize()!;
  return box !== null && box.width > 0 && box.x >= 0 && box.y >= 0 && box.x + box.width <= size.width && box.y + box.height <= size.height;
}

/** Whether an element is either whole on the screen or wholly below its bottom edge: never cut by it. */
async function notCut(page: Page, target: Locator): Promise<boolean> {
  const box = (await target.boundingBox())!;
  return (await wholeInView(page, target)) || box.y >= page.viewportSize()!.height;
}

/**
 * Runs `body` on a dashboard at 1366x768 whose room has `nodes` students and queued delivery, the
 * students and the page's instructor acting through socket.io clients.
 */
async function withBusyRoom(nodes: number, body: (page: Page, students: TestClient[]) => Promise<void>): Promise<void> {
  // bypassCSP: only so that axe's script can be put on the page.
  const dashboard = await person(env.browser, DASHBOARD, { bypassCSP: true });
  const teacher = new TestClient(env.classroom.localUrl);
  const students = NAMES.slice(0, nodes).map(() => new TestClient(env.classroom.localUrl));
  try {
    const code = await openRoom(env.classroom.url, dashboard.page);
    const token = (await dashboard.page.evaluate(`localStorage.getItem('toy-paxos:token:${code}')`)) as string;
    expect((await teacher.resume(token)).ok).toBe(true);
    for (const [i, s] of students.entries()) expect((await s.join(code, NAMES[i]!)).ok).toBe(true);
    expect((await teacher.emit('room:settings', { settings: { delivery: 'queued' } })).ok).toBe(true);
    await body(dashboard.page, students);
  } finally {
    for (const c of [teacher, ...students]) c.close();
    await dashboard.context.close();
  }
}

/** Student `i` proposes and asks everyone for a promise: one request per node waits in flight. */
async function promiseToAll(students: TestClient[], i: number): Promise<void> {
  expect((await students[i]!.emit('node:propose', { value: 'Apple' })).ok).toBe(true);
  expect((await students[i]!.emit('node:promise', { to: 'all' })).ok).toBe(true);
}

/** Every control the instructor needs at once is on the first screen at both laptop sizes, and "Replay and export" is never cut. */
async function checkFirstScreen(page: Page, nodes: number, messages: number): Promise<void> {
  const network = page.getByRole('region', { name: 'Network' });
  const deliverAll = network.getByRole('button', { name: `Deliver all (${messages})` });
  await expect.poll(() => deliverAll.isVisible()).toBe(true);
  const first = network.getByTestId('in-flight').getByRole('listitem').first();
  for (const [size, name] of [[DASHBOARD, '1366'], [SMALL_LAPTOP, '1280']] as const) {
    await page.setViewportSize(size);
    await page.evaluate('window.scrollTo(0, 0)');
    const at = `${nodes} nodes, ${messages} messages, ${name}`;
    expect(await wholeInView(page, deliverAll), `Deliver all at ${at}`).toBe(true);
    expect(await wholeInView(page, network.getByRole('heading', { name: `Messages in flight (${messages})` })), `the count at ${at}`).toBe(true);
    for (const button of ['Deliver', 'Drop', 'Duplicate']) {
      expect(await wholeInView(page, first.getByRole('button', { name: button, exact: true })), `the first message's ${button} at ${at}`).toBe(true);
    }
    const crash = network.getByRole('region', { name: 'Nodes' }).getByRole('button', { name: 'Crash' });
    expect(await crash.count()).toBe(nodes);
    for (let i = 0; i < nodes; i++) expect(await wholeInView(page, crash.nth(i)), `Crash ${i + 1} at ${at}`).toBe(true);
    expect(await notCut(page, page.getByRole('button', { name: 'Replay and export' })), `Replay and export at ${at}`).toBe(true);
    await viewportShot(page, `dashboard-busy-${nodes}-${messages}-${name}`);
  }
}

describe('the dashboard of a busy room on a laptop', () => {
  it('keeps Deliver all, the first messages and every Crash on the first screen with 5 nodes and 5 messages', () =>
    withBusyRoom(5, async (page, students) => {
      await promiseToAll(students, 1);
      await checkFirstScreen(page, 5, 5);
      // The list keeps its order, the oldest first.
      const items = page.getByTestId('in-flight').getByRole('listitem');
      expect(await items.first().innerText()).toContain('#1 ');
      expect(await items.last().innerText()).toContain('#5 ');
      expect(await seriousViolations(page)).toEqual([]);
    }));

  it('keeps them there with 8 nodes and 24 messages, the list scrolling inside its box to its last message', () =>
    withBusyRoom(8, async (page, students) => {
      for (const i of [1, 2, 3]) await promiseToAll(students, i);
      await checkFirstScreen(page, 8, 24);
      // The last message is reached by scrolling the list, not the page.
      const last = page.getByTestId('in-flight').getByRole('listitem').last();
      expect(await last.innerText()).toContain('#24 ');
      await last.getByRole('button', { name: 'Deliver', exact: true }).scrollIntoViewIfNeeded();
      expect(await page.evaluate('window.scrollY')).toBe(0);
      expect(await wholeInView(page, last.getByRole('button', { name: 'Deliver', exact: true }))).toBe(true);
      expect(await seriousViolations(page)).toEqual([]);
    }));
});

describe('opening the replay on the dashboard', () => {
  it('brings the Replay panel and its controls into view and moves the focus to it', () =>
    withBusyRoom(5, async (page, students) => {
      await promiseToAll(students, 1);
      await page.getByRole('region', { name: 'Network' }).getByRole('button', { name: 'Deliver all (5)' }).waitFor();
      await page.evaluate('window.scrollTo(0, 0)');
      await page.getByRole('button', { name: 'Replay and export' }).click();
      const panel = page.getByRole('region', { name: 'Replay' });
      await panel.waitFor();
      await expect.poll(() => wholeInView(page, panel.getByRole('heading', { name: 'Replay', exact: true }))).toBe(true);
      for (const name of ['One event back', 'Play', 'One event forward', 'Present this moment to everyone']) {
        expect(await wholeInView(page, panel.getByRole('button', { name, exact: true })), name).toBe(true);
      }
      expect(await wholeInView(page, panel.getByLabel('Jump to a moment'))).toBe(true);
      expect(await page.evaluate(`document.activeElement?.getAttribute('aria-label')`)).toBe('Replay');
      // The keyboard goes on from the panel into its controls.
      await page.keyboard.press('Tab');
      expect(await page.evaluate(`document.activeElement?.closest('[aria-label="Replay"]') !== null`)).toBe(true);
      await viewportShot(page, 'dashboard-replay-opened-1366');
      expect(await seriousViolations(page)).toEqual([]);
    }));
});
