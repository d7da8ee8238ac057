/**
 * `sleep(delay, result?)`: a future that completes with `result` after
 * `delay` seconds, for `await sleep(1)` and `yield* sleep(1)` alike.
 *
 * `sleep(0)` (and any delay <= 0) gives up exactly one iteration and
 * schedules no timer, as asyncio's bare-yield `__sleep0`: the coroutine
 * yields `null` once; an async function resumes one iteration later.
 * `sleep(d)` resumes one iteration after its timer fires. Cancelling the
 * future cancels the timer.
 *
 * @packageDocumentation
 */
import { optionsArg } from '@loop/interfaces';
import type { SchedulingLoop } from '@loop/interfaces';
import { checkSeconds } from './base-event-loop.js';
import type { BaseEventLoop } from './base-event-loop.js';
import { cancelOnAbort, checkSignal } from './abort.js';
import { Future } from './futures.js';
import type { TimerHandle } from '@loop/interfaces';
import { getEventLoop, isLoop } from './policies.js';

function setResultUnlessCancelled<T>(fut: Future<T>, result: T): void {
  if (!fut.cancelled()) fut.setResult(result);
}

/** The future of `sleep(d)` with `d > 0`: cancelling it cancels its timer. */
class SleepFuture<T> extends Future<T> {
  /** @internal */ _timer: TimerHandle | null = null;
  override cancel(msg?: string): boolean {
    const cancelled = super.cancel(msg);
    if (cancelled) this._timer?.cancel();
    return cancelled;
  }
}

/**
 * The future of `sleep(0)`: one iteration, no timer. A coroutine's `yield*`
 * yields `null` (a bare yield); an async function's `await` is settled right
 * after the future completes in the next iteration, not a done callback
 * later.
 */
class Sleep0Future<T> extends Future<T> {
  /** @internal Settles of awaiting async functions, run when the future completes. */
  _direct: ((fut: Future<T>) => void)[] | null = null;

  override *[Symbol.iterator](): Generator<Future<T>, T, unknown> {
    if (this._state === 'pending') yield null as unknown as Future<T>;
    return this.result();
  }

  /** @internal */
  override _addSettle(settle: (fut: this) => void): void {
    if (this._state === 'pending') (this._direct ??= []).push(settle as (fut: Future<T>) => void);
    else super._addSettle(settle);
  }

  /** @internal Completes the future (the callback `sleep(0)` scheduled). */
  _complete(result: T): void {
    if (this._state !== 'pending') return;
    this.setResult(result);
    const direct = this._direct;
    this._direct = null;
    if (direct !== null) for (const settle of direct) settle(this);
  }

  override cancel(msg?: string): boolean {
    const cancelled = super.cancel(msg);
    const direct = this._direct;
    this._direct = null;
    if (cancelled && direct !== null) for (const settle of direct) this.addDoneCallback(settle);
    return cancelled;
  }
}

function completeSleep0<T>(fut: Sleep0Future<T>, result: T): void {
  fut._complete(result);
}

/** Options of {@link sleep}. */
export interface SleepOptions {
  /** The loop (the current one when omitted): any {@link SchedulingLoop} (ADR 0011). */
  loop?: BaseEventLoop | SchedulingLoop | null;
  /** An `AbortSignal` whose abort cancels the sleep (see `abort.ts`). */
  signal?: AbortSignal | null;
}

/**
 * A future that completes with `result` after `delay` seconds. `TypeError`
 * for a non-number delay, `RangeError` for NaN or an infinite one. The third
 * argument is the loop, or {@link SleepOptions} (`{ loop, signal }`): an
 * aborted `signal` cancels the sleep.
 */
export function sleep<T = undefined>(delay: number, result?: T, loopOrOptions?: BaseEventLoop | SchedulingLoop | SleepOptions | null): Future<T> {
  checkSeconds(delay, 'sleep', 'delay');
  let loop: SchedulingLoop | undefined;
  let signal: AbortSignal | undefined;
  if (isLoop(loopOrOptions)) {
    loop = loopOrOptions;
  } else {
    const options = optionsArg('sleep', loopOrOptions);
    loop = options.loop ?? undefined;
    signal = checkSignal('sleep', options.signal);
  }
  const l = loop ?? getEventLoop();
  if (signal !== undefined) {
    const fut = sleep(delay, result, l);
    cancelOnAbort(fut, signal);
    return fut;
  }
  if (delay <= 0) {
    const fut = new Sleep0Future<T>({ loop: l });
    l.callSoon(completeSleep0, fut as Sleep0Future<unknown>, result);
    return fut;
  }
  const fut = new SleepFuture<T>({ loop: l });
  fut._timer = l.callLater(delay, setResultUnlessCancelled, fut, result);
  return fut;
}
