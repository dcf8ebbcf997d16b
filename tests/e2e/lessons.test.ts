/**
 * The moments a lesson turns on, where the student looks: a proposal that adopts an
 * accepted value, a request waiting in the inbox, and a fresh round that starts clean.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { describeExpectation, lessonSteps, parseScenario, PRESETS, runScenario } from '@toy-paxos/shared';
import { DESKTOP, joinAs as joinAt, openLesson as openLessonAt, openRoom as openRoomAt, person, PHONE, screenshot, SCREENSHOTS, useClassroom } from './harness';

const env = useClassroom();
const openRoom = (page: Page) => openRoomAt(env.classroom.url, page);
const joinAs = (page: Page, code: string, name: string) => joinAt(env.classroom.url, page, code, name);

async function propose(page: Page, value: string): Promise<void> {
  await page.getByLabel('Value', { exact: true }).fill(value);
  await page.getByRole('button', { name: /^New proposal/ }).click();
}

describe('value adoption', () => {
  it("shows on the proposer's own card and as a notice the moment it happens, with the entry that did it", async () => {
    const teacher = await person(env.browser, DESKTOP);
    const code = await openRoom(teacher.page);
    const [ana, bo, cy] = [await person(env.browser, PHONE), await person(env.browser, PHONE), await person(env.browser, PHONE)];
    await joinAs(ana.page, code, 'Ana');
    await joinAs(bo.page, code, 'Bo');
    await joinAs(cy.page, code, 'Cy');
    await propose(ana.page, 'Apple');
    await ana.page.getByRole('button', { name: 'Promise request', exact: true }).click();
    await ana.page.getByRole('button', { name: 'Accept request', exact: true }).click();
    await expect.poll(() => cy.page.getByTestId('chosen').innerText()).toBe('Apple');

    await propose(cy.page, 'Mango');
    await expect.poll(() => cy.page.getByTestId('next-accept').innerText()).toBe('Next accept request carries Mango, its val.');
    await cy.page.getByRole('button', { name: 'Promise request', exact: true }).click();
    await expect.poll(() => cy.page.getByTestId('next-accept').innerText()).toBe(
      'Next accept request carries Apple, adopted: a promiser had accepted it in ballot 1.Ana, so Paxos makes this proposer carry it instead of Mango.',
    );
    const notice = cy.page.getByRole('alert').filter({ hasText: 'Your next accept request carries Apple, not your Mango' });
    await expect.poll(() => notice.isVisible()).toBe(true);
    // Nobody else is told: it happened to Cy's proposal.
    expect(await bo.page.getByText('Your next accept request carries').count()).toBe(0);
    await screenshot(cy.page, 'student-adoption-phone');

    const show = notice.getByRole('button', { name: /^Show entry \d+$/ });
    const seq = Number((await show.innerText()).replace('Show entry ', ''));
    await show.click();
    const entry = cy.page.locator(`[data-seq="${seq}"]`);
    // Focus lands on the entry, for a keyboard or screen-reader user. Written as a string: these tests have no DOM types.
    await expect.poll(() => cy.page.evaluate('document.activeElement?.getAttribute("data-seq")')).toBe(String(seq));
    expect(await entry.count()).toBe(1);
    await expect.poll(() => cy.page.getByLabel('Selected entry').innerText()).toContain('PROMISE Request from Cy');
    await expect.poll(() => cy.page.getByLabel('Selected entry').innerText()).toContain('promiser_acc_max: Apple');
    // The entry where it happened, which cites the rule, with the rule in words.
    await expect.poll(() => cy.page.getByLabel('Selected entry').innerText()).toContain('so Cy must propose Apple, not its own Mango (P2c).');
    await expect.poll(() => cy.page.getByLabel('Selected entry').innerText()).toContain('P2c, the rule it cites: A proposal numbered n with value v');

    await cy.page.getByRole('button', { name: 'Accept request', exact: true }).click();
    await expect.poll(() => cy.page.getByTestId('next-accept').innerText()).toBe('Accept requests carry Apple: the first one sent fixed it.');
    await cy.page.setViewportSize(DESKTOP);
    await screenshot(cy.page, 'student-adoption-desktop');
    for (const p of [teacher, ana, bo, cy]) await p.context.close();
  });
});

describe('students decide', () => {
  it('a waiting request shows as a badge in the header, is announced, and the inbox sits above the actions', async () => {
    const teacher = await person(env.browser, DESKTOP);
    const code = await openRoom(teacher.page);
    const [ana, bo] = [await person(env.browser, PHONE), await person(env.browser, PHONE)];
    await joinAs(ana.page, code, 'Ana');
    await joinAs(bo.page, code, 'Bo');
    await teacher.page.getByRole('combobox', { name: /^Acceptors/ }).selectOption('students');
    await expect.poll(() => bo.page.getByRole('region', { name: 'Inbox' }).isVisible()).toBe(true);
    expect(await bo.page.getByTestId('inbox-badge').count()).toBe(0);

    await propose(ana.page, 'Apple');
    await ana.page.getByRole('button', { name: 'Promise request', exact: true }).click();
    await expect.poll(() => bo.page.getByTestId('inbox-badge').innerText()).toBe('Inbox: 1 waiting');
    await expect.poll(() => bo.page.getByRole('log', { name: 'Announcements' }).innerText()).toBe('In your inbox: Ana asks you to promise 1.Ana.');
    const inbox = await bo.page.getByRole('region', { name: 'Inbox' }).boundingBox();
    const actions = await bo.page.getByRole('heading', { name: 'Actions' }).boundingBox();
    expect(inbox!.y).toBeLessThan(actions!.y);
    await screenshot(bo.page, 'student-inbox-phone');
    await bo.page.getByTestId('inbox-badge').click();
    await expect.poll(() => bo.page.url()).toContain('#inbox');

    // A wrong answer is refused; the refusal belongs to this round, and a new round clears it.
    await bo.page.getByRole('region', { name: 'Inbox' }).getByRole('button', { name: 'Refuse' }).click();
    await expect.poll(() => bo.page.getByRole('alert').filter({ hasText: 'Refused' }).count()).toBe(1);
    await teacher.page.getByRole('button', { name: 'Start a new round' }).click();
    await expect.poll(() => bo.page.getByRole('alert').filter({ hasText: 'Refused' }).count()).toBe(0);
    await expect.poll(() => bo.page.getByTestId('inbox-badge').count()).toBe(0);
    for (const p of [teacher, ana, bo]) await p.context.close();
  });
});

describe('a guided solo lesson', () => {
  for (const [size, viewport] of [
    ['desktop', { width: 1366, height: 768 }],
    ['phone', PHONE],
  ] as const) {
    it(`shows the step, its key entries, Next and the ring in one view (${size}); set-up runs in one step; the acting node follows`, async () => {
      const { page, context } = await person(env.browser, viewport);
      await page.goto(`${env.classroom.url}/solo`);
      await page.getByRole('combobox').filter({ hasText: 'Choose a preset lesson' }).selectOption('value-adoption');
      await page.getByRole('button', { name: 'Load' }).click();
      const lesson = page.getByRole('region', { name: 'Lesson', exact: true });
      const status = lesson.getByRole('status').first();
      await expect.poll(() => status.innerText()).toBe('Press Next step to begin.');
      const next = lesson.getByRole('button', { name: 'Next step' });
      await next.click();
      // "nodes A B C" is one step, not three that look the same; it is said in words, the script line below.
      await expect.poll(() => status.innerText()).toBe('Step 1 of 9: A, B and C join\nnodes A B C');
      for (let i = 0; i < 7; i++) await next.click();
      await expect.poll(() => status.innerText()).toBe('Step 8 of 9: C asks every acceptor to accept\naccept C -> all');
      await expect.poll(() => lesson.innerText()).toContain('ACCEPT  Request from C');
      // The acting node is the one the step is about.
      await expect.poll(() => page.getByRole('combobox', { name: 'Acting node' }).inputValue()).toBe('C');
      await screenshot(page, `solo-guided-${size}`);
      // What the learner sees without scrolling.
      await page.screenshot({ path: `${SCREENSHOTS}/solo-guided-${size}-first-view.png` });
      // Everything the step needs is in view without scrolling: the narration, Next and the ring; on a wide screen its key entries too
      // (the adoption of Apple, then Apple chosen in a later ballot too) and the words that say why their lines read "val: Mango". A
      // phone puts the ring right below Next, then the key entries: the first one's sentence is in view.
      const keys = lesson.locator('[data-key-seq]');
      expect(await keys.count()).toBe(2);
      const wide = size === 'desktop' ? [keys.first().locator('.reading'), keys.last()] : [];
      for (const part of [status, keys.first().locator('.because').first(), next, lesson.locator('.stage-ring svg').first(), ...wide]) {
        const box = (await part.boundingBox())!;
        expect(box.y + box.height, `${size}: ${await part.evaluate((el) => el.className || el.tagName)}`).toBeLessThanOrEqual(viewport.height);
      }
      await next.click();
      await expect.poll(() => status.innerText()).toBe('Step 9 of 9: What holds now\nexpect choice C Apple; expect chosen Apple; expect safe');
      expect(await next.isDisabled()).toBe(true);
      await lesson.getByRole('button', { name: 'Back' }).click();
      await expect.poll(() => status.innerText()).toBe('Step 8 of 9: C asks every acceptor to accept\naccept C -> all');
      await context.close();
    });
  }
});

describe('replay looks like replay', () => {
  it('a bar across the page says which event is shown and which is live, and the live controls say they act on live', async () => {
    const teacher = await person(env.browser, DESKTOP);
    const code = await openRoom(teacher.page);
    const s = await person(env.browser, PHONE);
    await joinAs(s.page, code, 'Lu');
    await propose(s.page, 'Kiwi');
    await s.page.getByRole('button', { name: 'Promise request', exact: true }).click();
    await expect.poll(() => s.page.getByTestId('log').innerText()).toContain('PROMISE');
    expect(await s.page.getByTestId('replay-bar').count()).toBe(0);
    await s.page.getByRole('button', { name: 'Replay and export' }).click();
    await s.page.getByRole('button', { name: 'One event back' }).click();
    const bar = s.page.getByTestId('replay-bar');
    await expect.poll(() => bar.innerText()).toContain('Replaying event 2 of 3 · live is event 3');
    // Fixed across the top of the page, whatever is scrolled into view.
    const box = (await bar.boundingBox())!;
    expect(box.y).toBe(0);
    expect(box.width).toBe(PHONE.width);
    await expect.poll(() => s.page.getByText('Live now, at event 3: these act on the room as it is, not on the moment replayed.').isVisible()).toBe(true);
    // Written as a string: these tests have no DOM types.
    expect(Number(await s.page.evaluate("getComputedStyle(document.querySelector('.live-only')).opacity"))).toBeLessThan(1);
    await screenshot(s.page, 'student-replaying-phone');
    await bar.getByRole('button', { name: 'Back to live' }).click();
    await expect.poll(() => bar.count()).toBe(0);
    expect(await s.page.getByText('Live now, at event').count()).toBe(0);
    for (const p of [teacher, s]) await p.context.close();
  });
});

describe('chosen versus learned', () => {
  for (const [size, viewport] of [
    ['desktop', { width: 1366, height: 768 }],
    ['phone', PHONE],
  ] as const) {
    it(`the banner says chosen by a quorum and how many learned, and each card whether it has learned (${size})`, async () => {
      const { page, context } = await person(env.browser, viewport);
      await page.goto(`${env.classroom.url}/solo`);
      await page.getByRole('combobox').filter({ hasText: 'Choose a preset lesson' }).selectOption('chosen-vs-learned');
      await page.getByRole('button', { name: 'Load' }).click();
      const lesson = page.getByRole('region', { name: 'Lesson', exact: true });
      const next = lesson.getByRole('button', { name: 'Next step' });
      const status = () => lesson.getByRole('status').first().innerText();
      const stepTo = async (source: string) => {
        for (let i = 0; i < 20 && !(await status()).includes(source); i++) await next.click();
        expect(await status()).toContain(source);
      };
      await stepTo('deliver A -> C');
      // Apple is chosen: B and C accepted it. No node knows yet: every acceptance is still in flight.
      await expect.poll(() => page.getByTestId('chosen').innerText()).toBe('Apple');
      expect(await page.getByTestId('learned').innerText()).toBe('learned by 0 of 3 nodes');
      await expect.poll(() => page.getByRole('combobox', { name: 'Acting node' }).inputValue()).toBe('C');
      expect(await page.getByTestId('learner-status').innerText()).toBe(
        'Not learned yet, though Apple is chosen by a quorum: heard of 1 of the 2 acceptances of Apple in ballot 1.A it needs.',
      );
      await screenshot(page, `solo-chosen-not-learned-${size}`);
      await stepTo('deliver C -> B');
      await expect.poll(() => page.getByTestId('learned').innerText()).toBe('learned by 1 of 3 nodes');
      await expect.poll(() => page.getByRole('combobox', { name: 'Acting node' }).inputValue()).toBe('B');
      expect(await page.getByTestId('learner-status').innerText()).toBe('Learned Apple: a quorum of acceptors told it they accepted it.');
      await context.close();
    });
  }
});

describe('a lesson with questions to predict', () => {
  for (const [size, viewport] of [
    ['desktop', { width: 1366, height: 768 }],
    ['phone', PHONE],
  ] as const) {
    it(`the learner picks an answer, locked in, and the reveal says whether it was right (${size})`, async () => {
      const { page, context } = await person(env.browser, viewport);
      await page.goto(`${env.classroom.url}/solo`);
      await page.getByRole('combobox').filter({ hasText: 'Choose a preset lesson' }).selectOption('predict-value-adoption');
      await page.getByRole('button', { name: 'Load' }).click();
      const lesson = page.getByRole('region', { name: 'Lesson', exact: true });
      const next = lesson.getByRole('button', { name: 'Next step' });
      const status = () => lesson.getByRole('status').first().innerText();
      // The step that asks "Is a value chosen now?" is the one where Apple gets chosen: it does not say so before the reveal.
      for (let i = 0; i < 30 && !(await status()).includes('ask chosen-now'); i++) await next.click();
      expect(await lesson.innerText()).not.toContain('Apple is chosen');
      expect(await page.getByTestId('safety').innerText()).not.toContain('Apple');
      await next.click();
      await expect.poll(() => page.getByTestId('safety').innerText()).toContain('Chosen by a quorum:');
      for (let i = 0; i < 30 && !(await status()).includes('ask reply C -> B'); i++) await next.click();
      const prediction = page.getByRole('region', { name: 'Your prediction' });
      expect(await prediction.getByRole('heading').innerText()).toBe("Your prediction: What will B answer to 1.C's promise request?");
      const answers = prediction.getByRole('group', { name: 'Answers to choose from' }).getByRole('button');
      expect(await answers.allInnerTexts()).toEqual(['Promise, reporting nothing accepted', 'Promise, reporting Apple accepted in 1.A', 'Refuse']);
      await answers.first().click();
      expect(await answers.first().getAttribute('aria-pressed')).toBe('true');
      expect(await answers.nth(1).isDisabled()).toBe(true);
      await expect.poll(() => prediction.getByRole('status').innerText()).toBe('Your answer is locked in: Promise, reporting nothing accepted. Press Next step for the reveal.');
      // Everything the question needs is in the first view, Next included.
      for (const part of [prediction, next]) {
        const box = (await part.boundingBox())!;
        expect(box.y + box.height).toBeLessThanOrEqual(viewport.height);
      }
      await screenshot(page, `solo-prediction-${size}`);
      await next.click();
      await expect.poll(() => prediction.getByRole('status').innerText()).toBe(
        'Not this time: you picked Promise, reporting nothing accepted; the answer is Promise, reporting Apple accepted in 1.A.',
      );
      expect(await lesson.locator('.entry').innerText()).toContain('a promise carries the last value the acceptor accepted, Apple in 1.A.');
      await screenshot(page, `solo-prediction-reveal-${size}`);
      await context.close();
    });
  }
});

/** A person on the solo sandbox with lesson `name` loaded: its panel, its Next step button, and the step's status line. */
const openLesson = (viewport: { width: number; height: number }, name: string) => openLessonAt(env.browser, env.classroom.url, viewport, name);

