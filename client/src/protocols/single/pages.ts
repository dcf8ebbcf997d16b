/** Single-decree Paxos (the notebook's) on the pages: its node card, its proposal form, its words. */
import { RULE_MODE_NAMES, type RoomState } from '@toy-paxos/shared';
import { ballotText } from '../../lib/view-model';
import type { ProtocolPages } from '../types';
import NodeCard from './NodeCard.svelte';
import Start from './Start.svelte';

export const singlePages: ProtocolPages = {
  // The notebook's protocol is most rooms': its components load with the page.
  components: { nodeCard: NodeCard, logPanel: null, start: Start, acceptTarget: null, moreActions: null },
  whatIf: true,
  ownNodes: true,
  studentAcceptors: true,
  // A new leader's re-proposal is Multi-Paxos's.
  ruleModes: RULE_MODE_NAMES.filter((rule) => rule !== 'skipRepropose'),
  words: {
    start: 'propose',
    startFirst: 'Start a new proposal first: it picks a ballot higher than any this node has seen.',
    botsStart: 'Let bots propose',
  },
  hasBallot: (room, id) => !!room.nodes[id]?.proposer.ballot,
  acceptSlot: () => undefined,
  ringDetail: acceptorDetail,
  chosenTally: () => null,
};

/** What the acceptor accepted (ballot and value), else what it promised. */
function acceptorDetail(room: RoomState, id: string): string {
  const a = room.nodes[id]!.acceptor;
  // "promised", not the notebook's acc_p: a promise accepts nothing, and the label must not read as an acceptance.
  return a.accepted ? `${ballotText(room, a.accepted.ballot)}: ${a.accepted.value}` : a.promised ? `promised ${ballotText(room, a.promised)}` : 'nothing accepted';
}
