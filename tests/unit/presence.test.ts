/**
 * Presence as changes (shared/src/protocol/presence.ts): a page that folds every change into
 * the list of its join's answer holds the server's list, whatever happened between them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyPresenceChange, presenceChange, type ParticipantInfo, type RoomInfo } from '@toy-paxos/shared';

const student = (n: number, online = true, name = `S${n}`): ParticipantInfo => ({ id: `${n}`.padStart(16, '0'), node: `n${n}`, name, role: 'student', online });
const room = (participants: ParticipantInfo[], locked = false): RoomInfo => ({ code: 'ABCDEF', locked, participants });

/** A participant list: each key at most once, in any order, with any name and online flag. */
const list = fc
  .uniqueArray(
    fc.record({ n: fc.integer({ min: 1, max: 12 }), node: fc.boolean(), name: fc.constantFrom('Ana', 'Bo', 'Cy'), online: fc.boolean() }),
    { selector: (p) => `${p.node}${p.n}`, maxLength: 12 },
  )
  .map((ps) => ps.map(({ n, node, name, online }): ParticipantInfo => (node ? student(n, online, name) : { id: `${n}`.padStart(16, 'a'), node: null, name, role: 'observer', online })));

describe('presence changes', () => {
  it('turn any list into any other', () => {
    fc.assert(
      fc.property(list, list, fc.boolean(), fc.boolean(), (before, after, lockedBefore, lockedAfter) => {
        const change = presenceChange(room(before, lockedBefore), room(after, lockedAfter));
        const same = JSON.stringify(before) === JSON.stringify(after) && lockedBefore === lockedAfter;
        expect(change === null).toBe(same);
        expect(change ? applyPresenceChange(room(before, lockedBefore), change) : room(before, lockedBefore)).toEqual(room(after, lockedAfter));
      }),
    );
  });

  it('carry only the student who joined, whatever the size of the class', () => {
    const class40 = Array.from({ length: 40 }, (_, i) => student(i + 1));
    const instructor: ParticipantInfo = { id: 'f'.repeat(16), node: null, name: 'Instructor', role: 'instructor', online: true };
    const change = presenceChange(room([...class40, instructor]), room([...class40, student(41), instructor]));
    expect(change).toEqual({ put: [{ at: 40, participant: student(41) }] });
  });

  it('carry one entry when a student goes offline, and only the removed one when one is removed', () => {
    const three = [student(1), student(2), student(3)];
    expect(presenceChange(room(three), room([student(1), student(2, false), student(3)]))).toEqual({ put: [{ at: 1, participant: student(2, false) }] });
    expect(presenceChange(room(three), room([student(1), student(3)]))).toEqual({ removed: ['n2'] });
  });
});