/** Presses Next step until the step's status line names `source` (at most `max` presses). */
async function stepTo(l: { status: ReturnType<Page['locator']>; next: ReturnType<Page['locator']> }, source: string, max = 30): Promise<void> {
  for (let i = 0; i < max && !(await l.status.innerText()).includes(source); i++) await l.next.click();
  expect(await l.status.innerText()).toContain(source);
}

/**
 * Runs in the page (a string: these tests have no DOM types). What the lesson panel shows of
 * the step, as the learner reads it: each key entry's heading (its "because" sentences), its
 * notebook lines and the plain-English words beside them; the notation the panel's visible
 * text uses; and which notation the step explains in words.
 */
const PANEL = `(() => {
  const lesson = document.querySelector('section[aria-label="Lesson"]');
  const seen = (el) => el.getClientRects().length > 0 && !el.closest('details:not([open])') && !el.closest('.sr-only');
  const keys = [...lesson.querySelectorAll('[data-key-seq]')].filter(seen).map((li) => ({
    heading: [...li.querySelectorAll('.because')].map((p) => p.innerText).join(' '),
    lines: [...li.querySelectorAll('pre')].map((p) => p.innerText).join('\\n'),
    beside: [...li.querySelectorAll(':scope > p:not(.because)')].map((p) => p.innerText).join(' '),
  }));
  const terms = lesson.querySelector('[aria-label="Reading the lines"]');
  const explained = terms && seen(terms) ? [...terms.querySelectorAll('dt')].map((dt) => dt.innerText.trim()) : [];
  // Everything visible in the panel but the explanations of the notation themselves.
  const walker = document.createTreeWalker(lesson, NodeFilter.SHOW_TEXT);
  let text = '';
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (el && seen(el) && !(terms && terms.contains(el))) text += n.textContent + ' ';
  }
  return { keys, explained, text };
})()`;

