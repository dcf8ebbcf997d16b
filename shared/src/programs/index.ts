export * from './types';
export * from './honest';
export * from './modes';
