/**
 * MicroLoop: a small event loop written as a framework author outside this
 * repository would write one, against `@loop/interfaces` alone (no
 * `@loop/core`, no other `@loop` package; a test checks the imports).
 *
 * What a loop must do to be a @loop loop:
 *
 * 1. Extend `AbstractEventLoop` (or implement `SchedulingLoop`). Every method
 *    it does not override fails with `NotImplementedError` naming the class
 *    and the method; the capability methods (`createConnection`,
 *    `addReader`, `runInExecutor`…) are stand-ins that `compose()` may
 *    replace and `hasCapability()` reports absent.
 * 2. Schedule as asyncio does: `callSoon` callbacks run FIFO, one batch per
 *    iteration (a callback scheduled during the batch runs in the next one);
 *    timers become ready when their deadline is reached, equal deadlines in
 *    scheduling order, and run after the callbacks already ready; a cancelled
 *    handle never runs.
 * 3. Read time only from its clock. Given a `Clock` (the kit's `clock`
 *    option), when it would wait `s` seconds for its next timer with nothing
 *    ready it calls `clock.skip(s)` and, if that returns true, does not wait:
 *    that is what lets it claim the kit's `virtual-clock` capability.
 * 4. Report failures to the exception handler with asyncio's context keys
 *    (`message`, `exception`, `handle`, `future`, `task`); a failing custom
 *    handler is reported to the default one, which logs.
 * 5. Make futures and tasks that honour the interfaces' `Future`/`Task`
 *    contracts (see `micro-future.ts`): `await fut` and `yield* fut` both work,
 *    done callbacks go through `callSoon`, cancellation carries a message.
 * 6. Raise asyncio's errors with codes: `RuntimeError('Event loop is closed')`
 *    (`closedError()`), `This event loop is already running`, and
 *    `NotImplementedError` for what it does not do.
 *
 * Async functions: a callback that starts one or settles a promise it awaits
 * makes the loop yield to Node (`setImmediate`) before the next callback, so
 * the function runs on to its next `await` where asyncio would run the task's
 * step (docs/asyncio-mapping.md, "Where an async function resumes").
 *
 * Debug mode logs a callback that ran `slowCallbackDuration` seconds or more
 * (`console.warn`, asyncio's wording).
 *
 * 7. Set the hooks of `@loop/interfaces` that loop-agnostic helpers
 *    (`@loop/core`'s `sleep`, `gather`, `timeout`, `TaskGroup`, `run`…) rely
 *    on (ADR 0011): `setRunningLoop` in `runForever`, `enterTask` /
 *    `leaveTask` around each step, `registerTask` / `unregisterTask`, a
 *    `setTaskLookup` for async functions, `[FUTURE_BLOCKING]` on its futures
 *    and `[TASK_AWAIT]` / `[TASK_RELEASE]` on its tasks. A task accepts any
 *    future of its loop (`isFuture`), whatever its class.
 *
 * What MicroLoop does not do: I/O, executors, signals, subprocesses (the
 * stand-ins say so); "never retrieved" and "destroyed
 * but pending" reports, reprs in asyncio's shape; its contexts carry no
 * variables (D94). `expectations.json` lists the conformance tests this
 * costs.
 *
 * @packageDocumentation
 */
import { performance } from 'node:perf_hooks';
import {
  AbstractEventLoop,
  CLOSE_HOOKS,
  RuntimeError,
  closedError,
  describeValue,
  isFuture,
  isThenable,
  loopError,
  optionsArg,
  peekRunningLoop,
  setRunningLoop,
  setTaskLookup,
} from '@loop/interfaces';
import type { Awaitable, Context, CoroutineLike, CreateTaskOptions, ExceptionContext, ExceptionHandler, Future, Handle, Task, TaskFactory, TimerHandle } from '@loop/interfaces';
import { MicroContext, MicroFuture, MicroTask, currentMicroTask, isCoroutine } from './micro-future.js';
import type { MicroFutureLoop } from './micro-future.js';

/** The time source of a loop (the contract the conformance kit passes as `clock`). */
export interface Clock {
  /** Monotonic time in seconds. */
  time(): number;
  /** The smallest step of `time()`: a timer due within it counts as due. */
  readonly resolution: number;
  /** Whether the clock is virtual. */
  readonly virtual: boolean;
  /** Called when the loop would wait `seconds`; `true`: the clock moved, do not wait. */
  skip(seconds: number): boolean;
}

/** Options of `new MicroLoop()`. */
export interface MicroLoopOptions {
  /** Debug mode (default: the `LOOP_DEBUG` environment variable is set and not `0`). */
  debug?: boolean;
  /** Where time comes from (default: `performance.now()`). */
  clock?: Clock;
}

