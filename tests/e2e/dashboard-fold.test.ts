/**
 * The dashboard on a laptop however busy the room: with 5 to 8 nodes and up to 24 messages in
 * flight, the network's delivery, every node's Crash and the Links controls stay on the first
 * screen at 1366x768 and 1280x720; so do an open question's count and its Reveal while the class
 * answers; "Ask the class" offers no question about a step a crashed node or a cut link holds up,
 * and says why; and opening the replay brings its controls into view with the focus on them. The
 * students and the instructor's commands are real socket.io clients; the page is real Chromium
 * reaching the server as classroom.test.
 */
import { describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { DASHBOARD, openRoom, person, PHONE, seriousViolations, useClassroom, viewportShot } from './harness';
import { TestClient } from '../integration/harness';

const env = useClassroom();

const SMALL_LAPTOP = { width: 1280, height: 720 } as const;
const NAMES = ['Ana', 'Bo', 'Cy', 'Di', 'Ed', 'Flo', 'Gus', 'Hal'];

/** Whether the whole of a visible element lies inside the viewport, as the page is scrolled now. */
async function wholeInView(page: Page, target: Locator): Promise<boolean> {
  const box = await target.boundingBox();
  const size = page.viewportSize()!;
  // Half a pixel either way: a box scrolled to the top edge can sit a fraction of a pixel past it.
  return box !== null && box.width > 0 && box.x >= -0.5 && box.y >= -0.5 && box.x + box.width <= size.width + 0.5 && box.y + box.height <= size.height + 0.5;
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
async function withBusyRoom(nodes: number, body: (page: Page, students: TestClient[], teacher: TestClient) => Promise<void>): Promise<void> {
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
    await body(dashboard.page, students, teacher);
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

/**
 * Every control the instructor needs at once is on the first screen at both laptop sizes, and
 * "Replay and export" is never cut; `also` checks more at each size, `shot` names the screenshots.
 */
async function checkFirstScreen(page: Page, nodes: number, messages: number, also?: (at: string) => Promise<void>, shot = 'dashboard-busy'): Promise<void> {
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
    // Cutting and healing links, and splitting the room, without a scroll.
    const links = network.getByRole('region', { name: 'Links' });
    for (const control of [links.getByLabel('From'), links.getByLabel('To'), links.getByRole('button', { name: 'Cut link' }), links.getByRole('button', { name: 'Split in two at random' }), links.getByText('Choose the two sides of a partition')]) {
      expect(await wholeInView(page, control), `${await control.innerText().catch(() => '')} (Links) at ${at}`).toBe(true);
    }
    expect(await notCut(page, page.getByRole('button', { name: 'Replay and export' })), `Replay and export at ${at}`).toBe(true);
    await also?.(at);
    await viewportShot(page, `${shot}-${nodes}-${messages}-${name}`);
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

      // A link cut from the Links controls: its line and Heal all links join them on the first screen.
      await page.evaluate('window.scrollTo(0, 0)');
      const network = page.getByRole('region', { name: 'Network' });
      const links = network.getByRole('region', { name: 'Links' });
      await links.getByLabel('From').selectOption({ label: 'Bo' });
      await links.getByLabel('To').selectOption({ label: 'Di' });
      await links.getByRole('button', { name: 'Cut link' }).click();
      await expect.poll(() => links.getByTestId('cut-summary').innerText()).toBe('1 link cut');
      for (const size of [DASHBOARD, SMALL_LAPTOP]) {
        await page.setViewportSize(size);
        await page.evaluate('window.scrollTo(0, 0)');
        const at = `a cut link at ${size.width}`;
        for (const target of [links.getByTestId('cut-summary'), links.getByRole('button', { name: 'Heal all links' }), network.getByRole('button', { name: 'Deliver all (22)' })]) {
          expect(await wholeInView(page, target), `${await target.innerText()} at ${at}`).toBe(true);
        }
        const crash = network.getByRole('region', { name: 'Nodes' }).getByRole('button', { name: 'Crash' });
        for (let i = 0; i < 8; i++) expect(await wholeInView(page, crash.nth(i)), `Crash ${i + 1} at ${at}`).toBe(true);
        await viewportShot(page, `dashboard-busy-cut-${size.width}`);
      }
    }));
});

