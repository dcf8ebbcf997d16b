// An acceptor whose promise reports the first value it accepted instead of the last: it never overwrites last_accepted().
// check: --rounds 2 --no-crashes
import { compareBallots, honestAcceptor } from '@toy-paxos/shared';

export const acceptor = {
  ...honestAcceptor,
  name: 'acceptor keeping its first acceptance',
  onAnswer(state, request, answer) {
    if (answer.kind === 'reject') return state;
    const promised = compareBallots(request.ballot, state.promised) > 0 ? request.ballot : state.promised;
    const accepted = request.kind === 'accept' && !state.accepted ? { ballot: request.ballot, value: request.value } : state.accepted;
    return { promised, accepted };
  },
};