interface Panel {
  readonly keys: readonly { readonly heading: string; readonly lines: string; readonly beside: string }[];
  readonly explained: readonly string[];
  readonly text: string;
}

/** The notation a newcomer cannot read unexplained, as it appears in a panel's text, and the name each is explained under. */
const NOTATION: readonly (readonly [RegExp, string])[] = [
  [/\bacc_p\b/, 'acc_p'],
  [/\bQ1\b|\bq1\b/, 'Q1'],
  [/\bQ2\b|\bq2\b/, 'Q2'],
  [/\bP1a\b/, 'P1a'],
  [/\bP2c\b/, 'P2c'],
  [/\bslot\b/, 'slot'],
  [/\bquorums?\b/, 'quorum'],
  [/\b\d+\.[A-Z]/, 'ballot'],
  [/\bpromised \d/, 'promised'],
  [/\bpromiser_acc_max\b/, 'promiser_acc_max'],
  [/\[(TELL|LEARN|APPLY)\]/, 'tags'],
  [/\bphase 1\b/, 'phase 1'],
  [/\blivelock\b/, 'livelock'],
  [/\bhalf-accepted\b/, 'half-accepted'],
  [/\bstate machine\b/, 'state machine'],
];

/** Words that state a lesson's outcome, which its title must not use: the title names the situation. */
const TITLE_GIVEAWAY = /\b(carries|carry|must|never|livelock|filled|no-op|cannot)\b/i;

