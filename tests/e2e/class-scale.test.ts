/**
 * A class of 40 in Chromium: the projector's lobby fills as the bots join, the instructor
 * runs a round with bulk delivery, splits the room with the partition builder, breaks a
 * rule until the monitor fires, and heals; the ring shows a message to oneself as a loop,
 * dropped messages fading and a copied one as ×2. The projector is measured from its DOM at
 * 1920x1080, 1280x720 and on a 360 px phone: circles apart, names whole, type large.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { DESKTOP, openRoom, person, PHONE, PROJECTOR, screenshot, SCREENSHOTS, useClassroom, joinProjector } from './harness';

const env = useClassroom();

/** What the projector's DOM says of its ring, log and banner. */
interface Measures {
  circles: number;
  /** The smallest gap between two node circles' edges, in CSS px. */
  circleGapMin: number;
  /** Names or detail lines whose text does not fit their box. */
  cutOff: string[];
  /** Labels that reach past the ring's box. */
  outside: string[];
  fontPx: { names: number; details: number; safety: number; log: number };
}

// Runs in the page: written as a string, since these tests are type-checked without the DOM's types.
const MEASURE = `(() => {
  const size = (els) => Math.min(...els.map((el) => parseFloat(getComputedStyle(el).fontSize)));
  const circles = [...document.querySelectorAll('[data-node-circle]')].map((c) => {
    const b = c.getBoundingClientRect();
    return { x: b.x + b.width / 2, y: b.y + b.height / 2, r: b.width / 2 };
  });
  let circleGapMin = Infinity;
  for (let i = 0; i < circles.length; i++)
    for (let j = i + 1; j < circles.length; j++) {
      const a = circles[i], b = circles[j];
      circleGapMin = Math.min(circleGapMin, Math.hypot(a.x - b.x, a.y - b.y) - a.r - b.r);
    }
  const labels = [...document.querySelectorAll('.ring .label')];
  const cutOff = [];
  for (const label of labels) {
    const parts = [label, ...label.children].filter((el) => !el.classList.contains('sr-only'));
    if (parts.some((el) => el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)) cutOff.push(label.innerText);
  }
  const stage = document.querySelector('.ring .stage').getBoundingClientRect();
  const outside = labels.filter((l) => { const b = l.getBoundingClientRect(); return b.left < stage.left - 1 || b.right > stage.right + 1; }).map((l) => l.innerText);
  const banner = document.querySelector('[data-testid=safety]');
  const safetyText = [...banner.querySelectorAll('span, strong, p')].filter((el) => el.textContent.trim() && el.children.length === 0);
  const log = [...document.querySelectorAll('[data-testid=log] .seq, [data-testid=log] .line, [data-testid=log] .why')];
  return {
    circles: circles.length,
    circleGapMin,
    cutOff,
    outside,
    fontPx: { names: size([...document.querySelectorAll('[data-node-name]')]), details: size([...document.querySelectorAll('.ring .detail')]), safety: size(safetyText), log: size(log) },
  };
})()`;

async function measure(page: Page): Promise<Measures> {
  return (await page.evaluate(MEASURE)) as Measures;
}

/** The projector's ring holds together: every circle apart from the others, and every name whole and inside it. */
function expectReadable(m: Measures, nodes: number): void {
  expect(m.circles).toBe(nodes);
  expect(m.circleGapMin).toBeGreaterThan(0);
  expect(m.cutOff).toEqual([]);
  expect(m.outside).toEqual([]);
}

