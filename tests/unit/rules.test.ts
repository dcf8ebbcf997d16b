/**
 * One test per rule of the protocol, each naming the rule it checks
 * (Paxos Made Simple, Lamport 2001; Flexible Paxos, Howard et al. 2016).
 */
import { describe, expect, it } from 'vitest';
import { ok, refused, room } from './helpers';

describe('acceptor rules', () => {
  it('P1a: promises a ballot higher than any it has promised', () => {
    const log = room(['A', 'B', 'C']);
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: ['C'] });
    ok(log, { type: 'propose', node: 'B', value: 'Mango' }, { type: 'promiseRequest', from: 'B', to: ['C'] });
    expect(log.state.nodes.C!.acceptor.promised).toEqual({ round: 1, node: 'B' });
    expect(log.state.nodes.B!.proposer.promisers).toEqual(['C']);
  });

  it('P1a: refuses a ballot lower than its promise, and the refusal names the ballot it lost to', () => {
    const log = room(['A', 'B', 'C']);
    ok(log, { type: 'propose', node: 'B', value: 'Mango' }, { type: 'promiseRequest', from: 'B', to: ['C'] });
    ok(log, { type: 'propose', node: 'A', value: 'Apple' });
    const [entry] = ok(log, { type: 'promiseRequest', from: 'A', to: ['C'] });
    expect(entry!.lines[1]).toBe('    > [REJ] Promise(1.A) lost to 1.B, A(promisers: 0, quorum_size: 2, promiser_acc_max: None)');
    expect(entry!.explanation).toContain('C had already promised 1.B, which is higher than 1.A, so it refuses.');
    expect(log.state.nodes.C!.acceptor.promised).toEqual({ round: 1, node: 'B' });
    expect(log.state.nodes.A!.proposer.promisers).toEqual([]);
  });

  it('P1a: accepts a ballot at least as high as its promise, refuses a lower one', () => {
    const log = room(['A', 'B', 'C']);
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: 'all' });
    ok(log, { type: 'acceptRequest', from: 'A', to: ['A'] });
    expect(log.state.nodes.A!.acceptor.accepted).toEqual({ ballot: { round: 1, node: 'A' }, value: 'Apple' });
    // B has seen round 1 from A's promise request, so it proposes 2.B.
    ok(log, { type: 'propose', node: 'B', value: 'Mango' }, { type: 'promiseRequest', from: 'B', to: ['C'] });
    const [entry] = ok(log, { type: 'acceptRequest', from: 'A', to: ['C'] });
    expect(entry!.data.tag).toBe('REJ');
    expect(entry!.lines[1]).toContain('[REJ] Accept(1.A, Apple) lost to 2.B');
    expect(log.state.nodes.C!.acceptor.accepted).toBeNull();
  });

  it('P1b: a promise carries the last accepted (ballot, value)', () => {
    const log = room(['A', 'B', 'C']);
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: ['A', 'B'] });
    ok(log, { type: 'acceptRequest', from: 'A', to: ['B'] });
    ok(log, { type: 'propose', node: 'C', value: 'Mango' });
    const [entry] = ok(log, { type: 'promiseRequest', from: 'C', to: ['B'] });
    expect(entry!.lines[1]).toContain('Promise(1.C, last_accepted(1.A, Apple))');
    expect(log.state.nodes.C!.proposer.promiserAccMax).toEqual({ ballot: { round: 1, node: 'A' }, value: 'Apple' });
  });
});

