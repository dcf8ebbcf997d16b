/**
 * Network commands at class scale: deliver or drop everything (or everything from or to one
 * node) in one step, in a seeded random order if asked, and partitions as groups. Each is
 * one event with one annotated entry, the same in rooms, scenarios and replay.
 */
import { describe, expect, it } from 'vitest';
import { diagramModel, ENTRY_LINES_SHOWN, evolve, exportShiViz, fold, formatRun, parseScenario, runScenario, toLogRecord, unfoldLines, type RoomEvent, type RoomState } from '@toy-paxos/shared';
import { ok, refused, room } from './helpers';

const queued = () => room(['A', 'B', 'C', 'D', 'E'], { delivery: 'queued' });

describe('deliver all', () => {
  it('delivers every message that can arrive, as one event, each acceptor answering with what the earlier deliveries left', () => {
    const log = queued();
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: 'all' });
    const [entry] = ok(log, { type: 'deliverAll' });
    expect(log.events.at(-1)!.type).toBe('deliveredAll');
    expect(entry!.lines[0]).toBe('NETWORK deliver all: 5 messages');
    expect(entry!.lines.filter((l) => l.startsWith('PROMISE Request'))).toHaveLength(5);
    expect(entry!.explanation).toMatch(/^The network delivers 5 promise requests, oldest first\. 5 messages stay in flight/);
    // The replies are in flight now; a second "deliver all" brings them home: a quorum.
    const [second] = ok(log, { type: 'deliverAll' });
    expect(second!.explanation).toContain('That is a quorum: A may send accept requests.');
    expect(log.state.nodes.A!.proposer.promisers).toHaveLength(5);
    expect(log.state.inFlight).toEqual([]);
  });

  it('leaves messages to a crashed node or across a cut link, and says so when nothing can arrive', () => {
    const log = queued();
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: ['B', 'C'] });
    ok(log, { type: 'crash', node: 'B' }, { type: 'cut', a: 'A', b: 'C' });
    expect(refused(log, { type: 'deliverAll' }, 'nothing-in-flight')).toBe(
      'None of the 2 messages in flight can arrive now: they wait for a crashed node or a cut link. Recover the node or heal the link, or drop them.',
    );
    ok(log, { type: 'recover', node: 'B' });
    ok(log, { type: 'deliverAll' });
    expect(log.state.inFlight.map((m) => [m.kind, m.from, m.to])).toEqual([
      ['prepare', 'A', 'C'],
      ['promise', 'B', 'A'],
    ]);
  });

  it('says "1 message stays in flight" for one', () => {
    const log = queued();
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: ['B'] });
    const [entry] = ok(log, { type: 'deliverAll' });
    expect(entry!.explanation).toMatch(/^The network delivers 1 promise request, oldest first\. 1 message stays in flight, the replies made on the way among them\./);
  });

  it('delivers only what is from or to one node', () => {
    const log = queued();
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: 'all' });
    const [entry] = ok(log, { type: 'deliverAll', to: 'C' });
    expect(entry!.lines[0]).toBe('NETWORK deliver all to C: 1 message');
    expect(log.state.inFlight.filter((m) => m.kind === 'prepare').map((m) => m.to)).toEqual(['A', 'B', 'D', 'E']);
    expect(refused(log, { type: 'deliverAll', from: 'Zed' }, 'unknown-node')).toContain('Zed');
  });

  it('in a random order drawn from a seed: the same seed, the same order', () => {
    const orders = [7, 7, 8].map((seed) => {
      const log = queued();
      ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: 'all' });
      ok(log, { type: 'deliverAll', seed });
      const e = log.events.at(-1)!;
      return e.type === 'deliveredAll' ? e.deliveries.map((d) => d.id) : [];
    });
    expect(orders[0]).toEqual(orders[1]);
    expect([...orders[0]!].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(orders[2]).not.toEqual(orders[0]);
  });
});

