/**
 * Safe mode stays safe in a real class: the acceptors and quorums of a round are fixed
 * once it has a proposal (Paxos Made Simple decides among a fixed set of acceptors), a
 * broken promise breaks the rule once, and every explanation agrees with the state it
 * describes. Each script is one a class ran into.
 */
import { describe, expect, it } from 'vitest';
import { formatRun, parseScenario, PaxosNode, PRESETS, runScenario, type ScenarioRun } from '@toy-paxos/shared';

function run(text: string): ScenarioRun {
  return runScenario(parseScenario(text));
}
const chosen = (r: ScenarioRun) => [...new Set(r.log.state.monitor.chosen.map((c) => c.value))];
const rules = (r: ScenarioRun) => r.log.state.monitor.violations.map((v) => v.rule);
/** The explanation of the entry whose lines contain `line`, the last one if several do. */
function why(r: ScenarioRun, line: string): string {
  const text = formatRun(r);
  const at = text.lastIndexOf(line);
  expect(at, `no entry with "${line}"`).toBeGreaterThanOrEqual(0);
  return text.slice(text.indexOf('Why (event', at), text.indexOf('\n', text.indexOf('Why (event', at)));
}

const LATE_JOIN = `
nodes A B C
propose A Apple
promise A -> A B
accept A -> A B
nodes D E
propose C Mango
promise C -> C D E
expect refused not-acceptor
promise C -> all
accept C -> all
expect chosen Apple
expect safe
`;

describe('a late join', () => {
  it('in safe mode: the joiners watch this round, "all" means this round\'s acceptors, and Apple stays the only choice', () => {
    const r = run(LATE_JOIN);
    expect(r.failures).toEqual([]);
    expect(chosen(r)).toEqual(['Apple']);
    expect(r.log.state.members).toEqual(['A', 'B', 'C']);
    expect(formatRun(r)).toContain('JOIN D (acceptor from round 2)');
    expect(why(r, 'JOIN E')).toContain("So E watches this round: it learns the round's outcome like any node (a learner changes no quorum), and it proposes and accepts from round 2, when the instructor starts it.");
    // C must carry Apple: its quorum of this round's acceptors includes A or B.
    expect(r.log.state.nodes.C!.choice).toBe('Apple');
  });

  it('at the next round the joiners are acceptors, and the majority counts them', () => {
    const r = run(`${LATE_JOIN}\nround\npropose D Kiwi\npromise D -> C D E\naccept D -> C D E\nexpect chosen Kiwi\nexpect safe`);
    expect(r.failures).toEqual([]);
    expect(r.log.state.members).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(why(r, 'ROUND 2')).toContain('D, E, who joined during the last round, are acceptors now.');
  });

  it('with "reconfigure mid-round" on, the same script chooses two values (the preset that teaches it)', () => {
    const r = run(`break reconfigure-mid-round\nnodes A B C\npropose A Apple\npromise A -> A B\naccept A -> A B\nnodes D E\npropose C Mango\npromise C -> C D E\naccept C -> C D E`);
    expect(chosen(r)).toEqual(['Apple', 'Mango']);
    // Every node learns: the nodes that had learned Apple are told of Mango too.
    expect(rules(r)).toEqual(['agreement', 'stability']);
  });

  it('before a round has any proposal, a join counts at once', () => {
    const r = run('nodes A B C\nnodes D E\npropose A Apple\npromise A -> A B C\naccept A -> all\nexpect chosen Apple');
    expect(r.failures).toEqual([]);
    expect(r.log.state.members).toEqual(['A', 'B', 'C', 'D', 'E']);
  });
});

