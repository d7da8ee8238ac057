/**
 * `Future`: a result that is set once, asyncio's `Future` in TypeScript.
 *
 * States: `pending -> finished` (setResult / setException) or
 * `pending -> cancelled` (cancel); never back.
 *
 * Done callbacks are always scheduled with the loop's `callSoon` (in the
 * context they were added with), never called inline: when the future
 * completes, or at once when added to a future already done.
 *
 * A future is also:
 *   - a `PromiseLike`: `then(onFulfilled, onRejected)` adds a done callback
 *     that settles a promise. When an async function awaits the future, the
 *     task that runs it is recorded (through the task frame) so that
 *     `task.cancel()` can cancel this future, and the loop is told to let the
 *     function resume before its next callback (`docs/loop-iteration.md`);
 *   - iterable: `yield* fut` in a coroutine yields the future while it is
 *     pending (the task waits for it) and evaluates to its result.
 *
 * An exception that is set and never retrieved (`result()`, `exception()`,
 * `await`, `yield*`) is reported to the loop's exception handler when the
 * future is garbage-collected, as asyncio's `__del__` does.
 *
 * @packageDocumentation
 */
import { CancelledError, FUTURE_BLOCKING, InvalidStateError, TASK_AWAIT, TASK_RELEASE, currentTaskOf, isAwaitingTask, loopError, RuntimeError } from '@loop/interfaces';
import type { AwaitingTask, DoneCallbackOptions, Future as FutureContract, FutureState, SchedulingLoop } from '@loop/interfaces';
import type { Context } from './context.js';
import { copyContext } from './context.js';
import { callbackName, creationSite, reprValue, siteLocation } from './internal/format.js';
import { FLAG_BLOCKING, FLAG_FOREIGN, FLAG_LOG_TRACEBACK } from './internal/future-flags.js';
import { taskStorage } from './internal/task-storage.js';
import { TASK_WAKEUP } from './internal/task-wakeup.js';
import type { BaseEventLoop } from './base-event-loop.js';
import { getEventLoop } from './policies.js';

const FUTURE_BRAND = Symbol.for('@loop/core.Future');
/** An own field of every core loop (of either build): futures bound to one use its internals. */
export const CORE_LOOP_BRAND = Symbol.for('@loop/core.BaseEventLoop');
const NONE: unique symbol = Symbol('NONE');

/** Debug mode: where each future was created (a side table keeps futures small). */
const futureSites = new WeakMap<object, string>();

type DoneCallback<F> = (fut: F) => void;

/**
 * @internal Whether `value` is a future of `@loop/core`'s class (of either
 * build), whose internals core may use. `isFuture` (from `@loop/interfaces`)
 * is asyncio's duck test, true of any loop's futures.
 */
export function isCoreFuture(value: unknown): value is Future<unknown> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[FUTURE_BRAND] === true;
}

/** @internal Whether `loop` is a core loop (a `BaseEventLoop` of either build, or one composed from it). */
export function isCoreLoop(loop: unknown): loop is BaseEventLoop {
  return typeof loop === 'object' && loop !== null && (loop as Record<symbol, unknown>)[CORE_LOOP_BRAND] === true;
}

/** Runs a done callback of a future of a foreign loop in the context given to `addDoneCallback`. */
function runInContext(ctx: Context, cb: (fut: unknown) => void, fut: unknown): void {
  ctx.run(cb, fut);
}

/** Schedules a done callback of a future bound to a loop that is not core's: through its `callSoon`. */
function scheduleForeign(loop: SchedulingLoop, cb: (fut: never) => void, fut: unknown, ctx: Context | null): void {
  if (ctx === null) loop.callSoon(cb as (fut: unknown) => void, fut);
  else loop.callSoon(runInContext, ctx, cb as (fut: unknown) => void, fut);
}

/** Whether `value` is a `CancelledError` (of either build). */
export function isCancelledError(value: unknown): value is CancelledError {
  if (typeof value !== 'object' || value === null) return false;
  try {
    return value instanceof CancelledError || (value instanceof Error && value.name === 'CancelledError');
  } catch {
    // A revoked Proxy (its prototype cannot be read) is an ordinary failure.
    return false;
  }
}

