export * from './explore';
export * from './types';
export * from './key';
export * from './tla-paxos';
export * from './text';
export * from './schedule';
export { CompactRoom } from './compact';
export * from './node-check';
