export * from './problem.ts';
export * from './oip.ts';
export * from './events.ts';
export * from './auth.ts';
export * from './monitor.ts';
export * from './components.ts';
export * from './serving.ts';
