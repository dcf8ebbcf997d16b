/**
 * What a screen-reader user hears on a student's phone, read from Chromium's own
 * accessibility tree (CDP `Accessibility.getFullAXTree`) in a real room, where real socket.io
 * clients are the other students: every key entry of a burst in a live region, the inbox's
 * requests with who sent them, answer buttons named by what they do, and a class question
 * read at once and focused.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { join } from 'node:path';
import { joinAs, person, PHONE, screenshot, SCREENSHOTS, useClassroom } from './harness';
import { createRoom, TestClient } from '../integration/harness';
import type { LogRecord } from '@toy-paxos/shared';

const env = useClassroom();

interface AxNode {
  readonly nodeId: string;
  readonly parentId?: string;
  readonly ignored: boolean;
  readonly role?: { readonly value: string };
  readonly name?: { readonly value: string };
  readonly properties?: readonly { readonly name: string; readonly value: { readonly value: unknown } }[];
}

/** Chromium's accessibility tree of the page, as a screen reader gets it. */
async function axTree(page: Page): Promise<AxNode[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    return ((await cdp.send('Accessibility.getFullAXTree')) as unknown as { nodes: AxNode[] }).nodes;
  } finally {
    await cdp.detach();
  }
}

const prop = (n: AxNode, name: string) => n.properties?.find((p) => p.name === name)?.value.value;

/** The text of each live region (its root, with `live` polite or assertive), as the tree holds it. */
async function liveRegions(page: Page): Promise<{ live: string; text: string }[]> {
  const nodes = await axTree(page);
  const byId = new Map(nodes.map((n) => [n.nodeId, n]));
  const liveOf = (n: AxNode) => {
    const v = prop(n, 'live');
    return v === 'polite' || v === 'assertive' ? (v as string) : null;
  };
  const rootOf = (n: AxNode): AxNode | null => {
    let root: AxNode | null = null;
    for (let at: AxNode | undefined = n; at; at = at.parentId ? byId.get(at.parentId) : undefined) if (liveOf(at)) root = at;
    return root;
  };
  const texts = new Map<AxNode, string[]>();
  for (const n of nodes) {
    if (n.ignored || n.role?.value !== 'StaticText') continue;
    const root = rootOf(n);
    if (root) texts.set(root, [...(texts.get(root) ?? []), n.name?.value ?? '']);
  }
  return [...texts].map(([root, parts]) => ({ live: liveOf(root)!, text: parts.join(' ') }));
}

/** The accessible names of the page's buttons, as Chromium computes them. */
async function buttonNames(page: Page): Promise<string[]> {
  return (await axTree(page)).filter((n) => !n.ignored && n.role?.value === 'button').map((n) => n.name?.value ?? '');
}

/** The node that has the focus (the innermost: the page itself counts as focused too), by role and name. */
async function focused(page: Page): Promise<string> {
  const n = (await axTree(page)).filter((x) => prop(x, 'focused') === true && x.role?.value !== 'RootWebArea').at(-1);
  return n ? `${n.role?.value}: ${n.name?.value}` : 'nothing';
}

const spoken = async (page: Page) => (await liveRegions(page)).map((r) => r.text).join(' | ');

/** The id of the last request to `to` that waits in its inbox (an `exchanged` with no reply). */
function heldFor(c: TestClient, to: string): number {
  const e = c.records
    .map((r: LogRecord) => r.event)
    .reverse()
    .find((x) => x.type === 'exchanged' && x.reply === null && x.request.to === to);
  if (!e || e.type !== 'exchanged') throw new Error(`no request waits for ${to}`);
  return e.request.id;
}

