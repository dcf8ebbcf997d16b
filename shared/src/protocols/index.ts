export * from './types';
export * from './registry';
export { singleDecree, isSingleMessage } from './single';
export { multiPaxos, multiNodeIn, slotsChosen, hasSlots } from './multi';
