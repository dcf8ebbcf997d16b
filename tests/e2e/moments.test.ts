/**
 * The moment that teaches, where the learner looks, in Chromium: every step of every preset
 * in the solo sandbox on a 360 x 800 phone shows its key entries (as the core names them,
 * `lessonSteps`) without a click, each with its "because", the first "because" in the viewport
 * (the ring, and the lesson's question, sit between the step's heading and its entries); and "Jump to a
 * moment" lists the core's moments in a Multi-Paxos room, and shows why the one jumped to
 * matters. Screenshots go to tests/e2e/screenshots/moments-*.png.
 */
import { describe, expect, it } from 'vitest';
import { keyMoments, lessonSteps, parseScenario, PRESETS, runScenario, teaches } from '@toy-paxos/shared';
import { joinProjector, person, PROJECTOR, screenshot, seriousViolations, useClassroom } from './harness';

const env = useClassroom();
const PHONE_TALL = { width: 360, height: 800 } as const;

/** What one key entry must show: its event, its first notebook line, and why it teaches. */
interface Expected {
  readonly seq: number;
  readonly head: string;
  readonly because: readonly string[];
}

/**
 * Runs in the page (written as a string: these tests have no DOM types): for each expected key
 * entry, what is wrong with it, or nothing. Its first notebook line and each of its "because"
 * sentences must be in the lesson panel, with nothing collapsed around it, and for the step's
 * first key entry the innermost element that holds its "because" (its first line, with none)
 * must lie wholly inside the viewport.
 */
const CHECK = `(expected) => {
  const lesson = document.querySelector('section[aria-label="Lesson"]');
  const norm = (t) => (t || '').replace(/\\s+/g, ' ').trim();
  const holds = (el, text) => norm(el.innerText).includes(norm(text));
  const problems = [];
  for (const k of expected) {
    for (const text of [k.head, ...k.because]) {
      // What the learner sees: not the words kept for a screen reader alone.
      const all = lesson ? [...lesson.querySelectorAll('*')].filter((el) => holds(el, text) && !el.closest('.sr-only')) : [];
      const innermost = all.filter((el) => ![...el.children].some((c) => holds(c, text)));
      const el = innermost.find((x) => x.getBoundingClientRect().height > 0 && !x.closest('details:not([open])')) || innermost[0];
      const what = 'event ' + k.seq + ' "' + text.slice(0, 60) + '"';
      if (!el) { problems.push(what + ': not in the lesson panel'); continue; }
      const r = el.getBoundingClientRect();
      if (r.height === 0 || el.closest('details:not([open])')) problems.push(what + ': hidden');
      else if (k === expected[0] && (text !== k.head || k.because.length === 0) && (r.top < 0 || r.bottom > window.innerHeight)) problems.push(what + ': outside the viewport (' + Math.round(r.top) + ' to ' + Math.round(r.bottom) + ' of ' + window.innerHeight + ')');
    }
  }
  return problems;
}`;

