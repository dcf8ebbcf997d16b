/**
 * End to end, in headless Chromium: each person is a separate browser context (its own
 * localStorage), against a real server serving the built client. Screenshots of every
 * view, at phone and desktop sizes, go to tests/e2e/screenshots/.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DESKTOP, person, PHONE, PROJECTOR, screenshot, useClassroom } from './harness';
import { joinAs as joinAt, openRoom as openRoomAt } from './harness';
import { TestClient } from '../integration/harness';

const env = useClassroom();

const openRoom = (page: Page) => openRoomAt(env.classroom.url, page);

const joinAs = (page: Page, code: string, name: string) => joinAt(env.classroom.url, page, code, name);

async function logText(page: Page): Promise<string> {
  return (await page.getByTestId('log').innerText()).replace(/\s+/g, ' ');
}

describe('a class in the browser', () => {
  it('an instructor and three students reach consensus, and every screen shows the chosen value', async () => {
    const teacher = await person(env.browser, DESKTOP);
    const code = await openRoom(teacher.page);
    // The projector comes first: its lobby invites the class with the address and a QR code.
    const projector = await person(env.browser, PROJECTOR);
    await projector.page.goto(`${env.classroom.url}/join/${code}?as=projector`);
    await projector.page.waitForURL(`**/room/${code}`);
    const lobby = projector.page.getByTestId('projector-lobby');
    await expect.poll(() => lobby.getByTestId('joined-count').innerText()).toBe('0 joined');
    const qr = lobby.getByRole('img', { name: /^QR code for the join link/ });
    expect(await qr.getAttribute('src')).toBe(`/api/rooms/${code}/qr.svg`);
    // The image has loaded: an SVG the browser could draw.
    const qrLoaded = `(() => { const img = document.querySelector('[data-testid=projector-lobby] img'); return img.complete && img.naturalWidth > 0; })()`;
    await expect.poll(() => projector.page.evaluate(qrLoaded)).toBe(true);
    expect(await lobby.getByTestId('lobby-address').innerText()).toBe(`${env.classroom.url.replace(/^http:\/\//, '')}/join/${code}`);
    await screenshot(projector.page, 'projector-lobby-1080p');

    const students = await Promise.all([person(env.browser, PHONE), person(env.browser, PHONE), person(env.browser, DESKTOP)]);
    const names = ['Ana', 'Bo', 'Cy'];
    for (const [i, s] of students.entries()) await joinAs(s.page, code, names[i]!);
    await expect.poll(() => teacher.page.getByText('3/3 online').isVisible()).toBe(true);
    // The lobby names them as they arrive, with the count.
    await expect.poll(() => lobby.getByTestId('joined-count').innerText()).toBe('3 joined');
    expect(await lobby.getByTestId('joined-names').getByRole('listitem').allInnerTexts()).toEqual(names);
    // Locked, the lobby hides the address and the QR code and says so.
    await teacher.page.getByRole('button', { name: 'Lock joining' }).click();
    await expect.poll(() => lobby.getByText('Joining is locked').isVisible()).toBe(true);
    expect(await lobby.getByTestId('lobby-address').count()).toBe(0);
    expect(await qr.count()).toBe(0);
    await teacher.page.getByRole('button', { name: 'Unlock joining' }).click();
    await expect.poll(() => qr.count()).toBe(1);

    const ana = students[0]!.page;
    await ana.getByLabel('Value', { exact: true }).fill('Apple');
    await ana.getByRole('button', { name: /^New proposal/ }).click();
    await ana.getByRole('button', { name: 'Promise request', exact: true }).click();
    await expect.poll(() => ana.getByText('promisers').locator('xpath=following-sibling::dd[1]').innerText()).toBe('3 promises, 2 needed');
    await ana.getByRole('button', { name: 'Accept request', exact: true }).click();

    for (const page of [teacher.page, ...students.map((s) => s.page)]) {
      await expect.poll(() => page.getByTestId('chosen').innerText()).toBe('Apple');
    }
    expect(await logText(ana)).toContain('[ACC] Accept(1.Ana, Apple), Ana(acceptors: 3, quorum_size: 2, choice: Apple)');

    await screenshot(ana, 'student-phone');
    await screenshot(students[2]!.page, 'student-desktop');
    await screenshot(teacher.page, 'instructor-desktop');
    await teacher.page.setViewportSize(PHONE);
    await screenshot(teacher.page, 'instructor-phone');

    // Once a round is under way, the projector shows the ring in place of the lobby.
    await expect.poll(() => lobby.count()).toBe(0);
    await expect.poll(() => projector.page.getByTestId('chosen').innerText()).toBe('Apple');
    await screenshot(projector.page, 'projector-1080p');
    await projector.page.setViewportSize(PHONE);
    await screenshot(projector.page, 'projector-phone');
    for (const p of [teacher, projector, ...students]) await p.context.close();
  });

  it('a refused action shows its explanation', async () => {
    const teacher = await person(env.browser);
    const code = await openRoom(teacher.page);
    const s = await person(env.browser, PHONE);
    await joinAs(s.page, code, 'Dee');
    const other = await person(env.browser, PHONE);
    await joinAs(other.page, code, 'Eve');
    // Dee asks for acceptances without a single promise: the rules refuse it, and say why.
    await other.page.getByRole('button', { name: /^New proposal/ }).click();
    await other.page.getByRole('button', { name: 'Promise request', exact: true }).click();
    await s.page.getByRole('button', { name: /^New proposal/ }).click();
    await expect.poll(() => s.page.getByRole('button', { name: 'Accept request', exact: true }).isEnabled()).toBe(true);
    await s.page.getByRole('button', { name: 'Accept request', exact: true }).click();
    const alert = s.page.getByRole('alert').filter({ hasText: 'Refused' });
    await expect.poll(() => alert.innerText()).toContain('An accept request needs a quorum of promises first');
    await screenshot(s.page, 'student-refused-phone');
    for (const p of [teacher, s, other]) await p.context.close();
  });

  it('an action whose answer is lost says it may have been applied, and the log shows it', async () => {
    const teacher = await person(env.browser, DESKTOP);
    const code = await openRoom(teacher.page);
    const ana = await person(env.browser, PHONE);
    // Between the page and the server: every frame passes, until the answers (socket.io ack
    // packets, "43...") stop coming back, as when a connection stalls after sending.
    let loseAnswers = false;
    await ana.page.routeWebSocket(/\/socket\.io\//, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((m) => server.send(m));
      server.onMessage((m) => {
        if (loseAnswers && typeof m === 'string' && m.startsWith('43')) return;
        ws.send(m);
      });
    });
    await joinAs(ana.page, code, 'Ana');
    loseAnswers = true;
    await ana.page.getByLabel('Value', { exact: true }).fill('Apple');
    await ana.page.getByRole('button', { name: /^New proposal/ }).click();
    // The server applied it: the broadcast reaches every screen, this one included.
    await expect.poll(() => logText(teacher.page)).toContain('Apple');
    await expect.poll(() => ana.page.getByText('No answer from the server').isVisible(), { timeout: 20_000 }).toBe(true);
    expect(await ana.page.getByText('No answer from the server').innerText()).toContain(
      'No answer from the server: your action may have been applied; the log will show it once you are back online.',
    );
    expect(await ana.page.getByText('was not applied').count()).toBe(0);
    await ana.context.close();
    await teacher.context.close();
  });

  it('a page whose connection the server closes says why, and does not reconnect on its own', async () => {
    const teacher = await person(env.browser, DESKTOP);
    const code = await openRoom(teacher.page);
    const ana = await person(env.browser, PHONE);
    await joinAs(ana.page, code, 'Ana');
    const token = (await ana.page.evaluate(`localStorage.getItem('toy-paxos:token:${code}')`)) as string;
    // The same session opened in five more places: the oldest connection, the page's, is closed.
    const others = Array.from({ length: 5 }, () => new TestClient(env.classroom.localUrl));
    try {
      for (const c of others) expect((await c.resume(token)).ok).toBe(true);
      const alert = ana.page.getByTestId('connection-closed');
      await expect.poll(() => alert.isVisible()).toBe(true);
      expect(await alert.innerText()).toContain(
        'Your session was opened on too many pages or devices at once, so the server closed this older one. Reload the page to use it here.',
      );
      await new Promise((r) => setTimeout(r, 1500));
      expect(await alert.isVisible()).toBe(true);
    } finally {
      for (const c of others) c.close();
    }
    await ana.context.close();
    await teacher.context.close();
  });

  it('a student who refreshes keeps their node', async () => {
    const teacher = await person(env.browser);
    const code = await openRoom(teacher.page);
    const s = await person(env.browser, PHONE);
    await joinAs(s.page, code, 'Finn');
    await s.page.getByLabel('Value', { exact: true }).fill('Kiwi');
    await s.page.getByRole('button', { name: /^New proposal/ }).click();
    await expect.poll(() => logText(s.page)).toContain('NEW Proposal from Finn(p: 1.Finn, val: Kiwi)');
    await s.page.reload();
    await s.page.getByRole('heading', { name: 'My node: Finn' }).waitFor();
    expect(await s.page.getByText('val', { exact: true }).locator('xpath=following-sibling::dd[1]').innerText()).toBe('Kiwi');
    // The teacher's page hears of Finn going and coming back on its own socket: wait for the second.
    await expect.poll(() => teacher.page.getByText(/Participants/).innerText()).toContain('(1/1 online)');
    for (const p of [teacher, s]) await p.context.close();
  });

  it('a hostile display name renders as inert text', async () => {
    const teacher = await person(env.browser);
    const code = await openRoom(teacher.page);
    const s = await person(env.browser, PHONE);
    let dialogs = 0;
    for (const page of [teacher.page, s.page]) page.on('dialog', (d) => { dialogs++; void d.dismiss(); });
    const hostile = '<img src=x onerror=alert(1)>';
    await joinAs(s.page, code, hostile);
    await expect.poll(() => s.page.getByTestId('me').innerText()).toBe(hostile);
    await expect.poll(() => teacher.page.getByRole('region', { name: 'Participants' }).innerText()).toContain(hostile);
    expect(await teacher.page.locator('img[src="x"]').count()).toBe(0);
    expect(await s.page.locator('img[src="x"]').count()).toBe(0);
    expect(dialogs).toBe(0);
    for (const p of [teacher, s]) await p.context.close();
  });

  it('the instructor drops a message and the students see it', async () => {
    const teacher = await person(env.browser);
    const code = await openRoom(teacher.page);
    const [a, b] = [await person(env.browser, PHONE), await person(env.browser, PHONE)];
    await joinAs(a.page, code, 'Gil');
    await joinAs(b.page, code, 'Hal');
    await teacher.page.getByLabel('Delivery').selectOption('queued');
    await expect.poll(() => teacher.page.getByText('Delivery is instant').count()).toBe(0);
    await a.page.getByRole('button', { name: /^New proposal/ }).click();
    await a.page.getByLabel('Send to').selectOption({ label: 'Hal' });
    await a.page.getByRole('button', { name: 'Promise request', exact: true }).click();
    const inFlight = teacher.page.getByTestId('in-flight');
    await expect.poll(() => inFlight.innerText()).toContain('#1 PROMISE Request Gil -> Hal (p: 1.Gil)');
    await screenshot(teacher.page, 'instructor-network-desktop');
    await inFlight.getByRole('button', { name: 'Drop' }).click();
    for (const page of [a.page, b.page]) {
      await expect.poll(() => logText(page)).toContain('NETWORK drop #1: PROMISE Request Gil -> Hal (p: 1.Gil)');
    }
    await screenshot(b.page, 'student-sees-drop-phone');
    for (const p of [teacher, a, b]) await p.context.close();
  });
});

