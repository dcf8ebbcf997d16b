export * from './types';
export * from './state';
export * from './monitor';
export { applyMulti, crashMulti, deliverMulti, multiNoticeTargets, resetMulti, type MultiRoomEvent } from './apply';
export { decideMulti, multiReply, multiSettingsProblem } from './decide';
export * from './leader';
export { describeMulti, isMultiDescribed, type MultiBody, type MultiDescribed } from './annotate';
