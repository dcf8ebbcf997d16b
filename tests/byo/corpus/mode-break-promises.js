// The rule-breaking mode breakPromises as code: the acceptor says yes to any request, below its promise too (P1a).
import { honestAcceptor } from '@toy-paxos/shared';

export const acceptor = {
  ...honestAcceptor,
  name: 'acceptor breaking its promises',
  onRequest(state, request) {
    return request.kind === 'prepare' ? { kind: 'promise', lastAccepted: state.accepted } : { kind: 'accepted' };
  },
  mayAnswerYes() {
    return true;
  },
};
