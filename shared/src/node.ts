/**
 * One Paxos node (proposer + acceptor + learner) as plain data, and the pure
 * transitions of each role. Both `PaxosNode` and the room model call these, so the
 * protocol is written once.
 */
import { compareBallots, sameBallot, type AcceptedValue, type Ballot } from './ballot';
import type { MultiMessage } from './multi/types';

export interface AcceptorState {
  /** `acc_p`: the highest ballot this acceptor has promised. */
  promised: Ballot | null;
  /** `last_accepted()`: the last (ballot, value) this acceptor accepted. */
  accepted: AcceptedValue | null;
}

export interface ProposerState {
  /** `p`: the current proposal's ballot. */
  ballot: Ballot | null;
  /** `val`: the value this proposer would like chosen. */
  value: string | null;
  /** Names of the nodes that promised `p`; a set, so a duplicated promise never counts twice. */
  promisers: string[];
  /** `promiser_acc_max`: the highest-ballot value accepted by any promiser. */
  promiserAccMax: AcceptedValue | null;
  /** Names of the nodes that accepted `p`. */
  acceptors: string[];
  /** The value of this ballot's accept requests, fixed by the first one sent: one ballot, one value. */
  sentValue: string | null;
  /**
   * The highest round this node has seen. Kept through crashes, as Paxos Made Simple
   * (section 2.2) asks a proposer to remember the highest-numbered proposal it tried.
   */
  maxRound: number;
}

export interface NodeState {
  readonly id: string;
  name: string;
  /** Played by the core (auto-acceptor and, where driven, auto-proposer). */
  bot: boolean;
  up: boolean;
  proposer: ProposerState;
  acceptor: AcceptorState;
  /**
   * The learner's `choice`: the value this node learned was chosen, once a quorum of
   * acceptors accepted one ballot of its own proposal, or (when every node learns) once a
   * quorum of acceptors told it they accepted one ballot. Kept through crashes.
   */
  choice: string | null;
  /**
   * The learner's tallies: for each ballot and value (`ballotKey|value`), the acceptors that
   * it knows accepted them: itself, from its own acceptances, and the others, from their
   * notices and replies. Lost in a crash. The lists grow in place (a learner hears of
   * every acceptor of a 40-node class: copying a list per notice cost more than the rest of
   * the fold), so `cloneNode` copies them.
   */
  heard: Record<string, readonly string[]>;
  /** Ids of requests waiting for the student's answer (acceptor mode "students decide"). */
  inbox: number[];
}

export type RequestKind = 'prepare' | 'accept';

interface MessageBase {
  readonly id: number;
  readonly from: string;
  readonly to: string;
  readonly ballot: Ballot;
}

/** A promise request (phase 1a). */
export interface PrepareMessage extends MessageBase {
  readonly kind: 'prepare';
}
/** A promise (phase 1b), carrying the acceptor's last accepted value. */
export interface PromiseMessage extends MessageBase {
  readonly kind: 'promise';
  readonly lastAccepted: AcceptedValue | null;
}
/** An accept request (phase 2a). */
export interface AcceptMessage extends MessageBase {
  readonly kind: 'accept';
  readonly value: string;
}
/** An acceptance (phase 2b). */
export interface AcceptedMessage extends MessageBase {
  readonly kind: 'accepted';
  readonly value: string;
}
/**
 * An acceptor tells a learner that it accepted a proposal (phase 2b sent to a learner,
 * Paxos Made Simple, section 2.3). The proposer hears the same from the acceptor's reply.
 */
export interface NoticeMessage extends MessageBase {
  readonly kind: 'notice';
  readonly value: string;
}
/** A refusal of a promise or accept request, naming the ballot it lost to. */
export interface RejectMessage extends MessageBase {
  readonly kind: 'reject';
  readonly request: RequestKind;
  readonly promised: Ballot;
  /** For a refused accept request: the value that was refused. */
  readonly value?: string;
}

export type RequestMessage = PrepareMessage | AcceptMessage;
export type ReplyMessage = PromiseMessage | AcceptedMessage | RejectMessage;
/** Every message the network carries: single-decree ones, and Multi-Paxos ones (shared/src/multi/types.ts). */
export type Message = RequestMessage | ReplyMessage | NoticeMessage | MultiMessage;