const realClock: Clock = {
  time: () => performance.now() / 1000,
  resolution: 1e-6,
  virtual: false,
  skip: () => false,
};

/** The longest a Node timer may wait (ms); the loop waits no longer in one go. */
const MAX_WAIT_MS = 2 ** 31 - 1;

/** A callback scheduled on a MicroLoop (`callSoon`). */
export class MicroHandle implements Handle {
  #callback: ((...args: unknown[]) => unknown) | null;
  #args: unknown[] | null;
  #cancelled = false;
  readonly #context: Context | null;
  readonly #loop: MicroLoop;

  /** Made by the loop. */
  constructor(loop: MicroLoop, context: Context | null, callback: (...args: unknown[]) => unknown, args: unknown[]) {
    this.#loop = loop;
    this.#context = context;
    this.#callback = callback;
    this.#args = args;
  }
  /** Cancels the callback (idempotent); it will not run. */
  cancel(): void {
    this.#cancelled = true;
    this.#callback = null;
    this.#args = null;
  }
  /** Whether `cancel()` was called. */
  cancelled(): boolean {
    return this.#cancelled;
  }
  /** The context the callback runs in. */
  getContext(): Context {
    return this.#context ?? new MicroContext();
  }
  /** Runs the callback; a failure goes to the loop's exception handler (asyncio's `Handle._run`). */
  run(): void {
    const cb = this.#callback;
    if (cb === null) return;
    try {
      if (this.#context === null) cb(...(this.#args ?? []));
      else this.#context.run(cb, ...(this.#args ?? []));
    } catch (exc) {
      this.#loop.callExceptionHandler({ message: `Exception in callback ${this.#callbackRepr()}`, exception: exc, handle: this });
    }
  }
  /** `<MicroHandle name(args)>`, `<MicroHandle cancelled>`: asyncio's repr without the source location. */
  toString(): string {
    return `<${this.constructor.name} ${this.#cancelled ? 'cancelled' : this.#callbackRepr()}${this.reprExtra()}>`;
  }
  /** What a subclass adds to `toString()`. */
  protected reprExtra(): string {
    return '';
  }
  #callbackRepr(): string {
    const cb = this.#callback;
    const name = cb === null || cb.name === '' ? 'anonymous' : cb.name;
    return `${name}(${(this.#args ?? []).map(describeValue).join(', ')})`;
  }
}

/** A callback scheduled for a time (`callLater`, `callAt`). */
export class MicroTimerHandle extends MicroHandle implements TimerHandle {
  readonly #when: number;
  /** Scheduling order, for equal deadlines. */
  readonly seq: number;
  /** Made by the loop. */
  constructor(loop: MicroLoop, when: number, seq: number, callback: (...args: unknown[]) => unknown, args: unknown[]) {
    super(loop, null, callback, args);
    this.#when = when;
    this.seq = seq;
  }
  /** The loop time at which the callback is due. */
  when(): number {
    return this.#when;
  }
  protected override reprExtra(): string {
    return ` when=${this.#when}`;
  }
}

function checkCallback(api: string, callback: unknown): void {
  if (typeof callback !== 'function') {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `MicroLoop.${api}(): a callable object was expected, got ${describeValue(callback)}`);
  }
  // A generator function or an async function would only make a coroutine or a promise nobody awaits (D3).
  const kind = (callback as { constructor?: { name?: string } }).constructor?.name;
  if (kind === 'GeneratorFunction' || kind === 'AsyncFunction' || kind === 'AsyncGeneratorFunction') {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `MicroLoop.${api}(): coroutines cannot be used with ${api}()`);
  }
}

/** A small asyncio-style event loop on Node's `setImmediate`/`setTimeout`. See the module documentation. */
export class MicroLoop extends AbstractEventLoop implements MicroFutureLoop {
  #ready: MicroHandle[] = [];
  /** Timers sorted by (when, seq); cancelled ones are dropped when they reach the front. */
  #timers: MicroTimerHandle[] = [];
  #timerSeq = 0;
  readonly #clock: Clock;
  #debug: boolean;
  #running = false;
  #stopping = false;
  #closed = false;
  #exceptionHandler: ExceptionHandler | null = null;
  #taskFactory: TaskFactory | null = null;
  /** While the loop waits: ends the wait (new work was scheduled). */
  #wake: (() => void) | null = null;
  /** Set by `noteJsWake()`: promise continuations are to run before the next callback. */
  #jsWake = false;
  /** Iterations run so far. */
  iterations = 0;
  /** Hooks a capability asks to run at `close()` (`onLoopClose` from `@loop/interfaces`). */
  readonly [CLOSE_HOOKS] = new Set<() => void>();

