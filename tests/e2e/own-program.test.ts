/**
 * A learner's own program in a live room: a student attaches it from the phone page, the
 * page answers the node's inbox with it (the server runs none of it), and the dashboard and
 * the projector show which node runs learner's code. A program that throws, loops or gives
 * an answer the room refuses stops on its own page, shows failed everywhere, and the student
 * answers by hand while the room goes on. The other students and the instructor's commands
 * are real socket.io clients; the pages are real Chromium.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DASHBOARD, inViewport, joinAs, joinProjector, openRoom, person, PHONE, PROJECTOR, screenshot, seriousViolations, useClassroom, viewportShot } from './harness';
import { YES_TO_ALL } from './my-node-steps';
import { TestClient } from '../integration/harness';

const env = useClassroom();

/** An honest acceptor, built on the one the core plays. */
const HONEST_NODE = `import { honestAcceptor, honestProposer } from '@toy-paxos/shared';
export const acceptor = { ...honestAcceptor, name: 'my honest acceptor' };
export const proposer = honestProposer;
`;

/** An acceptor whose onRequest throws on line 4. */
const THROWS = `import { honestAcceptor, honestProposer } from '@toy-paxos/shared';
export const acceptor = { ...honestAcceptor,
  onRequest(state, request) {
    throw new Error('my acceptor cannot decide');
  },
};
export const proposer = honestProposer;
`;

/** An acceptor whose onRequest never returns (line 4). */
const LOOPS = `import { honestAcceptor, honestProposer } from '@toy-paxos/shared';
export const acceptor = { ...honestAcceptor,
  onRequest(state, request) {
    while (true) {}
  },
};
export const proposer = honestProposer;
`;

/** The instructor's dashboard opens a room in students mode; the instructor's commands go through a socket.io client of the same session. */
async function studentsRoom() {
  // bypassCSP: only so that axe's script can be put on the page.
  const dashboard = await person(env.browser, DASHBOARD, { bypassCSP: true });
  const code = await openRoom(env.classroom.url, dashboard.page);
  const token = (await dashboard.page.evaluate(`localStorage.getItem('toy-paxos:token:${code}')`)) as string;
  const teacher = new TestClient(env.classroom.localUrl);
  expect((await teacher.resume(token)).ok).toBe(true);
  expect((await teacher.emit('room:settings', { settings: { acceptorMode: 'students' } })).ok).toBe(true);
  return { dashboard, code, teacher };
}

/** Ana's phone opens "Run my own code", writes `source` and runs it on her node. */
async function runOwnCode(page: Page, source: string): Promise<void> {
  if (await page.getByRole('button', { name: 'Run my own code' }).isVisible()) await page.getByRole('button', { name: 'Run my own code' }).click();
  await page.getByRole('textbox', { name: 'Your node: TypeScript or JavaScript' }).fill(source);
  await page.getByRole('button', { name: 'Run on my node' }).click();
}

/**
 * The words of the ring's labels that the browser broke across two lines ("promi / sed"): each word's
 * boxes, one per line it spans. Runs in the page: written as a string, since these tests are type-checked
 * without the DOM's types.
 */
const brokenWords = (page: Page) =>
  page.evaluate(`[...document.querySelectorAll('.labels .label')].flatMap((label) => {
    const walker = document.createTreeWalker(label, NodeFilter.SHOW_TEXT);
    const broken = [];
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      for (const m of t.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(t, m.index);
        range.setEnd(t, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (tops.size > 1) broken.push(m[0]);
      }
    }
    return broken;
  })`) as Promise<string[]>;

/** Text with its line breaks as spaces: a banner's parts are blocks of their own. */
const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

/** The phone's first screen: the page scrolled to its top, as it opens. */
async function firstScreen(page: Page): Promise<void> {
  await page.evaluate('window.scrollTo(0, 0)');
}

const status = (page: Page) => page.getByTestId('room-program-status').innerText();
const problem = (page: Page) => page.getByTestId('room-program-problem').innerText();
const lines = (c: TestClient) => c.records.flatMap((r) => r.lines);
const nodeOf = (c: TestClient, name: string) => c.records.find((r) => r.event.type === 'nodeAdded' && r.event.name === name)!.event as { node: string };

