// A proposer that keeps the value reported by the latest promise, not the highest: a promise reporting nothing wipes out a value reported before.
import { honestProposer, sameBallot } from '@toy-paxos/shared';

export const proposer = {
  ...honestProposer,
  name: 'proposer keeping the latest report',
  onReply(state, reply, quorums) {
    const step = honestProposer.onReply(state, reply, quorums);
    if (reply.kind !== 'promise' || !sameBallot(state.ballot, reply.ballot)) return step;
    return { state: { ...step.state, promiserAccMax: reply.lastAccepted } };
  },
};
