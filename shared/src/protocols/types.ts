/**
 * A protocol module: everything one protocol (single-decree Paxos, Multi-Paxos) adds to the
 * room. The room itself (network, membership, rounds, crashes, partitions, checkpoints, the
 * log) knows no protocol: it asks the registry (registry.ts) for the room's module with
 * `protocolOf(state)`, or for the module that owns a message, a command or an event, and
 * delegates. docs/DEVELOPING.md ("Protocol modules") says how to add one.
 */
import type { Ballot } from '../ballot';
import type { Message } from '../node';
import type { ProtocolMode, RoomSettings } from '../settings';
import type { AnyReply, Decision, Refusal, RoomCommand, RoomEvent, RoomState } from '../room-state';

/** An annotated entry's text and data, as a protocol module describes one of its events. */
export interface EventText {
  readonly lines: string[];
  readonly explanation: string;
  readonly node: string | null;
  readonly nodes: readonly string[];
  readonly messageIds: readonly number[];
  readonly tag: 'ACC' | 'REJ' | null;
  readonly ballot: Ballot | null;
  readonly value: string | null;
}

/**
 * What one delivery of a deliver-all shows, as its protocol reads it: whether it is a turn
 * that the entry explains in full, and else what the entry says once for all such deliveries
 * (annotate.ts). Node ids, not names: the entry names them.
 */
export interface DeliveryNews {
  /** The delivery gave its proposer (or leader) the quorum it needed, or changed what its promisers report, which decides the value it may propose. */
  readonly turn: boolean;
  /** Nodes that learned something: "Apple", or "set x 3 in slot 2". */
  readonly learned: readonly { readonly what: string; readonly node: string }[];
  /** What a promise carries back from the acceptor that made it: "Apple", or "set x 3 (slot 2)". */
  readonly carried: readonly { readonly what: string; readonly node: string }[];
  /** A node that had learned `what` now knows that a quorum accepted it in `ballot` too. */
  readonly confirmed: readonly { readonly what: string; readonly ballot: Ballot; readonly node: string }[];
}

/** The kinds of key moment in a room's log (replay/moments.ts says what each is). */
export type MomentKind =
  | 'proposal'
  | 'promise-quorum'
  | 'reported-value'
  | 'adopted-value'
  | 're-proposed'
  | 'no-op'
  | 'rule-broken'
  | 'ballot-lost'
  | 'chosen'
  | 'learned'
  | 'violation'
  | 'round'
  | 'question';

/**
 * The states around one event, the words for them and where its moments go, as the replay's
 * moments (replay/moments.ts) hand them to a protocol module.
 */
export interface MomentContext {
  readonly before: RoomState;
  readonly after: RoomState;
  /** The nodes to look at for a change: the ones the event can change, or all when it may change any (or `all` is asked). */
  nodes(all?: boolean): readonly string[];
  name(id: string): string;
  /** "A, B and C". */
  names(ids: readonly string[]): string;
  b(ballot: Ballot | null | undefined): string;
  /** "B's" or, for the proposer itself, "B's own". */
  whose(id: string, self: string): string;
  /** "B's promise" or "promises from A and B": the promisers of `proposer` whose acceptor had accepted `value` in `ballot` (`accepted` reads it, before the event). */
  reporters(proposer: string, promisers: readonly string[], ballot: Ballot, value: string, accepted: (id: string) => { readonly ballot: Ballot; readonly value: string } | undefined): string;
  /** "B refuses", or for a node's own ballot "A, as an acceptor, refuses its own": every node is proposer and acceptor at once. */
  refuser(r: { readonly from: string; readonly to: string }): string;
  /** True once the ballot `r` answers (its proposer's, in this round) has been named lost: only the first refusal that ends a ballot is a moment. */
  lostBefore(r: { readonly to: string; readonly ballot: Ballot }): boolean;
  /** Names the ballot `r` answers lost. */
  markLost(r: { readonly to: string; readonly ballot: Ballot }): void;
  /** "2 of the 2 promises it needs for 1.A", or past the quorum (many promises delivered at once), "3 promises for 1.A (2 were enough)". */
  promises(count: number, quorum: number, ballot: string): string;
  /** "A quorum of 2 acceptors": who chooses a value, after the event. */
  acceptorQuorum(): string;
  add(kind: MomentKind, label: string, because: string): void;
}

/** What a bot driver keeps per bot node between steps. */
export interface BotPlan {
  nextAtMs: number;
  proposedAtMs: number;
  /** Client commands a bot has put in its slots (protocols with a log of commands). */
  commands: number;
}

/** The bot driver's seeded randomness and timing, lent to a module's `botMoves`. */
export interface BotTools {
  /** The pause before the bot's next step, in milliseconds (drawn from the driver's generator). */
  think(): number;
  pick<T>(items: readonly T[]): T;
  int(lo: number, hi: number): number;
  /** How long a bot waits for a quorum before it tries again with a higher ballot. */
  readonly retryMs: number;
}