describe('quorums changed mid-round', () => {
  const CHANGE = 'quorum 3 1\nnodes A B C\npropose A Apple\npromise A -> all\naccept A -> A\nset quorum 1 3\npropose B Mango\npromise B -> B\n';

  it('between two safe settings: the change waits for the next round, and Mango cannot be chosen', () => {
    const r = run(`${CHANGE}accept B -> all\nexpect refused no-promise-quorum\nexpect chosen Apple\nexpect safe`);
    expect(r.failures).toEqual([]);
    expect(r.log.state.settings).toMatchObject({ q1: 3, q2: 1 });
    expect(r.log.state.nextSettings).toMatchObject({ q1: 1, q2: 3 });
    expect(formatRun(r)).toContain('SETTINGS q1: 3, q2: 1, ballots: unique, delivery: instant, acceptors: rules, learners: everyone, rule_breaking: None, from round 2: q1: 1, q2: 3');
    expect(why(r, 'SETTINGS q1: 3')).toContain('take effect when round 2 starts');
  });

  it('the waiting quorums take effect at the next round', () => {
    const r = run(`${CHANGE}round\npropose B Mango\npromise B -> B\naccept B -> all\nexpect chosen Mango\nexpect safe`);
    expect(r.failures).toEqual([]);
    expect(r.log.state.settings).toMatchObject({ q1: 1, q2: 3 });
    expect(r.log.state.nextSettings).toBeNull();
    expect(why(r, 'ROUND 2')).toContain('The quorums set during the last round take effect: Q1 = 1, Q2 = 3.');
  });

  it('with "reconfigure mid-round", the same change chooses Apple and Mango', () => {
    const r = run(`break reconfigure-mid-round\n${CHANGE}accept B -> all\nexpect violation agreement`);
    expect(r.failures).toEqual([]);
    expect(chosen(r)).toEqual(['Apple', 'Mango']);
  });

  it('lowering Q2 mid-round: in safe mode it waits; with the mode on, "chosen" follows the new quorum and agrees with the learner', () => {
    const script = 'quorum 2 3\nnodes A B C\npropose B Mango\npromise B -> all\naccept B -> B C\nset quorum 3 2\naccept B -> B\n';
    const safe = run(script);
    expect(safe.log.state.nodes.B!.choice).toBeNull();
    expect(chosen(safe)).toEqual([]);
    const broken = run(`break reconfigure-mid-round\n${script}`);
    expect(broken.log.state.nodes.B!.choice).toBe('Mango');
    expect(chosen(broken)).toEqual(['Mango']);
    expect(rules(broken)).toEqual([]);
  });

  it("a removed acceptor's name cannot come back in the same round as a blank acceptor", () => {
    const r = run('nodes A B C\npropose A Apple\npromise A -> all\naccept A -> A B\nexpect chosen Apple');
    expect(r.log.dispatch({ type: 'removeNode', node: 'B' }).ok).toBe(true);
    expect(r.log.dispatch({ type: 'addNode', node: 'B' })).toMatchObject({
      ok: false,
      code: 'node-exists',
      explanation: 'B left during this round and still counts as one of its acceptors: its name is free again when the next round starts.',
    });
    r.log.dispatch({ type: 'newRound' });
    expect(r.log.dispatch({ type: 'addNode', node: 'B' }).ok).toBe(true);
  });

  it('turning "reconfigure mid-round" off again does not make the round safe: it says so until the next round', () => {
    const r = run('nodes A B C D E\npropose A Apple\npromise A -> all\naccept A -> A B C\nset break reconfigure-mid-round\nset quorum 2 4\nset break no-reconfigure-mid-round');
    expect(r.log.state.reconfigured).toBe(true);
    expect(why(r, 'SETTINGS q1: 2, q2: 4, ballots: unique, delivery: instant, acceptors: rules, learners: everyone, rule_breaking: None')).toContain(
      'This round is still unsafe: its acceptors or quorums changed during its decision, and that stays true until a new round starts.',
    );
    r.log.dispatch({ type: 'newRound' });
    expect(r.log.state.reconfigured).toBe(false);
  });

  it('turning "reconfigure mid-round" on leaves a quorum change that was waiting for the next round waiting; a change made under it applies at once', () => {
    const r = run('nodes A B C D E\npropose A Apple\npromise A -> all\nset quorum 2 4\nset break reconfigure-mid-round');
    expect(r.log.state.settings).toMatchObject({ q1: 'majority', q2: 'majority', rules: { reconfigureMidRound: true } });
    expect(r.log.state.nextSettings).toMatchObject({ q1: 2, q2: 4 });
    expect(r.log.state.reconfigured).toBe(false);
    // Named again under the mode: Q2 now, Q1 still waiting.
    r.log.dispatch({ type: 'changeSettings', settings: { q2: 4 } });
    expect(r.log.state.settings).toMatchObject({ q1: 'majority', q2: 4 });
    expect(r.log.state.nextSettings).toMatchObject({ q1: 2, q2: 4 });
    expect(r.log.state.reconfigured).toBe(true);
    r.log.dispatch({ type: 'newRound' });
    expect(r.log.state.settings).toMatchObject({ q1: 2, q2: 4 });
    expect(r.log.state.nextSettings).toBeNull();
  });

  it('a quorum setting that does not intersect is flagged in its own entry', () => {
    const r = run('nodes A B C\nset quorum 1');
    expect(why(r, 'SETTINGS q1: 1, q2: 1')).toContain('Warning: Q1 + Q2 = 1 + 1 = 2 <= N = 3');
  });

  it('a node removed mid-round still counts in this round\'s majority', () => {
    const r = run('nodes A B C D E\npropose A Apple\npromise A -> A B C\naccept A -> A B C\nexpect chosen Apple');
    const log = r.log;
    log.dispatch({ type: 'removeNode', node: 'A' });
    log.dispatch({ type: 'removeNode', node: 'B' });
    expect(log.state.members).toEqual(['A', 'B', 'C', 'D', 'E']);
    const out = log.dispatch({ type: 'propose', node: 'D', value: 'Mango' });
    expect(out.ok).toBe(true);
    log.dispatch({ type: 'promiseRequest', from: 'D', to: ['D', 'E'] });
    const refused = log.dispatch({ type: 'acceptRequest', from: 'D', to: 'all' });
    expect(refused).toMatchObject({ ok: false, code: 'no-promise-quorum' });
  });
});