export function isRequest(m: Message): m is RequestMessage {
  return m.kind === 'prepare' || m.kind === 'accept';
}

/** A fresh node: nothing promised, accepted, proposed or chosen. */
export function createNode(id: string, name: string = id, bot = false): NodeState {
  return {
    id,
    name,
    bot,
    up: true,
    proposer: emptyProposer(0),
    acceptor: { promised: null, accepted: null },
    choice: null,
    heard: {},
    inbox: [],
  };
}

export function emptyProposer(maxRound: number): ProposerState {
  return {
    ballot: null,
    value: null,
    promisers: [],
    promiserAccMax: null,
    acceptors: [],
    sentValue: null,
    maxRound,
  };
}

/** A copy of a node that shares nothing mutable with it. */
export function cloneNode(n: NodeState): NodeState {
  const p = n.proposer;
  return {
    ...n,
    proposer: { ...p, promisers: p.promisers.slice(), acceptors: p.acceptors.slice() },
    acceptor: { ...n.acceptor },
    heard: cloneHeard(n.heard),
    inbox: n.inbox.slice(),
  };
}

function cloneHeard(heard: Record<string, readonly string[]>): Record<string, readonly string[]> {
  const copy: Record<string, readonly string[]> = {};
  for (const key in heard) copy[key] = heard[key]!.slice();
  return copy;
}

/** Paxos Made Simple's rule for an acceptor: may it answer yes to this request? */
export interface AcceptorVerdict {
  readonly ok: boolean;
  /** Which rule decided: names it for the explanation. */
  readonly rule: 'first-promise' | 'higher-ballot' | 'same-ballot' | 'lower-ballot';
}

/**
 * P1a (Paxos Made Simple, section 2.2): an acceptor promises, and accepts, any ballot
 * at least as high as its promise. An equal ballot is the same request again (a
 * duplicate or a retry), so it gets the same answer; with plain ballots two proposers
 * can share a number and the acceptor cannot tell them apart.
 */
export function acceptorVerdict(acceptor: AcceptorState, ballot: Ballot): AcceptorVerdict {
  if (!acceptor.promised) return { ok: true, rule: 'first-promise' };
  const c = compareBallots(ballot, acceptor.promised);
  if (c > 0) return { ok: true, rule: 'higher-ballot' };
  if (c === 0) return { ok: true, rule: 'same-ballot' };
  return { ok: false, rule: 'lower-ballot' };
}

/** The acceptor's reply to `request` when it answers `yes` (promise/accept) or no (refusal). */
export function makeReply(acceptor: AcceptorState, request: RequestMessage, yes: boolean, id: number): ReplyMessage {
  const base = { id, from: request.to, to: request.from, ballot: request.ballot };
  if (!yes) {
    const promised = acceptor.promised ?? request.ballot;
    return request.kind === 'accept'
      ? { ...base, kind: 'reject', request: 'accept', promised, value: request.value }
      : { ...base, kind: 'reject', request: 'prepare', promised };
  }
  return request.kind === 'prepare'
    ? { ...base, kind: 'promise', lastAccepted: acceptor.accepted }
    : { ...base, kind: 'accepted', value: request.value };
}

/**
 * Updates an acceptor for a reply it sent: a promise raises `acc_p`, an acceptance records
 * the value. `acc_p` never goes down: a promise broken in the rule-breaking mode breaks the
 * rule once, and the acceptor still owes every later ballot the highest promise it made.
 */
export function acceptorApply(node: NodeState, reply: ReplyMessage): void {
  node.proposer.maxRound = Math.max(node.proposer.maxRound, reply.ballot.round);
  if (reply.kind === 'reject') return;
  const promised = node.acceptor.promised;
  if (!promised || compareBallots(reply.ballot, promised) > 0) node.acceptor.promised = reply.ballot;
  if (reply.kind === 'accepted') node.acceptor.accepted = { ballot: reply.ballot, value: reply.value };
}