/** The keys the web client maps to a protocol's own components (client/src/protocols/). */
export type ProtocolView = 'single' | 'multi';

export interface ProtocolModule {
  readonly id: ProtocolMode;
  /** Its name in sentences: "single-decree Paxos", "Multi-Paxos". */
  readonly title: string;

  // --- State: the module's own part of `RoomState` (its key in protocols/slots.ts).
  /** Gives a room that plays this protocol a fresh part: a new room, a new round, or a switch to it. */
  startState(s: RoomState): void;
  /** Takes its part away from a room that no longer plays it. */
  dropState(s: RoomState): void;
  /** Copies its part of `from` into `to`, sharing nothing mutable (`cloneRoomState`). */
  copyState(from: RoomState, to: RoomState): void;
  /** Node `id` left the room. */
  nodeRemoved(s: RoomState, id: string): void;
  /** Node `id` crashed (after the room marked it down): what the protocol loses in a crash. */
  crashed(s: RoomState, id: string): void;
  /** The accept quorum changed size (membership or settings): what was chosen follows it. */
  quorumMoved(s: RoomState, q2Before: number): void;
  /** True when annotating an event needs a full copy of the state before it (a small state): see log.ts. */
  readonly annotateFromFullCopy: boolean;

  // --- Events: the ones it owns, folded into the state in place (room.ts's `apply` hands them over).
  readonly events: readonly RoomEvent['type'][];
  apply(s: RoomState, e: RoomEvent): void;

  // --- Messages: the kinds it sends through the room's network.
  ownsMessage(m: Message): boolean;
  /** The reply an acceptor sends to a message of this protocol that arrives now (null: no reply, or held in an inbox). */
  replyOnArrival(state: RoomState, m: Message, id: number): AnyReply | null;
  /** A message of this protocol taken from the network reaches its recipient, answered with `reply`. */
  deliver(s: RoomState, m: Message, reply: AnyReply | null): void;
  /** How many notices an acceptance tells to learners (0 for any other reply). */
  noticeCount(state: RoomState, reply: AnyReply): number;

  // --- Commands: checked and decided.
  /** The refusal for a command only a room of this protocol plays, sent to a room of another protocol; null for any other command. */
  refuseElsewhere(command: RoomCommand): Refusal | null;
  /** Decides a command the protocol plays its own way in its rooms; null: the room decides it. */
  decide(state: RoomState, command: RoomCommand): Decision | null;
  /** Why settings `wanted` do not fit this protocol, or null. */
  settingsProblem(state: RoomState, wanted: RoomSettings): Refusal | null;

  // --- Annotations: log lines and plain-English explanations.
  /** The entry for an event it describes itself (its own, and its messages' deliveries); null for the rest. */
  describe(before: RoomState, after: RoomState, e: RoomEvent): EventText | null;
  /** What delivering message `m` (answered with `reply`) from `before` to `after` shows, for the summary of a deliver-all. */
  deliveryNews(before: RoomState, after: RoomState, m: Message, reply: AnyReply | null): DeliveryNews;
  /** The SETTINGS entry's sentence for a room that plays it, or null. */
  readonly settingsSentence: string | null;
  /** The SETTINGS entry's sentence when a room stops playing it, or null. */
  readonly leftSentence: string | null;

  // --- Moments: what in the log teaches (replay/moments.ts).
  /** The moments of one of its own events: a ballot starting, its requests sent or exchanged, a reply reaching its proposer. */
  eventMoments(at: MomentContext, e: RoomEvent): void;
  /** The moments of one of its messages `m` arriving, answered with `reply` (one delivery of a deliver-all at a time). */
  deliveryMoments(at: MomentContext, m: Message, reply: AnyReply | null): void;
  /** The moments any event brings about in a room that plays it, read from the states: quorums of promises, values chosen, values learned. */
  stateMoments(at: MomentContext): void;

  // --- Monitor: safety checks run in its fold; these read what it found.
  /** How many choices the monitor has seen (values, or values in slots). */
  chosenCount(s: RoomState): number;
  /** What was chosen, for the end of a scenario's output: "Apple", or "slot 1 set x 3". */
  chosenSummary(s: RoomState): string[];

  // --- Questions
  /** True when the computed prediction questions (checkpoint.ts) apply; else only free questions. */
  readonly computedQuestions: boolean;
  /** Why the state-space explorer cannot search a room of this protocol, or null when it can. */
  readonly explorerRefusal: string | null;

  // --- Bots
  /** A bot node's next commands at `nowMs` (none while it thinks or waits); it moves its plan's times itself. */
  botMoves(state: RoomState, id: string, plan: BotPlan, nowMs: number, tools: BotTools): RoomCommand[];

  // --- Pages
  /** Which of the client's protocol views shows this room (client/src/protocols/). */
  readonly view: ProtocolView;
}
