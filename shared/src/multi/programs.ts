/**
 * Multi-Paxos's node programs: a node's acceptor, leader and learner as pure functions of
 * plain data, as shared/src/programs/ has them for single-decree Paxos. The room (apply.ts,
 * decide.ts) runs every node of a Multi-Paxos room through them; each rule-breaking mode that
 * changes what a Multi-Paxos node does is the honest program with one function replaced.
 * A program reads no clock, draws no random number, does no I/O and never changes what it is
 * given. docs/NODE-PROGRAMS.md ("Multi-Paxos's programs") is the guide.
 *
 * A program's state is a few fields of the node's `MultiNodeState`: the room hands a program
 * the node itself (it has those fields) and writes back the fields the program returns.
 */
import { compareBallots, sameBallot, type AcceptedValue, type Ballot } from '../ballot';
import { programsByRules } from '../programs/modes';
import type { Quorums } from '../programs/types';
import { runKvCommand } from './kv';
import type { LeaderState, MultiAcceptMessage, MultiReply, MultiRequest, SlotValue } from './types';

// ---------------------------------------------------------------------------
// The interface

/** What an acceptor keeps, on stable storage: one promise for every slot (`acc_p`), and what it last accepted in each slot. */
export interface MultiAcceptorState {
  readonly promised: Ballot | null;
  readonly accepted: Readonly<Record<number, AcceptedValue>>;
}

/**
 * An acceptor's answer to a request: what it decides, which the room makes a reply message
 * (with the request's ballot and slot). Its kinds are the replies' own, so that a reply in the
 * log is the answer it carries.
 */
export type MultiAnswer =
  /** Phase 1b: a promise for every slot from the request's on, with what it accepted in each of them. */
  | { readonly kind: 'multiPromise'; readonly accepted: readonly SlotValue[] }
  /** Phase 2b: it accepts the request's command in the request's slot. */
  | { readonly kind: 'multiAccepted' }
  /** A refusal, naming the ballot it promised. */
  | { readonly kind: 'multiReject'; readonly promised: Ballot };

/**
 * The acceptor. As in single-decree Paxos, answering and remembering are two functions, so
 * that a log of answers folds to the acceptor's states. The core answers for every acceptor
 * of a Multi-Paxos room (students do not), so there is no `mayAnswerYes`.
 */
export interface MultiAcceptorProgram {
  /** Names the program in the docs and errors: `multiAcceptor`, or the rule it breaks. */
  readonly name: string;
  /** A fresh acceptor: nothing promised, nothing accepted in any slot. */
  init(): MultiAcceptorState;
  /** Its answer to a promise request for every slot from one on (`multiPrepare`) or an accept request for one slot (`multiAccept`). */
  onRequest(state: MultiAcceptorState, request: MultiRequest): MultiAnswer;
  /** What it keeps of an answer it sent to `request`: the next `acc_p` and accepted slots. */
  onAnswer(state: MultiAcceptorState, request: MultiRequest, answer: MultiAnswer): MultiAcceptorState;
  /** What survives a crash. */
  onCrash(state: MultiAcceptorState): MultiAcceptorState;
}

/** The leader's part of a node: the highest round it has seen (kept through crashes), and its ballot in progress, or null when it is not leading. */
export interface MultiLeaderState {
  readonly maxRound: number;
  readonly leader: LeaderState | null;
}

/** What a reply did to its leader: the next state, and the command it learned is chosen in a slot, when the reply completed a quorum of acceptances there. */
export interface MultiLeaderStep {
  readonly state: MultiLeaderState;
  readonly chosen?: { readonly slot: number; readonly value: string };
}

/**
 * The leader, Paxos Made Simple's distinguished proposer (section 3). A person drives it (when
 * to lead, which commands to take, when to send which requests): the room picks the ballot and
 * the slot of each command, and the program keeps what the leader knows and answers the
 * questions a request raises. Those questions are asked of a ballot in progress, so they take
 * its `LeaderState`.
 */
export interface MultiLeaderProgram {
  readonly name: string;
  /** A node that is not leading and has seen no round. */
  init(): MultiLeaderState;
  /** Starts leading with `ballot` (above every round seen), its phase 1 covering every slot from `slot` on (the first it has not learned). */
  lead(state: MultiLeaderState, ballot: Ballot, slot: number): MultiLeaderState;
  /** A client command reaches the leader, which puts it in `slot`. */
  submit(state: MultiLeaderState, slot: number, command: string): MultiLeaderState;
  /** An accept request leaves: the first of its ballot fixes the command its slot carries. */
  onSend(state: MultiLeaderState, request: MultiAcceptMessage): MultiLeaderState;
  /** A promise, an acceptance or a refusal arrives. */
  onReply(state: MultiLeaderState, reply: MultiReply, quorums: Quorums): MultiLeaderStep;
  /** May the leader send accept requests now (enough promises)? */
  readyToAccept(leader: LeaderState, quorums: Quorums): boolean;
  /**
   * P2c, slot by slot: the `promiser_acc_max` of each slot that binds the leader, the command it
   * must propose there again. leader.ts reads the command of each slot from it.
   */
  promiserAccMax(leader: LeaderState): Readonly<Record<number, AcceptedValue>>;
  /** What survives a crash. */
  onCrash(state: MultiLeaderState): MultiLeaderState;
}

