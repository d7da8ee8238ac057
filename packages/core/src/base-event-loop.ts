/**
 * `BaseEventLoop`: asyncio's scheduling loop, hosted on Node's event loop.
 *
 * WHAT IS STORED
 *   ready      RingQueue<Runnable>   handles to run, FIFO (a task is its own
 *                                     handle for its steps and wake-ups)
 *   scheduled  TimerHeap<TimerHandle> timers by (when, insertion seq);
 *                                     cancelled ones stay until popped or
 *                                     compacted (cancelledTimers counts them)
 *   phase      'stopped' | 'slice' | 'draining' | 'idle'
 *
 * ONE ITERATION (asyncio's `_run_once`; see docs/loop-iteration.md)
 *   1. timer hygiene: compact the heap when > 100 timers and more than half
 *      are cancelled, else pop cancelled timers off the head;
 *   2. poll I/O without waiting (`pollIo`, a backend's hook): events that
 *      arrived move to `ready`;
 *   3. due timers (when < now + clock resolution) join the batch, by
 *      (when, seq), after the handles already ready (asyncio moves them to
 *      `ready`; here the batch pops them from the heap as it reaches them,
 *      fixed to the timers made before the iteration began);
 *   4. the batch: exactly the handles in `ready` now, then the due timers,
 *      run; whatever they schedule waits for the next iteration.
 *   `#continue` is the only place callbacks run.
 *
 * HOSTING (why runForever returns a promise)
 *   The loop never blocks the thread. It runs iterations back to back for a
 *   time slice (SLICE_MS), then yields to Node (setImmediate) so Node's I/O
 *   is never starved. When an iteration would wait — nothing ready — it
 *   returns to Node with a timer for the next due TimerHandle (or a keep-alive
 *   when there is none: a running loop keeps the process alive, as a blocked
 *   `run_forever` does) and a callback scheduled from outside wakes it.
 *
 *   stopped --runForever--> slice --batch done, nothing ready--> idle
 *      ^                     |  ^                                 |
 *      |                     |  +----- pump (timer / wake) -------+
 *      +----stop taken-------+
 *                            +--JS awaiter woken--> draining --> slice
 *
 * ASYNC FUNCTIONS resume where a generator task's step would: when a loop
 * callback settles a promise that an async function awaits (`Future.then`),
 * the promise bridge (`internal/promise-bridge.ts`) tells the loop, which
 * lets the microtask queue drain before the next callback of the batch.
 *
 * @packageDocumentation
 */
import { performance } from 'node:perf_hooks';
import { AbstractEventLoop, BACKEND, CLOSE_HOOKS, NotImplementedError, RuntimeError, closedError, isCancellableWork, isThenable, loopError, optionsArg, peekRunningLoop, setRunningLoop, setTaskLookup } from '@loop/interfaces';
import type {
  Awaitable,
  BackendHost,
  Executor,
  IoBackend,
  WorkReference,
  CoroutineLike,
  CreateTaskOptions,
  ExceptionContext,
  ExceptionHandler,
  TaskFactory,
} from '@loop/interfaces';
import { MonotonicClock } from './clock.js';
import type { Clock } from './clock.js';
import { Context, currentData } from './context.js';
import type { VarMap } from './context.js';
import { CORE_LOOP_BRAND, Future, isCancelledError } from './futures.js';
import { isFuture } from '@loop/interfaces';
import { Handle, TimerHandle } from './handles.js';
import type { PromiseBridge } from './internal/promise-bridge.js';
import { reprValue } from './internal/format.js';
import { taskStorage } from './internal/task-storage.js';
import { getLogger } from './logger.js';
import { RingQueue } from './ready-queue.js';
import { Task, currentTask, isCoroutine, isCoroutineFunction } from './tasks.js';
import { MIN_CANCELLED_TIMER_HANDLES_FRACTION, MIN_SCHEDULED_TIMER_HANDLES, TimerHeap } from './timer-heap.js';

/** How long the loop runs iterations back to back before yielding to Node, in ms. */
const SLICE_MS = 2;
/** asyncio's cap on a wait: one day. */
const MAXIMUM_SELECT_TIMEOUT = 24 * 3600;
const EMPTY_ARGS: unknown[] = [];
const RESOLVED: Promise<void> = Promise.resolve();
const EMPTY_DATA: VarMap = new Map();

type Phase = 'stopped' | 'slice' | 'draining' | 'idle';

/** What the ready queue holds: a `Handle`, or a `Task` running its own step. */
interface Runnable {
  readonly _cancelled: boolean;
  _run(loop: BaseEventLoop): void;
  toString(): string;
}

/** Options of `new BaseEventLoop()`. */
export interface BaseEventLoopOptions {
  /** The clock (a `MonotonicClock` by default; a `VirtualClock` for virtual time). */
  clock?: Clock;
  /** Debug mode; by default, on when the `LOOP_DEBUG` environment variable is non-empty. */
  debug?: boolean;
  /** The I/O backend (selector, proactor, a third party's); none for a scheduling-only loop. */
  backend?: IoBackend;
}

/** What `loopStats()` returns. */
export interface LoopStats {
  /** Iterations run so far (asyncio's `_run_once` calls). */
  iterations: number;
  /** Handles in the ready queue, cancelled ones excluded. */
  ready: number;
  /**
   * Timers scheduled, cancelled ones excluded. During a batch, the due timers
   * it has not run yet still count here (asyncio would count them in its
   * ready queue: `@loop` pops them from the heap as the batch reaches them).
   */
  timers: number;
  /** Cancelled timers still in the heap. */
  cancelledTimers: number;
  /** Tasks of this loop that are not done. */
  tasks: number;
}


function checkCallback(cb: unknown, api: string): void {
  if (typeof cb !== 'function') {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `a callable object was expected by ${api}(), got ${reprValue(cb)}`);
  }
  if (isCoroutineFunction(cb)) {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `coroutines cannot be used with ${api}(): pass the function to createTask() instead`);
  }
}

