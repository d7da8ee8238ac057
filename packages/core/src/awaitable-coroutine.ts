/**
 * `AwaitableCoroutine`: what asyncio's `async def` methods of the
 * synchronisation primitives and queues (`Lock.acquire()`, `Queue.get()`…)
 * return — a coroutine (a generator object) that an async function may also
 * `await`.
 *
 *   yield* lock.acquire()        a generator coroutine delegates to it: its
 *                                waits are the caller task's own
 *   await lock.acquire()         an async function: the same steps, driven
 *                                inline in the caller's async context
 *   loop.createTask(q.get())     a coroutine object, as any other
 *   waitFor(q.get(), 1)
 *
 * Nothing runs until it is driven (asyncio: a coroutine runs when awaited),
 * and it runs once. Between two waits its code runs in the task that drives
 * it, so a cancellation of that task reaches it exactly where asyncio's
 * would: at the future it waits for, or — when that future was already
 * completed — as the `CancelledError` the task delivers when it resumes.
 *
 * @packageDocumentation
 */
import { peekRunningLoop, RuntimeError } from '@loop/interfaces';
import type { Coroutine } from '@loop/interfaces';
import type { BaseEventLoop } from './base-event-loop.js';

/**
 * A coroutine (generator object) that is also `PromiseLike`: `yield*` it in a
 * generator coroutine, `await` it in an async function, or hand it to
 * `createTask` / `waitFor` / `gather`. Single use.
 */
export type AwaitableCoroutine<T> = Coroutine<T> & PromiseLike<T>;

/** Drives `gen` from an async function: awaits each future it yields, sends back the outcome. */
async function drive<T>(gen: Coroutine<T>): Promise<T> {
  let step = gen.next();
  while (step.done !== true) {
    const waited = step.value;
    let ok = true;
    let value: unknown;
    let error: unknown;
    try {
      if (waited === null || waited === undefined) {
        // A bare yield: one loop iteration.
        const loop = peekRunningLoop() as BaseEventLoop | null;
        if (loop === null) throw new RuntimeError('no running event loop', { code: 'ERR_LOOP_NO_RUNNING_LOOP' });
        await new Promise<void>((resolve) => loop.callSoon(resolve));
      } else {
        value = await waited;
      }
    } catch (e) {
      ok = false;
      error = e;
    }
    step = ok ? gen.next(value) : gen.throw(error);
  }
  return step.value;
}

/** The promise of each awaited coroutine (its drive), made on the first `then`. */
const driven = new WeakMap<object, Promise<unknown>>();

/** The `then` of an awaitable coroutine: drives it once, inline in the caller's async context. */
function awaitableThen<T, R1 = T, R2 = never>(
  this: Coroutine<T>,
  onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
  onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
): Promise<R1 | R2> {
  let promise = driven.get(this) as Promise<T> | undefined;
  if (promise === undefined) {
    promise = drive(this);
    driven.set(this, promise);
  }
  return promise.then(onFulfilled, onRejected);
}

/**
 * @internal Makes every generator object that the generator function (or
 * method) `fn` returns awaitable: a `then` on their prototype, set once.
 */
export function makeAwaitable(fn: (...args: never[]) => Coroutine<unknown>): void {
  Object.defineProperty(fn.prototype, 'then', { value: awaitableThen, enumerable: false, configurable: true, writable: true });
}

/**
 * @internal Makes `gen` awaitable: as is when its generator function went
 * through {@link makeAwaitable}; else `then` drives it (or runs `asyncRun`
 * instead, when the async form differs, as `withLock`'s async body does).
 */
export function awaitableCoroutine<T>(gen: Coroutine<T>, asyncRun?: () => Promise<T>): AwaitableCoroutine<T> {
  if (asyncRun === undefined && (gen as Partial<PromiseLike<T>>).then === awaitableThen) return gen as AwaitableCoroutine<T>;
  let promise: Promise<T> | null = null;
  const then = <R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> => {
    promise ??= asyncRun !== undefined ? asyncRun() : drive(gen);
    return promise.then(onFulfilled, onRejected);
  };
  Object.defineProperty(gen, 'then', { value: then, enumerable: false, configurable: true, writable: true });
  return gen as AwaitableCoroutine<T>;
}
