import { describe, expect, it } from 'vitest';
import { PaxosNode, PaxosNodeError } from '@toy-paxos/shared';

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

/** What a call throws: its class and its message (the sentence a JavaScript caller reads). */
function refusal(call: () => unknown): { error: string; message: string } {
  try {
    call();
  } catch (e) {
    return { error: (e as Error).name, message: (e as Error).message };
  }
  throw new Error('the call was not refused');
}

// JavaScript callers get no type checking: each call below compiles only with a cast, and
// each is refused with a PaxosNodeError whose one sentence says what to write instead.
const untyped = PaxosNode as unknown as (...args: unknown[]) => PaxosNode;
const NewUntyped = PaxosNode as unknown as new (...args: unknown[]) => PaxosNode;
const loose = (node: PaxosNode) => node as unknown as Record<string, (...args: unknown[]) => unknown>;

describe('PaxosNode refuses what it cannot use, saying what to write', () => {
  it.each([
    // The notebook's keyword call: JavaScript reads quorum=3 as an assignment and passes 3.
    ['PaxosNode("Node", quorum=3), without new', () => untyped('Node', 3), "PaxosNode is a class, made with new: write new PaxosNode('Node', { quorum: 3 })"],
    ['new PaxosNode("Node", quorum=3)', () => new NewUntyped('Node', 3), "PaxosNode's options are an object, not the number 3: write new PaxosNode('Node', { quorum: 3 })"],
    ['a misspelled option', () => new NewUntyped('Node', { quorom: 3 }), "PaxosNode has no option 'quorom': did you mean quorum? Write new PaxosNode('Node', { quorum: 3 })"],
    ['an unknown option', () => new NewUntyped('Node', { colour: 'red' }), "PaxosNode has no option 'colour': its options are quorum, q1, q2, ballots and rules, as in new PaxosNode('Node', { quorum: 3 })"],
    ['a quorum given as text', () => new NewUntyped('Node', { quorum: '3' }), "A quorum size is a whole number from 1 to 99, so quorum cannot be the text '3': write new PaxosNode('Node', { quorum: 3 })"],
    ['a quorum past the limit', () => new PaxosNode('Node', { q2: 100 }), "A quorum size is a whole number from 1 to 99, so q2 cannot be the number 100: write new PaxosNode('Node', { q2: 99 })"],
    ['no name', () => new NewUntyped(), "A PaxosNode needs a name: write new PaxosNode('Node', { quorum: 3 })"],
    ['a name that is not text', () => new NewUntyped(42, { quorum: 3 }), "A PaxosNode's name is text, not the number 42: write new PaxosNode('Node', { quorum: 3 })"],
    [
      'a name scenarios refuse',
      () => new PaxosNode('Bad Name!', { quorum: 3 }),
      "'Bad Name!' is not a node name: use a letter then letters, digits, _ or -, up to 24 characters; write new PaxosNode('Bad_Name', { quorum: 3 })",
    ],
    [
      'a name every object has',
      () => new PaxosNode('constructor'),
      "'constructor' cannot be a node name: every JavaScript object has a property of that name; write new PaxosNode('Node', { quorum: 3 })",
    ],
    ['a third argument', () => new NewUntyped('A', { quorum: 2 }, 'B'), "PaxosNode takes a name and one object of options, not 3 arguments: write new PaxosNode('A', { quorum: 2 })"],
    ['unknown ballots', () => new NewUntyped('A', { ballots: 'random' }), "ballots is 'plain' (printed 1, 2, 3, as in the notebook) or 'unique' (printed 1.Node), not the text 'random'."],
    ['a misspelled rule', () => new NewUntyped('A', { rules: { forgetOnCrsh: true } }), "There is no rule 'forgetOnCrsh': did you mean forgetOnCrash?"],
    ['a rule that is not true or false', () => new NewUntyped('A', { rules: { forgetOnCrash: 'yes' } }), "rules.forgetOnCrash is true or false, not the text 'yes'."],
  ])('%s', (_what, call, message) => {
    expect(refusal(call)).toEqual({ error: 'PaxosNodeError', message });
  });

  it.each([
    [
      'promiseRequest("Another_Node"): a name, not the node',
      (node: PaxosNode) => loose(node).promiseRequest!('Another_Node'),
      "promiseRequest takes the PaxosNode itself, not its name 'Another_Node': write node.promiseRequest(another_node), with another_node = new PaxosNode('Another_Node', { quorum: 3 })",
    ],
    ['promiseRequest()', (node: PaxosNode) => loose(node).promiseRequest!(), 'promiseRequest needs the node to ask: write node.promiseRequest(another_node), with another_node a PaxosNode.'],
    [
      'acceptRequest with an object that is not a PaxosNode',
      (node: PaxosNode) => loose(node).acceptRequest!({ name: 'Another_Node' }),
      'acceptRequest takes a PaxosNode, not an object: write node.acceptRequest(another_node), with another_node a PaxosNode.',
    ],
    [
      'acceptRequest with two nodes',
      (node: PaxosNode) => loose(node).acceptRequest!(new PaxosNode('A'), new PaxosNode('B')),
      'acceptRequest asks one node at a time, not 2: call acceptRequest once for each node.',
    ],
    ['initNewProposal(42)', (node: PaxosNode) => loose(node).initNewProposal!(42), "initNewProposal takes a value as text, not the number 42: write initNewProposal('42')"],
    ['initNewProposal with two values', (node: PaxosNode) => loose(node).initNewProposal!('Apple', 'Mango'), "initNewProposal takes one value, not 2 arguments: write initNewProposal('Apple')"],
    ['crash with an argument', (node: PaxosNode) => loose(node).crash!(true), 'crash takes no arguments: write node.crash()'],
  ])('%s', (_what, call, message) => {
    const node = new PaxosNode('Node', { quorum: 3 });
    expect(refusal(() => call(node))).toEqual({ error: 'PaxosNodeError', message });
    // Nothing happened: the node is as it was made.
    expect(node.p).toBeNull();
  });

  it('is still the class: instanceof, its name, and the valid calls', () => {
    const node = new PaxosNode('Node', { quorum: 3 });
    expect(node).toBeInstanceOf(PaxosNode);
    expect(PaxosNode.name).toBe('PaxosNode');
    expect(refusal(() => untyped('Node'))).toEqual({ error: 'PaxosNodeError', message: expect.stringContaining('write new PaxosNode') });
    expect(new PaxosNodeError('x')).toBeInstanceOf(Error);
    expect(String(node.initNewProposal(null))).toBe('NEW Proposal from Node(p: 1, val: None)');
  });

  it("takes options made in another realm, as the REPL's context makes them", async () => {
    const { runInNewContext } = await import('node:vm');
    const options = runInNewContext('({ quorum: 3, rules: { forgetOnCrash: true } })') as { quorum: number };
    expect(new PaxosNode('Node', options).q1).toBe(3);
  });
});
