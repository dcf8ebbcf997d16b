// An acceptor that compares ballots by round only, so 1.A and 1.B count as the same ballot.
export const acceptor = {
  name: 'acceptor comparing rounds only',
  init() {
    return { promised: null, accepted: null };
  },
  onRequest(state, request) {
    const promised = state.promised ? state.promised.round : 0;
    if (request.ballot.round < promised) return { kind: 'reject', promised: state.promised };
    return request.kind === 'prepare' ? { kind: 'promise', lastAccepted: state.accepted } : { kind: 'accepted' };
  },
  onAnswer(state, request, answer) {
    if (answer.kind === 'reject') return state;
    const accepted = request.kind === 'accept' ? { ballot: request.ballot, value: request.value } : state.accepted;
    return { promised: request.ballot, accepted };
  },
  mayAnswerYes(state, request) {
    return !state.promised || request.ballot.round >= state.promised.round;
  },
  onCrash(state) {
    return state;
  },
};
