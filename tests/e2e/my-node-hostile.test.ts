/**
 * A learner's node that misbehaves on purpose, in real Chromium: it loops forever (in its
 * own code, in code it makes at run time, in a promise's callback), allocates without bound
 * (within a call, and kept from call to call), reaches for the network (fetch, WebSocket,
 * importScripts, eval), sends the page messages of its own,
 * pollutes Object.prototype, and returns huge or cyclic values. Each time the worker is
 * ended, the problem is shown in words, no request leaves the page, and the page keeps
 * answering: its main thread is never blocked for more than 100 ms (a behaviour, not a speed:
 * the learner's code runs off the main thread, so a task that long would mean it had not).
 */
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports';
import { HOST_NAME, person, useClassroom } from './harness';
import { myNodeProblem, openMyNode, write } from './my-node-steps';

const env = useClassroom();

/** A server off the classroom that the hostile programs try to reach: it must hear nothing. */
let probe: { url: string; heard: string[]; close(): void };
beforeAll(async () => {
  const heard: string[] = [];
  const server = createServer((req, res) => {
    heard.push(req.url ?? '');
    res.end('ok');
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  probe = { url: `http://${HOST_NAME}:${port}`, heard, close: () => server.close() };
});
afterAll(() => probe?.close());

/** The honest programs with `acceptor.onRequest` replaced by `body` (its first line is line 6), or as they are. */
const onRequest = (body = '\n    return HONEST.acceptor.onRequest(state, request);') => `import { HONEST } from '@toy-paxos/shared';
export const proposer = HONEST.proposer;
export const acceptor = {
  ...HONEST.acceptor,
  onRequest(state, request) {${body}
  },
};
`;

const HOSTILE: readonly { readonly name: string; readonly source: () => string; readonly problem: RegExp }[] = [
  { name: 'a loop that never ends', source: () => onRequest('\n    while (true) {}'), problem: /^acceptor\.onRequest, line 6: it ran longer than 1000 ms/ },
  { name: 'a loop that catches the deadline', source: () => onRequest('\n    for (;;) { try { while (true) {} } catch {} }'), problem: /^acceptor\.onRequest, line 6: it ran longer than 1000 ms|did not answer within/ },
  { name: 'a loop made by eval, which the checks could not see', source: () => onRequest('\n    eval("while (true) {}");'), problem: /^acceptor\.onRequest, line 6: TypeError: eval is not a function/ },
  { name: 'a loop made by a timer from a string', source: () => onRequest('\n    setTimeout("while (true) {}", 0);'), problem: /^acceptor\.onRequest, line 6: TypeError: setTimeout is not a function/ },
  { name: 'memory without bound', source: () => `const kept = [];\n${onRequest('\n    for (;;) kept.push(new Array(100000).fill(kept.length));')}`, problem: /^acceptor\.onRequest, line 7: it ran longer than 1000 ms/ },
  // What one call allocates is garbage once it returns; these try to keep it from call to call, or to run where no deadline reaches.
  { name: 'memory kept on the global object, call after call', source: () => `const g = (() => {}).constructor('return this')();\n${onRequest('\n    g.kept = g.kept || [];\n    for (;;) g.kept.push(new Array(1e6).fill(1));')}`, problem: /^line 1: .*code cannot be made while the program runs/ },
  { name: 'memory without bound in code made by eval', source: () => onRequest('\n    eval("const kept = []; for (;;) kept.push(new Array(1e6).fill(1));");'), problem: /^acceptor\.onRequest, line 6: TypeError: eval is not a function/ },
  { name: 'a loop in a promise callback, after its call returned', source: () => onRequest('\n    Promise.resolve().then(() => { for (;;) {} });\n    return HONEST.acceptor.onRequest(state, request);'), problem: /ran after its call had returned/ },
  { name: 'fetch', source: () => `fetch('${probe.url}/fetch');\n${onRequest()}`, problem: /^line 1: TypeError: fetch is not a function/ },
  { name: 'WebSocket', source: () => `new WebSocket('${probe.url.replace('http', 'ws')}/ws');\n${onRequest()}`, problem: /^line 1: TypeError: WebSocket is not a constructor/ },
  { name: 'importScripts', source: () => `importScripts('${probe.url}/import.js');\n${onRequest()}`, problem: /^line 1: TypeError: importScripts is not a function/ },
  { name: 'fetch by eval', source: () => `eval("fetch('${probe.url}/eval')");\n${onRequest()}`, problem: /^line 1: TypeError: eval is not a function/ },
  { name: 'import()', source: () => `import('${probe.url}/dynamic.js');\n${onRequest()}`, problem: /it ran after its call had returned/ },
  { name: 'a spoofed answer by self.postMessage', source: () => `self.postMessage({ type: 'checked', summary: ['all fine'], outcomes: [] });\n${onRequest()}`, problem: /^line 1: TypeError: Cannot read properties of undefined \(reading 'postMessage'\)/ },
  { name: 'a spoofed answer by the global object', source: () => `Function('return this')().postMessage({ type: 'checked', summary: ['all fine'] });\n${onRequest()}`, problem: /^line 1: TypeError: Function is not a function/ },
  { name: 'a polluted Object.prototype', source: () => `Object.prototype.polluted = true;\n${onRequest()}`, problem: /^line 1: TypeError: Cannot add property polluted, object is not extensible/ },
  { name: 'a huge answer', source: () => onRequest("\n    return { kind: 'reject', promised: { round: 1, node: 'x'.repeat(1e6) } };"), problem: /^acceptor\.onRequest: acceptor\.onRequest's answer holds a string of 1000000 characters/ },
  // The terminal's checks (shared/src/programs/learner.ts) judge what the worker hands back, in the terminal's words.
  { name: 'an answer that does not fit its request', source: () => onRequest("\n    return { kind: 'accepted' };"), problem: /^acceptor\.onRequest: Your acceptor's onRequest returned something that does not fit: the answer to a promise request must be \{ kind: 'promise', lastAccepted \} or \{ kind: 'reject', promised \}/ },
  { name: 'a ballot with no whole round', source: () => onRequest("\n    return { kind: 'reject', promised: { round: -1, node: 'A' } };"), problem: /^acceptor\.onRequest: Your acceptor's onRequest returned something that does not fit: the refusal’s promised\.round must be a whole number from 0 to 1000000, not -1\./ },
  { name: 'a cyclic answer', source: () => onRequest("\n    const a = { kind: 'accepted' }; a.self = a; return a;"), problem: /^acceptor\.onRequest: acceptor\.onRequest's answer contains itself \(a cycle\)/ },
];

describe("a learner's node that keeps things between calls", () => {
  it('finds them gone at every call: each call runs on a fresh instance of the module, so nothing piles up in memory call after call', async () => {
    const { context, page } = await person(env.browser, { width: 1366, height: 900 });
    await openMyNode(page, env.classroom.url);
    // 100 kB kept at each call, and a throw if anything kept from an earlier call is still there.
    await write(page, `const kept = [];\n${onRequest("\n    kept.push(new Array(12500).fill(1));\n    if (kept.length > 1) throw new Error('kept ' + kept.length);\n    return HONEST.acceptor.onRequest(state, request);")}`);
    await page.getByRole('button', { name: 'Check my node' }).click();
    await expect.poll(() => page.getByTestId('my-node-status').innerText(), { timeout: 60_000 }).toBe('No way to break agreement found: 496,569 states, all of them.');
    expect(await myNodeProblem(page).count()).toBe(0);
    await context.close();
  });
});

describe("a learner's node that misbehaves", () => {
  for (const hostile of HOSTILE) {
    it(`is contained: ${hostile.name}`, async () => {
      const { context, page } = await person(env.browser, { width: 1366, height: 900 });
      // The main thread's longest task, from the start: written as a string, since these tests are type-checked without the DOM's types.
      await page.addInitScript(`window.__longestTaskMs = 0; new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longestTaskMs = Math.max(window.__longestTaskMs, e.duration); }).observe({ type: 'longtask', buffered: true });`);
      await openMyNode(page, env.classroom.url);
      await write(page, hostile.source());
      const requests: string[] = [];
      context.on('request', (r) => requests.push(r.url()));
      await page.evaluate('window.__longestTaskMs = 0');

      await page.getByRole('button', { name: 'Check my node' }).click();
      await expect.poll(() => myNodeProblem(page).innerText(), { timeout: 30_000 }).toMatch(hostile.problem);
      // While the program ran and failed, the main thread never stopped for long (read before the page's own work below).
      expect(await page.evaluate('window.__longestTaskMs')).toBeLessThanOrEqual(100);

      // The page still answers: a node joins the sandbox.
      await page.getByRole('button', { name: 'Add node', exact: true }).click();
      await expect.poll(() => page.getByLabel('Acting node').locator('option').count()).toBe(4);
      // The worker is ended, and nothing went out but the worker's own script.
      await expect.poll(() => page.workers().filter((w) => w.url().includes('node-program')).length).toBe(0);
      expect(requests.filter((u) => !/\/assets\/node-program\.worker-[\w-]+\.js$/.test(u))).toEqual([]);
      expect(probe.heard).toEqual([]);
      await context.close();
    });
  }
});
