/**
 * A phone on a slow network joins a class of 40, in Chromium throttled through the DevTools
 * protocol as such a phone is: 400 kbit/s each way, 400 ms round trip, a CPU 4 times slower.
 * The person types a name and presses Join, and presses it again whenever the page says to
 * try again; whatever happens, the room gets one node for the phone, named as typed.
 */
import { describe, expect, it } from 'vitest';
import { createRoom, TestClient } from '../integration/harness';
import { playBulkRounds } from '../support/bulk-rounds';
import { person, PHONE, screenshot, useClassroom } from './harness';

const env = useClassroom();

/** What the DevTools protocol calls the phone's network: bytes a second each way, and the round trip. */
const SLOW_NETWORK = { offline: false, latency: 400, downloadThroughput: 400_000 / 8, uploadThroughput: 400_000 / 8 };
const SLOW_CPU = 4;

describe('a phone on a slow network', () => {
  it('joins a 40-node room once: one node, named as typed, however often it presses Join', async () => {
    const { url, localUrl } = env.classroom;
    const room = await createRoom(localUrl);
    const teacher = new TestClient(localUrl);
    try {
      expect((await teacher.resume(room.instructorToken)).ok).toBe(true);
      expect((await teacher.emit('bot:add', { count: 39 })).ok).toBe(true);
      // A class under way, the instructor delivering the messages: a proposal that every bot
      // promises and accepts, and every learner hears of. The delivery of every learner's
      // notices at once is 3,123 lines: its record comes folded (docs/protocol/events-and-records.md, 5.1), and the
      // join's answer is about 0.1 MB.
      expect((await teacher.emit('room:settings', { settings: { delivery: 'queued' } })).ok).toBe(true);
      await playBulkRounds((event, payload) => teacher.emit(event, payload), 1);
      const phone = await person(env.browser, PHONE);
      const cdp = await phone.context.newCDPSession(phone.page);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', SLOW_NETWORK);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: SLOW_CPU });
      const started = Date.now();
      await phone.page.goto(`${url}/join/${room.code}`);
      await phone.page.getByLabel('Your name').fill('Sol');
      const mine = phone.page.getByRole('heading', { name: /^My node: / });
      const tryAgain = phone.page.getByRole('alert').filter({ hasText: 'try again' });
      const stillJoining = phone.page.getByRole('status').filter({ hasText: 'Still joining' });
      let presses = 0;
      while (presses < 4 && !(await mine.isVisible())) {
        await phone.page.getByRole('button', { name: 'Join', exact: true }).click();
        presses++;
        // A long wait says why.
        if (presses === 1 && (await stillJoining.waitFor({ timeout: 10_000 }).then(() => true, () => false))) await screenshot(phone.page, 'join-slow-network-phone');
        // The person waits for the node, or for the page to say to try again.
        await Promise.race([mine.waitFor({ timeout: 60_000 }), tryAgain.waitFor({ timeout: 60_000 })]).catch(() => undefined);
      }
      const joinedMs = Date.now() - started;
      // No orphan: not "Sol" left behind with "Sol 2" in use.
      const names = () => (teacher.presence?.participants ?? []).filter((p) => p.role === 'student').map((p) => p.name);
      await expect.poll(names).toEqual(['Sol']);
      await expect.poll(() => mine.innerText()).toBe('My node: Sol');
      expect(teacher.presence!.participants.filter((p) => p.node !== null)).toHaveLength(40);
      console.log(`a slow phone joined a 40-node room in ${joinedMs} ms with ${presses} press(es) of Join`);
      await screenshot(phone.page, 'student-slow-network-phone');
      await phone.context.close();
    } finally {
      teacher.close();
    }
  });
});
