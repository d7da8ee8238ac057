/**
 * MicroLoop, a small event loop written against `@loop/interfaces` alone: see
 * `micro-loop.ts` for what a third-party loop must do to be a @loop loop, and
 * `kit-target.mjs` for how the conformance kit runs it.
 *
 * @packageDocumentation
 */
export { MicroHandle, MicroLoop, MicroTimerHandle } from './micro-loop.js';
export type { Clock, MicroLoopOptions } from './micro-loop.js';
export { MicroContext, MicroFuture, MicroTask, isCoroutine } from './micro-future.js';
export type { MicroFutureLoop } from './micro-future.js';
