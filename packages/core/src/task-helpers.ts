/**
 * The task helpers of asyncio's `tasks.py`: `ensureFuture`, `wrapFuture`,
 * `allTasks`, `gather`, `shield`, `wait`, `waitFor`, `asCompleted`.
 *
 * Each returns a loop `Future` (docs/asyncio-mapping.md, "Helpers return futures"), so it
 * works as `await gather(a, b)` in an async function and as
 * `yield* gather(a, b)` in a coroutine. They are written as futures driven
 * by done callbacks, not as coroutines run in a task of their own, so that a
 * task waiting on one wakes in the same iteration as it would in asyncio
 * (where `await wait(...)` runs the helper inline in the caller's task).
 *
 * Argument errors are thrown synchronously; failures of the work come
 * through the future. Helpers bind to the running loop, else to
 * `getEventLoop()`.
 *
 * @packageDocumentation
 */
import { CancelledError, isFuture, isThenable, loopError, optionsArg, allTasksOf, TimeoutError } from '@loop/interfaces';
import type { CoroutineLike, SchedulingLoop } from '@loop/interfaces';
import type { BaseEventLoop } from './base-event-loop.js';
import { checkSeconds } from './base-event-loop.js';
import { Future, isCoreFuture, isCoreLoop } from './futures.js';
import { reprValue } from './internal/format.js';
import { cancelOnAbort, checkSignal } from './abort.js';
import type { TimerHandle } from './handles.js';
import { getEventLoop, getRunningLoop } from './policies.js';
import { Task, isCoroutine } from './tasks.js';

/** `wait()`: return when any future finishes or is cancelled. */
export const FIRST_COMPLETED = 'FIRST_COMPLETED';
/** `wait()`: return when any future finishes by raising, or when all finish. */
export const FIRST_EXCEPTION = 'FIRST_EXCEPTION';
/** `wait()`: return when all futures finish or are cancelled. */
export const ALL_COMPLETED = 'ALL_COMPLETED';
/** One of the `returnWhen` constants of `wait()`. */
export type ReturnWhen = typeof FIRST_COMPLETED | typeof FIRST_EXCEPTION | typeof ALL_COMPLETED;

/** What the helpers accept: a future, a coroutine, a function returning one or a promise, or a promise-like. */
export type AwaitableLike<T = unknown> = Future<T> | CoroutineLike<T> | PromiseLike<T>;

function isAwaitable(value: unknown): boolean {
  return isFuture(value) || isCoroutine(value) || typeof value === 'function' || isThenable(value);
}