/** @internal Validates a delay or a time: a number (TypeError) that is finite (RangeError). */
export function checkSeconds(value: unknown, api: string, what: string): asserts value is number {
  if (typeof value !== 'number') {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}(): ${what} must be a number of seconds, got ${reprValue(value)}`);
  }
  if (!Number.isFinite(value)) {
    throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `${api}(): ${what} must be finite, got ${value}`);
  }
}

/** A timer leaves the heap. */
function unschedule(t: TimerHandle): void {
  t._heap = null;
}

/** The exception handler's last word: a logger that throws too is ignored (no exception escapes the loop, D6). */
function lastResort(message: string, exc: unknown): void {
  try {
    getLogger().error(message, exc);
  } catch {
    // nothing is left to report to
  }
}

function noop(): void {}

function isExecutor(value: unknown): value is Executor {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Executor).submit === 'function' &&
    typeof (value as Executor).shutdown === 'function'
  );
}

let defaultExecutorFactory: (() => Executor) | null = null;

/** @internal Registered by index.ts: makes the default executor (a `ThreadPoolExecutor`). */
export function _setDefaultExecutorFactory(factory: () => Executor): void {
  defaultExecutorFactory = factory;
}

/**
 * `AbstractEventLoop` as a base class whose static type adds nothing: at run
 * time `BaseEventLoop` is a subclass of it, as asyncio's is
 * (`loop instanceof AbstractEventLoop`, across the ESM and CommonJS builds
 * too), while its static type lists only what it implements, so that a
 * composed loop's type shows what the loop can do. Every method of
 * `AbstractEventLoop` is either implemented below or a capability stand-in
 * that `compose` may replace.
 */
const AbstractEventLoopBase = AbstractEventLoop as unknown as abstract new () => object;

/**
 * asyncio's `BaseEventLoop`: a complete scheduling loop (callbacks, timers,
 * futures, tasks, the exception handler, debug mode) with no I/O. Backends
 * extend it with `pollIo` and the transport factories; capability packages
 * compose their methods in (docs/adr/0001-loop-composition.md). An instance
 * of `AbstractEventLoop` (see `AbstractEventLoopBase`).
 */
export class BaseEventLoop extends AbstractEventLoopBase implements PromiseBridge {
  /** Slow-callback threshold in seconds for debug mode (asyncio's `slow_callback_duration`). */
  slowCallbackDuration = 0.1;

  /** @internal The task whose generator step or async start runs now. */
  _currentTask: Task<unknown> | null = null;
  /**
   * @internal Marks core loops (of either build): futures bound to one use
   * its internals (ADR 0011). An own field, so the test each new future makes
   * is one in-object load.
   */
  readonly [CORE_LOOP_BRAND] = true;

  // The promise bridge (internal/promise-bridge.ts): set only through the
  // `_noteJs*` methods, by futures and tasks; read and cleared only here.
  // Invariants:
  //   - #jsWake is cleared right before each callback of a batch runs and read
  //     right after it: when read, it says whether that callback settled an
  //     async function's await. Set by anything else (a promise job, a Node
  //     callback), it is never read before being cleared.
  //   - #jsActivity and #jsAwaited are read and cleared together at each hop
  //     of a drain (#hop), and nowhere else: each says whether its event
  //     happened since the previous hop (for the first hop, since the last
  //     drain ended: the callback that woke an await included).
  //   - #resuming is not null only from a wake (#jsWake set with a task)
  //     until the drain it starts ends (#hop clears it); a task it names that
  //     is no longer pending ends the drain like a suspended one.
  /** A loop callback settled a promise an async function awaits. */
  #jsWake = false;
  /** A backend said I/O is ready (`wakeup`): the next wait is an iteration, as `select()` returns at once. */
  #ioReady = false;
  /** Promise-side work touched the loop (a then(), an async task's end). */
  #jsActivity = false;
  /** A task's async function suspended on a pending loop future. */
  #jsAwaited = false;
  /** The async-function task the last wake resumed, while the drain runs. */
  #resuming: { readonly _state: string } | null = null;

  readonly #clock: Clock;
  readonly #ready = new RingQueue<Runnable>();
  readonly #scheduled = new TimerHeap<TimerHandle>();
  /** Pending tasks, strongly held until they finish: an intrusive doubly-linked list (O(1), no hashing). */
  #tasksHead: Task<unknown> | null = null;
  #taskCount = 0;
  readonly #asyncgens = new Set<AsyncGenerator<unknown, unknown, unknown>>();
  #asyncgensShutdownCalled = false;
  #defaultExecutor: Executor | null = null;
  #executorShutdownCalled = false;
  #cancelledTimers = 0;
  #timerSeq = 0;
  #iterations = 0;
  #debug: boolean;
  #closed = false;
  #stopping = false;
  #running = false;
  #phase: Phase = 'stopped';
  #batchLeft = 0;
  /**
   * The due-timer part of the current batch: timers with `when < #dueEnd`
   * and `seq < #dueSeqLimit` (made before the iteration began) run after the
   * ready part, popped one by one as the batch reaches them. `#dueEnd` is
   * `-Infinity` when there is none (or it is done).
   */
  #dueEnd = -Infinity;
  #dueSeqLimit = 0;
  /** Timers made during the batch that sort among its due timers: pushed back when the batch ends. */
  #deferred: TimerHandle[] | null = null;
  #inIteration = false;
  #sliceEnd = 0;
  #currentHandle: Runnable | null = null;
  #exceptionHandler: ExceptionHandler | null = null;
  #taskFactory: TaskFactory | null = null;
  #immediate: NodeJS.Immediate | null = null;
  #timer: NodeJS.Timeout | null = null;
  #keepAlive: NodeJS.Timeout | null = null;
  #runResolve: (() => void) | null = null;
  readonly #pumpFn = (): void => this.#pump();
  readonly #microPumpFn = (): void => this.#microPump();
  readonly #queueMicroPumpFn = (): void => {
    void RESOLVED.then(this.#microPumpFn);
  };
  /** Set while a promise job settles a loop future (see `#settleInJob`). */
  #inJob = false;
  /** A microtask pump is queued. */
  #microWake = false;
  readonly #hopFn = (): void => this.#hop();
  #hops = 0;

  /** The loop's I/O backend, or `null` (the backend contract: docs/adr/0001-loop-composition.md). */
  readonly [BACKEND]: IoBackend | null;

  /**
   * The hooks capabilities registered with `onLoopClose` (`@loop/interfaces`):
   * `close()` runs each once, before the backend closes.
   */
  readonly [CLOSE_HOOKS] = new Set<() => void>();

  constructor(options?: BaseEventLoopOptions | null) {
    super();
    options = optionsArg('BaseEventLoop', options);
    this.#clock = options.clock ?? new MonotonicClock();
    const env = typeof process !== 'undefined' ? process.env.LOOP_DEBUG : undefined;
    this.#debug = options.debug ?? (env !== undefined && env !== '');
    const backend = options.backend ?? null;
    this[BACKEND] = backend;
    if (backend !== null) backend.attach(this.#makeHost());
    // Helpers written against @loop/interfaces (currentTaskOf, allTasksOf) ask core's own records (ADR 0011).
    setTaskLookup(this, () => currentTask(this), () => this._pendingTasks());
  }

  #makeHost(): BackendHost {
    const loop = this as BaseEventLoop;
    return {
      loop: loop,
      callSoon: (cb, ...args) => loop.callSoon(cb, ...args),
      callLater: (delay, cb, ...args) => loop.callLater(delay, cb, ...args),
      time: () => loop.time(),
      createFuture: <T>() => loop.createFuture<T>(),
      callExceptionHandler: (context) => loop.callExceptionHandler(context),
      getDebug: () => loop.getDebug(),
      isClosed: () => loop.isClosed(),
      createHandle: (cb, args, context) =>
        new Handle(
          cb as (...a: unknown[]) => unknown,
          args,
          context !== undefined ? (context as Context) : currentData(),
          loop.#debug,
        ),
      addReady: (handle) => {
        if (loop.#closed) throw closedError();
        loop.#pushReady(handle as Handle);
      },
      wakeup: () => loop.wakeup(),
      wakeupNow: () => loop.wakeupNow(),
    };
  }

  // ------------------------------------------------------------------ running

  /**
   * Runs the loop until `stop()` takes effect; the promise resolves then.
   * Rejects with `RuntimeError` when the loop is closed, already running, or
   * another loop runs in this thread.
   */
  runForever(): Promise<void> {
    try {
      this.#checkClosed();
      this.#checkRunning();
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<void>((resolve) => {
      this.#runResolve = resolve;
      this.#running = true;
      setRunningLoop(this);
      this.#phase = 'idle';
      this[BACKEND]?.runStarted?.();
      this.#pump();
    });
  }

  /**
   * Runs until `future` is done and resolves to its result (or rejects with
   * its exception). A coroutine or a function becomes a task; a promise-like
   * is wrapped in a future. The loop stops one iteration after the future
   * completes, as asyncio's does.
   */
  async runUntilComplete<T>(future: Awaitable<T>): Promise<T> {
    if (!isFuture(future) && !isCoroutine(future) && typeof future !== 'function' && !isThenable(future)) {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `runUntilComplete(): a Future, a coroutine or an awaitable is required, got ${reprValue(future)}`);
    }
    this.#checkClosed();
    this.#checkRunning();
    const newTask = !isFuture(future);
    const fut = this._toFuture(future, 'runUntilComplete') as Future<T>;
    if (newTask && fut instanceof Task) fut._logDestroyPending = false;
    const _run_until_complete_cb = (f: Future<T>): void => {
      if (!f.cancelled()) f.exception();
      f.getLoop().stop();
    };
    const onDone = _run_until_complete_cb;
    fut.addDoneCallback(onDone);
    try {
      await this.runForever();
    } finally {
      fut.removeDoneCallback(onDone);
    }
    if (!fut.done()) {
      throw new RuntimeError('Event loop stopped before Future completed.');
    }
    return fut.result();
  }

  /**
   * Stops the loop: the current batch of callbacks finishes, then the running
   * promise resolves. Called before `runForever()`, that run does exactly one
   * iteration. Idempotent.
   */
  stop(): void {
    this.#stopping = true;
    if (this.#running && this.#phase === 'idle') this.#wake();
  }

  /** Whether the loop is running. */
  isRunning(): boolean {
    return this.#running;
  }

  /** Whether the loop was closed. */
  isClosed(): boolean {
    return this.#closed;
  }

  /**
   * Closes the loop: pending callbacks and timers are dropped (never run).
   * Idempotent; `RuntimeError` while running. Tasks still pending are
   * reported ("Task was destroyed but it is pending!").
   */
  close(): void {
    if (this.#running) throw new RuntimeError('Cannot close a running event loop', { code: 'ERR_LOOP_RUNNING' });
    if (this.#closed) return;
    if (this.#debug) getLogger().debug(`Close ${this.toString()}`);
    this.#closed = true;
    this.#ready.clear();
    this.#batchLeft = 0;
    this.#endDue();
    for (const t of this.#scheduled.clear()) t._heap = null;
    this.#cancelledTimers = 0;
    this.#runCloseHooks();
    this.closeIo();
    this[BACKEND]?.close();
    const executor = this.#defaultExecutor;
    if (executor !== null) {
      this.#defaultExecutor = null;
      void executor.shutdown(false).catch((e: unknown) => getLogger().error('Exception while shutting the default executor down', e));
    }
    const pending = this._pendingTasks();
    for (const t of pending) this._unregisterTask(t);
    for (const task of pending) {
      if (task._kind === 'unstarted') {
        const name = typeof task._coro === 'function' ? task._coro.name || 'anonymous' : 'coroutine';
        const site = task._sourceTraceback !== null ? `\nCoroutine created at ${task._sourceTraceback}` : '';
        getLogger().warn(`RuntimeWarning: coroutine '${name}' was never awaited${site}`);
      }
      if (task._logDestroyPending) {
        const context: ExceptionContext = { message: 'Task was destroyed but it is pending!', task };
        if (task._sourceTraceback !== null) context.source_traceback = task._sourceTraceback;
        this.callExceptionHandler(context);
      }
    }
  }

  /**
   * `await using loop = newEventLoop()`: at the end of the scope the loop
   * shuts down its async generators and its default executor (running until
   * each is done), then closes, as `run()` does after its main task. Nothing
   * happens when the loop is already closed; `RuntimeError` while it runs
   * (dispose it after `runUntilComplete` returns).
   */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#closed) return;
    if (this.isRunning()) {
      throw new RuntimeError('Cannot dispose of a running event loop', { code: 'ERR_LOOP_RUNNING' });
    }
    try {
      await this.runUntilComplete(this.shutdownAsyncgens());
      await this.runUntilComplete(this.shutdownDefaultExecutor());
    } finally {
      this.close();
    }
  }

  /**
   * Closes every async generator registered with `registerAsyncgen` (asyncio's
   * `shutdown_asyncgens`): each gets `return()`; failures go to the exception
   * handler.
   */
  async shutdownAsyncgens(): Promise<void> {
    this.#asyncgensShutdownCalled = true;
    if (this.#asyncgens.size === 0) return;
    const gens = [...this.#asyncgens];
    this.#asyncgens.clear();
    const results = await Promise.allSettled(gens.map((g) => g.return(undefined)));
    results.forEach((r, i) => {
      if (r.status === 'rejected') {
        this.callExceptionHandler({
          message: `an error occurred during closing of asynchronous generator ${reprValue(gens[i])}`,
          exception: r.reason,
          asyncgen: gens[i],
        });
      }
    });
  }

  /**
   * Registers an async generator for `shutdownAsyncgens` — the JavaScript
   * stand-in for the `firstiter` hook asyncio installs with
   * `sys.set_asyncgen_hooks` (JavaScript has no such hook; see
   * docs/deviations.md). Returns the generator.
   */
  registerAsyncgen<G extends AsyncGenerator<unknown, unknown, unknown>>(agen: G): G {
    if (agen === null || typeof agen !== 'object' || typeof agen.return !== 'function') {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `registerAsyncgen(): an async generator was expected, got ${reprValue(agen)}`);
    }
    if (this.#asyncgensShutdownCalled) {
      getLogger().warn(`asynchronous generator ${reprValue(agen)} was scheduled after loop.shutdownAsyncgens() call`);
    }
    this.#asyncgens.add(agen);
    return agen;
  }

  /**
   * Shuts the default executor down, waiting for its running work (at most
   * `timeout` seconds, then it is shut down without waiting and a warning is
   * logged). Later `runInExecutor(null, ...)` calls throw `RuntimeError`.
   * Resolves at once when no default executor was made.
   */
  async shutdownDefaultExecutor(timeout?: number | null): Promise<void> {
    if (timeout !== undefined && timeout !== null) checkSeconds(timeout, 'shutdownDefaultExecutor', 'timeout');
    this.#executorShutdownCalled = true;
    const executor = this.#defaultExecutor;
    if (executor === null) return;
    this.#defaultExecutor = null;
    const done = executor.shutdown(true);
    if (timeout === undefined || timeout === null) {
      await done;
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const expired = await Promise.race([
      done.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), Math.ceil(timeout * 1000));
      }),
    ]);
    clearTimeout(timer);
    if (expired) {
      getLogger().warn(`RuntimeWarning: The executor did not finishing joining its threads within ${timeout} seconds.`);
      await executor.shutdown(false);
    }
  }

  /**
   * Runs `func(...args)` in `executor` (the default `ThreadPoolExecutor` when
   * `null`) and returns a loop future of its result. `func` is a
   * self-contained function or a `{ module, export }` reference; arguments
   * and the result cross by structured clone. Cancelling the future cancels
   * the work if it has not started.
   */
  runInExecutor<A extends unknown[], T>(
    executor: Executor | null,
    func: ((...args: A) => T | PromiseLike<T>) | WorkReference,
    ...args: A
  ): Future<T> {
    if (executor !== null && !isExecutor(executor)) {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `runInExecutor(): executor must be an Executor or null, got ${reprValue(executor)}`);
    }
    this.#checkClosed();
    // asyncio's _check_callback, in debug mode only (as asyncio).
    if (this.#debug && typeof func === 'function' && isCoroutineFunction(func)) {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', 'coroutines cannot be used with runInExecutor()');
    }
    let ex = executor;
    if (ex === null) {
      if (this.#executorShutdownCalled) {
        throw new RuntimeError('runInExecutor(): Executor shutdown has been called', {
          code: 'ERR_LOOP_EXECUTOR_SHUTDOWN',
        });
      }
      if (this.#defaultExecutor === null) {
        if (defaultExecutorFactory === null) {
          throw new NotImplementedError('runInExecutor(): no default executor factory is registered (import @loop/core)');
        }
        this.#defaultExecutor = defaultExecutorFactory();
      }
      ex = this.#defaultExecutor;
    }
    const work = ex.submit(func, ...args);
    const fut = this.createFuture<T>();
    // asyncio's _chain_future, both ways: the work's outcome completes the
    // future; cancelling the future cancels work that has not started.
    work.then(
      (value) => {
        this.#jsActivity = true;
        if (!fut.done() && !this.#closed) this.#settleInJob(() => fut.setResult(value));
      },
      (error) => {
        this.#jsActivity = true;
        if (fut.done() || this.#closed) return;
        this.#settleInJob(() => {
          if (isCancelledError(error)) fut.cancel();
          else fut.setException(error);
        });
      },
    );
    fut.addDoneCallback((f) => {
      if (f.cancelled() && isCancellableWork(work)) work.cancel();
    });
    return fut;
  }

  /** Sets the executor `runInExecutor(null, ...)` uses. `TypeError` for a non-executor. */
  setDefaultExecutor(executor: Executor): void {
    if (!isExecutor(executor)) {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `setDefaultExecutor(): executor must be an Executor, got ${reprValue(executor)}`);
    }
    this.#defaultExecutor = executor;
  }

  // ------------------------------------------------------------------ scheduling

  /** Schedules `callback(...args)` for the next iteration; FIFO among `callSoon`s. */
  callSoon<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): Handle {
    checkCallback(callback, 'callSoon');
    return this.#addReady(callback as (...a: unknown[]) => unknown, args);
  }

  /**
   * `callSoon` that may be called from outside the loop's callbacks (a Node
   * callback, an I/O event): it also wakes a loop waiting for a timer or I/O.
   * (`callSoon` wakes an idle loop too: on one JavaScript thread they are the same.)
   */
  callSoonThreadsafe<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): Handle {
    checkCallback(callback, 'callSoonThreadsafe');
    return this.#addReady(callback as (...a: unknown[]) => unknown, args);
  }

  #addReady(callback: (...a: unknown[]) => unknown, args: unknown[]): Handle {
    this.#checkClosed();
    const h = new Handle(callback, args.length === 0 ? EMPTY_ARGS : args, currentData(), this.#debug);
    this.#pushReady(h);
    return h;
  }

  /** Queues a handle for the next iteration, waking an idle running loop. */
  #pushReady(h: Runnable): void {
    this.#ready.push(h);
    if (this.#phase === 'idle' && this.#running) this.#wake();
  }

  /** Schedules `callback(...args)` `delay` seconds from now (`time() + delay`). */
  callLater<A extends unknown[]>(delay: number, callback: (...args: A) => unknown, ...args: A): TimerHandle {
    checkSeconds(delay, 'callLater', 'delay');
    checkCallback(callback, 'callLater');
    this.#checkClosed();
    return this.#addTimer(this.#clock.time() + delay, callback as (...a: unknown[]) => unknown, args);
  }

  /** Schedules `callback(...args)` at loop time `when`; equal `when`s run in scheduling order. */
  callAt<A extends unknown[]>(when: number, callback: (...args: A) => unknown, ...args: A): TimerHandle {
    checkSeconds(when, 'callAt', 'when');
    checkCallback(callback, 'callAt');
    this.#checkClosed();
    return this.#addTimer(when, callback as (...a: unknown[]) => unknown, args);
  }

  /** The loop's time: monotonic seconds from its clock. */
  time(): number {
    return this.#clock.time();
  }

  /** The loop's clock. */
  getClock(): Clock {
    return this.#clock;
  }

  // ------------------------------------------------------------------ futures and tasks

  /** A new future bound to this loop (works on a closed loop too, as asyncio's). */
  createFuture<T = unknown>(): Future<T> {
    return new Future<T>({ loop: this });
  }

  /**
   * Wraps a coroutine, or a function returning a coroutine or a promise, in a
   * task whose first step runs in the next iteration. Uses the task factory
   * when one is set, called as `factory(loop, coro, { name, context })`.
   */
  createTask<T>(coro: CoroutineLike<T>, options?: CreateTaskOptions | null): Task<T> {
    if (!isCoroutine(coro) && typeof coro !== 'function') {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `createTask(): a coroutine or a function was expected, got ${reprValue(coro)}`);
    }
    const { name, context } = optionsArg('createTask', options);
    if (name !== undefined && typeof name !== 'string') {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `createTask(): name must be a string, got ${reprValue(name)}`);
    }
    if (context !== undefined && !(context instanceof Context)) {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `createTask(): context must be a Context, got ${reprValue(context)}`);
    }
    this.#checkClosed();
    const factory = this.#taskFactory;
    if (factory === null) return new Task<T>(coro, { loop: this, name, context: context });
    const task = factory(this, coro, { name, context });
    if (!isFuture(task)) {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `createTask(): the task factory must return a Future, got ${reprValue(task)}`);
    }
    if (name !== undefined && typeof (task as Task<T>).setName === 'function') (task as Task<T>).setName(name);
    return task as Task<T>;
  }

  /** Sets the task factory (`null` restores the default). */
  setTaskFactory(factory: TaskFactory | null): void {
    if (factory !== null && typeof factory !== 'function') {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `setTaskFactory(): the task factory must be a function or null, got ${reprValue(factory)}`);
    }
    this.#taskFactory = factory;
  }

  /** The task factory, or `null`. */
  getTaskFactory(): TaskFactory | null {
    return this.#taskFactory;
  }

  // ------------------------------------------------------------------ errors and debug

  /** Sets the exception handler, called as `handler(loop, context)`; `null` restores the default. */
  setExceptionHandler(handler: ExceptionHandler | null): void {
    if (handler !== null && typeof handler !== 'function') {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `setExceptionHandler(): A callable object or null is expected, got ${reprValue(handler)}`);
    }
    this.#exceptionHandler = handler;
  }

  /** The exception handler, or `null` for the default one. */
  getExceptionHandler(): ExceptionHandler | null {
    return this.#exceptionHandler;
  }

  /**
   * The default exception handler: logs `message` and every other key of the
   * context at `error` through the logger, with the exception.
   */
  defaultExceptionHandler(context: ExceptionContext): void {
    const message = context.message || 'Unhandled exception in event loop';
    const exception = context.exception;
    const ctx: Record<string, unknown> = { ...context };
    const handle = this.#currentHandle;
    if (!('source_traceback' in ctx) && handle instanceof Handle && handle._sourceTraceback !== null) {
      ctx.handle_traceback = handle._sourceTraceback;
    }
    const lines = [message];
    for (const key of Object.keys(ctx).sort()) {
      if (key === 'message' || key === 'exception') continue;
      const value = ctx[key];
      if (key === 'source_traceback') lines.push(`Object created at (most recent call first):\n${String(value)}`);
      else if (key === 'handle_traceback') lines.push(`Handle created at (most recent call first):\n${String(value)}`);
      else lines.push(`${key}: ${reprValue(value)}`);
    }
    if (exception !== undefined) getLogger().error(lines.join('\n'), exception);
    else getLogger().error(lines.join('\n'));
  }

  /**
   * Calls the exception handler with `context`. A custom handler that throws
   * falls back to the default handler; the loop always goes on.
   */
  callExceptionHandler(context: ExceptionContext): void {
    const handler = this.#exceptionHandler;
    if (handler === null) {
      try {
        this.defaultExceptionHandler(context);
      } catch (exc) {
        lastResort('Exception in default exception handler', exc);
      }
      return;
    }
    try {
      handler(this, context);
    } catch (exc) {
      try {
        this.defaultExceptionHandler({ message: 'Unhandled error in exception handler', exception: exc, context });
      } catch (exc2) {
        lastResort('Exception in default exception handler while handling an unexpected error in custom exception handler', exc2);
      }
    }
  }

  /** Whether debug mode is on. */
  getDebug(): boolean {
    return this.#debug;
  }

  /** Turns debug mode on or off. */
  setDebug(enabled: boolean): void {
    this.#debug = Boolean(enabled);
  }

  /** asyncio's repr: `<BaseEventLoop running=false closed=false debug=false>`. */
  override toString(): string {
    return `<${this.constructor.name} running=${this.#running} closed=${this.#closed} debug=${this.#debug}>`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // ------------------------------------------------------------------ hooks for backends

  /**
   * The I/O phase of an iteration: a backend moves the I/O events that
   * arrived since the last call into the ready queue, without waiting. The
   * scheduling loop has no I/O, so there is nothing to move.
   */
  protected pollIo(): void {
    const backend = this[BACKEND];
    if (backend === null) return;
    let timeout = Infinity;
    if (this.#ready.length > 0 || this.#stopping) timeout = 0;
    else {
      const head = this.#scheduled.peek();
      if (head !== undefined) timeout = Math.max(0, head._when - this.#clock.time());
    }
    backend.poll(timeout);
  }

  #runCloseHooks(): void {
    const hooks = [...this[CLOSE_HOOKS]];
    this[CLOSE_HOOKS].clear();
    for (const hook of hooks) {
      try {
        hook();
      } catch (exception) {
        this.callExceptionHandler({ message: 'Exception in a close hook of the event loop', exception });
      }
    }
  }

  /** Subclass hook: releases I/O resources of its own when the loop closes (the backend is closed after it). */
  protected closeIo(): void {}

  /**
   * Tells an idle running loop that events arrived (for backends, whose I/O
   * callbacks come from Node): it runs an iteration soon, whose I/O phase
   * (`pollIo`) collects them, even if nothing else is ready — a readiness
   * backend records nothing until it is polled.
   */
  protected wakeup(): void {
    this.#ioReady = true;
    if (this.#running && this.#phase === 'idle') this.#wake();
  }

  /**
   * As {@link wakeup}, called from a Node callback that brings the backend's
   * events (a readiness watcher): an idle loop runs the iteration now, in
   * that callback, as a pump from `setImmediate` would, one check phase
   * sooner and without its cost (per 1 KiB echo request on the selector
   * loop, about a quarter of the user-space instructions, by callgrind).
   * The I/O events of one `select()` still reach one iteration: the watcher
   * covers every descriptor of the backend.
   */
  protected wakeupNow(): void {
    this.#ioReady = true;
    if (!this.#running || this.#phase !== 'idle') return;
    if (this.#immediate !== null || this.#microWake) return;
    this.#pump();
  }

  // ------------------------------------------------------------------ internals used by core

  /** @internal Schedules a done callback or a task step (no argument checks). */
  _scheduleCallback(cb: (...args: any[]) => unknown, arg: unknown, context: Context | null): void {
    if (this.#closed) throw closedError();
    this.#pushReady(new Handle(cb, [arg], context ?? EMPTY_DATA, this.#debug));
  }

  /** @internal The promise bridge (internal/promise-bridge.ts): a callback is waking an async function's await. */
  _noteJsWake(task: { readonly _state: string } | null): void {
    this.#jsWake = true;
    if (task !== null) this.#resuming = task;
  }

  /** @internal The promise bridge: promise-side work touched the loop. */
  _noteJsActivity(): void {
    this.#jsActivity = true;
  }

  /** @internal The promise bridge: a task's async function suspended on a pending loop future. */
  _noteJsAwaited(): void {
    this.#jsAwaited = true;
  }

  /** @internal Queues a task's next step or wake-up (the task is its own handle). */
  _scheduleStep(task: Task<unknown>): void {
    if (this.#closed) throw closedError();
    this.#pushReady(task);
  }

  /** @internal */
  _timerHandleCancelled(): void {
    this.#cancelledTimers++;
  }

  /** @internal */
  _enterTask(task: Task<unknown>): void {
    if (this._currentTask !== null) {
      throw new RuntimeError(
        `Cannot enter into task ${task.toString()} while another task ${this._currentTask.toString()} is being executed.`,
      );
    }
    this._currentTask = task;
  }

  /** @internal */
  _leaveTask(task: Task<unknown>): void {
    if (this._currentTask !== task) {
      throw new RuntimeError(`Leaving task ${task.toString()} does not match the current task.`);
    }
    this._currentTask = null;
  }

  /** @internal */
  _registerTask(task: Task<unknown>): void {
    const head = this.#tasksHead;
    task._nextTask = head;
    task._prevTask = null;
    if (head !== null) head._prevTask = task;
    this.#tasksHead = task;
    this.#taskCount++;
  }

  /** @internal */
  _unregisterTask(task: Task<unknown>): void {
    const next = task._nextTask;
    if (next === undefined) return;
    const prev = task._prevTask;
    if (prev !== null) prev._nextTask = next;
    else this.#tasksHead = next;
    if (next !== null) next._prevTask = prev;
    task._prevTask = null;
    task._nextTask = undefined;
    this.#taskCount--;
  }

  /** @internal The tasks of this loop that are not done, oldest first. */
  _pendingTasks(): Task<unknown>[] {
    const out: Task<unknown>[] = [];
    for (let t: Task<unknown> | null | undefined = this.#tasksHead; t != null; t = t._nextTask) out.push(t);
    return out.reverse();
  }

  /** @internal Future, coroutine, function or promise-like to a future of this loop. */
  _toFuture(value: unknown, api: string): Future<unknown> {
    if (isFuture(value)) {
      if (value.getLoop() !== this) {
        throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `${api}(): the future ${reprValue(value)} belongs to a different loop than this one`);
      }
      return value as Future<unknown>;
    }
    if (isCoroutine(value) || typeof value === 'function') return this.createTask(value as CoroutineLike<unknown>);
    if (isThenable(value)) {
      const fut = this.createFuture<unknown>();
      value.then(
        (v) => {
          this.#jsActivity = true;
          if (!fut.done()) this.#settleInJob(() => fut.setResult(v));
        },
        (e) => {
          this.#jsActivity = true;
          if (!fut.done()) this.#settleInJob(() => fut.setException(e));
        },
      );
      return fut;
    }
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}(): a Future, a coroutine or an awaitable is required, got ${reprValue(value)}`);
  }

  /** @internal For `loopStats`. */
  _stats(): LoopStats {
    let ready = 0;
    for (let i = 0; i < this.#ready.length; i++) if (!this.#ready.at(i)!._cancelled) ready++;
    return {
      iterations: this.#iterations,
      ready,
      timers: this.#scheduled.length - this.#cancelledTimers,
      cancelledTimers: this.#cancelledTimers,
      tasks: this.#taskCount,
    };
  }

  // ------------------------------------------------------------------ the pump

  #checkClosed(): void {
    if (this.#closed) throw closedError();
  }

  #checkRunning(): void {
    if (this.#running) {
      throw new RuntimeError('This event loop is already running', { code: 'ERR_LOOP_RUNNING' });
    }
    if (peekRunningLoop() !== null) {
      throw new RuntimeError('Cannot run the event loop while another loop is running', { code: 'ERR_LOOP_RUNNING' });
    }
  }

  #addTimer(when: number, callback: (...a: unknown[]) => unknown, args: unknown[]): TimerHandle {
    const timer = new TimerHandle(
      when,
      this.#timerSeq++,
      callback,
      args.length === 0 ? EMPTY_ARGS : args,
      this,
      currentData(),
      this.#debug,
    );
    this.#scheduled.push(timer);
    if (this.#phase === 'idle' && this.#running) this.#wake();
    return timer;
  }

  /**
   * A promise job (an executor's answer, a wrapped promise) settles a loop
   * future: if that wakes an idle loop before its time slice has run out,
   * the loop goes on in a microtask, as it would have within the slice,
   * instead of waiting for Node's check phase. Node callbacks (I/O) still
   * wake the loop through `setImmediate`, so that the I/O events of one
   * poll phase reach one iteration, as one `select()` does in asyncio.
   * Only a pump from `setImmediate` or a timer starts a new slice, so Node
   * gets its turn within SLICE_MS either way.
   */
  #settleInJob(settle: () => void): void {
    this.#inJob = true;
    try {
      settle();
    } finally {
      this.#inJob = false;
    }
  }

  /** Runs the pump soon, outside any task's frame (a promise job made in one would carry it). */
  #wake(): void {
    if (this.#immediate !== null || this.#microWake) return;
    if (this.#inJob && performance.now() < this.#sliceEnd) {
      this.#microWake = true;
      taskStorage.exit(this.#queueMicroPumpFn);
      return;
    }
    // A Node callback carries no task frame (internal/task-storage.ts).
    this.#immediate = setImmediate(this.#pumpFn);
  }

  #clearWaits(): void {
    if (this.#immediate !== null) {
      clearImmediate(this.#immediate);
      this.#immediate = null;
    }
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
  }

  /** The rest of the current slice, woken in a microtask (see `#settleInJob`). */
  #microPump(): void {
    this.#microWake = false;
    if (!this.#running || this.#phase !== 'idle' || this.#immediate !== null) return;
    this.#clearWaits();
    this.#phase = 'slice';
    this.#continue();
  }

  #pump(): void {
    if (!this.#running || this.#phase !== 'idle') return;
    this.#clearWaits();
    this.#phase = 'slice';
    this.#sliceEnd = performance.now() + SLICE_MS;
    this.#continue();
  }

  /** The only place callbacks run. Continues the current batch, then iterates. */
  #continue(): void {
    const ready = this.#ready;
    let count = 0;
    for (;;) {
      for (;;) {
        let h: Runnable;
        if (this.#batchLeft > 0) {
          this.#batchLeft--;
          h = ready.shift() as Runnable;
          if (h._cancelled) continue;
        } else if (this.#dueEnd !== -Infinity) {
          const due = this.#nextDue();
          if (due === undefined) break;
          h = due;
        } else {
          break;
        }
        // Set by a promise settled in this callback only (a settle outside
        // the batch, from promise jobs or Node callbacks, needs no drain here).
        this.#jsWake = false;
        if (this.#debug) this.#runTimed(h);
        else h._run(this);
        if (this.#jsWake) {
          this.#jsWake = false;
          this.#phase = 'draining';
          this.#drain(0);
          return;
        }
        if ((++count & 255) === 0 && performance.now() > this.#sliceEnd) {
          this.#yieldToNode();
          return;
        }
      }
      if (this.#inIteration) {
        this.#inIteration = false;
        if (this.#stopping) {
          this.#finishRun();
          return;
        }
      }
      // How long would asyncio's select() wait before the next iteration?
      let timeout = -1;
      if (ready.length > 0 || this.#stopping || this.#ioReady) timeout = 0;
      else {
        this.#dropCancelledHead();
        const head = this.#scheduled.peek();
        if (head !== undefined) {
          timeout = Math.min(Math.max(0, head._when - this.#clock.time()), MAXIMUM_SELECT_TIMEOUT);
          if (timeout > 0 && this.#clock.skip(timeout)) timeout = 0;
        }
      }
      if (timeout === 0) {
        if ((++count & 15) === 0 && performance.now() > this.#sliceEnd) {
          this.#yieldToNode();
          return;
        }
        this.#beginIteration();
        continue;
      }
      this.#phase = 'idle';
      if (timeout > 0 && !this.#clock.virtual) {
        const ms = Math.max(1, Math.ceil(timeout * 1000));
        this.#timer = setTimeout(this.#pumpFn, ms);
        if (this.#keepAlive !== null) {
          clearInterval(this.#keepAlive);
          this.#keepAlive = null;
        }
      } else {
        // Nothing due, or a virtual clock that moves only when told
        // (VirtualClock.advance / TestLoop.advance wakes the loop).
        this.#keepAlive ??= setInterval(noop, 0x7fffffff);
      }
      return;
    }
  }

  /** Debug mode: runs `h`, remembered as the current handle (for `handle_traceback`), and logs it if slow. */
  #runTimed(h: Runnable): void {
    const t0 = this.#clock.time();
    this.#currentHandle = h;
    try {
      h._run(this);
    } finally {
      this.#currentHandle = null;
    }
    const dt = this.#clock.time() - t0;
    if (dt >= this.slowCallbackDuration) {
      // A task's step is logged as the task, as asyncio's _format_handle.
      getLogger().warn(`Executing ${h.toString()} took ${dt.toFixed(3)} seconds`);
    }
  }

  /** Steps 1–3 of an iteration: timer hygiene, I/O, due timers; then fixes the batch. */
  #beginIteration(): void {
    this.#iterations++;
    const heap = this.#scheduled;
    if (heap.length > MIN_SCHEDULED_TIMER_HANDLES && this.#cancelledTimers / heap.length > MIN_CANCELLED_TIMER_HANDLES_FRACTION) {
      heap.compact(unschedule);
      this.#cancelledTimers = 0;
    } else {
      this.#dropCancelledHead();
    }
    this.#ioReady = false;
    this.pollIo();
    // Step 3, due timers: asyncio moves them to the ready queue now; they run
    // after the handles already there, by (when, seq). The batch pops them
    // from the timer queue as it reaches them instead (#nextDue): the same
    // order, and each timer is touched once, while it runs, instead of once
    // when moved and again (out of cache) when run.
    if (heap.length > 0) {
      const end = this.#clock.time() + this.#clock.resolution;
      if (heap.peekWhen() < end) {
        this.#dueEnd = end;
        this.#dueSeqLimit = this.#timerSeq;
      }
    }
    this.#batchLeft = this.#ready.length;
    this.#inIteration = true;
  }

  /**
   * The next due timer of the batch, or `undefined` when the batch has no
   * more (then the due part is closed). A timer made during the batch is not
   * part of it (asyncio's batch is fixed when the iteration begins): it is set
   * aside and goes back to the queue when the due part closes. A cancelled one
   * is dropped, as asyncio skips a cancelled handle in its ready queue.
   */
  #nextDue(): TimerHandle | undefined {
    const heap = this.#scheduled;
    while (heap.peekWhen() < this.#dueEnd) {
      const made = heap.peekSeq();
      const t = heap.pop() as TimerHandle;
      if (made >= this.#dueSeqLimit) {
        (this.#deferred ??= []).push(t);
        continue;
      }
      t._heap = null;
      if (t._cancelled) {
        this.#cancelledTimers--;
        continue;
      }
      return t;
    }
    this.#endDue();
    return undefined;
  }

  /** Closes the due part of the batch; timers set aside go back to the queue. */
  #endDue(): void {
    this.#dueEnd = -Infinity;
    const deferred = this.#deferred;
    if (deferred === null) return;
    this.#deferred = null;
    for (const t of deferred) this.#scheduled.push(t);
  }

  #dropCancelledHead(): void {
    const heap = this.#scheduled;
    for (let head = heap.peek(); head !== undefined && head._cancelled; head = heap.peek()) {
      heap.pop();
      head._heap = null;
      this.#cancelledTimers--;
    }
  }

  /**
   * Lets the microtask queue run (async functions resuming) before the next
   * callback: a few microtask hops, more while promise-side work keeps
   * touching the loop.
   */
  #drain(hops: number): void {
    this.#hops = hops;
    // A then() on a resolved promise: one promise job per hop.
    void RESOLVED.then(this.#hopFn);
  }

  #hop(): void {
    const active = this.#jsActivity;
    const awaited = this.#jsAwaited;
    this.#jsActivity = false;
    this.#jsAwaited = false;
    const hops = this.#hops;
    // The async function woken by the callback is suspended again on a loop
    // future and nothing else moved: the batch can go on.
    if (awaited && !active) {
      this.#resuming = null;
      this.#endDrain();
      return;
    }
    // A task is resuming: its code may run through several promise jobs
    // (its own awaits of plain promises, scopes) before it waits on a loop
    // future again or finishes; keep draining until one of those happens.
    const resuming = this.#resuming;
    const taskRunning = resuming !== null && resuming._state === 'pending';
    if ((hops < 2 || active || awaited || taskRunning) && hops < 64) {
      this.#drain(hops + 1);
      return;
    }
    this.#resuming = null;
    this.#endDrain();
  }

  /**
   * Back from draining: the batch goes on, unless the time slice is over.
   * The slice is checked here because `#continue` counts callbacks afresh
   * after each drain: a task whose every step wakes an async function (an
   * `await sleep(0)` loop, a writer paced by a 1 ms timer) would otherwise
   * never give Node its turn, and no I/O, timer or socket close would run.
   */
  #endDrain(): void {
    this.#phase = 'slice';
    if (performance.now() > this.#sliceEnd) {
      this.#yieldToNode();
      return;
    }
    this.#continue();
  }

  #yieldToNode(): void {
    this.#phase = 'idle';
    this.#wake();
  }

  #finishRun(): void {
    this.#stopping = false;
    this.#running = false;
    this.#phase = 'stopped';
    this[BACKEND]?.runStopped?.();
    if (peekRunningLoop() === this) setRunningLoop(null);
    this.#clearWaits();
    if (this.#keepAlive !== null) {
      clearInterval(this.#keepAlive);
      this.#keepAlive = null;
    }
    const resolve = this.#runResolve;
    this.#runResolve = null;
    resolve?.();
  }
}

// Methods that capability packages provide are AbstractEventLoop's stand-ins,
// inherited: they throw NotImplementedError naming the package until composed
// in (they are not part of BaseEventLoop's type).

/** Introspection for tests and tools: iteration count, ready handles, timers, tasks. */
export function loopStats(loop: BaseEventLoop): LoopStats {
  return loop._stats();
}
