export * from './types';
export * from './state';
export * from './monitor';
export { applyMulti, crashMulti, deliverMulti, multiNoticeTargets, resetMulti, type MultiRoomEvent } from './apply';
export { decideMulti, leaderTop, multiReply, multiSettingsProblem, nextFreeSlot, pendingSlots, slotValue } from './decide';
export { describeMulti, isMultiDescribed, type MultiBody, type MultiDescribed } from './annotate';
