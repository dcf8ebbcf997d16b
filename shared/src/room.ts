/**
 * The room as an event log: its commands and events, and `evolve(state, event)`, which
 * applies one event to the state (room-state.ts). `decide` (decide.ts) checks a
 * command and returns the events it causes. Events carry every outcome (who answered
 * what), so `evolve` never decides anything and the same log always folds to the
 * same state.
 */
import { sameBallot, type Ballot } from './ballot';
import { assertNever, invariant } from './invariant';
import {
  acceptorApply,
  createNode,
  crashNode,
  isRequest,
  learnerHear,
  proposerReceive,
  startProposal,
  type AcceptedMessage,
  type Message,
  type NodeState,
  type ReplyMessage,
  type RequestMessage,
} from './node';
import { emptyMonitor, recheckChosen, recordAccept, recordLearned, recordProposal } from './monitor';
import type { CheckpointState, Question, QuestionSpec } from './checkpoint-state';
import { completeSettings, type RoomSettings, type SettingsChange } from './settings';
import { applyMulti, crashMulti, deliverMulti, resetMulti, type MultiRoomEvent } from './multi/apply';
import { isMultiMessage } from './multi/state';
import type { MultiReply } from './multi/types';
import { bumpIds, cloneRoomState, enqueue, inFlightIndex, linkKey, linkUp, roomQuorums, type LostReason, type RoomState } from './room-state';

// The state and the network's primitives are the room's too: its importers find them here.
export * from './room-state';

// ---------------------------------------------------------------------------
// Commands and events

export type Target = readonly string[] | 'all';

export type RoomCommand =
  | { readonly type: 'addNode'; readonly node: string; readonly name?: string; readonly bot?: boolean }
  /** Several nodes at once (a class's bots): all of them join, or none. */
  | { readonly type: 'addNodes'; readonly nodes: readonly { readonly node: string; readonly name?: string; readonly bot?: boolean }[] }
  | { readonly type: 'removeNode'; readonly node: string }
  | { readonly type: 'renameNode'; readonly node: string; readonly name: string }
  | { readonly type: 'changeSettings'; readonly settings: SettingsChange }
  | { readonly type: 'newRound' }
  | { readonly type: 'propose'; readonly node: string; readonly value?: string | null }
  | { readonly type: 'promiseRequest'; readonly from: string; readonly to: Target }
  /** `slot`: Multi-Paxos only, the one slot to send (without it, every slot the leader has a command for and has not learned). */
  | { readonly type: 'acceptRequest'; readonly from: string; readonly to: Target; readonly slot?: number }
  /** Multi-Paxos: a node starts leading with a new ballot (phase 1 for every slot it has not learned). */
  | { readonly type: 'lead'; readonly node: string }
  /** Multi-Paxos: a client sends a command (`set x 3`, `get x`) to the leader, which puts it in the next free slot. */
  | { readonly type: 'submit'; readonly node: string; readonly command: string }
  | { readonly type: 'deliver'; readonly id: number }
  | { readonly type: 'drop'; readonly id: number }
  | { readonly type: 'duplicate'; readonly id: number }
  | { readonly type: 'answer'; readonly node: string; readonly id: number; readonly yes: boolean }
  | { readonly type: 'crash'; readonly node: string }
  | { readonly type: 'recover'; readonly node: string }
  | { readonly type: 'cut'; readonly a: string; readonly b: string }
  | { readonly type: 'heal'; readonly a: string; readonly b: string }
  /**
   * Delivers every message in flight that can arrive now (its recipient up, its link not
   * cut), or only those from or to one node; oldest first, or in an order drawn from `seed`.
   */
  | { readonly type: 'deliverAll'; readonly from?: string; readonly to?: string; readonly seed?: number }
  /** Drops every message in flight, or those from or to one node. */
  | { readonly type: 'dropAll'; readonly from?: string; readonly to?: string }
  /** Cuts every link between nodes of different groups (two or more groups). */
  | { readonly type: 'partition'; readonly groups: readonly (readonly string[])[] }
  /** Heals every cut link. */
  | { readonly type: 'healAll' }
  /**
   * Opens a prediction checkpoint on the question `spec` asks of the room now, with a countdown in
   * seconds; `lesson`: asked by a prepared lesson's script as it runs (a scenario's `ask`), not of a class.
   */
  | { readonly type: 'openCheckpoint'; readonly spec: QuestionSpec; readonly seconds?: number; readonly lesson?: boolean }
  /** Closes the open checkpoint with the answers the students gave (node id to option). */
  | { readonly type: 'closeCheckpoint'; readonly id: number; readonly answers: Readonly<Record<string, number>> }
  /**
   * Reveals a checkpoint's right answer, closing it first with `answers` if it is open; a free
   * question's is the one given.
   */
  | { readonly type: 'revealCheckpoint'; readonly id: number; readonly answer?: number; readonly answers?: Readonly<Record<string, number>> };

