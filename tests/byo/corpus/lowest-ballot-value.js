// A proposer whose comparison is the wrong way round: it adopts the value of the lowest-ballot acceptance reported.
// check: --rounds 2 --no-crashes
import { compareBallots, honestProposer, sameBallot } from '@toy-paxos/shared';

export const proposer = {
  ...honestProposer,
  name: 'proposer adopting the lowest ballot',
  onReply(state, reply, quorums) {
    if (reply.kind !== 'promise' || !sameBallot(state.ballot, reply.ballot)) return honestProposer.onReply(state, reply, quorums);
    const acc = reply.lastAccepted;
    const promisers = state.promisers.includes(reply.from) ? state.promisers : [...state.promisers, reply.from];
    const lower = acc && (!state.promiserAccMax || compareBallots(acc.ballot, state.promiserAccMax.ballot) < 0);
    return { state: { ...state, promisers, promiserAccMax: lower ? acc : state.promiserAccMax } };
  },
};
