// Correct: an acceptor and a proposer built from small named functions, the proposer counting with a Set.
import { compareBallots, honestProposer, sameBallot } from '@toy-paxos/shared';

function atLeastPromised(state, ballot) {
  return compareBallots(ballot, state.promised) >= 0;
}

function answerTo(state, request) {
  if (!atLeastPromised(state, request.ballot)) return { kind: 'reject', promised: state.promised };
  return request.kind === 'prepare' ? { kind: 'promise', lastAccepted: state.accepted } : { kind: 'accepted' };
}

function remember(state, request, answer) {
  if (answer.kind === 'reject') return state;
  const promised = compareBallots(request.ballot, state.promised) > 0 ? request.ballot : state.promised;
  return { promised, accepted: answer.kind === 'accepted' ? { ballot: request.ballot, value: request.value } : state.accepted };
}

export const acceptor = {
  name: 'acceptor of small functions',
  init: () => ({ promised: null, accepted: null }),
  onRequest: answerTo,
  onAnswer: remember,
  mayAnswerYes: atLeastPromised,
  onCrash: (state) => state,
};

function countAcceptance(state, reply, quorums) {
  const acceptors = [...new Set([...state.acceptors, reply.from])];
  const next = { ...state, acceptors };
  return acceptors.length >= quorums.q2 ? { state: next, chosen: reply.value } : { state: next };
}

export const proposer = {
  ...honestProposer,
  name: 'proposer counting with a Set',
  onReply(state, reply, quorums) {
    if (reply.kind === 'accepted' && sameBallot(state.ballot, reply.ballot)) return countAcceptance(state, reply, quorums);
    return honestProposer.onReply(state, reply, quorums);
  },
};
