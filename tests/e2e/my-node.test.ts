/**
 * "Write my own node" in the solo sandbox, in real Chromium: the editor loads only when
 * opened, with a template that compiles; the learner's program runs in a worker of its own,
 * attached to nodes of the sandbox; its errors name the learner's line; "Check my node"
 * runs the explorer over it and either finds no way to break agreement or plays the
 * shortest way on the sandbox and saves it as a scenario.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { person, PHONE, screenshot, SCREENSHOTS, seriousViolations, useClassroom } from './harness';
import { myNodeProblem, myNodeStatus, openMyNode, write, YES_TO_ALL } from './my-node-steps';

const env = useClassroom();

describe('write my own node', () => {
  it('loads the editor on demand with a template that compiles, and "Check my node" finds no way to break agreement with it', async () => {
    const { context, page } = await person(env.browser, { width: 1366, height: 900 });
    const scripts: string[] = [];
    page.on('request', (r) => scripts.push(new URL(r.url()).pathname));
    await page.goto(`${env.classroom.url}/solo`);
    await page.getByRole('heading', { name: 'Solo sandbox' }).waitFor();
    // Neither the editor nor the worker come with the sandbox.
    expect(scripts.filter((s) => /MyNodePanel|node-program/.test(s))).toEqual([]);
    await page.getByRole('button', { name: 'Write my own node' }).click();
    const editor = page.getByRole('textbox', { name: 'Your node: TypeScript or JavaScript' });
    await editor.waitFor();
    expect(await editor.innerText()).toContain('export const acceptor: AcceptorProgram');
    await page.getByRole('button', { name: 'Check my node' }).click();
    await expect.poll(() => myNodeStatus(page).innerText(), { timeout: 60_000 }).toMatch(/^No way to break agreement found: [\d,]+ states, all of them\.$/);
    // The check's worker is ended once it has answered.
    await expect.poll(() => page.workers().filter((w) => w.url().includes('node-program')).length).toBe(0);
    await screenshot(page, 'my-node-template-checked-desktop');
    await context.close();
  });

  it('searches in the two stages of npm run check: an acceptor that forgets its promise on a crash is caught in the first, with crashes', async () => {
    const { context, page } = await person(env.browser, { width: 1366, height: 900 });
    await openMyNode(page, env.classroom.url);
    await write(page, readFileSync(join('tests', 'byo', 'corpus', 'forget-promise-on-crash.js'), 'utf8'));
    await page.getByRole('button', { name: 'Check my node' }).click();
    await expect.poll(() => myNodeStatus(page).innerText(), { timeout: 60_000 }).toMatch(/^Safety can be broken/);
    await expect.poll(() => page.getByText(/^First, one ballot each, with crashes and recoveries\. The search tried .*crashes and recoveries\.$/).isVisible()).toBe(true);
    await context.close();
  });

  it('says at once that a program stopped when a promise callback of its ran after its call, and drops the verdict of the program it replaced', async () => {
    const { context, page } = await person(env.browser, { width: 1366, height: 900 });
    await openMyNode(page, env.classroom.url);
    await write(page, YES_TO_ALL);
    await page.getByRole('button', { name: 'Check my node' }).click();
    await expect.poll(() => myNodeStatus(page).innerText(), { timeout: 60_000 }).toMatch(/^Safety can be broken/);
    await expect.poll(() => page.getByRole('button', { name: 'Play these steps' }).first().isVisible()).toBe(true);

    await write(page, `import { HONEST } from '@toy-paxos/shared';\nexport const acceptor = {\n  ...HONEST.acceptor,\n  onRequest(state, request) {\n    Promise.resolve().then(() => { for (;;) {} });\n    return HONEST.acceptor.onRequest(state, request);\n  },\n};\n`);
    await page.getByRole('group', { name: 'Attach to nodes' }).getByLabel('B').check();
    await page.getByRole('button', { name: 'Attach', exact: true }).click();
    await expect.poll(() => page.getByTestId('my-node-attached').innerText(), { timeout: 30_000 }).toBe('Running on B.');
    // The verdict was about yesToAll, not this program.
    expect(await page.getByRole('button', { name: 'Play these steps' }).count()).toBe(0);
    await page.getByRole('button', { name: /^New proposal/ }).click();
    await page.getByRole('button', { name: 'Promise request', exact: true }).click();
    // No further command is needed for the page to say so.
    await expect.poll(() => page.getByTestId('my-node-attached').innerText(), { timeout: 30_000 }).toMatch(/^Stopped on B: .*it ran after its call had returned/);
    await context.close();
  });

  it('runs a file that writes only an acceptor with the honest proposer, as a terminal does', async () => {
    const { context, page } = await person(env.browser, { width: 1366, height: 900 });
    await openMyNode(page, env.classroom.url);
    await write(page, YES_TO_ALL.replace('export const proposer = HONEST.proposer;\n', ''));
    await page.getByRole('button', { name: 'Check my node' }).click();
    await expect.poll(() => myNodeStatus(page).innerText(), { timeout: 60_000 }).toMatch(/^Safety can be broken/);
    await expect(myNodeProblem(page).count()).resolves.toBe(0);
    await context.close();
  });

  it('attaches a program to a node: the sandbox runs it for that node only, and a runtime error stops it with the line', async () => {
    const { context, page } = await person(env.browser, { width: 1366, height: 900 });
    await openMyNode(page, env.classroom.url);
    // The template's acceptor refuses every request: B, running it, refuses A's promise request (delivery is instant).
    await page.getByRole('group', { name: 'Attach to nodes' }).getByLabel('B').check();
    await page.getByRole('button', { name: 'Attach', exact: true }).click();
    await expect.poll(() => page.getByTestId('my-node-attached').innerText()).toBe('Running on B.');
    await page.getByRole('button', { name: /^New proposal/ }).click();
    await page.getByRole('button', { name: 'Promise request', exact: true }).click();
    const log = page.locator('section.log');
    await expect.poll(() => log.innerText()).toMatch(/refuses/);
    // Only B runs it: C, honest, promises.
    await expect.poll(() => log.innerText()).toMatch(/PROMISE.*C|C.*promises/);

    // An onRequest that throws, on line 6.
    await write(page, `import { HONEST } from '@toy-paxos/shared';\nexport const acceptor = {\n  ...HONEST.acceptor,\n  onRequest(state, request) {\n    const x = null;\n    return x.kind;\n  },\n};\nexport const proposer = HONEST.proposer;\n`);
    await page.getByRole('button', { name: 'Attach', exact: true }).click();
    // At once, while the new program compiles: the commands wait for it rather than run with the one it replaces.
    await page.getByRole('button', { name: /^New proposal/ }).click();
    await page.getByRole('button', { name: 'Promise request', exact: true }).click();
    // The worker runs the command before the page does: on a loaded machine that takes more than the poll's default second.
    await expect.poll(() => page.getByTestId('my-node-attached').innerText(), { timeout: 30_000 }).toMatch(/^Stopped on B: acceptor\.onRequest, line 6: TypeError: /);
    await screenshot(page, 'my-node-stopped-desktop');

    // A syntax error names its line, and nothing is attached.
    await write(page, `export const acceptor = {\n  init() {\n    return { promised: null, accepted: null }\n  },,\n};\n`);
    await page.getByRole('button', { name: 'Attach', exact: true }).click();
    await expect.poll(() => myNodeProblem(page).innerText()).toMatch(/^line 4: /);
    await context.close();
  });

  it('finds the shortest way to break agreement with an acceptor that says yes to everything, plays it on the sandbox and saves it as a scenario', async () => {
    const { context, page } = await person(env.browser, { width: 1366, height: 900 });
    await openMyNode(page, env.classroom.url);
    await write(page, YES_TO_ALL);
    await page.getByRole('button', { name: 'Check my node' }).click();
    await expect.poll(() => myNodeStatus(page).innerText(), { timeout: 60_000 }).toMatch(/^Safety can be broken from here: two different values can be chosen \(agreement\)\. The shortest way is \d+ steps\.$/);
    const verdict = page.getByTestId('my-node-verdict');
    const summary = await verdict.locator('summary').first().innerText();
    const steps = Number(summary.match(/(\d+) steps?$/)![1]);
    expect(steps).toBeGreaterThan(3);

    const [file] = await Promise.all([page.waitForEvent('download'), verdict.getByRole('button', { name: 'Save as .paxos' }).first().click()]);
    const text = readFileSync((await file.path())!, 'utf8');
    expect(text).toMatch(/^title /);
    expect(text).toContain('nodes A B C\npropose ');

    await verdict.getByRole('button', { name: 'Play these steps' }).first().click();
    await expect.poll(() => page.getByTestId('my-node-attached').innerText()).toBe('Running on A, B, C.');
    for (let i = 0; i < steps; i++) {
      const play = page.getByRole('button', { name: 'Play the next step' });
      if (!(await play.isVisible())) break;
      await play.click();
      await expect.poll(() => myNodeStatus(page).innerText()).toMatch(new RegExp(`^Step ${i + 1} of `));
    }
    // The sandbox's safety monitor judged the steps as for built-in nodes: two values chosen.
    await expect.poll(() => page.getByText(/SAFETY VIOLATION/).first().isVisible()).toBe(true);
    await screenshot(page, 'my-node-broken-desktop');
    await context.close();
  });

  it('on a 360 px phone: the editor, the nodes to attach to and the verdict fit the width, work from the keyboard, and the verdict is announced', async () => {
    // bypassCSP lets the test inject axe-core's script into the page.
    const { context, page } = await person(env.browser, PHONE, { bypassCSP: true });
    await page.goto(`${env.classroom.url}/solo`);
    await page.getByRole('heading', { name: 'Solo sandbox' }).waitFor();
    await page.getByRole('button', { name: 'Write my own node' }).focus();
    await page.keyboard.press('Enter');
    const editor = page.getByRole('textbox', { name: 'Your node: TypeScript or JavaScript' });
    await editor.waitFor();
    // Into the editor and out again by the keyboard alone: Tab is not captured.
    await editor.focus();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('// mine');
    expect(await editor.innerText()).toMatch(/\/\/ mine$/);
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.closest(".cm-editor") === null')).toBe(true);
    await editor.scrollIntoViewIfNeeded();
    await screenshot(page, 'my-node-editor-phone');

    await page.getByRole('button', { name: 'Check my node' }).focus();
    await page.keyboard.press('Enter');
    const status = myNodeStatus(page);
    await expect.poll(() => status.innerText(), { timeout: 60_000 }).toMatch(/^No way to break agreement found/);
    expect(await status.getAttribute('aria-live')).toBe('polite');
    expect(await status.getAttribute('role')).toBe('status');
    for (const part of [editor, page.getByRole('group', { name: 'Attach to nodes' }), page.getByRole('button', { name: 'Check my node' }), page.getByTestId('my-node-verdict')]) {
      await part.scrollIntoViewIfNeeded();
      const box = (await part.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
    }
    await page.getByTestId('my-node-verdict').scrollIntoViewIfNeeded();
    // screenshot() fails if the page is wider than the phone.
    await screenshot(page, 'my-node-verdict-phone');
    // The panel alone, to read it at its real size.
    await page.getByRole('region', { name: 'Your own node' }).screenshot({ path: join(SCREENSHOTS, 'my-node-panel-phone.png') });
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  });
});
