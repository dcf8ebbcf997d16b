/**
 * A student's phone shows its first screen with at most 40 kB of gzipped JavaScript (the
 * build's initial scripts, docs/BENCHMARKS.md), whether it comes by the QR code's join link
 * or by the room's address: the student view and the fold of the room's records load while
 * the page connects. Here Chromium holds every other script back until the first screen
 * shows, then lets them through, and the student's node shows.
 */
import type { BrowserContext, Route } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createRoom } from '../integration/harness';
import { ClientBuild, FIRST_LOAD_BYTES_MAX } from '../support/first-load';
import { CLIENT_DIR, person, PHONE, useClassroom } from './harness';

const env = useClassroom();

/** Lets the page's scripts in `allowed` through and holds the others back until `release()`. */
async function holdScripts(context: BrowserContext, allowed: readonly string[]) {
  let holding = true;
  const held: Route[] = [];
  const fetched = new Set<string>();
  await context.route('**/assets/*.js', (route) => {
    const file = new URL(route.request().url()).pathname.slice(1);
    if (!holding || allowed.includes(file)) {
      fetched.add(file);
      void route.continue();
    } else held.push(route);
  });
  return {
    held: () => held.length,
    fetched: () => [...fetched].sort(),
    async release() {
      holding = false;
      for (const r of held.splice(0)) void r.continue();
      await context.unrouteAll();
    },
  };
}

describe("a student's first screen", () => {
  it('comes with at most 40 kB of gzipped JavaScript, by the join link and by the room address', async () => {
    const build = new ClientBuild(CLIENT_DIR);
    const initial = build.initial();
    const byJoinLink = build.byJoinLink();
    expect(build.total(initial)).toBeLessThanOrEqual(FIRST_LOAD_BYTES_MAX);
    expect(build.total(byJoinLink)).toBeLessThanOrEqual(FIRST_LOAD_BYTES_MAX);

    const room = await createRoom(env.classroom.localUrl);
    const phone = await person(env.browser, PHONE);
    const mine = phone.page.getByRole('heading', { name: 'My node: Sol' });

    // By the QR code: the join form, while the room's page, asked for at once, is held back.
    let scripts = await holdScripts(phone.context, byJoinLink);
    await phone.page.goto(`${env.classroom.url}/join/${room.code}`);
    await phone.page.getByLabel('Your name').fill('Sol');
    await expect.poll(scripts.held).toBeGreaterThan(0);
    expect(scripts.fetched()).toEqual([...byJoinLink].sort());
    await phone.page.getByRole('button', { name: 'Join', exact: true }).click();
    await scripts.release();
    await mine.waitFor();

    // By the room's address (the phone keeps its token): "Connecting to room …" with the initial scripts alone.
    scripts = await holdScripts(phone.context, initial);
    await phone.page.goto(`${env.classroom.url}/room/${room.code}`);
    await phone.page.getByRole('status').filter({ hasText: `Connecting to room ${room.code}` }).waitFor();
    await expect.poll(scripts.held).toBeGreaterThan(0);
    expect(scripts.fetched()).toEqual([...initial].sort());
    await scripts.release();
    await mine.waitFor();
    await phone.context.close();
  });
});