describe('opening the replay on the dashboard', () => {
  it('brings the Replay panel and its controls into view and moves the focus to it', () =>
    withBusyRoom(5, async (page, students) => {
      await promiseToAll(students, 1);
      await page.getByRole('region', { name: 'Network' }).getByRole('button', { name: 'Deliver all (5)' }).waitFor();
      await page.evaluate('window.scrollTo(0, 0)');
      await page.getByRole('button', { name: 'Replay and export' }).click();
      const panel = page.getByRole('region', { name: 'Replay', exact: true });
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

/** The dashboard asks the class the question offered as `prompt`, with a countdown long enough for the test; returns the open question's card. */
async function askTheClass(page: Page, prompt: string): Promise<Locator> {
  const panel = page.getByTestId('checkpoint-panel');
  await panel.getByLabel(prompt).check();
  await panel.getByLabel('Countdown (s)').fill('600');
  await panel.getByRole('button', { name: 'Ask the class' }).click();
  const open = page.getByTestId('open-question');
  await open.waitFor();
  return open;
}

describe('a question open on the dashboard', () => {
  for (const nodes of [5, 8]) {
    it(`keeps its count, Close and Reveal on a laptop's first screen with ${nodes} nodes, beside the ring and the network`, () =>
      withBusyRoom(nodes, async (page, students) => {
        await promiseToAll(students, 1);
        const open = await askTheClass(page, "What will Ana answer to 1.Bo's promise request?");
        for (const s of students.slice(0, 2)) expect((await s.emit('checkpoint:answer', { id: 1, option: 0 })).ok).toBe(true);
        const count = open.getByTestId('answer-count');
        await expect.poll(() => count.innerText()).toBe(`2 of ${nodes} students have answered`);
        const ring = page.getByRole('region', { name: 'Ring' });
        await checkFirstScreen(page, nodes, nodes, async (at) => {
          for (const [what, target] of [
            ['the question', open.getByRole('heading', { name: "What will Ana answer to 1.Bo's promise request?" })],
            ['the count', count],
            ['Close the answers', open.getByRole('button', { name: 'Close the answers' })],
            ['Reveal the answer', open.getByRole('button', { name: 'Reveal the answer' })],
            ['Reveal, and deliver the request', open.getByRole('button', { name: 'Reveal, and deliver the request' })],
          ] as const) {
            expect(await wholeInView(page, target), `${what} at ${at}`).toBe(true);
          }
          // The ring, under the question, keeps its whole drawing on the screen.
          await expect.poll(() => wholeInView(page, ring.locator('.stage')), { message: `the ring at ${at}` }).toBe(true);
          expect((await ring.boundingBox())!.y).toBeGreaterThan((await open.boundingBox())!.y);
        }, 'dashboard-question');
        expect(await seriousViolations(page)).toEqual([]);

        // Further down, "Ask the class" says where the open question is, and takes the focus back to it.
        const panel = page.getByTestId('checkpoint-panel');
        await panel.getByRole('button', { name: 'Go to the question' }).click();
        await expect.poll(() => page.evaluate(`document.activeElement?.closest('[data-testid="open-question"]') !== null`)).toBe(true);
        expect(await wholeInView(page, open.getByRole('heading', { name: "What will Ana answer to 1.Bo's promise request?" }))).toBe(true);

        // Revealed from where it is: the card leaves the stage, and the results in "Ask the class" take the focus, in view.
        await page.evaluate('window.scrollTo(0, 0)');
        await open.getByRole('button', { name: 'Reveal the answer' }).click();
        await expect.poll(() => open.count()).toBe(0);
        const results = page.getByTestId('checkpoint-panel').getByTestId('class-question');
        await expect.poll(() => page.evaluate(`document.activeElement?.dataset.testid === 'class-question' && document.activeElement.closest('[data-testid="checkpoint-panel"]') !== null`)).toBe(true);
        await expect.poll(() => wholeInView(page, results.getByTestId('answer-count'))).toBe(true);
        expect(await results.getByTestId('answer-count').innerText()).toBe('2 answered. 100% right.');
        await viewportShot(page, `dashboard-question-revealed-${nodes}`);
      }));
  }

  it('comes first on a phone, whole with its Reveal, and the ring follows it', () =>
    withBusyRoom(5, async (page, students) => {
      await promiseToAll(students, 1);
      const open = await askTheClass(page, "What will Ana answer to 1.Bo's promise request?");
      await page.setViewportSize(PHONE);
      await page.evaluate('window.scrollTo(0, 0)');
      await expect.poll(() => wholeInView(page, open.getByRole('button', { name: 'Reveal the answer' }))).toBe(true);
      expect(await wholeInView(page, open.getByTestId('answer-count'))).toBe(true);
      const ring = (await page.getByRole('region', { name: 'Ring' }).boundingBox())!;
      const card = (await open.boundingBox())!;
      expect(ring.y).toBeGreaterThanOrEqual(card.y + card.height);
      await viewportShot(page, 'dashboard-question-phone');
      expect(await seriousViolations(page)).toEqual([]);
    }));
});

describe('Ask the class on the dashboard', () => {
  it('offers no question about a step a crashed node or a cut link holds up, says why on the screen, and offers it again once the room can take it', () =>
    withBusyRoom(5, async (page, students) => {
      await promiseToAll(students, 1);
      const panel = page.getByTestId('checkpoint-panel');
      const offer = (name: string) => panel.getByLabel(`What will ${name} answer to 1.Bo's promise request?`);
      await offer('Cy').waitFor();
      const network = page.getByRole('region', { name: 'Network' });
      const node = (name: string) => network.getByRole('region', { name: 'Nodes' }).getByRole('listitem').filter({ hasText: name });
      await node('Cy').getByRole('button', { name: 'Crash' }).click();
      const notOffered = panel.getByTestId('not-offered');
      await expect.poll(() => notOffered.isVisible()).toBe(true);
      expect(await notOffered.getByRole('listitem').allInnerTexts()).toEqual(['Cy has crashed and answers nothing until it recovers.']);
      expect(await offer('Cy').count()).toBe(0);
      expect(await offer('Ana').count()).toBe(1);
      // Bo's request to Di waits behind a cut link, cut from the Links controls.
      const links = network.getByRole('region', { name: 'Links' });
      await links.getByLabel('From').selectOption({ label: 'Bo' });
      await links.getByLabel('To').selectOption({ label: 'Di' });
      await links.getByRole('button', { name: 'Cut link' }).click();
      await expect.poll(() => notOffered.getByRole('listitem').allInnerTexts()).toEqual([
        'Cy has crashed and answers nothing until it recovers.',
        "The link between Bo and Di is cut: Bo's request cannot reach Di until it heals.",
      ]);
      expect(await offer('Di').count()).toBe(0);
      // What the instructor reads on the card: the questions offered, and why the others are not.
      await page.evaluate(`document.querySelector('[data-testid="checkpoint-panel"] fieldset').scrollIntoView({ block: 'start' })`);
      const offers = panel.getByRole('group', { name: 'Questions that make sense now' });
      expect(await wholeInView(page, offers)).toBe(true);
      expect(await wholeInView(page, notOffered)).toBe(true);
      await viewportShot(page, 'dashboard-questions-not-offered');
      expect(await seriousViolations(page)).toEqual([]);

      // Recovered and healed, the room can take both steps: both questions are offered again.
      await node('Cy').getByRole('button', { name: 'Recover' }).click();
      await links.getByRole('button', { name: 'Heal all links' }).click();
      await expect.poll(() => offer('Cy').count()).toBe(1);
      await expect.poll(() => offer('Di').count()).toBe(1);
      expect(await notOffered.count()).toBe(0);
    }));
});
