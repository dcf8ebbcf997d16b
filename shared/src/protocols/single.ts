/**
 * Single-decree Paxos as the notebook plays it, as a protocol module: one value per round.
 * Its state is in each node (`NodeState`'s proposer, acceptor and learner, node.ts) and in
 * the room's monitor (monitor.ts); its commands (`propose`, `promiseRequest`,
 * `acceptRequest`, `answer`) are decided by decide.ts, its entries written by annotate.ts.
 * This file folds its events and messages and answers the room's questions about it.
 */
import { sameBallot, type Ballot } from '../ballot';
import { invariant } from '../invariant';
import {
  changedProposer,
  isRequest,
  isSingleKind,
  replyTo,
  tallyKey,
  type AcceptedMessage,
  type Message,
  type NodeState,
  type NoticeMessage,
  type ReplyMessage,
  type RequestMessage,
} from '../node';
import { recheckChosen, recordAccept, recordLearned, recordProposal } from '../monitor';
import { bumpIds, enqueue, linkUp, programsOf, roomQuorums, type AnyReply, type RoomCommand, type RoomEvent, type RoomState } from '../room-state';
import { singleDeliveryMoments, singleEventMoments, singleStateMoments } from './single-moments';
import type { BotPlan, BotTools, DeliveryNews, ProtocolModule } from './types';

/** The values a bot proposer picks from. */
export const BOT_VALUES = ['Apple', 'Mango', 'Kiwi', 'Plum', 'Pear', 'Fig', 'Lime', 'Grape'] as const;

type SingleEvent = Extract<RoomEvent, { type: 'proposalStarted' | 'sent' | 'exchanged' | 'lost' | 'answered' }>;

/** True for the notebook's messages (a single-decree room's). */
export function isSingleMessage(m: { readonly kind: string }): m is RequestMessage | ReplyMessage | NoticeMessage {
  return isSingleKind(m.kind);
}

export const singleDecree: ProtocolModule = {
  id: 'single',
  title: 'single-decree Paxos',

  startState: () => {},
  dropState: () => {},
  copyState: () => {},
  nodeRemoved: () => {},
  crashed: () => {},
  quorumMoved: recheckAfterQuorumMove,
  annotateFromFullCopy: false,

  events: ['proposalStarted', 'sent', 'exchanged', 'lost', 'answered'],
  apply: (s, e) => applySingle(s, e as SingleEvent),

  ownsMessage: isSingleMessage,
  replyOnArrival: (state, m, id) => (isRequest(m) ? autoReply(state, state.nodes[m.to]!, m, id) : null),
  deliver: (s, message, reply) => {
    invariant(isSingleMessage(message), `message #${message.id} is not a single-decree message`);
    if (isRequest(message)) receiveRequest(s, message, reply as ReplyMessage | null, false);
    else if (message.kind === 'notice') hear(s, message.to, message);
    else receiveReply(s, message);
  },
  noticeCount: (state, reply) => (reply.kind === 'accepted' ? noticeTargets(state, reply).length : 0),

  refuseElsewhere: () => null, // its commands are the room's first ones: another protocol refuses them itself (`decide`)
  decide: () => null,
  settingsProblem: () => null,

  describe: () => null, // annotate.ts writes the notebook's entries itself
  deliveryNews,
  eventMoments: singleEventMoments,
  deliveryMoments: singleDeliveryMoments,
  stateMoments: singleStateMoments,
  settingsSentence: null,
  leftSentence: null,

  chosenCount: (s) => s.monitor.chosen.length,
  chosenSummary: (s) => [...new Set(s.monitor.chosen.map((c) => c.value))],

  computedQuestions: true,
  explorerRefusal: null,

  botMoves: botStep,
  view: 'single',
};

/** What delivering `m` shows, for a deliver-all's summary: a proposer's quorum or a new `promiser_acc_max`, values learned, carried back or confirmed. */
function deliveryNews(before: RoomState, after: RoomState, m: Message, reply: AnyReply | null): DeliveryNews {
  const learned: { what: string; node: string }[] = [];
  for (const id of after.order) {
    const choice = after.nodes[id]?.choice ?? null;
    if (choice !== null && choice !== (before.nodes[id]?.choice ?? null)) learned.push({ what: choice, node: id });
  }
  // A promise carries the acceptor's accepted value when it is made (a request delivered) and when it arrives.
  const promise = m.kind === 'promise' ? m : reply?.kind === 'promise' ? reply : null;
  const carried = promise?.lastAccepted ? [{ what: promise.lastAccepted.value, node: promise.from }] : [];
  const confirmed: { what: string; ballot: Ballot; node: string }[] = [];
  if (m.kind === 'notice') {
    const q2 = roomQuorums(after).q2;
    const key = tallyKey(m.ballot, m.value);
    const heard = (s: RoomState) => s.nodes[m.to]?.heard[key]?.length ?? 0;
    if (before.nodes[m.to]?.choice === m.value && heard(before) < q2 && heard(after) >= q2) confirmed.push({ what: m.value, ballot: m.ballot, node: m.to });
  }
  return { turn: reachesQuorum(before, after, m) || takesReportedValue(before, after, m), learned, carried, confirmed };
}