/** What a reply did to its proposer. */
export type ProposerOutcome =
  | { readonly kind: 'stale' }
  | { readonly kind: 'counted'; readonly duplicate: boolean; readonly quorumReached: boolean }
  | { readonly kind: 'rejected' };

/** A proposer takes in a reply: counts promises and acceptances for its current ballot, learns from refusals. */
export function proposerReceive(node: NodeState, reply: ReplyMessage, q1: number, q2: number): ProposerOutcome {
  const p = node.proposer;
  if (reply.kind === 'reject') p.maxRound = Math.max(p.maxRound, reply.promised.round);
  if (!p.ballot || !sameBallot(p.ballot, reply.ballot)) return { kind: 'stale' };
  switch (reply.kind) {
    case 'reject':
      return { kind: 'rejected' };
    case 'promise': {
      const duplicate = p.promisers.includes(reply.from);
      if (!duplicate) p.promisers.push(reply.from);
      const acc = reply.lastAccepted;
      if (acc && (!p.promiserAccMax || compareBallots(acc.ballot, p.promiserAccMax.ballot) > 0)) {
        p.promiserAccMax = acc;
      }
      return { kind: 'counted', duplicate, quorumReached: !duplicate && p.promisers.length === q1 };
    }
    case 'accepted': {
      const duplicate = p.acceptors.includes(reply.from);
      if (!duplicate) p.acceptors.push(reply.from);
      const quorumReached = p.acceptors.length >= q2;
      if (quorumReached) node.choice = reply.value;
      return { kind: 'counted', duplicate, quorumReached: !duplicate && p.acceptors.length === q2 };
    }
  }
}

/** The value an accept request from this proposer carries, or null when it has none to propose. */
export function valueToPropose(p: ProposerState, ignoreAcceptedValue: boolean): string | null {
  if (p.sentValue !== null) return p.sentValue;
  if (!ignoreAcceptedValue && p.promiserAccMax) return p.promiserAccMax.value;
  return p.value;
}

/** Starts a proposal: a fresh ballot above every round seen, with empty promisers and acceptors, and the value given. */
export function startProposal(node: NodeState, ballot: Ballot, value: string | null): void {
  node.proposer = emptyProposer(Math.max(node.proposer.maxRound, ballot.round));
  node.proposer.ballot = ballot;
  node.proposer.value = value;
}

/**
 * A crash: the proposal in progress is lost (its ballot counter is kept), the
 * learner's choice is kept but its tallies are lost, and the acceptor's state is kept unless it lives in
 * memory only (`forgetOnCrash`). The inbox is lost with the process.
 */
export function crashNode(node: NodeState, forgetAcceptor: boolean): void {
  node.up = false;
  node.proposer = emptyProposer(node.proposer.maxRound);
  node.heard = {};
  node.inbox = [];
  if (forgetAcceptor) node.acceptor = { promised: null, accepted: null };
}

/** The last key made, kept because a learner hears of one ballot and value many times in a row. */
let lastTally = { round: 0, node: undefined as string | undefined, value: '', key: '' };

/** A ballot and value as a key of a learner's tallies: `1.A|Apple`. */
export function tallyKey(ballot: Ballot, value: string): string {
  const last = lastTally;
  if (last.round === ballot.round && last.node === ballot.node && last.value === value && last.key !== '') return last.key;
  const key = `${ballot.node === undefined ? ballot.round : `${ballot.round}.${ballot.node}`}|${value}`;
  lastTally = { round: ballot.round, node: ballot.node, value, key };
  return key;
}

/**
 * A learner hears that `acceptor` accepted (ballot, value). It learns the value once `q2`
 * distinct acceptors have accepted that one ballot; returns the tally's size.
 */
export function learnerHear(node: NodeState, acceptor: string, ballot: Ballot, value: string, q2: number): number {
  const key = tallyKey(ballot, value);
  let heard = node.heard[key] as string[] | undefined;
  if (!heard) node.heard[key] = heard = [acceptor];
  else if (!heard.includes(acceptor)) heard.push(acceptor);
  if (heard.length >= q2) node.choice = value;
  return heard.length;
}
