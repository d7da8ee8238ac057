/**
 * `@loop/interfaces`: the contracts of @loop. No runtime dependency beyond
 * the language; Node built-ins appear as types only.
 *
 * @packageDocumentation
 */
export * from './errors.js';
export * from './error-codes.js';
export * from './system-errors.js';
export * from './messages.js';
export * from './options.js';
export * from './events.js';
export * from './sockets.js';
export * from './protocols.js';
export * from './transports.js';
export * from './server.js';
export * from './executor.js';
export * from './policy.js';
export * from './loop-methods.js';
export * from './capabilities.js';
export * from './backend.js';
export * from './abstract-event-loop.js';
export type { Clock } from './clock.js';
export { nodeProcess } from './node-process.js';
export * from './running.js';
