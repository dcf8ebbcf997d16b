/**
 * Older parts of a room's log, fetched on demand (`room:history`) and annotated here by
 * the shared core, as the server would have. Loaded only when a page asks for history,
 * so that a phone's first download holds neither this nor the annotation code.
 */
import { annotateEvents, cloneRoomState, HISTORY_EVENTS_MAX, unfoldLines, type Ack, type HistoryEvent, type HistoryPage, type RoomEvent, type RoomState } from '@toy-paxos/shared';
import type { Socket } from 'socket.io-client';
import { toLogItem, type LogItem } from './log-item';

/**
 * What this module reads and fills of a room's session: the parts of `RoomSession`
 * (session.svelte.ts) it needs, named here because the session loads this module, not the
 * other way round.
 */
export interface HistoryHost {
  readonly socket: Socket;
  readonly timeline: { readonly active: number };
  readonly timelineVersion: number;
  /** How many events come before the first one held. */
  earlier: number;
  items: LogItem[];
  events: RoomEvent[];
  version: number;
  loadingHistory: { readonly done: number; readonly of: number } | null;
  notify(kind: 'error', text: string): void;
}

type Fetched = 'ok' | 'busy' | 'failed';

/** Fetches up to `count` events before the first one `session` holds and puts them in front. */
async function fetchEarlier(session: HistoryHost, count: number, notifyBusy: boolean): Promise<Fetched> {
  const to = session.earlier;
  if (to === 0) return 'ok';
  const from = Math.max(1, to - count + 1);
  const timeline = session.timeline.active;
  const epoch = session.timelineVersion;
  const ack = (await session.socket
    .timeout(30_000)
    .emitWithAck('room:history', { from, to })
    .catch(() => null)) as Ack<{ history: HistoryPage }> | null;
  if (ack && !ack.ok && ack.error.code === 'rate-limited' && !notifyBusy) return 'busy';
  if (!ack || !ack.ok) {
    session.notify('error', ack ? ack.error.message : 'No answer from the server: the earlier entries could not be loaded. Try again.');
    return 'failed';
  }
  // The room moved to another timeline, or another fetch filled this part, meanwhile.
  if (ack.history.branch !== timeline || epoch !== session.timelineVersion || session.earlier !== to) return 'failed';
  const events = (ack.history.records as HistoryEvent[]).map((r) => r.event);
  session.items = [...annotateEvents(cloneRoomState(ack.history.base), events).map(toLogItem), ...session.items];
  session.events = [...events, ...session.events];
  session.earlier = from - 1;
  session.version++;
  return 'ok';
}

/** Fetches up to `count` earlier events for the log's "Show earlier"; false (with a notice) if it could not. */
export async function loadEarlier(session: HistoryHost, count: number): Promise<boolean> {
  return (await fetchEarlier(session, count, true)) === 'ok';
}

/**
 * Fetches every event before the first one `session` holds, with progress; resolves with
 * the whole log, or null. The server paces long histories (a page costs the person's
 * budget by its size), so a busy answer waits a moment and asks again.
 */
export async function loadAll(session: HistoryHost, initial: RoomState): Promise<{ initial: RoomState; events: readonly RoomEvent[] } | null> {
  const of = session.earlier;
  try {
    while (session.earlier > 0) {
      session.loadingHistory = { done: of - session.earlier, of };
      const fetched = await fetchEarlier(session, HISTORY_EVENTS_MAX, false);
      if (fetched === 'failed') return null;
      if (fetched === 'busy') await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    session.loadingHistory = null;
  }
  return { initial, events: session.events };
}

/** Every line of a folded record (a bulk delivery to a large class), printed from the state before its event. */
export function unfold(before: RoomState, event: RoomEvent): readonly string[] {
  return unfoldLines(before, event);
}
