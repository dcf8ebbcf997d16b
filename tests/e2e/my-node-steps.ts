/** Steps shared by the tests and the bench of "Write my own node" in the solo sandbox. */
import type { Page } from 'playwright-core';

/** An acceptor that says yes to every request, whatever it promised (it breaks P1a), and the honest proposer. */
export const YES_TO_ALL = `import { HONEST } from '@toy-paxos/shared';
export const acceptor = {
  ...HONEST.acceptor,
  name: 'yesToAll',
  onRequest(state, request) {
    if (request.kind === 'prepare') return { kind: 'promise', lastAccepted: state.accepted };
    return { kind: 'accepted' };
  },
};
export const proposer = HONEST.proposer;
`;

/** Opens the sandbox and its "Write my own node" panel. */
export async function openMyNode(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/solo`);
  await page.getByRole('heading', { name: 'Solo sandbox' }).waitFor();
  await page.getByRole('button', { name: 'Write my own node' }).click();
  await page.getByRole('textbox', { name: 'Your node: TypeScript or JavaScript' }).waitFor();
}

/** Replaces the editor's text. */
export async function write(page: Page, text: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Your node: TypeScript or JavaScript' }).fill(text);
}

export const myNodeStatus = (page: Page) => page.getByTestId('my-node-status');
export const myNodeProblem = (page: Page) => page.getByTestId('my-node-problem');

