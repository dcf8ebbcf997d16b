// A proposer that takes the highest value reported (Mango over Apple) instead of the value of the highest ballot.
// check: --rounds 2 --no-crashes
import { honestProposer, sameBallot } from '@toy-paxos/shared';

export const proposer = {
  ...honestProposer,
  name: 'proposer taking the highest value',
  onReply(state, reply, quorums) {
    if (reply.kind !== 'promise' || !sameBallot(state.ballot, reply.ballot)) return honestProposer.onReply(state, reply, quorums);
    const acc = reply.lastAccepted;
    const promisers = state.promisers.includes(reply.from) ? state.promisers : [...state.promisers, reply.from];
    const higher = acc && (!state.promiserAccMax || acc.value > state.promiserAccMax.value);
    return { state: { ...state, promisers, promiserAccMax: higher ? acc : state.promiserAccMax } };
  },
};
