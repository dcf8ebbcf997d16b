// An acceptor that writes its acceptance to disk but keeps its promise in memory, so a crash forgets what it promised.
import { honestAcceptor } from '@toy-paxos/shared';

export const acceptor = {
  ...honestAcceptor,
  name: 'acceptor forgetting its promise on crash',
  onCrash(state) {
    return { promised: state.accepted ? state.accepted.ballot : null, accepted: state.accepted };
  },
};
