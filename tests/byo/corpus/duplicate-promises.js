// A proposer that counts promises, not promisers: the same acceptor's promise, sent again, counts twice towards the quorum.
import { compareBallots, honestProposer, sameBallot } from '@toy-paxos/shared';

export const proposer = {
  ...honestProposer,
  name: 'proposer counting duplicate promises',
  onReply(state, reply, quorums) {
    if (reply.kind !== 'promise' || !sameBallot(state.ballot, reply.ballot)) return honestProposer.onReply(state, reply, quorums);
    const acc = reply.lastAccepted;
    const higher = acc && (!state.promiserAccMax || compareBallots(acc.ballot, state.promiserAccMax.ballot) > 0);
    return { state: { ...state, promisers: [...state.promisers, reply.from], promiserAccMax: higher ? acc : state.promiserAccMax } };
  },
};
