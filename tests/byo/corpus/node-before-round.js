// An acceptor that orders ballots by node name first and round second, so 2.A counts as lower than 1.B.
// check: --rounds 2 --no-crashes
const before = (a, b) => (a.node !== b.node ? a.node < b.node : a.round < b.round);

export const acceptor = {
  name: 'acceptor ordering ballots by node first',
  init() {
    return { promised: null, accepted: null };
  },
  onRequest(state, request) {
    if (state.promised && before(request.ballot, state.promised)) return { kind: 'reject', promised: state.promised };
    return request.kind === 'prepare' ? { kind: 'promise', lastAccepted: state.accepted } : { kind: 'accepted' };
  },
  onAnswer(state, request, answer) {
    if (answer.kind === 'reject') return state;
    const promised = state.promised && before(request.ballot, state.promised) ? state.promised : request.ballot;
    return { promised, accepted: request.kind === 'accept' ? { ballot: request.ballot, value: request.value } : state.accepted };
  },
  mayAnswerYes(state, request) {
    return !state.promised || !before(request.ballot, state.promised);
  },
  onCrash(state) {
    return state;
  },
};
