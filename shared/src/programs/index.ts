export * from './types';
export * from './honest';
export * from './modes';
export * from './learner';
