/**
 * The scheduling contracts: handles, futures, tasks, contexts, the exception
 * handler's context, and the part of the event loop that every loop has.
 *
 * Semantics are asyncio's (Python 3.11), spelled by the mapping rules of
 * `docs/asyncio-mapping.md`. Implementations (in `@loop/core`) do not
 * restate them.
 *
 * @packageDocumentation
 */

import type { FUTURE_BLOCKING } from './running.js';

/**
 * A coroutine: a generator that yields the futures it waits on. `yield* fut`
 * yields `fut` while it is pending and evaluates to its result; a bare `yield`
 * (yielding `null` or `undefined`) gives up one loop iteration, as asyncio's
 * bare `yield` / `sleep(0)` does. Yielding anything else makes the task fail
 * with a `RuntimeError` naming the value.
 */
export type Coroutine<T = unknown> = Generator<Future<unknown> | null | undefined, T, unknown>;

/** What a task can drive: a coroutine, or a function returning a coroutine or a promise. */
export type CoroutineLike<T = unknown> = Coroutine<T> | (() => Coroutine<T> | PromiseLike<T>);

/** Anything `runUntilComplete` and the helpers accept. */
export type Awaitable<T = unknown> = Future<T> | CoroutineLike<T> | PromiseLike<T>;

/**
 * Whether `value` is a promise-like: an object or function with a callable
 * `then` (the test `await` applies). Structural, so promises of another realm
 * and thenables that are not `Promise`s count.
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * A contextvars `Context`: a mapping of context variables to values. Every
 * callback and task runs in a context; `run` enters it for the duration of
 * `fn`. Entering a context that is already entered throws `RuntimeError`.
 */
export interface Context {
  /** Runs `fn(...args)` with this context current and returns its result. */
  run<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): R;
  /** A shallow copy: same values, independent from now on. */
  copy(): Context;
}

/** A callback scheduled on a loop: `callSoon` returns one. */
export interface Handle {
  /**
   * Cancels the callback. Idempotent; a cancelled callback never runs. A
   * callback that already ran is not affected.
   */
  cancel(): void;
  /** Whether `cancel()` was called. */
  cancelled(): boolean;
  /** The context the callback runs in. */
  getContext(): Context;
}

/** A callback scheduled for a time: `callLater` and `callAt` return one. */
export interface TimerHandle extends Handle {
  /** The loop time, in seconds, at which the callback is due. */
  when(): number;
}

/** The states of a future. `pending -> finished` or `pending -> cancelled`, once. */
export type FutureState = 'pending' | 'cancelled' | 'finished';

/** Options of `Future.addDoneCallback`. */
export interface DoneCallbackOptions {
  /** The context the callback runs in; the current one when omitted. */
  context?: Context;
}

/**
 * An asyncio `Future`: a result that will be set once. A `PromiseLike` (so
 * `await fut` works) and iterable (so a coroutine can `yield* fut`).
 *
 * Done callbacks are always scheduled with the loop's `callSoon` when the
 * future completes (or when added to a future already done), never called
 * inline.
 */
export interface Future<T = unknown> extends PromiseLike<T> {
  /** The result; throws the exception if one was set, `CancelledError` if cancelled, `InvalidStateError` if pending. */
  result(): T;
  /** The exception, or `null`; throws `CancelledError` if cancelled, `InvalidStateError` if pending. */
  exception(): unknown;
  /** Whether the future is finished or cancelled. */
  done(): boolean;
  /** Whether the future was cancelled. */
  cancelled(): boolean;
  /** Schedules `cb(this)` with `callSoon` once the future is done. */
  addDoneCallback(cb: (fut: this) => void, options?: DoneCallbackOptions): void;
  /** Removes every registration of `cb`; returns how many were removed. */
  removeDoneCallback(cb: (fut: this) => void): number;
  /** Marks the future done with a result; `InvalidStateError` when already done. */
  setResult(value: T): void;
  /** Marks the future done with an exception; `InvalidStateError` when already done. */
  setException(exception: unknown): void;
  /**
   * Cancels the future and schedules its callbacks. Returns `false` when it
   * was already done. The `CancelledError` that results carries `msg`.
   */
  cancel(msg?: string): boolean;
  /** The loop the future is bound to. */
  getLoop(): SchedulingLoop;
  /** `yield* fut`: yields the future while it is pending, then evaluates to its result. */
  [Symbol.iterator](): Generator<Future<T>, T, unknown>;
  /**
   * asyncio's `_asyncio_future_blocking` (see `FUTURE_BLOCKING`): set by the
   * iterator just before it yields the future, cleared by the task that
   * waits on it. Its presence is what makes an object a future (`isFuture`).
   */
  [FUTURE_BLOCKING]: boolean;
}

/**
 * An asyncio `Task`: a future that drives a coroutine (step by step, one loop
 * callback per step) or an async function.
 */