  constructor(options: MicroLoopOptions = {}) {
    super();
    this.#clock = options.clock ?? realClock;
    const env = process.env.LOOP_DEBUG;
    this.#debug = options.debug ?? (env !== undefined && env !== '' && env !== '0');
    // currentTask() inside a task's async function, whose code runs outside any step.
    setTaskLookup(this, () => currentMicroTask(this));
  }

  // ------------------------------------------------------------ running

  /** Runs until `stop()`. Rejects with `RuntimeError` when closed or already running. */
  override async runForever(): Promise<void> {
    this.#checkRunnable();
    this.#running = true;
    setRunningLoop(this);
    try {
      for (;;) {
        await this.#runOnce();
        if (this.#stopping) break;
      }
    } finally {
      this.#stopping = false;
      this.#running = false;
      setRunningLoop(null);
    }
  }

  /** Runs until `future` is done; a coroutine or function becomes a task, a promise is wrapped. */
  override async runUntilComplete<T>(future: Awaitable<T>): Promise<T> {
    this.#checkRunnable();
    const fut = this.ensureFuture(future);
    const stopWhenDone = (): void => this.stop();
    fut.addDoneCallback(stopWhenDone);
    try {
      await this.runForever();
    } finally {
      fut.removeDoneCallback(stopWhenDone);
    }
    if (!fut.done()) throw new RuntimeError('Event loop stopped before Future completed.');
    return fut.result();
  }

  /** Stops after the current batch of ready callbacks; before a run, the next run does one iteration. */
  override stop(): void {
    this.#stopping = true;
    this.#wake?.();
  }
  /** Whether the loop is running. */
  override isRunning(): boolean {
    return this.#running;
  }
  /** Whether the loop was closed. */
  override isClosed(): boolean {
    return this.#closed;
  }
  /** Drops pending callbacks and runs the close hooks. Idempotent; `RuntimeError` while running. */
  override close(): void {
    if (this.#running) throw new RuntimeError('Cannot close a running event loop', { code: 'ERR_LOOP_RUNNING' });
    if (this.#closed) return;
    this.#closed = true;
    this.#ready = [];
    this.#timers = [];
    for (const hook of this[CLOSE_HOOKS]) {
      try {
        hook();
      } catch (exc) {
        this.callExceptionHandler({ message: 'Exception in a close hook', exception: exc });
      }
    }
    this[CLOSE_HOOKS].clear();
  }
  /** MicroLoop does not track async generators: resolves at once (nothing to close). */
  override shutdownAsyncgens(): Promise<void> {
    return Promise.resolve();
  }
  // runInExecutor, setDefaultExecutor, shutdownDefaultExecutor: MicroLoop has no executor, so it keeps
  // AbstractEventLoop's stand-ins, which fail with NotImplementedError naming @loop/core and which
  // hasCapability() reports absent (an override would claim the capability; core's Runner skips
  // shutting down an executor the loop does not have).

  /**
   * `await using loop = new MicroLoop()`: shuts the async generators down,
   * then closes the loop. `RuntimeError` while the loop runs.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#running) throw new RuntimeError('Cannot dispose of a running event loop', { code: 'ERR_LOOP_RUNNING' });
    await this.shutdownAsyncgens();
    this.close();
  }

  // ------------------------------------------------------------ scheduling

  /** Schedules `callback(...args)` for the next iteration (FIFO). */
  override callSoon<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): MicroHandle {
    checkCallback('callSoon', callback);
    return this.callSoonIn(null, callback, ...args);
  }
  /** As `callSoon`: a waiting MicroLoop is always woken. */
  override callSoonThreadsafe<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): MicroHandle {
    checkCallback('callSoonThreadsafe', callback);
    return this.callSoonIn(null, callback, ...args);
  }
  /** `callSoon` in `context` (the task's, a done callback's). */
  callSoonIn<A extends unknown[]>(context: Context | null, callback: (...args: A) => unknown, ...args: A): MicroHandle {
    this.#checkClosed();
    const handle = new MicroHandle(this, context, callback as (...a: unknown[]) => unknown, args);
    this.#ready.push(handle);
    this.#wake?.();
    return handle;
  }
  /** Schedules `callback(...args)` in `delay` seconds. */
  override callLater<A extends unknown[]>(delay: number, callback: (...args: A) => unknown, ...args: A): MicroTimerHandle {
    if (typeof delay !== 'number') {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `MicroLoop.callLater(): delay must be a number of seconds, got ${describeValue(delay)}`);
    }
    if (!Number.isFinite(delay)) {
      throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `MicroLoop.callLater(): delay must be finite, got ${delay}`);
    }
    return this.#schedule('callLater', this.time() + delay, callback, args);
  }
  /** Schedules `callback(...args)` at loop time `when`. */
  override callAt<A extends unknown[]>(when: number, callback: (...args: A) => unknown, ...args: A): MicroTimerHandle {
    if (typeof when !== 'number') {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `MicroLoop.callAt(): when must be a number, got ${describeValue(when)}`);
    }
    if (!Number.isFinite(when)) {
      throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `MicroLoop.callAt(): when must be finite, got ${when}`);
    }
    return this.#schedule('callAt', when, callback, args);
  }
  /** Argument errors first, then "closed" (D3); inserts the timer after every one due at or before `when`. */
  #schedule<A extends unknown[]>(api: string, when: number, callback: (...args: A) => unknown, args: A): MicroTimerHandle {
    checkCallback(api, callback);
    this.#checkClosed();
    const timer = new MicroTimerHandle(this, when, this.#timerSeq++, callback as (...a: unknown[]) => unknown, args);
    let lo = 0;
    let hi = this.#timers.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#timers[mid].when() <= when) lo = mid + 1;
      else hi = mid;
    }
    this.#timers.splice(lo, 0, timer);
    this.#wake?.();
    return timer;
  }
  /** The loop's clock, in seconds. */
  override time(): number {
    return this.#clock.time();
  }

  // ------------------------------------------------------------ futures and tasks

  /** A new future bound to this loop. */
  override createFuture<T = unknown>(): Future<T> {
    return new MicroFuture<T>(this);
  }
  /** Wraps a coroutine or function into a task (through the task factory, if set). */
  override createTask<T>(coro: CoroutineLike<T>, options?: CreateTaskOptions | null): Task<T> {
    const given = optionsArg('createTask', options);
    this.#checkClosed();
    const opts: CreateTaskOptions = { name: given.name, context: given.context };
    if (this.#taskFactory === null) return new MicroTask<T>(this, coro, opts);
    const task = this.#taskFactory(this, coro, opts) as Task<T>;
    if (opts.name !== undefined && typeof task.setName === 'function') task.setName(opts.name);
    return task;
  }
  /** Sets (or with `null` resets) the task factory. */
  override setTaskFactory(factory: TaskFactory | null): void {
    if (factory !== null && typeof factory !== 'function') {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `MicroLoop.setTaskFactory(): task factory must be a callable or null, got ${describeValue(factory)}`);
    }
    this.#taskFactory = factory;
  }
  /** The task factory, `null` when none is set. */
  override getTaskFactory(): TaskFactory | null {
    return this.#taskFactory;
  }
  /** Whether `value` is a future of this loop that a task may wait on. */
  ownsFuture(value: unknown): value is Future<unknown> {
    return isFuture(value) && value.getLoop() === this;
  }
  /** asyncio's `ensure_future(aw, loop=self)`: a future of this loop as is, a coroutine or function as a task, a promise wrapped. */
  ensureFuture<T>(aw: Awaitable<T>): Future<T> {
    if (isFuture(aw)) {
      if (aw.getLoop() !== this) {
        throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', 'The future belongs to a different loop than the one specified as the loop argument');
      }
      return aw;
    }
    if (isCoroutine(aw) || typeof aw === 'function') return this.createTask(aw);
    if (isThenable(aw)) {
      const fut = new MicroFuture<T>(this);
      aw.then(
        (v) => {
          if (!fut.done()) fut.setResult(v);
        },
        (e: unknown) => {
          if (!fut.done()) fut.setException(e);
        },
      );
      return fut;
    }
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `MicroLoop.ensureFuture(): an asyncio.Future, a coroutine or an awaitable is required, got ${describeValue(aw)}`);
  }

  // ------------------------------------------------------------ errors and debug

  /** Sets (or with `null` resets to the default) the exception handler. */
  override setExceptionHandler(handler: ExceptionHandler | null): void {
    if (handler !== null && typeof handler !== 'function') {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `MicroLoop.setExceptionHandler(): a callable object or null is expected, got ${describeValue(handler)}`);
    }
    this.#exceptionHandler = handler;
  }
  /** The exception handler, `null` when the default is in use. */
  override getExceptionHandler(): ExceptionHandler | null {
    return this.#exceptionHandler;
  }
  /** Logs `context` to `console.error`: the message, then each other key (sorted) as `key: value`, then the exception's stack. */
  override defaultExceptionHandler(context: ExceptionContext): void {
    const lines = [context.message || 'Unhandled exception in event loop'];
    for (const key of Object.keys(context).sort()) {
      if (key === 'message' || key === 'exception') continue;
      lines.push(`${key}: ${describeValue(context[key])}`);
    }
    const exc = context.exception;
    if (exc !== undefined) lines.push(exc instanceof Error && exc.stack !== undefined ? exc.stack : describeValue(exc));
    console.error(lines.join('\n'));
  }
  /** Calls the exception handler; a failing custom handler is reported to the default one, as asyncio does. */
  override callExceptionHandler(context: ExceptionContext): void {
    const handler = this.#exceptionHandler;
    if (handler === null) {
      try {
        this.defaultExceptionHandler(context);
      } catch (exc) {
        console.error('Exception in default exception handler', exc);
      }
      return;
    }
    try {
      handler(this, context);
    } catch (exc) {
      try {
        this.defaultExceptionHandler({ message: 'Unhandled error in exception handler', exception: exc, context });
      } catch (exc2) {
        console.error('Exception in default exception handler while handling an unexpected error in custom exception handler', exc2);
      }
    }
  }
  /** Whether debug mode is on. */
  override getDebug(): boolean {
    return this.#debug;
  }
  /** Turns debug mode on or off. */
  override setDebug(enabled: boolean): void {
    this.#debug = Boolean(enabled);
  }

  /** `<MicroLoop running=false closed=false debug=false>`. */
  override toString(): string {
    return `<MicroLoop running=${this.#running} closed=${this.#closed} debug=${this.#debug}>`;
  }

  // ------------------------------------------------------------ the iteration

  #checkClosed(): void {
    if (this.#closed) throw closedError();
  }
  /** asyncio's `_check_closed` and `_check_running`: one loop runs at a time in a thread. */
  #checkRunnable(): void {
    this.#checkClosed();
    if (this.#running) throw new RuntimeError('This event loop is already running', { code: 'ERR_LOOP_RUNNING' });
    if (peekRunningLoop() !== null) {
      throw new RuntimeError('Cannot run the event loop while another loop is running', { code: 'ERR_LOOP_RUNNING' });
    }
  }

  /**
   * One iteration (asyncio's `_run_once`): let Node run (promise
   * continuations, I/O that may schedule callbacks), wait for the next timer
   * unless something is ready, move due timers to the ready queue, then run
   * exactly the callbacks ready now.
   */
  async #runOnce(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.#timers.length > 0 && this.#timers[0].cancelled()) this.#timers.shift();
    if (this.#ready.length === 0 && !this.#stopping) {
      const next = this.#timers[0];
      const wait = next === undefined ? null : Math.max(0, next.when() - this.time());
      // A virtual clock that does not jump is never waited for in real time: only new work wakes the loop.
      if (wait === null || (wait > 0 && !this.#clock.skip(wait))) await this.#idle(this.#clock.virtual ? null : wait);
    }
    const end = this.time() + this.#clock.resolution;
    while (this.#timers.length > 0 && this.#timers[0].when() <= end) {
      const timer = this.#timers.shift() as MicroTimerHandle;
      if (!timer.cancelled()) this.#ready.push(timer);
    }
    const batch = this.#ready;
    this.#ready = [];
    for (const handle of batch) {
      if (handle.cancelled()) continue;
      if (this.#debug) this.#runTimed(handle);
      else handle.run();
      if (this.#jsWake) {
        // An async function started or its await settled: let it run to its next await now, where asyncio would
        // run the task's step, before the next callback (Node drains the microtasks before `setImmediate` fires).
        this.#jsWake = false;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    this.iterations++;
  }

  /** Debug mode: a callback that ran `slowCallbackDuration` seconds or more is logged, as asyncio does. */
  #runTimed(handle: MicroHandle): void {
    const t0 = performance.now();
    handle.run();
    const dt = (performance.now() - t0) / 1000;
    if (dt >= this.slowCallbackDuration) console.warn(`Executing ${handle.toString()} took ${dt.toFixed(3)} seconds`);
  }

  /** See {@link MicroFutureLoop.noteJsWake}. */
  noteJsWake(): void {
    this.#jsWake = true;
  }

  /** Waits `seconds` (forever when `null`), or until something is scheduled. Keeps Node alive meanwhile, as a blocked asyncio loop does. */
  #idle(seconds: number | null): Promise<void> {
    return new Promise<void>((resolve) => {
      const ms = seconds === null ? MAX_WAIT_MS : Math.min(MAX_WAIT_MS, Math.ceil(seconds * 1000));
      const timer = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.#wake = null;
        resolve();
      }
      this.#wake = done;
    });
  }
}
