/**
 * `Task`: a future that drives a coroutine or an async function.
 *
 * Generator coroutines are driven step by step, one loop callback per step,
 * as asyncio's `Task.__step`:
 *
 *   step(exc?) --next()/throw(exc)--> yielded a pending Future (via yield*)
 *        ^                              -> wait: wakeup is its done callback
 *        |                           yielded null/undefined (bare yield)
 *        |                              -> callSoon(step): one iteration
 *        |                           yielded anything else
 *        |                              -> callSoon(step, RuntimeError)
 *        +------ wakeup(fut) <------ returned -> setResult / cancelled
 *                                    threw    -> setException / cancelled
 *
 * Async functions (a function given to the task that returns a promise) are
 * started in the task's first step, inside the task's context and inside the
 * task's frame (`internal/task-storage.ts`); each loop future that the
 * function awaits records itself as what the task waits for (`_awaiting`),
 * so `cancel()` cancels it and the `await` throws `CancelledError` there.
 * The task completes when the function's promise settles.
 *
 * Cancellation is a request: `cancel()` cancels the awaited future or, when
 * there is none, throws `CancelledError` into the coroutine at its next step
 * (`_mustCancel`). `cancelling()` counts requests; `uncancel()` takes one
 * back. A coroutine that returns after a pending request ends cancelled.
 *
 * @packageDocumentation
 */
import { CancelledError, InvalidStateError, currentTaskOf, isThenable, loopError, peekRunningLoop, RuntimeError } from '@loop/interfaces';
import type { Coroutine, CoroutineLike, CreateTaskOptions, SchedulingLoop, Task as TaskContract } from '@loop/interfaces';
import { Context, currentData } from './context.js';
import type { VarMap } from './context.js';
import { Future, isCancelledError, isCoreFuture, isCoreLoop } from './futures.js';
import {
  CANCELS_ONE,
  CANCELS_SHIFT,
  FLAG_FOREIGN,
  FLAG_LOG_DESTROY_PENDING,
  FLAG_MUST_CANCEL,
  KIND_ASYNC,
  KIND_GENERATOR,
  KIND_MASK,
} from './internal/future-flags.js';
import { G } from './internal/globals.js';
import { callbackName, reprValue, siteLocation } from './internal/format.js';
import { taskStorage } from './internal/task-storage.js';
import { TASK_WAKEUP } from './internal/task-wakeup.js';
import type { BaseEventLoop } from './base-event-loop.js';
import { getRunningLoop } from './policies.js';

const GeneratorFunction = function* () {}.constructor;

/** The context a task step runs in when the task's context is only values (steps never nest). */
const taskScratch = new Context();


/**
 * The futures an async function awaits beyond the first (`Promise.all` over
 * loop futures, say): rare, so kept beside the task, not in it.
 */
const extraWaiters = new WeakMap<object, Future<unknown>[]>();

/** The code of every error a bad yield makes the task fail with. */
const BAD_YIELD = { code: 'ERR_LOOP_BAD_YIELD' } as const;

/** @internal `Task._stepArg` value: wake up from the awaited future. */
const WAKE: unique symbol = Symbol('WAKE');

type TaskKind = 'unstarted' | 'generator' | 'async';

/** Options of `new Task()`. */
export interface TaskOptions {
  /** The loop: the running loop, else `getEventLoop()`, when omitted. */
  loop?: BaseEventLoop;
  /** The task's name; `Task-N` when omitted. */
  name?: string;
  /** The context the task runs in; a copy of the current one when omitted. */
  context?: Context;
}

const AsyncFunction = async function () {}.constructor;
const AsyncGeneratorFunction = async function* () {}.constructor;

/** Whether `fn` is a coroutine function (asyncio's `iscoroutinefunction`): a generator, async or async generator function. */
export function isCoroutineFunction(fn: Function): boolean {
  const ctor = fn.constructor;
  return ctor === GeneratorFunction || ctor === AsyncFunction || ctor === AsyncGeneratorFunction;
}

/** Whether `value` is a generator object (a coroutine). */
export function isCoroutine(value: unknown): value is Coroutine<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Generator).next === 'function' &&
    typeof (value as Generator).throw === 'function' &&
    typeof (value as Generator)[Symbol.iterator] === 'function'
  );
}


