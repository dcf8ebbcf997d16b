/** A student keeps their node on every timeline: the core decides the nodes a timeline lacks (shared/src/timelines.ts). */
import { describe, expect, it } from 'vitest';
import { annotateEvents, carryStudents, decide, fold, type RoomEvent } from '@toy-paxos/shared';
import { ok, room } from './helpers';

describe('carryStudents: the nodes a timeline gains when the class is switched to it', () => {
  it('given a timeline forked before Phoebe joined, mid-round: her node joins under its id, carried, and watches until the next round', () => {
    // Given: A proposed on the branch, so round 1's acceptors are fixed.
    const branch = room(['A', 'B', 'C']);
    ok(branch, { type: 'propose', node: 'A', value: 'Apple' });
    // When: the class, with Phoebe (n4, joined on main after the fork) and A (there already), is switched to it.
    const carried = carryStudents(branch.state, [{ node: 'A', name: 'A' }, { node: 'n4', name: 'Phoebe' }]);
    // Then: one nodeAdded for Phoebe only, by the core's mid-round join rule.
    expect(carried).toEqual({ events: [{ type: 'nodeAdded', node: 'n4', name: 'Phoebe', bot: false, nextRound: true, carried: true }], left: [] });
    const after = fold(branch.state, carried.events);
    expect(after.order).toEqual(['A', 'B', 'C', 'n4']);
    expect(after.members).toEqual(['A', 'B', 'C']);
    // Phoebe can act at once: a new proposal of hers is decided like anyone's.
    expect(decide(after, { type: 'propose', node: 'n4', value: 'Fig' }).ok).toBe(true);
    // The log says why she joins there.
    const [entry] = annotateEvents(branch.state, carried.events);
    expect(entry!.lines).toEqual(['JOIN Phoebe (from another timeline) (acceptor from round 2)']);
    expect(entry!.explanation).toMatch(/^Phoebe is a student who joined the class on another timeline, .* switched the class to this timeline, .*Phoebe watches this round/);
  });

  it('given a timeline before any proposal: the nodes join as acceptors at once, in the order given', () => {
    const main = room(['A', 'B']);
    const carried = carryStudents(main.state, [{ node: 'n5', name: 'Ivo' }, { node: 'n3', name: 'Jun' }]);
    expect(carried.events).toEqual([
      { type: 'nodeAdded', node: 'n5', name: 'Ivo', bot: false, carried: true },
      { type: 'nodeAdded', node: 'n3', name: 'Jun', bot: false, carried: true },
    ]);
    expect(fold(main.state, carried.events).members).toEqual(['A', 'B', 'n5', 'n3']);
  });

  it('given a name another node goes by there: the carried node takes the next free one, as a join would', () => {
    const branch = room([]);
    ok(branch, { type: 'addNode', node: 'n2', name: 'Phoebe' });
    const carried = carryStudents(branch.state, [{ node: 'n1', name: 'PHOEBE' }, { node: 'n3', name: 'phoebe' }]);
    expect(carried.events.map((e) => (e as Extract<RoomEvent, { type: 'nodeAdded' }>).name)).toEqual(['PHOEBE 2', 'phoebe 3']);
  });

  it('given a timeline at the limit of nodes: the students beyond it keep no node there, and are told why', () => {
    const full = room(['A', 'B']);
    const carried = carryStudents(full.state, [{ node: 'n3', name: 'Kay' }, { node: 'n4', name: 'Lu' }], 3);
    expect(carried.events).toHaveLength(1);
    expect(carried.left).toEqual([{ node: 'n4', code: 'room-full', explanation: "This timeline has 3 nodes, as many as a room holds, so Lu's node cannot join it." }]);
  });

  it('given every student there already: nothing, and the state is not touched', () => {
    const main = room(['A']);
    const before = JSON.stringify(main.state);
    expect(carryStudents(main.state, [{ node: 'A', name: 'A' }])).toEqual({ events: [], left: [] });
    expect(JSON.stringify(main.state)).toBe(before);
  });
});
