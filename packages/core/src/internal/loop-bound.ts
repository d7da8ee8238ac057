/**
 * asyncio's `mixins._LoopBoundMixin`: a synchronisation primitive or queue
 * binds to the running loop the first time it needs one (to make a future),
 * and refuses any other loop afterwards.
 *
 * @packageDocumentation
 */
import { peekRunningLoop, RuntimeError } from '@loop/interfaces';
import type { BaseEventLoop } from '../base-event-loop.js';

/** @internal The base of `Lock`, `Event`, `Condition`, `Semaphore`, `Barrier` and `Queue`. */
export abstract class LoopBound {
  #loop: BaseEventLoop | null = null;

  /** @internal asyncio's repr of the object. */
  abstract toString(): string;

  /**
   * @internal The running loop, binding to it on first use.
   * `RuntimeError` (`ERR_LOOP_BOUND_TO_OTHER_LOOP`) when bound to another.
   */
  _getLoop(): BaseEventLoop {
    const loop = peekRunningLoop() as BaseEventLoop | null;
    if (loop === null) throw new RuntimeError('no running event loop', { code: 'ERR_LOOP_NO_RUNNING_LOOP' });
    this.#loop ??= loop;
    if (loop !== this.#loop) {
      throw new RuntimeError(`${this.toString()} is bound to a different event loop`, { code: 'ERR_LOOP_BOUND_TO_OTHER_LOOP' });
    }
    return loop;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