describe('proposer rules', () => {
  it('P2c: an accept request carries the highest-ballot value among the promisers', () => {
    const log = room(['A', 'B', 'C', 'D', 'E']);
    // Apple accepted by D at 1.A; B has seen round 1, so Kiwi is accepted by E at 2.B, which is higher.
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: ['A', 'B', 'D'] });
    ok(log, { type: 'acceptRequest', from: 'A', to: ['D'] });
    ok(log, { type: 'propose', node: 'B', value: 'Kiwi' });
    ok(log, { type: 'promiseRequest', from: 'B', to: ['B', 'C', 'E'] }, { type: 'acceptRequest', from: 'B', to: ['E'] });
    // C has seen round 2 from B: it proposes 3.C and hears of both values.
    ok(log, { type: 'propose', node: 'C', value: 'Mango' }, { type: 'promiseRequest', from: 'C', to: ['D', 'E', 'C'] });
    const [entry] = ok(log, { type: 'acceptRequest', from: 'C', to: ['C'] });
    expect(entry!.lines[0]).toBe('ACCEPT  Request from C(p: 3.C, val: Mango, promiser_acc_max: Kiwi) to C(acc_p: 3.C)');
    expect(entry!.lines[1]).toContain('[ACC] Accept(3.C, Kiwi)');
  });

  it('P2c: without promisers that accepted anything, the proposer sends its own value', () => {
    const log = room(['A', 'B', 'C']);
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: 'all' });
    const [entry] = ok(log, { type: 'acceptRequest', from: 'A', to: ['B'] });
    expect(entry!.lines[1]).toContain('Accept(1.A, Apple)');
  });

  it('an accept request needs a quorum of promises first', () => {
    const log = room(['A', 'B', 'C']);
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: ['A'] });
    const why = refused(log, { type: 'acceptRequest', from: 'A', to: 'all' }, 'no-promise-quorum');
    expect(why).toContain('A has 1 of the 2 promises it needs');
  });

  it('one ballot, one value: a late promise does not change the value of accept requests already sent', () => {
    const log = room(['A', 'B', 'C'], { delivery: 'queued' });
    const deliverAll = (kind: string) => {
      for (const m of log.state.inFlight.filter((x) => x.kind === kind)) ok(log, { type: 'deliver', id: m.id });
    };
    // C gets Kiwi accepted by itself at 1.C, with the promises of B and C.
    ok(log, { type: 'propose', node: 'C', value: 'Kiwi' }, { type: 'promiseRequest', from: 'C', to: ['B', 'C'] });
    deliverAll('prepare');
    deliverAll('promise');
    ok(log, { type: 'acceptRequest', from: 'C', to: ['C'] });
    deliverAll('accept');
    expect(log.state.nodes.C!.acceptor.accepted?.value).toBe('Kiwi');
    ok(log, { type: 'propose', node: 'B', value: 'Mango' });
    ok(log, { type: 'promiseRequest', from: 'B', to: ['A', 'B', 'C'] });
    const ids = log.state.inFlight.filter((m) => m.kind === 'prepare').map((m) => m.id);
    // A and B promise first: no accepted value, so B sends Mango to A.
    const toA = ids[0]!;
    const toB = ids[1]!;
    const toC = ids[2]!;
    ok(log, { type: 'deliver', id: toA }, { type: 'deliver', id: toB });
    for (const m of log.state.inFlight.filter((x) => x.kind === 'promise' && x.to === 'B')) ok(log, { type: 'deliver', id: m.id });
    ok(log, { type: 'acceptRequest', from: 'B', to: ['A'] });
    // Now C's promise reports Kiwi: B must keep sending Mango in this ballot.
    ok(log, { type: 'deliver', id: toC });
    for (const m of log.state.inFlight.filter((x) => x.kind === 'promise' && x.to === 'B')) ok(log, { type: 'deliver', id: m.id });
    expect(log.state.nodes.B!.proposer.promiserAccMax?.value).toBe('Kiwi');
    ok(log, { type: 'acceptRequest', from: 'B', to: ['B'] });
    const sent = log.state.inFlight.filter((m) => m.kind === 'accept' && m.from === 'B');
    expect(sent.map((m) => (m.kind === 'accept' ? m.value : null))).toEqual(['Mango', 'Mango']);
  });

  it('promisers and acceptors are sets: a duplicated message never counts twice', () => {
    const log = room(['A', 'B', 'C'], { delivery: 'queued' });
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: ['B'] });
    ok(log, { type: 'duplicate', id: 1 }, { type: 'deliver', id: 1 }, { type: 'deliver', id: 2 });
    const replies = log.state.inFlight.map((m) => m.id);
    expect(replies).toHaveLength(2);
    ok(log, { type: 'deliver', id: replies[0]! });
    const [entry] = ok(log, { type: 'deliver', id: replies[1]! });
    expect(log.state.nodes.A!.proposer.promisers).toEqual(['B']);
    expect(entry!.explanation).toContain("A had already counted B's promise");
  });

  it("a node's choice is set when a quorum accepts the same ballot", () => {
    const log = room(['A', 'B', 'C']);
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: 'all' });
    ok(log, { type: 'acceptRequest', from: 'A', to: ['A'] });
    expect(log.state.nodes.A!.choice).toBeNull();
    ok(log, { type: 'acceptRequest', from: 'A', to: ['B'] });
    expect(log.state.nodes.A!.choice).toBe('Apple');
    expect(log.state.monitor.chosen.map((c) => c.value)).toEqual(['Apple']);
  });

  it('a refusal tells the proposer the ballot it lost to; its next ballot is higher (unique ballots)', () => {
    const log = room(['A', 'B', 'C']);
    ok(log, { type: 'propose', node: 'C', value: 'Kiwi' }, { type: 'propose', node: 'C', value: 'Kiwi' });
    ok(log, { type: 'promiseRequest', from: 'C', to: ['B'] });
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: ['B'] });
    ok(log, { type: 'propose', node: 'A', value: 'Apple' });
    expect(log.state.nodes.A!.proposer.ballot).toEqual({ round: 3, node: 'A' });
  });
});