describe('network controls at class scale', () => {
  it('a round with bots in a few clicks: deliver all, in random order, split in two and heal all', async () => {
    const teacher = await person(env.browser, DESKTOP);
    const code = await openRoom(teacher.page);
    await teacher.page.getByLabel('Delivery').selectOption('queued');
    await teacher.page.getByLabel('Bots to add').fill('4');
    await teacher.page.getByRole('button', { name: 'Add 4 bots' }).click();
    await expect.poll(() => logText(teacher.page)).toContain('JOIN Bot 4 (bot)');
    const s = await person(env.browser, PHONE);
    await joinAs(s.page, code, 'Lea');
    await s.page.getByLabel('Value', { exact: true }).fill('Apple');
    await s.page.getByRole('button', { name: /^New proposal/ }).click();
    await s.page.getByRole('button', { name: 'Promise request', exact: true }).click();
    const network = teacher.page.getByRole('region', { name: 'Network' });
    await network.getByRole('button', { name: 'Deliver all in random order' }).click();
    await expect.poll(() => logText(teacher.page)).toMatch(/NETWORK deliver all in random order \(seed \d+\): 5 messages/);
    await network.getByRole('button', { name: 'Deliver all (5)' }).click();
    await expect.poll(() => s.page.getByText('promisers').locator('xpath=following-sibling::dd[1]').innerText()).toBe('5 promises, 3 needed');
    await s.page.getByRole('button', { name: 'Accept request', exact: true }).click();
    await network.getByRole('button', { name: 'Deliver all (5)' }).click();
    await expect.poll(() => s.page.getByTestId('chosen').innerText()).toBe('Apple');
    // The five acceptances, and the notices every acceptor sends the nodes but itself and Lea: 4 from Lea, 3 from each bot.
    await network.getByRole('button', { name: 'Deliver all (21)' }).click();
    await expect.poll(() => s.page.getByTestId('learned').innerText()).toBe('learned by 5 of 5 nodes');
    await screenshot(teacher.page, 'instructor-deliver-all-desktop');
    await network.getByRole('button', { name: 'Split in two at random' }).click();
    await expect.poll(() => logText(teacher.page)).toMatch(/NETWORK partition .* \| .*: \d+ links? cut/);
    await network.getByRole('button', { name: 'Heal all links' }).click();
    await expect.poll(() => logText(teacher.page)).toMatch(/NETWORK heal all: \d+ links?/);
    await teacher.page.setViewportSize(PHONE);
    await screenshot(teacher.page, 'instructor-network-phone');
    for (const p of [teacher, s]) await p.context.close();
  });
});

