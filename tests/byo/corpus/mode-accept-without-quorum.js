// The rule-breaking mode acceptWithoutQuorum as code: accept requests go out before a quorum has promised.
// same as: rule acceptWithoutQuorum
import { honestProposer } from '@toy-paxos/shared';

export const proposer = {
  ...honestProposer,
  name: 'proposer not waiting for promises',
  readyToAccept() {
    return true;
  },
};
