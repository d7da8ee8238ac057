/**
 * MicroLoop's own futures and tasks, written against the `Future` and `Task`
 * contracts of `@loop/interfaces` alone.
 *
 * - {@link MicroFuture}: a result set once (`pending -> finished | cancelled`);
 *   done callbacks always go through the loop's `callSoon`; a `PromiseLike`
 *   (`await fut`) and iterable (`yield* fut`).
 * - {@link MicroTask}: drives a coroutine (a generator that yields the futures
 *   it waits on, one loop callback per step) or a function returning a
 *   coroutine or a promise (an async function). Cancellation is a request:
 *   the future the task waits on is cancelled, else `CancelledError` is thrown
 *   into the coroutine at its next step; `cancelling()` counts requests and
 *   `uncancel()` takes one back.
 * - {@link MicroContext}: the `Context` a callback runs in when none is given.
 *   It carries no variables (`@loop/core`'s `ContextVar` belongs to core's
 *   `Context`); a task given a core `Context` runs its steps in it.
 *
 * @packageDocumentation
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  CancelledError,
  FUTURE_BLOCKING,
  InvalidStateError,
  RuntimeError,
  TASK_AWAIT,
  TASK_RELEASE,
  describeValue,
  enterTask,
  isAwaitingTask,
  isFuture,
  isThenable,
  leaveTask,
  loopError,
  registerTask,
  unregisterTask,
} from '@loop/interfaces';
import type { Context, Coroutine, CoroutineLike, CreateTaskOptions, DoneCallbackOptions, Future, FutureState, SchedulingLoop, Task } from '@loop/interfaces';

/** What a future needs from its loop: `callSoon` with a context, and the exception handler. */
export interface MicroFutureLoop extends SchedulingLoop {
  /** `callSoon` in a given context (asyncio's `call_soon(cb, *args, context=ctx)`). */
  callSoonIn<A extends unknown[]>(context: Context | null, callback: (...args: A) => unknown, ...args: A): unknown;
  /** Whether `value` is a future of this loop (of any class: `isFuture`) that a task may wait on. */
  ownsFuture(value: unknown): value is Future<unknown>;
  /** The running callback settled a promise: let promise continuations (an async function's) run before the next callback. */
  noteJsWake(): void;
}

/** The context a callback runs in when none was given: it holds no variables, only the "already entered" rule. */
export class MicroContext implements Context {
  #entered = false;
  /** Runs `fn(...args)`; `RuntimeError` (`ERR_LOOP_CONTEXT_ENTERED`) when this context is already entered. */
  run<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): R {
    if (this.#entered) {
      throw new RuntimeError('MicroContext.run(): cannot enter context: it is already entered', { code: 'ERR_LOOP_CONTEXT_ENTERED' });
    }
    this.#entered = true;
    try {
      return fn(...args);
    } finally {
      this.#entered = false;
    }
  }
  /** A new, independent context. */
  copy(): Context {
    return new MicroContext();
  }
}

