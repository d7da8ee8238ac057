/**
 * Event loop policies: what `getEventLoop`, `setEventLoop` and `newEventLoop`
 * delegate to (asyncio's `AbstractEventLoopPolicy`). `@loop/core`'s
 * `DefaultEventLoopPolicy` makes `BaseEventLoop`s; `@loop/asyncio` exports one
 * that makes fully composed loops. Node has one thread per isolate, so a
 * policy holds one current loop (asyncio's per-thread loop for the main
 * thread).
 *
 * @packageDocumentation
 */

import { NotImplementedError } from './errors.js';
import type { SchedulingLoop } from './events.js';
import { brand } from './internal/brand.js';

/** The policy contract. `L` is the kind of loop the policy makes. */
export interface EventLoopPolicy<L extends SchedulingLoop = SchedulingLoop> {
  /**
   * The current loop. If none was ever set, creates one with
   * `newEventLoop()`, makes it current and returns it (asyncio's behaviour in
   * the main thread); once `setEventLoop(null)` was called, throws
   * `RuntimeError` (`There is no current event loop`) until a loop is set.
   * Not the same as `getRunningLoop()`: a current loop need not run.
   */
  getEventLoop(): L;
  /**
   * Makes `loop` the current loop, or clears it with `null`.
   *
   * @throws TypeError when `loop` is neither a loop nor `null`.
   */
  setEventLoop(loop: L | null): void;
  /** Creates and returns a new loop; does not make it current. */
  newEventLoop(): L;
}

function notImplemented(self: object, method: string): NotImplementedError {
  return new NotImplementedError(`${self.constructor.name}.${method}() is not implemented; a policy must override it`);
}

/**
 * A base for policies: every method throws `NotImplementedError`
 * (`ERR_LOOP_NOT_IMPLEMENTED`) naming the class and the method. Subclass it
 * and override all three.
 */
export abstract class AbstractEventLoopPolicy<L extends SchedulingLoop = SchedulingLoop> implements EventLoopPolicy<L> {
  /** @throws NotImplementedError unless overridden. */
  getEventLoop(): L {
    throw notImplemented(this, 'getEventLoop');
  }

  /** @throws NotImplementedError unless overridden. */
  setEventLoop(_loop: L | null): void {
    throw notImplemented(this, 'setEventLoop');
  }

  /** @throws NotImplementedError unless overridden. */
  newEventLoop(): L {
    throw notImplemented(this, 'newEventLoop');
  }
}

brand(AbstractEventLoopPolicy, '@loop/interfaces:AbstractEventLoopPolicy');