/** What a headline may not say before the step that answers the lesson's question: what the proposer must send. */
const EARLY_ANSWER = /\bmust (propose|re-propose|carry|send)\b/;

/**
 * The nodes a text says do not hear or learn of a value ("C does not hear of it", "can E gather without hearing of
 * Apple", "C, cut off from A, does not learn it"): the last of `nodes` named before such words, sentence by sentence.
 */
function unheard(text: string, nodes: readonly string[]): string[] {
  const out = new Set<string>();
  for (const sentence of text.split(/(?<=[.?!])\s+/)) {
    const at = /\b(does not|do not|did not|never|without) (hear|hearing|heard|learn|learning)\b/.exec(sentence);
    if (!at) continue;
    const before = sentence.slice(0, at.index);
    const named = nodes.map((n) => [n, before.search(new RegExp(`\\b${n}\\b`, 'g'))] as const).filter(([, i]) => i >= 0);
    const last = named.map(([n]) => [n, before.lastIndexOf(n)] as const).sort((a, b) => b[1] - a[1])[0];
    if (last) out.add(last[0]);
  }
  return [...out];
}

/** Words an introduction must not use: they state the rule or the outcome the learner should find out. */
const GIVEAWAY = /\b(is|are|gets?|got) chosen\b|\bchosen too\b|\bmust\b|\bP[12][a-c]\b|\binstead of\b|\bnever\b|\bcannot\b|\bsafe\b/i;

