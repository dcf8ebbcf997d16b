/**
 * What the pages show for each protocol: a map per protocol of the components and words
 * that differ. The room's protocol module (shared/src/protocols/) names its view; the
 * protocol's own components and view helpers live beside this file, in a folder of that
 * name (single/: the notebook's node card and proposal form; multi/: the node card with its
 * leader, the grid of slots, Lead, the slot picker and client commands). Pages render what
 * the map gives, and never test for a protocol themselves.
 */
import { protocolOf, type RoomSettings } from '@toy-paxos/shared';
import type { ProtocolComponents, ProtocolPages } from './types';
import { singlePages } from './single/pages';
import { multiPages } from './multi/pages';

export type * from './types';

const PAGES: Readonly<Record<ReturnType<typeof protocolOf>['view'], ProtocolPages>> = { single: singlePages, multi: multiPages };

/** What the pages show for a room (or settings): its protocol's map. */
export function pagesOf(s: { readonly settings: RoomSettings } | RoomSettings): ProtocolPages {
  return PAGES[protocolOf(s).view];
}

const loaded = new Map<ProtocolPages, ProtocolComponents | Promise<ProtocolComponents>>();

/** The components a room's protocol shows, or (the first time, for a protocol loaded later) the promise of them: the same one each time, for `{#await}`. */
export function componentsOf(s: { readonly settings: RoomSettings } | RoomSettings): ProtocolComponents | Promise<ProtocolComponents> {
  const pages = pagesOf(s);
  const known = loaded.get(pages);
  if (known) return known;
  const { components } = pages;
  const now = typeof components === 'function' ? components().then((c) => (loaded.set(pages, c), c)) : components;
  loaded.set(pages, now);
  return now;
}

/** True when the computed prediction questions apply to the room's protocol (else only free questions). */
export function asksComputedQuestions(s: { readonly settings: RoomSettings }): boolean {
  return protocolOf(s).computedQuestions;
}
