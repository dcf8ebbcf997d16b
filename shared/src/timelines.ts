/**
 * A class on many timelines. A student holds one node, under one id, on every timeline the
 * class is shown: a timeline forked before the student joined has no such node, and neither
 * has the main timeline when the student joined on a branch. When the instructor switches
 * the class to such a timeline (or forks it), `carryStudents` decides the `nodeAdded` events
 * that bring each missing node onto it; the server appends them in the same commit as the
 * switch, so every process and every screen learns them as any other events.
 *
 * Why bring the node over, rather than leave the student watching or give them a new id:
 * the student is the node (the whole point of the classroom), their page, their token and
 * the log all name the node by its id, and an id is never reused on any timeline (the
 * server's `nextNodeId`), so the same id is free on every timeline that lacks it. The node
 * joins as any node joins at that moment, by the core's rule: after the round's first
 * proposal it is no acceptor until the next round starts (`nextRound`), so a what-if
 * replayed from the middle of a round is decided by that round's acceptors only, as it was
 * on the original timeline. Unlike a latecomer, it may propose at once (`RoomState.carried`).
 */
import { decide, uniqueNodeName } from './decide';
import { apply, cloneRoomState, LIMITS, type RefusalCode, type RoomEvent, type RoomState } from './room';

/** A student's node as the room knows it on every timeline: its id, and the name it goes by. */
export interface StudentNode {
  readonly node: string;
  readonly name: string;
}

/** What switching to a timeline adds to it for the students. */
export interface CarriedNodes {
  /** `nodeAdded` events (each with `carried: true`), to append to the timeline in order. */
  readonly events: readonly RoomEvent[];
  /** The students whose node could not join it, with the core's (or the limit's) reason. */
  readonly left: readonly { readonly node: string; readonly code: RefusalCode; readonly explanation: string }[];
}

/**
 * The `nodeAdded` events that give every student in `students` their node on the timeline
 * whose state is `state`: one for each node it lacks, under the same id, and the same name
 * unless another node there goes by it (then "Phoebe 2", as a join would get). At most
 * `nodesMax` nodes in all; the students beyond keep no node there, and are listed in `left`.
 */
export function carryStudents(state: RoomState, students: readonly StudentNode[], nodesMax: number = LIMITS.nodesMax): CarriedNodes {
  const events: RoomEvent[] = [];
  const left: { node: string; code: RefusalCode; explanation: string }[] = [];
  // Each one is decided against the timeline with the ones before it, as `addNodes` does.
  let sim: RoomState | null = null;
  for (const s of students) {
    const now: RoomState = sim ?? state;
    if (now.nodes[s.node]) continue;
    if (now.order.length >= Math.min(nodesMax, LIMITS.nodesMax)) {
      left.push({ node: s.node, code: 'room-full', explanation: `This timeline has ${now.order.length} nodes, as many as a room holds, so ${s.name}'s node cannot join it.` });
      continue;
    }
    const decision = decide(now, { type: 'addNode', node: s.node, name: uniqueNodeName(now, s.name), bot: false });
    if (!decision.ok) {
      left.push({ node: s.node, code: decision.code, explanation: decision.explanation });
      continue;
    }
    sim ??= cloneRoomState(state);
    for (const e of decision.events) {
      const carried: RoomEvent = e.type === 'nodeAdded' ? { ...e, carried: true } : e;
      apply(sim, carried);
      events.push(carried);
    }
  }
  return { events, left };
}
