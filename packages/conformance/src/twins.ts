/**
 * What the suites share with their Python twins: Python's exception classes
 * that JavaScript lacks (so a trace line reads `ValueError(bad)` as CPython
 * prints it), Python's `str()`/`repr()` of simple values, the twins' `work()`
 * coroutine, and the clean-up that lets a test close its loop with nothing
 * pending.
 *
 * @packageDocumentation
 */
import { Future, allTasks, currentTask, sleep, type BaseEventLoop } from '@loop/core';
import { isFuture } from '@loop/interfaces';
import type { Coroutine } from '@loop/interfaces';
import type { Trace } from './harness.js';

/** Python's `ValueError`, for twins that raise it as a plain failure (not a mapped `RangeError`). */
export class ValueError extends Error {
  override name = 'ValueError';
}

/** Python's `KeyError`. */
export class KeyError extends Error {
  override name = 'KeyError';
}

/** Python's `ZeroDivisionError`. */
export class ZeroDivisionError extends Error {
  override name = 'ZeroDivisionError';
}

/** `Name(message)` of an error (the twins print `f'{type(x).__name__}({x})'`), a value as is. */
/**
 * Whether `x` is a task (of any loop's class: a future, by `isFuture`'s duck
 * test, with a task's `getCoro`), asyncio's `isinstance(x, asyncio.Task)`
 * for a loop whose tasks are its own.
 */
export function isTaskLike(x: unknown): boolean {
  return isFuture(x) && typeof (x as { getCoro?: unknown }).getCoro === 'function';
}

export function shown(x: unknown): unknown {
  return x instanceof Error ? `${x.name}(${x.message})` : x;
}

/** The class name of what a function threw synchronously, or `'no error'`. */
export function errorClass(fn: () => unknown): string {
  try {
    fn();
    return 'no error';
  } catch (e) {
    return e instanceof Error ? e.constructor.name : typeof e;
  }
}

/** `t=<time> msg`, the time with two digits, as the twins print it. */
export function at(loop: { time(): number }, msg: string): string {
  return `t=${loop.time().toFixed(2)} ${msg}`;
}

/** Python's `str()` of a few simple values, so lines match the oracle verbatim. */
export function py(v: unknown): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v)) return `[${v.map(py).join(', ')}]`;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v) ?? typeof v;
}

/** Python's `repr()` of a tuple. */
export function pyTuple(xs: unknown[]): string {
  return xs.length === 1 ? `(${py(xs[0])},)` : `(${xs.map(py).join(', ')})`;
}

/** `CancelledError.args` as CPython prints it: `()` or `('msg',)`. */
export function cancelArgs(e: unknown): string {
  const msg = (e as Error).message;
  return msg === '' ? '()' : `('${msg}',)`;
}

/** The twins' `work(name, delay, fail)`: sleeps, logs `<name> finishes`, returns name or raises ValueError(name). */
export function* work(out: Trace, name: string, delay: number, fail = false): Coroutine<string> {
  yield* sleep(delay);
  out.log(`${name} finishes`);
  if (fail) throw new ValueError(name);
  return name;
}

/** The same as an async function. */
export async function awork(out: Trace, name: string, delay: number, fail = false): Promise<string> {
  await sleep(delay);
  out.log(`${name} finishes`);
  if (fail) throw new ValueError(name);
  return name;
}

/** A coroutine that sleeps `delay` seconds and returns `value` (sleep() itself is a future, not a coroutine). */
export function* sleeping<T = undefined>(delay: number, value?: T): Coroutine<T> {
  return yield* sleep(delay, value as T);
}

/** Cancels what is still pending and lets it finish, so that `t.close()` finds nothing queued. */
export function* drain(futs: Iterable<Future<unknown>>): Coroutine<void> {
  for (const f of futs) {
    if (!f.done()) f.cancel();
  }
  for (const f of futs) {
    try {
      yield* f;
    } catch {
      // cancelled or failed: only its end matters here
    }
  }
}

/** Lets every task of `loop` finish (cancelling them), for tests that leave tasks behind. */
export function drainAll(loop: BaseEventLoop): Coroutine<void> {
  const me = currentTask(loop);
  return drain([...allTasks(loop)].filter((task) => task !== me));
}
