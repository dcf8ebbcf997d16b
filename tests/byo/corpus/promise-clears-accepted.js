// An acceptor that clears last_accepted() when it makes a new promise, as if a promise started afresh.
// check: --rounds 2
import { honestAcceptor } from '@toy-paxos/shared';

export const acceptor = {
  ...honestAcceptor,
  name: 'acceptor forgetting its acceptance on a promise',
  onAnswer(state, request, answer) {
    const next = honestAcceptor.onAnswer(state, request, answer);
    return request.kind === 'prepare' && answer.kind === 'promise' ? { promised: next.promised, accepted: null } : next;
  },
};
