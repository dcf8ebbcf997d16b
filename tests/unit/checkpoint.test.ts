/**
 * Prediction checkpoints: questions generated from the room's state, answered by the
 * core, and carried by the log as events (opened, closed with the answers, revealed).
 */
import { describe, expect, it } from 'vitest';
import { checkpointResult, decide, decideOpenCheckpoint, makeQuestion, NO_SEARCH, otherValueQuestion, questionsAt, questionsNotOffered, revealStep, type QuestionSpec, type RoomCommand } from '@toy-paxos/shared';
import { parseSessionFile, sessionFile } from '@toy-paxos/shared/protocol';
import { ok, refused, room } from './helpers';

function ask(log: ReturnType<typeof room>, spec: QuestionSpec) {
  const q = makeQuestion(log.state, spec, otherValueQuestion);
  if (!q.ok) throw new Error(q.explanation);
  return q.question;
}

describe('generated questions and their answers', () => {
  it("what an acceptor answers a promise request: a promise that reports the value it accepted, or a refusal", () => {
    const log = room(['A', 'B', 'C'], { delivery: 'queued' });
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: 'all' }, { type: 'deliverAll' }, { type: 'deliverAll' });
    ok(log, { type: 'acceptRequest', from: 'A', to: ['B'] }, { type: 'deliverAll' });
    ok(log, { type: 'propose', node: 'C', value: 'Mango' }, { type: 'promiseRequest', from: 'C', to: ['B'] });
    const request = log.state.inFlight.find((m) => m.kind === 'prepare')!;
    const q = ask(log, { kind: 'reply', message: request.id });
    expect(q.prompt).toBe("What will B answer to 2.C's promise request?");
    expect(q.options[q.answer!]).toBe('Promise, reporting Apple accepted in 1.A');
    expect(q.options).toContain('Promise, reporting nothing accepted');
    expect(q.options).toContain('Refuse');
    // A request below B's promise is refused.
    ok(log, { type: 'deliver', id: request.id });
    ok(log, { type: 'acceptRequest', from: 'A', to: ['B'] });
    const late = log.state.inFlight.find((m) => m.kind === 'accept')!;
    const refusal = ask(log, { kind: 'reply', message: late.id });
    expect(refusal.options[refusal.answer!]).toBe('Refuse');
    expect(refusal.explanation).toBe('B has promised 2.C, higher than 1.A, so it refuses (P1a).');
  });

  it('which value the next accept request carries: the adopted one, or none before a quorum of promises', () => {
    const log = room(['A', 'B', 'C']);
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: ['A', 'B'] }, { type: 'acceptRequest', from: 'A', to: ['A', 'B'] });
    ok(log, { type: 'propose', node: 'C', value: 'Mango' });
    const before = ask(log, { kind: 'nextValue', node: 'C' });
    expect(before.options[before.answer!]).toBe('None yet');
    ok(log, { type: 'promiseRequest', from: 'C', to: ['B', 'C'] });
    const after = ask(log, { kind: 'nextValue', node: 'C' });
    expect(after.prompt).toBe("Which value will 1.C's next accept request carry?");
    expect(after.options[after.answer!]).toBe('Apple');
    expect(after.explanation).toContain('(P2c)');
  });

  it('is a value chosen now, whatever the nodes have learned', () => {
    const log = room(['A', 'B', 'C'], { delivery: 'queued' });
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: 'all' }, { type: 'deliverAll' }, { type: 'deliverAll' });
    ok(log, { type: 'acceptRequest', from: 'A', to: ['B', 'C'] });
    expect(ask(log, { kind: 'chosenNow' }).answer).toBe(0);
    ok(log, { type: 'deliverAll' });
    const q = ask(log, { kind: 'chosenNow' });
    expect(q.options[q.answer!]).toBe('Apple');
    expect(log.state.nodes.A!.choice).toBeNull();
  });

  it('two values chosen, as a rule-breaking mode allows: "both" is offered and is the answer', () => {
    // The break-small-quorums lesson: Q1 = Q2 = 2 of 4, so {A, B} and {C, D} never meet.
    const log = room(['A', 'B', 'C', 'D'], { q1: 2, q2: 2 });
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: ['A', 'B'] });
    // Before anything is chosen, the same options: "both" is there whenever two values are proposed.
    ok(log, { type: 'propose', node: 'D', value: 'Mango' });
    const before = ask(log, { kind: 'chosenNow' });
    expect(before.options).toEqual(['Nothing is chosen yet', 'Apple', 'Mango', 'Apple and Mango']);
    expect(before.answer).toBe(0);
    ok(log, { type: 'acceptRequest', from: 'A', to: ['A', 'B'] }, { type: 'promiseRequest', from: 'D', to: ['C', 'D'] }, { type: 'acceptRequest', from: 'D', to: ['C', 'D'] });
    expect(new Set(log.state.monitor.chosen.map((c) => c.value))).toEqual(new Set(['Apple', 'Mango']));
    const q = ask(log, { kind: 'chosenNow' });
    expect(q.options).toEqual(['Nothing is chosen yet', 'Apple', 'Mango', 'Apple and Mango']);
    expect(q.options[q.answer!]).toBe('Apple and Mango');
    expect(q.explanation).toContain('both are chosen, a safety violation');
  });

  it('an option is the answer only, never the reason for it: that is the explanation\'s, at the reveal', () => {
    const log = room(['A', 'B', 'C', 'D', 'E'], { delivery: 'queued' });
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: 'all' }, { type: 'deliverAll' }, { type: 'deliverAll' });
    ok(log, { type: 'acceptRequest', from: 'A', to: ['A', 'B', 'C'] }, { type: 'deliverAll' });
    ok(log, { type: 'propose', node: 'E', value: 'Mango' }, { type: 'promiseRequest', from: 'E', to: ['D'] });
    const options = questionsAt(log.state).flatMap((o) => ask(log, o.spec).options);
    expect(options).toContain('None yet');
    // No option says why: no colon followed by a reason, no "because", "so" or "needs".
    for (const option of options) expect(option, option).not.toMatch(/:|\bbecause\b|\bso\b|\bneeds?\b|\bfirst\b/);
  });

  it('how many acceptors must crash: n - max(Q1, Q2) + 1, with majorities and with Flexible Paxos quorums', () => {
    const majority = room(['A', 'B', 'C', 'D', 'E'], { q1: 'majority', q2: 'majority' });
    const q = ask(majority, { kind: 'quorumCrash' });
    expect(q.options[q.answer!]).toBe('3');
    const flexible = room(['A', 'B', 'C', 'D', 'E'], { q1: 4, q2: 2 });
    const f = ask(flexible, { kind: 'quorumCrash' });
    expect(f.options[f.answer!]).toBe('2');
    expect(f.explanation).toContain('at least 4 acceptors up');
  });

  it('can a value other than the chosen one be chosen: no in safe mode, yes when proposers ignore the accepted value', () => {
    const moves: RoomCommand[] = [{ type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: 'all' }, { type: 'acceptRequest', from: 'A', to: ['A', 'B'] }];
    const safe = room(['A', 'B', 'C']);
    ok(safe, ...moves);
    const no = ask(safe, { kind: 'otherValue' });
    expect(no.prompt).toMatch(/^Can a value other than Apple be chosen within the next \d+ steps\?$/);
    expect(no.options[no.answer!]).toBe('No');
    expect(no.explanation).toContain('(P2c)');
    // The same moment in a room whose proposers ignore what their promisers accepted: Mango can win too.
    const broken = room(['A', 'B', 'C'], { rules: { ignoreAcceptedValue: true } });
    ok(broken, ...moves);
    const yes = ask(broken, { kind: 'otherValue' });
    expect(yes.options[yes.answer!]).toBe('Yes');
    expect(yes.explanation).toMatch(/^Yes: Mango can be chosen in \d+ steps, though Apple is chosen already: a safety violation/);
   }, 60_000);

  it('can another value be chosen, before any is: yes while no quorum has accepted one', () => {
    const log = room(['A', 'B', 'C']);
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: 'all' });
    expect(makeQuestion(log.state, { kind: 'otherValue' }, otherValueQuestion)).toEqual({ ok: false, explanation: 'No value has been accepted yet: ask this once an acceptor has accepted one.' });
    ok(log, { type: 'acceptRequest', from: 'A', to: ['B'] });
    const q = ask(log, { kind: 'otherValue' });
    expect(q.options[q.answer!]).toBe('Yes');
    expect(q.explanation).toContain('Apple is not chosen yet');
   }, 60_000);

  it('the decision layer asks the explorer only through the search it is given: without one, the "other value" question is refused', () => {
    const log = room(['A', 'B', 'C']);
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: 'all' }, { type: 'acceptRequest', from: 'A', to: ['B'] });
    const command: RoomCommand = { type: 'openCheckpoint', spec: { kind: 'otherValue' } };
    expect(decide(log.state, command)).toEqual({ ok: false, code: 'bad-question', explanation: NO_SEARCH });
    const before = JSON.stringify(log.state);
    expect(log.dispatch(command)).toMatchObject({ ok: false, code: 'bad-question' });
    expect(JSON.stringify(log.state)).toBe(before);
    const searched = decide(log.state, command, otherValueQuestion);
    expect(searched.ok && searched.events[0]).toMatchObject({ type: 'checkpointOpened', question: { options: ['Yes', 'No'], answer: 0 } });
  }, 60_000);

  it('a question about a replayed moment is answered from that moment, and opens now', () => {
    const log = room(['A', 'B', 'C'], { delivery: 'queued' });
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: ['B'] });
    const moment = log.state.seq;
    const request = log.state.inFlight[0]!.id;
    ok(log, { type: 'deliverAll' }, { type: 'deliverAll' });
    // Live, the request is gone; at the moment replayed it was in flight.
    expect(decide(log.state, { type: 'openCheckpoint', spec: { kind: 'reply', message: request } }).ok).toBe(false);
    const d = decideOpenCheckpoint(log.state, { kind: 'reply', message: request }, 20, { state: log.stateAt(moment), seq: moment });
    expect(d.ok && d.events[0]).toMatchObject({ type: 'checkpointOpened', id: 1, at: moment, question: { prompt: "What will B answer to 1.A's promise request?" } });
    const bad = decideOpenCheckpoint(log.state, { kind: 'chosenNow' }, 20, { state: log.stateAt(0), seq: log.state.seq + 5 });
    expect(bad).toMatchObject({ ok: false, code: 'bad-question' });
    if (d.ok) log.appendAnnotated(d.events);
    expect(log.state.checkpoints[0]).toMatchObject({ id: 1, at: moment, status: 'open' });
    expect(log.entries().at(-1)!.explanation).toContain(`as it was at event ${moment}, the moment being replayed`);
  });

  it("a reply question's reveal step delivers its request, or answers it from the inbox as the rules say", () => {
    const log = room(['A', 'B', 'C'], { delivery: 'queued' });
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: ['B'] });
    const id = log.state.inFlight[0]!.id;
    expect(revealStep(log.state, { kind: 'reply', message: id })).toEqual({ type: 'deliver', id });
    expect(revealStep(log.state, { kind: 'chosenNow' })).toBeNull();
    const inbox = room(['A', 'B', 'C'], { acceptorMode: 'students', delivery: 'instant' });
    ok(inbox, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: ['B'] });
    const held = Object.values(inbox.state.held)[0]!;
    expect(revealStep(inbox.state, { kind: 'reply', message: held.id })).toEqual({ type: 'answer', node: 'B', id: held.id, yes: true });
    ok(inbox, { type: 'answer', node: 'B', id: held.id, yes: true });
    expect(revealStep(inbox.state, { kind: 'reply', message: held.id })).toBeNull();
  });

  it('refuses what it cannot ask: a search in a room too big to search, a crash question with one answer, a node id every object has', () => {
    const big = room(['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H']);
    ok(big, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: 'all' }, { type: 'acceptRequest', from: 'A', to: ['B'] });
    expect(refused(big, { type: 'openCheckpoint', spec: { kind: 'otherValue' } }, 'bad-question')).toContain('rooms of up to 7 nodes; this one has 8');
    expect(questionsAt(big.state).map((o) => o.spec.kind)).not.toContain('otherValue');
    expect(refused(room(['A']), { type: 'openCheckpoint', spec: { kind: 'quorumCrash' } }, 'bad-question')).toBe('This round has 1 acceptor: too few for a question with answers to choose from.');
    for (const node of ['__proto__', 'constructor', 'toString']) {
      expect(refused(room(['A', 'B', 'C']), { type: 'openCheckpoint', spec: { kind: 'nextValue', node } }, 'bad-question')).toBe(`There is no node called ${node} in this room.`);
    }
  });

  it('names no most common wrong answer before the reveal: the most chosen may be the right one', () => {
    const log = room(['A', 'B', 'C']);
    ok(log, { type: 'openCheckpoint', spec: { kind: 'quorumCrash' } });
    const right = log.state.checkpoints[0]!.question.answer!;
    ok(log, { type: 'closeCheckpoint', id: 1, answers: { A: right, B: right, C: right === 0 ? 1 : 0 } });
    expect(checkpointResult(log.state.checkpoints[0]!).commonWrong).toBeNull();
    ok(log, { type: 'revealCheckpoint', id: 1 });
    expect(checkpointResult(log.state.checkpoints[0]!).commonWrong).toBe(right === 0 ? 1 : 0);
  });

  it('offers only the questions that make sense now', () => {
    const log = room(['A', 'B', 'C'], { delivery: 'queued' });
    expect(questionsAt(log.state).map((o) => o.spec.kind)).toEqual(['quorumCrash']);
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: ['B'] });
    expect(questionsAt(log.state).map((o) => o.spec.kind)).toEqual(['reply', 'nextValue', 'chosenNow', 'quorumCrash']);
  });

  it('asks nothing a crashed node or a cut link holds up, says why, and asks it again once the room can act on it', () => {
    const log = room(['A', 'B', 'C'], { delivery: 'queued' });
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: ['B', 'C'] });
    const [toB, toC] = log.state.inFlight.map((m) => m.id);
    const replies = () => questionsAt(log.state).flatMap((o) => (o.spec.kind === 'reply' ? [o.spec.message] : []));
    expect(replies()).toEqual([toB, toC]);
    expect(questionsNotOffered(log.state)).toEqual([]);
    // C is down: what it will answer cannot happen, so it is neither offered nor opened.
    ok(log, { type: 'crash', node: 'C' });
    expect(replies()).toEqual([toB]);
    const crashed = 'C has crashed and answers nothing until it recovers.';
    expect(questionsNotOffered(log.state)).toEqual([crashed]);
    expect(refused(log, { type: 'openCheckpoint', spec: { kind: 'reply', message: toC! } }, 'bad-question')).toBe(crashed);
    // The link between A and B is cut: A's request cannot reach B until it heals.
    ok(log, { type: 'cut', a: 'A', b: 'B' });
    expect(replies()).toEqual([]);
    const cut = "The link between A and B is cut: A's request cannot reach B until it heals.";
    expect(questionsNotOffered(log.state)).toEqual([cut, crashed]);
    expect(refused(log, { type: 'openCheckpoint', spec: { kind: 'reply', message: toB! } }, 'bad-question')).toBe(cut);
    // Recovered and healed, both are offered again, about the same requests.
    ok(log, { type: 'recover', node: 'C' }, { type: 'heal', a: 'A', b: 'B' });
    expect(replies()).toEqual([toB, toC]);
    expect(questionsNotOffered(log.state)).toEqual([]);
    ok(log, { type: 'openCheckpoint', spec: { kind: 'reply', message: toC! } });
  });

  it("asks nothing of a crashed proposer's next accept request: a crashed node sends none", () => {
    const log = room(['A', 'B', 'C'], { delivery: 'queued' });
    ok(log, { type: 'propose', node: 'A', value: 'Apple' });
    // The honest proposer forgets its ballot in a crash; a program of its own may keep it.
    const down = structuredClone(log.state);
    down.nodes.A!.up = false;
    expect(questionsAt(down).map((o) => o.spec.kind)).not.toContain('nextValue');
    expect(questionsNotOffered(down)).toEqual(['A has crashed and sends nothing until it recovers.']);
    expect(questionsAt(log.state).map((o) => o.spec.kind)).toContain('nextValue');
  });
});

