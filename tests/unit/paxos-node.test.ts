import { describe, expect, it } from 'vitest';
import { PaxosNode } from '@toy-paxos/shared';

describe('PaxosNode, as in the notebook (SEED.md)', () => {
  it("prints the notebook's first example character for character", () => {
    const node = new PaxosNode('Node', { quorum: 3 });
    const another = new PaxosNode('Another_Node', { quorum: 3 });
    node.initNewProposal('Apple');
    const entry = node.promiseRequest(another);
    const expected =
      'PROMISE Request from Node(p: 1) to Another_Node(acc_p: None)\n' +
      '    > [ACC] Promise(1, last_accepted()), Node(promisers: 1, quorum_size: 3, promiser_acc_max: None)';
    expect(entry.text).toBe(expected);
    expect(String(entry)).toBe(expected);
    expect(`${entry}`).toBe(expected);
  });

  it('prints a promise that carries an accepted value as last_accepted(b, v), and the accept as in the notebook', () => {
    // Rival shares ballot 1 with Node (plain ballots) and gets Mango accepted by B first.
    const [node, rival, b, c] = ['Node', 'Rival', 'B', 'C'].map((n) => new PaxosNode(n, { quorum: 3 })) as [PaxosNode, PaxosNode, PaxosNode, PaxosNode];
    node.initNewProposal('Apple');
    rival.initNewProposal('Mango');
    for (const to of [rival, b, c]) rival.promiseRequest(to);
    rival.acceptRequest(b);
    expect(node.promiseRequest(b).text).toBe(
      'PROMISE Request from Node(p: 1) to B(acc_p: 1)\n' +
        '    > [ACC] Promise(1, last_accepted(1, Mango)), Node(promisers: 1, quorum_size: 3, promiser_acc_max: Mango)',
    );
    node.promiseRequest(c);
    node.promiseRequest(node);
    expect(node.acceptRequest(b).text).toBe(
      'ACCEPT  Request from Node(p: 1, val: Apple, promiser_acc_max: Mango) to B(acc_p: 1)\n' +
        '    > [ACC] Accept(1, Mango), Node(acceptors: 1, quorum_size: 3, choice: None)',
    );
    node.acceptRequest(c);
    const last = node.acceptRequest(node);
    expect(last.text).toBe(
      'ACCEPT  Request from Node(p: 1, val: Apple, promiser_acc_max: Mango) to Node(acc_p: 1)\n' +
        '    > [ACC] Accept(1, Mango), Node(acceptors: 3, quorum_size: 3, choice: Mango)',
    );
    expect(node.choice).toBe('Mango');
    expect(last.explanation).toContain('Node learns the choice: Mango');
  });

  it('explains the decision in plain English, naming the rule', () => {
    const a = new PaxosNode('A', { quorum: 2 });
    const b = new PaxosNode('B', { quorum: 2 });
    const c = new PaxosNode('C', { quorum: 2 });
    c.initNewProposal('Kiwi');
    c.initNewProposal('Kiwi');
    c.initNewProposal('Kiwi');
    c.promiseRequest(b); // B promised 3
    a.initNewProposal('Apple');
    a.initNewProposal('Apple'); // p: 2
    const entry = a.promiseRequest(b);
    expect(entry.text).toBe(
      'PROMISE Request from A(p: 2) to B(acc_p: 3)\n' +
        '    > [REJ] Promise(2) lost to 3, A(promisers: 0, quorum_size: 2, promiser_acc_max: None)',
    );
    expect(entry.explanation).toContain('B had already promised 3, which is higher than 2, so it refuses.');
    expect(entry.data.tag).toBe('REJ');
  });

  it('after a refusal, initNewProposal picks a ballot higher than any the node has seen', () => {
    const a = new PaxosNode('A');
    const b = new PaxosNode('B');
    for (let i = 0; i < 5; i++) b.initNewProposal('x');
    b.promiseRequest(b); // B's acceptor promised 5
    a.initNewProposal('Apple');
    expect(a.p).toBe('1');
    a.promiseRequest(b);
    a.initNewProposal('Apple');
    expect(a.p).toBe('6');
  });

  it('refuses an accept request without a quorum of promises, and says why', () => {
    const a = new PaxosNode('A', { quorum: 2 });
    const b = new PaxosNode('B', { quorum: 2 });
    a.initNewProposal('Apple');
    a.promiseRequest(b);
    const entry = a.acceptRequest(b);
    expect(entry.refusal?.code).toBe('no-promise-quorum');
    expect(entry.text).toContain('A has 1 of the 2 promises it needs');
    expect(b.last_accepted).toBeNull();
  });

  it('supports unique ballots printed round.node', () => {
    const a = new PaxosNode('Alice', { quorum: 1, ballots: 'unique' });
    a.initNewProposal('Apple');
    a.initNewProposal('Apple');
    expect(a.p).toBe('2.Alice');
    expect(a.promiseRequest(a).text).toContain('Promise(2.Alice, last_accepted())');
  });

  it('keeps acceptor state through a crash and loses the proposal in progress', () => {
    const a = new PaxosNode('A', { quorum: 1 });
    a.initNewProposal('Apple');
    a.promiseRequest(a);
    a.acceptRequest(a);
    expect(a.crash().text).toBe('CRASH A(acc_p: 1, last_accepted(1, Apple)) kept');
    expect(a.p).toBeNull();
    expect(a.acc_p).toBe('1');
    expect(a.choice).toBe('Apple');
    expect(a.initNewProposal('Kiwi').refusal?.code).toBe('node-crashed');
    a.recover();
    a.initNewProposal('Kiwi');
    expect(a.p).toBe('2');
  });

  it('rejects a bad name or quorum when the node is built', () => {
    expect(() => new PaxosNode('')).toThrow(/needs a name/);
    expect(() => new PaxosNode('A', { quorum: 0 })).toThrow(/quorum size/);
    expect(() => new PaxosNode('A', { q1: 2.5 })).toThrow(/quorum size/);
  });

  it('prints as the notebook in the REPL (util.inspect)', async () => {
    const { inspect } = await import('node:util');
    const a = new PaxosNode('A', { quorum: 1 });
    expect(inspect(a.initNewProposal('Apple'))).toBe('NEW Proposal from A(p: 1, val: Apple)');
  });
});
