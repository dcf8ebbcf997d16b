// A first try at an acceptor, written from scratch (docs/BRING-YOUR-OWN-NODE.md): it has a bug.
import { compareBallots } from '@toy-paxos/shared';

export const acceptor = {
  name: 'first try',
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
  // The acceptance is written to disk; the promise, I thought, can be made again.
  onCrash(state) {
    return { promised: null, accepted: state.accepted };
  },
};
