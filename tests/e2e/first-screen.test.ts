/**
 * What a screen shows before anyone scrolls. The instructor's dashboard on a laptop (1366x768
 * and 1280x720) shows the ring, with its badges, and the network's delivery; on a projector at
 * 1920x1080 the same, in text the back row reads; on a phone, one part at a time. A student's
 * phone whose own program does not run on its page shows the banner with both its buttons, and
 * the inbox's first request below it. Other students and the instructor's commands are real
 * socket.io clients; the pages are real Chromium reaching the server as classroom.test.
 */
import { describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { DASHBOARD, joinAs, openRoom, person, PHONE, PROJECTOR, seriousViolations, useClassroom, viewportShot } from './harness';
import { TestClient } from '../integration/harness';

const env = useClassroom();

/** A laptop smaller than the dashboard's usual one. */
const SMALL_LAPTOP = { width: 1280, height: 720 } as const;
/** The size of a finger's tap that WCAG 2.5.5 and the platforms' guides ask for, in CSS px. */
const TOUCH_PX_MIN = 44;

/** Whether the whole of a visible element lies inside the viewport, as the page is scrolled now. */
async function wholeInView(page: Page, target: Locator): Promise<boolean> {
  const box = await target.boundingBox();
  const size = page.viewportSize()!;
  return box !== null && box.width > 0 && box.x >= 0 && box.y >= 0 && box.x + box.width <= size.width && box.y + box.height <= size.height;
}

/** The computed font size of the first element `selector` finds, in px. Runs in the page, written as a string (no DOM types here). */
async function fontPx(page: Page, selector: string): Promise<number> {
  return (await page.evaluate(`parseFloat(getComputedStyle(document.querySelector(${JSON.stringify(selector)})).fontSize)`)) as number;
}

/** The page's session token for room `code`, for a socket.io client to act as that page's person. */
async function tokenOf(page: Page, code: string): Promise<string> {
  return (await page.evaluate(`localStorage.getItem('toy-paxos:token:${code}')`)) as string;
}

describe("the dashboard's first screen", () => {
  it('shows the ring with its badges and the delivery controls at 1366x768, 1280x720 and 1920x1080, and one part at a time on a phone', async () => {
    // bypassCSP: only so that axe's script can be put on the page.
    const dashboard = await person(env.browser, DASHBOARD, { bypassCSP: true });
    const teacher = new TestClient(env.classroom.localUrl);
    const students = ['Ana', 'Bo', 'Cy'].map(() => new TestClient(env.classroom.localUrl));
    try {
      const code = await openRoom(env.classroom.url, dashboard.page);
      // Before anyone joins, no empty drawing fills the screen: the room's code, its QR code and the projector's link are on the first screen.
      await dashboard.page.getByRole('link', { name: 'Open the projector view' }).waitFor();
      expect(await wholeInView(dashboard.page, dashboard.page.getByRole('region', { name: 'Lobby' }).locator('svg, img, canvas').first())).toBe(true);
      expect(await wholeInView(dashboard.page, dashboard.page.getByRole('link', { name: 'Open the projector view' }))).toBe(true);
      expect(await wholeInView(dashboard.page, dashboard.page.getByRole('region', { name: 'Lobby' }).getByText(code, { exact: true }))).toBe(true);
      await viewportShot(dashboard.page, 'dashboard-1366-empty');
      expect((await teacher.resume(await tokenOf(dashboard.page, code))).ok).toBe(true);
      for (const [i, name] of ['Ana', 'Bo', 'Cy'].entries()) expect((await students[i]!.join(code, name)).ok).toBe(true);
      expect((await teacher.emit('bot:add', { count: 2 })).ok).toBe(true);
      expect((await teacher.emit('room:settings', { settings: { delivery: 'queued' } })).ok).toBe(true);
      // Ana's page runs her own program; Bo asks everyone for a promise, and the requests wait in flight.
      expect((await students[0]!.emit('node:program', { status: 'running' })).ok).toBe(true);
      expect((await students[1]!.emit('node:propose', { value: 'Apple' })).ok).toBe(true);
      expect((await students[1]!.emit('node:promise', { to: 'all' })).ok).toBe(true);

      const page = dashboard.page;
      const ring = page.getByRole('region', { name: 'Ring' });
      const badge = ring.getByTestId('own-program-badge');
      const deliverAll = page.getByRole('region', { name: 'Network' }).getByRole('button', { name: /^Deliver all \(\d+\)$/ });
      await expect.poll(() => badge.isVisible()).toBe(true);
      await expect.poll(() => deliverAll.isVisible()).toBe(true);

      for (const [size, name] of [[DASHBOARD, 'dashboard-1366'], [SMALL_LAPTOP, 'dashboard-1280'], [PROJECTOR, 'dashboard-1920']] as const) {
        await page.setViewportSize(size);
        await page.evaluate('window.scrollTo(0, 0)');
        // The ring follows the new width through a ResizeObserver: wait until its drawing fits the screen.
        await expect.poll(() => wholeInView(page, ring.locator('.stage')), { message: `the ring's drawing at ${name}` }).toBe(true);
        expect(await wholeInView(page, badge), `the own-code badge at ${name}`).toBe(true);
        // In the network's list of nodes, Ana's badge sits clear of her Crash button.
        const ana = page.getByRole('region', { name: 'Nodes' }).getByRole('listitem').filter({ hasText: 'Ana' });
        const [tag, crash] = [(await ana.getByText('own code', { exact: true }).boundingBox())!, (await ana.getByRole('button', { name: 'Crash' }).boundingBox())!];
        const apart = tag.x + tag.width <= crash.x || crash.x + crash.width <= tag.x || tag.y + tag.height <= crash.y || crash.y + crash.height <= tag.y;
        expect(apart, `the badge beside Crash at ${name}: ${JSON.stringify({ tag, crash })}`).toBe(true);
        expect(await wholeInView(page, deliverAll), `Deliver all at ${name}`).toBe(true);
        expect(await wholeInView(page, page.getByRole('heading', { name: /^Messages in flight/ })), `the messages in flight at ${name}`).toBe(true);
        await viewportShot(page, name);
      }
      // From the back of a room: the ring's names and the controls' words are larger than a laptop's.
      expect(await fontPx(page, '.ring .labels .label')).toBeGreaterThanOrEqual(24);
      expect(await fontPx(page, '[aria-label="Network"] button')).toBeGreaterThanOrEqual(20);
      expect(await seriousViolations(page)).toEqual([]);

      // A phone: one part at a time, the ring first, whole on its screen; the network's delivery next, before the rest.
      await page.setViewportSize(PHONE);
      await page.evaluate('window.scrollTo(0, 0)');
      await expect.poll(() => wholeInView(page, ring.locator('.stage'))).toBe(true);
      const ringBox = (await ring.boundingBox())!;
      expect(ringBox.height).toBeLessThanOrEqual(PHONE.height);
      const network = (await page.getByRole('region', { name: 'Network' }).boundingBox())!;
      const lobby = (await page.getByRole('region', { name: 'Lobby' }).boundingBox())!;
      expect(network.y).toBeGreaterThan(ringBox.y + ringBox.height);
      expect(network.y).toBeLessThan(lobby.y);
      await viewportShot(page, 'dashboard-phone');
      expect(await seriousViolations(page)).toEqual([]);
    } finally {
      for (const c of [teacher, ...students]) c.close();
      await dashboard.context.close();
    }
  });
});

describe("a student's phone when its own program does not run on this page", () => {
  it('shows the banner with both buttons a finger can tap, and the first request of the inbox, on the first screen', async () => {
    // bypassCSP: only so that axe's script can be put on the page.
    const ana = await person(env.browser, PHONE, { bypassCSP: true });
    const opener = await person(env.browser, DASHBOARD);
    const teacher = new TestClient(env.classroom.localUrl);
    const anaTab = new TestClient(env.classroom.localUrl);
    const bo = new TestClient(env.classroom.localUrl);
    try {
      const code = await openRoom(env.classroom.url, opener.page);
      expect((await teacher.resume(await tokenOf(opener.page, code))).ok).toBe(true);
      expect((await teacher.emit('room:settings', { settings: { acceptorMode: 'students' } })).ok).toBe(true);
      expect((await bo.join(code, 'Bo')).ok).toBe(true);
      await joinAs(env.classroom.url, ana.page, code, 'Ana');
      // Another tab of Ana's, since closed, ran her program: the room shows it running, this page runs none.
      expect((await anaTab.resume(await tokenOf(ana.page, code))).ok).toBe(true);
      expect((await anaTab.emit('node:program', { status: 'running' })).ok).toBe(true);
      anaTab.close();
      expect((await bo.emit('node:propose', { value: 'Apple' })).ok).toBe(true);
      expect((await bo.emit('node:promise', { to: 'all' })).ok).toBe(true);

      const page = ana.page;
      const banner = page.getByTestId('program-banner');
      const first = page.getByRole('region', { name: 'Inbox' }).getByRole('listitem').first();
      await expect.poll(() => first.isVisible()).toBe(true);
      await expect.poll(() => banner.isVisible()).toBe(true);
      await page.evaluate('window.scrollTo(0, 0)');
      await viewportShot(page, 'program-banner-phone');

      for (const name of ['Run it again here', 'Answer by hand']) {
        const button = banner.getByRole('button', { name });
        expect(await wholeInView(page, button), name).toBe(true);
        const box = (await button.boundingBox())!;
        expect(Math.min(box.width, box.height), `${name}: its smaller side`).toBeGreaterThanOrEqual(TOUCH_PX_MIN);
      }
      // The request itself and its two answers, below the banner, before any scroll.
      expect(await wholeInView(page, first.getByText('Bo asks you to promise 1.Bo.'))).toBe(true);
      expect(await wholeInView(page, first.getByRole('button', { name: 'Promise 1.Bo to Bo', exact: true }))).toBe(true);
      expect(await seriousViolations(page)).toEqual([]);
    } finally {
      for (const c of [teacher, bo]) c.close();
      for (const p of [ana, opener]) await p.context.close();
    }
  });
});
