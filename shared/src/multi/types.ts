/**
 * Multi-Paxos as plain data: the messages of phase 1 (once, for every slot from one on) and
 * phase 2 (one per slot), each node's acceptor, leader, learner and state machine, and the
 * monitor's per-slot tallies. Types only, so that node.ts and room.ts can name them; they import nothing but ballots.
 */
import type { AcceptedValue, Ballot } from '../ballot';
import type { LostReason } from '../lost-reason';

/** A value an acceptor accepted in one slot. */
export interface SlotValue {
  readonly slot: number;
  readonly ballot: Ballot;
  readonly value: string;
}

interface MultiBase {
  readonly id: number;
  readonly from: string;
  readonly to: string;
  readonly ballot: Ballot;
}

/** Phase 1a, sent once by a would-be leader: promise `ballot` for every slot from `slot` on. */
export interface MultiPrepareMessage extends MultiBase {
  readonly kind: 'multiPrepare';
  readonly slot: number;
}
/** Phase 1b: the promise, with what the acceptor accepted in every slot from `slot` on. */
export interface MultiPromiseMessage extends MultiBase {
  readonly kind: 'multiPromise';
  readonly slot: number;
  readonly accepted: readonly SlotValue[];
}
/** Phase 2a for one slot. */
export interface MultiAcceptMessage extends MultiBase {
  readonly kind: 'multiAccept';
  readonly slot: number;
  readonly value: string;
}
/** Phase 2b for one slot. */
export interface MultiAcceptedMessage extends MultiBase {
  readonly kind: 'multiAccepted';
  readonly slot: number;
  readonly value: string;
}
/** A refusal of a phase 1 or phase 2 request, naming the ballot it lost to. */
export interface MultiRejectMessage extends MultiBase {
  readonly kind: 'multiReject';
  readonly request: 'prepare' | 'accept';
  readonly slot: number;
  readonly promised: Ballot;
  readonly value?: string;
}
/** An acceptor tells a learner that it accepted a value in one slot. */
export interface MultiNoticeMessage extends MultiBase {
  readonly kind: 'multiNotice';
  readonly slot: number;
  readonly value: string;
}

export type MultiRequest = MultiPrepareMessage | MultiAcceptMessage;
export type MultiReply = MultiPromiseMessage | MultiAcceptedMessage | MultiRejectMessage;
export type MultiMessage = MultiRequest | MultiReply | MultiNoticeMessage;

export const MULTI_KINDS = ['multiPrepare', 'multiPromise', 'multiAccept', 'multiAccepted', 'multiReject', 'multiNotice'] as const;

/**
 * The notebook's message each Multi-Paxos message plays the part of (the same phase of Paxos,
 * for one slot or all from one on), in the notebook's order: what words and drawings that
 * do not show slots call it.
 */
export const MULTI_ROLES = {
  multiPrepare: 'prepare',
  multiAccept: 'accept',
  multiPromise: 'promise',
  multiAccepted: 'accepted',
  multiNotice: 'notice',
  multiReject: 'reject',
} as const satisfies Record<MultiMessage['kind'], string>;

/** A leader's ballot and what it knows of each slot. Lost in a crash. */
export interface LeaderState {
  ballot: Ballot;
  /** Phase 1 covers every slot from this one on: the first slot the leader had not learned. */
  slot: number;
  /** Nodes that promised `ballot` (a set). */
  promisers: string[];
  /** `promiser_acc_max` per slot: the highest-ballot value its promisers accepted there. */
  reported: Record<number, AcceptedValue>;
  /** Client commands the leader put in slots. */
  requests: Record<number, string>;
  /** The value each slot's accept requests carry in this ballot, fixed by the first one sent. */
  sent: Record<number, string>;
  /** Per slot, the acceptors that accepted this ballot's value (lists replaced, never changed). */
  acceptors: Record<number, readonly string[]>;
}