describe('quorums', () => {
  it('Flexible Paxos: separate Q1 and Q2 are printed in their own phases', () => {
    const log = room(['A', 'B', 'C', 'D'], { q1: 3, q2: 2 });
    ok(log, { type: 'propose', node: 'A', value: 'Apple' });
    const entries = ok(log, { type: 'promiseRequest', from: 'A', to: ['A', 'B', 'C'] });
    expect(entries[2]!.lines[1]).toContain('A(promisers: 3, quorum_size: 3');
    const accepts = ok(log, { type: 'acceptRequest', from: 'A', to: ['C', 'D'] });
    expect(accepts[1]!.lines[1]).toContain('A(acceptors: 2, quorum_size: 2, choice: Apple)');
  });
});

describe('majority quorums', () => {
  it("count this round's acceptors: the nodes there before its first proposal", () => {
    const log = room(['A', 'B', 'C'], { q1: 'majority', q2: 'majority' });
    // Before any proposal the round has not started deciding: a join counts at once.
    ok(log, { type: 'addNode', node: 'D' });
    ok(log, { type: 'propose', node: 'A', value: 'Apple' });
    const [first] = ok(log, { type: 'promiseRequest', from: 'A', to: ['A'] });
    expect(first!.lines[1]).toContain('quorum_size: 3');
    // Mid-round, joiners watch: the majority stays 3 of the 4 acceptors.
    ok(log, { type: 'addNode', node: 'E' }, { type: 'addNode', node: 'F' });
    const [second] = ok(log, { type: 'promiseRequest', from: 'A', to: ['B'] });
    expect(second!.lines[1]).toContain('A(promisers: 2, quorum_size: 3');
    // "all" is this round's acceptors: E and F are not asked.
    ok(log, { type: 'promiseRequest', from: 'A', to: 'all' });
    expect(log.state.nodes.A!.proposer.promisers).toEqual(['A', 'B', 'C', 'D']);
    // The next round's acceptors are all six: the majority is 4.
    ok(log, { type: 'newRound' }, { type: 'propose', node: 'A', value: 'Apple' });
    const [third] = ok(log, { type: 'promiseRequest', from: 'A', to: ['A'] });
    expect(third!.lines[1]).toContain('quorum_size: 4');
  });
});
