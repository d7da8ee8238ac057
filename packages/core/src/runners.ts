/**
 * `run(main, { debug, loopFactory })`: asyncio.run, and `Runner`, the
 * object it is made of (asyncio 3.11). Makes a new loop (and
 * sets it as current when no factory is given), runs `main` as a task until
 * it completes, then shuts down as asyncio does: cancels the tasks left and
 * waits for them, reports those that failed, `shutdownAsyncgens`, shuts the
 * default executor down, unsets the current loop and closes the loop.
 *
 * Ctrl-C, as asyncio 3.11's `Runner` handles it. WHEN: the loop has a real
 * `addSignalHandler` (`@loop/signals` composed in; core does not import it,
 * it asks `hasCapability`), this is the main thread, and nothing else listens
 * for SIGINT (asyncio: `signal.getsignal(SIGINT)` is still
 * `default_int_handler`). HOW:
 *
 * ```text
 *   1st SIGINT  -> the main task is cancelled; if it ends cancelled (its
 *                  uncancel() drops to 0), run() rejects with KeyboardInterrupt
 *   2nd SIGINT  -> the loop stops waiting for the main task (asyncio raises
 *                  KeyboardInterrupt out of run_until_complete); the usual
 *                  shutdown cancels what is left, then run() rejects with
 *                  KeyboardInterrupt
 *   finally     -> the SIGINT handler is removed before the shutdown: a
 *                  SIGINT then ends the process (Node's default)
 * ```
 *
 * WHY the handler is a loop callback (`addSignalHandler`) and not Python's
 * inline signal handler: Node runs signal listeners only between its own
 * callbacks, so a second Ctrl-C cannot interrupt a callback that never
 * returns; it stops the loop at the end of the iteration instead
 * (docs/deviations.md D78).
 *
 * HOW the process ends: Python ends on an uncaught `KeyboardInterrupt` by
 * SIGINT (shell status 130). Node ends on an unhandled rejection with status
 * 1, so a program that wants Python's exit catches it and re-sends SIGINT,
 * which, the loop closed and its handler gone, ends the process by the
 * signal:
 *
 * ```ts
 * run(main).catch((e) => {
 *   if (e instanceof KeyboardInterrupt) process.kill(process.pid, 'SIGINT');
 *   else throw e;
 * });
 * ```
 *
 * @packageDocumentation
 */
import { isMainThread } from 'node:worker_threads';
import { KeyboardInterrupt, RuntimeError, hasCapability, loopError, nodeProcess, optionsArg, peekRunningLoop } from '@loop/interfaces';
import type { Coroutine, SchedulingLoop, SignalMethods } from '@loop/interfaces';
import { isCancelledError } from './futures.js';
import type { Task } from './tasks.js';
import type { BaseEventLoop } from './base-event-loop.js';
import { Future } from './futures.js';
import { reprValue } from './internal/format.js';
import { newEventLoop, setEventLoop } from './policies.js';
import { copyContext, type Context } from './context.js';
import { isCoroutine } from './tasks.js';
import { allTasks } from './task-helpers.js';

/** Options of {@link Runner}. */
export interface RunnerOptions {
  /** Debug mode for the loop (unchanged when omitted). */
  debug?: boolean;
  /**
   * Makes the loop; `newEventLoop()` (made current while the runner lives)
   * when omitted. Any {@link SchedulingLoop} (ADR 0011); the runner's
   * `getLoop()` is typed as core's loop.
   */
  loopFactory?: () => BaseEventLoop | SchedulingLoop;
}

/** Options of {@link run}. */
export type RunOptions = RunnerOptions;

/** Resolves when every future in `futs` is done (results are not retrieved). */
function allDone(loop: BaseEventLoop, futs: Future<unknown>[]): Future<void> {
  const done = loop.createFuture<void>();
  let left = futs.length;
  const one = (): void => {
    if (--left === 0 && !done.done()) done.setResult(undefined);
  };
  for (const f of futs) f.addDoneCallback(one);
  return done;
}

