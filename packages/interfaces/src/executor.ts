/**
 * Executors: where `runInExecutor` runs blocking or CPU-bound work (Python's
 * `concurrent.futures.Executor`). `@loop/core` provides `ThreadPoolExecutor`
 * (worker threads) and `ProcessPoolExecutor` (child processes); any object of
 * this shape works.
 *
 * A work item crosses a thread or process boundary, so it is either a
 * self-contained function (its source is sent; a function that closes over
 * outer variables fails with a `TypeError` that says so) or a
 * {@link WorkReference} to an exported function.
 *
 * @packageDocumentation
 */

/**
 * A function named by module and export, loaded by the worker:
 * `{ module: '/abs/path/work.js', export: 'hash' }`. `module` is an absolute
 * path, a `file:` URL or a package name (resolved from the current working
 * directory).
 */
export interface WorkReference {
  /** An absolute path, a `file:` URL or a package name. */
  module: string;
  /** The name of the exported function (`'default'` for the default export). */
  export: string;
}

/**
 * A submission that can be withdrawn before it starts, as
 * `concurrent.futures.Future.cancel()`. An executor's `submit` should return
 * one: `runInExecutor` calls `cancel()` when its loop future is cancelled.
 */
export interface CancellableWork<T> extends PromiseLike<T> {
  /**
   * Withdraws the work if it has not started: returns `true` and the work
   * never runs (the promise rejects with `CancelledError`). Returns `false`
   * when it is running or done; it then completes normally. Idempotent.
   */
  cancel(): boolean;
}

/** Runs functions elsewhere (threads, processes) and reports their results. */
export interface Executor {
  /**
   * Schedules `fn(...args)` and returns a promise-like of its result (awaited
   * when it is a promise). Work items start in submission order. Every
   * failure — the function's, a function that is not self-contained, an
   * executor already shut down (`RuntimeError`,
   * `cannot schedule new futures after shutdown`) — rejects the returned
   * promise-like; `submit` itself never throws. Should return a
   * {@link CancellableWork}.
   */
  submit<A extends unknown[], T>(fn: ((...args: A) => T | PromiseLike<T>) | WorkReference, ...args: A): PromiseLike<T>;
  /**
   * Stops accepting work and releases the workers once the submitted work is
   * done. With `wait` (the default, `true`), resolves when that has happened;
   * with `false`, resolves at once. Idempotent.
   */
  shutdown(wait?: boolean): Promise<void>;
}

/** Whether `value` is a {@link WorkReference}: an object with string `module` and `export`. */
export function isWorkReference(value: unknown): value is WorkReference {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { module?: unknown }).module === 'string' &&
    typeof (value as { export?: unknown }).export === 'string'
  );
}

/** Whether a submission can be withdrawn: a promise-like with a `cancel()` method. */
export function isCancellableWork<T>(work: PromiseLike<T>): work is CancellableWork<T> {
  return typeof (work as { cancel?: unknown }).cancel === 'function';
}
