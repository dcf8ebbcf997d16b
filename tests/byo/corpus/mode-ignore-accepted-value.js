// The rule-breaking mode ignoreAcceptedValue as code: the proposer always sends its own value, never promiser_acc_max (P2c).
// same as: rule ignoreAcceptedValue
import { honestProposer } from '@toy-paxos/shared';

export const proposer = {
  ...honestProposer,
  name: 'proposer sending its own value',
  valueToPropose(state) {
    return state.sentValue ?? state.value;
  },
};
