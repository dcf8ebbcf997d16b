// An acceptor that does not raise its promise when it accepts: an accept request of a higher ballot leaves acc_p where it was.
// check: --rounds 2 --no-crashes
import { compareBallots, honestAcceptor } from '@toy-paxos/shared';

export const acceptor = {
  ...honestAcceptor,
  name: 'acceptor not promising on accept',
  onAnswer(state, request, answer) {
    if (answer.kind === 'reject') return state;
    if (request.kind === 'accept') return { promised: state.promised, accepted: { ballot: request.ballot, value: request.value } };
    return compareBallots(request.ballot, state.promised) > 0 ? { ...state, promised: request.ballot } : state;
  },
};
