/**
 * The safety monitor checks agreement, validity and stability (Paxos Made Simple,
 * section 2.1). Logs that only a broken or forged history could produce are built
 * event by event here, since `decide` never emits them.
 */
import { describe, expect, it } from 'vitest';
import { fold, initialRoomState, verdictOf, type Ballot, type RoomEvent } from '@toy-paxos/shared';

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
      'Two different values are chosen: Apple in ballot 1.A and Mango in ballot 2.B. Paxos must never choose two values.',
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
    expect(stability.message).toBe('A had learned Apple and now learns Mango: a learned choice must never change.');
    expect(stability.seqs).toEqual([5, 7]);
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
