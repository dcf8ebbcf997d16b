/**
 * One answer a student to each question, in either store (SQLite or PostgreSQL): the same
 * answer again changes nothing, another one is a conflict for its room and the whole batch
 * is refused. This is how two pages of one student, on two server processes, are told
 * apart: the store keeps the first, and the other is decided again (and refused).
 */
import { expect } from 'vitest';
import { StoreConflict, type Store } from '@toy-paxos/server';
import { DEFAULT_SETTINGS } from '@toy-paxos/shared';

const answer = (node: string, option: number, checkpoint = 1, branch = 0) => ({ branch, checkpoint, node, option });

/** Runs the scenario on an empty store, and closes it. */
export async function keepsOneAnswerEach(store: Store): Promise<void> {
  try {
    const create = { createdAt: 1, settings: DEFAULT_SETTINGS };
    await store.commit([{ code: 'ABCDEF', create, expiresAt: 100 }, { code: 'OTHER1', create, expiresAt: 100 }]);
    await store.commit([{ code: 'ABCDEF', expiresAt: 100, answers: [answer('n1', 2), answer('n2', 0)], refusals: { 'no-promise-quorum': 2 } }]);
    // n1's other page answered 1: a conflict for its room, and nothing of the batch is kept.
    const changed = await store
      .commit([
        { code: 'OTHER1', expiresAt: 200, answers: [answer('n1', 1)] },
        { code: 'ABCDEF', expiresAt: 200, answers: [answer('n3', 1), answer('n1', 1)], refusals: { 'no-promise-quorum': 1 } },
      ])
      .catch((e: unknown) => e);
    expect(changed).toBeInstanceOf(StoreConflict);
    expect((changed as StoreConflict).codes).toEqual(['ABCDEF']);
    // The same answer again is no conflict; another question, or another timeline, takes an answer of its own.
    await store.commit([{ code: 'ABCDEF', expiresAt: 100, answers: [answer('n1', 2), answer('n1', 1, 2), answer('n1', 0, 1, 1)], refusals: { 'link-cut': 1 } }]);
    const room = await store.loadRoom('ABCDEF');
    expect(room!.answers).toEqual([answer('n1', 2), answer('n2', 0), answer('n1', 1, 2), answer('n1', 0, 1, 1)]);
    expect(room!.refusals).toEqual({ 'no-promise-quorum': 2, 'link-cut': 1 });
    expect(room!.expiresAt).toBe(100);
    const other = await store.loadRoom('OTHER1');
    expect([other!.answers, other!.expiresAt]).toEqual([[], 100]);
  } finally {
    await store.close();
  }
}