function checkMessage(fut: object, msg: unknown): void {
  if (msg !== undefined && typeof msg !== 'string') {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${fut.constructor.name}.cancel(): msg must be a string, got ${describeValue(msg)}`);
  }
}

/** The task whose async function is running: `then()` reads it to learn which task awaits a future. */
const taskFrame = new AsyncLocalStorage<MicroTask<unknown>>();

/** The task of `loop` whose async function's code is running, if any: MicroLoop's `setTaskLookup`. */
export function currentMicroTask(loop: SchedulingLoop): MicroTask<unknown> | null {
  const task = taskFrame.getStore();
  return task !== undefined && task.getLoop() === loop && !task.done() ? task : null;
}

/** A result that will be set once, bound to a {@link MicroFutureLoop}. */
export class MicroFuture<T = unknown> implements Future<T> {
  #state: FutureState = 'pending';
  #result: T | undefined = undefined;
  #exception: unknown = null;
  #cancelMessage: string | undefined = undefined;
  #cancelledError: CancelledError | null = null;
  #callbacks: [(fut: never) => void, Context | null][] = [];
  /** Set by `yield* fut` while the future is pending: a task may wait on it (asyncio's `_asyncio_future_blocking`). */
  [FUTURE_BLOCKING] = false;
  readonly #loop: MicroFutureLoop;

  constructor(loop: MicroFutureLoop) {
    this.#loop = loop;
  }

  /** The loop the future is bound to. */
  getLoop(): SchedulingLoop {
    return this.#loop;
  }
  /** Whether the future is finished or cancelled. */
  done(): boolean {
    return this.#state !== 'pending';
  }
  /** Whether the future was cancelled. */
  cancelled(): boolean {
    return this.#state === 'cancelled';
  }

  /** The result; throws the exception set, `CancelledError` if cancelled, `InvalidStateError` if pending. */
  result(): T {
    if (this.#state === 'cancelled') throw this.#makeCancelledError();
    if (this.#state === 'pending') throw new InvalidStateError('Result is not ready.');
    if (this.#exception !== null) throw this.#exception;
    return this.#result as T;
  }
  /** The exception or `null`; throws `CancelledError` if cancelled, `InvalidStateError` if pending. */
  exception(): unknown {
    if (this.#state === 'cancelled') throw this.#makeCancelledError();
    if (this.#state === 'pending') throw new InvalidStateError('Exception is not set.');
    return this.#exception;
  }

  /** Schedules `cb(this)` with `callSoon` once the future is done (at once if it is). */
  addDoneCallback(cb: (fut: this) => void, options?: DoneCallbackOptions): void {
    if (typeof cb !== 'function') {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `MicroFuture.addDoneCallback(): the callback must be a function, got ${describeValue(cb)}`);
    }
    const context = options?.context ?? null;
    if (this.#state !== 'pending') this.#loop.callSoonIn(context, cb, this);
    else this.#callbacks.push([cb, context]);
  }
  /** Removes every registration of `cb`; returns how many were removed. */
  removeDoneCallback(cb: (fut: this) => void): number {
    const before = this.#callbacks.length;
    this.#callbacks = this.#callbacks.filter(([c]) => c !== cb);
    return before - this.#callbacks.length;
  }

  /** Marks the future done with `value`; `InvalidStateError` when already done. */
  setResult(value: T): void {
    this.#checkPending('setResult');
    this.#result = value;
    this.#state = 'finished';
    this.#scheduleCallbacks();
  }
  /** Marks the future done with `exception`; `InvalidStateError` when already done. */
  setException(exception: unknown): void {
    if (exception === undefined || exception === null) {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${this.constructor.name}.setException(): an exception is required, got ${String(exception)}`);
    }
    this.#checkPending('setException');
    this.#exception = exception;
    this.#state = 'finished';
    this.#scheduleCallbacks();
  }
  /** Cancels the future (its `CancelledError` carries `msg`); `false` when already done. */
  cancel(msg?: string): boolean {
    checkMessage(this, msg);
    if (this.#state !== 'pending') return false;
    this.#state = 'cancelled';
    this.#cancelMessage = msg;
    this.#scheduleCallbacks();
    return true;
  }

  /** `await fut`: settles with the future; inside a task's async function, the task now waits on this future. */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    const task = taskFrame.getStore();
    const self = this as MicroFuture<unknown>;
    const awaiting = task !== undefined && task !== self && isAwaitingTask(task) && task[TASK_AWAIT](self);
    const settled = new Promise<T>((resolve, reject) => {
      this.addDoneCallback(() => {
        this.#loop.noteJsWake();
        const cancelExc = awaiting ? task[TASK_RELEASE](self) : null;
        if (cancelExc !== null) {
          reject(cancelExc);
          return;
        }
        try {
          resolve(this.result());
        } catch (e) {
          reject(e);
        }
      });
    });
    return settled.then(onFulfilled, onRejected);
  }

  /** `yield* fut`: yields the future while it is pending, then evaluates to its result. */
  *[Symbol.iterator](): Generator<Future<T>, T, unknown> {
    if (!this.done()) {
      this[FUTURE_BLOCKING] = true;
      yield this;
    }
    if (!this.done()) throw new RuntimeError('yield* fut resumed before the future was done', { code: 'ERR_LOOP_BAD_YIELD' });
    return this.result();
  }

  /** `<MicroFuture pending>`, `<MicroTask finished name='Task-1'>`… */
  toString(): string {
    return `<${this.constructor.name} ${this.#state}${this.reprExtra()}>`;
  }
  /** What a subclass adds to `toString()`. */
  protected reprExtra(): string {
    return '';
  }

  /** Cancels with the very `CancelledError` a task's coroutine raised (asyncio keeps `_cancelled_exc`). */
  protected cancelWith(exc: CancelledError): void {
    this.#cancelledError = exc;
    MicroFuture.prototype.cancel.call(this, exc.message === '' ? undefined : exc.message);
  }

  #makeCancelledError(): CancelledError {
    this.#cancelledError ??= new CancelledError(this.#cancelMessage ?? '');
    return this.#cancelledError;
  }
  #checkPending(api: string): void {
    if (this.#state !== 'pending') throw new InvalidStateError(`${this.constructor.name}.${api}(): ${this.#state}: ${this.toString()}`);
  }
  #scheduleCallbacks(): void {
    const callbacks = this.#callbacks;
    this.#callbacks = [];
    for (const [cb, context] of callbacks) this.#loop.callSoonIn(context, cb as (fut: this) => void, this);
  }
}

