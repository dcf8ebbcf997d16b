// A proposer that sends accept requests once q1 - 1 acceptors promised: an off-by-one in the quorum test.
import { honestProposer } from '@toy-paxos/shared';

export const proposer = {
  ...honestProposer,
  name: 'proposer with too small a quorum',
  readyToAccept(state, quorums) {
    return state.promisers.length >= quorums.q1 - 1;
  },
};
