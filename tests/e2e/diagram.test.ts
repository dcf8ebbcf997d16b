/** The sequence diagram as a student sees it, on a laptop and on a phone, and its SVG export. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PRESETS } from '@toy-paxos/shared';
import { DESKTOP, joinAs, person, PHONE, screenshot, useClassroom } from './harness';

const env = useClassroom();

type Rect = { x: number; y: number; width: number; height: number };
const meet = (a: Rect, b: Rect) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('the sequence diagram', () => {
  it('labels its arrows, draws loops, keeps "chosen" clear of the arrows, and exports what it shows (preset lost-messages)', async () => {
    const teacher = await person(env.browser, DESKTOP);
    await teacher.page.goto(env.classroom.url);
    const lesson = PRESETS.find((p) => p.name === 'lost-messages')!.text;
    await teacher.page.getByLabel('Or start it from a file').setInputFiles({ name: 'lost.paxos', mimeType: 'text/plain', buffer: Buffer.from(lesson) });
    await teacher.page.waitForURL(/\/room\/[A-Z0-9]{6}$/);
    const code = teacher.page.url().split('/').pop()!;

    const s = await person(env.browser, DESKTOP);
    await joinAs(env.classroom.url, s.page, code, 'Dot');
    await s.page.getByRole('button', { name: 'Replay and export' }).click();
    await s.page.getByRole('button', { name: 'Show the sequence diagram' }).click();
    const diagram = s.page.getByTestId('diagram');
    await diagram.waitFor();
    const labels = await diagram.locator('text.arrow-label').allTextContents();
    for (const t of ['prepare 1.A', 'promise 1.A', 'accept 1.A Apple']) expect(labels).toContain(t);
    // A's messages to itself are loops.
    expect(await diagram.locator('g.arrow path[d*="C"]').count()).toBeGreaterThan(0);

    // As drawn: the labels do not overlap, and "chosen: Apple" meets no arrow.
    // Without the halo, a stroke of the card's own colour 2 px wide around each letter.
    const ink = (r: Rect | null): Rect => ({ x: r!.x + 2, y: r!.y + 2, width: r!.width - 4, height: r!.height - 4 });
    const boxes = (await Promise.all((await diagram.locator('text.arrow-label').all()).map((l) => l.boundingBox()))).map(ink);
    for (const [i, a] of boxes.entries()) for (const [j, b] of boxes.entries()) if (j > i) expect(meet(a, b), `${labels[i]} over ${labels[j]}`).toBe(false);
    const chosen = (await diagram.locator('text.chosen-label').first().boundingBox())!;
    expect(await diagram.locator('text.chosen-label').first().textContent()).toBe('chosen: Apple');
    for (const arrow of await diagram.locator('g.arrow path').all()) expect(meet(chosen, (await arrow.boundingBox())!)).toBe(false);
    await diagram.scrollIntoViewIfNeeded();
    await screenshot(s.page, 'diagram-desktop');

    const [download] = await Promise.all([s.page.waitForEvent('download'), s.page.getByRole('button', { name: 'Save SVG' }).click()]);
    const svg = readFileSync((await download.path())!, 'utf8');
    expect(svg.match(/<text class="arrow-label"/g)).toHaveLength(labels.length);
    expect(svg).toContain('>chosen: Apple</text>');

    await s.page.setViewportSize(PHONE);
    await diagram.scrollIntoViewIfNeeded();
    await screenshot(s.page, 'diagram-phone');
    for (const p of [teacher, s]) await p.context.close();
  });
});
