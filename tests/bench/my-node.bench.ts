/**
 * npm run bench:my-node
 * "Check my node" in headless Chromium, as a learner waits for it: from the click to the
 * verdict, on the default configuration (three acceptors, two proposers, two ballot rounds each,
 * no crashes), for three programs: the template (which chooses nothing), the honest programs
 * (the largest space: every schedule of an honest round) and an acceptor that says yes to
 * everything (a violation found). The compile, the worker's start and the search are all in
 * the figure. Target: 10 s or less on the honest programs. Prints figures only.
 */
import { loadavg } from 'node:os';
import { launch, person, startClassroom } from '../e2e/harness';
import { myNodeStatus, openMyNode, write, YES_TO_ALL } from '../e2e/my-node-steps';

const PROGRAMS: readonly (readonly [string, string | null])[] = [
  ['the template', null],
  ['the honest programs', "import { HONEST } from '@toy-paxos/shared';\nexport const acceptor = HONEST.acceptor;\nexport const proposer = HONEST.proposer;\n"],
  ['an acceptor that says yes to everything', YES_TO_ALL],
];

const classroom = await startClassroom();
const browser = await launch();
console.log(`toy-paxos bench:my-node: "Check my node" in Chromium, from the click to the verdict (load average ${loadavg().map((l) => l.toFixed(2)).join(', ')})`);
for (const [name, source] of PROGRAMS) {
  const { context, page } = await person(browser);
  await openMyNode(page, classroom.url);
  if (source) await write(page, source);
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Check my node' }).click();
  await page.getByTestId('my-node-status').getByText(/^(No way|Safety can be broken)/).waitFor({ timeout: 300_000 });
  const ms = Date.now() - t0;
  console.log(`  ${name.padEnd(42)} ${(ms / 1000).toFixed(1).padStart(5)} s  ${(await myNodeStatus(page).innerText()).slice(0, 110)}`);
  await context.close();
}
console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(', ')}`);
await browser.close();
await classroom.close();
