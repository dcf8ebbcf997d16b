/**
 * Learners (Paxos Made Simple, section 2.3): an acceptor that accepts tells every node,
 * through the network model, and a node learns a value once a quorum of acceptors has
 * told it of one ballot. "Chosen" stays the monitor's global fact.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, fold, initialRoomState, LIMITS, type RoomSettings } from '@toy-paxos/shared';
import { parseSessionFile } from '@toy-paxos/shared/protocol';
import { ok, refused, room } from './helpers';

const choices = (log: ReturnType<typeof room>) => Object.fromEntries(log.state.order.map((id) => [id, log.state.nodes[id]!.choice]));

describe('learners, with instant delivery', () => {
  it('a node learns once a quorum of acceptors has told it; the log says who learned and who is still counting', () => {
    const log = room(['A', 'B', 'C', 'D', 'E']);
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: 'all' });
    const [first] = ok(log, { type: 'acceptRequest', from: 'A', to: ['B'] });
    expect(first!.lines[2]).toBe('    > [TELL] C, D and E have 1 of 3');
    ok(log, { type: 'acceptRequest', from: 'A', to: ['C'] });
    expect(choices(log)).toEqual({ A: null, B: null, C: null, D: null, E: null });
    const [third] = ok(log, { type: 'acceptRequest', from: 'A', to: ['D'] });
    // D's acceptance completes the quorum: A counts it as the proposer, D as its own, B, C and E from notices.
    expect(third!.lines[2]).toBe('    > [TELL] B, C and E learn Apple');
    expect(third!.explanation).toContain('D itself now knows that 3 acceptors accepted ballot 1.A, a quorum: it learns Apple.');
    expect(choices(log)).toEqual({ A: 'Apple', B: 'Apple', C: 'Apple', D: 'Apple', E: 'Apple' });
    expect(log.state.monitor.violations).toEqual([]);
  });

  it('a crashed node, or one behind a cut link, misses the notice and has not learned, though the value is chosen', () => {
    const log = room(['A', 'B', 'C', 'D']);
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: 'all' });
    ok(log, { type: 'crash', node: 'D' }, { type: 'cut', a: 'B', b: 'C' });
    ok(log, { type: 'acceptRequest', from: 'A', to: ['A', 'B'] });
    const [last] = ok(log, { type: 'acceptRequest', from: 'A', to: ['C'] });
    expect(last!.lines[2]).toBe('    > [TELL] B (cut) and D (crashed) miss it');
    expect(log.state.monitor.chosen.map((c) => c.value)).toEqual(['Apple']);
    // A counts the three replies. B and C each know of their own acceptance and of A's, not of each other's: 2 of 3.
    expect(choices(log)).toEqual({ A: 'Apple', B: null, C: null, D: null });
    expect(log.state.nodes.C!.heard['1.A|Apple']).toEqual(['A', 'C']);
  });

  it('a learner forgets its tallies in a crash but keeps what it learned', () => {
    const log = room(['A', 'B', 'C']);
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: 'all' }, { type: 'acceptRequest', from: 'A', to: ['A'] });
    expect(log.state.nodes.C!.heard).toEqual({ '1.A|Apple': ['A'] });
    ok(log, { type: 'crash', node: 'C' }, { type: 'recover', node: 'C' });
    expect(log.state.nodes.C!.heard).toEqual({});
    ok(log, { type: 'acceptRequest', from: 'A', to: ['B'] });
    expect(log.state.nodes.C!.choice).toBeNull();
    ok(log, { type: 'crash', node: 'B' });
    expect(log.state.nodes.B!.choice).toBe('Apple');
  });
});

describe('learners, with queued delivery', () => {
  it('each acceptance puts notices in flight after its reply; a value is chosen before anyone learns it', () => {
    const log = room(['A', 'B', 'C'], { delivery: 'queued' });
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: 'all' });
    ok(log, { type: 'deliverAll' }, { type: 'deliverAll' }, { type: 'acceptRequest', from: 'A', to: ['B', 'C'] });
    const [b] = ok(log, { type: 'deliver', id: log.state.inFlight[0]!.id });
    expect(b!.lines[1]).toBe('    > [ACC] Accept(1.A, Apple), reply #9 and notice #10 in flight');
    const [c] = ok(log, { type: 'deliver', id: log.state.inFlight[0]!.id });
    expect(c!.explanation).toContain('Apple is chosen. No node knows it yet');
    expect(log.state.inFlight.map((m) => `${m.kind} ${m.from}->${m.to}`)).toEqual(['accepted B->A', 'notice B->C', 'accepted C->A', 'notice C->B']);
    expect(choices(log)).toEqual({ A: null, B: null, C: null });
    const notice = log.state.inFlight.find((m) => m.kind === 'notice' && m.to === 'B')!;
    const [learn] = ok(log, { type: 'deliver', id: notice.id });
    expect(learn!.lines).toEqual(['LEARN   Notice from C to B(choice: None)', '    > [ACC] Accept(1.A, Apple), B(heard: 2, quorum_size: 2, choice: Apple)']);
    expect(learn!.explanation).toContain('B now knows that 2 acceptors accepted Apple in ballot 1.A, a quorum of 2: Apple is chosen, and B learns it.');
    // A dropped notice is a lost message like any other: C never hears of B.
    ok(log, { type: 'drop', id: log.state.inFlight.find((m) => m.kind === 'notice')!.id });
    ok(log, { type: 'deliverAll' });
    expect(choices(log)).toEqual({ A: 'Apple', B: 'Apple', C: null });
  });

  it('a duplicated notice counts once', () => {
    const log = room(['A', 'B', 'C'], { delivery: 'queued' });
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: 'all' }, { type: 'deliverAll' }, { type: 'deliverAll' });
    ok(log, { type: 'acceptRequest', from: 'A', to: ['B'] }, { type: 'deliverAll' });
    const notice = log.state.inFlight.find((m) => m.kind === 'notice' && m.to === 'C')!;
    ok(log, { type: 'duplicate', id: notice.id }, { type: 'deliverAll' });
    expect(log.state.nodes.C!.heard['1.A|Apple']).toEqual(['B']);
    expect(log.state.nodes.C!.choice).toBeNull();
  });

  it('an acceptance whose notices would overflow the network is refused, and changes nothing', () => {
    const log = room(['A', 'B', 'C', 'D'], { delivery: 'queued' });
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: 'all' }, { type: 'deliverAll' }, { type: 'deliverAll' });
    ok(log, { type: 'acceptRequest', from: 'A', to: ['B'] });
    const request = log.state.inFlight[0]!.id;
    ok(log, { type: 'promiseRequest', from: 'A', to: ['C'] });
    const filler = log.state.inFlight[1]!.id;
    while (log.state.inFlight.length < LIMITS.inFlightMax) ok(log, { type: 'duplicate', id: filler });
    // Delivering B's accept request would add its reply and notices to C and D, for one message out.
    expect(refused(log, { type: 'deliver', id: request }, 'network-full')).toContain('B would accept and tell 2 learners');
    // Delivering everything skips that acceptance and delivers the rest (each promise request to C becomes a promise in flight).
    const [all] = ok(log, { type: 'deliverAll' });
    expect(all!.data.messageIds).toHaveLength(LIMITS.inFlightMax - 1);
    expect(all!.data.messageIds).not.toContain(request);
    expect(log.state.inFlight.some((m) => m.id === request)).toBe(true);
    ok(log, { type: 'dropAll', from: 'C' }, { type: 'deliver', id: request });
    expect(log.state.inFlight.filter((m) => m.kind === 'notice')).toHaveLength(2);
  });
});

describe('only the proposer learns', () => {
  it('no notices, the notebook lines alone, and every other node never learns', () => {
    const log = room(['A', 'B', 'C'], { learners: 'proposer' });
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: 'all' });
    const entries = ok(log, { type: 'acceptRequest', from: 'A', to: 'all' });
    for (const e of entries) expect(e.lines).toHaveLength(2);
    expect(choices(log)).toEqual({ A: 'Apple', B: null, C: null });
    expect(log.state.nodes.B!.heard).toEqual({});
  });

  it('a log saved before learners were told of acceptances replays as it played: only the proposer learns', () => {
    const { learners: _, ...old } = DEFAULT_SETTINGS;
    expect(initialRoomState(old as RoomSettings).settings.learners).toBe('proposer');
    const events = room(['A', 'B', 'C'], { learners: 'proposer' }).events;
    const file = JSON.stringify({ format: 'toy-paxos-session', version: 1, title: 'old', settings: old, events });
    const parsed = parseSessionFile(file);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.initial.settings.learners).toBe('proposer');
    const changed = fold(parsed.initial, [{ type: 'settingsChanged', settings: { ...old, delivery: 'queued' } as RoomSettings }]);
    expect(changed.settings.learners).toBe('proposer');
  });
});

describe('a proposer is a learner too: its explanation says what it learns', () => {
  it('in a queued duel, an acceptance that its proposal counts as 1 of 2 makes it learn, as a learner, and the explanation says so', () => {
    const log = room(['A', 'B', 'C'], { delivery: 'queued' });
    // A and B duel: B's ballot 2.B takes the promises from A's 1.A.
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: 'all' }, { type: 'deliverAll' });
    ok(log, { type: 'propose', node: 'B', value: 'Mango' }, { type: 'promiseRequest', from: 'B', to: 'all' }, { type: 'deliverAll' }, { type: 'deliverAll' });
    ok(log, { type: 'acceptRequest', from: 'B', to: ['B', 'C'] });
    const acceptances = log.state.inFlight.filter((m) => m.kind === 'accept').map((m) => m.id);
    // B's acceptor accepts (B as a learner counts its own acceptance), then C's; C's reply reaches B first.
    ok(log, { type: 'deliver', id: acceptances[0]! }, { type: 'deliver', id: acceptances[1]! });
    const fromC = log.state.inFlight.find((m) => m.kind === 'accepted' && m.from === 'C')!;
    const [entry] = ok(log, { type: 'deliver', id: fromC.id });
    expect(entry!.lines[1]).toBe('    > [ACC] Accept(2.B, Mango), B(acceptors: 1, quorum_size: 2, choice: Mango)');
    expect(entry!.explanation).toContain('B now has 1 of the 2 acceptances it needs.');
    expect(entry!.explanation).toContain('it now knows that 2 acceptors accepted Mango in ballot 2.B, a quorum of 2. B learns Mango.');
  });

  it('a reply that is stale for its proposal still counts for the learner, and the explanation does not call it ignored', () => {
    const log = room(['A', 'B', 'C'], { delivery: 'queued' });
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: 'all' }, { type: 'deliverAll' }, { type: 'deliverAll' });
    ok(log, { type: 'acceptRequest', from: 'A', to: ['A', 'B'] }, { type: 'deliverAll' });
    // A moves on to a new ballot before the acceptances come back; as a learner it still counts them.
    ok(log, { type: 'propose', node: 'A', value: 'Apple' });
    const replies = log.state.inFlight.filter((m) => m.kind === 'accepted' && m.to === 'A');
    ok(log, { type: 'deliver', id: replies[0]!.id });
    const [entry] = ok(log, { type: 'deliver', id: replies[1]!.id });
    expect(entry!.lines[1]).toMatch(/A\(acceptors: 0, quorum_size: 2, choice: Apple\)$/);
    expect(entry!.explanation).not.toContain('ignored');
    expect(entry!.explanation).toContain('A learns Apple.');
  });
});
