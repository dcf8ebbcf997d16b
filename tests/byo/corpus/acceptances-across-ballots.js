// A proposer that keeps counting acceptances from its earlier ballot when it starts a new one, so it learns a value too early.
// check: --rounds 2
import { honestProposer } from '@toy-paxos/shared';

export const proposer = {
  ...honestProposer,
  name: 'proposer counting acceptances across ballots',
  propose(state, ballot, value) {
    return { ...honestProposer.propose(state, ballot, value), acceptors: state.acceptors };
  },
};
