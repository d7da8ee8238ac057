/**
 * `run(main, { debug, loopFactory })`: asyncio.run. Makes a new loop (and
 * sets it as current when no factory is given), runs `main` as a task until
 * it completes, then shuts down as asyncio does: cancels the tasks left and
 * waits for them, reports those that failed, `shutdownAsyncgens`, shuts the
 * default executor down, unsets the current loop and closes the loop.
 *
 * @packageDocumentation
 */
import { RuntimeError, loopError, optionsArg } from '@loop/interfaces';
import type { Coroutine } from '@loop/interfaces';
import type { BaseEventLoop } from './base-event-loop.js';
import { Future } from './futures.js';
import { G } from './internal/globals.js';
import { reprValue } from './internal/format.js';
import { newEventLoop, setEventLoop } from './policies.js';
import { isCoroutine } from './tasks.js';

/** Options of {@link run}. */
export interface RunOptions {
  /** Debug mode for the new loop (unchanged when omitted). */
  debug?: boolean;
  /** Makes the loop; `newEventLoop()` (made current) when omitted. */
  loopFactory?: () => BaseEventLoop;
}

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
  const toCancel = loop._pendingTasks();
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

/**
 * Runs `main` — a coroutine, or a function returning a coroutine or a
 * promise — on a new loop and resolves to its result. `RuntimeError` when a
 * loop is already running in this thread.
 */
export async function run<T>(main: Coroutine<T> | (() => Coroutine<T> | PromiseLike<T>), options?: RunOptions | null): Promise<T> {
  if (G.runningLoop !== null) {
    throw new RuntimeError('asyncio.run() cannot be called from a running event loop', { code: 'ERR_LOOP_RUNNING' });
  }
  if (!isCoroutine(main) && typeof main !== 'function') {
    throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `run(): a coroutine was expected, got ${reprValue(main)}`);
  }
  const { debug, loopFactory } = optionsArg('run', options);
  if (loopFactory !== undefined && typeof loopFactory !== 'function') {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `run(): loopFactory must be a function, got ${reprValue(loopFactory)}`);
  }
  const loop = loopFactory ? loopFactory() : newEventLoop();
  if (!loopFactory) setEventLoop(loop);
  if (debug !== undefined) loop.setDebug(debug);
  try {
    const task = loop.createTask(main);
    return await loop.runUntilComplete(task);
  } finally {
    try {
      await cancelAllTasks(loop);
      await loop.runUntilComplete(loop.shutdownAsyncgens());
      await loop.runUntilComplete(loop.shutdownDefaultExecutor());
    } finally {
      if (!loopFactory) setEventLoop(null);
      loop.close();
    }
  }
}
