/**
 * The protocol map's types: what the pages ask of a protocol (`ProtocolPages`) and the
 * components it gives them. index.ts finds a room's map; each protocol's folder fills one in.
 */
import type { Component } from 'svelte';
import type { RoomState, RuleModeName, Withheld } from '@toy-paxos/shared';

/** A node card: the node's roles in this protocol. */
export interface NodeCardProps {
  room: RoomState;
  id: string;
  online?: boolean | null;
  title?: string;
  /** What the class's open question asks: the card's lines that would answer it wait for the reveal. */
  withheld?: Withheld;
}

/** A panel of the room's log beside the ring (the grid of slots). */
export interface LogPanelProps {
  room: RoomState;
  /** The projector's type, readable from the back row. */
  large?: boolean;
}

/** The first action: what starts a ballot (a proposal with a value, or Lead). */
export interface StartProps {
  room: RoomState;
  actor: string;
  disabled: boolean;
  /** An action is on its way: the button stays enabled, and says that it waits. */
  sending: boolean;
  describedBy?: string | undefined;
  onPropose: (value: string | null) => void;
  onLead?: (() => void) | undefined;
}

/** What an accept request names besides its targets, beside its button (a slot). */
export interface AcceptTargetProps {
  room: RoomState;
  actor: string;
  /** What the person picked ('' for the protocol's default); `acceptSlot` says what is sent. */
  choice: string;
}

/** Actions below the requests (a client's commands). */
export interface MoreActionsProps {
  room: RoomState;
  actor: string;
  offline: boolean;
  sending: boolean;
  onSubmit?: ((to: string, command: string) => void) | undefined;
}

/** The components a protocol shows on the pages. */
export interface ProtocolComponents {
  readonly nodeCard: Component<NodeCardProps>;
  /** The log beside the ring, or null when the ring and the annotated log tell it all. */
  readonly logPanel: Component<LogPanelProps> | null;
  readonly start: Component<StartProps>;
  readonly acceptTarget: Component<AcceptTargetProps, {}, 'choice'> | null;
  readonly moreActions: Component<MoreActionsProps> | null;
}

/** What the pages ask of a protocol. */
export interface ProtocolPages {
  /** Its components, or a loader for them: a protocol other than the notebook's loads with its first room. */
  readonly components: ProtocolComponents | (() => Promise<ProtocolComponents>);
  /** The what-if search applies (it models one decision). */
  readonly whatIf: boolean;
  /** A learner may write its nodes' programs ("Write my own node": the node-program interface is this protocol's). */
  readonly ownNodes: boolean;
  /** Acceptors may be played by students (else the core answers for them). */
  readonly studentAcceptors: boolean;
  /** The rule-breaking modes that act in this protocol. */
  readonly ruleModes: readonly RuleModeName[];
  readonly words: {
    /** What a node does to start a ballot: "propose", "lead". */
    readonly start: string;
    /** The hint while the actor has no ballot. */
    readonly startFirst: string;
    /** The solo sandbox's button that sets the bots going. */
    readonly botsStart: string;
  };
  /** The node has a ballot to send requests for (a proposal, or leading). */
  hasBallot(room: RoomState, id: string): boolean;
  /** The slot an accept request names for the actor's pick, or undefined for the protocol's default. */
  acceptSlot(room: RoomState, actor: string, choice: string): number | undefined;
  /** A node's second line on the ring: what its acceptor holds. */
  ringDetail(room: RoomState, id: string): string;
  /** The safety banner's count when it counts other than values chosen ("Slots chosen: 2", run by whom), or null. */
  chosenTally(room: RoomState): { readonly label: string; readonly count: number; readonly detail: string } | null;
}