describe('a round in progress', () => {
  it('a late joiner watches until the next round, and a quorum change waits for it, with both shown on the pages', async () => {
    const teacher = await person(env.browser, DESKTOP);
    const code = await openRoom(teacher.page);
    const [a, b, late] = [await person(env.browser, PHONE), await person(env.browser, PHONE), await person(env.browser, PHONE)];
    await joinAs(a.page, code, 'Ida');
    await joinAs(b.page, code, 'Jo');
    await a.page.getByLabel('Value', { exact: true }).fill('Apple');
    await a.page.getByRole('button', { name: /^New proposal/ }).click();
    await expect.poll(() => logText(teacher.page)).toContain('NEW Proposal from Ida');
    await joinAs(late.page, code, 'Kai');
    await expect.poll(() => late.page.getByRole('status').filter({ hasText: 'watching' }).innerText()).toContain(
      "Joined during this round: watching. It learns the round's outcome, and can propose and accept when the next round starts.",
    );
    // Its proposal waits for the next round too: the button says why, on screen and to a screen reader.
    const propose = late.page.getByRole('button', { name: /^New proposal/ });
    await expect.poll(() => propose.isDisabled()).toBe(true);
    const why = 'Kai joined during round 1, after its first proposal: it watches this round and learns its outcome. It can propose when the instructor starts round 2.';
    await expect.poll(() => propose.getAttribute('aria-describedby').then((id) => late.page.locator(`#${id}`).innerText())).toBe(why);
    await propose.scrollIntoViewIfNeeded();
    await expect.poll(() => late.page.getByText(why).isVisible()).toBe(true);
    await screenshot(late.page, 'student-watching-phone');
    await teacher.page.getByLabel('Q1 (promises)').selectOption('2');
    await expect.poll(() => teacher.page.getByTestId('pending').innerText()).toBe(
      'From the next round: Q1 2, Q2 majority (2); Kai joins as an acceptor. Quorums and acceptors stay fixed while a round decides.',
    );
    await screenshot(teacher.page, 'instructor-pending-desktop');
    await teacher.page.getByRole('button', { name: 'Start a new round' }).click();
    await expect.poll(() => teacher.page.getByTestId('pending').count()).toBe(0);
    await expect.poll(() => late.page.getByRole('status').filter({ hasText: 'watching' }).count()).toBe(0);
    await expect.poll(() => propose.isDisabled()).toBe(false);
    for (const p of [teacher, a, b, late]) await p.context.close();
  });
});

