/** A real classroom server serving the built client, and headless Chromium (Debian's) driven by playwright-core. */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, request } from 'node:http';
import type { Duplex } from 'node:stream';
import { tmpdir } from 'node:os';
import { freePort } from '../support/ports';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, expect } from 'vitest';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { configFromEnv, createApp, SqliteStore, type App } from '@toy-paxos/server';

export const CLIENT_DIR = join(import.meta.dirname, '..', '..', 'client', 'dist');
export const SCREENSHOTS = join(import.meta.dirname, 'screenshots');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';


/**
 * The name browsers reach the classroom under, mapped to 127.0.0.1 inside Chromium. Browsers
 * treat localhost as secure and forgive there what they refuse on a LAN (an upgrade to https,
 * for one), so the tests never use it for the students' pages.
 */
export const HOST_NAME = 'classroom.test';

export interface Classroom {
  readonly app: App;
  /** What browsers open: `http://classroom.test:PORT`, the server's PUBLIC_URL. */
  readonly url: string;
  /** The same server on this machine, for requests made from the tests themselves. */
  readonly localUrl: string;
  close(): Promise<void>;
}

/** A classroom server configured from its environment variables, as `npm start` does. */
export async function startClassroom(env: NodeJS.ProcessEnv = {}): Promise<Classroom> {
  if (!existsSync(join(CLIENT_DIR, 'index.html'))) throw new Error('client/dist is missing: run "npm run build" first');
  const port = await freePort();
  const url = `http://${HOST_NAME}:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'toy-paxos-e2e-'));
  const config = configFromEnv({ PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: url, DATA_DIR: dataDir, CLIENT_DIR, LOG_LEVEL: 'silent', ...env });
  const app = createApp({ config, store: new SqliteStore(dataDir), logger: pino({ level: 'silent' }) });
  await app.listen(port, '127.0.0.1');
  return { app, url, localUrl: `http://127.0.0.1:${port}`, close: () => app.close() };
}

/**
 * A reverse proxy in front of a classroom that lets no WebSocket through, as some school
 * networks do: it refuses the upgrade, or holds it open without an answer.
 */
export interface NoWebSocketProxy {
  readonly url: string;
  /** How many WebSocket upgrades it has stopped. */
  readonly refused: number;
  close(): Promise<void>;
}

