// An acceptor that compares a request with the ballot it last accepted instead of the ballot it promised.
import { compareBallots, honestAcceptor } from '@toy-paxos/shared';

export const acceptor = {
  ...honestAcceptor,
  name: 'acceptor checking its acceptance, not its promise',
  onRequest(state, request) {
    const last = state.accepted ? state.accepted.ballot : null;
    if (compareBallots(request.ballot, last) < 0) return { kind: 'reject', promised: last };
    return request.kind === 'prepare' ? { kind: 'promise', lastAccepted: state.accepted } : { kind: 'accepted' };
  },
};
