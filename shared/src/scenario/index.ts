export * from './parse';
export * from './run';
export * from './format';
export * from './steps';
export * from './words';
