// An acceptor that writes its promise to disk but keeps what it accepted in memory, so after a crash its promises report nothing.
import { honestAcceptor } from '@toy-paxos/shared';

export const acceptor = {
  ...honestAcceptor,
  name: 'acceptor forgetting its acceptance on crash',
  onCrash(state) {
    return { promised: state.promised, accepted: null };
  },
};