interface NeverRetrieved {
  loop: BaseEventLoop;
  message: string;
  exception: unknown;
  sourceTraceback: string | null;
  /** The future's repr, made only if the report is made (it holds no reference to the future). */
  repr: () => string;
}

const neverRetrieved = new FinalizationRegistry<NeverRetrieved>((held) => {
  const context: Record<string, unknown> & { message: string } = {
    message: held.message,
    exception: held.exception,
    future_repr: held.repr(),
  };
  if (held.sourceTraceback !== null) context.source_traceback = held.sourceTraceback;
  held.loop.callExceptionHandler(context);
});

/** Options of `new Future()`. */
export interface FutureOptions {
  /**
   * The loop to bind to: the running loop, else `getEventLoop()`, when
   * omitted. Any {@link SchedulingLoop}: on a loop that is not core's, done
   * callbacks go through its `callSoon` (ADR 0011).
   */
  loop?: BaseEventLoop | SchedulingLoop;
}

/** What a cancelled future keeps: the `cancel()` message and the `CancelledError` made for it. */
interface CancelInfo {
  message: string | undefined;
  exc: CancelledError | null;
}

/** Cancellation state, off the futures (most never get cancelled; each field is 8 bytes per future). */
const cancelInfo = new WeakMap<object, CancelInfo>();

/** A result that will be set once. See the module documentation. */
export class Future<T = unknown> implements FutureContract<T> {
  /** @internal */ _state: FutureState = 'pending';
  /** @internal */ _result: T = undefined as T;
  /** @internal */ _exception: unknown = NONE;
  /** @internal */ _loop: BaseEventLoop;
  /** @internal Done callbacks and their contexts, flat: `[cb, ctx, cb, ctx…]` (`null`: no context needed). */
  _callbacks: unknown[] | null = null;
  /**
   * @internal Boolean state packed in one field (futures and tasks are
   * made by the hundred thousand; each field is 8 bytes the GC copies):
   * the table of bits is `internal/future-flags.ts`; read them through the
   * accessors below (and `Task`'s).
   */
  _flags = 0;

  constructor(options?: FutureOptions | null) {
    const loop = options?.loop ?? getEventLoop();
    // A foreign loop is kept under the core type: every use of its internals is behind FLAG_FOREIGN.
    this._loop = loop as BaseEventLoop;
    if (!isCoreLoop(loop)) this._flags = FLAG_FOREIGN;
    if (loop.getDebug()) futureSites.set(this, creationSite());
  }

  /** asyncio's `_asyncio_future_blocking` (`FUTURE_BLOCKING` of `@loop/interfaces`). */
  get [FUTURE_BLOCKING](): boolean {
    return (this._flags & FLAG_BLOCKING) !== 0;
  }
  /** Set by the iterator before it yields the future; cleared by the task that waits on it. */
  set [FUTURE_BLOCKING](v: boolean) {
    this._blocking = v;
  }

  /** @internal Schedules `cb(this)` as a done callback, in `context`. */
  _schedule(cb: (fut: this) => void, context: Context | null): void {
    if ((this._flags & FLAG_FOREIGN) !== 0) scheduleForeign(this._loop, cb, this, context);
    else this._loop._scheduleCallback(cb, this, context);
  }

  /** @internal The `cancel()` message (a side table: see {@link CancelInfo}). */
  get _cancelMessage(): string | undefined {
    return cancelInfo.get(this)?.message;
  }
  set _cancelMessage(message: string | undefined) {
    const info = cancelInfo.get(this);
    if (info !== undefined) info.message = message;
    else if (message !== undefined) cancelInfo.set(this, { message, exc: null });
  }

  /** @internal The `CancelledError` made for the cancellation, once made. */
  get _cancelledExc(): CancelledError | null {
    return cancelInfo.get(this)?.exc ?? null;
  }
  set _cancelledExc(exc: CancelledError | null) {
    const info = cancelInfo.get(this);
    if (info !== undefined) info.exc = exc;
    else if (exc !== null) cancelInfo.set(this, { message: undefined, exc });
  }