describe('the solo sandbox and the other screens', () => {
  it('works offline once loaded: actions, replay and import need no server', async () => {
    const { context, page } = await person(env.browser, DESKTOP);
    await page.goto(`${env.classroom.url}/solo`, { waitUntil: 'networkidle' });
    await page.getByRole('heading', { name: 'Solo sandbox' }).waitFor();
    await context.setOffline(true);
    await page.getByLabel('Value', { exact: true }).fill('Date');
    await page.getByRole('button', { name: /^New proposal/ }).click();
    await page.getByRole('button', { name: 'Promise request', exact: true }).click();
    await page.getByRole('button', { name: 'Accept request', exact: true }).click();
    await expect.poll(() => page.getByTestId('chosen').innerText()).toBe('Date');
    await page.getByRole('button', { name: 'Replay and export' }).click();
    // Two events back: before the second acceptance, which made the quorum.
    await page.getByRole('button', { name: 'One event back' }).click();
    await page.getByRole('button', { name: 'One event back' }).click();
    await expect.poll(() => page.getByTestId('safety').innerText()).toContain('Nothing chosen yet.');
    await page.getByLabel('File').setInputFiles({ name: 'x.json', mimeType: 'application/json', buffer: Buffer.from('{}') });
    await expect.poll(() => page.getByTestId('import-problem').innerText()).toMatch(/^format: /);
    await context.close();
  });

  it('runs the core in the browser: consensus by hand, then a preset stepped through with its lesson', async () => {
    for (const [size, viewport] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
      const { context, page } = await person(env.browser, viewport);
      await page.goto(env.classroom.url);
      await screenshot(page, `landing-${size}`);
      await page.goto(`${env.classroom.url}/join/ABCDEF`);
      await screenshot(page, `join-${size}`);

      await page.goto(`${env.classroom.url}/solo`);
      await page.getByRole('heading', { name: 'Solo sandbox' }).waitFor();
      await page.getByLabel('Value', { exact: true }).fill('Fig');
      await page.getByRole('button', { name: /^New proposal/ }).click();
      await page.getByRole('button', { name: 'Promise request', exact: true }).click();
      await page.getByRole('button', { name: 'Accept request', exact: true }).click();
      await expect.poll(() => page.getByTestId('chosen').innerText()).toBe('Fig');
      await screenshot(page, `solo-${size}`);

      await page.getByRole('combobox').filter({ hasText: 'Choose a preset lesson' }).selectOption('value-adoption');
      await page.getByRole('button', { name: 'Load' }).click();
      // The lesson asks before it tells.
      await expect.poll(() => page.getByText("Which value will C's accept requests carry, Mango or Apple?").isVisible()).toBe(true);
      for (let i = 0; i < 6; i++) await page.getByRole('button', { name: 'Next step' }).click();
      await expect.poll(() => page.getByTestId('chosen').innerText()).toBe('Apple');
      await screenshot(page, `solo-lesson-${size}`);
      await context.close();
    }
  });
});
