export * from './types';
export * from './registry';
export { singleDecree, isSingleMessage } from './single';
export { multiPaxos, multiNodeIn, slotsChosen } from './multi';
export { messageRole, byMessageKind, isProtocolEvent, isProtocolCommand, startsBallot, networkMove, type MessageRole } from './kinds';
