/**
 * What the pages show for each protocol. The room's protocol module (shared/src/protocols/)
 * names its view; a protocol's own components and view helpers live beside this file, in a
 * folder of that name (multi/: the node card, the grid of slots, the leader's view). Pages
 * ask here, never test for a protocol themselves.
 */
import { protocolOf, type RoomSettings } from '@toy-paxos/shared';

/** A room (or settings) whose protocol has a log of slots, a leader and state machines: the pages show those. */
export function isMultiRoom(s: { readonly settings: RoomSettings } | RoomSettings): boolean {
  return protocolOf(s).view === 'multi';
}

/** True when the computed prediction questions apply to the room's protocol (else only free questions). */
export function asksComputedQuestions(s: { readonly settings: RoomSettings }): boolean {
  return protocolOf(s).computedQuestions;
}
