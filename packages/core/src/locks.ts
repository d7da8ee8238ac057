/**
 * asyncio 3.11's synchronisation primitives (`asyncio.locks`): `Lock`,
 * `Event`, `Condition`, `Semaphore`, `BoundedSemaphore`, `Barrier`.
 *
 * Each waiter is a future in a FIFO list; releasing completes the first one
 * that is not done, and the woken coroutine finishes its acquisition when
 * its task resumes. A waiter cancelled before it resumes hands its turn on
 * (Lock: `_wake_up_first`; Semaphore: `_wake_up_next`, which counts the
 * wake-up against the value when it is made). A primitive binds to the
 * running loop the first time it makes a future (`_LoopBoundMixin`).
 *
 * The `async def` methods (`acquire()`, `wait()`, `waitFor()`, `reset()`,
 * `abort()`) return an {@link AwaitableCoroutine}: `yield*` it in a
 * coroutine, `await` it in an async function. asyncio's `async with lock:`
 * is `yield* withLock(lock, function* () { … })` /
 * `await withLock(lock, async () => { … })`, or, in an async function,
 * `await lock.acquire(); await using _ = lock;` (the primitive's
 * `Symbol.asyncDispose` releases it).
 *
 * @packageDocumentation
 */
import { BrokenBarrierError, CancelledError, loopError, RuntimeError } from '@loop/interfaces';
import type { Coroutine } from '@loop/interfaces';
import { awaitableCoroutine, makeAwaitable } from './awaitable-coroutine.js';
import type { AwaitableCoroutine } from './awaitable-coroutine.js';
import type { Future } from './futures.js';
import { isCancelledError } from './futures.js';
import { LoopBound } from './internal/loop-bound.js';
import { reprValue } from './internal/format.js';
import type { ScopeBody } from './scope.js';
import { checkBody } from './scope.js';

/** @internal Removes `fut` from `waiters` (asyncio's `deque.remove`). */
export function removeWaiter(waiters: Future<unknown>[], fut: Future<unknown>): boolean {
  const i = waiters.indexOf(fut);
  if (i < 0) return false;
  waiters.splice(i, 1);
  return true;
}

function waitersInfo(extra: string, waiters: readonly unknown[] | null): string {
  return waiters !== null && waiters.length > 0 ? `${extra}, waiters:${waiters.length}` : extra;
}

/** Marks "nothing failed". */
const NO_FAILURE: unique symbol = Symbol('NO_FAILURE');

function notAcquired(message: string): RuntimeError {
  return new RuntimeError(message, { code: 'ERR_LOOP_NOT_ACQUIRED' });
}

/**
 * A primitive lock (asyncio's `Lock`): not owned by a task; `acquire()`
 * waits while it is locked, FIFO; `release()` unlocks it and wakes the first
 * waiter.
 */
export class Lock extends LoopBound {
  #waiters: Future<boolean>[] | null = null;
  #locked = false;

  /** Whether the lock is held. */
  locked(): boolean {
    return this.#locked;
  }

  /**
   * Acquires the lock, waiting while it is locked (or while earlier waiters
   * that are not cancelled are queued); resolves to `true`.
   */
  acquire(): AwaitableCoroutine<true> {
    return awaitableCoroutine(this._acquireSteps());
  }

