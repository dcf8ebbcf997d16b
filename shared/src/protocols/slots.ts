/**
 * What the protocol modules add to the room's data types: each one's slot in the room
 * state, its events and its replies. Types only, so that room-state.ts can list them
 * without depending on any protocol's code.
 */
import type { MultiCommand, MultiReply, MultiRoomEvent, MultiState } from '../multi/types';

/** Each protocol's own part of the room state, under its own key; present only in a room that plays it. */
export interface ProtocolSlots {
  /**
   * A Multi-Paxos room's slots, leaders, learned logs and state machines (shared/src/multi/);
   * absent in a single-decree room. The key is part of the wire format (docs/protocol).
   */
  multi?: MultiState;
}

/** The events a protocol module adds to the room's own (the single-decree ones are the room's first protocol, listed in `RoomEvent`). */
export type ProtocolEvent = MultiRoomEvent;

/** The replies of the protocols whose messages travel beside single-decree ones. */
export type ProtocolReply = MultiReply;

/** The commands a protocol module adds to the room's own. */
export type ProtocolCommand = MultiCommand;
