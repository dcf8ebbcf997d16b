/** Replay, presenter mode, export and import, and the sequence diagram, in Chromium. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DESKTOP, person, PHONE, PROJECTOR, screenshot, useClassroom } from './harness';
import { joinAs as joinAt, openRoom as openRoomAt } from './harness';

const env = useClassroom();

const openRoom = (page: Page) => openRoomAt(env.classroom.url, page);

const joinAs = (page: Page, code: string, name: string) => joinAt(env.classroom.url, page, code, name);

async function downloadText(page: Page, click: () => Promise<void>): Promise<string> {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  return readFileSync((await download.path())!, 'utf8');
}

describe('replay for everyone', () => {
  it('the instructor presents a past moment, every student follows, and release returns them to live', async () => {
    const teacher = await person(env.browser, DESKTOP);
    const code = await openRoom(teacher.page);
    const [a, b] = [await person(env.browser, PHONE), await person(env.browser, PHONE)];
    await joinAs(a.page, code, 'Jo');
    await joinAs(b.page, code, 'Kim');
    await a.page.getByLabel('Value', { exact: true }).fill('Pear');
    await a.page.getByRole('button', { name: /^New proposal/ }).click();
    await a.page.getByRole('button', { name: 'Promise request', exact: true }).click();
    await a.page.getByRole('button', { name: 'Accept request', exact: true }).click();
    await expect.poll(() => b.page.getByTestId('chosen').innerText()).toBe('Pear');

    await teacher.page.getByRole('button', { name: 'Replay and export' }).click();
    const moments = teacher.page.getByLabel('Jump to a moment');
    await moments.selectOption({ label: '3: Jo proposes 1.Jo (Pear)' });
    await expect.poll(() => teacher.page.getByRole('region', { name: 'Replay' }).getByRole('status').first().innerText()).toContain('Event 3 of');
    await teacher.page.getByRole('button', { name: 'Present this moment to everyone' }).click();

    for (const s of [a, b]) {
      await expect.poll(() => s.page.getByText('Following the instructor: event 3.').isVisible()).toBe(true);
      await expect.poll(() => s.page.getByTestId('safety').innerText()).toContain('Nothing chosen yet.');
      expect(await s.page.getByRole('button', { name: 'One event back' }).isDisabled()).toBe(true);
    }
    expect(await a.page.getByTestId('log').innerText()).not.toContain('ACCEPT');
    await screenshot(b.page, 'student-following-phone');
    await screenshot(teacher.page, 'instructor-presenting-desktop');

    await teacher.page.getByRole('button', { name: 'Release everyone' }).click();
    for (const s of [a, b]) {
      await expect.poll(() => s.page.getByText('Following the instructor').count()).toBe(0);
      await expect.poll(() => s.page.getByTestId('chosen').innerText()).toBe('Pear');
    }
    for (const p of [teacher, a, b]) await p.context.close();
  });

  it('a student scrubs their own view back and forward, and sees the diagram follow', async () => {
    const teacher = await person(env.browser, DESKTOP);
    const code = await openRoom(teacher.page);
    const s = await person(env.browser, DESKTOP);
    await joinAs(s.page, code, 'Lu');
    await s.page.getByRole('button', { name: /^New proposal/ }).click();
    await s.page.getByRole('button', { name: 'Promise request', exact: true }).click();
    // Scrub only once the promise round is in the log, so that it holds exactly 3 events.
    await expect.poll(() => s.page.getByTestId('log').innerText()).toContain('PROMISE Request');
    await s.page.getByRole('button', { name: 'Replay and export' }).click();
    await s.page.getByRole('button', { name: 'One event back' }).click();
    await expect.poll(() => s.page.getByText('Event 2 of 3', { exact: true }).isVisible()).toBe(true);
    expect(await s.page.getByTestId('log').innerText()).not.toContain('PROMISE Request');
    await s.page.getByRole('button', { name: 'Show the sequence diagram' }).click();
    await expect.poll(() => s.page.getByTestId('diagram').getAttribute('aria-label')).toContain('0 messages up to event 2');
    await s.page.getByRole('button', { name: 'One event forward' }).click();
    await expect.poll(() => s.page.getByTestId('diagram').getAttribute('aria-label')).toContain('2 messages up to event 3');
    await screenshot(s.page, 'student-replay-diagram-desktop');
    for (const p of [teacher, s]) await p.context.close();
  });
});

describe('what-if branches', () => {
  it('a branch is forked, the original is switched back to, and both logs are intact', async () => {
    const teacher = await person(env.browser, DESKTOP);
    const code = await openRoom(teacher.page);
    const s = await person(env.browser, PHONE);
    await joinAs(s.page, code, 'Ola');
    await s.page.getByLabel('Value', { exact: true }).fill('Fig');
    await s.page.getByRole('button', { name: /^New proposal/ }).click();
    await s.page.getByRole('button', { name: 'Promise request', exact: true }).click();
    await s.page.getByRole('button', { name: 'Accept request', exact: true }).click();
    await expect.poll(() => s.page.getByTestId('chosen').innerText()).toBe('Fig');
    const mainLog = await s.page.getByTestId('log').innerText();
    const projector = await person(env.browser, PROJECTOR);
    await projector.page.goto(`${env.classroom.url}/join/${code}?as=projector`);
    await expect.poll(() => projector.page.getByTestId('chosen').innerText()).toBe('Fig');
    expect(await projector.page.getByTestId('branch-name').count()).toBe(0);

    // Fork after the proposal (event 2): the branch is live for everyone, with nothing chosen.
    await teacher.page.getByRole('button', { name: 'Replay and export' }).click();
    await teacher.page.getByLabel('Jump to a moment').selectOption({ label: '2: Ola proposes 1.Ola (Fig)' });
    await teacher.page.getByLabel('Name of the branch').fill('Kiwi instead');
    await teacher.page.getByRole('button', { name: 'Fork a what-if branch after event 2' }).click();
    await expect.poll(() => s.page.getByText('Timeline: Kiwi instead').isVisible()).toBe(true);
    await expect.poll(() => s.page.getByTestId('safety').innerText()).toContain('Nothing chosen yet.');
    // The projector names the branch in its header, for the whole room to see.
    await expect.poll(() => projector.page.getByTestId('branch-name').innerText()).toBe('Kiwi instead');
    await screenshot(projector.page, 'projector-on-branch-1080p');
    await s.page.getByLabel('Value', { exact: true }).fill('Kiwi');
    await s.page.getByRole('button', { name: /^New proposal/ }).click();
    await s.page.getByRole('button', { name: 'Promise request', exact: true }).click();
    await s.page.getByRole('button', { name: 'Accept request', exact: true }).click();
    await expect.poll(() => s.page.getByTestId('chosen').innerText()).toBe('Kiwi');
    const branchLog = await s.page.getByTestId('log').innerText();
    await screenshot(teacher.page, 'instructor-branches-desktop');

    await teacher.page.getByRole('button', { name: 'Replay and export' }).click();
    await teacher.page.getByRole('region', { name: 'Timelines' }).getByRole('button', { name: 'Switch to it' }).click();
    await expect.poll(() => s.page.getByText('Timeline: main').isVisible()).toBe(true);
    await expect.poll(() => s.page.getByTestId('chosen').innerText()).toBe('Fig');
    expect(await s.page.getByTestId('log').innerText()).toBe(mainLog);
    await expect.poll(() => projector.page.getByTestId('branch-name').innerText()).toBe('main');

    await teacher.page.getByRole('button', { name: 'Replay and export' }).click();
    await teacher.page.getByRole('region', { name: 'Timelines' }).getByRole('button', { name: 'Switch to it' }).click();
    await expect.poll(() => s.page.getByTestId('chosen').innerText()).toBe('Kiwi');
    expect(await s.page.getByTestId('log').innerText()).toBe(branchLog);
    await screenshot(s.page, 'student-on-branch-phone');
    for (const p of [teacher, s, projector]) await p.context.close();
  });
});

describe('shareable replay links', () => {
  it('opens a read-only replay of the room, until the instructor revokes it', async () => {
    const teacher = await person(env.browser, DESKTOP);
    const code = await openRoom(teacher.page);
    const s = await person(env.browser, PHONE);
    await joinAs(s.page, code, 'Pia');
    await s.page.getByRole('button', { name: /^New proposal/ }).click();
    await teacher.page.getByRole('button', { name: 'Create a replay link' }).click();
    const link = await teacher.page.getByTestId('share-link').innerText();
    expect(link).toMatch(new RegExp(`/watch/${code}#`));

    const viewer = await person(env.browser, DESKTOP);
    await viewer.page.goto(link.replace(/^https?:\/\/[^/]+/, env.classroom.url));
    await viewer.page.waitForURL(`**/room/${code}`);
    await expect.poll(() => viewer.page.getByTestId('log').innerText()).toContain('NEW Proposal from Pia');
    expect(await viewer.page.getByRole('heading', { level: 1 }).innerText()).toBe(`Replay of room ${code}`);
    expect(await viewer.page.getByRole('button', { name: /^New proposal/ }).count()).toBe(0);
    await viewer.page.getByRole('button', { name: 'Replay and export' }).click();
    await viewer.page.getByRole('button', { name: 'One event back' }).click();
    await expect.poll(() => viewer.page.getByTestId('log').innerText()).not.toContain('NEW Proposal');
    await screenshot(viewer.page, 'replay-link-desktop');

    await teacher.page.getByRole('button', { name: 'Revoke the link' }).click();
    await expect.poll(() => viewer.page.getByText('The instructor has revoked this replay link.').isVisible()).toBe(true);
    for (const p of [teacher, s, viewer]) await p.context.close();
  });
});

describe('export and import', () => {
  it('a room exported as JSON and imported into the solo sandbox gives the identical log, event by event', async () => {
    const teacher = await person(env.browser, DESKTOP);
    const code = await openRoom(teacher.page);
    const s = await person(env.browser, PHONE);
    await joinAs(s.page, code, 'Max');
    await s.page.getByLabel('Value', { exact: true }).fill('Lime');
    await s.page.getByRole('button', { name: /^New proposal/ }).click();
    await s.page.getByRole('button', { name: 'Promise request', exact: true }).click();
    await s.page.getByRole('button', { name: 'Accept request', exact: true }).click();
    await expect.poll(() => teacher.page.getByTestId('chosen').innerText()).toBe('Lime');

    await teacher.page.getByRole('button', { name: 'Replay and export' }).click();
    const exported = await downloadText(teacher.page, () => teacher.page.getByRole('button', { name: 'JSON', exact: true }).click());
    const markdown = await downloadText(teacher.page, () => teacher.page.getByRole('button', { name: 'Markdown', exact: true }).click());
    expect(markdown).toContain('    > [ACC] Accept(1.Max, Lime), Max(acceptors: 1, quorum_size: 1, choice: Lime)');

    const solo = await person(env.browser, DESKTOP);
    await solo.page.goto(`${env.classroom.url}/solo`);
    await solo.page.getByRole('heading', { name: 'Solo sandbox' }).waitFor();
    await solo.page.getByLabel('File').setInputFiles({ name: 'room.json', mimeType: 'application/json', buffer: Buffer.from(exported) });
    await expect.poll(() => solo.page.getByTestId('chosen').innerText()).toBe('Lime');
    await solo.page.getByRole('button', { name: 'Replay and export' }).click();
    const again = await downloadText(solo.page, () => solo.page.getByRole('button', { name: 'JSON', exact: true }).click());
    const [first, second] = [JSON.parse(exported), JSON.parse(again)];
    expect(second.events.length).toBe(first.events.length);
    for (const [i, e] of first.events.entries()) expect(second.events[i]).toEqual(e);
    expect(second.settings).toEqual(first.settings);
    for (const p of [teacher, s, solo]) await p.context.close();
  });

  it('an instructor opens a room from a scenario file, and a bad file is refused with its line', async () => {
    const teacher = await person(env.browser, DESKTOP);
    await teacher.page.goto(env.classroom.url);
    await teacher.page.getByLabel('Or start it from a file').setInputFiles({ name: 'bad.paxos', mimeType: 'text/plain', buffer: Buffer.from('nodes A\nfly A\n') });
    await expect.poll(() => teacher.page.getByRole('alert').innerText()).toContain('line 2: unknown step "fly"');
    await teacher.page.getByLabel('Or start it from a file').setInputFiles({
      name: 'lesson.paxos',
      mimeType: 'text/plain',
      buffer: Buffer.from('nodes A B C\npropose A Apple\npromise A -> all\naccept A -> all\n'),
    });
    await teacher.page.waitForURL(/\/room\/[A-Z0-9]{6}$/);
    await expect.poll(() => teacher.page.getByTestId('chosen').innerText()).toBe('Apple');
    await teacher.context.close();
  });

  it('a malformed import is refused with its reason, and the sandbox is unchanged', async () => {
    const solo = await person(env.browser, DESKTOP);
    await solo.page.goto(`${env.classroom.url}/solo`);
    await solo.page.getByRole('heading', { name: 'Solo sandbox' }).waitFor();
    const before = await solo.page.getByTestId('log').innerText();
    await solo.page.getByLabel('File').setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{\n  "format": "toy-paxos-session",\n  "version": 1,\n  oops\n}') });
    await expect.poll(() => solo.page.getByTestId('import-problem').innerText()).toBe('The file is not valid JSON at line 4, column 3.');
    await solo.page.getByLabel('File').setInputFiles({ name: 'bad.paxos', mimeType: 'text/plain', buffer: Buffer.from('nodes A B\npromise A B\n') });
    await expect.poll(() => solo.page.getByTestId('import-problem').innerText()).toContain('line 2: write "promise FROM -> TO..."');
    expect(await solo.page.getByTestId('log').innerText()).toBe(before);
    await screenshot(solo.page, 'solo-import-refused-desktop');
    await solo.context.close();
  });
});
