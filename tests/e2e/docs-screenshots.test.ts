/**
 * The pictures in the README and the guides, taken from the screens they show: a class that
 * has chosen a value (one student's own program answering for her node), on the projector at
 * 1920x1080, a student's phone at 360x740 and the dashboard at 1366x768, and the solo sandbox
 * in a lesson. Every run checks that what the
 * pictures show is in view; with DOCS_SCREENSHOTS=1 (`npm run docs:screenshots`) it also
 * writes them into docs/images/, to be looked at and committed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { DASHBOARD, joinAs, joinProjector, openLesson, openRoom, person, PHONE, PROJECTOR, useClassroom } from './harness';

const env = useClassroom();

/** The honest acceptor and proposer, as a student's own program that Cy runs on her node. */
const HONEST_NODE = `import { HONEST } from '@toy-paxos/shared';
export const acceptor = HONEST.acceptor;
export const proposer = HONEST.proposer;
`;

const IMAGES = join(import.meta.dirname, '..', '..', 'docs', 'images');
const WRITE = process.env.DOCS_SCREENSHOTS === '1';

/** Whether the whole of an element lies inside the viewport, as a reader would see it without scrolling. */
async function inView(page: Page, target: Locator): Promise<boolean> {
  const box = await target.boundingBox();
  const size = page.viewportSize()!;
  return box !== null && box.width > 0 && box.x >= 0 && box.y >= 0 && box.x + box.width <= size.width && box.y + box.height <= size.height;
}

/** What the viewport shows, as PNG bytes; written into docs/images/ under `name` when asked to. */
async function picture(page: Page, name: string): Promise<Buffer> {
  const png = await page.screenshot();
  if (WRITE) {
    mkdirSync(IMAGES, { recursive: true });
    writeFileSync(join(IMAGES, `${name}.png`), png);
  }
  return png;
}

