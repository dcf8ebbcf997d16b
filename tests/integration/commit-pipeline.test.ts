import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type RoomEvent } from '@toy-paxos/shared';
import { SqliteStore } from '@toy-paxos/server';
import { CommitPipeline } from '../../server/src/commit';
import { Room } from '../../server/src/room';

const added = (node: string): RoomEvent => ({ type: 'nodeAdded', node, name: node, bot: false });

describe('the commit pipeline', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** A room stored and in memory, a pipeline on a real SQLite store, and the order of what happens. */
  async function setUp() {
    const dir = mkdtempSync(join(tmpdir(), 'toy-paxos-pipeline-'));
    dirs.push(dir);
    const store = new SqliteStore(dir);
    await store.commit([{ code: 'ABCDEF', create: { createdAt: 1, settings: DEFAULT_SETTINGS }, expiresAt: 100 }]);
    const room = new Room('ABCDEF', 1, 100);
    const order: string[] = [];
    const pipeline = new CommitPipeline(store, {
      send: (_code, records) => order.push(`send ${records.map((r) => r.seq).join()}`),
      catchUp: async () => {},
      unavailable: () => {},
    });
    /** Queues a command that appends event `seq`. */
    const enqueue = (seq: number) => {
      const event = added(`n${seq}`);
      pipeline.enqueue({
        room,
        change: { code: 'ABCDEF', expiresAt: 100, events: [{ seq, at: seq, event }] },
        records: room.apply([event], seq),
        done: () => order.push(`ack ${seq}`),
        failed: (error) => order.push(`failed ${seq}: ${error.message}`),
      });
    };
    /** Calls `during` as the commit of event 1 is asked of the store. */
    const whileCommitting = (during: () => void) => {
      const commit = store.commit.bind(store);
      store.commit = (changes) => {
        const seqs = changes.flatMap((c) => c.events ?? []).map((e) => e.seq).join();
        order.push(`commit ${seqs}`);
        if (seqs === '1') during();
        return commit(changes).then(() => void order.push(`on disk ${seqs}`));
      };
    };
    return { store, room, order, pipeline, enqueue, whileCommitting };
  }

  it('sends the next batch to the disk before it sends the batch just committed, and each batch only once it is on disk, in order', async () => {
    const { store, order, pipeline, enqueue, whileCommitting } = await setUp();
    // The second command arrives while the first is on its way to the disk.
    whileCommitting(() => enqueue(2));

    enqueue(1);
    await pipeline.settled();

    expect(order).toEqual(['commit 1', 'on disk 1', 'commit 2', 'send 1', 'ack 1', 'on disk 2', 'send 2', 'ack 2']);
    const stored = await store.loadRoom('ABCDEF');
    expect(stored!.events.get(0)!.map((e) => e.seq)).toEqual([1, 2]);
    await store.close();
  });

  it('answers what waits for the commit on its way (a resume, an event presented) only once that commit is sent', async () => {
    const { store, room, order, pipeline, enqueue, whileCommitting } = await setUp();
    whileCommitting(() =>
      pipeline.enqueue({ room, change: null, records: [], done: () => order.push('resume answered'), failed: (error) => order.push(`failed: ${error.message}`) }),
    );

    enqueue(1);
    await pipeline.settled();

    expect(order).toEqual(['commit 1', 'on disk 1', 'send 1', 'ack 1', 'resume answered']);
    await store.close();
  });
});
