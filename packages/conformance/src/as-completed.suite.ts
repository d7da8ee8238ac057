/**
 * `asCompleted()` (CPython's `test_as_completed*` in Lib/test/test_asyncio/
 * test_tasks.py, oracle S19): futures in completion order, each taking the
 * next completion when it is first awaited (as asyncio's `_wait_for_one()`
 * coroutines do), `timeout`, duplicates, argument errors. Each expectation
 * was checked against a Python twin run under CPython 3.11 on a
 * virtual-clock loop.
 */
import { expect } from 'expect';
import { describe } from './runner.js';
import { Future, asCompleted, sleep } from '@loop/core';
import type { Coroutine } from '@loop/interfaces';
import { defineLoopTest, type LoopFactory, type SuiteOptions } from './harness.js';
import { errorClass, work, awork } from './twins.js';

/** Defines the `asCompleted()` suite. */
export function asCompletedSuite(newLoop: LoopFactory, options: SuiteOptions): void {
  const it = defineLoopTest(newLoop, options);

  describe('asCompleted', () => {
    // test_as_completed, S19
    it('[test_as_completed] asCompleted() - yields futures whose results come in completion order (yield* in a coroutine)', async (t) => {
      const { loop } = t;
      const out = t.trace({ timeDigits: 2 });
      const order = await loop.runUntilComplete(
        (function* (): Coroutine<string[]> {
          const got: string[] = [];
          for (const f of asCompleted([work(out, 'p', 0.3), work(out, 'q', 0.1), work(out, 'r', 0.2)])) {
            expect(f).toBeInstanceOf(Future);
            got.push(`${yield* f}@${loop.time()}`);
          }
          return got;
        })(),
      );
      expect(order).toEqual(['q@0.1', 'r@0.2', 'p@0.3']);
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });

    // S19
    it('[COMBI-12] asCompleted() - completion order in an async function, over tasks, futures and thunks', async (t) => {
      const { loop } = t;
      const out = t.trace({ timeDigits: 2 });
      const order = await loop.runUntilComplete(async () => {
        const got: string[] = [];
        const f = loop.createFuture<string>();
        loop.callLater(0.15, () => f.setResult('future'));
        const aws = [loop.createTask(work(out, 'task', 0.3)), f, () => awork(out, 'thunk', 0.05)];
        for (const next of asCompleted(aws)) got.push(await next);
        return got;
      });
      expect(order).toEqual(['thunk', 'future', 'task']);
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });

    // test_as_completed_with_timeout
    it('[test_as_completed_with_timeout] asCompleted({ timeout }) - what is not done at the timeout raises TimeoutError then, and is not cancelled', async (t) => {
      const { loop } = t;
      const out = t.trace({ timeDigits: 2 });
      const rec = await loop.runUntilComplete(
        (function* (): Coroutine<unknown[]> {
          const p = loop.createTask(work(out, 'p', 0.3));
          const got: string[] = [];
          for (const f of asCompleted([p, work(out, 'q', 0.1), work(out, 'r', 0.2)], { timeout: 0.25 })) {
            try {
              got.push(yield* f);
            } catch (e) {
              got.push(`${(e as Error).name}@${loop.time().toFixed(2)}`);
            }
          }
          const cancelled = p.cancelled();
          return [got, cancelled, yield* p];
        })(),
      );
      expect(rec).toEqual([['q', 'r', 'TimeoutError@0.25'], false, 'p']);
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });

    // test_as_completed_duplicate_coroutines, test_as_completed_with_unused_timeout
    it('[test_as_completed_with_unused_timeout, test_as_completed_duplicate_coroutines] asCompleted() - duplicates collapse; a timeout that never fires leaves no timer', async (t) => {
      const { loop } = t;
      const out = t.trace({ timeDigits: 2 });
      const rec = await loop.runUntilComplete(
        (function* (): Coroutine<string[]> {
          const c = work(out, 'c', 0.1);
          const got: string[] = [];
          for (const f of asCompleted([c, c, work(out, 's', 0.05)], { timeout: 10 })) got.push(yield* f);
          return got;
        })(),
      );
      expect(rec).toEqual(['s', 'c']);
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });

    // test_as_completed_reverse_wait. Deliberate difference: the
    // yielded objects are futures made up front, so the k-th one holds the
    // k-th completion whichever is awaited first; CPython yields coroutines
    // that take the next completion when awaited (there, awaiting fs[1]
    // first gives 'a' at 0.05).
    // asyncio's as_completed yields coroutines that each take the next result
    // when awaited: the first one awaited gets the first completion.
    it('[test_as_completed_reverse_wait] asCompleted() - each future takes the next completion when it is first awaited, not when it was made', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(async () => {
        const fs = [...asCompleted([sleep(0.05, 'a'), sleep(0.1, 'b')])];
        const second = await fs[1];
        const at = loop.time();
        const first = await fs[0];
        return [fs.length, second, at, first, loop.time()];
      });
      expect(rec).toEqual([2, 'a', 0.05, 'b', 0.1]);
      t.close();
    }, { needs: ['virtual-clock'] });

    // test_as_completed_invalid_args
    it('[test_as_completed_invalid_args] asCompleted() - a future or a coroutine instead of an iterable is a TypeError, thrown synchronously', async (t) => {
      const { loop } = t;
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          const f = loop.createFuture<number>();
          function* coro(): Coroutine<number> {
            return 1;
          }
          expect(errorClass(() => [...asCompleted(f as never)])).toBe('TypeError');
          expect(errorClass(() => [...asCompleted(coro() as never)])).toBe('TypeError');
          f.cancel();
          yield* sleep(0);
        })(),
      );
      t.close();
    });
  });
}
