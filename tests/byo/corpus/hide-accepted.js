// An acceptor whose promises never report what it accepted (lastAccepted always null), so a new proposer cannot adopt it.
import { honestAcceptor } from '@toy-paxos/shared';

export const acceptor = {
  ...honestAcceptor,
  name: 'acceptor hiding its acceptance',
  onRequest(state, request) {
    const answer = honestAcceptor.onRequest(state, request);
    return answer.kind === 'promise' ? { kind: 'promise', lastAccepted: null } : answer;
  },
};
