// A proposer that counts every reply to its accept requests as an acceptance, refusals too, and so announces a value chosen that is not.
import { honestProposer, sameBallot } from '@toy-paxos/shared';

export const proposer = {
  ...honestProposer,
  name: 'proposer counting refusals as acceptances',
  onReply(state, reply, quorums) {
    if (reply.kind !== 'reject' || reply.request !== 'accept' || !sameBallot(state.ballot, reply.ballot)) return honestProposer.onReply(state, reply, quorums);
    return honestProposer.onReply(state, { ...reply, kind: 'accepted', value: reply.value ?? state.sentValue }, quorums);
  },
};