/** The learner's part of a node: its log of learned commands, its tallies, and the state machine that runs the log. */
export interface MultiLearnerState {
  /** The command it learned was chosen in each slot. Kept through crashes. */
  readonly learned: Readonly<Record<number, string>>;
  /** Tallies keyed `slot|ballot|value` (`slotTallyKey`): acceptor ids, each once. The room keeps them. */
  readonly heard: Readonly<Record<string, readonly string[]>>;
  /** The state machine has run slots 1 to `applied`, in order. */
  readonly applied: number;
  /** The key-value store the commands ran on. */
  readonly kv: Readonly<Record<string, string>>;
}

/** A learner hears that an acceptor accepted a command in a slot: a notice, its own acceptance, or a reply to its leader. */
export interface MultiNotice {
  readonly from: string;
  readonly slot: number;
  readonly ballot: Ballot;
  readonly value: string;
}

/**
 * The learner. The room adds each notice to its tallies (each acceptor once), as it does in
 * single-decree Paxos; the program says what the learner concludes, and learns.
 */
export interface MultiLearnerProgram {
  readonly name: string;
  /** Nothing learned, heard or run. */
  init(): MultiLearnerState;
  /**
   * The command the learner concludes is chosen in the notice's slot once it has heard `notice`,
   * or null. `tally` is the acceptors it has heard accepted the notice's command in its slot and
   * ballot, this one counted: the list `state.heard` holds for them.
   */
  onNotice(state: MultiLearnerState, notice: MultiNotice, quorums: Quorums, tally: readonly string[]): string | null;
  /** The learner learns that `value` is chosen in `slot`, and runs every slot it now can, in order. */
  learn(state: MultiLearnerState, slot: number, value: string): MultiLearnerState;
  /** What survives a crash. */
  onCrash(state: MultiLearnerState): MultiLearnerState;
}

/** The three programs of a Multi-Paxos node. */
export interface MultiPrograms {
  readonly acceptor: MultiAcceptorProgram;
  readonly leader: MultiLeaderProgram;
  readonly learner: MultiLearnerProgram;
}

// ---------------------------------------------------------------------------
// The honest programs

/** The last key made, kept because a learner hears of one slot, ballot and command many times in a row. */
let lastTally = { slot: 0, round: 0, node: undefined as string | undefined, value: '', key: '' };

/** `slot|ballot|value`: a learner's tally key. */
export function slotTallyKey(slot: number, ballot: Ballot, value: string): string {
  const last = lastTally;
  if (last.slot === slot && last.round === ballot.round && last.node === ballot.node && last.value === value && last.key !== '') return last.key;
  const key = `${slot}|${ballot.node === undefined ? ballot.round : `${ballot.round}.${ballot.node}`}|${value}`;
  lastTally = { slot, round: ballot.round, node: ballot.node, value, key };
  return key;
}

/** What an acceptor accepted in every slot from `slot` on, slot by slot: what its promise carries. */
function acceptedFrom(accepted: Readonly<Record<number, AcceptedValue>>, slot: number): SlotValue[] {
  return Object.entries(accepted)
    .map(([s, a]) => ({ slot: Number(s), ballot: a.ballot, value: a.value }))
    .filter((a) => a.slot >= slot)
    .sort((x, y) => x.slot - y.slot);
}

/** P1a (Paxos Made Simple, section 2.2), for one promise that covers every slot: yes to any ballot at least as high as it, a refusal to the rest. */
export const multiAcceptor: MultiAcceptorProgram = {
  name: 'multiAcceptor',
  init: () => ({ promised: null, accepted: {} }),
  onRequest(state, request) {
    if (state.promised && compareBallots(request.ballot, state.promised) < 0) return { kind: 'multiReject', promised: state.promised };
    return request.kind === 'multiAccept' ? { kind: 'multiAccepted' } : { kind: 'multiPromise', accepted: acceptedFrom(state.accepted, request.slot) };
  },
  /** A yes raises `acc_p` for every slot (it never goes down); an acceptance records the slot's command. */
  onAnswer(state, request, answer) {
    if (answer.kind === 'multiReject') return state;
    const promised = compareBallots(request.ballot, state.promised) > 0 ? request.ballot : state.promised;
    const accepted =
      answer.kind === 'multiAccepted' && request.kind === 'multiAccept'
        ? { ...state.accepted, [request.slot]: { ballot: request.ballot, value: request.value } }
        : state.accepted;
    return promised === state.promised && accepted === state.accepted ? state : { promised, accepted };
  },
  /** Stable storage: the promise and every accepted slot outlive a crash. */
  onCrash: (state) => state,
};