  /** @internal Whether an exception is waiting to be retrieved. */
  get _logTraceback(): boolean {
    return (this._flags & FLAG_LOG_TRACEBACK) !== 0;
  }
  set _logTraceback(v: boolean) {
    this._flags = v ? this._flags | FLAG_LOG_TRACEBACK : this._flags & ~FLAG_LOG_TRACEBACK;
  }

  /** @internal Set by the iterator just before it yields this future to a task. */
  get _blocking(): boolean {
    return (this._flags & FLAG_BLOCKING) !== 0;
  }
  set _blocking(v: boolean) {
    this._flags = v ? this._flags | FLAG_BLOCKING : this._flags & ~FLAG_BLOCKING;
  }

  /** @internal Where the future was created (debug mode only), else `null`. */
  get _sourceTraceback(): string | null {
    return futureSites.get(this) ?? null;
  }

  /**
   * The loop the future is bound to. (Typed as core's loop; a future that a
   * core helper made on another loop, ADR 0011, returns that loop.)
   */
  getLoop(): BaseEventLoop {
    return this._loop;
  }

  /** Whether the future is done: finished or cancelled. */
  done(): boolean {
    return this._state !== 'pending';
  }

  /** Whether the future was cancelled. */
  cancelled(): boolean {
    return this._state === 'cancelled';
  }

  /**
   * The result. Throws the exception that was set, `CancelledError` (with the
   * `cancel(msg)` message) when cancelled, `InvalidStateError` when pending.
   */
  result(): T {
    if (this._state === 'cancelled') throw this._makeCancelledError();
    if (this._state === 'pending') {
      throw new InvalidStateError('Future.result(): Result is not ready.');
    }
    this._retrieved();
    if (this._exception !== NONE) throw this._exception;
    return this._result;
  }

  /**
   * The exception that was set, or `null`. Throws `CancelledError` when
   * cancelled and `InvalidStateError` when pending.
   */
  exception(): unknown {
    if (this._state === 'cancelled') throw this._makeCancelledError();
    if (this._state === 'pending') {
      throw new InvalidStateError('Future.exception(): Exception is not set.');
    }
    this._retrieved();
    return this._exception === NONE ? null : this._exception;
  }

