/**
 * A name that is taken: a student who joins as "ana " where Ana is gets "ana 2", and reads why
 * on their page's first screen; the instructor who renames a node to a name another has reads
 * which name it got. The pages are real Chromium reaching the server as classroom.test; the
 * other students are real socket.io clients.
 */
import { describe, expect, it } from 'vitest';
import { DASHBOARD, inViewport, openRoom, person, PHONE, seriousViolations, useClassroom, viewportShot } from './harness';
import { TestClient } from '../integration/harness';

const env = useClassroom();

describe('a name that is taken', () => {
  it('tells the student on their first screen which name they got and why, and the instructor after a rename', async () => {
    const dashboard = await person(env.browser, DASHBOARD);
    const phone = await person(env.browser, PHONE, { bypassCSP: true });
    const ana = new TestClient(env.classroom.localUrl);
    try {
      const code = await openRoom(env.classroom.url, dashboard.page);
      expect((await ana.join(code, 'Ana')).ok).toBe(true);

      const page = phone.page;
      await page.goto(`${env.classroom.url}/join/${code}`);
      await page.getByLabel('Your name').fill('ana ');
      await page.getByRole('button', { name: 'Join', exact: true }).click();
      await page.getByRole('heading', { name: 'My node: ana 2' }).waitFor();
      const note = page.getByTestId('name-note');
      expect(await note.innerText()).toContain('Ana is taken, and ana is the same name: names that differ only in capital letters or spaces are one name. You are ana 2 in this room');
      expect(await inViewport(page, 'name-note')).toBe(true);
      // Read out too, from the announcements that are always in the page.
      await expect.poll(() => page.getByTestId('announcements').innerText()).toContain('Ana is taken');
      await viewportShot(page, 'name-taken-phone');
      expect(await seriousViolations(page)).toEqual([]);
      await note.getByRole('button', { name: 'Got it' }).click();
      expect(await note.count()).toBe(0);

      // The instructor renames ana 2 to "ANA": the dashboard says which name the node got.
      const board = dashboard.page;
      await board.getByRole('button', { name: 'Rename ana 2' }).click();
      await board.getByLabel('New name for ana 2').fill('  ANA ');
      await board.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('heading', { name: 'My node: ANA 2' }).waitFor();
      // Beside the list the rename was made in, in view where the instructor is.
      const said = board.getByTestId('rename-note');
      await expect.poll(() => said.innerText()).toContain('ana 2 is now ANA 2.');
      expect(await said.innerText()).toContain('Ana is taken, and ANA is the same name');
      expect(await inViewport(board, 'rename-note')).toBe(true);
      await viewportShot(board, 'name-taken-rename-dashboard');
    } finally {
      ana.close();
      for (const p of [dashboard, phone]) await p.context.close();
    }
  });
});
