/**
 * A long room in Chromium: pages get the newest entries first, show earlier ones on
 * demand, and the replay tools fetch the whole log before they open, so that presenting
 * the room's first moments works on every screen.
 */
import { describe, expect, it } from 'vitest';
import { DESKTOP, joinAs, person, PHONE, screenshot, useClassroom } from './harness';

const env = useClassroom();

/** 5 nodes and 400 promise requests to all: 2,006 events. */
const SCRIPT = `nodes A B C D E\npropose A Apple\n${'promise A -> all\n'.repeat(400)}`;
const LENGTH = 2006;

describe('a long room', () => {
  it('shows the newest entries, then earlier ones on demand; replay fetches the rest and everyone follows to event 6', async () => {
    const teacher = await person(env.browser, DESKTOP);
    await teacher.page.goto(env.classroom.url);
    await teacher.page.getByLabel('Or start it from a file').setInputFiles({ name: 'long.paxos', mimeType: 'text/plain', buffer: Buffer.from(SCRIPT) });
    await teacher.page.waitForURL(/\/room\/[A-Z0-9]{6}$/);
    const code = teacher.page.url().split('/').pop()!;
    const log = teacher.page.getByRole('region', { name: 'Annotated log' });
    // The newest entries that fit in a join's answer (RECENT_CHARS_MAX): fewer than 200 of these.
    const shown = /([\d,]+) entries \(the newest; ([\d,]+) before them\)/;
    const count = async () => {
      const m = shown.exec(await log.innerText());
      return m ? [Number(m[1]!.replace(/,/g, '')), Number(m[2]!.replace(/,/g, ''))] : null;
    };
    await expect.poll(count).not.toBeNull();
    const [first, before] = (await count())!;
    expect(first).toBeGreaterThan(100);
    expect(first! + before!).toBe(LENGTH);

    await log.getByRole('button', { name: 'Show 200 earlier' }).click();
    await expect.poll(count).toEqual([first! + 200, before! - 200]);

    const student = await person(env.browser, PHONE);
    await joinAs(env.classroom.url, student.page, code, 'Zed');
    await expect.poll(() => student.page.getByRole('region', { name: 'Annotated log' }).innerText()).toContain('(the newest;');

    // The replay opens on the whole log: its first moments are there.
    await teacher.page.getByRole('button', { name: 'Replay and export' }).click();
    const moments = teacher.page.getByLabel('Jump to a moment');
    await moments.waitFor();
    await moments.selectOption({ label: '6: A proposes 1.A (Apple)' });
    await expect.poll(() => teacher.page.getByRole('region', { name: 'Replay' }).getByRole('status').first().innerText()).toContain(`Event 6 of ${LENGTH + 1}`);
    await expect.poll(() => log.innerText()).toContain('NEW Proposal from A');
    await teacher.page.getByRole('button', { name: 'Present this moment to everyone' }).click();

    // The student's page held only the newest entries: it fetches the rest to follow.
    await expect.poll(() => student.page.getByText('Following the instructor: event 6.').isVisible(), { timeout: 20_000 }).toBe(true);
    await expect.poll(() => student.page.getByTestId('safety').innerText()).toContain('Nothing chosen yet.');
    await expect.poll(() => student.page.getByTestId('log').innerText()).toContain('NEW Proposal from A');
    await screenshot(student.page, 'student-following-long-room-phone');
    await screenshot(teacher.page, 'instructor-long-room-desktop');
    for (const p of [teacher, student]) await p.context.close();
  });
});
