/**
 * `@loop/interfaces`: the contracts of @loop.
 *
 * @packageDocumentation
 */
export * from './errors.js';
export * from './events.js';
