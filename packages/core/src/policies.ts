/**
 * Event loop policies and loop discovery: `getEventLoop`, `setEventLoop`,
 * `newEventLoop`, `getRunningLoop`, `getEventLoopPolicy`,
 * `setEventLoopPolicy` — asyncio 3.11's semantics.
 *
 * The default policy keeps one current loop per thread (per worker thread
 * in Node: each has its own module instance). In the main thread,
 * `getEventLoop()` creates one on first use; in a worker it does not.
 *
 * @packageDocumentation
 */
import { isMainThread, threadId } from 'node:worker_threads';
import { loopError, peekRunningLoop, RuntimeError } from '@loop/interfaces';
import type { SchedulingLoop } from '@loop/interfaces';
import { G } from './internal/globals.js';
import { reprValue } from './internal/format.js';
import type { BaseEventLoop } from './base-event-loop.js';

/** A policy: which loop is current, and how new ones are made. */
export interface EventLoopPolicy<L = BaseEventLoop> {
  /** The current loop of this context, made on first use in the main thread. */
  getEventLoop(): L;
  /** Makes `loop` current (`null`: none). */
  setEventLoop(loop: L | null): void;
  /** A new loop from the policy's factory. */
  newEventLoop(): L;
}

/** @internal Whether `value` is an event loop of any kind (the duck test: `runForever` and `callSoon`). */
export function isLoop(value: unknown): value is SchedulingLoop {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as BaseEventLoop).runForever === 'function' &&
    typeof (value as BaseEventLoop).callSoon === 'function'
  );
}

function threadName(): string {
  return isMainThread ? 'MainThread' : `Thread-${threadId}`;
}

/**
 * Sets what the default policy's `newEventLoop()` makes when the policy was
 * given no factory of its own: `@loop/core` registers `new BaseEventLoop()`
 * (only if nothing else did), `@loop/asyncio` its full default loop. Shared
 * by the ESM and CommonJS builds. `TypeError` for a non-function.
 */
export function setDefaultLoopFactory(factory: () => BaseEventLoop): void {
  if (typeof factory !== 'function') {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `setDefaultLoopFactory(): factory must be a function, got ${reprValue(factory)}`);
  }
  G.loopFactory = factory;
}

/** @internal core's own registration: a BaseEventLoop, unless a factory is already set. */
export function _setDefaultLoopFactory(factory: () => BaseEventLoop): void {
  G.loopFactory ??= factory;
}

/**
 * asyncio's `BaseDefaultEventLoopPolicy`: a current loop per thread; makes
 * loops with `loopFactory` (a `BaseEventLoop` by default).
 */
export class DefaultEventLoopPolicy<L extends object = BaseEventLoop> implements EventLoopPolicy<L> {
  #loop: L | null = null;
  #setCalled = false;
  readonly #factory: (() => L) | null;

  /** `factory` makes the loops of `newEventLoop()`; `@loop/asyncio` passes its full loop. */
  constructor(factory?: () => L) {
    if (factory !== undefined && typeof factory !== 'function') {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `DefaultEventLoopPolicy(): factory must be a function, got ${reprValue(factory)}`);
    }
    this.#factory = factory ?? null;
  }

  /**
   * The current loop. In the main thread, creates and sets one the first time
   * if `setEventLoop` was never called; otherwise `RuntimeError`.
   */
  getEventLoop(): L {
    if (this.#loop === null && !this.#setCalled && isMainThread) this.setEventLoop(this.newEventLoop());
    if (this.#loop === null) {
      throw new RuntimeError(`There is no current event loop in thread '${threadName()}'.`, {
        code: 'ERR_LOOP_NO_CURRENT_LOOP',
      });
    }
    return this.#loop;
  }

  /** Sets the current loop (`null` clears it). `TypeError` for a non-loop. */
  setEventLoop(loop: L | null): void {
    if (loop !== null && !isLoop(loop)) {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `setEventLoop(): loop must be an event loop or null, not ${reprValue(loop)}`);
    }
    this.#setCalled = true;
    this.#loop = loop;
  }

  /** A new loop; it is not made current. */
  newEventLoop(): L {
    if (this.#factory !== null) return this.#factory();
    if (G.loopFactory == null) throw new RuntimeError('newEventLoop(): no loop factory is registered');
    return G.loopFactory() as L;
  }
}

/** The current policy (a `DefaultEventLoopPolicy` unless one was set). */
export function getEventLoopPolicy(): EventLoopPolicy<any> {
  return (G.policy ??= new DefaultEventLoopPolicy()) as EventLoopPolicy<any>;
}

/** Sets the policy; `null` restores the default. `TypeError` for a non-policy. */
export function setEventLoopPolicy(policy: EventLoopPolicy<any> | null): void {
  if (
    policy !== null &&
    (typeof policy !== 'object' ||
      typeof policy.getEventLoop !== 'function' ||
      typeof policy.setEventLoop !== 'function' ||
      typeof policy.newEventLoop !== 'function')
  ) {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `setEventLoopPolicy(): policy must be an EventLoopPolicy or null, not ${reprValue(policy)}`);
  }
  G.policy = policy;
}

/** The running loop; `RuntimeError('no running event loop')` when none runs. */
export function getRunningLoop(): BaseEventLoop {
  const loop = peekRunningLoop() as BaseEventLoop | null;
  if (loop === null) throw new RuntimeError('no running event loop', { code: 'ERR_LOOP_NO_RUNNING_LOOP' });
  return loop;
}

/** The running loop if any, else the policy's current loop. */
export function getEventLoop(): BaseEventLoop {
  const running = peekRunningLoop() as BaseEventLoop | null;
  if (running !== null) return running;
  return getEventLoopPolicy().getEventLoop() as BaseEventLoop;
}

/** Sets the policy's current loop. */
export function setEventLoop(loop: BaseEventLoop | null): void {
  getEventLoopPolicy().setEventLoop(loop);
}

/** A new loop from the policy (not made current). */
export function newEventLoop(): BaseEventLoop {
  return getEventLoopPolicy().newEventLoop() as BaseEventLoop;
}