/**
 * @internal The `AbortController` that `taskSignal(task)` handed out for a
 * task: aborted (and dropped) by the task's first `cancel()` request.
 */
export const taskAborters = new WeakMap<Task<unknown>, AbortController>();

/** A future that drives a coroutine or an async function. */
export class Task<T = unknown> extends Future<T> implements TaskContract<T> {
  /** @internal Marks a task as a task frame (on the prototype). */
  declare readonly _isTaskFrame: true;
  /** @internal */ _coro: CoroutineLike<T>;
  /** @internal */ _gen: Coroutine<T> | null = null;

  /** @internal The name, or the number N of the default name `Task-N` (made on demand). */
  _name: string | number;
  /**
   * @internal The task's context: a `Context`, or — until something asks for
   * the object (`getContext()`, an async function's frame) — just its values,
   * which each step runs with in a reused context and writes back.
   */
  _context: Context | VarMap;
  /** @internal The future the task waits for (generator), or the last one awaited (async). */
  _futWaiter: Future<unknown> | null = null;
  /** @internal Futures an async function awaits now besides `_futWaiter`. */
  get _jsWaiters(): Future<unknown>[] | null {
    return extraWaiters.get(this) ?? null;
  }
  set _jsWaiters(ws: Future<unknown>[] | null) {
    if (ws === null) extraWaiters.delete(this);
    else extraWaiters.set(this, ws);
  }
  /** @internal Links of the loop's list of pending tasks (`_nextTask` undefined: not in it). */
  _prevTask: Task<unknown> | null = null;
  /** @internal */ _nextTask: Task<unknown> | null | undefined = undefined;
  /**
   * @internal What the task's next run from the ready queue does: a step
   * with this exception (`undefined`: none), or {@link WAKE}: the future it
   * waits for is done.
   */
  _stepArg: unknown = undefined;
  /** @internal A task in the ready queue is never a cancelled handle (on the prototype). */
  declare readonly _cancelled: false;

