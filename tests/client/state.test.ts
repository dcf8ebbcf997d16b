/** The client's state classes and view models, with Svelte's client runtime (runes) in Node. */
import { describe, expect, it } from 'vitest';
import { flushSync } from 'svelte';
import { normalizeCode, parseRoute } from '../../client/src/lib/route';
import { SoloSandbox } from '../../client/src/lib/solo.svelte';
import { messageText, nodeCard } from '../../client/src/lib/view-model';
import { parseScenario, runScenario } from '@toy-paxos/shared';

describe('parseRoute', () => {
  it('reads every page from the address bar', () => {
    expect(parseRoute('/')).toEqual({ page: 'home' });
    expect(parseRoute('/join/abcdef')).toEqual({ page: 'join', code: 'ABCDEF', role: 'student' });
    expect(parseRoute('/join/ABCDEF', '?as=projector')).toEqual({ page: 'join', code: 'ABCDEF', role: 'observer' });
    expect(parseRoute('/join')).toEqual({ page: 'join', code: '', role: 'student' });
    expect(parseRoute('/room/k7qxma')).toEqual({ page: 'room', code: 'K7QXMA' });
    expect(parseRoute('/solo')).toEqual({ page: 'solo' });
    expect(parseRoute('/room/A/B')).toEqual({ page: 'missing' });
    expect(parseRoute('/elsewhere')).toEqual({ page: 'missing' });
  });
});

describe('normalizeCode', () => {
  it('keeps a code typed with spaces, dashes or in lower case whole', () => {
    expect(normalizeCode(' ecxm4v')).toBe('ECXM4V');
    expect(normalizeCode('ECX M4V')).toBe('ECXM4V');
    expect(normalizeCode('e c x-m 4 v')).toBe('ECXM4V');
    expect(normalizeCode('ECXM4VQ')).toBe('ECXM4V');
  });
});

describe('SoloSandbox', () => {
  it('runs the core in the browser: the learner controls every node, refusals become notices', () => {
    const box = new SoloSandbox();
    expect(box.state.order).toEqual(['A', 'B', 'C']);
    expect(box.dispatch({ type: 'acceptRequest', from: 'A', to: 'all' })).toBe(false);
    expect(box.notices.at(-1)).toMatchObject({ kind: 'refused', text: 'A has no proposal yet: start a new proposal first.' });
    box.dispatch({ type: 'propose', node: 'A', value: 'Fig' });
    box.dispatch({ type: 'promiseRequest', from: 'A', to: 'all' });
    box.dispatch({ type: 'acceptRequest', from: 'A', to: 'all' });
    flushSync();
    expect(box.state.nodes.A!.choice).toBe('Fig');
    expect(box.items.at(-1)!.lines[1]).toBe('    > [ACC] Accept(1.A, Fig), A(acceptors: 3, quorum_size: 2, choice: Fig)');
    const card = nodeCard(box.state, 'A')!;
    expect(card).toMatchObject({ p: '1.A', val: 'Fig', promisers: 3, q1: 2, acceptors: 3, choice: 'Fig', accP: '1.A', lastAccepted: 'last_accepted(1.A, Fig)' });
  });

  it('each state it hands out is a new object, so components see every change', () => {
    const box = new SoloSandbox();
    const before = box.state;
    box.dispatch({ type: 'propose', node: 'B', value: 'Kiwi' });
    expect(box.state).not.toBe(before);
    expect(before.nodes.B!.proposer.ballot).toBeNull();
    expect(box.state.nodes.B!.proposer.ballot).toEqual({ round: 1, node: 'B' });
  });

  it('steps through a preset with its lesson, and plays on from any step', () => {
    const box = new SoloSandbox();
    box.load('value-adoption');
    expect(box.walkthrough!.preset.lesson).toContain('Which value will C\'s accept requests carry, Mango or Apple?');
    expect(box.walkthrough!.preset.rule).toContain('a later proposer carries the value its promisers accepted');
    expect(box.shown).toEqual([]);
    box.next(); // the three nodes join in one step
    expect(box.shown.map((i) => i.lines[0])).toEqual(['JOIN A', 'JOIN B', 'JOIN C']);
    expect(box.stopNumber).toEqual({ at: 1, of: 9 });
    for (let i = 0; i < 3; i++) box.next(); // propose, promise, accept
    expect(box.shown.at(-1)!.lines[0]).toContain('ACCEPT  Request from A(p: 1.A');
    expect(box.current.map((o) => o.step.source)).toEqual(['accept A -> A B']);
    expect(box.state.monitor.chosen.map((c) => c.value)).toEqual(['Apple']);
    box.back();
    expect(box.state.monitor.chosen).toEqual([]);
    box.next();
    box.playFromHere();
    expect(box.walkthrough).toBeNull();
    // Going on by hand from the step shown: C must carry Apple.
    box.dispatch({ type: 'propose', node: 'C', value: 'Mango' });
    box.dispatch({ type: 'promiseRequest', from: 'C', to: ['B', 'C'] });
    box.dispatch({ type: 'acceptRequest', from: 'C', to: 'all' });
    expect(box.state.nodes.C!.choice).toBe('Apple');
  });

  it('adds nodes and bots with fresh names', () => {
    const box = new SoloSandbox();
    box.addNode();
    box.addBot();
    expect(box.state.order).toEqual(['A', 'B', 'C', 'D', 'Bot1']);
    expect(box.state.nodes.Bot1!.bot).toBe(true);
  });
});