describe('folding a deliver-all', () => {
  /** The room after a proposal by A, every promise and accept request delivered, each delivery with a seed; every node learns. */
  const played = () => {
    const log = queued();
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: 'all' });
    ok(log, { type: 'deliverAll', seed: 3 }, { type: 'deliverAll', seed: 4 }, { type: 'acceptRequest', from: 'A', to: 'all' });
    ok(log, { type: 'deliverAll', seed: 5 }, { type: 'deliverAll', seed: 6 });
    return log;
  };

  it('leaves the nodes and the network that delivering its messages one at a time, in its order, leaves', () => {
    const log = played();
    const single = log.events.flatMap((e): RoomEvent[] => (e.type === 'deliveredAll' ? e.deliveries.map((d) => ({ type: 'delivered', id: d.id, reply: d.reply })) : [e]));
    expect(single.length).toBeGreaterThan(log.events.length);
    const one = fold(log.initial, single);
    // Only the sequence numbers differ (the monitor's among them): one event against many.
    const learned = (s: RoomState) => Object.entries(s.monitor.learned).map(([id, l]) => [id, l.value]);
    expect([one.nodes, one.inFlight, one.nextMessageId, learned(one)]).toEqual([log.state.nodes, log.state.inFlight, log.state.nextMessageId, learned(log.state)]);
    expect(Object.values(log.state.nodes).map((n) => n.choice)).toEqual(['Apple', 'Apple', 'Apple', 'Apple', 'Apple']);
  });

  it('delivers a reply sent earlier in the same step, and refuses a message named twice', () => {
    const log = queued();
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: ['B'] });
    const prepare = log.state.inFlight[0]!;
    const promise = { id: prepare.id + 1, from: 'B', to: 'A', ballot: prepare.ballot, kind: 'promise', lastAccepted: null } as const;
    const after = evolve(log.state, { type: 'deliveredAll', deliveries: [{ id: prepare.id, reply: promise }, { id: promise.id, reply: null }] });
    expect(after.inFlight).toEqual([]);
    expect(after.nodes.A!.proposer.promisers).toEqual(['B']);
    expect(() => evolve(log.state, { type: 'deliveredAll', deliveries: [{ id: prepare.id, reply: promise }, { id: prepare.id, reply: promise }] })).toThrow(
      `delivered message #${prepare.id} is not in flight`,
    );
  });

  it('leaves the state it was given as it was: what a learner heard grows only in the copy', () => {
    const log = played();
    const before = log.stateAt(log.length - 1);
    const heardBefore = structuredClone(before.nodes.C!.heard);
    const after = evolve(before, log.eventAt(log.length));
    expect(before.nodes.C!.heard).toEqual(heardBefore);
    expect(Object.values(after.nodes.C!.heard)[0]).toHaveLength(5);
    expect(Object.values(heardBefore)[0]!.length).toBeLessThan(5);
  });
});

describe('drop all, partition, heal all', () => {
  it('drops everything from one node in one event', () => {
    const log = queued();
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: 'all' });
    ok(log, { type: 'propose', node: 'B', value: 'Kiwi' }, { type: 'promiseRequest', from: 'B', to: ['C'] });
    const [entry] = ok(log, { type: 'dropAll', from: 'A' });
    expect(entry!.lines).toEqual(['NETWORK drop all from A: 5 messages']);
    expect(log.state.inFlight.map((m) => m.from)).toEqual(['B']);
  });

  it('splits the room into groups in one event, and heals every link in one more', () => {
    const log = queued();
    const [entry] = ok(log, { type: 'partition', groups: [['A', 'B'], ['C', 'D', 'E']] });
    expect(entry!.lines).toEqual(['NETWORK partition A B | C D E: 6 links cut']);
    expect(entry!.explanation).toContain('Only a group with a quorum of this round\'s acceptors can still choose a value: C, D, E.');
    expect(log.state.cut).toHaveLength(6);
    expect(refused(log, { type: 'partition', groups: [['A'], ['C']] }, 'already-cut')).toBe('Every link between these groups is already cut.');
    const [healed] = ok(log, { type: 'healAll' });
    expect(healed!.lines).toEqual(['NETWORK heal all: 6 links']);
    expect(log.state.cut).toEqual([]);
    expect(refused(log, { type: 'healAll' }, 'not-cut')).toBe('No link is cut: there is nothing to heal.');
  });
});

