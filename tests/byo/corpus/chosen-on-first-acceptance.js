// A proposer that announces its value chosen as soon as one acceptor accepts it, without waiting for a quorum.
import { honestProposer, sameBallot } from '@toy-paxos/shared';

export const proposer = {
  ...honestProposer,
  name: 'proposer announcing too early',
  onReply(state, reply, quorums) {
    const step = honestProposer.onReply(state, reply, quorums);
    return reply.kind === 'accepted' && sameBallot(state.ballot, reply.ballot) ? { state: step.state, chosen: reply.value } : step;
  },
};
