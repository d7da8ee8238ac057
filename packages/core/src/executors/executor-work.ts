/**
 * `ExecutorWork`: what `ThreadPoolExecutor.submit` and
 * `ProcessPoolExecutor.submit` return — a promise-like of the work's result
 * that can be withdrawn before it starts (the {@link CancellableWork}
 * contract; `concurrent.futures.Future` in Python).
 *
 * HOW. The state, moved only by the executor that made it and by `cancel()`:
 *
 *   pending --start()-----> running --settle()--> finished
 *   pending --cancel()----> cancelled               (rejects with CancelledError)
 *   pending --settle()----> finished                (failed before it could start)
 *
 * `cancel()` asks the executor's `withdraw` hook, which decides atomically
 * against the worker: a thread pool compares-and-swaps a slot that the worker
 * thread also swaps to claim the work; a process pool owns its queue, so
 * withdrawing pending work always succeeds. When the hook says the worker got
 * there first, the work is running and `cancel()` returns `false`.
 *
 * WHY the rejection is marked handled: like a `concurrent.futures.Future`, the
 * work holds its exception until someone asks; a submission nobody awaits
 * (fire and forget, or cancelled) must not crash the process with an
 * unhandled rejection. Promises derived with `then()` behave as usual. The
 * mark is made when the work fails (in the same job as the rejection, so
 * before Node looks for unhandled ones), not for every submission.
 *
 * @packageDocumentation
 */
import { CancelledError } from '@loop/interfaces';
import type { CancellableWork } from '@loop/interfaces';

function noop(): void {}

/** The state of an {@link ExecutorWork}, as `concurrent.futures` names them. */
export type WorkState = 'pending' | 'running' | 'cancelled' | 'finished';

/** How an executor withdraws a pending {@link ExecutorWork} and reports that a worker claimed it. */
export interface ExecutorWorkHooks {
  /**
   * Called by `cancel()` while the work is pending: returns `true` when the
   * work was withdrawn and will never run, `false` when a worker already
   * claimed it.
   */
  withdraw(): boolean;
  /** Whether a worker has claimed the work (for executors that learn it only by asking). */
  claimed?(): boolean;
}

/**
 * A submission to an executor: a promise-like of the result, with
 * `cancel()` for work that has not started. Made by the executors; not
 * constructed by users.
 */
export class ExecutorWork<T> implements CancellableWork<T> {
  #state: WorkState = 'pending';
  readonly #promise: Promise<T>;
  #resolve!: (value: T) => void;
  #reject!: (reason: unknown) => void;
  readonly #description: string;
  readonly #hooks: ExecutorWorkHooks;

  /**
   * @param description - what runs, for the repr (`ThreadPoolExecutor hash`).
   * @param hooks - how the executor withdraws the work and tells whether a
   *   worker has claimed it.
   */
  constructor(description: string, hooks: ExecutorWorkHooks) {
    this.#description = description;
    this.#hooks = hooks;
    this.#promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /**
   * Called once, synchronously, when the work is cancelled or finished (the
   * executor's bookkeeping, without a promise reaction per submission).
   * @internal
   */
  _onDone: ((work: ExecutorWork<T>) => void) | null = null;

  /** The current state. */
  get state(): WorkState {
    if (this.#state === 'pending' && this.#hooks.claimed?.() === true) this.#state = 'running'; // PENDING -> RUNNING
    return this.#state;
  }

  /** Whether the work is running in a worker. */
  running(): boolean {
    return this.state === 'running';
  }

  /** Whether the work was cancelled before it started. */
  cancelled(): boolean {
    return this.#state === 'cancelled';
  }

  /** Whether the work is cancelled or finished. */
  done(): boolean {
    return this.#state === 'cancelled' || this.#state === 'finished';
  }

  /**
   * Withdraws the work if it has not started: returns `true` (also when it was
   * already cancelled) and the promise rejects with `CancelledError`. Returns
   * `false` once the work runs or is finished.
   */
  cancel(): boolean {
    if (this.#state === 'cancelled') return true;
    if (this.#state !== 'pending') return false;
    if (!this.#hooks.withdraw()) {
      this.#state = 'running'; // PENDING -> RUNNING: the worker claimed it first.
      return false;
    }
    this.#state = 'cancelled'; // PENDING -> CANCELLED
    this.#fail(new CancelledError());
    return true;
  }

  /** Attaches callbacks for the result or the failure, as `Promise.prototype.then`. */
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.#promise.then(onfulfilled, onrejected);
  }

  /** Attaches a callback for the failure, as `Promise.prototype.catch`. */
  catch<R = never>(onrejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.#promise.catch(onrejected);
  }

  /**
   * Executor side: PENDING -> RUNNING. Returns `false` (and changes nothing)
   * when the work was cancelled or already settled.
   * @internal
   */
  _start(): boolean {
    if (this.#state !== 'pending') return this.#state === 'running';
    this.#state = 'running';
    return true;
  }

  /**
   * Executor side: PENDING | RUNNING -> FINISHED with a result or a failure.
   * Ignored once cancelled or finished.
   * @internal
   */
  _settle(ok: true, value: T): void;
  _settle(ok: false, error: unknown): void;
  _settle(ok: boolean, value: unknown): void {
    if (this.#state === 'cancelled' || this.#state === 'finished') return;
    this.#state = 'finished';
    if (ok) {
      this.#resolve(value as T);
      this._onDone?.(this);
    } else {
      this.#fail(value);
    }
  }

  /** Rejects, marked handled (see the header), and tells the executor. */
  #fail(error: unknown): void {
    this.#promise.catch(noop);
    this.#reject(error);
    this._onDone?.(this);
  }

  /** `<ExecutorWork ThreadPoolExecutor hash running>`. */
  toString(): string {
    return `<ExecutorWork ${this.#description} ${this.state}>`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