describe('a broken promise', () => {
  it('breaks the rule once: acc_p stays at the highest ballot promised, so the next answer is judged by it', () => {
    const r = run(`acceptors students
break break-promises
nodes A B C D
propose A Apple
propose C Mango
promise C -> C
answer C yes
propose C Mango
promise C -> B
answer B yes
promise A -> B
answer B yes
propose D Kiwi
promise D -> B
answer B no
expect safe`);
    expect(r.failures).toEqual([]);
    // B promised 2.C, then broke it for 1.A: its acc_p is still 2.C, so refusing 1.D is right.
    expect(r.log.state.nodes.B!.acceptor.promised).toEqual({ round: 2, node: 'C' });
  });
});

describe('explanations that agree with the state', () => {
  it('an accept refusal says the proposer can still win when it can, and the next line shows it winning', () => {
    const r = run('nodes A B C\npropose A Apple\npromise A -> A B\npropose C Mango\npromise C -> C\naccept A -> C\naccept A -> A B\nexpect chosen Apple');
    expect(r.failures).toEqual([]);
    expect(why(r, '[REJ] Accept(1.A, Apple) lost to 1.C')).toContain(
      "A can still win with 1.A: 1 of this round's 3 acceptors has promised a higher ballot, and the others could still give it the 2 acceptances it needs.",
    );
  });

  it('a refusal of a ballot that has already won says so, in instant or queued delivery', () => {
    const instant = run('nodes A B C\npropose A Apple\npromise A -> all\naccept A -> A B\npropose C Mango\npromise C -> B C\naccept A -> C');
    expect(why(instant, '[REJ] Accept(1.A, Apple) lost to 2.C')).toContain('1.A has won already: a quorum of 2 acceptors accepted Apple in it before this refusal');
    const queued = run('delivery queued\nnodes A B C\npropose A Apple\npromise A -> all\nsettle\naccept A -> A B\ndeliver all\npropose C Mango\npromise C -> B C\nsettle\naccept A -> C\nsettle');
    // The acceptances of A and B are still on their way to A when C refuses: 1.A has won all the same.
    expect(why(queued, 'ACCEPT  Reply from C to A')).toContain('1.A has won already');
  });

  it('a refused promise request does not stop a proposer that already has its promise quorum', () => {
    const r = run('quorum 4 2\nnodes A B C D E\npropose A Apple\npromise A -> A B C D\npropose E Mango\npromise E -> E\npromise A -> E\naccept A -> A B\nexpect chosen Apple');
    expect(r.failures).toEqual([]);
    expect(why(r, '[REJ] Promise(1.A) lost to 1.E')).toContain('A already has the 4 promises it needs for 1.A, so this refusal does not stop it');
  });

  it('acceptors that left the room are not said to have promised a higher ballot', () => {
    const r = run('nodes A B C D E\npropose A Apple\npromise A -> A\npropose B Kiwi\npromise B -> B');
    r.log.dispatch({ type: 'removeNode', node: 'D' });
    r.log.dispatch({ type: 'removeNode', node: 'E' });
    const out = r.log.dispatch({ type: 'promiseRequest', from: 'A', to: ['B'] });
    expect(out.ok && out.entries[0]!.explanation).toContain("1 of this round's 5 acceptors has promised a higher ballot and 2 have left the room");
  });

  it('a late promise after the ballot\'s value is fixed says the value stays, and why', () => {
    const r = run(`delivery queued
nodes A B C
propose C Kiwi
promise C -> B C
deliver all
deliver all
accept C -> C
deliver all
propose B Mango
promise B -> A B C
deliver B -> A
deliver B -> B
deliver A -> B
deliver B -> B
accept B -> A
deliver B -> C
deliver C -> B              # C's notice that it accepted Kiwi, sent before the promise
deliver C -> B
expect safe`);
    expect(r.failures).toEqual([]);
    const text = why(r, 'PROMISE Reply from C to B');
    expect(text).toContain('but B has already sent accept requests for Mango in 2.B, and one ballot carries one value, so it keeps sending Mango.');
    expect(text).not.toContain('must propose Kiwi');
  });

  it('a value chosen again in a later ballot is a confirmation, not news', () => {
    const r = run('nodes A B C\npropose A Apple\npromise A -> all\naccept A -> A B\npropose C Mango\npromise C -> all\naccept C -> all');
    const text = why(r, 'ACCEPT  Request from C(p: 2.C, val: Mango, promiser_acc_max: Apple) to B');
    expect(text).toContain('Apple was already chosen in ballot 1.A; this confirms it');
    expect(text).not.toMatch(/Apple is chosen\./);
  });

  it('a duplicate is a copy that may arrive twice; a recovery after forget-on-crash says what was forgotten', () => {
    const dup = run('delivery queued\nnodes A B\npropose A Apple\npromise A -> B\nduplicate #1');
    expect(why(dup, 'NETWORK duplicate #1 as #2')).toContain('The network copies #1: a copy #2 is now in flight too, so the message may arrive twice.');
    const forgot = run('break forget-on-crash\nnodes A B C\npropose A Apple\npromise A -> all\ncrash B\nrecover B');
    expect(why(forgot, 'RECOVER B')).toContain('its promises and accepted value lived in memory and were lost in the crash');
    const kept = run('nodes A B C\npropose A Apple\npromise A -> all\ncrash B\nrecover B');
    expect(why(kept, 'RECOVER B')).toContain('as an acceptor it answers with the promise 1.A it kept on stable storage');
  });

  it('round restarts crashed nodes, and says so', () => {
    const r = run('nodes A B C\ncrash B\nround');
    expect(r.log.state.nodes.B!.up).toBe(true);
    expect(why(r, 'ROUND 2')).toContain('B was down and restarts with the round.');
  });

  it('the classroom rule of "students decide" is labelled as such', () => {
    const r = run('acceptors students\nnodes A B\npropose A Apple\npromise A -> B\nanswer B no\nexpect refused must-answer-yes');
    expect(formatRun(r)).toContain('(a classroom rule, not a Paxos rule)');
  });
});

