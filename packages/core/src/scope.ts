/**
 * Scopes: what `async with` is in asyncio (`timeout`, `TaskGroup`), as a
 * function body run inside the current task.
 *
 * `timeout(1, body)` and `taskGroup(body)` return a {@link ScopeFuture}. In a
 * coroutine, `yield* scope` runs the body inline in the caller's task (a
 * generator body is delegated to with `yield*`, so its waits are the task's
 * own, exactly as asyncio's `async with` block). In an async function,
 * `await scope` runs an async body inline, in the caller task's async
 * context. A body of the other kind runs in a child task that the scope
 * awaits (so cancelling the caller reaches it through that task).
 *
 *   enter(task) -> body -> exit(task, error)   exit may wait (yield futures),
 *                                              replace the error (throw), or
 *                                              let it through (return)
 *
 * @packageDocumentation
 */
import { loopError, RuntimeError } from '@loop/interfaces';
import type { Coroutine } from '@loop/interfaces';
import type { BaseEventLoop } from './base-event-loop.js';
import { Future } from './futures.js';
import { reprValue } from './internal/format.js';
import { Task, currentTask, isCoroutine } from './tasks.js';

/** Marks "the body raised nothing". */
export const NO_ERROR: unique symbol = Symbol('NO_ERROR');

/** A coroutine step sequence a scope's exit may wait on. */
export type ExitSteps = Generator<Future<unknown> | null | undefined, void, unknown>;

/** What a scope does around its body. */
export interface ScopeHooks {
  /** The API name, for messages (`timeout`, `taskGroup`). */
  readonly api: string;
  /** Entering, in the caller's task. */
  enter(task: Task<unknown>): void;
  /** Leaving: may wait, may throw to replace `error`; returning lets `error` (if any) through. */
  exit(task: Task<unknown>, error: unknown): ExitSteps;
}

/** A scope body: a generator function or an async (or promise-returning) function. */
export type ScopeBody<S, R> = (scope: S) => Coroutine<R> | PromiseLike<R>;

const GeneratorFunction = function* () {}.constructor;

/** @internal Validates a scope body. */
export function checkBody(api: string, body: unknown): void {
  if (typeof body !== 'function') {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}(): the body must be a function (a generator or async function), got ${reprValue(body)}`);
  }
}

/** Drives a coroutine from an async function: awaits what it yields. */
async function drive<R>(gen: Generator<Future<unknown> | null | undefined, R, unknown>, loop: BaseEventLoop): Promise<R> {
  let r = gen.next();
  while (r.done !== true) {
    const waited = r.value;
    try {
      if (waited === null || waited === undefined) {
        await new Promise<void>((resolve) => loop.callSoon(resolve));
      } else {
        await waited;
      }
    } catch {
      // `yield* fut` reads the outcome itself when resumed.
    }
    r = gen.next();
  }
  return r.value;
}

/**
 * The awaitable of a scope: a `Future` that, awaited or `yield*`-ed, runs
 * the body inside the current task and resolves to its return value. Single
 * use.
 */
export class ScopeFuture<S, R> extends Future<R> {
  readonly #scope: S;
  readonly #body: ScopeBody<S, R>;
  readonly #hooks: ScopeHooks;
  #started = false;
  #promise: Promise<R> | null = null;

  /** @internal Made by `timeout()`, `taskGroup()`. */
  constructor(loop: BaseEventLoop, scope: S, body: ScopeBody<S, R>, hooks: ScopeHooks) {
    super({ loop });
    this.#scope = scope;
    this.#body = body;
    this.#hooks = hooks;
  }

  #start(): Task<unknown> {
    if (this.#started) {
      throw new RuntimeError(`${this.#hooks.api}(): a scope runs once; call ${this.#hooks.api}() again for another`);
    }
    this.#started = true;
    const task = currentTask(this._loop);
    if (task === null) {
      throw new RuntimeError(`${this.#hooks.api}() should be used inside a task`, { code: 'ERR_LOOP_NO_TASK' });
    }
    return task;
  }

  #settle(ok: boolean, value: unknown): void {
    if (this._state !== 'pending') return;
    if (ok) Future.prototype.setResult.call(this, value as R);
    else {
      Future.prototype.setException.call(this, value);
      this._retrieved();
    }
  }

  /** `yield* scope` in a coroutine: the body runs inline in the caller's task. */
  override *[Symbol.iterator](): Generator<Future<R>, R, unknown> {
    const task = this.#start();
    const hooks = this.#hooks;
    hooks.enter(task);
    let result: R | undefined;
    let error: unknown = NO_ERROR;
    try {
      const body = this.#body;
      if (body.constructor === GeneratorFunction) {
        result = yield* (body(this.#scope) as Generator<Future<R>, R, unknown>);
      } else {
        result = (yield* this._loop.createTask(() => body(this.#scope)) as unknown as Generator<Future<R>, R, unknown>);
      }
    } catch (e) {
      error = e;
    }
    try {
      yield* hooks.exit(task, error) as unknown as Generator<Future<R>, void, unknown>;
    } catch (e) {
      this.#settle(false, e);
      throw e;
    }
    if (error !== NO_ERROR) {
      this.#settle(false, error);
      throw error;
    }
    this.#settle(true, result);
    return result as R;
  }

  /** `await scope` in an async function: the body runs in the caller task's async context. */
  override then<R1 = R, R2 = never>(
    onFulfilled?: ((value: R) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    this.#promise ??= this.#runAsync();
    return this.#promise.then(onFulfilled, onRejected);
  }

  async #runAsync(): Promise<R> {
    const task = this.#start();
    const hooks = this.#hooks;
    const loop = this._loop;
    hooks.enter(task);
    let result: R | undefined;
    let error: unknown = NO_ERROR;
    try {
      const body = this.#body;
      if (body.constructor === GeneratorFunction) {
        result = await loop.createTask(body(this.#scope) as Coroutine<R>);
      } else {
        const produced = body(this.#scope);
        result = isCoroutine(produced) ? await loop.createTask(produced) : await produced;
      }
    } catch (e) {
      error = e;
    }
    try {
      await drive(hooks.exit(task, error), loop);
    } catch (e) {
      this.#settle(false, e);
      throw e;
    }
    if (error !== NO_ERROR) {
      this.#settle(false, error);
      throw error;
    }
    this.#settle(true, result);
    return result as R;
  }
}
