import { decide, fold, type RoomCommand, type RoomState } from '@toy-paxos/shared';

/** Plays `commands` through `decide` from `state`; every one must be accepted. */
export function play(state: RoomState, commands: readonly RoomCommand[]): RoomState {
  let s = state;
  for (const c of commands) {
    const d = decide(s, c);
    if (!d.ok) throw new Error(`${c.type} refused: ${d.explanation}`);
    s = fold(s, d.events);
  }
  return s;
}