export type RoomEvent =
  /**
   * `nextRound`: joined mid-round, so it becomes an acceptor when the next round starts.
   * `carried`: a student's node brought onto this timeline when the instructor switched to
   * it, because the student joined on another one (timelines.ts).
   */
  | { readonly type: 'nodeAdded'; readonly node: string; readonly name: string; readonly bot: boolean; readonly nextRound?: true; readonly carried?: true }
  /** `nextRound`: left mid-round, so it stays counted in this round's quorums. */
  | { readonly type: 'nodeRemoved'; readonly node: string; readonly nextRound?: true }
  | { readonly type: 'nodeRenamed'; readonly node: string; readonly name: string }
  /** `settings` are in force now; `nextRound`, when present, takes effect at the next round. */
  | { readonly type: 'settingsChanged'; readonly settings: RoomSettings; readonly nextRound?: RoomSettings }
  | { readonly type: 'roundStarted'; readonly round: number }
  | { readonly type: 'proposalStarted'; readonly node: string; readonly ballot: Ballot; readonly value: string | null }
  /** Instant delivery: a request and its reply in one step; `reply` is null when it waits in an inbox. */
  | { readonly type: 'exchanged'; readonly request: RequestMessage; readonly reply: ReplyMessage | null }
  /** Queued delivery: a request enters the network. */
  | { readonly type: 'sent'; readonly message: RequestMessage }
  /** A message reaches its recipient; for a request, `reply` is what the acceptor sent back (null: inbox). */
  | { readonly type: 'delivered'; readonly id: number; readonly reply: AnyReply | null }
  /** A request could not reach a crashed node or crossed a cut link (instant delivery). */
  | { readonly type: 'lost'; readonly message: RequestMessage; readonly reason: LostReason }
  | { readonly type: 'dropped'; readonly id: number }
  | { readonly type: 'duplicated'; readonly id: number; readonly copyId: number }
  /** A student answered a request from its inbox; with instant delivery the reply arrives at once. */
  | {
      readonly type: 'answered';
      readonly id: number;
      readonly reply: ReplyMessage;
      readonly instant: boolean;
      /** Instant delivery to a proposer that crashed or was cut off meanwhile: the reply is lost. */
      readonly lost?: LostReason;
    }
  | { readonly type: 'crashed'; readonly node: string }
  | { readonly type: 'recovered'; readonly node: string }
  | { readonly type: 'linkCut'; readonly a: string; readonly b: string }
  | { readonly type: 'linkHealed'; readonly a: string; readonly b: string }
  /** Many messages delivered in one step, in this order, each with its acceptor's reply (null: inbox, or a reply). */
  | {
      readonly type: 'deliveredAll';
      readonly from?: string;
      readonly to?: string;
      readonly seed?: number;
      readonly deliveries: readonly { readonly id: number; readonly reply: AnyReply | null }[];
    }
  | { readonly type: 'droppedAll'; readonly from?: string; readonly to?: string; readonly ids: readonly number[] }
  /** The links newly cut between the groups (links already cut are not listed). */
  | { readonly type: 'partitioned'; readonly groups: readonly (readonly string[])[]; readonly links: readonly (readonly [string, string])[] }
  | { readonly type: 'healedAll'; readonly links: readonly (readonly [string, string])[] }
  /** A checkpoint opens; `question` holds its right answer, computed from the state now (null for a free question). */
  /** `lesson`: a prepared lesson's own question, played by its script (numbered apart from the class's questions). */
  | { readonly type: 'checkpointOpened'; readonly id: number; readonly question: Question; readonly seconds: number; readonly at?: number; readonly lesson?: true }
  | { readonly type: 'checkpointClosed'; readonly id: number; readonly answers: Readonly<Record<string, number>> }
  | { readonly type: 'checkpointRevealed'; readonly id: number; readonly answer: number }
  | MultiRoomEvent;