  /**
   * Schedules `cb(this)` with the loop's `callSoon` once the future is done,
   * in `options.context` or a copy of the current context.
   */
  addDoneCallback(cb: (fut: this) => void, options?: DoneCallbackOptions): void {
    if (typeof cb !== 'function') {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `Future.addDoneCallback(): a callable object was expected, got ${reprValue(cb)}`);
    }
    // On a foreign loop, the loop's callSoon keeps its own notion of the current context.
    const context = (options?.context as Context | undefined) ?? ((this._flags & FLAG_FOREIGN) !== 0 ? null : copyContext());
    if (this._state !== 'pending') {
      this._schedule(cb, context);
    } else {
      (this._callbacks ??= []).push(cb, context);
    }
  }

  /** Removes every registration of `cb`; returns how many were removed. */
  removeDoneCallback(cb: (fut: this) => void): number {
    const cbs = this._callbacks;
    if (cbs === null) return 0;
    const kept: unknown[] = [];
    for (let i = 0; i < cbs.length; i += 2) if (cbs[i] !== cb) kept.push(cbs[i], cbs[i + 1]);
    const removed = (cbs.length - kept.length) / 2;
    if (removed > 0) this._callbacks = kept;
    return removed;
  }

  /** Marks the future done with `value`; `InvalidStateError` when already done. */
  setResult(value: T): void {
    if (this._state !== 'pending') throw this._invalidState('setResult');
    this._result = value;
    this._state = 'finished';
    this._scheduleCallbacks();
  }

  /** Marks the future done with `exception`; `InvalidStateError` when already done. */
  setException(exception: unknown): void {
    if (this._state !== 'pending') throw this._invalidState('setException');
    if (exception === undefined) {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', 'Future.setException(): the exception must not be undefined');
    }
    this._exception = exception;
    this._state = 'finished';
    this._logTraceback = true;
    neverRetrieved.register(
      this,
      {
        loop: this._loop,
        message: `${this.constructor.name} exception was never retrieved`,
        exception,
        sourceTraceback: this._sourceTraceback,
        repr: this._finishedRepr(exception),
      },
      this,
    );
    this._scheduleCallbacks();
  }

  /**
   * Cancels the future and schedules its callbacks. Returns `false` when the
   * future is already done. The `CancelledError` that results carries `msg`.
   */
  cancel(msg?: string): boolean {
    if (msg !== undefined && typeof msg !== 'string') {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `Future.cancel(): msg must be a string, got ${reprValue(msg)}`);
    }
    this._retrieved();
    if (this._state !== 'pending') return false;
    this._state = 'cancelled';
    this._cancelMessage = msg;
    this._scheduleCallbacks();
    return true;
  }

  /**
   * Promise interop: `await fut`. The callbacks run one loop iteration after
   * the future completes (a done callback), like a task's wake-up.
   */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    if ((this._flags & FLAG_FOREIGN) !== 0) return this._foreignThen(onFulfilled, onRejected);
    const loop = this._loop;
    const frame = taskStorage.getStore() as
      | {
          _awaiting?(fut: Future<unknown>): boolean;
          _released?(fut: Future<unknown>): void;
          _takeCancel?(): CancelledError | null;
        }
      | undefined;
    // `_awaiting` may cancel this future (a cancellation the task requested
    // of itself while it awaited nothing): the await then settles through a
    // done callback, one iteration later, as asyncio's `__step` cancelling
    // the future it was given does.
    const wasPending = this._state === 'pending';
    const task = frame !== undefined && frame._awaiting !== undefined && frame._awaiting(this) ? frame : null;
    if (task !== null && wasPending) loop._noteJsAwaited();
    else loop._noteJsActivity();
    return new Promise<R1 | R2>((resolve, reject) => {
      const Future_then = (fut: Future<T>): void => {
        // The awaiting task resumes here, as a generator task's step would: a
        // pending cancellation request is delivered now, instead of the
        // outcome (asyncio's __step with _must_cancel).
        let cancelExc: CancelledError | null = null;
        if (task !== null) {
          task._released!(fut);
          cancelExc = task._takeCancel!();
        }
        loop._noteJsWake(task as { readonly _state: string } | null);
        // The outcome first (a subclass may compute its result lazily, and a
        // result() that throws is a rejection like any other), then the
        // handlers, whose own errors reject the returned promise.
        let ok = false;
        let value: T | undefined;
        let err: unknown;
        if (cancelExc === null && fut._state === 'finished' && fut._exception === NONE) {
          try {
            value = fut.result();
            ok = true;
          } catch (e) {
            err = e;
          }
        } else {
          err = fut._state === 'cancelled' ? fut._makeCancelledError() : cancelExc !== null ? cancelExc : fut._exception;
          fut._retrieved();
        }
        try {
          if (ok) resolve(onFulfilled ? onFulfilled(value as T) : (value as unknown as R1));
          else if (onRejected) resolve(onRejected(err));
          else reject(err);
        } catch (e) {
          reject(e);
        }
      };
      if (wasPending && this._state !== 'pending') loop._scheduleCallback(Future_then, this, null);
      else this._addSettle(Future_then);
    });
  }

  /**
   * @internal `then` on a foreign loop: the task running now on that loop is
   * told of the await (`TASK_AWAIT`), so that cancelling it cancels this
   * future; the await settles through a done callback (the loop's `callSoon`).
   */
  _foreignThen<R1, R2>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    let task: AwaitingTask | null = null;
    if (this._state === 'pending') {
      const t = currentTaskOf(this._loop);
      if (t !== null && t !== (this as unknown) && isAwaitingTask(t) && t[TASK_AWAIT](this)) task = t;
    }
    return new Promise<T>((resolve, reject) => {
      const Future_then = (fut: Future<T>): void => {
        const cancelExc = task !== null ? task[TASK_RELEASE](fut) : null;
        if (cancelExc !== null && !fut.cancelled()) {
          // The task was cancelled while this future was already done: the cancellation wins (asyncio's _must_cancel).
          fut._retrieved();
          reject(cancelExc);
          return;
        }
        try {
          resolve(fut.result());
        } catch (e) {
          reject(e);
        }
      };
      this._addSettle(Future_then);
    }).then(onFulfilled, onRejected);
  }

  /** @internal How `then` hears of completion: a done callback (one iteration later), or at once when done. */
  _addSettle(settle: (fut: this) => void): void {
    // A done future settles the promise at once: `await` on it does not give
    // up the iteration (asyncio: awaiting a done future does not suspend).
    if (this._state !== 'pending') settle(this);
    else (this._callbacks ??= []).push(settle, null);
  }

  /** `yield* fut`: yields the future while pending, then evaluates to its result. */
  *[Symbol.iterator](): Generator<Future<T>, T, unknown> {
    if (this._state === 'pending') {
      this._blocking = true;
      yield this;
    }
    if (this._state === 'pending') {
      throw new RuntimeError(`yield* was not used with the future ${this.toString()}: it is still pending`);
    }
    return this.result();
  }

  /** @internal The `CancelledError` of a cancelled future, carrying the message. */
  _makeCancelledError(): CancelledError {
    return (this._cancelledExc ??= new CancelledError(this._cancelMessage ?? ''));
  }

  /** @internal Marks the exception as retrieved (no "never retrieved" report). */
  _retrieved(): void {
    if (this._logTraceback) {
      this._logTraceback = false;
      neverRetrieved.unregister(this);
    }
  }

  /** @internal Schedules the done callbacks; called once, on completion. */
  _scheduleCallbacks(): void {
    const cbs = this._callbacks;
    if (cbs === null) return;
    this._callbacks = null;
    const loop = this._loop;
    if ((this._flags & FLAG_FOREIGN) !== 0) {
      for (let i = 0; i < cbs.length; i += 2) scheduleForeign(loop, cbs[i] as DoneCallback<this>, this, cbs[i + 1] as Context | null);
      return;
    }
    for (let i = 0; i < cbs.length; i += 2) {
      const ctx = cbs[i + 1];
      if (ctx === TASK_WAKEUP) (cbs[i] as { _wake(f: Future<unknown>): void })._wake(this);
      else loop._scheduleCallback(cbs[i] as DoneCallback<this>, this, ctx as Context | null);
    }
  }

  /**
   * @internal The repr this future will have once finished with `exception`
   * and its callbacks run, as a function that formats only when called and
   * keeps no reference to the future (the never-retrieved report's, made when
   * the future is collected, as asyncio's `__del__` formats it then).
   */
  _finishedRepr(exception: unknown): () => string {
    const head = `${this.constructor.name} finished`;
    const site = this._sourceTraceback;
    return () => `<${head} exception=${reprValue(exception)}${site !== null ? ` created at ${siteLocation(site)}` : ''}>`;
  }

  /** @internal */
  _invalidState(api: string): InvalidStateError {
    return new InvalidStateError(
      `${this.constructor.name}.${api}(): the future is already done (${this._state.toUpperCase()}): ${this.toString()}`,
    );
  }

  /** @internal The parts of the repr, as asyncio's `_future_repr_info`. */
  _reprInfo(): string[] {
    const info: string[] = [this._state];
    if (this._state === 'finished') {
      if (this._exception !== NONE) info.push(`exception=${reprValue(this._exception)}`);
      else info.push(`result=${reprValue(this._result)}`);
    }
    const cbs = this._callbacks;
    if (cbs !== null && cbs.length > 0) {
      const names: string[] = [];
      for (let i = 0; i < cbs.length; i += 2) {
        names.push(cbs[i + 1] === TASK_WAKEUP ? 'Task.task_wakeup()' : `${callbackName(cbs[i])}()`);
      }
      const shown = names.length > 2 ? [names[0], `<${names.length - 2} more>`, names[names.length - 1]] : names;
      info.push(`cb=[${shown.join(', ')}]`);
    }
    if (this._sourceTraceback !== null) info.push(`created at ${siteLocation(this._sourceTraceback)}`);
    return info;
  }

  /** asyncio's repr: `<Future pending>`, `<Future finished result=42>`. */
  toString(): string {
    return `<${this.constructor.name} ${this._reprInfo().join(' ')}>`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
Object.defineProperty(Future.prototype, FUTURE_BRAND, { value: true });