  /** @internal The steps of the method of the same name (a generator whose objects are awaitable). */
  *_acquireSteps(): Coroutine<true> {
    if (!this.#locked && (this.#waiters === null || this.#waiters.every((w) => w.cancelled()))) {
      this.#locked = true;
      return true;
    }
    const waiters = (this.#waiters ??= []);
    const fut = this._getLoop().createFuture<boolean>();
    waiters.push(fut);
    // The removal comes before the cancellation handling, so that
    // wakeUpFirst() does not wake this waiter itself.
    try {
      try {
        yield* fut;
      } finally {
        removeWaiter(waiters, fut);
      }
    } catch (e) {
      if (isCancelledError(e) && !this.#locked) this.#wakeUpFirst();
      throw e;
    }
    this.#locked = true;
    return true;
  }

  /**
   * Unlocks the lock and wakes the first waiter. `RuntimeError`
   * (`ERR_LOOP_NOT_ACQUIRED`) when it is not locked.
   */
  release(): void {
    if (!this.#locked) throw notAcquired('Lock is not acquired.');
    this.#locked = false;
    this.#wakeUpFirst();
  }

  #wakeUpFirst(): void {
    const first = this.#waiters?.[0];
    if (first !== undefined && !first.done()) first.setResult(true);
  }

  /** asyncio's `async with`'s exit: `await using _ = lock` releases it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return new Promise<void>((resolve) => {
      this.release();
      resolve();
    });
  }

  /** asyncio's repr: `<Lock [locked, waiters:2]>`. */
  toString(): string {
    return `<Lock [${waitersInfo(this.#locked ? 'locked' : 'unlocked', this.#waiters)}]>`;
  }
}
makeAwaitable(Lock.prototype._acquireSteps);

/**
 * An event (asyncio's `Event`): a flag that `set()` raises, waking every
 * `wait()`, and `clear()` lowers.
 */
export class Event extends LoopBound {
  readonly #waiters: Future<boolean>[] = [];
  #value = false;

  /** Whether the flag is set. */
  isSet(): boolean {
    return this.#value;
  }

  /** Sets the flag and wakes every waiter. */
  set(): void {
    if (this.#value) return;
    this.#value = true;
    for (const fut of this.#waiters) if (!fut.done()) fut.setResult(true);
  }

  /** Clears the flag: later `wait()` calls block until `set()`. */
  clear(): void {
    this.#value = false;
  }

  /** Waits until the flag is set (at once when it is); resolves to `true`. */
  wait(): AwaitableCoroutine<true> {
    return awaitableCoroutine(this._waitSteps());
  }

  /** @internal The steps of the method of the same name (a generator whose objects are awaitable). */
  *_waitSteps(): Coroutine<true> {
    if (this.#value) return true;
    const fut = this._getLoop().createFuture<boolean>();
    this.#waiters.push(fut);
    try {
      yield* fut;
      return true;
    } finally {
      removeWaiter(this.#waiters, fut);
    }
  }

  /** asyncio's repr: `<Event [unset, waiters:1]>`. */
  toString(): string {
    return `<Event [${waitersInfo(this.#value ? 'set' : 'unset', this.#waiters)}]>`;
  }
}
makeAwaitable(Event.prototype._waitSteps);

/**
 * A condition variable (asyncio's `Condition`) over a `Lock` (a new one
 * unless given). `wait()` releases the lock, waits for `notify()`, and
 * re-acquires the lock before returning — even when cancelled.
 */
export class Condition extends LoopBound {
  readonly #lock: Lock;
  readonly #waiters: Future<boolean>[] = [];

  /** `TypeError` when `lock` is given and is not a `Lock`. */
  constructor(lock?: Lock | null) {
    super();
    if (lock !== undefined && lock !== null && !(lock instanceof Lock)) {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `Condition(): lock must be a Lock, got ${reprValue(lock)}`);
    }
    this.#lock = lock ?? new Lock();
  }

  /** Whether the underlying lock is held. */
  locked(): boolean {
    return this.#lock.locked();
  }

  /** Acquires the underlying lock (`Lock.acquire()`). */
  acquire(): AwaitableCoroutine<true> {
    return this.#lock.acquire();
  }

  /** Releases the underlying lock (`Lock.release()`). */
  release(): void {
    this.#lock.release();
  }

  /**
   * Releases the lock, waits until notified, re-acquires the lock; resolves
   * to `true`. Cancelled while waiting, it still re-acquires the lock before
   * throwing `CancelledError`. `RuntimeError` (`ERR_LOOP_NOT_ACQUIRED`) when
   * the lock is not held.
   */
  wait(): AwaitableCoroutine<true> {
    return awaitableCoroutine(this._waitSteps());
  }

  /** @internal The steps of the method of the same name (a generator whose objects are awaitable). */
  *_waitSteps(): Coroutine<true> {
    if (!this.locked()) throw notAcquired('cannot wait on un-acquired lock');
    this.release();
    let failure: unknown = NO_FAILURE;
    try {
      const fut = this._getLoop().createFuture<boolean>();
      this.#waiters.push(fut);
      try {
        yield* fut;
      } finally {
        removeWaiter(this.#waiters, fut);
      }
    } catch (e) {
      failure = e;
    }
    // The lock is re-acquired whatever happened; a cancellation meanwhile
    // is kept and thrown (in place of any other failure) once it is held.
    let cancelled = false;
    for (;;) {
      try {
        yield* this.#lock.acquire();
        break;
      } catch (e) {
        if (!isCancelledError(e)) throw e;
        cancelled = true;
      }
    }
    if (cancelled) throw new CancelledError();
    if (failure !== NO_FAILURE) throw failure;
    return true;
  }

  /**
   * Waits (`wait()`) until `predicate()` is truthy; resolves to its last
   * value. `TypeError` when `predicate` is not a function.
   */
  waitFor<R>(predicate: () => R): AwaitableCoroutine<R> {
    if (typeof predicate !== 'function') {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `Condition.waitFor(): predicate must be a function, got ${reprValue(predicate)}`);
    }
    return awaitableCoroutine(this._waitForSteps(predicate));
  }

  /** @internal The steps of the method of the same name (a generator whose objects are awaitable). */
  *_waitForSteps<R>(predicate: () => R): Coroutine<R> {
    let result = predicate();
    while (!result) {
      yield* this._waitSteps();
      result = predicate();
    }
    return result;
  }

  /**
   * Wakes at most `n` (default 1) waiters; each returns from `wait()` once it
   * re-acquires the lock. `RuntimeError` (`ERR_LOOP_NOT_ACQUIRED`) when the
   * lock is not held; `TypeError` when `n` is not a number.
   */
  notify(n = 1): void {
    if (typeof n !== 'number') {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `Condition.notify(): n must be a number, got ${reprValue(n)}`);
    }
    if (!this.locked()) throw notAcquired('cannot notify on un-acquired lock');
    let woken = 0;
    for (const fut of this.#waiters) {
      if (woken >= n) break;
      if (!fut.done()) {
        woken++;
        fut.setResult(false);
      }
    }
  }

  /** Wakes every waiter (`notify(waiters)`). */
  notifyAll(): void {
    this.notify(this.#waiters.length);
  }

  /** asyncio's `async with`'s exit: releases the underlying lock. */
  [Symbol.asyncDispose](): Promise<void> {
    return new Promise<void>((resolve) => {
      this.release();
      resolve();
    });
  }

  /** asyncio's repr: `<Condition [locked, waiters:1]>`. */
  toString(): string {
    return `<Condition [${waitersInfo(this.locked() ? 'locked' : 'unlocked', this.#waiters)}]>`;
  }
}
makeAwaitable(Condition.prototype._waitSteps);
makeAwaitable(Condition.prototype._waitForSteps);

function checkValue(api: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}(): value must be an integer, got ${reprValue(value)}`);
  }
  if (value < 0) throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', 'Semaphore initial value must be >= 0');
  return value;
}

/**
 * A semaphore (asyncio's `Semaphore`): a counter that `acquire()`
 * decrements, waiting (FIFO) while it is zero, and `release()` increments.
 */
export class Semaphore extends LoopBound {
  #waiters: Future<boolean>[] | null = null;
  /** @internal */ _value: number;

  /**
   * `value` (default 1): the initial counter. `TypeError` when it is not an
   * integer, `RangeError` when it is negative.
   */
  constructor(value = 1) {
    super();
    this._value = checkValue(new.target.name, value);
  }

  /** Whether `acquire()` would wait: the counter is zero, or a waiter not cancelled is queued. */
  locked(): boolean {
    return this._value === 0 || (this.#waiters !== null && this.#waiters.some((w) => !w.cancelled()));
  }

  /** Decrements the counter, first waiting (FIFO) while `locked()`; resolves to `true`. */
  acquire(): AwaitableCoroutine<true> {
    return awaitableCoroutine(this._acquireSteps());
  }

  /** @internal The steps of the method of the same name (a generator whose objects are awaitable). */
  *_acquireSteps(): Coroutine<true> {
    if (!this.locked()) {
      this._value--;
      return true;
    }
    const waiters = (this.#waiters ??= []);
    const fut = this._getLoop().createFuture<boolean>();
    waiters.push(fut);
    try {
      try {
        yield* fut;
      } finally {
        removeWaiter(waiters, fut);
      }
    } catch (e) {
      if (isCancelledError(e) && !fut.cancelled()) {
        // Woken (the wake-up took a unit), then cancelled: give it back.
        this._value++;
        this.#wakeUpNext();
      }
      throw e;
    }
    if (this._value > 0) this.#wakeUpNext();
    return true;
  }

  /** Increments the counter and wakes the first waiter. */
  release(): void {
    this._value++;
    this.#wakeUpNext();
  }

  #wakeUpNext(): void {
    const waiters = this.#waiters;
    if (waiters === null) return;
    for (const fut of waiters) {
      if (!fut.done()) {
        this._value--;
        fut.setResult(true);
        return;
      }
    }
  }

  /** asyncio's `async with`'s exit: releases the semaphore. */
  [Symbol.asyncDispose](): Promise<void> {
    return new Promise<void>((resolve) => {
      this.release();
      resolve();
    });
  }

  /** asyncio's repr: `<Semaphore [unlocked, value:2]>`, `<Semaphore [locked, waiters:1]>`. */
  toString(): string {
    const extra = this.locked() ? 'locked' : `unlocked, value:${this._value}`;
    return `<${this.constructor.name} [${waitersInfo(extra, this.#waiters)}]>`;
  }
}
makeAwaitable(Semaphore.prototype._acquireSteps);

/**
 * A semaphore that refuses to be released above its initial value (asyncio's
 * `BoundedSemaphore`): `release()` then throws `RangeError`
 * (`ERR_LOOP_OUT_OF_RANGE`, asyncio's `ValueError`).
 */
export class BoundedSemaphore extends Semaphore {
  readonly #bound: number;

  /** `value` (default 1): the initial counter and its bound. */
  constructor(value = 1) {
    super(value);
    this.#bound = value;
  }

  /** `Semaphore.release()`, unless the counter is at its bound. */
  override release(): void {
    if (this._value >= this.#bound) {
      throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', 'BoundedSemaphore released too many times');
    }
    super.release();
  }
}

type BarrierState = 'filling' | 'draining' | 'resetting' | 'broken';

/**
 * A barrier (asyncio's `Barrier`): `wait()` blocks until `parties` tasks
 * wait, then releases them all, each with its index `0..parties-1`. The
 * barrier drains (its released tasks leave) before it fills again.
 * `abort()` breaks it; `reset()` breaks the current waiters
 * (`BrokenBarrierError`) and makes it usable again.
 */
export class Barrier extends LoopBound {
  readonly #cond = new Condition();
  readonly #parties: number;
  #state: BarrierState = 'filling';
  #count = 0;

  /** `TypeError` when `parties` is not an integer; `RangeError` below 1. */
  constructor(parties: number) {
    super();
    if (typeof parties !== 'number' || !Number.isInteger(parties)) {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `Barrier(): parties must be an integer, got ${reprValue(parties)}`);
    }
    if (parties < 1) throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', 'parties must be > 0');
    this.#parties = parties;
  }

  /**
   * Waits until `parties` tasks wait; resolves to this task's index.
   * `BrokenBarrierError` when the barrier is (or becomes) broken or is reset
   * while waiting.
   */
  wait(): AwaitableCoroutine<number> {
    return awaitableCoroutine(this._waitSteps());
  }

  /** @internal The steps of the method of the same name (a generator whose objects are awaitable). */
  *_waitSteps(): Coroutine<number> {
    const cond = this.#cond;
    yield* cond.acquire();
    try {
      // Block while the barrier drains or resets.
      yield* this.#block();
      try {
        const index = this.#count++;
        if (index + 1 === this.#parties) {
          this.#state = 'draining';
          cond.notifyAll();
        } else {
          yield* cond.waitFor(() => this.#state !== 'filling');
          if (this.#state === 'broken' || this.#state === 'resetting') {
            throw new BrokenBarrierError('Abort or reset of barrier');
          }
        }
        return index;
      } finally {
        this.#count--;
        this.#exit();
      }
    } finally {
      cond.release();
    }
  }

  *#block(): Coroutine<void> {
    yield* this.#cond.waitFor(() => this.#state !== 'draining' && this.#state !== 'resetting');
    if (this.#state === 'broken') throw new BrokenBarrierError('Barrier aborted');
  }

  #exit(): void {
    if (this.#count === 0) {
      if (this.#state === 'resetting' || this.#state === 'draining') this.#state = 'filling';
      this.#cond.notifyAll();
    }
  }

  /** Back to the initial state; the tasks waiting get `BrokenBarrierError`. */
  reset(): AwaitableCoroutine<void> {
    return awaitableCoroutine(this._lockedSteps(() => {
      if (this.#count > 0) this.#state = 'resetting';
      else this.#state = 'filling';
      this.#cond.notifyAll();
    }));
  }

  /** Breaks the barrier: waiting tasks and every later `wait()` get `BrokenBarrierError`. */
  abort(): AwaitableCoroutine<void> {
    return awaitableCoroutine(this._lockedSteps(() => {
      this.#state = 'broken';
      this.#cond.notifyAll();
    }));
  }

  /** @internal The steps of the method of the same name (a generator whose objects are awaitable). */
  *_lockedSteps(fn: () => void): Coroutine<void> {
    yield* this.#cond.acquire();
    try {
      fn();
    } finally {
      this.#cond.release();
    }
  }

  /** How many tasks must wait to release them all. */
  get parties(): number {
    return this.#parties;
  }

  /** How many tasks wait now (0 while draining). */
  get nWaiting(): number {
    return this.#state === 'filling' ? this.#count : 0;
  }

  /** Whether the barrier is broken (`abort()`). */
  get broken(): boolean {
    return this.#state === 'broken';
  }

  /** asyncio's repr: `<Barrier [filling, waiters:1/3]>`, `<Barrier [broken]>`. */
  toString(): string {
    const extra = this.broken ? this.#state : `${this.#state}, waiters:${this.nWaiting}/${this.#parties}`;
    return `<Barrier [${extra}]>`;
  }
}
makeAwaitable(Barrier.prototype._waitSteps);
makeAwaitable(Barrier.prototype._lockedSteps);

/** What `withLock` holds: anything with asyncio's `async with` acquire/release pair. */
export type Lockable = Lock | Condition | Semaphore;

/**
 * asyncio's `async with lock:` (a `Lock`, `Condition`, `Semaphore` or
 * `BoundedSemaphore`): acquires `lock`, runs `body(lock)` in the current
 * task, releases the lock however the body ends; resolves to the body's
 * result. `yield* withLock(lock, function* () { … })` in a coroutine,
 * `await withLock(lock, async () => { … })` in an async function (a body of
 * the other kind runs in a child task that the scope awaits).
 */
export function withLock<L extends Lockable, R>(lock: L, body: ScopeBody<L, R>): AwaitableCoroutine<R> {
  if (!(lock instanceof Lock) && !(lock instanceof Condition) && !(lock instanceof Semaphore)) {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `withLock(): lock must be a Lock, Condition or Semaphore, got ${reprValue(lock)}`);
  }
  checkBody('withLock', body);
  return awaitableCoroutine(withLockSteps(lock, body), () => withLockAsync(lock, body));
}

const GeneratorFunction = function* () {}.constructor;

function* withLockSteps<L extends Lockable, R>(lock: L, body: ScopeBody<L, R>): Coroutine<R> {
  yield* lock.acquire();
  try {
    if (body.constructor === GeneratorFunction) return yield* (body(lock) as Coroutine<R>);
    return yield* (lock._getLoop().createTask(() => body(lock)) as unknown as Coroutine<R>);
  } finally {
    lock.release();
  }
}

async function withLockAsync<L extends Lockable, R>(lock: L, body: ScopeBody<L, R>): Promise<R> {
  await lock.acquire();
  try {
    if (body.constructor === GeneratorFunction) return await lock._getLoop().createTask(body(lock) as Coroutine<R>);
    return await (body(lock) as PromiseLike<R>);
  } finally {
    lock.release();
  }
}