describe('the scenario language and the replay tools', () => {
  it('has the same steps, and the diagram and ShiViz export follow a bulk delivery', () => {
    const r = runScenario(
      parseScenario('delivery queued\nnodes A B C\npartition A | B C\nheal all\npropose A Apple\npromise A -> all\ndeliver all random 3\ndeliver all to A\ndrop all\nexpect promisers A 3'),
    );
    expect(r.failures).toEqual([]);
    const text = formatRun(r, { classic: true });
    expect(text).toContain('NETWORK partition A | B C: 2 links cut');
    expect(text).toContain('NETWORK heal all: 2 links');
    expect(text).toContain('NETWORK deliver all in random order (seed 3): 3 messages');
    expect(text).toContain('NETWORK deliver all to A: 3 messages');
    const model = diagramModel(r.log.stateAt(0), r.log.events, r.log.length);
    expect(model.arrows.filter((a) => a.fate === 'delivered')).toHaveLength(6);
    expect(exportShiViz(r.log.stateAt(0), r.log.events).match(/^receive /gm)).toHaveLength(6);
  });

  it('the ShiViz export receives a message delivered on its own too (queued delivery)', () => {
    const r = runScenario(parseScenario('delivery queued\nnodes A B\npropose A Apple\npromise A -> B\ndeliver #1\ndeliver #2'));
    expect(exportShiViz(r.log.stateAt(0), r.log.events).match(/^receive .*$/gm)).toEqual(['receive prepare #1 A -> B', 'receive promise #2 B -> A']);
  });

  it('refuses a bulk step written wrong, with what to write', () => {
    expect(() => parseScenario('nodes A B\ndrop all random 3')).toThrow(/write "drop all", optionally followed by "from NODE", "to NODE"/);
    expect(() => parseScenario('nodes A B\ndeliver all to')).toThrow(/write "deliver all", optionally followed by "from NODE", "to NODE" and "random SEED"/);
  });
});

describe('a bulk delivery to a class of 40', () => {
  it('makes a record of at most 48 kB, 4 kB of it text, with an explanation by kind and outcome, whose lines, printed again from the event, name every message', () => {
    const ids = Array.from({ length: 40 }, (_, i) => `N${i + 1}`);
    const log = room(ids, { delivery: 'queued' });
    ok(log, { type: 'propose', node: 'N1', value: 'Mango' }, { type: 'promiseRequest', from: 'N1', to: 'all' }, { type: 'deliverAll' }, { type: 'deliverAll' });
    ok(log, { type: 'acceptRequest', from: 'N1', to: 'all' }, { type: 'deliverAll' });
    const before = log.stateAt(log.length);
    const [entry] = ok(log, { type: 'deliverAll' });
    const event = log.eventAt(entry!.seq);
    if (event.type !== 'deliveredAll') throw new Error('not a bulk delivery');
    // 40 acceptances to N1, and the notices of the 39 other acceptors to every node but N1, which hears their acceptances.
    expect(event.deliveries).toHaveLength(40 + 39 * 39);
    const record = toLogRecord(entry!, event, 0);
    // The event itself (1,561 deliveries, 38 kB) is what a client folds; the text beside it is small.
    const { event: _, ...text } = record;
    expect(JSON.stringify(text).length).toBeLessThanOrEqual(4_000);
    expect(JSON.stringify(record).length).toBeLessThanOrEqual(48_000);
    // The explanation counts, explains the first of each group and the moments that teach.
    expect(entry!.explanation.length).toBeLessThanOrEqual(2_000);
    expect(entry!.explanation).toContain('40 acceptances [ACC], the first #121: N1 now has 1 of the 21 acceptances it needs.');
    expect(entry!.explanation).toContain('1521 accepted notices [ACC], the first #122: ');
    expect(entry!.explanation).toContain('N1 now has 21 of the 21 acceptances it needs.');
    // Every node that learns is named, as the lines show each of them learning.
    const learners = /From these deliveries (.*) learn Mango: /.exec(entry!.explanation)?.[1] ?? '';
    expect(learners.split(/, | and /).sort()).toEqual(ids.slice(1).sort());
    // The record: the first lines (the header and the first message's two), and the rest counted by kind, as docs/protocol/events-and-records.md (5.1) says.
    expect(record.lines).toEqual(entry!.lines.slice(0, ENTRY_LINES_SHOWN));
    expect(record.folded).toEqual({
      lines: 1 + 2 * 1561,
      kinds: [
        { kind: 'LEARN Notice', count: 1521, tags: [{ tag: '[ACC]', count: 1521 }] },
        { kind: 'ACCEPT Reply', count: 39, tags: [{ tag: '[ACC]', count: 39 }] },
      ],
      otherKinds: 0,
    });
    // Every line, printed again from the state before: every message named, the same bytes as the core's.
    const all = unfoldLines(before, event);
    expect(all).toEqual(entry!.lines);
    expect(all.filter((l) => !l.startsWith(' '))).toHaveLength(1 + event.deliveries.length);
    // A deliver-all of 40 requests is short enough to go whole.
    const [requests] = ok(log, { type: 'newRound' }, { type: 'propose', node: 'N1', value: 'Mango' }, { type: 'promiseRequest', from: 'N1', to: 'all' }, { type: 'deliverAll' }).slice(-1);
    expect(toLogRecord(requests!, log.eventAt(requests!.seq), 0)).toMatchObject({ lines: requests!.lines });
    expect(toLogRecord(requests!, log.eventAt(requests!.seq), 0).folded).toBeUndefined();
  });
});
