// Correct: an acceptor written from scratch in JavaScript, comparing ballots by hand (round, then node).
const below = (a, b) => b !== null && (a.round < b.round || (a.round === b.round && a.node < b.node));

export const acceptor = {
  name: 'acceptor from scratch',
  init() {
    return { promised: null, accepted: null };
  },
  onRequest(state, request) {
    if (below(request.ballot, state.promised)) return { kind: 'reject', promised: state.promised };
    if (request.kind === 'prepare') return { kind: 'promise', lastAccepted: state.accepted };
    return { kind: 'accepted' };
  },
  onAnswer(state, request, answer) {
    if (answer.kind === 'reject') return state;
    const promised = below(state.promised ?? request.ballot, request.ballot) || state.promised === null ? request.ballot : state.promised;
    if (request.kind === 'accept') return { promised, accepted: { ballot: request.ballot, value: request.value } };
    return { promised, accepted: state.accepted };
  },
  mayAnswerYes(state, request) {
    return !below(request.ballot, state.promised);
  },
  onCrash(state) {
    return state;
  },
};