describe('a class of 40 on the projector', () => {
  it('a lobby that fills, a round in six clicks, a partition from the builder, a violation and a heal', async () => {
    const teacher = await person(env.browser, DESKTOP);
    const code = await openRoom(env.classroom.url, teacher.page);
    const projector = await person(env.browser, PROJECTOR);
    await joinProjector(env.classroom.url, projector.page, code);
    const p = projector.page;

    // The lobby, before anyone has proposed: the address, the QR code, and the count of who joined.
    const lobby = p.getByTestId('projector-lobby');
    await expect.poll(() => lobby.getByTestId('joined-count').innerText()).toBe('0 joined');
    expect(await lobby.getByRole('img', { name: /^QR code for the join link/ }).isVisible()).toBe(true);
    await teacher.page.getByLabel('Delivery').selectOption('queued');
    await teacher.page.getByLabel('Bots to add').fill('40');
    await teacher.page.getByRole('button', { name: 'Add 40 bots' }).click();
    await expect.poll(() => lobby.getByTestId('joined-count').innerText()).toBe('40 joined');
    expect(await lobby.getByTestId('joined-names').getByRole('listitem').count()).toBe(40);
    const lobbyFonts = (await p.evaluate(`(() => {
      const el = document.querySelector('[data-testid=projector-lobby]');
      return {
      names: Math.min(...[...el.querySelectorAll('li')].map((li) => parseFloat(getComputedStyle(li).fontSize))),
      address: parseFloat(getComputedStyle(el.querySelector('[data-testid=lobby-address]')).fontSize),
      qr: el.querySelector('img').getBoundingClientRect().width,
      pageWidth: document.documentElement.scrollWidth,
    }; })()`)) as { names: number; address: number; qr: number; pageWidth: number };
    expect(lobbyFonts.names).toBeGreaterThanOrEqual(28);
    expect(lobbyFonts.address).toBeGreaterThanOrEqual(40);
    expect(lobbyFonts.qr).toBeGreaterThanOrEqual(300);
    expect(lobbyFonts.pageWidth).toBe(1920);
    await screenshot(p, 'projector-lobby-40-1080p');
    await p.setViewportSize(PHONE);
    await screenshot(p, 'projector-lobby-40-phone');
    await p.setViewportSize(PROJECTOR);
    // The projector's own button shows the ring, and the lobby again.
    await p.getByRole('button', { name: 'Show the ring' }).click();
    await expect.poll(() => lobby.count()).toBe(0);
    await p.getByRole('button', { name: 'Show the lobby' }).click();
    await expect.poll(() => lobby.count()).toBe(1);

    // A full round, from the proposal to the chosen value, counting every click.
    let clicks = 0;
    const click = async (target: Locator) => {
      clicks++;
      await target.click();
    };
    const t = teacher.page;
    const network = t.getByRole('region', { name: 'Network' });
    const actFor = t.getByRole('region', { name: 'Act for a node' });
    const deliverAll = network.getByRole('button', { name: /^Deliver all \(\d+\)$/ });
    await actFor.getByRole('combobox', { name: /Act for a node/ }).selectOption({ label: 'Bot 1' });
    await actFor.getByLabel('Value', { exact: true }).fill('Apple');
    await click(actFor.getByRole('button', { name: /^New proposal/ }));
    // The first proposal ends the lobby on its own.
    await expect.poll(() => lobby.count()).toBe(0);
    await click(actFor.getByRole('button', { name: 'Promise request', exact: true }));
    await expect.poll(() => deliverAll.innerText()).toBe('Deliver all (40)');
    // The promise request Bot 1 sends itself is a loop on the ring.
    await expect.poll(() => p.locator('.ring .loop').count()).toBe(1);
    await click(deliverAll); // the promise requests
    await expect.poll(() => t.getByText('promisers').locator('xpath=following-sibling::dd[1]').innerText()).toBe('0 promises, 21 needed');
    await click(deliverAll); // the promises
    await expect.poll(() => t.getByText('promisers').locator('xpath=following-sibling::dd[1]').innerText()).toBe('40 promises, 21 needed');
    await click(actFor.getByRole('button', { name: 'Accept request', exact: true }));
    await expect.poll(() => deliverAll.innerText()).toBe('Deliver all (40)');
    await click(deliverAll); // the accept requests: 40 acceptors accept Apple
    await expect.poll(() => p.getByTestId('chosen').innerText()).toBe('Apple');
    expect(clicks).toBeLessThanOrEqual(6);
    console.log(`a 40-node round from proposal to chosen value: ${clicks} clicks`);

    // Every node shows what it accepted, in type the back row reads.
    await expect.poll(() => p.locator('.ring .detail', { hasText: '1.Bot 1: Apple' }).count()).toBe(40);
    await screenshot(p, 'projector-40-chosen-1080p');
    const chosen = await measure(p);
    console.log(`projector 1920x1080, 40 nodes: ${JSON.stringify(chosen)}`);
    expectReadable(chosen, 40);
    expect(chosen.fontPx.names).toBeGreaterThanOrEqual(28);
    expect(chosen.fontPx.details).toBeGreaterThanOrEqual(28);
    expect(chosen.fontPx.safety).toBeGreaterThanOrEqual(28);
    expect(chosen.fontPx.log).toBeGreaterThanOrEqual(24);

    // Each acceptor told every other node: 39 notices from Bot 1, 38 from each of the others.
    await expect.poll(() => p.getByTestId('ring-summary').innerText()).toContain('1561 messages in flight; 1521 of them notices to learners, not drawn');
    // The acceptances and notices still in flight are dropped: the ring shows the acceptances fading where they were lost.
    await network.getByRole('button', { name: 'Drop all' }).click();
    await expect.poll(() => t.getByTestId('log').innerText()).toContain('NETWORK drop all: 1561 messages');
    await expect.poll(() => p.getByTestId('ring-summary').innerText()).toContain('1561 just dropped');
    expect(await p.locator('.ring .lost').count()).toBe(40);

    // The partition builder: a side left empty is refused with what to do, then 21 | 19.
    const builder = network.getByRole('group', { name: /Tick the nodes on side B/ });
    await network.getByText('Choose the two sides of a partition').click();
    await builder.getByRole('button', { name: 'Cut between the groups' }).click();
    expect(await builder.getByRole('alert').innerText()).toBe(
      'Put at least one node on each side: tick the nodes for side B, and leave at least one unticked for side A.',
    );
    for (let i = 22; i <= 40; i++) await builder.getByRole('checkbox', { name: `Bot ${i}`, exact: true }).check();
    expect(await builder.getByTestId('sides').innerText()).toBe('Side A: 21 · Side B: 19');
    await builder.getByRole('button', { name: 'Cut between the groups' }).click();
    await expect.poll(() => builder.getByRole('status').innerText()).toContain('Cut every link between side A (21) and side B (19)');
    await expect.poll(() => t.getByTestId('log').innerText()).toMatch(/NETWORK partition .*: 399 links cut/);
    await expect.poll(() => p.locator('.ring .sides').innerText()).toContain('Side A: 21');
    expect(await p.locator('.ring .sides').innerText()).toContain('Side B: 19');
    // The sides and the links cut, read from the back row: no text under 20 px on the projector.
    const sidesPx = await p.evaluate<number>(`Math.min(...[...document.querySelectorAll('.ring .sides, .ring .sides *')].map((e) => parseFloat(getComputedStyle(e).fontSize)))`);
    expect(sidesPx).toBeGreaterThanOrEqual(20);
    await network.screenshot({ path: join(SCREENSHOTS, 'instructor-partition-builder-desktop.png') });
    await t.getByRole('region', { name: 'Ring' }).screenshot({ path: join(SCREENSHOTS, 'instructor-ring-40-desktop.png') });

    // Accept without a promise quorum: Bot 2 gets Mango accepted by its side, 21 of 40, and the monitor fires.
    await t.getByRole('checkbox', { name: /Accept without a promise quorum/ }).check();
    await actFor.getByRole('combobox', { name: /Act for a node/ }).selectOption({ label: 'Bot 2' });
    await actFor.getByLabel('Value', { exact: true }).fill('Mango');
    await actFor.getByRole('button', { name: /^New proposal/ }).click();
    await expect.poll(() => actFor.getByRole('button', { name: 'Accept request', exact: true }).isEnabled()).toBe(true);
    await actFor.getByRole('button', { name: 'Accept request', exact: true }).click();
    await expect.poll(() => deliverAll.innerText()).toBe('Deliver all (21)');
    await deliverAll.click();
    await expect.poll(() => p.getByTestId('safety').innerText()).toContain('SAFETY VIOLATION');
    expect(await p.getByTestId('chosen').innerText()).toBe('Apple and Mango');
    // Two values chosen is the violation itself: never shown in the green of a good outcome.
    expect(await p.getByTestId('chosen').locator('..').getAttribute('class')).toContain('bad');
    // The newest entry shows in the latest entries, from its first line, though not one whole row fits beside the banner.
    const newest = p.locator('.log .entry', { hasText: 'NETWORK deliver all: 21 messages' }).last();
    const [row, list] = [await newest.boundingBox(), await p.locator('.log .viewport').boundingBox()];
    expect(row!.y).toBeGreaterThanOrEqual(list!.y - 1);
    expect(row!.y).toBeLessThan(list!.y + list!.height - 24);
    await expect.poll(() => p.locator('.ring .detail', { hasText: '2.Bot 2: Mango' }).count()).toBe(21);
    await screenshot(p, 'projector-40-partition-violation-1080p');
    const split = await measure(p);
    console.log(`projector 1920x1080, 40 nodes in two sides: ${JSON.stringify(split)}`);
    expectReadable(split, 40);
    expect(split.fontPx.names).toBeGreaterThanOrEqual(28);
    expect(split.fontPx.details).toBeGreaterThanOrEqual(28);
    expect(split.fontPx.safety).toBeGreaterThanOrEqual(28);

    await p.setViewportSize({ width: 1280, height: 720 });
    await expect.poll(async () => (await measure(p)).fontPx.names).toBeLessThan(split.fontPx.names);
    const small = await measure(p);
    expectReadable(small, 40);
    console.log(`projector 1280x720, 40 nodes: ${JSON.stringify(small)}`);
    await screenshot(p, 'projector-40-partition-720p');
    await p.setViewportSize(PHONE);
    await expect.poll(async () => (await measure(p)).fontPx.names).toBeLessThan(small.fontPx.names);
    const phone = await measure(p);
    expectReadable(phone, 40);
    console.log(`projector on a 360 px phone, 40 nodes: ${JSON.stringify(phone)}`);
    await screenshot(p, 'projector-40-phone');
    await p.setViewportSize(PROJECTOR);

    // Heal all: one side again.
    await network.getByRole('button', { name: 'Heal all links' }).click();
    await expect.poll(() => t.getByTestId('log').innerText()).toMatch(/NETWORK heal all: 399 links/);
    await expect.poll(() => p.locator('.ring .sides').count()).toBe(0);
    await t.setViewportSize(PHONE);
    await screenshot(t, 'instructor-partition-builder-phone');
    await network.screenshot({ path: join(SCREENSHOTS, 'instructor-network-panel-phone.png') });

    // A copy of a message in flight: one line on the ring, marked ×2.
    await actFor.getByRole('combobox', { name: /Act for a node/ }).selectOption({ label: 'Bot 3' });
    await actFor.getByRole('button', { name: /^New proposal/ }).click();
    await actFor.getByLabel('Send to').selectOption({ label: 'Bot 4' });
    await actFor.getByRole('button', { name: 'Promise request', exact: true }).click();
    const fromBot3 = t.getByTestId('in-flight').locator('details', { hasText: 'From Bot 3' });
    await fromBot3.locator('summary').click();
    await fromBot3.getByRole('listitem').filter({ hasText: 'PROMISE Request Bot 3 -> Bot 4' }).getByRole('button', { name: 'Duplicate' }).click();
    await expect.poll(() => p.locator('.ring .copies').allTextContents()).toEqual(['×2']);
    expect(await p.getByTestId('ring-summary').innerText()).toMatch(/messages in flight/);

    // 60 nodes still fit the projector's screen, apart and whole.
    await t.getByLabel('Bots to add').fill('20');
    await t.getByRole('button', { name: 'Add 20 bots' }).click();
    await expect.poll(() => p.locator('[data-node-circle]').count()).toBe(60);
    const sixty = await measure(p);
    expectReadable(sixty, 60);
    console.log(`projector 1920x1080, 60 nodes: ${JSON.stringify(sixty)}`);
    await screenshot(p, 'projector-60-1080p');
    for (const x of [teacher, projector]) await x.context.close();
  });
});
