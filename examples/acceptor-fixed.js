// The first try at an acceptor with its bug fixed (docs/BRING-YOUR-OWN-NODE.md): a crash keeps the promise too.
import { compareBallots } from '@toy-paxos/shared';

export const acceptor = {
  name: 'fixed',
  init() {
    return { promised: null, accepted: null };
  },
  onRequest(state, request) {
    if (compareBallots(request.ballot, state.promised) < 0) return { kind: 'reject', promised: state.promised };
    return request.kind === 'prepare' ? { kind: 'promise', lastAccepted: state.accepted } : { kind: 'accepted' };
  },
  onAnswer(state, request, answer) {
    if (answer.kind === 'reject') return state;
    const promised = compareBallots(request.ballot, state.promised) > 0 ? request.ballot : state.promised;
    const accepted = request.kind === 'accept' ? { ballot: request.ballot, value: request.value } : state.accepted;
    return { promised, accepted };
  },
  mayAnswerYes(state, request) {
    return compareBallots(request.ballot, state.promised) >= 0;
  },
  // Promises and acceptances are both on stable storage: a crash keeps them.
  onCrash(state) {
    return state;
  },
};
