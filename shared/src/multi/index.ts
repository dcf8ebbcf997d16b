export * from './types';
export * from './state';
export * from './kv';
export * from './programs';
export * from './monitor';
export { applyMulti, crashMulti, deliverMulti, multiNoticeTargets } from './apply';
export { decideMulti, multiReply, multiSettingsProblem, refuseOutsideMulti } from './decide';
export * from './leader';
export { describeMulti, isMultiDescribed, type MultiBody, type MultiDescribed } from './annotate';