/** An acceptor's reply, single-decree or Multi-Paxos: what a delivered request is answered with. */
export type AnyReply = ReplyMessage | MultiReply;

export const REFUSAL_CODES = [
  'unknown-node',
  'node-exists',
  'room-full',
  'bad-name',
  'bad-value',
  'bad-settings',
  'node-crashed',
  'node-up',
  'no-proposal',
  'no-value',
  'no-promise-quorum',
  'no-targets',
  'unknown-message',
  'link-cut',
  'not-in-inbox',
  'breaks-promise',
  'must-answer-yes',
  'same-node',
  'already-cut',
  'not-cut',
  'network-full',
  'not-acceptor',
  'nothing-in-flight',
  'bad-partition',
  'bad-question',
  'checkpoint-open',
  'unknown-checkpoint',
  'bad-answer',
  'wrong-protocol',
  'not-leader',
  'unknown-slot',
  'bad-command',
  'slots-full',
] as const;

export type RefusalCode = (typeof REFUSAL_CODES)[number];

/** A command the rules forbid: a code for programs and a sentence for people. */
export interface Refusal {
  readonly ok: false;
  readonly code: RefusalCode;
  readonly explanation: string;
}

export type Decision = { readonly ok: true; readonly events: RoomEvent[] } | Refusal;


// ---------------------------------------------------------------------------
// evolve

/** Applies one event to a copy of `state`: pure. */
export function evolve(state: RoomState, event: RoomEvent): RoomState {
  const next = cloneRoomState(state);
  apply(next, event);
  return next;
}

/** Applies events in order to a copy of `state`: pure, with one copy for the whole run. */
export function fold(state: RoomState, events: Iterable<RoomEvent>): RoomState {
  const next = cloneRoomState(state);
  for (const e of events) apply(next, e);
  return next;
}

/**
 * Applies one event to `s` in place. Only `evolve` and `fold`, and the log's snapshot
 * machinery, call it, always on a state they own.
 */
