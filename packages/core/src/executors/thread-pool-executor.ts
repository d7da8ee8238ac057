/**
 * `ThreadPoolExecutor`: runs work on worker threads (Python's
 * `concurrent.futures.ThreadPoolExecutor`), on a piscina pool. The loop's
 * default executor.
 *
 * HOW. One piscina pool, created on the first submission: 0 to `maxWorkers`
 * threads, one task per thread at a time, threads kept until shutdown (and
 * unref'd by piscina while idle, so an idle pool does not keep the process
 * alive), strict FIFO so that work starts in submission order. Each task is
 * the array `[slot, key, ...args]` for `worker/thread-worker.cjs`: `key` names
 * the work in one string (`work-item.ts`), `slot` a state shared with the
 * threads:
 *
 *   states: Int32Array(SharedArrayBuffer)  QUEUED 0 | RUNNING 1 | CANCELLED 2 | DONE 3 | FAILED 4
 *
 * `cancel()` compares-and-swaps QUEUED -> CANCELLED; the worker thread swaps
 * QUEUED -> RUNNING before it runs anything, so exactly one side wins (cost:
 * one atomic operation each). Cancelled work stays in piscina's queue until a
 * thread takes it and returns at once, as `concurrent.futures` skips cancelled
 * work items; its arguments are held until then. The thread stores DONE or
 * FAILED before it answers, and the answer is then the result itself or a
 * failure reply (`worker-reply.ts`): a round trip clones a flat array there
 * and the bare result back.
 *
 * The order of `_schedule` is the latency path of a round trip: the task is
 * handed to piscina (which posts it to an idle thread at once) before the
 * `ExecutorWork` and its callbacks are made, so that they are made while the
 * thread works.
 *
 * WHY not piscina's per-task `AbortSignal`. Piscina keeps abortable tasks in
 * a separate "skip queue" that does not preserve submission order (tasks
 * submitted before a thread is ready come out last first), and aborting a
 * task that piscina has already handed to a thread terminates that thread.
 * The shared slot gives the exact `cancel()` contract without either.
 *
 * Failures other than the work's own: arguments that cannot be cloned
 * (piscina rejects before the thread sees them: state still QUEUED), a result
 * that cannot be cloned (caught by the thread before piscina posts it), a
 * thread that exits (`process.exit()` in the work) or dies of an uncaught
 * exception.
 * Piscina fails only the task that thread held and starts a new thread for
 * the next task.
 *
 * @packageDocumentation
 */
import { Piscina } from 'piscina';
import { RuntimeError } from '@loop/interfaces';
import { getLogger } from '../logger.js';
import { ExecutorWork } from './executor-work.js';
import type { ExecutorWorkHooks } from './executor-work.js';
import { PoolExecutor } from './pool-executor.js';
import type { PoolExecutorOptions } from './pool-executor.js';
import { describeWork } from './work-item.js';
import type { WorkItem } from './work-item.js';
import { workerFile } from './worker-files.js';
import { settleFromReply, unsendableArgsError, unsendableResultError } from './worker-reply.js';
import type { WorkerReply } from './worker-reply.js';

const QUEUED = 0;
const CANCELLED = 2;
const DONE = 3;

/** Options of {@link ThreadPoolExecutor}. */
export type ThreadPoolExecutorOptions = PoolExecutorOptions;

/**
 * Runs functions on worker threads. `submit(fn, ...args)` sends a
 * self-contained function's source (or a `{ module, export }` reference) and
 * structured clones of the arguments; see `Executor` in `@loop/interfaces`.
 *
 * @example
 * ```ts
 * const pool = new ThreadPoolExecutor({ maxWorkers: 2 });
 * const n = await pool.submit((a: number, b: number) => a + b, 1, 2); // 3
 * await pool.shutdown();
 * ```
 */
/** Cancellation slots shared with the threads; more work than this falls back to a buffer each. */
const STATE_SLOTS = 4096;