describe('a learner\'s own program in a live room', () => {
  it('answers for its node without a tap, survives a reload, and the dashboard and the projector show it', async () => {
    const { dashboard, code, teacher } = await studentsRoom();
    const bo = new TestClient(env.classroom.localUrl);
    // bypassCSP: only so that axe's script can be put on the page.
    const ana = await person(env.browser, PHONE, { bypassCSP: true });
    const projector = await person(env.browser, PROJECTOR, { bypassCSP: true });
    try {
      expect((await bo.join(code, 'Bo')).ok).toBe(true);
      await joinAs(env.classroom.url, ana.page, code, 'Ana');
      const anaId = nodeOf(teacher, 'Ana').node;

      await runOwnCode(ana.page, HONEST_NODE);
      await expect.poll(() => status(ana.page)).toContain('Your program answers for Ana: 0 answers so far.');
      await teacher.until(() => lines(teacher).includes('PROGRAM Ana on'), 'the program recorded');
      expect(await ana.page.getByRole('region', { name: 'Inbox' }).innerText()).toContain('Your own code answers these requests as they arrive.');
      await screenshot(ana.page, 'own-program-phone-running');
      expect(await seriousViolations(ana.page)).toEqual([]);

      // Bo asks everyone for a promise: Ana's program promises at once, nobody taps (a bot answers by the rules, Bo's own request waits for him).
      expect((await teacher.emit('bot:add', {})).ok).toBe(true);
      expect((await bo.emit('node:propose', { value: 'Apple' })).ok).toBe(true);
      expect((await bo.emit('node:promise', { to: 'all' })).ok).toBe(true);
      await expect.poll(() => status(ana.page)).toContain('1 answer so far');
      await teacher.until(() => teacher.records.some((r) => r.event.type === 'answered' && r.event.reply.from === anaId && r.event.reply.kind === 'promise'), 'Ana\'s promise');

      // A reload: this tab kept the program's text, and runs it again; the room's record stands.
      await ana.page.reload();
      await expect.poll(() => status(ana.page)).toContain('Your program answers for Ana: 0 answers so far.');
      expect((await bo.emit('node:accept', { to: 'all' })).ok).toBe(true);
      await expect.poll(() => status(ana.page)).toContain('1 answer so far');
      await teacher.until(() => teacher.records.some((r) => r.event.type === 'answered' && r.event.reply.from === anaId && r.event.reply.kind === 'accepted'), 'Ana\'s acceptance, after the reload');
      expect(lines(teacher).filter((l) => l.startsWith('PROGRAM'))).toEqual(['PROGRAM Ana on']);
      expect(teacher.records.find((r) => r.event.type === 'answered' && r.event.reply.from === anaId)!.explanation).toMatch(/^Ana \(answered by its student's own code\) had promised nothing/);

      // The dashboard: the network's list of nodes says it at the top of the screen; the participants list and the ring's label say it too.
      const listed = dashboard.page.getByRole('region', { name: 'Nodes' }).getByText('own code', { exact: true });
      await expect.poll(() => listed.isVisible()).toBe(true);
      await viewportShot(dashboard.page, 'own-program-dashboard');
      expect(await seriousViolations(dashboard.page)).toEqual([]);
      const box = (await listed.boundingBox())!;
      expect(box.y >= 0 && box.y + box.height <= DASHBOARD.height).toBe(true);
      expect(await dashboard.page.getByRole('region', { name: 'Participants' }).getByText('own code', { exact: true }).isVisible()).toBe(true);
      const ringBadge = dashboard.page.getByRole('region', { name: 'Ring' }).getByTestId('own-program-badge');
      await ringBadge.scrollIntoViewIfNeeded();
      expect(await ringBadge.innerText()).toBe('own code');
      expect(await inViewport(dashboard.page, 'own-program-badge')).toBe(true);
      await viewportShot(dashboard.page, 'own-program-dashboard-ring');

      // The projector: the badge on Ana's label, in the viewport, large enough for the back row.
      await joinProjector(env.classroom.url, projector.page, code);
      const badge = projector.page.getByTestId('own-program-badge');
      await expect.poll(() => badge.isVisible()).toBe(true);
      expect(await inViewport(projector.page, 'own-program-badge')).toBe(true);
      // Runs in the page: written as a string, since these tests are type-checked without the DOM's types.
      expect((await projector.page.evaluate(`parseFloat(getComputedStyle(document.querySelector('[data-testid=own-program-badge]')).fontSize)`)) as number).toBeGreaterThanOrEqual(20);
      await viewportShot(projector.page, 'own-program-projector');
      expect(await seriousViolations(projector.page)).toEqual([]);

      // The instructor clears the node's program from the dashboard (a student gone for good, say): the page stops it and says so.
      await dashboard.page.getByRole('button', { name: 'Clear code on Ana' }).click();
      await teacher.until(() => lines(teacher).includes('PROGRAM Ana off'), 'the program cleared');
      await expect.poll(() => problem(ana.page)).toBe("Your program was turned off for your node (PROGRAM Ana off: your instructor's Clear code, or Answer by hand on another page of yours): run it again to go on.");
      expect(await status(ana.page)).toContain('Your program does not run: you answer by hand.');
      await expect.poll(() => badge.count()).toBe(0);

      // Run again, then the class moves to a timeline forked before that: there the node runs no program, and the page says so.
      await ana.page.getByRole('button', { name: 'Run on my node' }).click();
      await teacher.until(() => lines(teacher).filter((l) => l === 'PROGRAM Ana on').length === 2, 'the program on again');
      const on = [...teacher.records].reverse().find((r) => r.lines.includes('PROGRAM Ana on'))!;
      expect((await teacher.emit('branch:fork', { seq: on.seq - 1, name: 'before the code' })).ok).toBe(true);
      await expect.poll(() => problem(ana.page)).toBe('The class moved to another timeline, where your node runs no program: run it again to go on.');
    } finally {
      bo.close();
      teacher.close();
      for (const p of [ana, projector, dashboard]) await p.context.close();
    }
  });

  it('a tab closed and opened again: the inbox says no program answers here, the projector breaks no word, and the student answers by hand', async () => {
    const { dashboard, code, teacher } = await studentsRoom();
    const bo = new TestClient(env.classroom.localUrl);
    // bypassCSP: only so that axe's script can be put on the page.
    const ana = await person(env.browser, PHONE, { bypassCSP: true });
    const projector = await person(env.browser, PROJECTOR);
    try {
      expect((await bo.join(code, 'Bo')).ok).toBe(true);
      await joinAs(env.classroom.url, ana.page, code, 'Ana');
      const anaId = nodeOf(teacher, 'Ana').node;
      await runOwnCode(ana.page, HONEST_NODE);
      await teacher.until(() => lines(teacher).includes('PROGRAM Ana on'), 'the program recorded');
      expect((await bo.emit('node:propose', { value: 'Apple' })).ok).toBe(true);
      expect((await bo.emit('node:promise', { to: 'all' })).ok).toBe(true);
      await teacher.until(() => teacher.records.some((r) => r.event.type === 'answered' && r.event.reply.from === anaId && r.event.reply.kind === 'promise'), 'Ana\'s promise');

      // The projector: Ana's label reads "own code promised 1.Bo", broken between words only.
      await joinProjector(env.classroom.url, projector.page, code);
      const badge = projector.page.getByTestId('own-program-badge');
      await expect.poll(() => badge.isVisible()).toBe(true);
      await expect.poll(() => projector.page.locator('.labels .label').filter({ hasText: 'Ana' }).innerText()).toMatch(/own code\s+promised\s+1\.Bo/);
      expect(await brokenWords(projector.page)).toEqual([]);
      await viewportShot(projector.page, 'own-program-projector-promised');

      // Ana closes the tab and opens the room again in the same browser: the room still shows her program, no page runs it.
      const url = ana.page.url();
      await ana.page.close();
      const again = await ana.context.newPage();
      await again.goto(url);
      await again.getByRole('heading', { name: 'My node: Ana' }).waitFor();
      expect((await bo.emit('node:propose', { value: 'Apple' })).ok).toBe(true);
      expect((await bo.emit('node:promise', { to: 'all' })).ok).toBe(true);
      const inbox = again.getByRole('region', { name: 'Inbox' });
      await expect.poll(() => inbox.innerText()).toContain('Bo asks you to promise 2.Bo');
      const text = await inbox.innerText();
      expect(text).not.toContain('Your own code answers');
      expect(await again.getByTestId('inbox-program').innerText()).toBe('No program answers these requests on this page: they wait for you.');
      // At the top of the phone's first screen: why nothing answers, what waits, and both ways on.
      const banner = again.getByTestId('program-banner');
      expect(oneLine(await banner.innerText())).toContain(
        'This page does not run your own code, though your node shows it running: unless another page of yours does, nothing answers your inbox. Run it again here, or answer by hand. Bo asks you to promise 2.Bo: in your inbox.',
      );
      expect(await banner.getAttribute('role')).toBe('status');
      await firstScreen(again);
      await viewportShot(again, 'own-program-phone-not-here');
      expect(await inViewport(again, 'program-banner')).toBe(true);
      for (const name of ['Run it again here', 'Answer by hand']) {
        const box = (await banner.getByRole('button', { name }).boundingBox())!;
        expect(box.y >= 0 && box.y + box.height <= PHONE.height).toBe(true);
      }
      expect(await seriousViolations(again)).toEqual([]);

      await banner.getByRole('button', { name: 'Answer by hand' }).click();
      await teacher.until(() => lines(teacher).includes('PROGRAM Ana off'), 'back to answering by hand');
      await expect.poll(() => banner.count()).toBe(0);
      expect(await again.getByTestId('inbox-program').count()).toBe(0);
      await again.getByRole('button', { name: 'Promise 2.Bo to Bo', exact: true }).click();
      await teacher.until(() => teacher.records.some((r) => r.event.type === 'answered' && r.event.reply.from === anaId && r.event.reply.ballot.round === 2), 'Ana\'s promise to 2.Bo by hand');
    } finally {
      bo.close();
      teacher.close();
      for (const p of [ana, projector, dashboard]) await p.context.close();
    }
  });

  it('after a reload, an answer from the inbox by hand turns the failed program off, once, and the banner and the badges go', async () => {
    const { dashboard, code, teacher } = await studentsRoom();
    const cy = new TestClient(env.classroom.localUrl);
    const ana = await person(env.browser, PHONE);
    try {
      expect((await cy.join(code, 'Cy')).ok).toBe(true);
      await joinAs(env.classroom.url, ana.page, code, 'Ana');
      const anaId = nodeOf(teacher, 'Ana').node;
      await runOwnCode(ana.page, THROWS);
      await teacher.until(() => lines(teacher).includes('PROGRAM Ana on'), 'the program on');
      expect((await cy.emit('node:propose', { value: 'Mango' })).ok).toBe(true);
      expect((await cy.emit('node:promise', { to: [anaId] })).ok).toBe(true);
      await teacher.until(() => lines(teacher).includes('PROGRAM Ana failed'), 'the failure recorded');
      const failed = dashboard.page.getByRole('region', { name: 'Participants' }).getByText('own code failed', { exact: true });
      await expect.poll(() => failed.isVisible()).toBe(true);
      await ana.page.reload();
      const why = ana.page.getByTestId('program-banner');
      await expect.poll(async () => oneLine(await why.innerText())).toContain('Your program stopped before the reload');
      // Ana promises from the inbox by hand, as the banner says she may.
      await ana.page.getByRole('button', { name: 'Promise 1.Cy to Cy', exact: true }).click();
      await teacher.until(() => teacher.records.some((r) => r.event.type === 'answered' && r.event.reply.from === anaId && r.event.reply.kind === 'promise'), 'Ana\'s promise by hand');
      await teacher.until(() => lines(teacher).includes('PROGRAM Ana off'), 'the program turned off');
      await expect.poll(() => why.count()).toBe(0);
      await expect.poll(() => failed.count()).toBe(0);
      expect(await ana.page.getByText('own code failed').count()).toBe(0);
      await viewportShot(ana.page, 'own-program-phone-answered-by-hand');
      // A second request: answered by hand as any other, with no second PROGRAM off.
      expect((await cy.emit('node:propose', { value: 'Mango' })).ok).toBe(true);
      expect((await cy.emit('node:promise', { to: [anaId] })).ok).toBe(true);
      await ana.page.getByRole('button', { name: 'Promise 2.Cy to Cy', exact: true }).click();
      await teacher.until(() => teacher.records.some((r) => r.event.type === 'answered' && r.event.reply.from === anaId && r.event.reply.ballot.round === 2), 'Ana\'s second promise by hand');
      expect(lines(teacher).filter((l) => l === 'PROGRAM Ana off')).toHaveLength(1);
      expect(teacher.problems).toEqual([]);
    } finally {
      cy.close();
      teacher.close();
      for (const p of [ana, dashboard]) await p.context.close();
    }
  });

  it('a program whose answer the room refuses, one that throws and one that loops are each stopped; the student answers by hand and the room goes on', async () => {
    const { dashboard, code, teacher } = await studentsRoom();
    const [bo, cy] = [new TestClient(env.classroom.localUrl), new TestClient(env.classroom.localUrl)];
    const ana = await person(env.browser, PHONE);
    try {
      expect((await bo.join(code, 'Bo')).ok).toBe(true);
      expect((await cy.join(code, 'Cy')).ok).toBe(true);
      await joinAs(env.classroom.url, ana.page, code, 'Ana');
      const anaId = nodeOf(teacher, 'Ana').node;

      // A file with no acceptor of its own: in a class the code answers as the node's acceptor, so it does not start.
      await runOwnCode(ana.page, "import { HONEST } from '@toy-paxos/shared';\nexport const proposer = HONEST.proposer;\n");
      await expect.poll(() => problem(ana.page)).toMatch(/The program exports no acceptor: in a class your code answers for your node as its acceptor/);
      expect(lines(teacher)).not.toContain('PROGRAM Ana on');

      // An acceptor that says yes to everything: its yes to a ballot below its promise is refused by the room (P1a).
      await runOwnCode(ana.page, YES_TO_ALL);
      await expect.poll(() => status(ana.page)).toContain('Your program answers for Ana');
      expect((await bo.emit('node:propose', { value: 'Apple' })).ok).toBe(true);
      expect((await bo.emit('node:promise', { to: [anaId] })).ok).toBe(true);
      expect((await bo.emit('node:propose', { value: 'Apple' })).ok).toBe(true);
      expect((await bo.emit('node:promise', { to: [anaId] })).ok).toBe(true);
      await expect.poll(() => status(ana.page)).toContain('2 answers so far');
      // Cy has seen no round: its ballot 1.Cy is below Ana's promise 2.Bo.
      expect((await cy.emit('node:propose', { value: 'Mango' })).ok).toBe(true);
      expect((await cy.emit('node:promise', { to: [anaId] })).ok).toBe(true);
      await expect.poll(() => problem(ana.page)).toMatch(/^acceptor\.onRequest: it said yes to request #\d+, and the room refused that answer: Ana has promised 2\.Bo, which is higher than 1\.Cy/);
      expect(await status(ana.page)).toContain('Your program stopped.');
      await teacher.until(() => lines(teacher).includes('PROGRAM Ana failed'), 'the failure recorded');
      const failed = dashboard.page.getByRole('region', { name: 'Participants' }).getByText('own code failed', { exact: true });
      await expect.poll(() => failed.isVisible()).toBe(true);
      await screenshot(ana.page, 'own-program-phone-refused');

      // By hand: Ana refuses Cy's request herself, and the room goes on.
      await ana.page.getByRole('button', { name: 'Refuse to promise 1.Cy to Cy' }).click();
      await teacher.until(() => teacher.records.some((r) => r.event.type === 'answered' && r.event.reply.from === anaId && r.event.reply.kind === 'reject'), 'Ana\'s refusal by hand');

      // A program that throws: stopped with its line, the node shows failed, the student answers by hand.
      await runOwnCode(ana.page, THROWS);
      await teacher.until(() => lines(teacher).filter((l) => l === 'PROGRAM Ana on').length === 2, 'the program on again');
      expect((await cy.emit('node:propose', { value: 'Mango' })).ok).toBe(true); // 3.Cy: Cy heard of round 2
      expect((await cy.emit('node:promise', { to: [anaId] })).ok).toBe(true);
      await expect.poll(() => problem(ana.page)).toBe('acceptor.onRequest, line 4: Error: my acceptor cannot decide');
      await teacher.until(() => lines(teacher).filter((l) => l === 'PROGRAM Ana failed').length === 2, 'the second failure recorded');
      // Why, on the phone's first screen, beside the request left to answer, read at once by a screen reader.
      const why = ana.page.getByTestId('program-banner');
      expect(await why.getAttribute('role')).toBe('alert');
      expect(oneLine(await why.innerText())).toContain(
        'Your program stopped: acceptor.onRequest, line 4: Error: my acceptor cannot decide. Answer by hand, or fix it and run it again. Cy asks you to promise 3.Cy: in your inbox.',
      );
      expect(await ana.page.getByTestId('announcements').innerText()).toContain('Your program stopped: acceptor.onRequest, line 4: Error: my acceptor cannot decide.');
      await firstScreen(ana.page);
      await viewportShot(ana.page, 'own-program-phone-threw');
      expect(await inViewport(ana.page, 'program-banner')).toBe(true);
      // A reload of the tab: the reason stays, in words that fit a page that no longer runs it.
      await ana.page.reload();
      await ana.page.getByRole('heading', { name: 'My node: Ana' }).waitFor();
      await expect.poll(async () => oneLine(await why.innerText())).toContain('Your program stopped before the reload: acceptor.onRequest, line 4: Error: my acceptor cannot decide. Answer by hand, or run it again.');
      expect(await why.getAttribute('role')).toBe('alert');
      expect(await inViewport(ana.page, 'program-banner')).toBe(true);
      await viewportShot(ana.page, 'own-program-phone-threw-reloaded');
      // Run it again here: "Run my own code" opens with the program that stopped, its Run button focused.
      await why.getByRole('button', { name: 'Run it again here' }).click();
      await expect.poll(() => ana.page.getByRole('textbox', { name: 'Your node: TypeScript or JavaScript' }).innerText()).toContain('my acceptor cannot decide');
      await expect.poll(() => ana.page.getByRole('button', { name: 'Run on my node' }).evaluate((b) => b === b.ownerDocument.activeElement)).toBe(true);
      expect(await status(ana.page)).toContain('Your program stopped and no longer runs (your node shows own code failed): answer by hand, or run it again.');
      await ana.page.getByRole('button', { name: 'Answer by hand' }).click();
      await teacher.until(() => lines(teacher).includes('PROGRAM Ana off'), 'back to answering by hand');
      await ana.page.getByRole('button', { name: 'Promise 3.Cy to Cy', exact: true }).click();
      await teacher.until(() => teacher.records.some((r) => r.event.type === 'answered' && r.event.reply.from === anaId && r.event.reply.kind === 'promise' && r.event.reply.ballot.node === cy.session!.node), 'Ana\'s promise by hand');

      // A program that never returns: the deadline stops it on its line.
      await runOwnCode(ana.page, LOOPS);
      await teacher.until(() => lines(teacher).filter((l) => l === 'PROGRAM Ana on').length === 3, 'the program on a third time');
      // Bo's third and fourth proposals: 4.Bo, above Cy's 3.Cy, which Ana promised.
      expect((await bo.emit('node:propose', { value: 'Apple' })).ok).toBe(true);
      expect((await bo.emit('node:propose', { value: 'Apple' })).ok).toBe(true);
      expect((await bo.emit('node:promise', { to: [anaId] })).ok).toBe(true);
      await expect.poll(() => problem(ana.page), { timeout: 15_000 }).toBe('acceptor.onRequest, line 4: it ran longer than 1000 ms (a loop that never ends?)');
      await teacher.until(() => lines(teacher).filter((l) => l === 'PROGRAM Ana failed').length === 3, 'the third failure recorded');
      await screenshot(ana.page, 'own-program-phone-loop');

      // The room goes on: Bo's and Cy's commands are taken as ever, and Ana answers by hand.
      await ana.page.getByRole('button', { name: 'Promise 4.Bo to Bo', exact: true }).click();
      await teacher.until(() => teacher.records.some((r) => r.event.type === 'answered' && r.event.reply.from === anaId && r.event.reply.ballot.round === 4), 'Ana\'s promise to 4.Bo by hand');
      expect(teacher.problems).toEqual([]);
    } finally {
      bo.close();
      cy.close();
      teacher.close();
      for (const p of [ana, dashboard]) await p.context.close();
    }
  });
});