  /**
   * Wraps `coro` — a coroutine (generator object), or a function returning a
   * coroutine or a promise, called at the task's first step — and schedules
   * the first step. Prefer `loop.createTask(coro)`.
   */
  constructor(coro: CoroutineLike<T>, options?: TaskOptions | null) {
    if (!isCoroutine(coro) && typeof coro !== 'function') {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `Task(): a coroutine or a function was expected, got ${reprValue(coro)}`);
    }
    super({ loop: options?.loop });
    if ((this._flags & FLAG_FOREIGN) !== 0) {
      throw loopError(
        TypeError,
        'ERR_LOOP_INVALID_ARG',
        `Task(): a @loop/core Task steps only on a core loop, not ${reprValue(this._loop)}; use that loop's createTask()`,
      );
    }
    if (options?.name !== undefined && typeof options.name !== 'string') {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `Task(): name must be a string, got ${reprValue(options.name)}`);
    }
    if (options?.context !== undefined && !(options.context instanceof Context)) {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `Task(): context must be a Context, got ${reprValue(options.context)}`);
    }
    this._coro = coro;
    this._flags |= FLAG_LOG_DESTROY_PENDING;
    this._name = options?.name ?? ++G.taskCounter;
    this._context = options?.context ?? currentData();
    this._loop._scheduleStep(this);
    this._loop._registerTask(this);
  }

  /** @internal What the task drives, known from its first step (two bits of `_flags`). */
  get _kind(): TaskKind {
    const k = this._flags & KIND_MASK;
    return k === 0 ? 'unstarted' : k === KIND_GENERATOR ? 'generator' : 'async';
  }
  set _kind(kind: TaskKind) {
    const bits = kind === 'unstarted' ? 0 : kind === 'generator' ? KIND_GENERATOR : KIND_ASYNC;
    this._flags = (this._flags & ~KIND_MASK) | bits;
  }

  /** @internal A cancellation is to be thrown into the coroutine at its next step. */
  get _mustCancel(): boolean {
    return (this._flags & FLAG_MUST_CANCEL) !== 0;
  }
  set _mustCancel(v: boolean) {
    this._flags = v ? this._flags | FLAG_MUST_CANCEL : this._flags & ~FLAG_MUST_CANCEL;
  }
  /** @internal How many cancellation requests are pending (`cancelling()`), in the upper bits of `_flags`. */
  get _numCancelsRequested(): number {
    return this._flags >>> CANCELS_SHIFT;
  }
  set _numCancelsRequested(n: number) {
    this._flags = (this._flags & (CANCELS_ONE - 1)) | (n << CANCELS_SHIFT);
  }

  /** @internal Whether close() reports the task if still pending (not for runUntilComplete's own). */
  get _logDestroyPending(): boolean {
    return (this._flags & FLAG_LOG_DESTROY_PENDING) !== 0;
  }
  set _logDestroyPending(v: boolean) {
    this._flags = v ? this._flags | FLAG_LOG_DESTROY_PENDING : this._flags & ~FLAG_LOG_DESTROY_PENDING;
  }

  /** The task's name. */
  getName(): string {
    const name = this._name;
    return typeof name === 'number' ? `Task-${name}` : name;
  }

  /** Renames the task. */
  setName(name: string): void {
    this._name = String(name);
  }

  /** The coroutine or function the task drives. */
  getCoro(): CoroutineLike<T> {
    return this._coro;
  }

  /** The context the task's code runs in. */
  getContext(): Context {
    const c = this._context;
    if (c instanceof Context) return c;
    return (this._context = Context._of(c));
  }

  /** How many cancellation requests are pending. */
  cancelling(): number {
    return this._numCancelsRequested;
  }

  /** Takes back one cancellation request; returns the remaining count. */
  uncancel(): number {
    if (this._numCancelsRequested > 0) this._numCancelsRequested--;
    return this._numCancelsRequested;
  }

  /** Tasks do not support `setResult`: `RuntimeError`. */
  override setResult(_value: T): void {
    throw new RuntimeError('Task.setResult(): Task does not support set_result operation');
  }

  /** Tasks do not support `setException`: `RuntimeError`. */
  override setException(_exception: unknown): void {
    throw new RuntimeError('Task.setException(): Task does not support set_exception operation');
  }

  /**
   * Requests cancellation: cancels the future the task waits for, or throws
   * `CancelledError` (carrying `msg`) into the coroutine at its next step.
   * Returns `false` when the task is already done.
   */
  override cancel(msg?: string): boolean {
    if (msg !== undefined && typeof msg !== 'string') {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `Task.cancel(): msg must be a string, got ${reprValue(msg)}`);
    }
    this._retrieved();
    if (this._state !== 'pending') return false;
    this._numCancelsRequested++;
    const aborter = taskAborters.get(this);
    if (aborter !== undefined) {
      taskAborters.delete(this);
      aborter.abort(new CancelledError(msg ?? ''));
    }
    if (this._kind === 'async') {
      let cancelled = this._futWaiter !== null && this._futWaiter.cancel(msg);
      const waiters = this._jsWaiters;
      if (waiters !== null) {
        for (const w of waiters.slice()) if (w.cancel(msg)) cancelled = true;
      }
      if (cancelled) return true;
    } else if (this._futWaiter !== null && this._futWaiter.cancel(msg)) {
      return true;
    }
    this._mustCancel = true;
    this._cancelMessage = msg;
    return true;
  }

  /**
   * @internal Called by `Future.then` when the task's async function awaits
   * `fut`; returns whether the task now waits for it (then `_released` must
   * be called when `fut` settles the await).
   */
  _awaiting(fut: Future<unknown>): boolean {
    if (this._state !== 'pending' || this._kind !== 'async') return false;
    if (this._futWaiter === null) this._futWaiter = fut;
    else (this._jsWaiters ??= []).push(fut);
    if (this._mustCancel && fut.cancel(this._cancelMessage)) this._mustCancel = false;
    return true;
  }

  /**
   * @internal The async function is resuming from an await: takes a pending
   * cancellation request (asyncio's `_must_cancel`, consumed at the step).
   */
  _takeCancel(): CancelledError | null {
    if (!this._mustCancel) return null;
    this._mustCancel = false;
    return new CancelledError(this._cancelMessage ?? '');
  }

  /** @internal The await of `fut` (see `_awaiting`) is being settled. */
  _released(fut: Future<unknown>): void {
    if (this._futWaiter === fut) {
      const ws = this._jsWaiters;
      this._futWaiter = ws !== null && ws.length > 0 ? (ws.shift() as Future<unknown>) : null;
      return;
    }
    const ws = this._jsWaiters;
    if (ws !== null) {
      const i = ws.indexOf(fut);
      if (i >= 0) ws.splice(i, 1);
    }
  }

  /** @internal */
  override _scheduleCallbacks(): void {
    this._loop._unregisterTask(this);
    super._scheduleCallbacks();
  }

  #finishCancelled(exc: CancelledError | null): void {
    this._cancelledExc = exc;
    this._state = 'cancelled';
    this._cancelMessage = exc !== null ? exc.message : this._cancelMessage;
    this._scheduleCallbacks();
  }

  #finishResult(value: T): void {
    if (this._mustCancel) {
      // Cancelled right before the coroutine returned: the task ends cancelled.
      this._mustCancel = false;
      this.#finishCancelled(null);
      return;
    }
    this._result = value;
    this._state = 'finished';
    this._scheduleCallbacks();
  }

  #finishError(exc: unknown): void {
    if (isCancelledError(exc)) {
      this.#finishCancelled(exc);
      return;
    }
    Future.prototype.setException.call(this, exc);
  }

  #wakeupImpl(fut: Future<unknown>): void {
    let exc: unknown = undefined;
    try {
      fut.result();
    } catch (e) {
      exc = e;
    }
    this.#stepImpl(exc);
  }

  /**
   * @internal Run from the ready queue (the task is its own handle): a step
   * (asyncio's `__step`), or the wake-up after the awaited future completed
   * (`__wakeup`). A failure of the machinery itself goes to the handler.
   */
  _run(loop: BaseEventLoop): void {
    const arg = this._stepArg;
    this._stepArg = undefined;
    try {
      if (arg === WAKE) this.#wakeupImpl(this._futWaiter as Future<unknown>);
      else this.#stepImpl(arg);
    } catch (exc) {
      loop.callExceptionHandler({ message: `Exception in callback Task.__step() of ${this.toString()}`, exception: exc, task: this });
    }
  }

  /** @internal The awaited future completed: wake up at the next iteration. */
  _wake(fut: Future<unknown>): void {
    if (this._futWaiter !== fut) this._futWaiter = fut;
    this._stepArg = WAKE;
    this._loop._scheduleStep(this);
  }

  #stepImpl(exc?: unknown): void {
    if (this._state !== 'pending') {
      throw new InvalidStateError(`Task.__step(): already done: ${this.toString()}, ${reprValue(exc)}`);
    }
    if (this._mustCancel) {
      if (!isCancelledError(exc)) exc = new CancelledError(this._cancelMessage ?? '');
      this._mustCancel = false;
    }
    this._futWaiter = null;
    const loop = this._loop;
    // Enter the task's context for the step (asyncio runs __step in it).
    const c = this._context;
    let ctx: Context;
    if (c instanceof Context) ctx = c;
    else if (taskScratch._entered) ctx = this.getContext();
    else {
      ctx = taskScratch;
      ctx._data = c;
    }
    if (ctx._entered) {
      throw new RuntimeError(`Task.__step(): cannot enter context: ${ctx.toString()} is already entered`, {
        code: 'ERR_LOOP_CONTEXT_ENTERED',
      });
    }
    const prev = G.currentContext;
    ctx._entered = true;
    G.currentContext = ctx;
    loop._enterTask(this);
    try {
      this.#advance(exc);
    } finally {
      loop._leaveTask(this);
      G.currentContext = prev;
      ctx._entered = false;
      if (ctx === taskScratch) {
        // Keep what the step set; a context object made during the step gets it too.
        const data = taskScratch._data;
        const now = this._context;
        if (now instanceof Context) now._data = data;
        else this._context = data;
      }
    }
  }

  #advance(exc: unknown): void {
    let gen = this._gen;
    if (this._kind === 'unstarted') {
      const coro = this._coro;
      if (typeof coro === 'function') {
        if (exc !== undefined) {
          // Cancelled (or failed) before it started: the function never runs.
          this.#finishError(exc);
          return;
        }
        let produced: unknown;
        try {
          if (coro.constructor === GeneratorFunction) produced = coro();
          else {
            // An async function's code runs after its awaits outside any step:
            // its frame carries the context object.
            this.getContext();
            produced = taskStorage.run(this, coro);
          }
        } catch (e) {
          this.#finishError(e);
          return;
        }
        if (isCoroutine(produced)) {
          gen = this._gen = produced as Coroutine<T>;
          this._kind = 'generator';
        } else if (isCoreFuture(produced)) {
          // A loop future (a task, a stream read...) is awaited as a
          // coroutine `return await fut` would: cancelling the task cancels it.
          const fut = produced as Future<T>;
          gen = this._gen = (function* awaitFuture(): Coroutine<T> {
            return yield* fut;
          })();
          this._kind = 'generator';
        } else if (isThenable(produced)) {
          this._kind = 'async';
          // Let the function reach its first loop-future await before the
          // next callback, as a generator's first step would.
          this._loop._noteJsWake(this);
          this.#followPromise(produced as PromiseLike<T>);
          return;
        } else {
          this.#finishError(
            loopError(
              TypeError,
              'ERR_LOOP_INVALID_ARG',
              `createTask(): the function ${reprValue(coro)} must return a coroutine or a promise, got ${reprValue(produced)}`,
            ),
          );
          return;
        }
      } else {
        gen = this._gen = coro;
        this._kind = 'generator';
      }
    }
    if (gen === null) return;
    let r: IteratorResult<unknown, T>;
    try {
      r = exc === undefined ? gen.next() : gen.throw(exc);
    } catch (e) {
      this.#finishError(e);
      return;
    }
    if (r.done === true) {
      this.#finishResult(r.value);
      return;
    }
    this.#handleYield(r.value);
  }

  #handleYield(value: unknown): void {
    const loop = this._loop;
    if (value === null || value === undefined) {
      // Bare yield: give up one iteration.
      loop._scheduleStep(this);
      return;
    }
    let bad: RuntimeError;
    if (isCoreFuture(value)) {
      if (value._loop !== loop) {
        bad = new RuntimeError(`Task ${this.toString()} got Future ${value.toString()} attached to a different loop`, BAD_YIELD);
      } else if (!value._blocking) {
        bad = new RuntimeError(`yield was used instead of yield* in task ${this.toString()} with ${value.toString()}`, BAD_YIELD);
      } else if (value === this) {
        bad = new RuntimeError(`Task cannot await on itself: ${this.toString()}`, BAD_YIELD);
      } else {
        value._blocking = false;
        // asyncio's add_done_callback(self.__wakeup): the task itself is the
        // callback; when the future completes the task goes to the ready
        // queue to wake up (no handle, no closure). The step enters the
        // task's context itself.
        (value._callbacks ??= []).push(this, TASK_WAKEUP);
        this._futWaiter = value;
        if (this._mustCancel && value.cancel(this._cancelMessage)) this._mustCancel = false;
        return;
      }
    } else if (isCoroutine(value)) {
      bad = new RuntimeError(
        `yield was used instead of yield* for generator in task ${this.toString()} with ${reprValue(value)}`,
        BAD_YIELD,
      );
    } else {
      bad = new RuntimeError(`Task got bad yield: ${reprValue(value)}`, BAD_YIELD);
    }
    this._stepArg = bad;
    loop._scheduleStep(this);
  }

  #followPromise(promise: PromiseLike<T>): void {
    const loop = this._loop;
    const onValue = (value: T): void => {
      loop._noteJsActivity();
      this._jsWaiters = null;
      this._futWaiter = null;
      if (this._state === 'pending') this.#finishResult(value);
    };
    const onError = (err: unknown): void => {
      loop._noteJsActivity();
      this._jsWaiters = null;
      this._futWaiter = null;
      if (this._state === 'pending') this.#finishError(err);
    };
    try {
      promise.then(onValue, onError);
    } catch (e) {
      onError(e);
    }
  }

  /** @internal See `Future._finishedRepr`: a task's adds its name and coroutine. */
  override _finishedRepr(exception: unknown): () => string {
    const ctor = this.constructor.name;
    const name = this.getName();
    const coro = this._coro;
    // Only the name: the closure must not hold the coroutine (which may hold the task).
    const fname = typeof coro === 'function' ? callbackName(coro) : 'coroutine';
    const site = this._sourceTraceback;
    return () => {
      const created = site !== null ? ` created at ${siteLocation(site)}` : '';
      return `<${ctor} finished name='${name}' coro=<${fname}() done> exception=${reprValue(exception)}${created}>`;
    };
  }

  /** @internal */
  override _reprInfo(): string[] {
    const info = super._reprInfo();
    if (this._numCancelsRequested > 0 && this._state === 'pending') info[0] = 'cancelling';
    info.splice(1, 0, `name='${this.getName()}'`);
    const coro = this._coro;
    const fname = typeof coro === 'function' ? coro.name || 'anonymous' : 'coroutine';
    const state = this._state === 'pending' ? (this._kind === 'unstarted' ? '' : ' running') : ' done';
    info.splice(2, 0, `coro=<${fname}()${state}>`);
    if (this._futWaiter !== null) info.splice(3, 0, `wait_for=${this._futWaiter.toString()}`);
    return info;
  }
}