/** Whether delivering reply `m` gives its proposer the quorum it needed: promises, or acceptances. */
function reachesQuorum(before: RoomState, after: RoomState, m: Message): boolean {
  if (m.kind !== 'promise' && m.kind !== 'accepted') return false;
  const { q1, q2 } = roomQuorums(after);
  const count = (s: RoomState) => (m.kind === 'promise' ? s.nodes[m.to]?.proposer.promisers.length : s.nodes[m.to]?.proposer.acceptors.length) ?? 0;
  const q = m.kind === 'promise' ? q1 : q2;
  return count(before) < q && count(after) >= q;
}

/** Whether delivering `m` changed its proposer's `promiser_acc_max`, which decides the value it may propose. */
function takesReportedValue(before: RoomState, after: RoomState, m: Message): boolean {
  return m.kind === 'promise' && before.nodes[m.to]?.proposer.promiserAccMax !== after.nodes[m.to]?.proposer.promiserAccMax;
}

/** Applies one single-decree event to `s` in place. */
function applySingle(s: RoomState, event: SingleEvent): void {
  switch (event.type) {
    case 'proposalStarted': {
      s.fixed = true;
      const n = s.nodes[event.node];
      invariant(n, `event names unknown node ${event.node}`);
      n.proposer = programsOf(s, n.id).proposer.propose(n.proposer, event.ballot, event.value);
      recordProposal(s.monitor, event.ballot, event.value, s.seq);
      return;
    }
    case 'sent':
      noteSent(s, event.message);
      enqueue(s, event.message);
      return;
    case 'exchanged':
      noteSent(s, event.request);
      receiveRequest(s, event.request, event.reply, true);
      return;
    case 'lost':
      noteSent(s, event.message);
      return;
    case 'answered': {
      const request = s.held[event.id];
      invariant(request, `answered request #${event.id} is not held`);
      delete s.held[event.id];
      const n = s.nodes[request.to];
      invariant(n, `event names unknown node ${request.to}`);
      n.inbox = n.inbox.filter((id) => id !== event.id);
      bumpIds(s, event.reply.id);
      recordReply(s, request, event.reply);
      if (!event.lost) {
        if (event.instant) receiveReply(s, event.reply);
        else enqueue(s, event.reply);
      }
      tellLearners(s, event.reply, event.instant);
      return;
    }
  }
}

/** Does this acceptor answer by the rules (core or bot), or does a student decide? */
export function answersByRules(state: RoomState, node: NodeState): boolean {
  return state.settings.acceptorMode === 'rules' || node.bot;
}

/**
 * The reply the core sends for `node`, as its acceptor program answers, or null when the
 * request waits in a student's inbox. Acceptor state changes are carried by the events, so when a node gets several
 * requests in one command the later ones must see the earlier ones' effect: callers
 * decide one request per command per acceptor, which `decideRequest` guarantees
 * (targets are distinct).
 */
export function autoReply(state: RoomState, node: NodeState, request: RequestMessage, id: number): ReplyMessage | null {
  if (!answersByRules(state, node)) return null;
  return replyTo(request, programsOf(state, node.id).acceptor.onRequest(node.acceptor, request), id);
}

/**
 * A bot proposer's step: propose and ask everyone for promises; once it has a quorum, ask
 * everyone to accept; stop once it has learned a choice; retry with a higher ballot when
 * it waits too long.
 */
function botStep(state: RoomState, id: string, plan: BotPlan, nowMs: number, tools: BotTools): RoomCommand[] {
  const node = state.nodes[id]!;
  if (nowMs < plan.nextAtMs || node.choice !== null) return [];
  plan.nextAtMs = nowMs + tools.think();
  const p = node.proposer;
  const stuck = nowMs - plan.proposedAtMs >= tools.retryMs;
  const { q1, q2 } = roomQuorums(state);
  if (!p.ballot || (stuck && p.acceptors.length < q2)) {
    plan.proposedAtMs = nowMs;
    return [
      { type: 'propose', node: id, value: tools.pick(BOT_VALUES) },
      { type: 'promiseRequest', from: id, to: 'all' },
    ];
  }
  if (p.promisers.length >= q1 && p.sentValue === null) return [{ type: 'acceptRequest', from: id, to: 'all' }];
  return [];
}

/** A request leaves its proposer; the first accept request fixes the ballot's value. */
function noteSent(s: RoomState, m: RequestMessage): void {
  bumpIds(s, m.id);
  if (m.kind !== 'accept') return;
  const n = s.nodes[m.from];
  if (n && sameBallot(n.proposer.ballot, m.ballot) && n.proposer.sentValue !== m.value) n.proposer = changedProposer(n.proposer, { sentValue: m.value });
}

/** Node `n` has seen a request or a reply of `round`: its next ballot goes above it. */
function seeRound(n: NodeState, round: number): void {
  if (round > n.proposer.maxRound) n.proposer = changedProposer(n.proposer, { maxRound: round });
}