describe('the step panel shows each step\'s key entries first', () => {
  it('every step of every preset, on a 360 px phone, without a click or a scroll', async () => {
    const { page, context } = await person(env.browser, PHONE_TALL);
    await page.goto(`${env.classroom.url}/solo`);
    const lesson = page.getByRole('region', { name: 'Lesson', exact: true });
    // The step's own status line (a lesson's question has one too).
    const status = lesson.getByRole('status').first();
    const problems: string[] = [];
    let checked = 0;
    let asked = 0;
    for (const preset of PRESETS) {
      const steps = lessonSteps(runScenario(parseScenario(preset.text)));
      await page.getByRole('combobox').filter({ hasText: 'Choose a preset lesson' }).selectOption(preset.name);
      await page.getByRole('button', { name: 'Load' }).click();
      await expect.poll(() => status.innerText()).toBe('Press Next step to begin.');
      const next = lesson.getByRole('button', { name: 'Next step' });
      for (const [i, step] of steps.entries()) {
        await next.click();
        await expect.poll(() => status.innerText()).toMatch(new RegExp(`^Step ${i + 1} of ${steps.length}:`));
        const expected: Expected[] = step.keys.map((k) => ({
          seq: k.entry.seq,
          head: k.entry.lines[0]!,
          because: k.moments.filter((m) => teaches(m) && m.kind !== 'violation').map((m) => m.because),
        }));
        if (expected.length === 0) continue;
        if (step.outcomes.some((o) => o.step.kind === 'ask') || steps[i + 1]?.guess) {
          // A question opens at this step (a class question, or the lesson's own guess before
          // the step that answers it): what would answer it waits for the reveal, or the pick.
          const text = await lesson.innerText();
          for (const k of expected) for (const b of k.because) if (text.includes(b)) problems.push(`${preset.name}, step ${i + 1}: event ${k.seq}'s reason shows while its question is open`);
          asked++;
          continue;
        }
        const found = (await page.evaluate(`(${CHECK})(${JSON.stringify(expected)})`)) as string[];
        problems.push(...found.map((p) => `${preset.name}, step ${i + 1}: ${p}`));
        if (found.length && problems.length === found.length) await page.screenshot({ path: `${import.meta.dirname}/screenshots/moments-first-problem.png` });
        checked += expected.length;
      }
    }
    expect(problems).toEqual([]);
    // The walk did look: the presets hold dozens of key entries.
    expect(checked).toBeGreaterThan(50);
    expect(asked).toBeGreaterThan(0);
    await context.close();
  });

  it('the key entry comes first, with its because, and the rest of the step is one click away (value adoption, steps 7 and 8)', async () => {
    // A page that lets the test inject axe-core (see a11y.test.ts).
    const { page, context } = await person(env.browser, PHONE_TALL, { bypassCSP: true });
    await page.goto(`${env.classroom.url}/solo`);
    await page.getByRole('combobox').filter({ hasText: 'Choose a preset lesson' }).selectOption('value-adoption');
    await page.getByRole('button', { name: 'Load' }).click();
    const lesson = page.getByRole('region', { name: 'Lesson', exact: true });
    const next = lesson.getByRole('button', { name: 'Next step' });
    for (let i = 0; i < 7; i++) await next.click();
    await expect.poll(() => lesson.getByRole('status').first().innerText()).toBe('Step 7 of 9: C asks B and C for promises\npromise C -> B C');
    const keys = lesson.locator('[data-key-seq]');
    // The lesson asks its question first: the reason waits for the learner's pick.
    expect(await keys.first().innerText()).toContain('last_accepted(1.A, Apple)');
    expect(await keys.first().innerText()).not.toContain("B's promise reports Apple");
    await lesson.getByRole('region', { name: 'Your prediction' }).getByRole('button').first().click();
    await expect.poll(() => keys.first().innerText()).toContain("B's promise reports Apple, accepted in ballot 1.A: C now knows of a value that may already be chosen, and it had proposed Mango.");
    expect(await keys.first().innerText()).toContain('last_accepted(1.A, Apple)');
    // The step's key moment is announced politely when the step changes.
    await expect.poll(() => lesson.locator('[aria-live="polite"]').innerText()).toContain("B's promise reports Apple");
    await screenshot(page, 'moments-value-adoption-7-phone');
    await page.screenshot({ path: `${import.meta.dirname}/screenshots/moments-value-adoption-7-phone-first-view.png` });

    await next.click();
    await expect.poll(() => keys.first().innerText()).toContain("C's accept requests carry Apple, not its own Mango: B's promise reported Apple");
    // Nothing of the step is lost: its last entry, which reads "val: Mango", is below, on demand.
    const more = lesson.locator('details.more');
    expect(await more.getAttribute('open')).toBeNull();
    await more.locator('summary').click();
    await expect.poll(() => more.innerText()).toContain('ACCEPT  Request from C(p: 1.C, val: Mango, promiser_acc_max: Apple) to C(acc_p: 1.C)');
    await page.screenshot({ path: `${import.meta.dirname}/screenshots/moments-value-adoption-8-phone-first-view.png` });
    expect(await seriousViolations(page)).toEqual([]);
    for (const [name, viewport] of [['laptop', { width: 1366, height: 768 }], ['projector', PROJECTOR]] as const) {
      await page.setViewportSize(viewport);
      await page.evaluate('window.scrollTo(0, 0)');
      await page.screenshot({ path: `${import.meta.dirname}/screenshots/moments-value-adoption-8-${name}-first-view.png` });
    }
    await context.close();
  });
});

describe('Jump to a moment in a Multi-Paxos room', () => {
  it("lists the core's moments (the leaders, the reported slot, its re-proposal, each slot chosen) and says why the one jumped to matters", async () => {
    const preset = PRESETS.find((p) => p.name === 'multi-leader-change')!;
    const run = runScenario(parseScenario(preset.text));
    const moments = keyMoments(run.log.stateAt(0), run.log.events);

    const teacher = await person(env.browser, PROJECTOR);
    await teacher.page.goto(env.classroom.url);
    await teacher.page.getByLabel('Or start it from a file').setInputFiles({ name: 'takeover.paxos', mimeType: 'text/plain', buffer: Buffer.from(preset.text) });
    await teacher.page.waitForURL(/\/room\/[A-Z0-9]{6}$/);
    const code = teacher.page.url().split('/').pop()!;
    await teacher.page.getByRole('button', { name: 'Replay and export' }).click();
    const jump = teacher.page.getByLabel('Jump to a moment');
    const options = async () => (await jump.locator('option').allTextContents()).slice(1);
    await expect.poll(options).toEqual(moments.map((m) => `${m.seq}: ${m.label}`));
    expect(await options()).toContain('20: B re-proposes set y 5 in slot 2');

    await jump.selectOption({ label: '20: B re-proposes set y 5 in slot 2' });
    const replay = teacher.page.getByRole('region', { name: 'Replay' });
    await expect.poll(() => replay.getByRole('status').first().innerText()).toContain(`Event 20 of ${run.log.length}`);
    await expect.poll(() => replay.getByTestId('moment-here').innerText()).toContain(
      "B re-proposes set y 5 in slot 2, not a new command: B's own promise reported it, accepted there in ballot 1.A",
    );
    await screenshot(teacher.page, 'moments-multi-jump-instructor-projector');

    // The projector follows the moment presented, on 1080p.
    const projector = await person(env.browser, PROJECTOR);
    await joinProjector(env.classroom.url, projector.page, code);
    await teacher.page.getByRole('button', { name: 'Present this moment to everyone' }).click();
    const here = projector.page.getByTestId('moment-here');
    await expect.poll(() => here.innerText()).toContain('B re-proposes set y 5 in slot 2');
    // In the first view, without a scroll.
    const box = (await here.boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(PROJECTOR.height);
    await projector.page.screenshot({ path: `${import.meta.dirname}/screenshots/moments-multi-projector-first-view.png` });
    for (const p of [teacher, projector]) await p.context.close();
  });
});