describe('the notebook', () => {
  it('re-initializing keeps the value: a bare initNewProposal() after a refusal still sends Apple', () => {
    const node = new PaxosNode('Node', { quorum: 2 });
    const rival = new PaxosNode('Rival', { quorum: 2 });
    const other = new PaxosNode('Another_Node', { quorum: 2 });
    node.initNewProposal('Apple');
    rival.initNewProposal('Mango');
    rival.initNewProposal('Mango');
    rival.promiseRequest(other);
    expect(String(node.promiseRequest(other))).toContain('[REJ] Promise(1) lost to 2');
    node.initNewProposal();
    expect(node.val).toBe('Apple');
    node.promiseRequest(other);
    node.promiseRequest(node);
    expect(String(node.acceptRequest(other))).toBe(
      'ACCEPT  Request from Node(p: 3, val: Apple, promiser_acc_max: None) to Another_Node(acc_p: 3)\n    > [ACC] Accept(3, Apple), Node(acceptors: 1, quorum_size: 2, choice: None)',
    );
  });

  it('two PaxosNode objects with the same name are refused, not silently merged', () => {
    const a = new PaxosNode('X');
    const b = new PaxosNode('X');
    a.initNewProposal('Apple');
    expect(() => a.promiseRequest(b)).toThrow('Two PaxosNode objects are both called X: an acceptor is known by its name, so give each node its own.');
  });

  it("the notebook preset prints both of the notebook's examples line for line", () => {
    const r = runScenario(parseScenario(readPreset('notebook')));
    const text = formatRun(r, { classic: true });
    expect(text).toContain('PROMISE Request from Node(p: 1) to Another_Node(acc_p: None)\n    > [ACC] Promise(1, last_accepted()), Node(promisers: 1, quorum_size: 3, promiser_acc_max: None)');
    expect(text).toContain('ACCEPT  Request from Node(p: 1, val: Apple, promiser_acc_max: Mango) to Another_Node(acc_p: 1)\n    > [ACC] Accept(1, Mango), Node(acceptors: 3, quorum_size: 3, choice: Mango)');
  });
});

function readPreset(name: string): string {
  const p = PRESETS.find((x) => x.name === name);
  if (!p) throw new Error(`no preset ${name}`);
  return p.text;
}