/** The request arrives at its acceptor: it answers (reply) or holds it for the student (null). */
function receiveRequest(s: RoomState, request: RequestMessage, reply: ReplyMessage | null, instant: boolean): void {
  const acceptor = s.nodes[request.to];
  if (!acceptor) return;
  seeRound(acceptor, request.ballot.round);
  if (reply === null) {
    s.held[request.id] = request;
    acceptor.inbox.push(request.id);
    return;
  }
  bumpIds(s, reply.id);
  recordReply(s, request, reply);
  if (instant) receiveReply(s, reply);
  else enqueue(s, reply);
  tellLearners(s, reply, instant);
}

/**
 * The acceptor records the answer it sent to `request`, through its program (a promise
 * raises acc_p); the monitor tallies an acceptance. A reply is its answer as a message.
 */
function recordReply(s: RoomState, request: RequestMessage, reply: ReplyMessage): void {
  const acceptor = s.nodes[reply.from];
  if (!acceptor) return;
  seeRound(acceptor, reply.ballot.round);
  acceptor.acceptor = programsOf(s, acceptor.id).acceptor.onAnswer(acceptor.acceptor, request, reply);
  if (reply.kind === 'accepted') {
    recordAccept(s.monitor, reply.from, reply.ballot, reply.value, s.seq, roomQuorums(s).q2, s.nodes);
  }
}

/**
 * After the accept quorum changed size (only with "reconfigure mid-round", or between
 * proposals): the monitor's "chosen" follows the quorum in force, so that it always
 * agrees with what a learner counts.
 */
function recheckAfterQuorumMove(s: RoomState, q2Before: number): void {
  const { q2 } = roomQuorums(s);
  if (q2 < q2Before) recheckChosen(s.monitor, q2, s.seq, s.nodes);
}

function receiveReply(s: RoomState, reply: ReplyMessage): void {
  const proposer = s.nodes[reply.to];
  if (!proposer) return;
  const before = proposer.proposer;
  const step = programsOf(s, proposer.id).proposer.onReply(before, reply, roomQuorums(s));
  proposer.proposer = step.state;
  if (step.chosen !== undefined) proposer.choice = step.chosen;
  // An acceptance of the proposal in progress: the monitor checks what the proposer learned.
  if (reply.kind === 'accepted' && before.ballot && sameBallot(before.ballot, reply.ballot) && proposer.choice !== null) {
    recordLearned(s.monitor, proposer.id, proposer.name, proposer.choice, s.seq);
  }
  // As a learner, the proposer counts every acceptance it hears of, its current ballot's or not.
  if (reply.kind === 'accepted' && s.settings.learners === 'everyone') hear(s, proposer.id, reply);
}

/**
 * Learner `id` hears that acceptor `m.from` accepted `m`'s ballot and value: the room adds it
 * to the learner's tally, the learner's program says what it concludes from it, and the
 * monitor checks what it learns.
 */
function hear(s: RoomState, id: string, m: AcceptedMessage | NoticeMessage): void {
  const learner = s.nodes[id];
  if (!learner) return;
  const before = learner.choice;
  const key = tallyKey(m.ballot, m.value);
  let tally = learner.heard[key] as string[] | undefined;
  if (!tally) learner.heard[key] = tally = [m.from];
  else if (!tally.includes(m.from)) tally.push(m.from);
  // A node has the fields of a learner's state, and `m` those of a notice.
  learner.choice = programsOf(s, id).learner.onNotice(learner, m, roomQuorums(s), tally);
  // The monitor has every choice a learner made (it saw each change): it need only hear of a new one.
  if (learner.choice !== null && learner.choice !== before) recordLearned(s.monitor, learner.id, learner.name, learner.choice, s.seq);
}

/**
 * When every node learns: an acceptor that accepted counts its own acceptance, and tells
 * every other node of the room (the proposer has the reply). Instantly, a notice reaches a
 * learner that is up behind a link that is not cut, and is lost otherwise; queued, each
 * notice enters the network after the reply, with the next ids, in join order.
 */
function tellLearners(s: RoomState, reply: ReplyMessage, instant: boolean): void {
  if (reply.kind !== 'accepted' || s.settings.learners !== 'everyone') return;
  const acceptor = reply.from;
  if (!s.nodes[acceptor]) return;
  hear(s, acceptor, reply);
  for (const id of noticeTargets(s, reply)) {
    if (instant) {
      if (s.nodes[id]!.up && linkUp(s, acceptor, id)) hear(s, id, reply);
    } else {
      enqueue(s, { id: s.nextMessageId, kind: 'notice', from: acceptor, to: id, ballot: reply.ballot, value: reply.value });
      s.nextMessageId += 1;
    }
  }
}

/** The learners an acceptance is told to as notices: every node of the room but the acceptor and the proposer. */
export function noticeTargets(s: RoomState, reply: AcceptedMessage): string[] {
  return s.order.filter((id) => id !== reply.from && id !== reply.to);
}
