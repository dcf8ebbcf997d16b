/**
 * The room's data: its state, commands, events and refusals, and the small helpers every
 * part of the core reads the state with (quorums, names, links, the network's order).
 * Nothing here folds or decides: room.ts applies events, decide.ts checks commands, and
 * each protocol module (protocols/) adds its slot, events and replies through
 * protocols/slots.ts.
 */
import type { Ballot } from './ballot';
import { invariant } from './invariant';
import { nameKey } from './text';
import type { Message, NodeState, OwnProgramStatus, ReplyMessage, RequestMessage } from './node';
import type { MonitorState } from './monitor';
import type { CheckpointState, Question, QuestionSpec } from './checkpoint-state';
import { quorumSizes, type RoomSettings, type SettingsChange } from './settings';
import type { LostReason } from './lost-reason';
import { programsForRules } from './programs/modes';
import type { NodePrograms } from './programs/types';
import type { ProtocolCommand, ProtocolEvent, ProtocolReply, ProtocolSlots } from './protocols/slots';

export type { LostReason } from './lost-reason';

export const LIMITS = {
  nodesMax: 400,
  nameLengthMax: 32,
  valueLengthMax: 24,
  /** A room's title, from the file it was opened from (a scenario's `title` line, a session file's `title`). */
  titleLengthMax: 200,
  inFlightMax: 2000,
} as const;

/** The room; each protocol keeps its own part under its key (`ProtocolSlots`). */
export interface RoomState extends ProtocolSlots {
  /** Sequence number of the last event applied (0 for an empty log). */
  seq: number;
  settings: RoomSettings;
  /** The classroom round: a fresh round keeps the log but resets every node. */
  round: number;
  nodes: Record<string, NodeState>;
  /** Node ids in join order. */
  order: string[];
  /**
   * This round's acceptors: the fixed set that Paxos decides among, and that a majority
   * quorum counts. A node that joins mid-round watches until the next round; one removed
   * mid-round stays counted (as an acceptor that never answers) until then.
   */
  members: string[];
  /**
   * Nodes that a switch of timeline brought onto this one after its round's first proposal
   * (`nodeAdded` with `carried` and `nextRound`): not acceptors until the next round, like
   * any node that joins then, but proposers (leaders) at once, so that a student switched to
   * a timeline mid-round still has a part to play there. A new proposer is safe in Paxos:
   * only the acceptors must stay fixed. Absent when there are none; replaced, never changed.
   */
  carried?: readonly string[];
  /** A proposal has started in this round: from now on the acceptors and quorums are fixed until the next round. */
  fixed: boolean;
  /** Settings that take effect when the next round starts (quorum changes made mid-round), or null. */
  nextSettings: RoomSettings | null;
  /**
   * The acceptors or quorums changed during this round's decision ("reconfigure mid-round"):
   * the round stays unsafe until the next one starts, even once the mode is off again.
   */
  reconfigured: boolean;
  /** Messages in the network, oldest first. */
  inFlight: Message[];
  /** Requests handed to a student's inbox, by id, until answered. */
  held: Record<number, RequestMessage>;
  nextMessageId: number;
  /** Cut links, as `a|b` keys with a < b. */
  cut: string[];
  monitor: MonitorState;
  /** Prediction checkpoints, oldest first; kept across rounds. Each is replaced, never changed, so copies can share them. */
  checkpoints: CheckpointState[];
  /**
   * Programs some nodes run instead of those of the room's modes (programs/), by node id: a
   * learner's own acceptor, say. Functions, so in memory only: no log or file records them,
   * and a log folds to the same state only with the same programs. Absent in a classroom room.
   */
  programs?: Readonly<Record<string, NodePrograms>>;
}