describe('a checkpoint in the log', () => {
  it('opens, closes with the answers, and reveals the computed answer; the reveal scores the class', () => {
    const log = room(['A', 'B', 'C']);
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: 'all' });
    const [opened] = ok(log, { type: 'openCheckpoint', spec: { kind: 'nextValue', node: 'A' } });
    expect(opened!.lines[0]).toBe("ASK 1: Which value will 1.A's next accept request carry?");
    expect(opened!.explanation).not.toContain('Apple');
    expect(refused(log, { type: 'openCheckpoint', spec: { kind: 'chosenNow' } }, 'checkpoint-open')).toContain('Question 1 is still open');
    const right = log.state.checkpoints[0]!.question.answer!;
    const wrong = right === 0 ? 1 : 0;
    const [closed] = ok(log, { type: 'closeCheckpoint', id: 1, answers: { A: right, B: right, C: wrong } });
    expect(closed!.lines).toEqual(['CLOSE 1: 3 answers']);
    const [revealed] = ok(log, { type: 'revealCheckpoint', id: 1 });
    expect(revealed!.lines).toEqual(['REVEAL 1: Apple (2 of 3 right)']);
    expect(revealed!.explanation).toContain('67% of the answers were right.');
    expect(checkpointResult(log.state.checkpoints[0]!)).toMatchObject({ answered: 3, right, share: 2 / 3, commonWrong: wrong });
    // Kept across rounds, and the log replays them from a session file.
    ok(log, { type: 'newRound' });
    expect(log.state.checkpoints).toHaveLength(1);
    const back = parseSessionFile(JSON.stringify(sessionFile(log.stateAt(0), log.events, 't')));
    expect(back.ok).toBe(true);
  });

  it('a free question takes the answer the instructor marks at the reveal, and bad input changes nothing', () => {
    const log = room(['A', 'B', 'C']);
    expect(refused(log, { type: 'openCheckpoint', spec: { kind: 'free', prompt: 'Q?', options: ['same', 'same'] } }, 'bad-question')).toBe('Two answers to choose from are the same.');
    expect(refused(log, { type: 'openCheckpoint', spec: { kind: 'chosenNow' } }, 'bad-question')).toBe('No value has been proposed yet.');
    expect(refused(log, { type: 'openCheckpoint', spec: { kind: 'quorumCrash' }, seconds: 2 }, 'bad-question')).toContain('from 5 to 600');
    ok(log, { type: 'openCheckpoint', spec: { kind: 'free', prompt: 'Who proposes first?', options: ['A', 'B'] }, seconds: 30 });
    expect(refused(log, { type: 'closeCheckpoint', id: 1, answers: { A: 7 } }, 'bad-answer')).toContain('answers 1 to 2');
    expect(refused(log, { type: 'closeCheckpoint', id: 1, answers: { Z: 0 } }, 'bad-answer')).toContain('Z is not a node');
    expect(refused(log, { type: 'revealCheckpoint', id: 1 }, 'bad-answer')).toContain('mark which of its 2 answers is right');
    expect(refused(log, { type: 'revealCheckpoint', id: 9, answer: 0 }, 'unknown-checkpoint')).toBe('There is no question 9 in this room.');
    // Revealing an open question closes it first, with no answers.
    const entries = ok(log, { type: 'revealCheckpoint', id: 1, answer: 1 });
    expect(entries.map((e) => e.lines[0])).toEqual(['CLOSE 1: 0 answers', 'REVEAL 1: B']);
    // Nobody answered here: a lesson played alone, whose learner did. The reveal does not say "nobody".
    expect(entries[1]!.explanation).toBe('');
    expect(refused(log, { type: 'revealCheckpoint', id: 1, answer: 1 }, 'unknown-checkpoint')).toBe('Question 1 is revealed already.');
  });

  it("a free question's text: answers that read the same are the same, hidden characters are refused, lengths count characters as people do", () => {
    const log = room(['A', 'B', 'C']);
    const ask = (prompt: string, options: string[]) => log.dispatch({ type: 'openCheckpoint', spec: { kind: 'free', prompt, options } });
    for (const options of [['Yes', 'yes'], ['Y es', 'Y  es'], ['Y es', 'Y\u00A0es'], ['Caf\u00e9', 'Cafe\u0301'], ['Yes', '\uFF39\uFF45\uFF53']]) {
      expect(refused(log, { type: 'openCheckpoint', spec: { kind: 'free', prompt: 'Q?', options } }, 'bad-question'), options.join('|')).toBe('Two answers to choose from are the same.');
    }
    expect(refused(log, { type: 'openCheckpoint', spec: { kind: 'free', prompt: 'Q?', options: ['Yes', 'Yes\u200B'] } }, 'bad-question')).toMatch(/^An answer cannot contain an invisible character/);
    expect(refused(log, { type: 'openCheckpoint', spec: { kind: 'free', prompt: 'Who \u202Ewins?', options: ['A', 'B'] } }, 'bad-question')).toMatch(/^A question cannot contain a text-direction control/);
    expect(refused(log, { type: 'openCheckpoint', spec: { kind: 'free', prompt: 'x'.repeat(201), options: ['A', 'B'] } }, 'bad-question')).toBe('A question has at most 200 characters.');
    // 200 astronauts are 200 characters, though each is five code points.
    expect(ask('\u{1F469}\u200D\u{1F680}'.repeat(200), ['A', 'B']).ok).toBe(true);
  });

  it('a reveal closes an open question with the answers given, checked like a close', () => {
    const log = room(['A', 'B', 'C']);
    ok(log, { type: 'openCheckpoint', spec: { kind: 'quorumCrash' } });
    const right = log.state.checkpoints[0]!.question.answer!;
    expect(refused(log, { type: 'revealCheckpoint', id: 1, answers: { Z: right } }, 'bad-answer')).toContain('Z is not a node');
    const entries = ok(log, { type: 'revealCheckpoint', id: 1, answers: { A: right, B: right } });
    expect(entries.map((e) => e.lines[0])).toEqual(['CLOSE 1: 2 answers', `REVEAL 1: ${log.state.checkpoints[0]!.question.options[right]} (2 of 2 right)`]);
    ok(log, { type: 'openCheckpoint', spec: { kind: 'quorumCrash' } }, { type: 'closeCheckpoint', id: 2, answers: {} });
    expect(refused(log, { type: 'revealCheckpoint', id: 2, answers: { A: 0 } }, 'bad-answer')).toBe('Question 2 is closed already: its answers were recorded then.');
  });
});