function notAwaitable(api: string, value: unknown): TypeError {
  return loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}(): a Future, a coroutine or an awaitable is required, got ${reprValue(value)}`);
}

function currentLoop(): BaseEventLoop {
  return getEventLoop();
}

/**
 * @internal `value` as a future of `loop`: on a core loop its `_toFuture`; on
 * any other loop through the contract alone (ADR 0011): a future of that
 * loop as is, a coroutine or function wrapped by `loop.createTask`, a
 * promise-like settling a `loop.createFuture()`.
 */
export function toFuture(loop: SchedulingLoop, value: unknown, api: string): Future<unknown> {
  if (isCoreLoop(loop)) return loop._toFuture(value, api);
  if (isFuture(value)) {
    if (value.getLoop() !== loop) {
      throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `${api}(): the future ${reprValue(value)} belongs to a different loop than this one`);
    }
    return value as Future<unknown>;
  }
  if (isCoroutine(value) || typeof value === 'function') return loop.createTask(value as CoroutineLike<unknown>) as unknown as Future<unknown>;
  if (isThenable(value)) {
    const fut = loop.createFuture<unknown>();
    value.then(
      (v) => {
        if (!fut.done()) fut.setResult(v);
      },
      (e: unknown) => {
        if (!fut.done()) fut.setException(e);
      },
    );
    return fut as Future<unknown>;
  }
  throw notAwaitable(api, value);
}

/** @internal The `CancelledError` of a cancelled future of any loop (asyncio's `_make_cancelled_error`). */
export function cancelledErrorOf(fut: Future<unknown>): unknown {
  if (isCoreFuture(fut)) return fut._makeCancelledError();
  try {
    (fut as { exception(): unknown }).exception();
  } catch (e) {
    return e;
  }
  return new CancelledError('');
}

/**
 * `aw` as a future of `loop` (the running loop, else `getEventLoop()`): a
 * future as is (`RangeError` when it belongs to another loop), a coroutine
 * or a function wrapped in a task, a promise-like wrapped in a future.
 */
export function ensureFuture<T>(aw: AwaitableLike<T>, loop?: SchedulingLoop): Future<T> {
  if (!isAwaitable(aw)) throw notAwaitable('ensureFuture', aw);
  if (isFuture(aw) && loop === undefined) return aw;
  return toFuture(loop ?? currentLoop(), aw, 'ensureFuture') as Future<T>;
}

/** A promise-like (or a future) as a future of `loop`. `TypeError` for anything else. */
export function wrapFuture<T>(promise: PromiseLike<T> | Future<T>, loop?: SchedulingLoop): Future<T> {
  if (isFuture(promise)) return promise;
  if (!isThenable(promise)) {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `wrapFuture(): a promise-like was expected, got ${reprValue(promise)}`);
  }
  return toFuture(loop ?? currentLoop(), promise, 'wrapFuture') as Future<T>;
}

/**
 * The tasks of `loop` (the running loop by default) that are not done. On
 * a loop that is not core's, the tasks it registered (`registerTask` of
 * `@loop/interfaces`), typed as core's `Task`.
 */
export function allTasks(loop?: SchedulingLoop): Set<Task<unknown>> {
  const l = loop ?? getRunningLoop();
  if (!isCoreLoop(l)) return new Set(allTasksOf(l) as Task<unknown>[]);
  return new Set(l._pendingTasks());
}

// ------------------------------------------------------------------ gather

/** Options of {@link gather}, given as its last argument. */
export interface GatherOptions {
  /** Put exceptions (and `CancelledError`s) in the results instead of failing. */
  returnExceptions?: boolean;
}

function isGatherOptions(value: unknown): value is GatherOptions {
  return (
    typeof value === 'object' &&
    value !== null &&
    !isFuture(value) &&
    !isCoroutine(value) &&
    !isThenable(value) &&
    Object.getPrototypeOf(value) === Object.prototype &&
    'returnExceptions' in value
  );
}

/** The future of `gather()`: cancelling it cancels the children. */
class GatheringFuture<T> extends Future<T> {
  /** @internal */ _children: Future<unknown>[] = [];
  /** @internal */ _cancelRequested = false;

  /**
   * Cancels every child. Returns whether one was cancelled; the gather then
   * ends with `CancelledError` when the children are done (not cancelled
   * itself, as asyncio's).
   */
  override cancel(msg?: string): boolean {
    if (this.done()) return false;
    let ret = false;
    for (const child of this._children) if (child.cancel(msg)) ret = true;
    if (ret) this._cancelRequested = true;
    return ret;
  }
}

/**
 * Runs the awaitables concurrently; the future resolves to their results in
 * argument order. Without `returnExceptions` the first exception (or a
 * child's cancellation) fails the gather while the others keep running;
 * with it, exceptions take their place in the results. The last argument
 * may be the options object `{ returnExceptions }`.
 */
export function gather<T extends unknown[] = unknown[]>(...args: (AwaitableLike | GatherOptions)[]): Future<T> {
  let returnExceptions = false;
  if (args.length > 0 && isGatherOptions(args[args.length - 1])) {
    returnExceptions = Boolean((args.pop() as GatherOptions).returnExceptions);
  }
  for (const a of args) if (!isAwaitable(a)) throw notAwaitable('gather', a);
  if (args.length === 0) {
    const outer = currentLoop().createFuture<T>();
    outer.setResult([] as unknown as T);
    return outer;
  }
  let loop: SchedulingLoop | undefined;
  const argToFut = new Map<unknown, Future<unknown>>();
  const children: Future<unknown>[] = [];
  let nfuts = 0;
  let nfinished = 0;
  let outer: GatheringFuture<T> | null = null;
  const _done_callback = (fut: Future<unknown>): void => {
    nfinished++;
    if (outer === null || outer.done()) {
      if (!fut.cancelled()) fut.exception(); // mark it retrieved
      return;
    }
    if (!returnExceptions) {
      if (fut.cancelled()) {
        outer.setException(cancelledErrorOf(fut));
        return;
      }
      const exc = fut.exception();
      if (exc !== null) {
        outer.setException(exc);
        return;
      }
    }
    if (nfinished === nfuts) {
      const results: unknown[] = [];
      for (const child of children) {
        if (child.cancelled()) results.push(isCoreFuture(child) ? new CancelledError(child._cancelMessage ?? '') : cancelledErrorOf(child));
        else {
          const exc = child.exception();
          results.push(exc !== null ? exc : child.result());
        }
      }
      if (outer._cancelRequested) outer.setException(cancelledErrorOf(fut));
      else outer.setResult(results as T);
    }
  };
  for (const arg of args) {
    let fut = argToFut.get(arg);
    if (fut === undefined) {
      fut = loop === undefined ? ensureFuture(arg as AwaitableLike) : toFuture(loop, arg, 'gather');
      loop ??= fut.getLoop();
      if (fut !== arg && fut instanceof Task) fut._logDestroyPending = false;
      nfuts++;
      argToFut.set(arg, fut);
      fut.addDoneCallback(_done_callback);
    }
    children.push(fut);
  }
  outer = new GatheringFuture<T>({ loop });
  outer._children = children;
  return outer;
}

// ------------------------------------------------------------------ shield

/**
 * Protects `aw` from cancellation: cancelling the returned future does not
 * cancel `aw`, whose outcome is still retrieved.
 */
export function shield<T>(aw: AwaitableLike<T>): Future<T> {
  if (!isAwaitable(aw)) throw notAwaitable('shield', aw);
  const inner = ensureFuture(aw);
  if (inner.done()) return inner;
  const outer = inner.getLoop().createFuture<T>();
  const _inner_done_callback = (i: Future<T>): void => {
    if (outer.cancelled()) {
      if (!i.cancelled()) i.exception(); // mark it retrieved
      return;
    }
    if (i.cancelled()) outer.cancel();
    else {
      const exc = i.exception();
      if (exc !== null) outer.setException(exc);
      else outer.setResult(i.result());
    }
  };
  const _outer_done_callback = (): void => {
    if (!inner.done()) inner.removeDoneCallback(_inner_done_callback);
  };
  inner.addDoneCallback(_inner_done_callback);
  outer.addDoneCallback(_outer_done_callback);
  return outer;
}

// ------------------------------------------------------------------ wait

/** Options of {@link wait}. */
export interface WaitOptions {
  /** Seconds; `null`/undefined waits without limit. Pending futures are not cancelled on timeout. */
  timeout?: number | null;
  /** When to return (`ALL_COMPLETED` by default). */
  returnWhen?: ReturnWhen;
}

function checkTimeout(api: string, timeout: unknown): number | null {
  if (timeout === undefined || timeout === null) return null;
  checkSeconds(timeout, api, 'timeout');
  return timeout;
}

/**
 * The future of `wait()`. Its `[done, pending]` sets are computed when the
 * result is first retrieved — when the waiting task resumes, as asyncio's
 * coroutine computes them.
 */
class WaitFuture<F extends Future<unknown>> extends Future<[Set<F>, Set<F>]> {
  /** @internal */ _fs: F[] = [];
  /** @internal */ _settled = false;
  override result(): [Set<F>, Set<F>] {
    if (this._state === 'finished' && !this._settled) {
      this._settled = true;
      const done = new Set<F>();
      const pending = new Set<F>();
      for (const f of this._fs) (f.done() ? done : pending).add(f);
      this._result = [done, pending];
    }
    return super.result();
  }
}

/**
 * Waits for the futures (coroutines and functions become tasks) until
 * `returnWhen` or `timeout`; resolves to `[done, pending]`. `RangeError` for
 * an empty collection or a bad `returnWhen`.
 */
export function wait<T>(aws: Iterable<AwaitableLike<T>>, options?: WaitOptions | null): Future<[Set<Future<T>>, Set<Future<T>>]> {
  if (isFuture(aws) || isCoroutine(aws) || aws === null || typeof (aws as Iterable<unknown>)?.[Symbol.iterator] !== 'function') {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `wait(): expect an iterable of futures, not ${reprValue(aws)}`);
  }
  const items = [...new Set(aws)];
  if (items.length === 0) {
    throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', 'wait(): Set of Tasks/Futures is empty.');
  }
  const opts = optionsArg('wait', options);
  const returnWhen = opts.returnWhen ?? ALL_COMPLETED;
  if (returnWhen !== FIRST_COMPLETED && returnWhen !== FIRST_EXCEPTION && returnWhen !== ALL_COMPLETED) {
    throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `wait(): Invalid return_when value: ${String(returnWhen)}`);
  }
  const timeout = checkTimeout('wait', opts.timeout);
  for (const a of items) if (!isAwaitable(a)) throw notAwaitable('wait', a);
  const loop = currentLoop();
  const fs = [...new Set(items.map((a) => toFuture(loop, a, 'wait') as Future<T>))];
  const outer = new WaitFuture<Future<T>>({ loop });
  outer._fs = fs;
  let counter = fs.length;
  let timer: TimerHandle | null = null;
  const finish = (): void => {
    timer?.cancel();
    for (const f of fs) f.removeDoneCallback(_on_completion);
    if (!outer.done()) outer.setResult(undefined as unknown as [Set<Future<T>>, Set<Future<T>>]);
  };
  const _on_completion = (f: Future<T>): void => {
    counter--;
    if (
      counter <= 0 ||
      returnWhen === FIRST_COMPLETED ||
      (returnWhen === FIRST_EXCEPTION && !f.cancelled() && f.exception() !== null)
    ) {
      finish();
    }
  };
  if (timeout !== null) timer = loop.callLater(timeout, finish);
  for (const f of fs) f.addDoneCallback(_on_completion);
  outer.addDoneCallback(() => {
    if (outer.cancelled()) finish();
  });
  return outer;
}

// ------------------------------------------------------------------ waitFor

/**
 * The future of `waitFor()`. Cancelling it cancels the inner future and
 * completes once the inner one is done, as asyncio's `wait_for` waits for
 * the cancellation to finish before re-raising.
 */
class WaitForFuture<T> extends Future<T> {
  /** @internal */ _inner: Future<T> | null = null;
  /** @internal */ _onInner: ((f: Future<T>) => void) | null = null;
  /** @internal */ _timer: TimerHandle | null = null;
  /** @internal */ _cancelling = false;

  override cancel(msg?: string): boolean {
    if (this.done()) return false;
    const inner = this._inner;
    if (inner === null || this._cancelling) return super.cancel(msg);
    this._cancelling = true;
    this._timer?.cancel();
    // asyncio: the waiting task wakes (next iteration) with CancelledError;
    // if the inner future is done by then it returns its result, else it
    // cancels it, waits for that, and re-raises.
    this._loop.callSoon(() => {
      if (this.done()) return;
      if (this._onInner !== null) inner.removeDoneCallback(this._onInner);
      if (inner.done()) {
        copyOutcome(inner, this);
        return;
      }
      cancelAndWait(inner, () => {
        if (!this.done()) Future.prototype.cancel.call(this, msg);
      });
    });
    return true;
  }
}

function copyOutcome<T>(from: Future<T>, to: Future<T>): void {
  if (from.cancelled()) {
    to.setException(cancelledErrorOf(from));
    return;
  }
  const exc = from.exception();
  if (exc !== null) to.setException(exc);
  else to.setResult(from.result());
}

/** asyncio's `_cancel_and_wait`: cancels `fut` and calls `then` once it is done (a done callback later). */
function cancelAndWait(fut: Future<unknown>, then: () => void): void {
  fut.addDoneCallback(() => then());
  fut.cancel();
}

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** An `AbortSignal` whose abort cancels the wait (see `abort.ts`). */
  signal?: AbortSignal | null;
}

/**
 * Waits for `aw` at most `timeout` seconds (`null`: no limit). On timeout
 * the inner task is cancelled and, once its cancellation has finished, the
 * future fails with `TimeoutError` (or gives the inner result if the inner
 * task swallowed the cancellation). With `signal`, an abort cancels the
 * wait (and so `aw`) as cancelling its awaiter would.
 */
export function waitFor<T>(aw: AwaitableLike<T>, timeout: number | null, options?: WaitForOptions | null): Future<T> {
  if (!isAwaitable(aw)) throw notAwaitable('waitFor', aw);
  const t = checkTimeout('waitFor', timeout);
  const signal = checkSignal('waitFor', optionsArg('waitFor', options).signal);
  const loop = currentLoop();
  if (t === null) {
    const fut = toFuture(loop, aw, 'waitFor') as Future<T>;
    cancelOnAbort(fut, signal);
    return fut;
  }
  const inner = toFuture(loop, aw, 'waitFor') as Future<T>;
  const outer = new WaitForFuture<T>({ loop });
  outer._inner = inner;
  cancelOnAbort(outer, signal);
  const timeoutError = (cause: unknown): TimeoutError => new TimeoutError('', { cause });
  const afterCancel = (): void => {
    if (outer.done()) return;
    try {
      outer.setResult(inner.result());
    } catch (e) {
      if (e instanceof CancelledError || (e instanceof Error && e.name === 'CancelledError')) {
        outer.setException(timeoutError(e));
      } else {
        outer.setException(e);
      }
    }
  };
  if (t <= 0) {
    if (inner.done()) {
      copyOutcome(inner, outer);
      return outer;
    }
    cancelAndWait(inner, afterCancel);
    return outer;
  }
  const onInner = (f: Future<T>): void => {
    outer._timer?.cancel();
    if (!outer.done()) copyOutcome(f, outer);
  };
  outer._onInner = onInner;
  inner.addDoneCallback(onInner);
  outer._timer = loop.callLater(t, () => {
    // The waiter is released now; the waiting code runs next iteration.
    loop.callSoon(() => {
      if (outer.done() || outer._cancelling) return;
      if (inner.done()) return; // its done callback delivers the outcome
      inner.removeDoneCallback(onInner);
      cancelAndWait(inner, afterCancel);
    });
  });
  return outer;
}

// ------------------------------------------------------------------ asCompleted

/**
 * An item of `asCompleted()`: it takes the next result to arrive when it is
 * first awaited (not when it is made), as asyncio's `_wait_for_one()`
 * coroutines do.
 */
class CompletionFuture<T> extends Future<T> {
  #arm: ((f: Future<T>) => void) | null;
  constructor(loop: BaseEventLoop, arm: (f: Future<T>) => void) {
    super({ loop });
    this.#arm = arm;
  }
  #armOnce(): void {
    const arm = this.#arm;
    this.#arm = null;
    arm?.(this);
  }
  override *[Symbol.iterator](): Generator<Future<T>, T, unknown> {
    this.#armOnce();
    return yield* super[Symbol.iterator]();
  }
  override then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    this.#armOnce();
    return super.then(onFulfilled, onRejected);
  }
  override addDoneCallback(cb: (fut: this) => void, options?: { context?: import('./context.js').Context }): void {
    this.#armOnce();
    super.addDoneCallback(cb, options);
  }
}

/** Options of {@link asCompleted}. */
export interface AsCompletedOptions {
  /** Seconds after which each remaining `next` fails with `TimeoutError`. */
  timeout?: number | null;
}

/**
 * The futures in the order they complete: each item of the iterable is a
 * future of the next result to arrive (it fails with that awaitable's
 * exception, or with `TimeoutError` once `timeout` has passed).
 */
export function asCompleted<T>(aws: Iterable<AwaitableLike<T>>, options?: AsCompletedOptions | null): Iterable<Future<T>> {
  if (isFuture(aws) || isCoroutine(aws) || aws === null || typeof (aws as Iterable<unknown>)?.[Symbol.iterator] !== 'function') {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `asCompleted(): expect an iterable of futures, not ${reprValue(aws)}`);
  }
  const timeout = checkTimeout('asCompleted', optionsArg('asCompleted', options).timeout);
  const items = [...new Set(aws)];
  for (const a of items) if (!isAwaitable(a)) throw notAwaitable('asCompleted', a);
  const loop = currentLoop();
  const todo = new Set(items.map((a) => toFuture(loop, a, 'asCompleted') as Future<T>));
  const total = todo.size;
  const done: (Future<T> | null)[] = [];
  const getters: Future<T>[] = [];
  let timer: TimerHandle | null = null;
  const deliver = (getter: Future<T>, f: Future<T> | null): void => {
    if (getter.done()) return;
    if (f === null) getter.setException(new TimeoutError());
    else copyOutcome(f, getter);
  };
  const put = (f: Future<T> | null): void => {
    const getter = getters.shift();
    if (getter !== undefined) deliver(getter, f);
    else done.push(f);
  };
  const _on_completion = (f: Future<T>): void => {
    if (todo.size === 0) return; // the timeout came first
    todo.delete(f);
    put(f);
    if (todo.size === 0) timer?.cancel();
  };
  for (const f of todo) f.addDoneCallback(_on_completion);
  if (todo.size > 0 && timeout !== null) {
    timer = loop.callLater(timeout, () => {
      for (const f of todo) {
        f.removeDoneCallback(_on_completion);
        put(null);
      }
      todo.clear();
    });
  }
  const arm = (getter: Future<T>): void => {
    if (done.length > 0) deliver(getter, done.shift() as Future<T> | null);
    else getters.push(getter);
  };
  return {
    *[Symbol.iterator](): Generator<Future<T>, void, unknown> {
      for (let i = 0; i < total; i++) yield new CompletionFuture<T>(loop, arm);
    },
  };
}