/** No slot binds the leader. */
const NO_REPORTS: Readonly<Record<number, AcceptedValue>> = Object.freeze({});

/**
 * The leader: counts promises (each acceptor once) and keeps, per slot, the highest-ballot
 * command its promisers accepted there; counts acceptances per slot, and learns a slot's
 * command once a quorum accepted it in its ballot; learns higher rounds from refusals.
 */
export const multiLeader: MultiLeaderProgram = {
  name: 'multiLeader',
  init: () => ({ maxRound: 0, leader: null }),
  lead(state, ballot, slot) {
    return { maxRound: Math.max(state.maxRound, ballot.round), leader: { ballot, slot, promisers: [], reported: {}, requests: {}, sent: {}, acceptors: {} } };
  },
  submit(state, slot, command) {
    const leader = state.leader;
    if (!leader) return state;
    return { maxRound: state.maxRound, leader: { ...leader, requests: { ...leader.requests, [slot]: command } } };
  },
  onSend(state, request) {
    const leader = state.leader;
    if (!leader || !sameBallot(leader.ballot, request.ballot) || leader.sent[request.slot] === request.value) return state;
    return { maxRound: state.maxRound, leader: { ...leader, sent: { ...leader.sent, [request.slot]: request.value } } };
  },
  onReply(state, reply, quorums) {
    // A refusal tells of a higher round, even for an older ballot: the next ballot goes above it.
    const maxRound = reply.kind === 'multiReject' ? Math.max(state.maxRound, reply.promised.round) : state.maxRound;
    const seen = maxRound === state.maxRound ? state : { maxRound, leader: state.leader };
    const leader = seen.leader;
    if (!leader || !sameBallot(leader.ballot, reply.ballot)) return { state: seen };
    switch (reply.kind) {
      case 'multiReject':
        return { state: seen };
      case 'multiPromise': {
        const promisers = leader.promisers.includes(reply.from) ? leader.promisers : [...leader.promisers, reply.from];
        let reported = leader.reported;
        for (const a of reply.accepted) {
          if (a.slot < leader.slot) continue;
          const max = reported[a.slot];
          if (max && compareBallots(a.ballot, max.ballot) <= 0) continue;
          if (reported === leader.reported) reported = { ...reported };
          reported[a.slot] = { ballot: a.ballot, value: a.value };
        }
        return { state: { maxRound, leader: { ...leader, promisers, reported } } };
      }
      case 'multiAccepted': {
        const before = leader.acceptors[reply.slot] ?? [];
        const after = before.includes(reply.from) ? before : [...before, reply.from];
        const next = { maxRound, leader: { ...leader, acceptors: { ...leader.acceptors, [reply.slot]: after } } };
        return after.length >= quorums.q2 ? { state: next, chosen: { slot: reply.slot, value: reply.value } } : { state: next };
      }
    }
  },
  /** Phase 2 waits for a quorum of promises, so that the leader knows every command that may be chosen in its slots. */
  readyToAccept: (leader, quorums) => leader.promisers.length >= quorums.q1,
  /** P2c per slot: every slot's highest-ballot command its promisers reported. */
  promiserAccMax: (leader) => leader.reported,
  /** The leadership and its ballot are lost; the highest round seen is kept. */
  onCrash: (state) => ({ maxRound: state.maxRound, leader: null }),
};

/** The learner: a command is chosen in a slot once a quorum of distinct acceptors accepted it there in one ballot. */
export const multiLearner: MultiLearnerProgram = {
  name: 'multiLearner',
  init: () => ({ learned: {}, heard: {}, applied: 0, kv: {} }),
  onNotice: (_state, notice, quorums, tally) => (tally.length >= quorums.q2 ? notice.value : null),
  /**
   * The first command learned in a slot stays (a second one is the monitor's to report). The
   * state machine runs slots in order, never skipping one (Paxos Made Simple, section 3).
   */
  learn(state, slot, value) {
    if (state.learned[slot] !== undefined) return state;
    const learned = { ...state.learned, [slot]: value };
    let applied = state.applied;
    let kv = state.kv;
    if (learned[applied + 1] !== undefined) {
      const store = { ...kv };
      while (learned[applied + 1] !== undefined) runKvCommand(store, learned[++applied]!);
      kv = store;
    }
    return { learned, heard: state.heard, applied, kv };
  },
  /** The log and the store are kept; the tallies, in memory, are lost. */
  onCrash: (state) => ({ learned: state.learned, heard: {}, applied: state.applied, kv: state.kv }),
};