export async function startNoWebSocketProxy(target: Classroom, upgrades: 'refuse' | 'hold' = 'refuse'): Promise<NoWebSocketProxy> {
  const to = new URL(target.localUrl);
  let refused = 0;
  const server = createServer((req, res) => {
    // Pass every HTTP request on as if the page were the classroom's own.
    const headers = { ...req.headers, host: to.host, ...(req.headers.origin ? { origin: to.origin } : {}) };
    const upstream = request({ host: to.hostname, port: to.port, path: req.url, method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    // A page that goes away takes its pending long-poll with it.
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  const held = new Set<Duplex>();
  server.on('upgrade', (_req, socket: Duplex) => {
    refused++;
    if (upgrades === 'refuse') socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else {
      held.add(socket);
      socket.on('close', () => held.delete(socket));
    }
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://${HOST_NAME}:${port}`,
    get refused() {
      return refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of held) socket.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  `--host-resolver-rules=MAP ${HOST_NAME} 127.0.0.1`,
];

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * A browser of its own whose text size the person has set to `percent` of the default, as
 * Chromium's settings do (Appearance, Font size): the profile's default font size, which
 * scales every rem, em and font keyword but no px, as the real setting does.
 */
export async function largeText(percent: number, viewport: { width: number; height: number }, options: BrowserContextOptions = {}): Promise<{ context: BrowserContext; page: Page }> {
  const profile = mkdtempSync(join(tmpdir(), 'toy-paxos-profile-'));
  mkdirSync(join(profile, 'Default'));
  const px = (size: number) => Math.round((size * percent) / 100);
  const prefs = { webkit: { webprefs: { default_font_size: px(16), default_fixed_font_size: px(13) } } };
  writeFileSync(join(profile, 'Default', 'Preferences'), JSON.stringify(prefs));
  const context = await chromium.launchPersistentContext(profile, { ...options, executablePath: CHROMIUM, args: CHROMIUM_ARGS, viewport });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => {
    throw e;
  });
  return { context, page };
}

export const PHONE = { width: 360, height: 740 } as const;
export const DESKTOP = { width: 1366, height: 900 } as const;
/** The instructor's laptop at its most common size. */
export const DASHBOARD = { width: 1366, height: 768 } as const;
export const PROJECTOR = { width: 1920, height: 1080 } as const;

/** A separate browser context: its own localStorage, like another person's device. */
export async function person(
  browser: Browser,
  viewport: { width: number; height: number } = DESKTOP,
  options: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ ...options, viewport });
  const page = await context.newPage();
  page.on('pageerror', (e) => {
    throw e;
  });
  return { context, page };
}

/** Saves a full-page screenshot; at phone width it also checks that nothing is wider than the screen. */
export async function screenshot(page: Page, name: string): Promise<string> {
  // Runs in the page: written as a string, since these tests are type-checked without the DOM's types.
  const widths = async () =>
    (await page.evaluate('({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })')) as { scrollWidth: number; innerWidth: number };
  let { scrollWidth, innerWidth } = await widths();
  // Just after the viewport changes, a drawing sized by a ResizeObserver (the ring) may not
  // have followed yet: a page that settles within half a second is fine, one that stays too wide is not.
  for (let i = 0; i < 10 && innerWidth <= PHONE.width && scrollWidth > innerWidth; i++) {
    await page.waitForTimeout(50);
    ({ scrollWidth, innerWidth } = await widths());
  }
  if (innerWidth <= PHONE.width && scrollWidth > innerWidth) {
    // Name the innermost elements that reach past the screen's edge, to say what to fix.
    const wide = (await page.evaluate(`[...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1 && ![...el.children].some((c) => c.getBoundingClientRect().right > window.innerWidth + 1))
      .slice(0, 3)
      .map((el) => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') + ' "' + (el.textContent || '').trim().slice(0, 60) + '" right ' + Math.round(el.getBoundingClientRect().right))`)) as string[];
    throw new Error(`${name}: the page is ${scrollWidth}px wide on a ${innerWidth}px screen; reaching past it: ${wide.join('; ')}`);
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** The element's box as the page is scrolled now, and the viewport's height. */
export async function elementBox(page: Page, testId: string): Promise<{ top: number; bottom: number; height: number; viewport: number }> {
  const b = (await page.getByTestId(testId).boundingBox())!;
  return { top: b.y, bottom: b.y + b.height, height: b.height, viewport: page.viewportSize()!.height };
}

/** Whether the element is wholly inside the viewport, as the page is scrolled now. */
export async function inViewport(page: Page, testId: string): Promise<boolean> {
  const box = await page.getByTestId(testId).boundingBox();
  const size = page.viewportSize()!;
  return box !== null && box.y >= 0 && box.y + box.height <= size.height;
}

/** Saves a full-page screenshot, and `NAME-viewport.png` of what the viewport shows: what a person sees now. */
export async function viewportShot(page: Page, name: string): Promise<void> {
  const path = await screenshot(page, name);
  await page.screenshot({ path: path.replace('.png', '-viewport.png') });
}

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

interface AxeViolation {
  id: string;
  impact: string | null;
  nodes: { target: unknown[] }[];
}

/**
 * Runs axe-core on the page as it is; returns its serious and critical violations as "rule
 * (impact): targets". The page's person needs `bypassCSP: true` for the script to load.
 */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  // Runs in the page: written as a string, since these tests are type-checked without the DOM's types.
  const { violations } = (await page.evaluate('axe.run()')) as { violations: AxeViolation[] };
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** The instructor opens a room from the start page; returns its code. */
export async function openRoom(url: string, page: Page): Promise<string> {
  await page.goto(url);
  await page.getByRole('button', { name: 'Open a room' }).click();
  await page.waitForURL(/\/room\/[A-Z0-9]{6}$/);
  return page.url().split('/').pop()!;
}

/** The instructor opens a room from a scenario script, as the start page's file picker does; returns its code. */
export async function openRoomFrom(url: string, page: Page, script: string): Promise<string> {
  await page.goto(url);
  await page.getByLabel('Or start it from a file').setInputFiles({ name: 'lesson.paxos', mimeType: 'text/plain', buffer: Buffer.from(script) });
  await page.waitForURL(/\/room\/[A-Z0-9]{6}$/);
  return page.url().split('/').pop()!;
}

/** Opens the replay and its sequence diagram. */
export async function openDiagram(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Replay and export' }).click();
  await page.getByRole('button', { name: 'Show the sequence diagram' }).click();
  await page.getByTestId('diagram').waitFor();
}

/** A projector opens the projector link, which joins by itself, and waits for the room's page. */
export async function joinProjector(url: string, page: Page, code: string): Promise<void> {
  await page.goto(`${url}/join/${code}?as=projector`);
  await page.waitForURL(`**/room/${code}`);
}

/** A student joins by the join link and waits for their node. */
export async function joinAs(url: string, page: Page, code: string, name: string): Promise<void> {
  await page.goto(`${url}/join/${code}`);
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await page.getByRole('heading', { name: `My node: ${name}` }).waitFor();
}

/** A person on the solo sandbox with lesson `name` loaded: its panel, its Next step button, and the step's status line. */
export async function openLesson(browser: Browser, url: string, viewport: { width: number; height: number }, name: string) {
  const { page, context } = await person(browser, viewport);
  await page.goto(`${url}/solo`);
  await page.getByRole('combobox').filter({ hasText: 'Choose a preset lesson' }).selectOption(name);
  await page.getByRole('button', { name: 'Load' }).click();
  const lesson = page.getByRole('region', { name: 'Lesson', exact: true });
  const status = lesson.getByRole('status').first();
  await expect.poll(() => status.innerText()).toBe('Press Next step to begin.');
  return { page, context, lesson, status, next: lesson.getByRole('button', { name: 'Next step' }) };
}

/** One classroom server and one browser for a test file, closed after it. */
export function useClassroom(): { readonly classroom: Classroom; readonly browser: Browser } {
  const env = {} as { classroom: Classroom; browser: Browser };
  beforeAll(async () => {
    env.classroom = await startClassroom();
    env.browser = await launch();
  });
  afterAll(async () => {
    await env.browser?.close();
    await env.classroom?.close();
  });
  return env;
}
