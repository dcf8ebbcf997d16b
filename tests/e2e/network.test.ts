/**
 * A class on a real network: the students' phones reach the server under a name that is
 * not localhost (`classroom.test`, the server's PUBLIC_URL), where browsers apply every
 * rule they forgive on localhost, while the instructor's dashboard is open at localhost.
 * Every join address on every page is the PUBLIC_URL one.
 */
import { readFileSync } from 'node:fs';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DESKTOP, joinAs, person, PHONE, PROJECTOR, screenshot, useClassroom } from './harness';

const env = useClassroom();

/** Every console error and failed request of a page: a blank page on a LAN shows up here first. */
function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
  return problems;
}

describe('a class on the LAN', () => {
  it('students on phones join at PUBLIC_URL, a value is chosen, and every page shows the one join address', async () => {
    const publicUrl = env.classroom.url;
    expect(new URL(publicUrl).hostname).toBe('classroom.test');
    const port = new URL(publicUrl).port;

    // The instructor's laptop: the dashboard at localhost, as a teacher who runs `npm start` opens it.
    const teacher = await person(env.browser, DESKTOP);
    await teacher.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: `http://localhost:${port}` });
    const teacherProblems = watch(teacher.page);
    await teacher.page.goto(`http://localhost:${port}/`);
    await teacher.page.getByRole('button', { name: 'Open a room' }).click();
    await teacher.page.waitForURL(/\/room\/[A-Z0-9]{6}$/);
    const code = teacher.page.url().split('/').pop()!;
    const joinUrl = `${publicUrl}/join/${code}`;

    const lobby = teacher.page.getByRole('region', { name: 'Lobby' });
    await expect.poll(() => lobby.getByRole('link', { name: joinUrl }).getAttribute('href')).toBe(joinUrl);
    expect(await lobby.innerText()).toContain(`type the code at classroom.test:${port}`);
    expect(await lobby.innerText()).not.toContain('localhost');
    await lobby.getByRole('button', { name: 'Copy link' }).click();
    await expect.poll(() => lobby.getByRole('button', { name: 'Copied' }).count()).toBe(1);
    expect(await teacher.page.evaluate('navigator.clipboard.readText()')).toBe(joinUrl);
    // The QR code on the dashboard encodes the same address.
    const qrSrc = await lobby.getByRole('img', { name: 'QR code for the join link' }).getAttribute('src');
    const qr = await fetch(`${env.classroom.localUrl}${qrSrc}`).then((r) => r.text());
    expect(qr).toBe(await QRCode.toString(joinUrl, { type: 'svg', margin: 1 }));
    await screenshot(teacher.page, 'lan-instructor-desktop');

    // Two students on phones open the join link: a page that loads, scripts and socket included.
    const students = [await person(env.browser, PHONE), await person(env.browser, PHONE)];
    const studentProblems = students.map((s) => watch(s.page));
    await joinAs(publicUrl, students[0]!.page, code, 'Ana');
    await joinAs(publicUrl, students[1]!.page, code, 'Bo');
    const ana = students[0]!.page;
    expect(new URL(ana.url()).host).toBe(`classroom.test:${port}`);
    await ana.getByLabel('Value', { exact: true }).fill('Apple');
    await ana.getByRole('button', { name: /^New proposal/ }).click();
    await ana.getByRole('button', { name: 'Promise request', exact: true }).click();
    await ana.getByRole('button', { name: 'Accept request', exact: true }).click();
    for (const s of students) await expect.poll(() => s.page.getByTestId('chosen').innerText()).toBe('Apple');
    await screenshot(ana, 'lan-student-phone');

    // The projector, on the classroom's big screen, also on the LAN.
    const projector = await person(env.browser, PROJECTOR);
    const projectorProblems = watch(projector.page);
    await projector.page.goto(`${joinUrl}?as=projector`);
    await projector.page.waitForURL(`**/room/${code}`);
    await expect.poll(() => projector.page.getByTestId('chosen').innerText()).toBe('Apple');
    expect(await projector.page.getByTestId('join-address').innerText()).toBe(`Join at classroom.test:${port}/join/${code}`);
    await screenshot(projector.page, 'lan-projector-1080p');

    // Locked: the projector stops inviting people in.
    await teacher.page.getByRole('button', { name: 'Lock joining' }).click();
    await expect.poll(() => projector.page.getByText('Joining is locked').isVisible()).toBe(true);
    expect(await projector.page.getByTestId('join-address').count()).toBe(0);
    await teacher.page.getByRole('button', { name: 'Unlock joining' }).click();
    await expect.poll(() => projector.page.getByTestId('join-address').count()).toBe(1);

    // Save PNG of the sequence diagram, on a phone on the LAN.
    await ana.getByRole('button', { name: 'Replay and export' }).click();
    await ana.getByRole('button', { name: 'Show the sequence diagram' }).click();
    const [download] = await Promise.all([ana.waitForEvent('download'), ana.getByRole('button', { name: 'Save PNG' }).click()]);
    expect(download.suggestedFilename()).toBe(`toy-paxos-${code}-diagram.png`);
    const png = readFileSync((await download.path())!);
    expect(png.length).toBeGreaterThan(1000);
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(await ana.getByRole('alert').filter({ hasText: 'could not' }).count()).toBe(0);

    expect(teacherProblems).toEqual([]);
    expect(studentProblems).toEqual([[], []]);
    expect(projectorProblems).toEqual([]);
    for (const p of [teacher, projector, ...students]) await p.context.close();
  });
});