/** The honest programs of a Multi-Paxos node. */
export const MULTI_HONEST: MultiPrograms = { acceptor: multiAcceptor, leader: multiLeader, learner: multiLearner };

// ---------------------------------------------------------------------------
// The rule-breaking modes

/**
 * The rule-breaking modes that change what a Multi-Paxos node does, by their names in the
 * room's settings (settings.ts `RuleModes`). Named here, not imported: programs sit below the
 * room's data. The other modes leave a Multi-Paxos node as it is.
 */
export type MultiRuleName = 'skipRepropose' | 'acceptWithoutQuorum' | 'forgetOnCrash';

/** Which of them are on: a room's `RuleModes` is one. */
export type MultiRules = Readonly<Record<MultiRuleName, boolean>>;

/** One rule broken: which role breaks it, the program's name, and the one function it replaces. */
type MultiRuleBreak =
  | { readonly role: 'acceptor'; readonly name: string; readonly replaces: Partial<MultiAcceptorProgram> }
  | { readonly role: 'leader'; readonly name: string; readonly replaces: Partial<MultiLeaderProgram> };

/** The node behaviour of each Multi-Paxos rule-breaking mode. */
export const MULTI_RULE_BREAKS: Readonly<Record<MultiRuleName, MultiRuleBreak>> = {
  // P2c per slot: a new leader goes by no promiser's report, neither re-proposing a command nor filling a hole with it.
  skipRepropose: { role: 'leader', name: 'leaderSkippingRepropose', replaces: { promiserAccMax: () => NO_REPORTS } },
  // P2c: accept requests go out before a quorum of promises has told the leader what may be chosen.
  acceptWithoutQuorum: { role: 'leader', name: 'leaderSkippingPromiseQuorum', replaces: { readyToAccept: () => true } },
  // P1a: the acceptor keeps its promise and accepted slots in memory only, and a crash wipes them.
  forgetOnCrash: { role: 'acceptor', name: 'multiAcceptorForgettingOnCrash', replaces: { onCrash: () => multiAcceptor.init() } },
};

type AcceptorBreak = Extract<MultiRuleBreak, { readonly role: 'acceptor' }>;
type LeaderBreak = Extract<MultiRuleBreak, { readonly role: 'leader' }>;

/** `honest` with each break's function in place, named for the rules broken; `honest` itself when none is. */
function withBreaks<P extends { readonly name: string }>(honest: P, breaks: readonly { readonly name: string; readonly replaces: Partial<P> }[]): P {
  if (breaks.length === 0) return honest;
  let program = honest;
  for (const b of breaks) program = { ...program, ...b.replaces };
  return { ...program, name: breaks.map((b) => b.name).join(' + ') };
}

const isAcceptorBreak = (b: MultiRuleBreak): b is AcceptorBreak => b.role === 'acceptor';
const isLeaderBreak = (b: MultiRuleBreak): b is LeaderBreak => b.role === 'leader';

export const leaderSkippingRepropose = withBreaks(multiLeader, [MULTI_RULE_BREAKS.skipRepropose].filter(isLeaderBreak));
export const leaderSkippingPromiseQuorum = withBreaks(multiLeader, [MULTI_RULE_BREAKS.acceptWithoutQuorum].filter(isLeaderBreak));
export const multiAcceptorForgettingOnCrash = withBreaks(multiAcceptor, [MULTI_RULE_BREAKS.forgetOnCrash].filter(isAcceptorBreak));

/**
 * The programs every node of a Multi-Paxos room with these modes runs: the honest ones with
 * each mode's function in place, named for the rules they break (a role no mode changes is
 * the honest program itself). The room asks at every event it folds, so they are made once.
 */
export const multiProgramsForRules: (rules: MultiRules) => MultiPrograms = programsByRules(Object.keys(MULTI_RULE_BREAKS) as MultiRuleName[], MULTI_HONEST, (rules) => {
  const on = rules.map((r) => MULTI_RULE_BREAKS[r]);
  return { acceptor: withBreaks(multiAcceptor, on.filter(isAcceptorBreak)), leader: withBreaks(multiLeader, on.filter(isLeaderBreak)), learner: multiLearner };
});
