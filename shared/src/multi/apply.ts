/**
 * Folding Multi-Paxos events into the room state: the acceptor answers per slot, the
 * leader counts promises and acceptances, learners learn per slot, and each node's state
 * machine runs chosen commands in slot order. Called by `apply` (room.ts); pure data in,
 * state changed in place, nothing decided here.
 */
import { compareBallots, sameBallot, type Ballot } from '../ballot';
import { invariant } from '../invariant';
import { bumpIds, enqueue, linkUp, nameOf, roomQuorums, type LostReason, type RoomState } from '../room-state';
import { checkPrefix, checkSlotLearned, recordCommand, recordSlotAccept } from './monitor';
import { emptyMultiNode, emptyMultiState, runKvCommand, slotTallyKey } from './state';
import type { MultiMessage, MultiNodeState, MultiReply, MultiRequest, MultiState } from './types';

/** The Multi-Paxos events; room.ts lists them in `RoomEvent`. */
export type MultiRoomEvent =
  /** A node starts leading with a new ballot; its phase 1 will cover every slot from `slot` on. */
  | { readonly type: 'leaderStarted'; readonly node: string; readonly ballot: Ballot; readonly slot: number }
  /** A client command reaches the leader, which puts it in `slot`. */
  | { readonly type: 'commandSubmitted'; readonly node: string; readonly slot: number; readonly command: string }
  /** Instant delivery: a Multi-Paxos request and its acceptor's reply in one step. */
  | { readonly type: 'multiExchanged'; readonly request: MultiRequest; readonly reply: MultiReply }
  /** Queued delivery: a Multi-Paxos request enters the network. */
  | { readonly type: 'multiSent'; readonly message: MultiRequest }
  /** Instant delivery: a Multi-Paxos request could not reach its acceptor. */
  | { readonly type: 'multiLost'; readonly message: MultiRequest; readonly reason: LostReason };

function multiOf(s: RoomState): MultiState {
  invariant(s.multi, 'a Multi-Paxos event in a single-decree room');
  return s.multi;
}

/** Node `id`'s Multi-Paxos state, created on first use; undefined once the node has left. */
function mnode(s: RoomState, id: string): MultiNodeState | undefined {
  if (!s.nodes[id]) return undefined;
  const multi = multiOf(s);
  return (multi.nodes[id] ??= emptyMultiNode());
}

/** Applies one Multi-Paxos event to `s` in place. */
export function applyMulti(s: RoomState, e: MultiRoomEvent): void {
  multiOf(s); // every Multi-Paxos event belongs to a Multi-Paxos room
  switch (e.type) {
    case 'leaderStarted': {
      const n = mnode(s, e.node);
      invariant(n, `event names unknown node ${e.node}`);
      s.fixed = true;
      n.maxRound = Math.max(n.maxRound, e.ballot.round);
      n.leader = { ballot: e.ballot, slot: e.slot, promisers: [], reported: {}, requests: {}, sent: {}, acceptors: {} };
      return;
    }
    case 'commandSubmitted': {
      const leader = mnode(s, e.node)?.leader;
      invariant(leader, `${e.node} takes a command without leading`);
      leader.requests[e.slot] = e.command;
      recordCommand(multiOf(s).monitor, e.command, s.seq);
      return;
    }
    case 'multiSent':
      noteSent(s, e.message);
      enqueue(s, e.message);
      return;
    case 'multiExchanged':
      noteSent(s, e.request);
      receiveRequest(s, e.request, e.reply, true);
      return;
    case 'multiLost':
      noteSent(s, e.message);
      return;
  }
}

/** A Multi-Paxos message reaches its recipient (the network's `deliver`); a request is answered with `reply`. */
export function deliverMulti(s: RoomState, m: MultiMessage, reply: MultiReply | null): void {
  switch (m.kind) {
    case 'multiPrepare':
    case 'multiAccept':
      invariant(reply, `Multi-Paxos request #${m.id} delivered without a reply`);
      receiveRequest(s, m, reply, false);
      return;
    case 'multiNotice':
      hear(s, m.to, m.from, m.slot, m.ballot, m.value);
      return;
    default:
      receiveReply(s, m);
  }
}

/** A crash: the leader's ballot and tallies are lost; the acceptor's promises and accepted slots, the learned log and the store are on stable storage (unless forgetOnCrash). */
export function crashMulti(s: RoomState, id: string): void {
  const n = s.multi?.nodes[id];
  if (!n) return;
  n.leader = null;
  n.heard = {};
  if (s.settings.rules.forgetOnCrash) {
    n.promised = null;
    n.accepted = {};
  }
}

/** Every node starts again with an empty log and store: a new round, or a room that becomes a Multi-Paxos room. */
export function resetMulti(s: RoomState): void {
  if (s.settings.protocol === 'multi') s.multi = emptyMultiState();
  else delete s.multi;
}

function noteSent(s: RoomState, m: MultiRequest): void {
  bumpIds(s, m.id);
  if (m.kind !== 'multiAccept') return;
  const leader = s.multi?.nodes[m.from]?.leader;
  if (leader && sameBallot(leader.ballot, m.ballot)) leader.sent[m.slot] = m.value;
}