describe('the pictures of the README and the guides', () => {
  it('a class with Apple chosen: the projector, a phone and the dashboard each show it in view', async () => {
    const teacher = await person(env.browser, DASHBOARD);
    const code = await openRoom(env.classroom.url, teacher.page);
    const projector = await person(env.browser, PROJECTOR);
    await joinProjector(env.classroom.url, projector.page, code);
    const students = await Promise.all(['Ana', 'Bo', 'Cy'].map(() => person(env.browser, PHONE)));
    for (const [i, name] of ['Ana', 'Bo', 'Cy'].entries()) await joinAs(env.classroom.url, students[i]!.page, code, name);
    await teacher.page.getByLabel('Bots to add').fill('4');
    await teacher.page.getByRole('button', { name: 'Add 4 bots' }).click();
    await expect.poll(() => teacher.page.getByText('7/7 online').isVisible()).toBe(true);

    // The students answer for their acceptors; Cy lets her own program answer for her node, and every screen shows it.
    await teacher.page.getByRole('combobox', { name: /^Acceptors/ }).selectOption('students');
    const [ana, bo, cy] = students.map((s) => s.page) as [Page, Page, Page];
    await cy.getByRole('button', { name: 'Run my own code' }).click();
    await cy.getByRole('textbox', { name: 'Your node: TypeScript or JavaScript' }).fill(HONEST_NODE);
    await cy.getByRole('button', { name: 'Run on my node' }).click();
    await expect.poll(() => cy.getByTestId('room-program-status').innerText()).toContain('Your program answers for Cy');

    await ana.getByLabel('Value', { exact: true }).fill('Apple');
    await ana.getByRole('button', { name: /^New proposal/ }).click();
    await ana.getByRole('button', { name: 'Promise request', exact: true }).click();
    for (const page of [ana, bo]) await page.getByRole('button', { name: 'Promise 1.Ana to Ana', exact: true }).click();
    await expect.poll(() => ana.getByText('promisers').locator('xpath=following-sibling::dd[1]').innerText()).toBe('7 promises, 4 needed');
    await ana.getByRole('button', { name: 'Accept request', exact: true }).click();
    for (const page of [ana, bo]) await page.getByRole('button', { name: 'Accept Apple in 1.Ana from Ana', exact: true }).click();
    for (const page of [teacher.page, projector.page, ana]) await expect.poll(() => page.getByTestId('chosen').innerText()).toBe('Apple');
    await expect.poll(() => projector.page.locator('.labels .label').filter({ hasText: '1.Ana: Apple' }).count()).toBe(7);

    // The projector: the ring of seven, Cy's own code and the chosen value, with no scrolling.
    const p = projector.page;
    await expect.poll(() => p.locator('[data-node-circle]').count()).toBe(7);
    expect(await inView(p, p.getByTestId('chosen'))).toBe(true);
    expect(await inView(p, p.locator('.ring .stage'))).toBe(true);
    expect(await inView(p, p.getByTestId('own-program-badge'))).toBe(true);
    // The latest entries rest on the newest, whole in the log's box.
    const latest = p.getByRole('region', { name: 'Latest entries' });
    const newest = latest.locator(`.entry[data-seq="${(await latest.locator('.count').innerText()).split(' ')[0]}"]`);
    await expect.poll(async () => {
      const [entry, box] = [await newest.boundingBox(), await latest.getByTestId('log').boundingBox()];
      return entry !== null && box !== null && entry.y >= box.y - 1 && entry.y + entry.height <= box.y + box.height + 1;
    }).toBe(true);
    const projectorPng = await picture(p, 'projector');

    // The phone: Ana's card and the chosen banner in its first view.
    await ana.evaluate('window.scrollTo(0, 0)');
    expect(await inView(ana, ana.getByRole('heading', { name: 'My node: Ana' }))).toBe(true);
    expect(await inView(ana, ana.getByTestId('chosen'))).toBe(true);
    const phonePng = await picture(ana, 'student-phone');

    // The dashboard: the chosen value, the ring with Cy's own code, and the network's nodes, from the top of the page.
    const t = teacher.page;
    await t.evaluate('window.scrollTo(0, 0)');
    expect(await inView(t, t.getByTestId('chosen'))).toBe(true);
    expect(await inView(t, t.locator('.ring .stage'))).toBe(true);
    expect(await inView(t, t.getByRole('region', { name: 'Ring' }).getByTestId('own-program-badge'))).toBe(true);
    expect(await inView(t, t.getByRole('region', { name: 'Nodes' }).getByText('own code', { exact: true }))).toBe(true);
    await picture(t, 'dashboard');

    // The README's picture: the projector and the phone side by side, as a class sees them.
    const composer = await person(env.browser, { width: 1660, height: 760 });
    const data = (png: Buffer) => `data:image/png;base64,${png.toString('base64')}`;
    await composer.page.setContent(
      `<body style="margin:0;background:#d9dde3;display:flex;gap:20px;padding:20px;align-items:flex-start">
        <img alt="" src="${data(projectorPng)}" style="width:1280px;height:720px;box-shadow:0 2px 8px #0004">
        <img alt="" src="${data(phonePng)}" style="height:720px;width:${Math.round((720 * PHONE.width) / PHONE.height)}px;box-shadow:0 2px 8px #0004">
      </body>`,
    );
    await expect.poll(() => composer.page.evaluate('[...document.images].every((i) => i.complete && i.naturalWidth > 0)')).toBe(true);
    await picture(composer.page, 'class');
    for (const s of [teacher, projector, composer, ...students]) await s.context.close();
  });

  it('the solo sandbox in a lesson: the step, its key entries, Next and the ring in view', async () => {
    const { page, context, lesson, status, next } = await openLesson(env.browser, env.classroom.url, DASHBOARD, 'value-adoption');
    for (let i = 0; i < 8; i++) await next.click();
    await expect.poll(() => status.innerText()).toBe('Step 8 of 9: C asks every acceptor to accept\naccept C -> all');
    expect(await inView(page, next)).toBe(true);
    expect(await inView(page, lesson.locator('[data-key-seq]').first())).toBe(true);
    expect(await inView(page, page.locator('.ring .stage'))).toBe(true);
    await picture(page, 'solo-lesson');
    await context.close();
  });
});