/** The values a preset's nodes propose and its clients send, and Multi-Paxos's no-op. */
function valuesOf(text: string): string[] {
  const values = new Set<string>(['no-op']);
  for (const line of text.split('\n')) {
    const source = line.replace(/(^|\s)#(?!\d).*$/, '').trim();
    const propose = /^propose \S+ (\S+)$/.exec(source);
    if (propose) values.add(propose[1]!);
    const submit = /^submit \S+ (.+)$/.exec(source);
    if (submit) values.add(submit[1]!);
  }
  return [...values];
}

describe('every lesson reads right to a newcomer', () => {
  for (const [i, preset] of PRESETS.entries()) {
    it(`${preset.name}: the intro asks, each step says what its lines show and agrees with them, and the end says so`, async () => {
      const { page, context, lesson, status, next } = await openLesson(PHONE, preset.name);
      const problems: string[] = [];

      // The intro sets up the situation and asks what will happen: the rule comes once a step shows it.
      const intro = await lesson.locator('p.lesson').first().innerText();
      expect(preset.rule, `${preset.name} states its rule`).toMatch(/\.$/);
      if (!intro.trim().endsWith('?')) problems.push(`the intro asks nothing: "${intro}"`);
      if (intro.includes(preset.rule)) problems.push('the intro states the rule');
      const giveaway = GIVEAWAY.exec(intro);
      if (giveaway) problems.push(`the intro gives the rule or the outcome away ("${giveaway[0]}"): "${intro}"`);

      const title = TITLE_GIVEAWAY.exec(preset.title);
      if (title) problems.push(`the title gives the outcome away ("${title[0]}"): "${preset.title}"`);

      const values = valuesOf(preset.text);
      const run = runScenario(parseScenario(preset.text));
      const steps = lessonSteps(run);
      // The lesson's question is put to the learner before the step that answers it: a guess, or the predict lessons' questions.
      const deciding = steps.findIndex((st) => st.guess !== null);
      if (deciding < 0 && !steps.some((st) => st.outcomes.some((o) => o.step.kind === 'ask'))) problems.push('the lesson never asks the learner to commit to a guess');
      const nodes = run.log.stateAt(run.log.events.length).order;
      // A node the intro says does not hear of a value has learned nothing when it proposes (or leads): the core's word for it.
      for (const node of unheard(preset.lesson, nodes)) {
        const proposes = steps.findIndex((st) => st.outcomes.some((o) => o.step.kind === 'command' && (o.step.command.type === 'propose' || o.step.command.type === 'lead') && o.step.command.node === node));
        if (proposes < 0) continue;
        for (const st of steps.slice(0, proposes + 1)) {
          const at = run.log.stateAt(st.entries.at(-1)?.seq ?? 0);
          const learned = at.settings.protocol === 'multi' ? Object.keys(at.multi?.nodes[node]?.learned ?? {}).length > 0 : at.nodes[node]?.choice != null;
          if (learned) problems.push(`the intro says ${node} does not hear of it, but ${node} has learned a value by step ${steps.indexOf(st) + 1}`);
        }
      }
      let picked = -1;
      for (const [s, step] of steps.entries()) {
        await next.click();
        await expect.poll(() => status.innerText()).toMatch(new RegExp(`^Step ${s + 1} of ${steps.length}:`));
        const where = `step ${s + 1} (${step.outcomes[0]!.step.source})`;
        const panel = (await page.evaluate(PANEL)) as Panel;
        // The header says what the step does in words first; its script line follows.
        const header = (await status.innerText()).replace(/^Step \d+ of \d+: /, '');
        const firstLine = header.split('\n')[0]!;
        if (step.outcomes.some((o) => firstLine.startsWith(o.step.source)) || /->|^expect\b/.test(firstLine)) problems.push(`${where}: the header leads with script syntax: "${firstLine}"`);
        if (deciding >= 0 && s < deciding && EARLY_ANSWER.test(panel.text)) problems.push(`${where}: says "${EARLY_ANSWER.exec(panel.text)![0]}" before step ${deciding + 1} shows it`);
        // Before the deciding step, the panel asks the lesson's question; the learner picks, and that step says whether it was right.
        const prediction = lesson.getByRole('region', { name: 'Your prediction' });
        if (s === deciding - 1) {
          const guess = steps[deciding]!.guess!;
          if ((await prediction.count()) !== 1) problems.push(`${where}: the lesson's question is not asked before step ${deciding + 1}`);
          else {
            expect(await prediction.getByRole('heading').innerText()).toBe(`Your prediction: ${guess.question}`);
            // Until the pick, the step's reasons (which answer the question) wait.
            if ((await lesson.locator('.because, .reading, .said').count()) > 0) problems.push(`${where}: the step's reasons show while its question waits for a pick`);
            // Each preset picks another answer, so that both right and wrong picks are reported.
            picked = i % guess.options.length;
            await prediction.getByRole('button', { name: guess.options[picked], exact: true }).click();
            await expect.poll(() => prediction.getByRole('status').innerText()).toContain('Your answer is locked in');
          }
        }
        if (s === deciding && picked >= 0) {
          const guess = step.guess!;
          const said = await prediction.getByRole('status').innerText();
          const expected = picked === guess.answer ? `Right: ${guess.options[guess.answer]}.` : `Not this time: you picked ${guess.options[picked]}; the answer is ${guess.options[guess.answer]}.`;
          if (said !== expected) problems.push(`${where}: after the guess, says "${said}", not "${expected}"`);
        }
        // On a phone, the deciding step's ring, and the last step's "Lesson complete", are in the first screen below the lesson's top.
        const top = (await lesson.boundingBox())!.y;
        const inFirstScreen = async (part: ReturnType<Page['locator']>, what: string) => {
          const box = (await part.boundingBox())!;
          if (box.y + box.height - top > PHONE.height) problems.push(`${where}: ${what} ends ${Math.round(box.y + box.height - top)} px below the lesson's top, past the first screen`);
        };
        if (s === deciding || s === steps.length - 1) await inFirstScreen(lesson.locator('.stage-ring svg').first(), 'the ring');
        if (s === steps.length - 1) await inFirstScreen(lesson.getByRole('note', { name: 'Lesson complete' }), '"Lesson complete"');
        // Nothing shown before the node proposes says that a node the intro says does not hear of a value learns it.
        for (const node of unheard(preset.lesson, nodes)) {
          if (new RegExp(`\\[TELL\\] ${node}\\b|\\b${node} learns\\b|\\band ${node} learn\\b`).test(panel.text) && s < deciding) problems.push(`${where}: shows ${node} hearing of a value the intro says it does not hear of`);
        }
        // Each key entry agrees with the sentence above it: the value its request carries is the value the heading names first,
        // and where the notebook's val is another (the proposer's own), the words beside it say why.
        const asked = step.outcomes.some((o) => o.step.kind === 'ask');
        // The words beside a key entry are said once a step: the next entry of the same ballot reads the same.
        let beside = '';
        for (const k of panel.keys) {
          beside += ` ${k.beside}`;
          const val = /^ACCEPT {2}Request from [^(]+\(p: [^,]+,(?: slot: \d+,)? val: (.+?)(?:, promiser_acc_max: .+?)?\) to /.exec(k.lines)?.[1];
          const carried = /\] Accept\([^,]+, (?:slot: \d+, )?(.+?)\)(?:,| lost| reply|$)/m.exec(k.lines)?.[1];
          if (!val || !carried) continue;
          const first = values.map((v) => [v, k.heading.indexOf(v)] as const).filter(([, at]) => at >= 0).sort((a, b) => a[1] - b[1])[0]?.[0];
          if (!asked && first !== undefined && first !== carried) problems.push(`${where}: the heading names ${first} first, the entry carries ${carried}`);
          if (val !== carried && !(beside.includes(`${val} (val)`) && beside.includes(`carry ${carried}`))) {
            problems.push(`${where}: the entry reads "val: ${val}" under a heading about ${carried}, and nothing beside it says why`);
          }
        }
        // Notation the panel shows is explained in words on the same step.
        for (const [pattern, term] of NOTATION) {
          if (pattern.test(panel.text) && !panel.explained.includes(term)) problems.push(`${where}: shows ${term} without saying what it means`);
        }
        // A scenario's checks read as plain English, not as script lines.
        for (const o of step.outcomes) {
          if (o.kind !== 'expect' || o.step.kind !== 'expect') continue;
          const words = `Checked: ${describeExpectation(o.step.expect)}`;
          if (!panel.text.replace(/\s+/g, ' ').includes(words)) problems.push(`${where}: "${o.step.source}" is not said in words ("${words}")`);
        }
      }
      // The last step says the lesson is done, restates the rule, and offers the next lesson.
      const text = (await page.evaluate(PANEL) as Panel).text.replace(/\s+/g, ' ');
      if (!text.includes('Lesson complete.')) problems.push('the last step does not say the lesson is complete');
      if (!text.includes(preset.rule)) problems.push('the last step does not restate the rule');
      const following = PRESETS[i + 1];
      if (following) {
        const offer = lesson.getByRole('button', { name: `Next lesson: ${following.title}` });
        if ((await offer.count()) !== 1) problems.push(`the last step does not offer the next lesson, ${following.title}`);
      }
      if (problems.length) await screenshot(page, `lesson-reads-${preset.name}-problem`);
      expect(problems).toEqual([]);
      if (following) {
        await lesson.getByRole('button', { name: `Next lesson: ${following.title}` }).click();
        await expect.poll(() => lesson.getByRole('heading', { level: 2 }).first().innerText()).toBe(following.title);
        await expect.poll(() => status.innerText()).toBe('Press Next step to begin.');
      }
      await context.close();
    });
  }

  for (const name of ['dueling-proposers', 'multi-dueling-leaders']) {
    it(`${name}: the last steps say what ends the duel`, async () => {
      const { page, context, lesson, status, next } = await openLesson(PHONE, name);
      const steps = lessonSteps(runScenario(parseScenario(PRESETS.find((p) => p.name === name)!.text)));
      for (let s = 0; s < steps.length - 1; s++) await next.click();
      await expect.poll(() => status.innerText()).toMatch(new RegExp(`^Step ${steps.length - 1} of`));
      // The step where a value is chosen at last says why the duel ended there.
      await expect.poll(() => lesson.innerText()).toMatch(/The duel ends here because [^.]+ stopped starting new (ballots|proposals)/);
      await screenshot(page, `lesson-${name}-duel-ends-phone`);
      await next.click();
      await expect.poll(() => lesson.innerText()).toContain('Lesson complete.');
      expect(await lesson.innerText()).toMatch(/backs off/);
      await context.close();
    });
  }
});

describe('a half-accepted command, where the learner looks', () => {
  for (const [size, viewport] of [
    ['desktop', { width: 1366, height: 768 }],
    ['phone', PHONE],
  ] as const) {
    it(`the takeover lesson shows slot 2 accepted by B alone, not chosen, on the ring and on B's card (${size})`, async () => {
      const l = await openLesson(viewport, 'multi-leader-change');
      const { page, context, lesson } = l;
      await stepTo(l, 'accept A -> B slot 2');
      // The ring, beside the step: B's label says what it holds in slot 2, and that it is not chosen.
      const ringB = lesson.locator('.stage-ring li.label').filter({ hasText: /^B/ });
      await expect.poll(() => ringB.innerText()).toContain('slot 2: set y 5, half-accepted');
      const box = (await ringB.boundingBox())!;
      expect(box.y + box.height).toBeLessThanOrEqual(viewport.height);
      await stepTo(l, 'lead B');
      await expect.poll(() => page.getByRole('combobox', { name: 'Acting node' }).inputValue()).toBe('B');
      const card = page.getByRole('region', { name: 'Node B' });
      await expect.poll(() => card.getByTestId('half-accepted').innerText()).toBe('slot 2: set y 5, accepted in 1.A by 1 of the 2 acceptors it needs: half-accepted, not chosen');
      await card.scrollIntoViewIfNeeded();
      await screenshot(page, `lesson-half-accepted-${size}`);
      // The log of slots says it too.
      await expect.poll(() => page.getByTestId('chosen-slot-2').innerText()).toBe('half-accepted');
      await context.close();
    });
  }
});

describe('an open question hides its answer on the node card', () => {
  for (const [size, viewport] of [
    ['desktop', { width: 1366, height: 768 }],
    ['phone', PHONE],
  ] as const) {
    it(`while "which value will the next accept request carry?" is open, the card hides val and promiser_acc_max (${size})`, async () => {
      const l = await openLesson(viewport, 'predict-value-adoption');
      const { page, context, next } = l;
      await stepTo(l, 'ask next-value C');
      await expect.poll(() => page.getByRole('combobox', { name: 'Acting node' }).inputValue()).toBe('C');
      const card = page.getByRole('region', { name: 'Node C' });
      const field = (name: string) => card.getByText(name, { exact: true }).locator('xpath=following-sibling::dd[1]');
      await expect.poll(() => field('val').innerText()).toBe('shown at the reveal');
      expect(await field('promiser_acc_max').innerText()).toBe('shown at the reveal');
      // Nothing the proposer's part of the card says names either value (what C has learned is the earlier question's, revealed).
      expect(await card.getByRole('region', { name: 'Proposer' }).innerText()).not.toMatch(/Mango|Apple/);
      await card.scrollIntoViewIfNeeded();
      await screenshot(page, `lesson-next-value-hidden-${size}`);
      await next.click();
      await expect.poll(() => field('val').innerText()).toBe('Mango');
      expect(await field('promiser_acc_max').innerText()).toBe('Apple');
      await context.close();
    });
  }
});