function receiveRequest(s: RoomState, request: MultiRequest, reply: MultiReply, instant: boolean): void {
  const acceptor = mnode(s, request.to);
  if (!acceptor) return;
  acceptor.maxRound = Math.max(acceptor.maxRound, request.ballot.round);
  bumpIds(s, reply.id);
  recordReply(s, acceptor, reply);
  if (instant) receiveReply(s, reply);
  else enqueue(s, reply);
  tellLearners(s, reply, instant);
}

/** The acceptor records its own answer: a promise raises acc_p for every slot, an acceptance records the slot's value. */
function recordReply(s: RoomState, acceptor: MultiNodeState, reply: MultiReply): void {
  if (reply.kind === 'multiReject') return;
  if (compareBallots(reply.ballot, acceptor.promised) > 0) acceptor.promised = reply.ballot;
  if (reply.kind !== 'multiAccepted') return;
  acceptor.accepted[reply.slot] = { ballot: reply.ballot, value: reply.value };
  recordSlotAccept(multiOf(s).monitor, s.monitor.violations, reply.from, reply.slot, reply.ballot, reply.value, s.seq, roomQuorums(s).q2, (id) => nameOf(s, id));
}

function receiveReply(s: RoomState, reply: MultiReply): void {
  const n = mnode(s, reply.to);
  if (!n) return;
  if (reply.kind === 'multiReject') n.maxRound = Math.max(n.maxRound, reply.promised.round);
  const leader = n.leader;
  if (leader && sameBallot(leader.ballot, reply.ballot)) {
    if (reply.kind === 'multiPromise') {
      if (!leader.promisers.includes(reply.from)) leader.promisers.push(reply.from);
      for (const a of reply.accepted) {
        if (a.slot < leader.slot) continue;
        const max = leader.reported[a.slot];
        if (!max || compareBallots(a.ballot, max.ballot) > 0) leader.reported[a.slot] = { ballot: a.ballot, value: a.value };
      }
    } else if (reply.kind === 'multiAccepted') {
      const before = leader.acceptors[reply.slot] ?? [];
      const after = before.includes(reply.from) ? before : [...before, reply.from];
      leader.acceptors[reply.slot] = after;
      if (after.length >= roomQuorums(s).q2) learn(s, reply.to, reply.slot, reply.value);
    }
  }
  // As a learner, the leader counts every acceptance it hears of, its own ballot's or not.
  if (reply.kind === 'multiAccepted' && s.settings.learners === 'everyone') hear(s, reply.to, reply.from, reply.slot, reply.ballot, reply.value);
}

/** When every node learns, an acceptor that accepted counts itself and tells every other node (at once, or as notices in flight). */
function tellLearners(s: RoomState, reply: MultiReply, instant: boolean): void {
  if (reply.kind !== 'multiAccepted' || s.settings.learners !== 'everyone') return;
  const acceptor = reply.from;
  if (!s.nodes[acceptor]) return;
  hear(s, acceptor, acceptor, reply.slot, reply.ballot, reply.value);
  for (const id of multiNoticeTargets(s, reply)) {
    if (instant) {
      if (s.nodes[id]!.up && linkUp(s, acceptor, id)) hear(s, id, acceptor, reply.slot, reply.ballot, reply.value);
    } else {
      enqueue(s, { id: s.nextMessageId, kind: 'multiNotice', from: acceptor, to: id, ballot: reply.ballot, slot: reply.slot, value: reply.value });
      s.nextMessageId += 1;
    }
  }
}

/** The learners an acceptance is told to: every node of the room but the acceptor and the leader. */
export function multiNoticeTargets(s: RoomState, reply: { readonly from: string; readonly to: string }): string[] {
  return s.order.filter((id) => id !== reply.from && id !== reply.to);
}

function hear(s: RoomState, id: string, acceptor: string, slot: number, ballot: Ballot, value: string): void {
  const n = mnode(s, id);
  if (!n) return;
  const key = slotTallyKey(slot, ballot, value);
  const before = n.heard[key] ?? [];
  const heard = before.includes(acceptor) ? before : [...before, acceptor];
  n.heard[key] = heard;
  if (heard.length >= roomQuorums(s).q2) learn(s, id, slot, value);
}

/** Node `id` learns that `value` is chosen in `slot`, then runs every slot it can, in order. */
function learn(s: RoomState, id: string, slot: number, value: string): void {
  const n = mnode(s, id)!;
  const before = n.learned[slot];
  if (before === value) return;
  const multi = multiOf(s);
  checkSlotLearned(multi.monitor, s.monitor.violations, nameOf(s, id), slot, value, before, s.seq);
  if (before !== undefined) return;
  n.learned[slot] = value;
  while (n.learned[n.applied + 1] !== undefined) {
    n.applied += 1;
    runKvCommand(n.kv, n.learned[n.applied]!);
    checkPrefix(s.monitor.violations, multi.nodes, id, n.applied, s.seq, (x) => nameOf(s, x));
  }
}
