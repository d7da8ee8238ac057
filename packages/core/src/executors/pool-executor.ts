/**
 * `PoolExecutor`: what `ThreadPoolExecutor` and `ProcessPoolExecutor` share —
 * argument checks, the open/shut-down life cycle and the `Executor` contract
 * (`concurrent.futures.Executor` in Python). A subclass only schedules one
 * checked work item on its workers and releases them at the end.
 *
 * HOW. The life cycle:
 *
 *   open --shutdown()--> shutting-down --all submitted work settled,
 *                                        workers released--> shut-down
 *
 * `submit` never throws (the contract): a bad work item, or a submission after
 * `shutdown()`, returns work that has already failed. Every submission is in
 * `#outstanding` until it settles; `shutdown()` lets all of it run (queued
 * work too, as `concurrent.futures` does without `cancel_futures`), then calls
 * the subclass's `_release()`. `shutdown(true)` resolves when that is done;
 * `shutdown(false)` resolves at once and the draining goes on by itself.
 *
 * @packageDocumentation
 */
import { availableParallelism } from 'node:os';
import { RuntimeError, loopError, optionsArg } from '@loop/interfaces';
import type { Executor, WorkReference } from '@loop/interfaces';
import { getLogger } from '../logger.js';
import { ExecutorWork } from './executor-work.js';
import { toWorkItem } from './work-item.js';
import type { WorkItem } from './work-item.js';

/** Options of `ThreadPoolExecutor` and `ProcessPoolExecutor`. */
export interface PoolExecutorOptions {
  /**
   * The most workers (threads, processes) that run at once; a positive
   * integer. Default: `os.availableParallelism()`. Workers start on demand.
   */
  maxWorkers?: number;
}

/** The life cycle of a {@link PoolExecutor}. */
export type PoolExecutorState = 'open' | 'shutting-down' | 'shut-down';

/** Work that has failed before it could be scheduled. */
function failedWork<T>(description: string, error: Error): ExecutorWork<T> {
  const work = new ExecutorWork<T>(description, { withdraw: () => false });
  work._settle(false, error);
  return work;
}

/**
 * The base of the pool executors: checks, life cycle and shutdown. Not meant
 * to be subclassed outside `@loop/core`.
 */
export abstract class PoolExecutor implements Executor {
  readonly #name: string;
  readonly #api: string;
  readonly #maxWorkers: number;
  #state: PoolExecutorState = 'open';
  readonly #outstanding = new Set<ExecutorWork<unknown>>();
  #released: Promise<void> | null = null;
  readonly #forget = (work: ExecutorWork<unknown>): void => {
    this.#outstanding.delete(work);
  };

  protected constructor(name: string, options: PoolExecutorOptions | null | undefined) {
    this.#name = name;
    this.#api = `${name}.submit()`;
    options = optionsArg(name, options);
    const max = options?.maxWorkers;
    if (max !== undefined && typeof max !== 'number') {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${name}(): maxWorkers must be a number, got ${typeof max}`);
    }
    if (max !== undefined && !(Number.isInteger(max) && max > 0)) {
      throw loopError(
        RangeError,
        'ERR_LOOP_OUT_OF_RANGE',
        `${name}(): maxWorkers must be a positive integer, got ${String(max)}`,
      );
    }
    this.#maxWorkers = max ?? Math.max(1, availableParallelism());
  }

  /** The most workers that run at once. */
  get maxWorkers(): number {
    return this.#maxWorkers;
  }

  /** `'open'`, `'shutting-down'` (draining after `shutdown()`) or `'shut-down'`. */
  get state(): PoolExecutorState {
    return this.#state;
  }

  /**
   * Schedules `fn(...args)` on a worker; see {@link Executor.submit}. `fn` is a
   * self-contained function (its source is sent) or a `{ module, export }`
   * reference; arguments and result cross by structured clone. Never throws:
   * a work item that cannot be sent rejects with a `TypeError` or
   * `RangeError`, a submission after `shutdown()` with a `RuntimeError`.
   */
  submit<A extends unknown[], T>(
    fn: ((...args: A) => T | PromiseLike<T>) | WorkReference,
    ...args: A
  ): ExecutorWork<T> {
    const api = this.#api;
    if (this.#state !== 'open') {
      return failedWork(this.#name, new RuntimeError(`${api}: cannot schedule new futures after shutdown`));
    }
    const item = toWorkItem(api, fn);
    if (item instanceof Error) return failedWork(this.#name, item);
    const work = this._schedule(api, item, args);
    if (!work.done()) {
      this.#outstanding.add(work);
      work._onDone = this.#forget;
    }
    return work as ExecutorWork<T>;
  }

  /**
   * Stops accepting work; the work already submitted still runs, then the
   * workers are released. With `wait` (default `true`) resolves when that is
   * done; with `false` resolves at once. Idempotent.
   */
  shutdown(wait = true): Promise<void> {
    if (this.#released === null) {
      this.#state = 'shutting-down'; // OPEN -> SHUTTING-DOWN
      this.#released = this.#drain();
    }
    return wait ? this.#released : Promise.resolve();
  }

  /** `await using executor = new ThreadPoolExecutor()`: `shutdown(true)` on leaving the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown(true);
  }

  async #drain(): Promise<void> {
    try {
      await Promise.allSettled([...this.#outstanding]);
      await this._release();
    } catch (err) {
      getLogger().error(`${this.#name}.shutdown(): releasing the workers failed`, err);
    } finally {
      this.#state = 'shut-down'; // SHUTTING-DOWN -> SHUT-DOWN
    }
  }

  /** `<ThreadPoolExecutor maxWorkers=4 open>`. */
  toString(): string {
    return `<${this.#name} maxWorkers=${this.#maxWorkers} ${this.#state}>`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /**
   * Schedules a checked work item and returns its {@link ExecutorWork}, which
   * the subclass starts and settles. Called only while open.
   */
  protected abstract _schedule(api: string, item: WorkItem, args: unknown[]): ExecutorWork<unknown>;

  /** Releases the workers; called once, after every submission has settled. */
  protected abstract _release(): Promise<void>;
}
