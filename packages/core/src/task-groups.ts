/**
 * `taskGroup(body)`: asyncio 3.11's `TaskGroup` — structured concurrency.
 *
 * The body runs in the current (parent) task and creates children with
 * `tg.createTask(...)`. At the scope's exit the group waits for every child.
 * The first child to fail cancels the others and the parent task (so the
 * body stops at its current await); the group then throws an
 * `ExceptionGroup` of the failures (a `BaseExceptionGroup` when one is not an
 * `Error`). A cancellation of the parent from outside cancels the children
 * and propagates as `CancelledError`. The parent's `uncancel()` bookkeeping
 * is asyncio's.
 *
 * States: not entered -> entered -> exiting -> finished; `aborting` once a
 * failure or a cancellation started cancelling the children.
 *
 * @packageDocumentation
 */
import { BaseExceptionGroup, ExceptionGroup, optionsArg, RuntimeError } from '@loop/interfaces';
import type { CoroutineLike, CreateTaskOptions } from '@loop/interfaces';
import type { BaseEventLoop } from './base-event-loop.js';
import type { Future } from './futures.js';
import { isCancelledError } from './futures.js';
import { getEventLoop } from './policies.js';
import { NO_ERROR, ScopeFuture, checkBody } from './scope.js';
import type { ExitSteps, ScopeBody } from './scope.js';
import type { Task } from './tasks.js';

/** The scope object of `taskGroup()`: creates the group's tasks. */
export class TaskGroup {
  #entered = false;
  #exiting = false;
  #aborting = false;
  readonly #loop: BaseEventLoop;
  #parentTask: Task<unknown> | null = null;
  #parentCancelRequested = false;
  readonly #tasks = new Set<Task<unknown>>();
  #errors: unknown[] = [];
  #onCompletedFut: Future<boolean> | null = null;
  readonly #onTaskDone = (task: Task<unknown>): void => this.#taskDone(task);

  /** @internal Made by `taskGroup()`. */
  constructor(loop: BaseEventLoop) {
    this.#loop = loop;
  }

  /**
   * Creates a task in the group. `RuntimeError` before the group is
   * entered, once it has finished, or while it is shutting down.
   */
  createTask<T>(coro: CoroutineLike<T>, options?: CreateTaskOptions | null): Task<T> {
    const opts = optionsArg('TaskGroup.createTask', options);
    if (!this.#entered) throw new RuntimeError(`TaskGroup ${this.toString()} has not been entered`);
    if (this.#exiting && this.#tasks.size === 0) throw new RuntimeError(`TaskGroup ${this.toString()} is finished`);
    if (this.#aborting) throw new RuntimeError(`TaskGroup ${this.toString()} is shutting down`);
    const task = this.#loop.createTask(coro, opts.context === undefined ? {} : { context: opts.context });
    if (opts.name !== undefined) task.setName(opts.name);
    task.addDoneCallback(this.#onTaskDone);
    this.#tasks.add(task);
    return task;
  }

  /** asyncio's repr: `<TaskGroup tasks=2 errors=1 cancelling>`. */
  toString(): string {
    const info = [''];
    if (this.#tasks.size > 0) info.push(`tasks=${this.#tasks.size}`);
    if (this.#errors.length > 0) info.push(`errors=${this.#errors.length}`);
    if (this.#aborting) info.push('cancelling');
    else if (this.#entered) info.push('entered');
    return `<TaskGroup${info.join(' ')}>`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /** @internal */
  _enter(task: Task<unknown>): void {
    if (this.#entered) throw new RuntimeError(`TaskGroup ${this.toString()} has been already entered`);
    this.#entered = true;
    this.#parentTask = task;
  }

  /** @internal asyncio's `__aexit__`. */
  *_exit(error: unknown): ExitSteps {
    this.#exiting = true;
    const parent = this.#parentTask as Task<unknown>;
    const raised = error !== NO_ERROR;
    let propagateCancellation: unknown = raised && isCancelledError(error) ? error : null;
    if (this.#parentCancelRequested) {
      // This flag set means we must call uncancel().
      if (parent.uncancel() === 0) propagateCancellation = null;
    }
    if (raised && !this.#aborting) this.#abort();
    // Waited for in a loop: the future may be cancelled repeatedly if the
    // parent is cancelled again while the children finish.
    while (this.#tasks.size > 0) {
      const fut = (this.#onCompletedFut ??= this.#loop.createFuture<boolean>());
      try {
        yield* fut;
      } catch (e) {
        if (!isCancelledError(e)) throw e;
        if (!this.#aborting) {
          // The parent task is being cancelled while children still run.
          propagateCancellation = e;
          this.#abort();
        }
      }
      this.#onCompletedFut = null;
    }
    // CancelledError propagates unless there are other errors: those win.
    if (propagateCancellation !== null && this.#errors.length === 0) throw propagateCancellation;
    if (raised && !isCancelledError(error)) this.#errors.push(error);
    if (this.#errors.length > 0) {
      const errors = this.#errors;
      this.#errors = [];
      const allErrors = errors.every((e) => e instanceof Error && !isCancelledError(e));
      throw allErrors
        ? new ExceptionGroup('unhandled errors in a TaskGroup', errors)
        : new BaseExceptionGroup('unhandled errors in a TaskGroup', errors);
    }
  }

  #abort(): void {
    this.#aborting = true;
    for (const t of this.#tasks) if (!t.done()) t.cancel();
  }

  #taskDone(task: Task<unknown>): void {
    this.#tasks.delete(task);
    const waiter = this.#onCompletedFut;
    if (waiter !== null && this.#tasks.size === 0 && !waiter.done()) waiter.setResult(true);
    if (task.cancelled()) return;
    const exc = task.exception();
    if (exc === null) return;
    this.#errors.push(exc);
    const parent = this.#parentTask as Task<unknown>;
    if (parent.done()) {
      this.#loop.callExceptionHandler({
        message: `Task ${task.toString()} has errored out but its parent task ${parent.toString()} is already completed`,
        exception: exc,
        task,
      });
      return;
    }
    if (!this.#aborting && !this.#parentCancelRequested) {
      // Cancel the parent so the body stops at its current await; __aexit__
      // takes that cancellation back (uncancel).
      this.#abort();
      this.#parentCancelRequested = true;
      parent.cancel();
    }
  }
}

/**
 * Runs `body(tg)` in the current task as a task group: the awaitable
 * resolves to the body's result once every task of the group is done, or
 * fails with an `ExceptionGroup` of the tasks' failures.
 */
export function taskGroup<R>(body: ScopeBody<TaskGroup, R>): ScopeFuture<TaskGroup, R> {
  checkBody('taskGroup', body);
  const loop = getEventLoop();
  const tg = new TaskGroup(loop);
  return new ScopeFuture(loop, tg, body, {
    api: 'taskGroup',
    enter: (task) => tg._enter(task),
    exit: (_task, error) => tg._exit(error),
  });
}
