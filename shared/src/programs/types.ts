/**
 * The node-program interface: what a proposer, an acceptor and a learner do, as pure
 * functions of plain data. The room runs every node through its programs: the honest ones,
 * a rule-breaking mode's, or one a learner wrote. A program reads no clock, draws no random
 * number and does no I/O; it gets a state and a message and returns the next state (or an
 * acceptor's answer, or a learner's choice), never changing what it was given. docs/NODE-PROGRAMS.md is
 * the guide.
 */
import type { Ballot } from '../ballot';
import type { Answer, AcceptorState, ProposerState, ReplyMessage, RequestMessage } from '../node';

export type { Answer };

/** The quorum sizes in force when a message arrives: the room counts its acceptors, a program does not. */
export interface Quorums {
  /** Promises a proposer needs before its accept requests (phase 1). */
  readonly q1: number;
  /** Acceptances of one ballot that make its value chosen (phase 2). */
  readonly q2: number;
}

/**
 * The acceptor. Answering and remembering are two functions, not one: in the classroom a
 * student may answer for the acceptor, and a replayed log holds answers, not states, so the
 * state an answer leaves must follow from the answer, whoever gave it.
 */
export interface AcceptorProgram {
  /** Names the program in the docs and errors: `acceptor`, or the rule it breaks (`acceptorIgnoringPromise`). */
  readonly name: string;
  /** A fresh acceptor: nothing promised (`acc_p` None), nothing accepted. */
  init(): AcceptorState;
  /** The acceptor's own answer to a promise request (`prepare`) or an accept request (`accept`). */
  onRequest(state: AcceptorState, request: RequestMessage): Answer;
  /** What the acceptor keeps of an answer it sent to `request`: the next `acc_p` and `last_accepted()`. */
  onAnswer(state: AcceptorState, request: RequestMessage, answer: Answer): AcceptorState;
  /** Whether a student who answers for this acceptor may answer yes to `request`. */
  mayAnswerYes(state: AcceptorState, request: RequestMessage): boolean;
  /** What survives a crash. */
  onCrash(state: AcceptorState): AcceptorState;
}

/**
 * What a reply did to its proposer: the next state, and the value the proposer learned is
 * chosen, when this reply completed a quorum of acceptances (its `choice`).
 */
export interface ProposerStep {
  readonly state: ProposerState;
  readonly chosen?: string;
}

/**
 * The proposer. A person drives it in the classroom (when to start a proposal, when to send
 * which requests), so the program answers the questions a request raises: may accept
 * requests go out yet, and with which value? `onReply` takes in promises, acceptances and
 * refusals.
 */
export interface ProposerProgram {
  readonly name: string;
  /** A proposer with no proposal, remembering the highest round it has seen. */
  init(maxRound: number): ProposerState;
  /** Starts a proposal with `ballot` (the room picks it above every round seen) and the value the proposer wants. */
  propose(state: ProposerState, ballot: Ballot, value: string | null): ProposerState;
  /** A promise, an acceptance or a refusal arrives. */
  onReply(state: ProposerState, reply: ReplyMessage, quorums: Quorums): ProposerStep;
  /** May the proposer send accept requests now (enough promises)? */
  readyToAccept(state: ProposerState, quorums: Quorums): boolean;
  /** The value its accept requests carry, or null when it has none to propose. */
  valueToPropose(state: ProposerState): string | null;
  /** What survives a crash. */
  onCrash(state: ProposerState): ProposerState;
}

/**
 * A learner's state: its `choice`, and its tallies: for each ballot and value, the acceptors
 * it has heard accepted them.
 */
export interface LearnerState {
  readonly choice: string | null;
  /** Tallies keyed `ballotKey|value` (`tallyKey`): acceptor ids, each once. */
  readonly heard: Readonly<Record<string, readonly string[]>>;
}

/** A learner hears that an acceptor accepted a ballot and value: from a notice, its own acceptance, or a reply to its proposal. */
export interface Notice {
  /** The acceptor that accepted. */
  readonly from: string;
  readonly ballot: Ballot;
  readonly value: string;
}

/**
 * The learner. The room keeps its tallies, counting each acceptor once (`state.heard`, which
 * already counts the notice), and the program says what the learner concludes: its choice.
 * A learner of a 40-node class hears of every acceptance: a program that copied a tally at
 * each notice made folding a class's log half as fast again.
 */
export interface LearnerProgram {
  readonly name: string;
  init(): LearnerState;
  /**
   * The learner's choice once it has heard `notice`. `tally` is the acceptors it has heard
   * accepted the notice's ballot and value, this one counted: the list `state.heard` holds for
   * them, given so that the program need not look it up again. A program may leave it out and
   * read `state.heard` itself.
   */
  onNotice(state: LearnerState, notice: Notice, quorums: Quorums, tally: readonly string[]): string | null;
  /** What survives a crash. */
  onCrash(state: LearnerState): LearnerState;
}

/** The three programs of one node. */
export interface NodePrograms {
  readonly proposer: ProposerProgram;
  readonly acceptor: AcceptorProgram;
  readonly learner: LearnerProgram;
}