describe('messageText', () => {
  it('prints a message in flight in one line', () => {
    const box = new SoloSandbox();
    box.dispatch({ type: 'changeSettings', settings: { delivery: 'queued' } });
    box.dispatch({ type: 'propose', node: 'A', value: 'Fig' });
    box.dispatch({ type: 'promiseRequest', from: 'A', to: ['B'] });
    expect(messageText(box.state, box.state.inFlight[0]!)).toBe('PROMISE Request A -> B (p: 1.A)');
  });
});

describe('parseRoute for replay links', () => {
  it('reads the token from the fragment', () => {
    expect(parseRoute('/watch/abcdef', '', '#tok')).toEqual({ page: 'watch', code: 'ABCDEF', token: 'tok' });
    expect(parseRoute('/watch')).toEqual({ page: 'missing' });
  });
});

describe("nodeCard's next accept request", () => {
  const log = (script: string) => runScenario(parseScenario(script)).log.state;

  it('says the value the core will send and why: its own, adopted, fixed, or ignored by a rule mode', () => {
    const base = 'nodes A B C\npropose A Apple\npromise A -> all\naccept A -> all\npropose C Mango\n';
    expect(nodeCard(log(base), 'C')!.nextAccept).toEqual({ value: 'Mango', why: 'own' });
    expect(nodeCard(log(`${base}promise C -> all\n`), 'C')!.nextAccept).toEqual({ value: 'Apple', why: 'adopted', ballot: '1.A', own: 'Mango' });
    expect(nodeCard(log(`${base}promise C -> all\naccept C -> all\n`), 'C')!.nextAccept).toEqual({ value: 'Apple', why: 'fixed' });
    const ignoring = `break ignore-accepted-value\n${base}promise C -> all\n`;
    expect(nodeCard(log(ignoring), 'C')!.nextAccept).toEqual({ value: 'Mango', why: 'ignored', accepted: 'Apple' });
    expect(nodeCard(log('nodes A B C\n'), 'A')!.nextAccept).toBeNull();
    expect(nodeCard(log('nodes A B C\n'), 'A')!.lastAccepted).toBeNull();
  });
});

describe('the card\'s learner line', () => {
  it('when only the proposer learns, the proposer counts its own ballot\'s acceptances; the others say they never learn', () => {
    const run = runScenario(parseScenario('delivery queued\nlearners proposer\nnodes A B C\npropose A Apple\npromise A -> all\nsettle\naccept A -> all\ndeliver A -> B\ndeliver A -> C\ndeliver B -> A'));
    expect(nodeCard(run.log.state, 'A')!.learner).toEqual({ status: 'waiting', mode: 'proposer', heard: { count: 1, value: 'Apple', ballot: '1.A' }, q2: 2, chosen: 'Apple' });
    expect(nodeCard(run.log.state, 'B')!.learner).toMatchObject({ status: 'waiting', mode: 'proposer', heard: null });
  });
});
