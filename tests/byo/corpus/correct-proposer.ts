// Correct: a proposer in TypeScript that keeps every promise it received and works out promiser_acc_max when asked.
import { compareBallots, sameBallot, type ProposerProgram, type ProposerState } from '@toy-paxos/shared';

const fresh = (maxRound: number): ProposerState => ({ ballot: null, value: null, promisers: [], promiserAccMax: null, acceptors: [], sentValue: null, maxRound });

export const proposer: ProposerProgram = {
  name: 'proposer from scratch',
  init: fresh,
  propose(state, ballot, value) {
    return { ...fresh(Math.max(state.maxRound, ballot.round)), ballot, value };
  },
  onReply(state, reply, quorums) {
    const maxRound = reply.kind === 'reject' ? Math.max(state.maxRound, reply.promised.round) : state.maxRound;
    const seen = { ...state, maxRound };
    if (!sameBallot(state.ballot, reply.ballot) || reply.kind === 'reject') return { state: seen };
    if (reply.kind === 'promise') {
      if (seen.promisers.includes(reply.from)) return { state: seen };
      const best = [seen.promiserAccMax, reply.lastAccepted].filter((a) => a !== null).sort((a, b) => compareBallots(b!.ballot, a!.ballot))[0] ?? null;
      return { state: { ...seen, promisers: [...seen.promisers, reply.from], promiserAccMax: best } };
    }
    const acceptors = seen.acceptors.includes(reply.from) ? seen.acceptors : [...seen.acceptors, reply.from];
    const next = { ...seen, acceptors };
    return acceptors.length >= quorums.q2 ? { state: next, chosen: reply.value } : { state: next };
  },
  readyToAccept(state, quorums) {
    return state.promisers.length >= quorums.q1;
  },
  valueToPropose(state) {
    return state.sentValue ?? state.promiserAccMax?.value ?? state.value;
  },
  onCrash(state) {
    return fresh(state.maxRound);
  },
};
