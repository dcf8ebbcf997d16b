/**
 * Folding Multi-Paxos events into the room state, every node through its programs
 * (programs.ts): the acceptor answers per slot, the leader counts promises and acceptances,
 * learners learn per slot, and each node's state machine runs chosen commands in slot order.
 * The room keeps the network, the learners' tallies and the monitor. Called through the
 * Multi-Paxos protocol module (protocols/multi.ts) by `apply` (room.ts); pure data in, state
 * changed in place, nothing decided here.
 */
import { invariant } from '../invariant';
import { bumpIds, enqueue, linkUp, nameOf, roomQuorums, type RoomState } from '../room-state';
import { checkPrefix, checkSlotLearned, recordCommand, recordSlotAccept } from './monitor';
import { slotTallyKey, type MultiAcceptorState, type MultiLeaderState, type MultiLearnerState, type MultiNotice, type MultiPrograms } from './programs';
import { emptyMultiNode, multiProgramsOf } from './state';
import type { MultiMessage, MultiNodeState, MultiReply, MultiRequest, MultiRoomEvent, MultiState } from './types';

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
  const programs = multiProgramsOf(s);
  switch (e.type) {
    case 'leaderStarted': {
      const n = mnode(s, e.node);
      invariant(n, `event names unknown node ${e.node}`);
      s.fixed = true;
      keepLeader(n, programs.leader.lead(n, e.ballot, e.slot));
      return;
    }
    case 'commandSubmitted': {
      const n = mnode(s, e.node);
      invariant(n?.leader, `${e.node} takes a command without leading`);
      keepLeader(n, programs.leader.submit(n, e.slot, e.command));
      recordCommand(multiOf(s).monitor, e.command, s.seq);
      return;
    }
    case 'multiSent':
      noteSent(s, programs, e.message);
      enqueue(s, e.message);
      return;
    case 'multiExchanged':
      noteSent(s, programs, e.request);
      receiveRequest(s, programs, e.request, e.reply, true);
      return;
    case 'multiLost':
      noteSent(s, programs, e.message);
      return;
  }
}

/** A Multi-Paxos message reaches its recipient (the network's `deliver`); a request is answered with `reply`. */
export function deliverMulti(s: RoomState, m: MultiMessage, reply: MultiReply | null): void {
  const programs = multiProgramsOf(s);
  switch (m.kind) {
    case 'multiPrepare':
    case 'multiAccept':
      invariant(reply, `Multi-Paxos request #${m.id} delivered without a reply`);
      receiveRequest(s, programs, m, reply, false);
      return;
    case 'multiNotice':
      hear(s, programs, m.to, m);
      return;
    default:
      receiveReply(s, programs, m);
  }
}

/** A crash, through each of the node's programs: by the rules, the leadership and the tallies are lost, and the acceptor's promise and accepted slots, the learned log and the store are on stable storage. */
export function crashMulti(s: RoomState, id: string): void {
  const n = s.multi?.nodes[id];
  if (!n) return;
  const programs = multiProgramsOf(s);
  keepLeader(n, programs.leader.onCrash(n));
  keepLearner(n, programs.learner.onCrash(n));
  keepAcceptor(n, programs.acceptor.onCrash(n));
}

/** The fields of a node's acceptor, as its program returns them. */
function keepAcceptor(n: MultiNodeState, next: MultiAcceptorState): void {
  n.promised = next.promised;
  n.accepted = next.accepted;
}

/** The fields of a node's leader, as its program returns them. */
function keepLeader(n: MultiNodeState, next: MultiLeaderState): void {
  n.maxRound = next.maxRound;
  n.leader = next.leader;
}

/** The fields of a node's learner, as its program returns them. */
function keepLearner(n: MultiNodeState, next: MultiLearnerState): void {
  n.learned = next.learned;
  n.heard = next.heard;
  n.applied = next.applied;
  n.kv = next.kv;
}

/** A request leaves its leader; the first accept request of a slot fixes the command it carries. */
function noteSent(s: RoomState, programs: MultiPrograms, m: MultiRequest): void {
  bumpIds(s, m.id);
  if (m.kind !== 'multiAccept') return;
  const n = s.multi?.nodes[m.from];
  if (n) keepLeader(n, programs.leader.onSend(n, m));
}

