/**
 * The honest programs: Paxos as Paxos Made Simple states it, and as the notebook plays it.
 * Each rule a rule-breaking mode breaks is a function of its own here (`mayAnswerYes`,
 * `onCrash`, `readyToAccept`, `valueToPropose`), so that a mode is this program with that
 * one function replaced (modes.ts).
 */
import { compareBallots, sameBallot } from '../ballot';
import { acceptorVerdict, changedProposer, emptyProposer } from '../node';
import type { AcceptorProgram, LearnerProgram, LearnerState, NodePrograms, ProposerProgram } from './types';

/** A copy of `list` with `item` at the end (a packed array, which `includes` reads fastest; `concat` is three times slower). */
function appended(list: readonly string[], item: string): string[] {
  const copy = list.slice();
  copy.push(item);
  return copy;
}

/**
 * P1a (Paxos Made Simple, section 2.2): an acceptor answers yes to any ballot at least as
 * high as its promise, and refuses the rest. A promise reports what it last accepted.
 */
export const honestAcceptor: AcceptorProgram = {
  name: 'acceptor',
  init: () => ({ promised: null, accepted: null }),
  onRequest(state, request) {
    if (!acceptorVerdict(state, request.ballot).ok) return { kind: 'reject', promised: state.promised ?? request.ballot };
    return request.kind === 'prepare' ? { kind: 'promise', lastAccepted: state.accepted } : { kind: 'accepted' };
  },
  /**
   * A promise raises `acc_p`, an acceptance records the value. `acc_p` never goes down: an
   * acceptor that broke its promise once still owes every later ballot its highest promise.
   */
  onAnswer(state, request, answer) {
    if (answer.kind === 'reject') return state;
    const promised = !state.promised || compareBallots(request.ballot, state.promised) > 0 ? request.ballot : state.promised;
    const accepted = request.kind === 'accept' && answer.kind === 'accepted' ? { ballot: request.ballot, value: request.value } : state.accepted;
    return promised === state.promised && accepted === state.accepted ? state : { promised, accepted };
  },
  mayAnswerYes: (state, request) => acceptorVerdict(state, request.ballot).ok,
  /** Stable storage: an acceptor's promise and acceptance outlive a crash. */
  onCrash: (state) => state,
};

/**
 * The proposer: counts promises and acceptances of its current ballot (each acceptor once),
 * keeps `promiser_acc_max`, learns higher rounds from refusals, and learns its value is
 * chosen once a quorum accepted it.
 */
export const honestProposer: ProposerProgram = {
  name: 'proposer',
  init: emptyProposer,
  propose(state, ballot, value) {
    return changedProposer(emptyProposer(Math.max(state.maxRound, ballot.round)), { ballot, value });
  },
  onReply(state, reply, quorums) {
    // A refusal tells of a higher round, even for an older ballot: the next proposal goes above it.
    const seen = reply.kind === 'reject' && reply.promised.round > state.maxRound ? changedProposer(state, { maxRound: reply.promised.round }) : state;
    if (!seen.ballot || !sameBallot(seen.ballot, reply.ballot)) return { state: seen };
    switch (reply.kind) {
      case 'reject':
        return { state: seen };
      case 'promise': {
        const acc = reply.lastAccepted;
        const higher = acc && (!seen.promiserAccMax || compareBallots(acc.ballot, seen.promiserAccMax.ballot) > 0);
        const known = seen.promisers.includes(reply.from);
        // A promise heard before that reports nothing higher changes nothing.
        if (known && !higher) return { state: seen };
        const promisers = known ? seen.promisers : appended(seen.promisers, reply.from);
        return { state: changedProposer(seen, { promisers, promiserAccMax: higher ? acc : seen.promiserAccMax }) };
      }
      case 'accepted': {
        const next = seen.acceptors.includes(reply.from) ? seen : changedProposer(seen, { acceptors: appended(seen.acceptors, reply.from) });
        return next.acceptors.length >= quorums.q2 ? { state: next, chosen: reply.value } : { state: next };
      }
    }
  },
  /** Phase 2 waits for a quorum of promises, so that the proposer knows every value that may be chosen. */
  readyToAccept: (state, quorums) => state.promisers.length >= quorums.q1,
  /**
   * P2c (Paxos Made Simple, section 2.2): the value of the highest-ballot acceptance among the
   * promisers, or else the proposer's own. Once one accept request is out, its value is fixed.
   */
  valueToPropose(state) {
    if (state.sentValue !== null) return state.sentValue;
    return state.promiserAccMax ? state.promiserAccMax.value : state.value;
  },
  /** The proposal in progress is lost; the highest round seen is kept (Paxos Made Simple, section 2.2). */
  onCrash: (state) => emptyProposer(state.maxRound),
};

/** The learner: a value is chosen once a quorum of distinct acceptors accepted it in one ballot. */
export const honestLearner: LearnerProgram = {
  name: 'learner',
  init: (): LearnerState => ({ choice: null, heard: {} }),
  onNotice: (state, notice, quorums, tally) => (tally.length >= quorums.q2 ? notice.value : state.choice),
  /** The choice is kept; the tallies, in memory, are lost. */
  onCrash: (state) => ({ choice: state.choice, heard: {} }),
};

/** The three honest programs: a node that keeps every rule. */
export const HONEST: NodePrograms = { proposer: honestProposer, acceptor: honestAcceptor, learner: honestLearner };
