/**
 * Multi-Paxos as a protocol module: a log of numbered slots with a leader, and a replicated
 * key-value store per node. The protocol itself is in shared/src/multi/; this file hands
 * it to the room, and is, with that folder, the only code that reads a room's Multi-Paxos
 * part (`state.multi`). Other parts of the core that show Multi-Paxos (scenario
 * expectations) read it through `multiNodeIn` and `slotsChosen`.
 */
import { applyMulti, crashMulti, deliverMulti, multiNoticeTargets } from '../multi/apply';
import { describeMulti, isMultiDescribed, multiDeliveryNews, type MultiDescribed } from '../multi/annotate';
import { decideMulti, multiReply, multiSettingsProblem, refuseOutsideMulti } from '../multi/decide';
import { pendingSlots } from '../multi/leader';
import { multiDeliveryMoments, multiEventMoments, multiStateMoments } from '../multi/moments';
import { cloneMultiState, emptyMultiState, isMultiMessage, multiNodeOf, multiProgramsOf } from '../multi/state';
import { MULTI_EVENT_TYPES, type MultiMessage, type MultiNodeState, type MultiReply, type MultiRoomEvent, type SlotChoice } from '../multi/types';
import { roomQuorums, type RoomCommand, type RoomState } from '../room-state';
import type { BotPlan, BotTools, ProtocolModule } from './types';

/** Client commands one Multi-Paxos bot puts in slots as leader, at most: a lesson's log stays short. */
export const BOT_COMMANDS_MAX = 3;

/** Node `id`'s Multi-Paxos state in `s`, for reading (a blank one in a single-decree room). Never change the result. */
export function multiNodeIn(s: RoomState, id: string): MultiNodeState {
  return multiNodeOf(s.multi, id);
}

/** Every choice the monitor saw in the slots of `s`, in the order they happened (none in a single-decree room). */
export function slotsChosen(s: RoomState): readonly SlotChoice[] {
  return s.multi?.monitor.chosen ?? [];
}

export const multiPaxos: ProtocolModule = {
  id: 'multi',
  title: 'Multi-Paxos',

  startState: (s) => {
    s.multi = emptyMultiState();
  },
  dropState: (s) => {
    delete s.multi;
  },
  copyState: (from, to) => {
    if (from.multi) to.multi = cloneMultiState(from.multi);
  },
  nodeRemoved: (s, id) => {
    if (s.multi) delete s.multi.nodes[id];
  },
  crashed: crashMulti,
  quorumMoved: () => {}, // a slot's tally is checked against the accept quorum as each acceptance arrives
  // A Multi-Paxos room is small (a leader, a log of at most 99 slots): a full copy is cheap there.
  annotateFromFullCopy: true,

  events: MULTI_EVENT_TYPES,
  apply: (s, e) => applyMulti(s, e as MultiRoomEvent),

  ownsMessage: isMultiMessage,
  replyOnArrival: (state, m, id) => {
    const message = m as MultiMessage;
    return message.kind === 'multiPrepare' || message.kind === 'multiAccept' ? multiReply(state, message, id) : null;
  },
  deliver: (s, m, reply) => deliverMulti(s, m as MultiMessage, reply as MultiReply | null),
  noticeCount: (state, reply) => (reply.kind === 'multiAccepted' ? multiNoticeTargets(state, reply).length : 0),

  refuseElsewhere: refuseOutsideMulti,
  decide: decideMulti,
  settingsProblem: (_state, wanted) => multiSettingsProblem(wanted),

  describe: (before, after, e) => (isMultiDescribed(before, e) ? describeMulti(before, after, e as MultiDescribed) : null),
  deliveryNews: (before, after, m, reply) => multiDeliveryNews(before, after, m as MultiMessage, reply),
  eventMoments: multiEventMoments,
  deliveryMoments: multiDeliveryMoments,
  stateMoments: multiStateMoments,
  settingsSentence:
    'Multi-Paxos: a leader runs phase 1 once for every slot from one on, then one round trip of accept requests per client command; each node runs the chosen commands on its key-value store in slot order.',
  leftSentence: 'Back to single-decree Paxos: one value per round; the Multi-Paxos log is gone.',

  chosenCount: (s) => s.monitor.chosen.length + slotsChosen(s).length,
  chosenSummary: (s) =>
    [...new Map(slotsChosen(s).map((c) => [`${c.slot}|${c.value}`, c] as const)).values()].sort((a, b) => a.slot - b.slot).map((c) => `slot ${c.slot} ${c.value}`),

  computedQuestions: false,
  explorerRefusal: 'The explorer searches single-decree rooms: a Multi-Paxos room (protocol multi) has slots and leaders it does not model yet.',

  botMoves: botStep,
  view: 'multi',
};

/**
 * A Multi-Paxos bot's step: lead (phase 1 for every slot it has not learned) and ask
 * everyone for promises, leading again with a higher ballot when it waits too long for a
 * quorum; with a quorum, send accept requests for the slots it has values for, or else
 * take a client command of its own (`set k N`), up to `BOT_COMMANDS_MAX`.
 */
function botStep(state: RoomState, id: string, plan: BotPlan, nowMs: number, tools: BotTools): RoomCommand[] {
  if (nowMs < plan.nextAtMs) return [];
  plan.nextAtMs = nowMs + tools.think();
  const n = multiNodeIn(state, id);
  const leader = n.leader;
  const { q1 } = roomQuorums(state);
  const stuck = nowMs - plan.proposedAtMs >= tools.retryMs;
  if (!leader || (leader.promisers.length < q1 && stuck)) {
    plan.proposedAtMs = nowMs;
    return [
      { type: 'lead', node: id },
      { type: 'promiseRequest', from: id, to: 'all' },
    ];
  }
  if (leader.promisers.length < q1) return [];
  const pending = pendingSlots(leader, n, multiProgramsOf(state).leader).filter((slot) => leader.sent[slot] === undefined);
  if (pending.length) return [{ type: 'acceptRequest', from: id, to: 'all' }];
  if (plan.commands >= BOT_COMMANDS_MAX) return [];
  plan.commands++;
  return [{ type: 'submit', node: id, command: `set ${tools.pick(['x', 'y', 'z'])} ${tools.int(1, 9)}` }];
}