function receiveRequest(s: RoomState, programs: MultiPrograms, request: MultiRequest, reply: MultiReply, instant: boolean): void {
  const acceptor = mnode(s, request.to);
  if (!acceptor) return;
  // The node has seen the request's round: its next ballot as a leader goes above it.
  acceptor.maxRound = Math.max(acceptor.maxRound, request.ballot.round);
  bumpIds(s, reply.id);
  recordReply(s, programs, acceptor, request, reply);
  if (instant) receiveReply(s, programs, reply);
  else enqueue(s, reply);
  tellLearners(s, programs, reply, instant);
}

/** The acceptor keeps the answer it sent, through its program (a reply is its answer as a message); the monitor tallies an acceptance. */
function recordReply(s: RoomState, programs: MultiPrograms, acceptor: MultiNodeState, request: MultiRequest, reply: MultiReply): void {
  keepAcceptor(acceptor, programs.acceptor.onAnswer(acceptor, request, reply));
  if (reply.kind !== 'multiAccepted') return;
  recordSlotAccept(multiOf(s).monitor, s.monitor.violations, reply.from, reply.slot, reply.ballot, reply.value, s.seq, roomQuorums(s).q2, (id) => nameOf(s, id));
}

/** A reply reaches its leader's program; a command it learned is chosen in a slot is learned. */
function receiveReply(s: RoomState, programs: MultiPrograms, reply: MultiReply): void {
  const n = mnode(s, reply.to);
  if (!n) return;
  const step = programs.leader.onReply(n, reply, roomQuorums(s));
  keepLeader(n, step.state);
  if (step.chosen) learn(s, programs, reply.to, step.chosen.slot, step.chosen.value);
  // As a learner, the leader counts every acceptance it hears of, its own ballot's or not.
  if (reply.kind === 'multiAccepted' && s.settings.learners === 'everyone') hear(s, programs, reply.to, reply);
}

/** When every node learns, an acceptor that accepted counts itself and tells every other node (at once, or as notices in flight). */
function tellLearners(s: RoomState, programs: MultiPrograms, reply: MultiReply, instant: boolean): void {
  if (reply.kind !== 'multiAccepted' || s.settings.learners !== 'everyone') return;
  const acceptor = reply.from;
  if (!s.nodes[acceptor]) return;
  hear(s, programs, acceptor, reply);
  for (const id of multiNoticeTargets(s, reply)) {
    if (instant) {
      if (s.nodes[id]!.up && linkUp(s, acceptor, id)) hear(s, programs, id, reply);
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

/**
 * Learner `id` hears that acceptor `m.from` accepted `m`'s command in its slot: the room adds
 * it to the learner's tally, in place (a copy of the room copies the tallies), and the
 * learner's program says what it concludes from it.
 */
function hear(s: RoomState, programs: MultiPrograms, id: string, m: MultiNotice): void {
  const n = mnode(s, id);
  if (!n) return;
  const key = slotTallyKey(m.slot, m.ballot, m.value);
  let tally = n.heard[key] as string[] | undefined;
  if (!tally) n.heard[key] = tally = [m.from];
  else if (!tally.includes(m.from)) tally.push(m.from);
  const chosen = programs.learner.onNotice(n, m, roomQuorums(s), tally);
  if (chosen !== null) learn(s, programs, id, m.slot, chosen);
}

/** Node `id` learns that `value` is chosen in `slot`, through its learner's program; the monitor checks the slot and each slot the node runs. */
function learn(s: RoomState, programs: MultiPrograms, id: string, slot: number, value: string): void {
  const n = mnode(s, id)!;
  const before = n.learned[slot];
  if (before === value) return;
  const multi = multiOf(s);
  checkSlotLearned(multi.monitor, s.monitor.violations, nameOf(s, id), slot, value, before, s.seq);
  const applied = n.applied;
  keepLearner(n, programs.learner.learn(n, slot, value));
  for (let ran = applied + 1; ran <= n.applied; ran++) checkPrefix(s.monitor.violations, multi.nodes, id, ran, s.seq, (x) => nameOf(s, x));
}
