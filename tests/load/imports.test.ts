/**
 * Imports never hold the main thread: scenario scripts run in a worker thread
 * with the room's event limit checked at every step, a time budget and a memory budget.
 * The hostile scripts of the audit are sent to a real server while a probe measures the
 * main thread's longest block (the server runs in this process, on this thread).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { useServer } from '../integration/harness';

const env = useServer();

const AUTOBOTS = Array.from({ length: 20 }, (_, i) => `B${i}`).join(' ');
const NODES = Array.from({ length: 99 }, (_, i) => `N${i}`).join(' ');
/** The audit's scripts: short files that make hundreds of thousands of events. */
// Only the proposer learns: every other bot goes on proposing all round, as it would not if it heard the others' acceptances.
const HOSTILE = {
  'autobots, 30 rounds of 600 s (554 bytes)': `seed 1\nlearners proposer\nautobots ${AUTOBOTS}\n${'round\nrun 600s\n'.repeat(30)}`,
  'autobots, 100 rounds of 600 s (1.8 kB)': `seed 1\nlearners proposer\nautobots ${AUTOBOTS}\n${'round\nrun 600s\n'.repeat(100)}`,
  '99 nodes, 1,003 promise requests to all': `nodes ${NODES}\npropose N0\n${'promise N0 -> all\n'.repeat(1003)}`,
};

async function importScript(url: string, text: string): Promise<{ status: number; body: { error?: { code: string; message: string } } }> {
  const res = await fetch(`${url}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ import: { name: 'hostile.paxos', text } }) });
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
}

describe('hostile imports', () => {
  it('are refused without ever blocking the main thread for 250 ms, and /healthz answers throughout', async () => {
    // A first import that is fine, so that what loads once (this test's HTTP client, the
    // server's routes) is not counted as the hostile files' doing.
    expect((await importScript(env.server.url, 'nodes A B\n')).status).toBe(201);
    const probe = monitorEventLoopDelay({ resolution: 10 });
    const health: number[] = [];
    let probing = true;
    const healthLoop = (async () => {
      while (probing) {
        const start = performance.now();
        await fetch(`${env.server.url}/healthz`);
        health.push(performance.now() - start);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    probe.enable();
    const answers: Record<string, { status: number; code?: string; message?: string; ms: number }> = {};
    try {
      for (const [name, text] of Object.entries(HOSTILE)) {
        const start = performance.now();
        const { status, body } = await importScript(env.server.url, text);
        answers[name] = { status, code: body.error?.code, message: body.error?.message, ms: Math.round(performance.now() - start) };
      }
    } finally {
      probe.disable();
      probing = false;
      await healthLoop;
    }
    const blockMs = probe.max / 1e6;
    console.log(`hostile imports: ${JSON.stringify(answers)}; main thread's longest block ${blockMs.toFixed(0)} ms; /healthz slowest ${Math.max(...health).toFixed(0)} ms`);
    // The autobots make more events than a room holds: refused as soon as they do (or, on a
    // slow machine, when the time budget runs out first).
    for (const name of ['autobots, 30 rounds of 600 s (554 bytes)', 'autobots, 100 rounds of 600 s (1.8 kB)']) {
      expect(answers[name]!.status).toBe(400);
      expect(answers[name]!.message).toMatch(/^line 29: the scenario makes more than 100000 events here, the most a room holds; make it shorter\.$|^Importing this file took more than 10 s/);
    }
    // 99,400 events fit in a room: opened if the import ends within its 10 s, refused if not;
    // either way the main thread went on serving everyone.
    const plain = answers['99 nodes, 1,003 promise requests to all']!;
    if (plain.status === 400) expect(plain.message).toBe('Importing this file took more than 10 s, the most an import may take: make it shorter.');
    else expect(plain.status).toBe(201);
    expect(blockMs).toBeLessThan(250);
    expect(Math.max(...health)).toBeLessThan(250);
    expect(env.server.app.classroom.roomCount).toBe(plain.status === 201 ? 2 : 1); // with the first, fine import
  });

  it('a large import that is within the limits opens its room, built without blocking the main thread for 250 ms', async () => {
    const text = `nodes ${NODES}\npropose N0\n${'promise N0 -> all\n'.repeat(400)}`;
    expect((await importScript(env.server.url, 'nodes A B\n')).status).toBe(201);
    const probe = monitorEventLoopDelay({ resolution: 10 });
    probe.enable();
    const { status } = await importScript(env.server.url, text);
    probe.disable();
    console.log(`a 39,700-event import: main thread's longest block ${(probe.max / 1e6).toFixed(0)} ms`);
    expect(status).toBe(201);
    expect(probe.max / 1e6).toBeLessThan(250);
  });
});
