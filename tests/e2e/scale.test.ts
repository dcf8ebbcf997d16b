/** The log at 10,000 entries (the newest first, the rest on demand), a connection lost and found, and a network without WebSockets, in Chromium. */
import { describe, expect, it } from 'vitest';
import type { Session } from '@toy-paxos/server';
import { person, PHONE, PROJECTOR, screenshot, startNoWebSocketProxy, useClassroom } from './harness';

const env = useClassroom();

async function createRoom(): Promise<{ code: string; instructorToken: string }> {
  const res = await fetch(`${env.classroom.localUrl}/api/rooms`, { method: 'POST' });
  return (await res.json()) as { code: string; instructorToken: string };
}

describe('the annotated log at scale', () => {
  it('renders only the rows in view of a 10,000-entry log, and scrolls to any of them', async () => {
    const { code, instructorToken } = await createRoom();
    const room = env.classroom.app.classroom;
    // Drive the room in-process, as the instructor, past every socket rate limit.
    const session = await new Promise<Session>((resolve, reject) =>
      room.resume(instructorToken, 0, undefined, Date.now(), (o) => (o.ok ? resolve(o.value.session) : reject(new Error(o.error.message)))),
    );
    const run = (event: string, payload: object) =>
      new Promise<void>((resolve, reject) => room.command(session, event as never, payload as never, Date.now(), (o) => (o.ok ? resolve() : reject(new Error(o.error.message)))));
    for (let i = 0; i < 3; i++) await run('bot:add', {});
    const done: Promise<void>[] = [];
    for (let i = 0; i < 9_997; i++) done.push(run('node:propose', { node: `n${(i % 3) + 1}`, value: `V${i % 7}` }));
    await Promise.all(done);

    // A page gets the newest entries first; the replay tools fetch the whole log before they open.
    const { page, context } = await person(env.browser, PROJECTOR);
    const started = Date.now();
    await page.goto(`${env.classroom.url}/join/${code}`);
    await page.getByLabel('Your name').fill('Ola');
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    await expect.poll(() => page.getByText('200 entries (the newest; 9,801 before them)').isVisible(), { timeout: 30_000 }).toBe(true);
    const joinMs = Date.now() - started;
    await page.getByRole('button', { name: 'Replay and export' }).click();
    await expect.poll(() => page.getByText('10001 entries').isVisible(), { timeout: 30_000 }).toBe(true);
    const loadMs = Date.now() - started;
    const rows = await page.getByTestId('log').locator('li').count();
    expect(rows).toBeGreaterThan(0);
    expect(rows).toBeLessThan(40);
    // Scroll to the very first entry: it is rendered, and the DOM stays small.
    await page.getByTestId('log').evaluate((el) => {
      el.scrollTop = 0;
      el.dispatchEvent(new Event('scroll'));
    });
    await expect.poll(() => page.getByTestId('log').innerText()).toContain('JOIN Bot 1 (bot)');
    expect(await page.getByTestId('log').locator('li').count()).toBeLessThan(40);
    await screenshot(page, 'student-10000-entries');
    console.log(`a student in a 10,000-event room: live with the newest entries in ${joinMs} ms, the whole log in the page after ${loadMs} ms, ${rows} rows in the DOM`);
    await context.close();
  });
});

describe('a lost connection', () => {
  it('shows a clear reconnecting state, keeps what the student typed, and the node comes back', async () => {
    const { code } = await createRoom();
    const { page, context } = await person(env.browser, PHONE);
    await page.goto(`${env.classroom.url}/join/${code}`);
    await page.getByLabel('Your name').fill('Ivy');
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    await page.getByRole('heading', { name: 'My node: Ivy' }).waitFor();
    await page.getByLabel('Value', { exact: true }).fill('Plum');

    env.classroom.app.io.disconnectSockets();
    await expect.poll(() => page.getByText('Connection lost: reconnecting').isVisible()).toBe(true);
    await screenshot(page, 'student-reconnecting-phone');
    await expect.poll(() => page.getByText('Connection lost: reconnecting').count(), { timeout: 15_000 }).toBe(0);
    expect(await page.getByLabel('Value', { exact: true }).inputValue()).toBe('Plum');
    await page.getByRole('button', { name: /^New proposal/ }).click();
    await expect.poll(() => page.getByTestId('log').innerText()).toContain('NEW Proposal from Ivy(p: 1.Ivy, val: Plum)');
    await context.close();
  });
});


describe('a network that blocks WebSockets', () => {
  it.each(['refuse', 'hold'] as const)('that %ss them: the page falls back to long-polling, loaded then, and the student takes part as usual', async (upgrades) => {
    const { code } = await createRoom();
    const proxy = await startNoWebSocketProxy(env.classroom, upgrades);
    const { page, context } = await person(env.browser, PHONE);
    try {
      const polls: string[] = [];
      const scripts: string[] = [];
      page.on('request', (r) => {
        if (r.url().includes('transport=polling')) polls.push(r.url());
        if (r.resourceType() === 'script') scripts.push(r.url());
      });
      await page.goto(`${proxy.url}/join/${code}`);
      await page.getByLabel('Your name').fill('Uma');
      await page.getByRole('button', { name: 'Join', exact: true }).click();
      await page.getByRole('heading', { name: 'My node: Uma' }).waitFor();
      await page.getByLabel('Value', { exact: true }).fill('Fig');
      await page.getByRole('button', { name: /^New proposal/ }).click();
      await expect.poll(() => page.getByTestId('log').innerText()).toContain('NEW Proposal from Uma(p: 1.Uma, val: Fig)');
      expect(proxy.refused).toBeGreaterThan(0);
      expect(polls.length).toBeGreaterThan(0);
      expect(scripts.some((u) => /\/assets\/polling-xhr-[\w-]+\.js$/.test(u))).toBe(true);
    } finally {
      await context.close();
      await proxy.close();
    }
  });
});
