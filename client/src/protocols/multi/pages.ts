/**
 * Multi-Paxos on the pages: its words and what the always-loaded parts of the pages read of
 * it. Its components load with the first Multi-Paxos room (components.ts): most rooms are
 * single-decree.
 */
import { multiNodeIn, slotsChosen, type RoomState } from '@toy-paxos/shared';
import { ballotText } from '../../lib/view-model';
import type { ProtocolPages } from '../types';
import { acceptSlot, halfAccepted } from './view';

export const multiPages: ProtocolPages = {
  components: async () => (await import('./components')).multiComponents,
  // The what-if search models one decision, not a log of slots.
  whatIf: false,
  ownNodes: false,
  // The core answers for every acceptor: a slot's acceptor has no question a student could answer alone.
  studentAcceptors: false,
  ruleModes: ['skipRepropose'],
  words: {
    start: 'lead',
    startFirst: 'Lead first: it picks a ballot higher than any this node has seen.',
    botsStart: 'Let bots lead',
  },
  hasBallot: (room, id) => multiNodeIn(room, id).leader !== null,
  acceptSlot,
  ringDetail: slotsDetail,
  chosenTally: (room) => ({
    label: 'Slots chosen:',
    count: new Set(slotsChosen(room).map((c) => c.slot)).size,
    detail: `run by ${room.order.map((id) => `${room.nodes[id]!.name} to slot ${multiNodeIn(room, id).applied}`).join(', ')}`,
  }),
};

/** The node's promise, the slots it accepted that nothing chose yet, and how far its state machine has run. */
function slotsDetail(room: RoomState, id: string): string {
  const m = multiNodeIn(room, id);
  const half = new Set(halfAccepted(room, id).map((h) => h.slot));
  // What each slot holds at this acceptor, so that the ring shows the log without reading it.
  const slots = Object.keys(m.accepted)
    .map(Number)
    .sort((a, b) => a - b)
    .map((slot) => ` · slot ${slot}: ${m.accepted[slot]!.value}${half.has(slot) ? ', half-accepted' : ''}`)
    .join('');
  const ran = m.applied === 0 ? '' : m.applied === 1 ? ' · ran slot 1' : ` · ran slots 1–${m.applied}`;
  return m.promised ? `promised ${ballotText(room, m.promised)}${slots}${ran}` : 'nothing promised';
}
