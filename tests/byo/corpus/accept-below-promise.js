// An acceptor that checks its promise for promise requests only, and accepts any accept request, even below its promise.
import { compareBallots, honestAcceptor } from '@toy-paxos/shared';

export const acceptor = {
  ...honestAcceptor,
  name: 'acceptor accepting below its promise',
  onRequest(state, request) {
    if (request.kind === 'accept') return { kind: 'accepted' };
    if (compareBallots(request.ballot, state.promised) < 0) return { kind: 'reject', promised: state.promised };
    return { kind: 'promise', lastAccepted: state.accepted };
  },
  onAnswer(state, request, answer) {
    if (answer.kind === 'reject') return state;
    const promised = compareBallots(request.ballot, state.promised) > 0 ? request.ballot : state.promised;
    return request.kind === 'accept' ? { promised, accepted: { ballot: request.ballot, value: request.value } } : { ...state, promised };
  },
};
