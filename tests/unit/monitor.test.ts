/**
 * The safety monitor checks validity, agreement and learning (Paxos Made Simple,
 * section 2.1), and stability. Logs that only a broken or forged history could produce are built
 * event by event here, since `decide` never emits them.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, emptyMonitor, fold, initialRoomState as roomState, recordLearned, verdictOf, type Ballot, type RoomEvent, type RoomSettings } from '@toy-paxos/shared';

/** Rooms where only the proposer learns, so that each test sees the one rule it is about (tests/unit/learners.test.ts covers every node learning). */
const initialRoomState = (settings: RoomSettings = DEFAULT_SETTINGS) => roomState({ ...settings, learners: 'proposer' });

const A1: Ballot = { round: 1, node: 'A' };
const B2: Ballot = { round: 2, node: 'B' };

function joined(...names: string[]): RoomEvent[] {
  return names.map((n) => ({ type: 'nodeAdded', node: n, name: n, bot: false }));
}

function acceptExchange(id: number, from: string, to: string, ballot: Ballot, value: string): RoomEvent {
  return {
    type: 'exchanged',
    request: { id, kind: 'accept', from, to, ballot, value },
    reply: { id: id + 1, kind: 'accepted', from: to, to: from, ballot, value },
  };
}

describe('safety monitor', () => {
  it('agreement: fires when two quorums accept different values, naming the events', () => {
    const events: RoomEvent[] = [
      ...joined('A', 'B', 'C'),
      { type: 'proposalStarted', node: 'A', ballot: A1, value: 'Apple' },
      acceptExchange(1, 'A', 'A', A1, 'Apple'),
      acceptExchange(3, 'A', 'B', A1, 'Apple'),
      { type: 'proposalStarted', node: 'B', ballot: B2, value: 'Mango' },
      acceptExchange(5, 'B', 'B', B2, 'Mango'),
      acceptExchange(7, 'B', 'C', B2, 'Mango'),
    ];
    const state = fold(initialRoomState(), events);
    const verdict = verdictOf(state.monitor);
    expect(verdict.safe).toBe(false);
    expect(verdict.violations.map((v) => v.rule)).toEqual(['agreement']);
    expect(verdict.violations[0]!.seqs).toEqual([4, 5, 6, 7, 8, 9]);
    expect(verdict.violations[0]!.seq).toBe(9);
    expect(verdict.violations[0]!.message).toBe(
      'Two different values are chosen: Apple in ballot 1.A and Mango in ballot 2.B. Only a single value may be chosen (Paxos Made Simple, section 2.1).',
    );
  });

  it('agreement: the same value chosen in two ballots is safe', () => {
    const events: RoomEvent[] = [
      ...joined('A', 'B', 'C'),
      { type: 'proposalStarted', node: 'A', ballot: A1, value: 'Apple' },
      acceptExchange(1, 'A', 'A', A1, 'Apple'),
      acceptExchange(3, 'A', 'B', A1, 'Apple'),
      acceptExchange(5, 'B', 'B', B2, 'Apple'),
      acceptExchange(7, 'B', 'C', B2, 'Apple'),
    ];
    const verdict = verdictOf(fold(initialRoomState(), events).monitor);
    expect(verdict.safe).toBe(true);
    expect(verdict.chosen.map((c) => c.value)).toEqual(['Apple', 'Apple']);
  });

  it('validity: fires when a value nobody proposed is chosen', () => {
    const events: RoomEvent[] = [
      ...joined('A', 'B', 'C'),
      { type: 'proposalStarted', node: 'A', ballot: A1, value: 'Apple' },
      acceptExchange(1, 'A', 'A', A1, 'Forged'),
      acceptExchange(3, 'A', 'B', A1, 'Forged'),
    ];
    const verdict = verdictOf(fold(initialRoomState(), events).monitor);
    expect(verdict.violations.map((v) => v.rule)).toEqual(['validity']);
    expect(verdict.violations[0]!.message).toContain('no node ever proposed Forged');
  });

  it("stability: fires when a node's learned choice changes", () => {
    // Q2 = 1, so each acceptance is a quorum: A learns Apple, then Mango.
    const events: RoomEvent[] = [
      { type: 'settingsChanged', settings: { ...initialRoomState().settings, q1: 1, q2: 1 } },
      ...joined('A', 'B'),
      { type: 'proposalStarted', node: 'A', ballot: A1, value: 'Apple' },
      acceptExchange(1, 'A', 'A', A1, 'Apple'),
      { type: 'proposalStarted', node: 'A', ballot: { round: 2, node: 'A' }, value: 'Mango' },
      acceptExchange(3, 'A', 'B', { round: 2, node: 'A' }, 'Mango'),
    ];
    const verdict = verdictOf(fold(initialRoomState(), events).monitor);
    expect(verdict.violations.map((v) => v.rule).sort()).toEqual(['agreement', 'stability']);
    const stability = verdict.violations.find((v) => v.rule === 'stability')!;
    expect(stability.message).toBe(
      "A had learned Apple and now learns Mango: a learned choice must never change (toy-paxos's own check; it follows from agreement).",
    );
    expect(stability.seqs).toEqual([5, 7]);
  });

  it('learning: fires when a node learns a value that no quorum accepted', () => {
    const m = emptyMonitor();
    recordLearned(m, 'A', 'A', 'Apple', 4);
    expect(m.violations).toEqual([
      {
        rule: 'learning',
        message:
          'A learns that Apple is chosen, but no quorum of acceptors has accepted Apple in one ballot: a node must never learn that a value has been chosen unless it actually has been (Paxos Made Simple, section 2.1).',
        seqs: [4],
        seq: 4,
        learners: ['A'],
      },
    ]);
  });

  it("chosen follows the accept quorum in force: lowered mid-round (reconfigure mid-round), what a quorum of the new size accepted is chosen at once", () => {
    const settings = { ...initialRoomState().settings, q1: 2, q2: 3, rules: { ...initialRoomState().settings.rules, reconfigureMidRound: true } };
    const events: RoomEvent[] = [
      ...joined('A', 'B', 'C'),
      { type: 'proposalStarted', node: 'A', ballot: A1, value: 'Apple' },
      acceptExchange(1, 'A', 'A', A1, 'Apple'),
      acceptExchange(3, 'A', 'B', A1, 'Apple'),
    ];
    const before = fold(initialRoomState(settings), events);
    expect(before.monitor.chosen).toEqual([]);
    const after = fold(before, [{ type: 'settingsChanged', settings: { ...settings, q2: 2 } }]);
    expect(after.monitor.chosen.map((c) => [c.value, c.seq])).toEqual([['Apple', 7]]);
    // A's next acceptance (a duplicate) makes it learn Apple: a chosen value, so no violation.
    const learned = fold(after, [acceptExchange(5, 'A', 'B', A1, 'Apple')]);
    expect(learned.nodes.A!.choice).toBe('Apple');
    expect(learned.monitor.violations).toEqual([]);
  });

  it('a duplicated acceptance from the same acceptor is counted once', () => {
    const events: RoomEvent[] = [
      ...joined('A', 'B', 'C'),
      { type: 'proposalStarted', node: 'A', ballot: A1, value: 'Apple' },
      acceptExchange(1, 'A', 'B', A1, 'Apple'),
      acceptExchange(3, 'A', 'B', A1, 'Apple'),
    ];
    expect(fold(initialRoomState(), events).monitor.chosen).toEqual([]);
  });
});