let taskCounter = 0;
const GeneratorFunction = function* () {}.constructor;

/** Whether `value` is a generator object (a coroutine). */
export function isCoroutine(value: unknown): value is Coroutine<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Coroutine).next === 'function' &&
    typeof (value as Coroutine).throw === 'function' &&
    typeof (value as Coroutine)[Symbol.iterator] === 'function'
  );
}

/** A future that drives a coroutine or an async function. */
export class MicroTask<T = unknown> extends MicroFuture<T> implements Task<T> {
  readonly #coro: CoroutineLike<T>;
  readonly #loop: MicroFutureLoop;
  readonly #context: Context;
  #name: string;
  #gen: Coroutine<T> | null = null;
  #kind: 'unstarted' | 'generator' | 'async' = 'unstarted';
  /** The futures the task waits on: the one a coroutine yielded, or those its async function awaits. */
  #waitingOn: Future<unknown>[] = [];
  #mustCancel = false;
  #cancelRequests = 0;

  constructor(loop: MicroFutureLoop, coro: CoroutineLike<T>, options: CreateTaskOptions = {}) {
    if (!isCoroutine(coro) && typeof coro !== 'function') {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `MicroTask(): a coroutine or a function was expected, got ${describeValue(coro)}`);
    }
    if (options.name !== undefined && typeof options.name !== 'string') {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `MicroTask(): name must be a string, got ${describeValue(options.name)}`);
    }
    super(loop);
    this.#loop = loop;
    this.#coro = coro;
    this.#name = options.name ?? `Task-${++taskCounter}`;
    this.#context = options.context ?? new MicroContext();
    loop.callSoonIn(this.#context, () => this.#step());
    registerTask(this);
  }

  /** The task's name (`Task-N` unless given). */
  getName(): string {
    return this.#name;
  }
  /** Renames the task. */
  setName(name: string): void {
    this.#name = String(name);
  }
  /** The coroutine or function the task drives. */
  getCoro(): CoroutineLike<T> {
    return this.#coro;
  }
  /** The context the task's steps run in. */
  getContext(): Context {
    return this.#context;
  }
  /** How many cancellation requests are pending. */
  cancelling(): number {
    return this.#cancelRequests;
  }
  /** Takes back one cancellation request; returns the remaining count. */
  uncancel(): number {
    if (this.#cancelRequests > 0) this.#cancelRequests--;
    return this.#cancelRequests;
  }

  /** Tasks do not support `setResult`: `RuntimeError`. */
  override setResult(_value: T): void {
    throw new RuntimeError('MicroTask.setResult(): Task does not support set_result operation');
  }
  /** Tasks do not support `setException`: `RuntimeError`. */
  override setException(_exception: unknown): void {
    throw new RuntimeError('MicroTask.setException(): Task does not support set_exception operation');
  }

  /**
   * Requests cancellation: cancels the future the task waits on, or throws
   * `CancelledError` (carrying `msg`) into the coroutine at its next step.
   * `false` when the task is already done.
   */
  override cancel(msg?: string): boolean {
    checkMessage(this, msg);
    if (this.done()) return false;
    this.#cancelRequests++;
    let cancelled = false;
    for (const fut of this.#waitingOn.slice()) if (fut.cancel(msg)) cancelled = true;
    if (cancelled) return true;
    this.#mustCancel = true;
    this.#pendingMessage = msg;
    return true;
  }
  #pendingMessage: string | undefined = undefined;

  /** A future's `then()`: the task's async function awaits `fut`; returns whether the task now waits on it (`TASK_AWAIT`). */
  [TASK_AWAIT](fut: Future<unknown>): boolean {
    if (this.done() || this.#kind !== 'async') return false;
    this.#waitingOn.push(fut);
    if (this.#mustCancel && fut.cancel(this.#pendingMessage)) this.#mustCancel = false;
    return true;
  }
  /**
   * The await of `fut` is settling: the function resumes before the loop's
   * next callback (`TASK_RELEASE`). A cancellation requested while `fut` was
   * already done is delivered now, instead of `fut`'s outcome, unless that
   * outcome is itself a cancellation.
   */
  [TASK_RELEASE](fut: Future<unknown>): CancelledError | null {
    const i = this.#waitingOn.indexOf(fut);
    if (i >= 0) this.#waitingOn.splice(i, 1);
    this.#loop.noteJsWake();
    if (!this.#mustCancel || this.done()) return null;
    this.#mustCancel = false;
    // A cancelled future brings its own CancelledError, which asyncio's step keeps.
    if (fut.cancelled()) return null;
    return new CancelledError(this.#pendingMessage ?? '');
  }

  protected override reprExtra(): string {
    return ` name='${this.#name}'`;
  }

  /** One step (asyncio's `Task.__step`), run as a loop callback in the task's context; the current task meanwhile. */
  #step(exc?: unknown): void {
    if (this.done()) throw new InvalidStateError(`MicroTask step: already done: ${this.toString()}`);
    enterTask(this.#loop, this);
    try {
      this.#stepInner(exc);
    } finally {
      leaveTask(this.#loop, this);
    }
  }

  #stepInner(exc?: unknown): void {
    if (this.#mustCancel) {
      if (!(exc instanceof CancelledError)) exc = new CancelledError(this.#pendingMessage ?? '');
      this.#mustCancel = false;
    }
    this.#waitingOn = [];
    if (this.#kind === 'unstarted' && !this.#start(exc)) return;
    const gen = this.#gen;
    if (gen === null) return;
    let r: IteratorResult<unknown, T>;
    try {
      r = exc === undefined ? gen.next() : gen.throw(exc);
    } catch (e) {
      this.#finishError(e);
      return;
    }
    if (r.done === true) this.#finishResult(r.value);
    else this.#handleYield(r.value);
  }

  /** The first step: calls the function, if any; returns whether a generator is to be stepped now. */
  #start(exc: unknown): boolean {
    const coro = this.#coro;
    if (!(typeof coro === 'function')) {
      this.#gen = coro;
      this.#kind = 'generator';
      return true;
    }
    if (exc !== undefined) {
      // Cancelled before it started: the function never runs.
      this.#finishError(exc);
      return false;
    }
    let produced: unknown;
    try {
      if (coro.constructor === GeneratorFunction) produced = coro();
      else {
        // An async function awaits inside this call: the task must already count as one (see `awaiting`).
        this.#kind = 'async';
        this.#loop.noteJsWake();
        produced = taskFrame.run(this, coro);
      }
    } catch (e) {
      this.#finishError(e);
      return false;
    }
    if (isCoroutine(produced)) {
      this.#gen = produced as Coroutine<T>;
      this.#kind = 'generator';
      return true;
    }
    if (isThenable(produced)) {
      this.#kind = 'async';
      (produced as PromiseLike<T>).then(
        (value) => {
          if (!this.done()) this.#finishResult(value);
        },
        (err: unknown) => {
          if (!this.done()) this.#finishError(err);
        },
      );
      return false;
    }
    this.#finishError(
      loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `createTask(): the function must return a coroutine or a promise, got ${describeValue(produced)}`),
    );
    return false;
  }

  #handleYield(value: unknown): void {
    if (value === null || value === undefined) {
      // A bare yield gives up one loop iteration.
      this.#loop.callSoonIn(this.#context, () => this.#step());
      return;
    }
    let bad: RuntimeError;
    if (this.#loop.ownsFuture(value) && value[FUTURE_BLOCKING] && value !== (this as MicroFuture<unknown>)) {
      value[FUTURE_BLOCKING] = false;
      this.#waitingOn = [value];
      value.addDoneCallback((fut) => this.#wakeup(fut), { context: this.#context });
      if (this.#mustCancel && value.cancel(this.#pendingMessage)) this.#mustCancel = false;
      return;
    } else if (value === (this as unknown)) {
      bad = new RuntimeError(`Task cannot await on itself: ${this.toString()}`, { code: 'ERR_LOOP_BAD_YIELD' });
    } else if (isFuture(value) && value.getLoop() !== this.#loop) {
      bad = new RuntimeError(`Task ${this.toString()} got Future ${describeValue(value)} attached to a different loop`, { code: 'ERR_LOOP_BAD_YIELD' });
    } else if (this.#loop.ownsFuture(value)) {
      bad = new RuntimeError(`yield was used instead of yield* in task ${this.toString()} with ${describeValue(value)}`, { code: 'ERR_LOOP_BAD_YIELD' });
    } else {
      bad = new RuntimeError(`Task got bad yield: ${describeValue(value)}`, { code: 'ERR_LOOP_BAD_YIELD' });
    }
    this.#loop.callSoonIn(this.#context, () => this.#step(bad));
  }

  #wakeup(fut: Future<unknown>): void {
    try {
      fut.result();
    } catch (e) {
      this.#step(e);
      return;
    }
    this.#step();
  }

  #finishResult(value: T): void {
    unregisterTask(this);
    if (this.#mustCancel) {
      // Cancelled right before the coroutine returned: the task ends cancelled.
      this.#mustCancel = false;
      MicroFuture.prototype.cancel.call(this, this.#pendingMessage);
      return;
    }
    MicroFuture.prototype.setResult.call(this, value);
  }
  #finishError(exc: unknown): void {
    unregisterTask(this);
    if (exc instanceof CancelledError) this.cancelWith(exc);
    else MicroFuture.prototype.setException.call(this, exc);
  }
}