/** A copy of `s` with the given nodes and monitor, and copies of its lists of nodes and of the network's. */
export function roomWith(s: RoomState, nodes: Record<string, NodeState>, monitor: MonitorState): RoomState {
  return { ...s, nodes, order: s.order.slice(), members: s.members.slice(), inFlight: s.inFlight.slice(), held: { ...s.held }, cut: s.cut.slice(), monitor, checkpoints: s.checkpoints.slice() };
}


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
  | { readonly type: 'deliver'; readonly id: number }
  | { readonly type: 'drop'; readonly id: number }
  | { readonly type: 'duplicate'; readonly id: number }
  | { readonly type: 'answer'; readonly node: string; readonly id: number; readonly yes: boolean }
  | { readonly type: 'crash'; readonly node: string }
  | { readonly type: 'recover'; readonly node: string }
  /** The node's student's page runs a learner's own program for it (`running`), it failed there, or it stopped (`off`). */
  | { readonly type: 'setOwnProgram'; readonly node: string; readonly status: OwnProgramStatus | 'off' }
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
  | { readonly type: 'revealCheckpoint'; readonly id: number; readonly answer?: number; readonly answers?: Readonly<Record<string, number>> }
  | ProtocolCommand;

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
  /** A learner's own program answers for the node now (`running`), failed (`failed`), or stopped (`off`): see `NodeState.ownProgram`. */
  | { readonly type: 'ownProgramSet'; readonly node: string; readonly status: OwnProgramStatus | 'off' }
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
  | ProtocolEvent;

/** An acceptor's reply, of any protocol: what a delivered request is answered with. */
export type AnyReply = ReplyMessage | ProtocolReply;

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
  'program-unchanged',
] as const;

export type RefusalCode = (typeof REFUSAL_CODES)[number];

/** A command the rules forbid: a code for programs and a sentence for people. */
export interface Refusal {
  readonly ok: false;
  readonly code: RefusalCode;
  readonly explanation: string;
}

export type Decision = { readonly ok: true; readonly events: RoomEvent[] } | Refusal;


/** The quorum sizes in force in `state`: fixed, or a majority of this round's acceptors. */
export function roomQuorums(state: RoomState): { q1: number; q2: number } {
  return quorumSizes(state.settings, state.members.length);
}

/** The programs node `id` runs: its own, or the honest ones with the room's rule-breaking modes. */
export function programsOf(state: RoomState, id: string): NodePrograms {
  return state.programs?.[id] ?? programsForRules(state.settings.rules);
}

/** True when node `id` is one of this round's acceptors (false for a node that joined mid-round). */
export function isMember(state: RoomState, id: string): boolean {
  return state.members.includes(id);
}

/**
 * Whether node `id` may start a proposal (or lead) in this round: one of its acceptors, or
 * carried onto this timeline. A node that joined after the round's first proposal watches
 * until the next round: it learns the round's outcome but neither proposes nor accepts.
 */
export function mayPropose(state: RoomState, id: string): boolean {
  return isMember(state, id) || (state.carried?.includes(id) ?? false);
}

/** The display name of node `id` (the id itself once the node has left). */
export function nameOf(state: RoomState, id: string): string {
  return state.nodes[id]?.name ?? id;
}

export function linkKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/** True when a message from `a` can reach `b`: same node, or a link that is not cut. */
export function linkUp(state: RoomState, a: string, b: string): boolean {
  return a === b || !state.cut.includes(linkKey(a, b));
}


/**
 * Index of message `id` in flight, or -1. Ids only grow and every message enters the
 * network at the end (a copy gets a fresh id), so `inFlight` is sorted by id.
 */
export function inFlightIndex(inFlight: readonly Message[], id: number): number {
  let lo = 0;
  let hi = inFlight.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const midId = inFlight[mid]!.id;
    if (midId === id) return mid;
    if (midId < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Puts a message in flight, keeping `inFlight` sorted by id (see `inFlightIndex`). */
export function enqueue(s: RoomState, m: Message): void {
  const last = s.inFlight[s.inFlight.length - 1];
  invariant(!last || last.id < m.id, `message #${m.id} enters the network after #${last?.id}`);
  s.inFlight.push(m);
}

/** Keeps `nextMessageId` above every id in use. */
export function bumpIds(s: RoomState, id: number): void {
  if (id >= s.nextMessageId) s.nextMessageId = id + 1;
}

/** The names of `state`'s nodes (but `self`'s), in the folded form names are compared in (text.ts `nameKey`). */
export function takenNames(state: RoomState, self?: string): Set<string> {
  return new Set(state.order.filter((id) => id !== self).map((id) => nameKey(state.nodes[id]!.name)));
}

/**
 * The name of the node of `state` (not `self`) that `wanted` is the same name as, or null:
 * "Ana" holds "ana " and "ANA", since names are compared trimmed, spaces collapsed, case folded.
 */
export function nameHolder(state: RoomState, wanted: string, self?: string): string | null {
  const key = nameKey(wanted);
  const holder = state.order.find((id) => id !== self && nameKey(state.nodes[id]!.name) === key);
  return holder === undefined ? null : state.nodes[holder]!.name;
}
