// A proposer that adopts the value reported by the first promise to arrive and ignores the values in later promises.
import { honestProposer, sameBallot } from '@toy-paxos/shared';

export const proposer = {
  ...honestProposer,
  name: 'proposer trusting the first promise',
  onReply(state, reply, quorums) {
    if (reply.kind !== 'promise' || !sameBallot(state.ballot, reply.ballot)) return honestProposer.onReply(state, reply, quorums);
    const first = state.promisers.length === 0;
    const promisers = state.promisers.includes(reply.from) ? state.promisers : [...state.promisers, reply.from];
    return { state: { ...state, promisers, promiserAccMax: first ? reply.lastAccepted : state.promiserAccMax } };
  },
};
