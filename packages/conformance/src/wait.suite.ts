/**
 * `wait()` (CPython's `test_wait*` in Lib/test/test_asyncio/test_tasks.py,
 * oracle S19): `returnWhen`, `timeout`, duplicates, argument errors, and a
 * cancelled caller. Each expectation was checked against a Python twin run
 * under CPython 3.11 on a virtual-clock loop.
 *
 * Mapped as docs/asyncio-mapping.md says ("Helper arguments"): argument
 * errors are thrown synchronously, `ValueError` is `RangeError`.
 *
 * Deliberate difference (D26): `wait()` accepts coroutines and thunks as
 * `createTask` does and wraps them in tasks (3.11 raises `TypeError`).
 */
import { expect } from 'expect';
import { describe } from './runner.js';
import { ALL_COMPLETED, CancelledError, FIRST_COMPLETED, FIRST_EXCEPTION, Future, sleep, wait } from '@loop/core';
import type { Coroutine } from '@loop/interfaces';
import { defineLoopTest, rejection, thrown, type LoopFactory, type SuiteOptions } from './harness.js';
import { ValueError, errorClass, isTaskLike, sleeping } from './twins.js';

/** Defines the `wait()` suite. */
export function waitSuite(newLoop: LoopFactory, options: SuiteOptions): void {
  const it = defineLoopTest(newLoop, options);

  describe('wait', () => {
    // test_wait, S19
    it('[test_wait] wait() - ALL_COMPLETED by default: resolves to [done, pending] Sets once every future is done', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(
        (function* (): Coroutine<unknown[]> {
          const a = loop.createTask(sleeping(0.1, 'a'));
          const b = loop.createTask(sleeping(0.15, 'b'));
          const [done, pending] = yield* wait([b, a]);
          expect(done).toBeInstanceOf(Set);
          expect(pending).toBeInstanceOf(Set);
          return [loop.time(), done.size, done.has(a), done.has(b), pending.size];
        })(),
      );
      expect(rec[0]).toBeCloseTo(0.15, 9);
      expect(rec.slice(1)).toEqual([2, true, true, 0]);
      t.close();
    }, { needs: ['virtual-clock'] });

    // test_wait_first_completed, test_wait_really_done, S19
    it('[test_wait_really_done, test_wait_first_completed] wait({ returnWhen: FIRST_COMPLETED }) - returns at the first completion; futures already done are in done too', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(async () => {
        expect([FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED]).toEqual(['FIRST_COMPLETED', 'FIRST_EXCEPTION', 'ALL_COMPLETED']);
        const a = loop.createTask(sleeping(0.1, 'a'));
        const b = loop.createTask(sleeping(0.2, 'b'));
        const [d1, p1] = await wait([a, b], { returnWhen: FIRST_COMPLETED });
        const first = [loop.time(), [...d1].map((f) => f.result()), p1.has(b)];
        const ready = loop.createFuture<string>();
        ready.setResult('x');
        const c = loop.createTask(sleeping(0.5, 'c'));
        const [d2, p2] = await wait([b, c, ready], { returnWhen: FIRST_COMPLETED });
        const second = [loop.time(), [...d2].map((f) => f.result()), p2.size];
        await wait([b, c]);
        return [first, second];
      });
      expect(rec).toEqual([
        [0.1, ['a'], true],
        [0.1, ['x'], 2],
      ]);
      t.close();
    }, { needs: ['virtual-clock'] });

    // test_wait_first_exception, test_wait_first_exception_in_wait, S19
    it('[test_wait_first_exception_in_wait, test_wait_first_exception] wait({ returnWhen: FIRST_EXCEPTION }) - returns at the first failure, at once if one already failed; without failures it waits for all', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(
        (function* (): Coroutine<unknown[]> {
          const out: unknown[] = [];
          const a = loop.createTask(sleeping(1, 'a'));
          const c = loop.createTask(
            (function* (): Coroutine<void> {
              yield* sleep(0.75);
              throw new ValueError('c');
            })(),
          );
          const [d1, p1] = yield* wait<unknown>(new Set<Future<unknown>>([a, c]), { returnWhen: FIRST_EXCEPTION });
          out.push(loop.time(), d1.has(c), p1.has(a));
          c.exception();
          const failed = loop.createFuture<void>();
          failed.setException(new ValueError('pre'));
          const [d2, p2] = yield* wait<unknown>([a, failed], { returnWhen: FIRST_EXCEPTION });
          out.push(loop.time(), d2.has(failed), p2.has(a));
          failed.exception();
          const x = loop.createTask(sleeping(0.1, 'x'));
          const [d3, p3] = yield* wait([a, x], { returnWhen: FIRST_EXCEPTION });
          out.push(loop.time(), d3.size, p3.size);
          return out;
        })(),
      );
      expect(rec).toEqual([0.75, true, true, 0.75, true, true, 1, 2, 0]);
      t.close();
    }, { needs: ['virtual-clock'] });

    // test_wait_with_timeout, S19
    it('[test_wait_with_timeout] wait({ timeout }) - resolves at the timeout without raising; the pending futures are not cancelled', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(async () => {
        const a = loop.createTask(sleeping(1, 'a'));
        const [d1, p1] = await wait([a], { timeout: 0.1 });
        const out: unknown[] = [loop.time(), d1.size, p1.has(a), a.cancelled(), a.done()];
        const [d2, p2] = await wait([a], { timeout: 0.2, returnWhen: FIRST_COMPLETED });
        out.push(loop.time(), d2.size, p2.size);
        const [d3] = await wait([a], { timeout: 5 });
        out.push(loop.time(), d3.has(a), a.result());
        return out;
      });
      expect(rec).toEqual([0.1, 0, true, false, false, 0.30000000000000004, 0, 1, 1, true, 'a']);
      // returning early cancelled the 5-second timer (t.close() checks that none is left)
      t.close();
    }, { needs: ['virtual-clock'] });

    // test_wait_duplicate_coroutines, test_wait_with_iterator_of_tasks
    it('[test_wait_with_iterator_of_tasks, test_wait_duplicate_coroutines] wait() - duplicates collapse; any iterable of futures works (array, Set, an iterator); a generator object is a coroutine, not an iterable', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(
        (function* (): Coroutine<unknown[]> {
          const x = loop.createTask(sleeping(0.1, 'x'));
          const [d1] = yield* wait([x, x, x]);
          const y = loop.createTask(sleeping(0.1, 'y'));
          // Python's iter([y, x])
          const [d2] = yield* wait([y, x][Symbol.iterator]());
          const [d3] = yield* wait(new Set([x, y]));
          const [d4] = yield* wait(new Map([['x', x]]).values());
          // In this mapping a generator object is a coroutine: wait(coroutine) is
          // asyncio's TypeError('expect a list of futures, not coroutine').
          const gen = (function* (): Generator<Future<string>> {
            yield x;
          })();
          return [d1.size, d2.size, d3.size, d4.size, errorClass(() => wait(gen as never))];
        })(),
      );
      expect(rec).toEqual([1, 2, 2, 1, 'TypeError']);
      t.close();
    }, { needs: ['virtual-clock'] });

    // test_wait_errors, test_wait_invalid_args, S19, docs/asyncio-mapping.md "Helper arguments"
    it('[test_wait_invalid_args, test_wait_errors] wait() argument errors - [] and a bad returnWhen are RangeErrors, a lone future and a non-awaitable member TypeErrors, all thrown synchronously', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(
        (function* (): Coroutine<unknown[]> {
          const f = loop.createFuture<number>();
          const empty = thrown(() => wait([]));
          const out = [
            empty instanceof RangeError,
            errorClass(() => wait([f], { returnWhen: 'bogus' as never })),
            errorClass(() => wait([f], { returnWhen: -1 as never })),
            errorClass(() => wait(f as never)),
            errorClass(() => wait([f, 1 as never])),
            errorClass(() => wait([f], { timeout: '1' as never })),
            errorClass(() => wait([f], { timeout: Number.NaN })),
          ];
          f.cancel();
          yield* sleep(0);
          return out;
        })(),
      );
      expect(rec).toEqual([true, 'RangeError', 'RangeError', 'TypeError', 'TypeError', 'TypeError', 'RangeError']);
      t.close();
    });

    // asyncio's _wait only awaits a private waiter
    it('[CANCEL-10, test_yield_wait_does_not_shield_cancel] cancelling a task that awaits wait() - the task is cancelled; the futures it waited on keep running', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(async () => {
        const x = loop.createTask(sleeping(0.5, 'x2'));
        const w = loop.createTask(async () => await wait([x]));
        await sleep(0.1);
        w.cancel();
        const e = await rejection(w);
        const state = [e instanceof CancelledError, x.cancelled(), x.done()];
        return [...state, await x, loop.time()];
      });
      expect(rec).toEqual([true, false, false, 'x2', 0.5]);
      t.close();
    }, { needs: ['virtual-clock'] });

    // docs/asyncio-mapping.md "Helper arguments" (3.11's wait() refuses coroutines: a deliberate difference)
    it('[D26] wait() - coroutines and thunks are wrapped in tasks, which are what done holds', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(
        (function* (): Coroutine<unknown[]> {
          const [done, pending] = yield* wait([
            (function* (): Coroutine<string> {
              yield* sleep(0.1);
              return 'gen';
            })(),
            async () => {
              await sleep(0.2);
              return 'async';
            },
          ]);
          return [[...done].every((f) => isTaskLike(f)), [...done].map((f) => f.result()).sort(), pending.size];
        })(),
      );
      expect(rec).toEqual([true, ['async', 'gen'], 0]);
      t.close();
    }, { needs: ['virtual-clock'] });
  });
}
