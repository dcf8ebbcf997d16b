// A proposer that re-reads promiser_acc_max for every accept request, so one ballot can carry two values.
import { honestProposer } from '@toy-paxos/shared';

export const proposer = {
  ...honestProposer,
  name: 'proposer changing its value mid-ballot',
  valueToPropose(state) {
    return state.promiserAccMax ? state.promiserAccMax.value : state.value;
  },
};
