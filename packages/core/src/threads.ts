/**
 * asyncio's two bridges between the loop and other threads, as far as they
 * apply on Node, where a JavaScript object lives in one thread only:
 *
 * - {@link toThread}: `asyncio.to_thread(func, *args)`, the function run in
 *   the default executor's worker threads (a self-contained function or a
 *   `{ module, export }` reference; arguments and result cross by structured
 *   clone, and context variables do not cross: docs/deviations.md D81).
 * - {@link runCoroutineThreadsafe}: `asyncio.run_coroutine_threadsafe(coro,
 *   loop)`, for code of this thread that runs outside the loop (a Node
 *   callback, another loop's caller): the coroutine is scheduled with
 *   `callSoonThreadsafe` and the result comes back as a promise; an
 *   `AbortSignal` cancels the task where Python's `concurrent.futures.Future`
 *   has `cancel()` (D82).
 *
 * @packageDocumentation
 */
import { loopError } from '@loop/interfaces';
import type { Coroutine, SchedulingLoop, WorkReference } from '@loop/interfaces';
import type { BaseEventLoop } from './base-event-loop.js';
import type { Future } from './futures.js';
import { reprValue } from './internal/format.js';
import { getRunningLoop, isLoop } from './policies.js';
import { isCoroutine } from './tasks.js';
import { cancelOnAbort, checkSignal } from './abort.js';
import { cancelledErrorOf } from './task-helpers.js';

/**
 * Runs `func(...args)` in the running loop's default executor (worker
 * threads) and resolves to its result: `loop.runInExecutor(null, func,
 * ...args)` on the running loop (`RuntimeError` when none runs).
 */
export function toThread<A extends unknown[], T>(func: ((...args: A) => T | PromiseLike<T>) | WorkReference, ...args: A): Future<T> {
  return getRunningLoop().runInExecutor(null, func, ...args);
}

/** Options of {@link runCoroutineThreadsafe}. */
export interface RunCoroutineThreadsafeOptions {
  /** Cancels the coroutine's task when it aborts (Python: `future.cancel()`). */
  signal?: AbortSignal | null;
}

/**
 * Schedules `coro` (a coroutine, or a function returning one or a promise)
 * on `loop` from outside its callbacks and returns a promise of its result.
 * The task is created in the loop's next iteration (`callSoonThreadsafe`, so
 * an idle loop wakes); the promise rejects with what the task raised, a
 * `CancelledError` if it was cancelled. `TypeError` for anything that is not
 * a coroutine or a function, or when `loop` is not a loop.
 */
export function runCoroutineThreadsafe<T>(
  coro: Coroutine<T> | (() => Coroutine<T> | PromiseLike<T>),
  loop: BaseEventLoop | SchedulingLoop,
  options?: RunCoroutineThreadsafeOptions | null,
): Promise<T> {
  if (!isCoroutine(coro) && typeof coro !== 'function') {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `runCoroutineThreadsafe(): a coroutine object is required, got ${reprValue(coro)}`);
  }
  if (!isLoop(loop)) {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `runCoroutineThreadsafe(): loop must be an event loop, got ${reprValue(loop)}`);
  }
  const signal = checkSignal('runCoroutineThreadsafe', options?.signal);
  return new Promise<T>((resolve, reject) => {
    loop.callSoonThreadsafe(() => {
      let task: Future<T>;
      try {
        task = loop.createTask(coro) as unknown as Future<T>;
      } catch (error) {
        reject(error);
        return;
      }
      cancelOnAbort(task, signal);
      task.addDoneCallback((t) => {
        if (t.cancelled()) reject(cancelledErrorOf(t));
        else if (t.exception() !== null) reject(t.exception());
        else resolve(t.result());
      });
    });
  });
}
