/**
 * One Paxos node (proposer + acceptor + learner) as plain data, and the pure
 * transitions of each role. Both `PaxosNode` and the room model call these, so the
 * protocol is written once.
 */
import { compareBallots, type AcceptedValue, type Ballot } from './ballot';
import type { MultiMessage } from './multi/types';

export type { AcceptedValue } from './ballot';

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
   * notices and replies. Lost in a crash. The room grows the lists in place (a learner hears
   * of every acceptor of a 40-node class: copying a list per notice cost more than the rest
   * of the fold), so `cloneNode` copies them.
   */
  heard: Record<string, readonly string[]>;
  /** Ids of requests waiting for the student's answer (acceptor mode "students decide"). */
  inbox: number[];
  /**
   * A learner's own program answers this node's inbox from its student's page (`running`),
   * or did until it failed (`failed`); absent when the student answers by hand. The page
   * runs the program, never the server: the room only records that it does, so that every
   * screen can show it, and checks each answer as it checks any student's.
   */
  ownProgram?: OwnProgramStatus;
}

/** Whether a learner's own program answers for a node: see `NodeState.ownProgram`. */
export type OwnProgramStatus = 'running' | 'failed';

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

/**
 * True for the kinds of the notebook's messages (single-decree Paxos's). A switch, not a set:
 * the fold asks this of every message it delivers, and a set hashes the kind each time.
 */
export function isSingleKind(kind: string): boolean {
  switch (kind) {
    case 'prepare':
    case 'promise':
    case 'accept':
    case 'accepted':
    case 'reject':
    case 'notice':
      return true;
    default:
      return false;
  }
}

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

/**
 * A new proposer state: `p` with the fields of `change` in place of its own. Its fields are
 * written out in `emptyProposer`'s order rather than spread, so that every proposer state
 * has one shape: a spread takes its source's, and the fold reads states of many shapes slowly.
 */
export function changedProposer(p: ProposerState, change: Partial<ProposerState>): ProposerState {
  return {
    ballot: change.ballot === undefined ? p.ballot : change.ballot,
    value: change.value === undefined ? p.value : change.value,
    promisers: change.promisers ?? p.promisers,
    promiserAccMax: change.promiserAccMax === undefined ? p.promiserAccMax : change.promiserAccMax,
    acceptors: change.acceptors ?? p.acceptors,
    sentValue: change.sentValue === undefined ? p.sentValue : change.sentValue,
    maxRound: change.maxRound ?? p.maxRound,
  };
}

/**
 * A copy of a node that shares nothing mutable with it. Its proposer and acceptor are shared:
 * their programs return new states rather than change them (programs/types.ts).
 */
export function cloneNode(n: NodeState): NodeState {
  return { ...n, heard: cloneHeard(n.heard), inbox: n.inbox.slice() };
}

/** A copy of a learner's tallies and of each list in them: the room grows the lists in place. */
export function cloneHeard(heard: Readonly<Record<string, readonly string[]>>): Record<string, readonly string[]> {
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

/**
 * An acceptor's answer to a request, as its program gives it: the room makes it a message
 * (`replyTo`), with the request's ballot, from its recipient back to its sender.
 */
export type Answer =
  /** Phase 1b: a promise, reporting the acceptor's last accepted value (`last_accepted()`). */
  | { readonly kind: 'promise'; readonly lastAccepted: AcceptedValue | null }
  /** Phase 2b: the acceptor accepts the request's value. */
  | { readonly kind: 'accepted' }
  /** A refusal, naming the ballot the acceptor promised (`acc_p`). */
  | { readonly kind: 'reject'; readonly promised: Ballot };

/**
 * The reply message that carries `answer` to `request`, with id `id`. An answer that does
 * not fit the request (a promise to an accept request) is a mistake in the acceptor's program,
 * and stops the room with what to return instead.
 */
export function replyTo(request: RequestMessage, answer: Answer, id: number): ReplyMessage {
  const yes = request.kind === 'prepare' ? 'promise' : 'accepted';
  if (typeof answer !== 'object' || answer === null || (answer.kind !== yes && answer.kind !== 'reject')) {
    const what = request.kind === 'prepare' ? 'a promise request' : 'an accept request';
    throw new Error(
      `The acceptor's onRequest answered ${what} with ${JSON.stringify(answer) ?? 'nothing'}: return { kind: '${yes}'${request.kind === 'prepare' ? ', lastAccepted' : ''} } or { kind: 'reject', promised }.`,
    );
  }
  const base = { id, from: request.to, to: request.from, ballot: request.ballot };
  if (answer.kind === 'reject') {
    return request.kind === 'accept'
      ? { ...base, kind: 'reject', request: 'accept', promised: answer.promised, value: request.value }
      : { ...base, kind: 'reject', request: 'prepare', promised: answer.promised };
  }
  return request.kind === 'prepare'
    ? { ...base, kind: 'promise', lastAccepted: answer.kind === 'promise' ? answer.lastAccepted : null }
    : { ...base, kind: 'accepted', value: request.value };
}

/** The reply a student's yes or no to `request` sends: a yes promises (reporting what the acceptor accepted) or accepts. */
export function makeReply(acceptor: AcceptorState, request: RequestMessage, yes: boolean, id: number): ReplyMessage {
  if (!yes) return replyTo(request, { kind: 'reject', promised: acceptor.promised ?? request.ballot }, id);
  return replyTo(request, request.kind === 'prepare' ? { kind: 'promise', lastAccepted: acceptor.accepted } : { kind: 'accepted' }, id);
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