export class ThreadPoolExecutor extends PoolExecutor {
  #pool: Piscina | null = null;
  /**
   * The cancellation slots of queued and running work, shared with every
   * thread once (piscina's `workerData`) instead of a `SharedArrayBuffer`
   * per submission; a slot returns to `#free` when piscina settles its task.
   */
  readonly #states = new Int32Array(new SharedArrayBuffer(4 * STATE_SLOTS));
  readonly #free: number[] = Array.from({ length: STATE_SLOTS }, (_, i) => STATE_SLOTS - 1 - i);

  /** A pool of at most `maxWorkers` threads (default: `os.availableParallelism()`), started on demand. */
  constructor(options?: ThreadPoolExecutorOptions | null) {
    super('ThreadPoolExecutor', options);
  }

  #piscina(): Piscina {
    if (this.#pool === null) {
      this.#pool = new Piscina({
        filename: workerFile('thread-worker.cjs'),
        minThreads: 0,
        maxThreads: this.maxWorkers,
        idleTimeout: Infinity,
        concurrentTasksPerWorker: 1,
        stricterFIFO: true,
        recordTiming: false,
        workerData: { states: this.#states },
      });
      // A thread that fails while holding no task: nothing to fail, say so.
      this.#pool.on('error', (err: unknown) => getLogger().error('ThreadPoolExecutor: a worker thread failed', err));
    }
    return this.#pool;
  }

  protected _schedule(api: string, item: WorkItem, args: unknown[]): ExecutorWork<unknown> {
    // A slot of the shared array, or (all in use) a buffer of its own.
    const pooled = this.#free.pop();
    const states = pooled === undefined ? new Int32Array(new SharedArrayBuffer(4)) : this.#states;
    const slot = pooled ?? 0;
    Atomics.store(states, slot, QUEUED);
    const answer = this.#piscina().run([pooled === undefined ? states : slot, item.key, ...args]);
    // Made while the thread works (see the header).
    const work = new ExecutorWork<unknown>(`ThreadPoolExecutor ${describeWork(item)}`, new SlotHooks(states, slot));
    answer.then(
      (reply: unknown) => {
        const state = Atomics.load(states, slot);
        if (pooled !== undefined) this.#free.push(pooled);
        if (state === CANCELLED) return; // cancel() already rejected it
        work._start();
        if (state === DONE) work._settle(true, reply);
        else settleFromReply(api, item, work, reply as WorkerReply); // FAILED
      },
      (err: unknown) => {
        const state = Atomics.load(states, slot);
        if (pooled !== undefined) this.#free.push(pooled);
        if (state === CANCELLED) return; // cancel() already rejected it
        work._settle(false, threadFailure(api, item, state !== QUEUED, err));
      },
    );
    return work;
  }

  protected async _release(): Promise<void> {
    const pool = this.#pool;
    this.#pool = null;
    if (pool !== null) await pool.destroy();
  }
}

/** Withdraws a task and tells whether a thread claimed it, through its shared state slot. */
class SlotHooks implements ExecutorWorkHooks {
  readonly #states: Int32Array;
  readonly #slot: number;

  constructor(states: Int32Array, slot: number) {
    this.#states = states;
    this.#slot = slot;
  }

  withdraw(): boolean {
    return Atomics.compareExchange(this.#states, this.#slot, QUEUED, CANCELLED) === QUEUED; // QUEUED -> CANCELLED
  }

  claimed(): boolean {
    const state = Atomics.load(this.#states, this.#slot);
    return state !== QUEUED && state !== CANCELLED;
  }
}

/** The error for a task that piscina failed (not the work's own exception). */
function threadFailure(api: string, item: WorkItem, started: boolean, err: unknown): unknown {
  const what = describeWork(item);
  // Duck-typed: a DataCloneError is a DOMException, from another realm under jest.
  const message = typeof (err as Error | null)?.message === 'string' ? (err as Error).message : '';
  if ((err as Error | null)?.name === 'DataCloneError' || /could not be cloned/.test(message)) {
    return started ? unsendableResultError(api, item, err) : unsendableArgsError(api, item, err);
  }
  const exit = /^worker exited with code: (-?\d+)/.exec(message);
  if (exit !== null) {
    return new RuntimeError(
      `${api}: the worker thread running ${what} exited with code ${exit[1]} before the work finished; the pool replaces it`,
      { cause: err },
    );
  }
  return err; // an uncaught exception of the work's own code, which killed its thread
}
