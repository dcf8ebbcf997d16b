// The rule-breaking mode forgetOnCrash as code: the acceptor keeps its promise and acceptance in memory only.
// same as: rule forgetOnCrash
import { honestAcceptor } from '@toy-paxos/shared';

export const acceptor = {
  ...honestAcceptor,
  name: 'acceptor without stable storage',
  onCrash() {
    return { promised: null, accepted: null };
  },
};