describe('a screen reader on a student phone', () => {
  it('hears every key entry of a burst, what waits in the inbox and from whom, answers by name, and a question at once', async () => {
    const room = await createRoom(env.classroom.localUrl);
    const teacher = new TestClient(env.classroom.localUrl);
    const ana = new TestClient(env.classroom.localUrl);
    const bo = new TestClient(env.classroom.localUrl);
    const cy = await person(env.browser, PHONE);
    try {
      expect((await teacher.resume(room.instructorToken)).ok).toBe(true);
      // Students answer for their acceptors; two bots answer at once, as the core's rules say.
      expect((await teacher.emit('room:settings', { settings: { acceptorMode: 'students' } })).ok).toBe(true);
      expect((await ana.join(room.code, 'Ana')).ok).toBe(true);
      expect((await bo.join(room.code, 'Bo')).ok).toBe(true);
      await joinAs(env.classroom.url, cy.page, room.code, 'Cy');
      expect((await teacher.emit('bot:add', { count: 2 })).ok).toBe(true);
      const ids = Object.fromEntries(teacher.records.flatMap((r) => (r.event.type === 'nodeAdded' ? [[r.event.name, r.event.node]] : [])));
      const [anaId, boId, cyId, bot1] = [ids.Ana!, ids.Bo!, ids.Cy!, ids['Bot 1']!];

      // Ana asks everyone for a promise: Cy's phone says what waits and from whom, and its buttons say what they do.
      expect((await ana.emit('node:propose', { value: 'Apple' })).ok).toBe(true);
      expect((await ana.emit('node:promise', { to: 'all' })).ok).toBe(true);
      await expect.poll(() => spoken(cy.page)).toContain('In your inbox: Ana asks you to promise 1.Ana.');
      await expect.poll(() => buttonNames(cy.page)).toEqual(expect.arrayContaining(['Promise 1.Ana to Ana', 'Refuse to promise 1.Ana to Ana']));
      // The same words show on the screen, in the inbox a phone shows above the actions.
      expect(await cy.page.getByRole('region', { name: 'Inbox' }).getByText('Ana asks you to promise 1.Ana.').isVisible()).toBe(true);
      await screenshot(cy.page, 'student-inbox-asks-phone');
      // (The rules let Cy promise, so the classroom would not take a refusal here.)
      await cy.page.getByRole('button', { name: 'Promise 1.Ana to Ana', exact: true }).click();
      await ana.until(() => ana.records.some((r) => r.event.type === 'answered' && r.event.reply.from === cyId), "Cy's promise");
      expect((await ana.emit('node:answer', { id: heldFor(ana, anaId), yes: true })).ok).toBe(true);
      // Bot 1 accepts Apple in 1.Ana: its next promise will report it.
      expect((await ana.emit('node:accept', { to: [bot1] })).ok).toBe(true);

      // Bo's promise request to all is one burst: three requests wait, Bot 1's promise reports Apple
      // (a key entry), and Bot 2's plain promise comes last. The phone says the key entry, not only the last.
      const before = bo.lastSeq;
      expect((await bo.emit('node:propose', { value: 'Mango' })).ok).toBe(true);
      expect((await bo.emit('node:promise', { to: 'all' })).ok).toBe(true);
      await bo.until(() => bo.records.some((r) => r.seq > before && r.event.type === 'exchanged' && r.event.request.to === ids['Bot 2']), "Bot 2's promise");
      const burst = bo.records.filter((r) => r.seq > before && r.event.type === 'exchanged');
      const reporting = burst.find((r) => r.lines.some((l) => l.includes('last_accepted(1.Ana, Apple)')))!;
      expect(reporting.seq).toBeLessThan(burst.at(-1)!.seq);
      await expect.poll(() => spoken(cy.page)).toMatch(new RegExp(`Key entry ${reporting.seq}: [^|]*Apple`));
      await expect.poll(() => spoken(cy.page)).toContain('In your inbox: Bo asks you to promise 2.Bo.');
      await cy.page.getByRole('button', { name: 'Promise 2.Bo to Bo', exact: true }).click();
      expect((await bo.emit('node:answer', { id: heldFor(bo, boId), yes: true })).ok).toBe(true);

      // Bo must carry Apple (P2c): Cy is asked to accept Apple, and its acceptance chooses it.
      await bo.until(() => bo.records.some((r) => r.event.type === 'answered' && r.event.reply.from === cyId && r.event.reply.kind === 'promise'), "Cy's promise");
      expect((await bo.emit('node:accept', { to: 'all' })).ok).toBe(true);
      await expect.poll(() => spoken(cy.page)).toContain('In your inbox: Bo asks you to accept Apple in 2.Bo.');
      await expect.poll(() => buttonNames(cy.page)).toEqual(expect.arrayContaining(['Accept Apple in 2.Bo from Bo', 'Refuse to accept Apple in 2.Bo from Bo']));
      await cy.page.getByRole('button', { name: 'Accept Apple in 2.Bo from Bo', exact: true }).click();
      await expect.poll(() => cy.page.getByTestId('chosen').innerText()).toBe('Apple');
      const chosen = bo.records.find((r) => r.chosen.length > 0)!;
      await expect.poll(() => spoken(cy.page)).toMatch(new RegExp(`Key entry ${chosen.seq}: [^|]*Apple`));
      // Nothing from before the page opened is read out, and the region keeps only the latest few.
      expect(await spoken(cy.page)).not.toContain('Key entry 1:');

      // A question: read at once (assertive), and the focus moves to it, named by its prompt.
      expect((await teacher.emit('checkpoint:open', { spec: { kind: 'quorumCrash' }, seconds: 60 })).ok).toBe(true);
      await expect.poll(async () => (await liveRegions(cy.page)).filter((r) => r.live === 'assertive').map((r) => r.text).join(' ')).toMatch(/^Question 1 opens: .+ Pick one answer within 60 seconds\.$/);
      await expect.poll(() => focused(cy.page)).toMatch(/^region: Question 1: .+/);
      const prompt = (await cy.page.getByTestId('class-question').getByRole('heading').innerText()).trim();
      expect(await focused(cy.page)).toBe(`region: Question 1: ${prompt}`);
      // In view where the phone is scrolled: its top on the screen, below the page's top edge.
      const box = (await cy.page.getByTestId('class-question').boundingBox())!;
      expect(box.y).toBeGreaterThanOrEqual(0);
      expect(box.y).toBeLessThan(PHONE.height / 2);
      await cy.page.screenshot({ path: join(SCREENSHOTS, 'student-question-opened-phone.png') });
    } finally {
      for (const c of [teacher, ana, bo]) c.close();
      await cy.context.close();
    }
  });
});
