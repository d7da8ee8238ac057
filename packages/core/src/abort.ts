/**
 * `AbortSignal` interop: Node's way to cancel, meeting asyncio's.
 *
 * Two directions:
 *
 * ```text
 *   AbortSignal  --abort-->  cancel()        sleep / waitFor / openConnection
 *                                            take { signal }; taskFromSignal
 *                                            makes a task the signal cancels
 *   Task.cancel() --abort--> AbortSignal     taskSignal(task) hands out a
 *                                            signal the task's first cancel()
 *                                            request aborts (give it to fetch,
 *                                            fs, timers/promises, ...)
 * ```
 *
 * WHAT an abort does: the future or task is cancelled as `cancel(msg)` would
 * (its awaiter sees `CancelledError`), with `msg` made from the signal's
 * reason ({@link abortMessage}). A signal already aborted cancels at once;
 * one that aborts later cancels when its `abort` event fires (synchronously
 * in `AbortController.abort()`, so a loop waiting for I/O or a timer is woken
 * as `callSoon` wakes it). The listener is removed when the future is done,
 * so a long-lived signal holds nothing. After the loop is closed an abort
 * does nothing.
 *
 * WHAT a cancel does to `taskSignal(task)`: the first `cancel()` request
 * aborts the controller with a `CancelledError` as its reason (listeners run
 * inside that `cancel()` call, as `AbortController.abort()` runs them). A
 * signal cannot be un-aborted: a task that later `uncancel()`s keeps an
 * aborted signal; ask {@link taskSignal} again for a fresh one.
 *
 * @packageDocumentation
 */
import { CancelledError, NotImplementedError, RuntimeError, isFuture, loopError } from '@loop/interfaces';
import type { CoroutineLike, CreateTaskOptions } from '@loop/interfaces';
import type { Future } from './futures.js';
import { reprValue } from './internal/format.js';
import { getRunningLoop } from './policies.js';
import { Task, currentTask, taskAborters } from './tasks.js';

/**
 * The cancellation message an abort gives: `aborted` and the reason (an
 * error as `Name: message`, anything else as `String(reason)`). A
 * `CancelledError` reason (a `taskSignal` of a cancelled task) passes its
 * message on unchanged.
 */
export function abortMessage(reason: unknown): string {
  if (reason instanceof CancelledError) return reason.message;
  if (reason instanceof Error) return `aborted: ${reason.name}: ${reason.message}`;
  let text: string;
  try {
    text = String(reason);
  } catch {
    text = '<unprintable reason>';
  }
  return `aborted: ${text}`;
}

/**
 * Checks an optional `signal` option: `undefined`/`null`, or an
 * `AbortSignal` (`TypeError` otherwise, naming `api`).
 *
 * @internal
 */
export function checkSignal(api: string, signal: unknown): AbortSignal | undefined {
  if (signal === undefined || signal === null) return undefined;
  if (!(signal instanceof AbortSignal)) {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}(): signal must be an AbortSignal, got ${reprValue(signal)}`);
  }
  return signal;
}

/**
 * Cancels `fut` when `signal` aborts (at once if it already has); the
 * listener goes when `fut` is done. `undefined`/`null` does nothing;
 * anything else but an `AbortSignal` is a `TypeError` naming `api`. Used by
 * every `signal` option; exported for capabilities that add one
 * (`@loop/net`'s `openConnection`).
 */
export function cancelOnAbort(fut: Future<unknown>, signal: AbortSignal | null | undefined, api = 'cancelOnAbort'): void {
  const s = checkSignal(api, signal);
  if (s === undefined || fut.done()) return;
  cancelWhenAborted(fut, s);
}

function cancelWhenAborted(fut: Future<unknown>, signal: AbortSignal): void {
  if (signal.aborted) {
    fut.cancel(abortMessage(signal.reason));
    return;
  }
  const onAbort = (): void => {
    if (!fut.done() && !fut.getLoop().isClosed()) fut.cancel(abortMessage(signal.reason));
  };
  signal.addEventListener('abort', onAbort, { once: true });
  fut.addDoneCallback(() => signal.removeEventListener('abort', onAbort));
}

/**
 * Creates a task of `coro` on the running loop (asyncio's `create_task`) that
 * `signal` cancels: at once if it is already aborted (the task then never
 * starts its body: its first step raises `CancelledError`), else when it
 * aborts. `RuntimeError` when no loop is running.
 *
 * ```ts
 * const controller = new AbortController();
 * const task = taskFromSignal(controller.signal, () => serve(reader, writer));
 * controller.abort(); // the task is cancelled
 * ```
 */
export function taskFromSignal<T>(signal: AbortSignal, coro: CoroutineLike<T>, options?: CreateTaskOptions | null): Task<T> {
  if (!(signal instanceof AbortSignal)) {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `taskFromSignal(): signal must be an AbortSignal, got ${reprValue(signal)}`);
  }
  const task = getRunningLoop().createTask(coro, options);
  cancelWhenAborted(task, signal);
  return task;
}

/**
 * An `AbortSignal` that `task`'s first `cancel()` request aborts (reason: a
 * `CancelledError` carrying the cancel message), for the Node APIs a task
 * calls: `fetch(url, { signal: taskSignal() })` stops the request when the
 * task is cancelled. `task` defaults to the current task (`RuntimeError`
 * outside one, `ERR_LOOP_NO_TASK`). The same signal is returned until it aborts; a task already
 * done (or cancelled) gets an aborted signal only if it was cancelled.
 */
export function taskSignal(task?: Task<unknown>): AbortSignal {
  let t = task;
  if (t === undefined) {
    const current = currentTask();
    if (current === null) {
      throw new RuntimeError('taskSignal() should be used inside a task (or given one)', { code: 'ERR_LOOP_NO_TASK' });
    }
    t = current;
  } else if (!isFuture(t) || typeof (t as Partial<Task<unknown>>).cancelling !== 'function') {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `taskSignal(): task must be a Task, got ${reprValue(t)}`);
  }
  if (!(t instanceof Task)) {
    // A task of a loop written against @loop/interfaces: its cancel() requests cannot be observed (D93).
    throw new NotImplementedError(`taskSignal(): ${reprValue(t)} is not a @loop/core Task; its cancel() cannot abort a signal`);
  }
  let controller = taskAborters.get(t);
  if (controller === undefined) {
    controller = new AbortController();
    if (t.cancelling() > 0 || t.cancelled()) controller.abort(new CancelledError(''));
    else if (!t.done()) taskAborters.set(t, controller);
  }
  return controller.signal;
}