/**
 * The task whose code is running, in `loop` (the running loop by default):
 * a generator task's step, or an async function a task drives. `null`
 * outside any task. On a loop that is not core's, the task that loop's
 * hooks name (`currentTaskOf` of `@loop/interfaces`, ADR 0011), typed as
 * core's `Task`.
 */
export function currentTask(loop?: SchedulingLoop): Task<unknown> | null {
  const l = loop ?? getRunningLoop();
  if (!isCoreLoop(l)) return currentTaskOf(l) as Task<unknown> | null;
  const t = l._currentTask;
  if (t !== null) return t;
  const frame = taskStorage.getStore();
  // A frame is a Task of either build (ESM or CommonJS), hence the structural test.
  if (frame !== undefined && (frame as Task<unknown>)._loop === l && (frame as Task<unknown>)._state === 'pending') return frame as Task<unknown>;
  return null;
}

/**
 * asyncio's module-level `create_task(coro, name=, context=)`: a task of
 * `coro` on the running loop (`RuntimeError` when none runs). The same as
 * `getRunningLoop().createTask(coro, options)`.
 */
export function createTask<T>(coro: CoroutineLike<T>, options?: CreateTaskOptions | null): Task<T> {
  return getRunningLoop().createTask(coro, options);
}

/**
 * Calls `fn` outside any task and returns what it returns. `currentTask()`
 * is `null` in `fn`, and the async code `fn` starts belongs to no task: a
 * loop future that code awaits is not the calling task's (cancelling the
 * task that called `runOutsideTask` does not cancel it), and
 * `currentTask()` is `null` after its `await`s. For work a task starts but
 * does not await directly, such as the connection attempts of a Happy
 * Eyeballs race, which the race's own future stands for.
 *
 * @example
 * ```ts
 * const attempt = runOutsideTask(() => connectOnce(addr)); // a Promise
 * ```
 */
export function runOutsideTask<R>(fn: () => R): R {
  if (typeof fn !== 'function') throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `runOutsideTask(): fn must be a function, got ${reprValue(fn)}`);
  // Inside a task's step, fn's synchronous part is outside the task too.
  const running = peekRunningLoop();
  const loop = isCoreLoop(running) ? running : null;
  const stepping = loop?._currentTask ?? null;
  if (loop !== null) loop._currentTask = null;
  try {
    return taskStorage.exit(fn);
  } finally {
    if (loop !== null) loop._currentTask = stepping;
  }
}

Object.defineProperty(Task.prototype, '_isTaskFrame', { value: true });
Object.defineProperty(Task.prototype, '_cancelled', { value: false });

/** Whether `value` is a task. */
export function isTask(value: unknown): value is Task<unknown> {
  return value instanceof Task;
}