/** One node's Multi-Paxos roles. */
export interface MultiNodeState {
  /** `acc_p`: one promise for every slot, as Paxos Made Simple's leader asks (section 3). */
  promised: Ballot | null;
  /** What this acceptor last accepted in each slot. Kept on stable storage. */
  accepted: Record<number, AcceptedValue>;
  /** The highest ballot number this node has seen; kept through crashes. */
  maxRound: number;
  leader: LeaderState | null;
  /** The learner's log: the command it learned was chosen in each slot. Kept through crashes. */
  learned: Record<number, string>;
  /** Tallies of acceptances heard, by `slot|ballot|value`: the room grows the lists in place, so a copy of the room copies them. Lost in a crash. */
  heard: Record<string, readonly string[]>;
  /** The state machine has run slots 1 to `applied`, in order. */
  applied: number;
  /** The replicated key-value store. */
  kv: Record<string, string>;
}

/** A command chosen in a slot by a quorum, as the monitor saw it. */
export interface SlotChoice {
  readonly slot: number;
  readonly ballot: Ballot;
  readonly value: string;
  readonly seq: number;
  readonly seqs: readonly number[];
}

export interface SlotTally {
  readonly slot: number;
  readonly ballot: Ballot;
  readonly value: string;
  readonly acceptors: readonly string[];
  readonly seqs: readonly number[];
  readonly chosen: boolean;
}

/** The monitor's Multi-Paxos part; its violations join the room monitor's list. */
export interface MultiMonitor {
  /** Commands submitted, with the event that submitted each (no-op is always valid). */
  proposed: Record<string, number>;
  /** Acceptances per `slot|ballot|value`; replaced on write. */
  tallies: Record<string, SlotTally>;
  /** Every choice, in the order they happened (a second value in a slot is a violation, and is listed too). */
  chosen: SlotChoice[];
}

export interface MultiState {
  nodes: Record<string, MultiNodeState>;
  monitor: MultiMonitor;
}

export const MULTI_LIMITS = {
  /** Slots per round: a classroom log, not a database. */
  slotsMax: 99,
  /** A client command as typed: `set KEY VALUE` or `get KEY`. */
  commandLengthMax: 24,
  keyLengthMax: 8,
  valueLengthMax: 8,
} as const;

/** The command a leader puts in a hole, a slot below its last that no promiser reported. */
export const NO_OP = 'no-op';

/** The Multi-Paxos commands; `RoomCommand` lists them (through protocols/slots.ts). */
export type MultiCommand =
  /** A node starts leading with a new ballot (phase 1 for every slot it has not learned). */
  | { readonly type: 'lead'; readonly node: string }
  /** A client sends a command (`set x 3`, `get x`) to the leader, which puts it in the next free slot. */
  | { readonly type: 'submit'; readonly node: string; readonly command: string };

/** The Multi-Paxos command types: its module decides them, or refuses them in a room of another protocol. */
export const MULTI_COMMAND_TYPES = ['lead', 'submit'] as const satisfies readonly MultiCommand['type'][];

/** The Multi-Paxos events; `RoomEvent` lists them (through protocols/slots.ts). */
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

/** The Multi-Paxos event types, the ones its protocol module folds. */
export const MULTI_EVENT_TYPES = ['leaderStarted', 'commandSubmitted', 'multiExchanged', 'multiSent', 'multiLost'] as const satisfies readonly MultiRoomEvent['type'][];

/** The event that starts a Multi-Paxos ballot, as a proposal starts one in single-decree Paxos. */
export const MULTI_BALLOT_START = 'leaderStarted' satisfies MultiRoomEvent['type'];

/**
 * How the Multi-Paxos events move messages through the network, in the single-decree events'
 * terms (`sent`: a request enters the network; `exchanged`: a request and its reply in one
 * step), for drawings of the network. A request lost on the way (`multiLost`) is not drawn.
 */
export const MULTI_NETWORK_MOVES = { multiSent: 'sent', multiExchanged: 'exchanged' } as const satisfies Partial<Record<MultiRoomEvent['type'], 'sent' | 'exchanged'>>;
