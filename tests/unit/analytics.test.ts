/** Class analytics from a room's log, and their exports (compared with golden files). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyticsCsv, analyticsMarkdown, classAnalytics, decideOpenCheckpoint } from '@toy-paxos/shared';
import { ok, room } from './helpers';

/** Three students, two revealed questions, a round that chose nothing, and a question never revealed. */
function lesson() {
  const log = room(['ana', 'bo', 'cy']);
  ok(log, { type: 'renameNode', node: 'ana', name: 'Ana' }, { type: 'renameNode', node: 'bo', name: 'Bo, "the =SUM(1)"' }, { type: 'renameNode', node: 'cy', name: '=Cy' });
  ok(log, { type: 'propose', node: 'ana', value: 'Apple' }, { type: 'promiseRequest', from: 'ana', to: 'all' });
  ok(log, { type: 'openCheckpoint', spec: { kind: 'nextValue', node: 'ana' } });
  const apple = log.state.checkpoints[0]!.question.answer!;
  ok(log, { type: 'closeCheckpoint', id: 1, answers: { ana: apple, bo: apple, cy: (apple + 1) % 2 } }, { type: 'revealCheckpoint', id: 1 });
  ok(log, { type: 'acceptRequest', from: 'ana', to: 'all' });
  ok(log, { type: 'newRound' }, { type: 'propose', node: 'bo', value: 'Mango' });
  ok(log, { type: 'openCheckpoint', spec: { kind: 'free', prompt: 'Will Mango be chosen | or not?', options: ['Yes', 'No'] } });
  ok(log, { type: 'closeCheckpoint', id: 2, answers: { ana: 1, bo: 0 } }, { type: 'revealCheckpoint', id: 2, answer: 1 });
  ok(log, { type: 'newRound' }, { type: 'openCheckpoint', spec: { kind: 'quorumCrash' } });
  return log;
}

const golden = (name: string) => readFileSync(join(import.meta.dirname, 'golden', name), 'utf8');

describe('class analytics', () => {
  it('scores each checkpoint and each student, and counts the rounds that chose nothing', () => {
    const log = lesson();
    const a = classAnalytics(log.stateAt(0), log.events);
    expect(a.checkpoints.map((c) => [c.id, c.answered, c.share, c.commonWrong])).toEqual([
      [1, 3, 2 / 3, a.checkpoints[0]!.counts.findIndex((n, i) => i !== a.checkpoints[0]!.right && n > 0)],
      [2, 2, 0.5, 0],
      [3, 0, null, null],
    ]);
    expect(a.rounds.map((r) => [r.round, r.proposals, r.chosen])).toEqual([
      [1, 1, ['Apple']],
      [2, 1, []],
      [3, 0, []],
    ]);
    expect(a.roundsWithoutChoice).toBe(1);
    expect(a.students.map((s) => [s.name, s.answered, s.right])).toEqual([
      ['Ana', 2, 2],
      ['Bo, "the =SUM(1)"', 2, 1],
      ['=Cy', 1, 0],
    ]);
  });

  it('exports Markdown and CSV as the golden files hold them, with text that cannot break a table or run as a formula', () => {
    const log = lesson();
    const a = classAnalytics(log.stateAt(0), log.events, { 'no-promise-quorum': 2, 'breaks-promise': 5, 'link-cut': 0 });
    expect(a.refusals).toEqual([
      { code: 'breaks-promise', count: 5 },
      { code: 'no-promise-quorum', count: 2 },
    ]);
    expect(analyticsMarkdown(a, 'Tuesday | lab')).toBe(golden('analytics.md'));
    expect(analyticsCsv(a)).toBe(golden('analytics.csv'));
  });

  it("counts a prepared lesson's question once: the one the class answered when the instructor asked it again at its moment", () => {
    const log = room(['A', 'B', 'C']);
    ok(log, { type: 'propose', node: 'A', value: 'Apple' }, { type: 'promiseRequest', from: 'A', to: 'all' });
    ok(log, { type: 'openCheckpoint', spec: { kind: 'nextValue', node: 'A' } }, { type: 'revealCheckpoint', id: 1 });
    const moment = log.state.checkpoints[0]!.seq;
    const again = decideOpenCheckpoint(log.state, { kind: 'nextValue', node: 'A' }, 20, { state: log.stateAt(moment), seq: moment });
    if (!again.ok) throw new Error(again.explanation);
    log.appendAnnotated(again.events);
    const right = log.state.checkpoints[1]!.question.answer!;
    ok(log, { type: 'revealCheckpoint', id: 2, answers: { A: right, B: right === 0 ? 1 : 0 } });
    const a = classAnalytics(log.stateAt(0), log.events);
    expect(a.checkpoints.map((c) => [c.id, c.answered, c.share])).toEqual([[2, 2, 0.5]]);
    // A question about another moment is another question, counted too.
    const other = decideOpenCheckpoint(log.state, { kind: 'quorumCrash' }, 20, { state: log.stateAt(2), seq: 2 });
    if (!other.ok) throw new Error(other.explanation);
    log.appendAnnotated(other.events);
    expect(classAnalytics(log.stateAt(0), log.events).checkpoints.map((c) => c.id)).toEqual([2, 3]);
  });
});