export function apply(s: RoomState, event: RoomEvent): void {
  s.seq += 1;
  switch (event.type) {
    case 'nodeAdded': {
      invariant(!s.nodes[event.node], `node ${event.node} is added twice`);
      const q2 = roomQuorums(s).q2;
      s.nodes[event.node] = createNode(event.node, event.name, event.bot);
      s.order.push(event.node);
      if (!event.nextRound) s.members.push(event.node);
      if (!event.nextRound && s.fixed) s.reconfigured = true;
      if (event.nextRound && event.carried) s.carried = [...(s.carried ?? []), event.node];
      quorumMoved(s, q2);
      return;
    }
    case 'nodeRemoved': {
      const q2 = roomQuorums(s).q2;
      delete s.nodes[event.node];
      if (s.multi) delete s.multi.nodes[event.node];
      s.order = s.order.filter((id) => id !== event.node);
      if (!event.nextRound && s.fixed && s.members.includes(event.node)) s.reconfigured = true;
      if (!event.nextRound) s.members = s.members.filter((id) => id !== event.node);
      if (s.carried?.includes(event.node)) {
        s.carried = s.carried.filter((id) => id !== event.node);
        if (s.carried.length === 0) delete s.carried;
      }
      s.cut = s.cut.filter((k) => !k.split('|').includes(event.node));
      for (const [id, m] of Object.entries(s.held)) if (m.to === event.node) delete s.held[Number(id)];
      quorumMoved(s, q2);
      return;
    }
    case 'nodeRenamed':
      node(s, event.node).name = event.name;
      return;
    case 'settingsChanged': {
      const q2 = roomQuorums(s).q2;
      if (s.fixed && (event.settings.q1 !== s.settings.q1 || event.settings.q2 !== s.settings.q2)) s.reconfigured = true;
      const protocol = s.settings.protocol;
      s.settings = completeSettings(event.settings);
      s.nextSettings = event.nextRound ? completeSettings(event.nextRound) : null;
      if (s.settings.protocol !== protocol) resetMulti(s);
      quorumMoved(s, q2);
      return;
    }
    case 'roundStarted':
      s.round = event.round;
      for (const id of s.order) {
        const n = s.nodes[id]!;
        s.nodes[id] = createNode(n.id, n.name, n.bot);
      }
      // A new decision: the nodes in the room now are its acceptors, under the settings waiting for it.
      s.members = s.order.slice();
      delete s.carried;
      s.settings = s.nextSettings ?? s.settings;
      s.nextSettings = null;
      s.fixed = false;
      s.reconfigured = false;
      s.inFlight = [];
      s.held = {};
      s.cut = [];
      s.monitor = emptyMonitor();
      resetMulti(s);
      return;
    case 'proposalStarted': {
      s.fixed = true;
      const n = node(s, event.node);
      startProposal(n, event.ballot, event.value);
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
    case 'delivered':
      deliver(s, event.id, event.reply);
      return;
    case 'deliveredAll':
      deliverAll(s, event.deliveries);
      return;
    case 'droppedAll': {
      const gone = new Set(event.ids);
      s.inFlight = s.inFlight.filter((m) => !gone.has(m.id));
      return;
    }
    case 'partitioned':
      for (const [a, b] of event.links) s.cut.push(linkKey(a, b));
      return;
    case 'healedAll': {
      const healed = new Set(event.links.map(([a, b]) => linkKey(a, b)));
      s.cut = s.cut.filter((k) => !healed.has(k));
      return;
    }
    case 'lost':
      noteSent(s, event.message);
      return;
    case 'dropped': {
      const index = inFlightIndex(s.inFlight, event.id);
      invariant(index >= 0, `dropped message #${event.id} is not in flight`);
      s.inFlight.splice(index, 1);
      return;
    }
    case 'duplicated': {
      const m = s.inFlight[inFlightIndex(s.inFlight, event.id)];
      invariant(m, `duplicated message #${event.id} is not in flight`);
      enqueue(s, { ...m, id: event.copyId });
      bumpIds(s, event.copyId);
      return;
    }
    case 'answered': {
      const request = s.held[event.id];
      invariant(request, `answered request #${event.id} is not held`);
      delete s.held[event.id];
      const n = node(s, request.to);
      n.inbox = n.inbox.filter((id) => id !== event.id);
      bumpIds(s, event.reply.id);
      recordReply(s, event.reply);
      if (!event.lost) {
        if (event.instant) receiveReply(s, event.reply);
        else enqueue(s, event.reply);
      }
      tellLearners(s, event.reply, event.instant);
      return;
    }
    case 'crashed': {
      const n = node(s, event.node);
      for (const id of n.inbox) delete s.held[id];
      crashNode(n, s.settings.rules.forgetOnCrash);
      crashMulti(s, event.node);
      return;
    }
    case 'recovered':
      node(s, event.node).up = true;
      return;
    case 'linkCut':
      s.cut.push(linkKey(event.a, event.b));
      return;
    case 'linkHealed': {
      const key = linkKey(event.a, event.b);
      s.cut = s.cut.filter((k) => k !== key);
      return;
    }
    case 'checkpointOpened':
      invariant(!s.checkpoints.some((c) => c.id === event.id), `checkpoint #${event.id} is opened twice`);
      s.checkpoints.push({ id: event.id, question: event.question, seconds: event.seconds, seq: s.seq, ...(event.at !== undefined ? { at: event.at } : {}), ...(event.lesson ? { lesson: true as const } : {}), status: 'open', answers: {}, answer: null });
      return;
    case 'checkpointClosed':
      updateCheckpoint(s, event.id, (c) => {
        invariant(c.status === 'open', `checkpoint #${event.id} is closed twice`);
        return { ...c, status: 'closed', answers: event.answers };
      });
      return;
    case 'checkpointRevealed':
      updateCheckpoint(s, event.id, (c) => {
        invariant(c.status === 'closed', `checkpoint #${event.id} is revealed before it is closed, or twice`);
        return { ...c, status: 'revealed', answer: event.answer };
      });
      return;
    case 'leaderStarted':
    case 'commandSubmitted':
    case 'multiExchanged':
    case 'multiSent':
    case 'multiLost':
      applyMulti(s, event);
      return;
    default:
      assertNever(event, 'event');
  }
}

/** Message `id` reaches its recipient; a request is answered with `reply` (or held when null). */
function deliver(s: RoomState, id: number, reply: AnyReply | null): void {
  const index = inFlightIndex(s.inFlight, id);
  invariant(index >= 0, `delivered message #${id} is not in flight`);
  const message = s.inFlight[index]!;
  s.inFlight.splice(index, 1);
  arrive(s, message, reply);
}

/**
 * Many messages reach their recipients, in the order given. The network is compacted once
 * at the end: removing each message as it arrives moved the rest of the array every time,
 * which made a class's deliver-all of 1,500 notices cost as much as a million moves. Replies
 * and notices sent meanwhile enter at the end, as with single deliveries, and may arrive
 * later in the same list.
 */
function deliverAll(s: RoomState, deliveries: readonly { readonly id: number; readonly reply: AnyReply | null }[]): void {
  const network = s.inFlight;
  // Marks by index: `decide` lists only messages in flight before the first delivery, but a
  // log may also deliver a reply sent during the same step, whose index lies past the marks.
  const gone = new Uint8Array(network.length);
  const goneLater = new Set<number>();
  let index = -1;
  for (const d of deliveries) {
    // Without a seed the list follows the network's order: the next message is most often the next one.
    index = network[index + 1]?.id === d.id ? index + 1 : inFlightIndex(network, d.id);
    const again = index < gone.length ? gone[index] === 1 : goneLater.has(d.id);
    invariant(index >= 0 && !again, `delivered message #${d.id} is not in flight`);
    if (index < gone.length) gone[index] = 1;
    else goneLater.add(d.id);
    arrive(s, network[index]!, d.reply);
  }
  const left: Message[] = [];
  for (let i = 0; i < network.length; i++) {
    if (i < gone.length ? gone[i] === 0 : !goneLater.has(network[i]!.id)) left.push(network[i]!);
  }
  s.inFlight = left;
}

/** A message taken from the network reaches its recipient. */
function arrive(s: RoomState, message: Message, reply: AnyReply | null): void {
  const id = message.id;
  if (isMultiMessage(message)) {
    invariant(reply === null || isMultiMessage(reply), `Multi-Paxos message #${id} answered with a single-decree reply`);
    deliverMulti(s, message, reply);
    return;
  }
  invariant(reply === null || !isMultiMessage(reply), `message #${id} answered with a Multi-Paxos reply`);
  if (isRequest(message)) receiveRequest(s, message, reply, false);
  else if (message.kind === 'notice') hear(s, message.to, message.from, message);
  else receiveReply(s, message);
}

function updateCheckpoint(s: RoomState, id: number, change: (c: CheckpointState) => CheckpointState): void {
  const i = s.checkpoints.findIndex((c) => c.id === id);
  invariant(i >= 0, `checkpoint #${id} does not exist`);
  s.checkpoints[i] = change(s.checkpoints[i]!);
}

function node(s: RoomState, id: string): NodeState {
  const n = s.nodes[id];
  invariant(n, `event names unknown node ${id}`);
  return n;
}

/** A request leaves its proposer; the first accept request fixes the ballot's value. */
function noteSent(s: RoomState, m: RequestMessage): void {
  bumpIds(s, m.id);
  if (m.kind !== 'accept') return;
  const p = s.nodes[m.from]?.proposer;
  if (p && sameBallot(p.ballot, m.ballot)) p.sentValue = m.value;
}

/** The request arrives at its acceptor: it answers (reply) or holds it for the student (null). */
function receiveRequest(s: RoomState, request: RequestMessage, reply: ReplyMessage | null, instant: boolean): void {
  const acceptor = s.nodes[request.to];
  if (!acceptor) return;
  acceptor.proposer.maxRound = Math.max(acceptor.proposer.maxRound, request.ballot.round);
  if (reply === null) {
    s.held[request.id] = request;
    acceptor.inbox.push(request.id);
    return;
  }
  bumpIds(s, reply.id);
  recordReply(s, reply);
  if (instant) receiveReply(s, reply);
  else enqueue(s, reply);
  tellLearners(s, reply, instant);
}

/** The acceptor records its own answer: a promise raises acc_p, an acceptance is tallied by the monitor. */
function recordReply(s: RoomState, reply: ReplyMessage): void {
  const acceptor = s.nodes[reply.from];
  if (!acceptor) return;
  acceptorApply(acceptor, reply);
  if (reply.kind === 'accepted') {
    recordAccept(s.monitor, reply.from, reply.ballot, reply.value, s.seq, roomQuorums(s).q2, s.nodes);
  }
}

/**
 * After the accept quorum changed size (only with "reconfigure mid-round", or between
 * proposals): the monitor's "chosen" follows the quorum in force, so that it always
 * agrees with what a learner counts.
 */
function quorumMoved(s: RoomState, q2Before: number): void {
  const { q2 } = roomQuorums(s);
  if (q2 < q2Before) recheckChosen(s.monitor, q2, s.seq, s.nodes);
}

function receiveReply(s: RoomState, reply: ReplyMessage): void {
  const proposer = s.nodes[reply.to];
  if (!proposer) return;
  const { q1, q2 } = roomQuorums(s);
  const outcome = proposerReceive(proposer, reply, q1, q2);
  if (outcome.kind === 'counted' && proposer.choice !== null && reply.kind === 'accepted') {
    recordLearned(s.monitor, proposer.id, proposer.name, proposer.choice, s.seq);
  }
  // As a learner, the proposer counts every acceptance it hears of, its current ballot's or not.
  if (reply.kind === 'accepted' && s.settings.learners === 'everyone') hear(s, proposer.id, reply.from, reply);
}

/** Learner `id` hears that `acceptor` accepted `m`'s ballot and value; the monitor checks what it learns. */
function hear(s: RoomState, id: string, acceptor: string, m: { readonly ballot: Ballot; readonly value: string }): void {
  const learner = s.nodes[id];
  if (!learner) return;
  const before = learner.choice;
  learnerHear(learner, acceptor, m.ballot, m.value, roomQuorums(s).q2);
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
  hear(s, acceptor, acceptor, reply);
  for (const id of noticeTargets(s, reply)) {
    if (instant) {
      if (s.nodes[id]!.up && linkUp(s, acceptor, id)) hear(s, id, acceptor, reply);
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