async function cancelAllTasks(loop: BaseEventLoop): Promise<void> {
  const toCancel = [...allTasks(loop)];
  if (toCancel.length === 0) return;
  for (const t of toCancel) t.cancel();
  await loop.runUntilComplete(allDone(loop, toCancel));
  for (const task of toCancel) {
    if (task.cancelled()) continue;
    const exc = task.exception();
    if (exc !== null) {
      loop.callExceptionHandler({ message: 'unhandled exception during asyncio.run() shutdown', exception: exc, task });
    }
  }
}

/** `run()`'s Ctrl-C state (asyncio's `Runner._interrupt_count`). */
interface SigintHandling {
  /** SIGINTs received. */
  count: number;
  /** A second SIGINT stopped the loop. */
  stopped: boolean;
  /** Removes the handler (idempotent). */
  remove(): void;
}

/**
 * Installs `run()`'s SIGINT handler on `loop` for `task` when asyncio would
 * (see the module comment); `null` when it does not.
 */
function handleSigint(loop: BaseEventLoop, task: Task<unknown>): SigintHandling | null {
  if (!isMainThread || !hasCapability(loop, 'addSignalHandler')) return null;
  if (nodeProcess.listenerCount('SIGINT') > 0) return null;
  const signalLoop = loop as BaseEventLoop & SignalMethods;
  let installed = true;
  const state: SigintHandling = {
    count: 0,
    stopped: false,
    remove() {
      if (!installed) return;
      installed = false;
      if (!loop.isClosed()) signalLoop.removeSignalHandler('SIGINT');
    },
  };
  const onSigint = (): void => {
    state.count += 1;
    if (state.count === 1 && !task.done()) {
      task.cancel();
      return;
    }
    state.stopped = true;
    loop.stop();
  };
  try {
    signalLoop.addSignalHandler('SIGINT', onSigint);
  } catch {
    // The loop cannot handle SIGINT (asyncio: signal.signal() raised ValueError): no Ctrl-C handling.
    return null;
  }
  return state;
}


/** Options of {@link Runner.run}. */
export interface RunnerRunOptions {
  /** The context `main` runs in (the runner's own copy, made at its first use, when omitted). */
  context?: Context;
}

type RunnerState = 'created' | 'initialized' | 'closed';

/**
 * asyncio 3.11's `Runner`: one loop for several top-level calls in the same
 * context, closed by {@link Runner.close} (or `await using`, which calls it).
 *
 * ```ts
 * await using runner = new Runner({ debug: true });
 * await runner.run(first);
 * await runner.run(second); // the same loop, the same context
 * ```
 *
 * The loop is made at the first `run()` or `getLoop()`; without a
 * `loopFactory` it is `newEventLoop()`, made the current loop until
 * `close()`. Every `run()` handles Ctrl-C as {@link run} does (see the module
 * comment). Python's `with Runner() as runner:` closes the loop
 * synchronously; here closing runs the loop (to cancel what is left and shut
 * the executors down), so `close()` returns a promise.
 */
export class Runner {
  #state: RunnerState = 'created';
  #loop: BaseEventLoop | null = null;
  #context: Context | null = null;
  #setEventLoop = false;
  readonly #debug: boolean | undefined;
  readonly #loopFactory: (() => BaseEventLoop | SchedulingLoop) | undefined;