export interface Task<T = unknown> extends Future<T> {
  /** The task's name (`Task-N` unless given). */
  getName(): string;
  /** Renames the task. */
  setName(name: string): void;
  /** The coroutine or function the task drives. */
  getCoro(): CoroutineLike<T> | Coroutine<T> | PromiseLike<T>;
  /** The context the task's code runs in. */
  getContext(): Context;
  /** How many cancellation requests are pending (never reset automatically). */
  cancelling(): number;
  /** Decrements the cancellation request count and returns it. */
  uncancel(): number;
}

/** Options of `createTask`. */
export interface CreateTaskOptions {
  /** The task's name. */
  name?: string;
  /** The context the task runs in; a copy of the current one when omitted. */
  context?: Context;
}

/** What a task factory receives: the options object always, fields `undefined` when not given. */
export type TaskFactory = (loop: SchedulingLoop, coro: CoroutineLike<unknown>, options: CreateTaskOptions) => Future<unknown>;

/**
 * The context given to the exception handler. `message` is always set; the
 * other keys are present when they apply.
 */
export interface ExceptionContext {
  /** What went wrong, in words; always present. */
  message: string;
  /** The exception raised, if any. */
  exception?: unknown;
  /** The future whose exception was never retrieved. */
  future?: Future<unknown>;
  /** The task whose exception was never retrieved, or that was destroyed while pending. */
  task?: Task<unknown>;
  /** The callback handle that raised. */
  handle?: Handle;
  /** The protocol whose callback raised. */
  protocol?: unknown;
  /** The transport concerned. */
  transport?: unknown;
  /** The socket concerned. */
  socket?: unknown;
  /** The asynchronous generator concerned. */
  asyncgen?: unknown;
  /** In debug mode: where the object in question was created. */
  source_traceback?: string;
  [key: string]: unknown;
}

/** A custom exception handler: `setExceptionHandler(handler)`. */
export type ExceptionHandler = (loop: SchedulingLoop, context: ExceptionContext) => void;

/**
 * The scheduling part of an event loop: what every loop has, with or without
 * I/O. `@loop/core`'s `BaseEventLoop` implements it.
 */
export interface SchedulingLoop {
  /** Runs the loop until `stop()` is called (`run_forever`). */
  runForever(): Promise<void>;
  /** Runs the loop until `future` is done and returns its result (`run_until_complete`). */
  runUntilComplete<T>(future: Awaitable<T>): Promise<T>;
  /** Stops the loop after the current iteration. */
  stop(): void;
  /** Whether the loop is running. */
  isRunning(): boolean;
  /** Whether the loop was closed. */
  isClosed(): boolean;
  /** Closes the loop; it must not be running. */
  close(): void;
  /** Closes the asynchronous generators still open (`shutdown_asyncgens`). */
  shutdownAsyncgens(): Promise<void>;
  /** Schedules `callback(...args)` on the next iteration (`call_soon`). */
  callSoon<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): Handle;
  /** Like `callSoon`, callable from another thread; wakes the loop. */
  callSoonThreadsafe<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): Handle;
  /** Schedules `callback(...args)` after `delay` seconds (`call_later`). */
  callLater<A extends unknown[]>(delay: number, callback: (...args: A) => unknown, ...args: A): TimerHandle;
  /** Schedules `callback(...args)` at loop time `when` (`call_at`). */
  callAt<A extends unknown[]>(when: number, callback: (...args: A) => unknown, ...args: A): TimerHandle;
  /** The loop's monotonic clock, in seconds. */
  time(): number;
  /** A new future attached to this loop. */
  createFuture<T = unknown>(): Future<T>;
  /** Wraps `coro` in a task scheduled on this loop (`create_task`). */
  createTask<T>(coro: CoroutineLike<T>, options?: CreateTaskOptions): Task<T>;
  /** Sets the factory `createTask` uses, or `null` for the default. */
  setTaskFactory(factory: TaskFactory | null): void;
  /** The task factory, or `null` for the default. */
  getTaskFactory(): TaskFactory | null;
  /** Sets the handler `callExceptionHandler` calls, or `null` for the default. */
  setExceptionHandler(handler: ExceptionHandler | null): void;
  /** The custom exception handler, or `null`. */
  getExceptionHandler(): ExceptionHandler | null;
  /** Logs `context` the way asyncio's default handler does. */
  defaultExceptionHandler(context: ExceptionContext): void;
  /** Passes `context` to the custom handler, or to the default one. */
  callExceptionHandler(context: ExceptionContext): void;
  /** Whether debug mode is on. */
  getDebug(): boolean;
  /** Turns debug mode on or off. */
  setDebug(enabled: boolean): void;
  /** In debug mode, callbacks slower than this many seconds are logged. */
  slowCallbackDuration: number;
}
