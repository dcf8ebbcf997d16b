export * from './types';
export * from './honest';
export * from './modes';
export * from './plain';
export * from './learner';