  /** @throws TypeError when `loopFactory` is not a function. */
  constructor(options?: RunnerOptions | null) {
    const { debug, loopFactory } = optionsArg('Runner', options);
    if (loopFactory !== undefined && typeof loopFactory !== 'function') {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `Runner(): loopFactory must be a function, got ${reprValue(loopFactory)}`);
    }
    this.#debug = debug;
    this.#loopFactory = loopFactory;
  }

  #lazyInit(): BaseEventLoop {
    if (this.#state === 'closed') throw new RuntimeError('Runner is closed', { code: 'ERR_LOOP_CLOSED' });
    if (this.#state === 'initialized') return this.#loop as BaseEventLoop;
    let loop: BaseEventLoop;
    if (this.#loopFactory === undefined) {
      loop = newEventLoop();
      if (!this.#setEventLoop) {
        setEventLoop(loop);
        this.#setEventLoop = true;
      }
    } else {
      loop = this.#loopFactory() as BaseEventLoop;
    }
    if (this.#debug !== undefined) loop.setDebug(this.#debug);
    this.#loop = loop;
    this.#context = copyContext();
    this.#state = 'initialized';
    return loop;
  }

  /** The runner's loop, made now if it was not yet. `RuntimeError` once closed. */
  getLoop(): BaseEventLoop {
    return this.#lazyInit();
  }

  /**
   * Runs `main` as a task on the runner's loop until it completes and
   * resolves to its result. `main` is a coroutine, or a function returning a
   * coroutine or a promise. `RuntimeError` when a loop is already running in
   * this thread or the runner is closed.
   */
  async run<T>(main: Coroutine<T> | (() => Coroutine<T> | PromiseLike<T>), options?: RunnerRunOptions | null): Promise<T> {
    if (!isCoroutine(main) && typeof main !== 'function') {
      throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `Runner.run(): a coroutine was expected, got ${reprValue(main)}`);
    }
    const { context } = optionsArg('Runner.run', options);
    if (peekRunningLoop() !== null) {
      throw new RuntimeError('Runner.run() cannot be called from a running event loop', { code: 'ERR_LOOP_RUNNING' });
    }
    const loop = this.#lazyInit();
    const task = loop.createTask(main, { context: context ?? (this.#context as Context) });
    const sigint = handleSigint(loop, task);
    try {
      const result = await loop.runUntilComplete(task);
      if (sigint !== null && sigint.stopped) throw new KeyboardInterrupt();
      return result;
    } catch (error) {
      if (sigint !== null && sigint.count > 0) {
        if (sigint.stopped || (isCancelledError(error) && task.uncancel() === 0)) throw new KeyboardInterrupt();
      }
      throw error;
    } finally {
      sigint?.remove();
    }
  }

  /**
   * Cancels the tasks left and waits for them (reporting those that failed
   * to the exception handler), shuts down async generators and the default
   * executor, unsets the current loop if the runner set it, and closes the
   * loop. Does nothing before the first use or after the first close.
   */
  async close(): Promise<void> {
    if (this.#state !== 'initialized') return;
    const loop = this.#loop as BaseEventLoop;
    try {
      await cancelAllTasks(loop);
      await loop.runUntilComplete(loop.shutdownAsyncgens());
      // A loop without executors (its stand-in would throw NotImplementedError) has no default executor to shut down.
      if (hasCapability(loop, 'shutdownDefaultExecutor')) await loop.runUntilComplete(loop.shutdownDefaultExecutor());
    } finally {
      if (this.#setEventLoop) setEventLoop(null);
      loop.close();
      this.#loop = null;
      this.#state = 'closed';
    }
  }

  /** `await using runner = new Runner()`: {@link Runner.close} at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Runs `main` — a coroutine, or a function returning a coroutine or a
 * promise — on a new loop and resolves to its result (asyncio.run: a
 * {@link Runner} used once). `RuntimeError` when a loop is already running in
 * this thread. With `@loop/signals` composed into the loop, Ctrl-C cancels
 * `main` and a second one interrupts it: `run()` then rejects with
 * `KeyboardInterrupt` (see the module comment for when and how the process
 * ends).
 */
export async function run<T>(main: Coroutine<T> | (() => Coroutine<T> | PromiseLike<T>), options?: RunOptions | null): Promise<T> {
  if (peekRunningLoop() !== null) {
    throw new RuntimeError('asyncio.run() cannot be called from a running event loop', { code: 'ERR_LOOP_RUNNING' });
  }
  if (!isCoroutine(main) && typeof main !== 'function') {
    throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `run(): a coroutine was expected, got ${reprValue(main)}`);
  }
  const { debug, loopFactory } = optionsArg('run', options);
  if (loopFactory !== undefined && typeof loopFactory !== 'function') {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `run(): loopFactory must be a function, got ${reprValue(loopFactory)}`);
  }
  const runner = new Runner({ debug, loopFactory });
  try {
    return await runner.run(main);
  } finally {
    await runner.close();
  }
}
