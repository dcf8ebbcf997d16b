/**
 * What a page says when someone did not get the name they asked for, so that nobody is
 * renamed without being told: a student who joins as "ana " where Ana is, and the instructor
 * who renames a node to a name another node has. The rule itself is the core's (`uniqueNodeName`):
 * a name is trimmed and its inner spaces collapsed, and names that differ only in case or
 * spacing are the same name.
 */
import { nameHolder, normalizeText, type RoomState } from '@toy-paxos/shared';

/**
 * Why node `self` is called `got` and not `asked` in `state`, as the start of a sentence
 * ("Ana is taken"), or null when it got the name it asked for.
 */
export function takenReason(state: RoomState, asked: string, got: string, self: string | null): string | null {
  const wanted = normalizeText(asked);
  if (wanted === got) return null;
  const holder = nameHolder(state, wanted, self ?? undefined) ?? wanted;
  if (holder === wanted) return `${holder} is taken`;
  return `${holder} is taken, and ${wanted} is the same name: names that differ only in capital letters or spaces are one name`;
}

/** What a student reads at the top of their page after joining as `asked` and getting `got`, or null when they got what they asked for. */
export function joinNameNote(state: RoomState, asked: string, got: string, self: string | null): string | null {
  const reason = takenReason(state, asked, got, self);
  return reason && `${reason}. You are ${got} in this room; ask your instructor if you want another name: they can rename you.`;
}