describe('questions in a scenario', () => {
  it('ask, reveal and expect answer run, and a wrong expected answer fails', async () => {
    const { parseScenario, runScenario } = await import('@toy-paxos/shared');
    const run = runScenario(parseScenario('delivery queued\nnodes A B C\npropose A Apple\npromise A -> all\nask reply A -> B in 30s\nreveal\nexpect answer Promise, reporting nothing accepted\nexpect answer Refuse'));
    expect(run.log.state.checkpoints[0]!.seconds).toBe(30);
    expect(run.failures).toEqual([{ line: 8, message: 'expected answer Refuse, but the answer is Promise, reporting nothing accepted' }]);
  });

  it('a bad ask is a problem of its line, found before anything runs', async () => {
    const { parseScenario, ScenarioError } = await import('@toy-paxos/shared');
    const problems = (text: string) => {
      try {
        parseScenario(text);
        return [];
      } catch (e) {
        if (!(e instanceof ScenarioError)) throw e;
        return e.problems.map((p) => `${p.line}: ${p.message}`);
      }
    };
    expect(problems('nodes A\nask weather')).toEqual(['2: ask what? reply, next-value, chosen-now, quorum-crash, other-value or free']);
    expect(problems('nodes A\nask free Which? | one')).toEqual(['2: Give from 2 to 6 answers to choose from. Write "ask free QUESTION | ANSWER | ANSWER".']);
    expect(problems('nodes A\nask chosen-now in 1s')).toEqual(['2: the countdown must be from 5 to 600']);
    expect(problems('nodes A\nreveal 9')).toEqual(['2: the right answer must be from 1 to 6']);
    // One request is asked about: neither several recipients nor "all".
    for (const line of ['ask reply A -> B C', 'ask reply A -> all']) {
      expect(problems(`nodes A B C\n${line}`)).toEqual(['2: write "ask reply #ID" or "ask reply FROM -> TO", with one node on each side']);
    }
  });

  it('a reply question about a route with no request waiting stops the run there', async () => {
    const { parseScenario, runScenario } = await import('@toy-paxos/shared');
    const run = runScenario(parseScenario('nodes A B\nask reply A -> B\nreveal'));
    expect(run.failures).toEqual([{ line: 2, message: 'no request from A to B is in flight or waiting in an inbox.' }]);
  });
});
