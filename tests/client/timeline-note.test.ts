/** What a page says of the timeline it shows, and of a student's node brought onto it (client/src/lib/timeline-note.ts). */
import { describe, expect, it } from 'vitest';
import { fold, initialRoomState, type BranchInfo, type LogRecord, type RoomEvent, type TimelineInfo } from '@toy-paxos/shared';
import { switchNote, timelineLabel, timelineOrigin } from '../../client/src/lib/timeline-note';

const main: BranchInfo = { id: 0, name: 'main', parent: null, forkSeq: 0, length: 5, createdAt: 0 };
const branch: BranchInfo = { id: 1, name: 'What if C hears A first', parent: 0, forkSeq: 2, length: 3, createdAt: 1 };
const record = (seq: number, event: RoomEvent): LogRecord => ({ seq, at: 0, event, lines: [], explanation: '', nodes: [], chosen: [], violations: [] });
const added = (node: string, name: string, extra: object = {}): RoomEvent => ({ type: 'nodeAdded', node, name, bot: false, ...extra });

describe('the timeline banner', () => {
  it('says nothing while the room has one timeline; names the one shown, where it comes from, and who chose it', () => {
    expect(timelineLabel({ active: 0, branches: [main] })).toBeNull();
    const label = timelineLabel({ active: 1, branches: [main, branch] })!;
    expect(timelineOrigin(label, false)).toBe(' (from event 2) — switched by the instructor');
    expect(timelineOrigin(label, true)).toBe(' (from event 2)');
    expect(timelineOrigin(timelineLabel({ active: 0, branches: [main, branch] })!, true)).toBe(' (the original)');
  });
});

describe('switchNote', () => {
  const before: TimelineInfo = { active: 0, branches: [main] };
  const forked: TimelineInfo = { active: 1, branches: [main, { ...branch, length: 3 }] };

  it('tells a student who joined on main after the fork point that their node joins the branch, and how', () => {
    const records = [record(1, added('n1', 'Ann')), record(3, added('n2', 'Phoebe', { carried: true, nextRound: true }))];
    const state = fold(initialRoomState(), [added('n1', 'Ann'), added('n2', 'Phoebe', { carried: true, nextRound: true })]);
    expect(switchNote(before, forked, records, state, 'n2')).toBe(
      'The instructor switched to the timeline “What if C hears A first” (forked at event 2). You joined after that moment, so your node Phoebe joins this timeline now as a new node: it can propose now, and becomes an acceptor when the next round starts.',
    );
    // Ann's node was on the branch already: nothing to say to her.
    expect(switchNote(before, forked, records, state, 'n1')).toBeNull();
  });

  it('names the timeline the student joined on, when it is not the parent; and says nothing when switching to where the node was brought before', () => {
    const back: TimelineInfo = { active: 0, branches: [{ ...main, length: 5 }, branch] };
    const records = [record(6, added('n3', 'Quinn', { carried: true }))];
    const state = fold(initialRoomState(), [added('n3', 'Quinn', { carried: true })]);
    expect(switchNote(forked, back, records, state, 'n3')).toBe(
      'The instructor switched to the timeline “main”. You joined on “What if C hears A first”, not on this one, so your node Quinn joins this timeline now as a new node: it takes part at once.',
    );
    // Later, main known to hold 6 events: the same record is old news.
    const again: TimelineInfo = { active: 1, branches: [{ ...main, length: 6 }, branch] };
    expect(switchNote(again, { ...back, branches: [{ ...main, length: 6 }, branch] }, records, state, 'n3')).toBeNull();
  });

  it('says why a student has no node on the timeline shown', () => {
    expect(switchNote(before, forked, [record(1, added('n1', 'Ann'))], fold(initialRoomState(), [added('n1', 'Ann')]), 'n7')).toMatch(/This timeline is full, so your node could not join it/);
  });
});
