/**
 * `ensureFuture()`, `wrapFuture()` and `allTasks()` (CPython's
 * `test_ensure_future_*`, `test_wrap_future*` and `test_all_tasks*` in
 * Lib/test/test_asyncio/test_tasks.py): a future returned as is, coroutines
 * and thunks wrapped in tasks, promises in futures, and the tasks a loop
 * has not finished.
 *
 * Not ported: the "exception was never retrieved" checks (garbage
 * collection, D8) and `run_coroutine_threadsafe` (threads).
 */
import { expect } from 'expect';
import { describe } from './runner.js';
import { Task, allTasks, currentTask, ensureFuture, sleep, wrapFuture } from '@loop/core';
import { isFuture } from '@loop/interfaces';
import type { Coroutine } from '@loop/interfaces';
import { defineLoopTest, rejection, type LoopFactory, type SuiteOptions } from './harness.js';
import { ValueError, shown, errorClass, sleeping, drainAll, isTaskLike } from './twins.js';

/** Defines the `ensureFuture()`, `wrapFuture()`, `allTasks()` suite. */
export function ensureFutureSuite(newLoop: LoopFactory, options: SuiteOptions): void {
  const it = defineLoopTest(newLoop, options);

  describe('ensureFuture, wrapFuture, allTasks', () => {
    // TASK-11/12
    it('[TASK-11] ensureFuture() - a future is returned as is; a coroutine or a thunk becomes a Task of the running loop', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(
        (function* (): Coroutine<unknown[]> {
          const f = loop.createFuture<number>();
          const same = ensureFuture(f) === f;
          f.cancel();
          const t1 = ensureFuture(
            (function* (): Coroutine<string> {
              yield* sleep(0);
              return 'coro';
            })(),
          );
          const t2 = ensureFuture(async () => {
            await sleep(0);
            return 'thunk';
          });
          return [same, isTaskLike(t1), isTaskLike(t2), t1.getLoop() === loop, yield* t1, yield* t2];
        })(),
      );
      expect(rec).toEqual([true, true, true, true, 'coro', 'thunk']);
      t.close();
    });

    // TASK-12
    it('[TASK-12] ensureFuture(thenable) and wrapFuture(promise) - a Future of the loop settled like the promise', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(async () => {
        const a = ensureFuture(Promise.resolve('ok'));
        const b = wrapFuture(Promise.reject(new ValueError('no')));
        const thenable = {
          then(onOk: (v: string) => void): void {
            onOk('thenable');
          },
        };
        const c = ensureFuture(thenable as PromiseLike<string>);
        const out: unknown[] = [isFuture(a), isFuture(b), a.getLoop() === loop, isTaskLike(a)];
        out.push(await a, shown(await rejection(b)), await c);
        return out;
      });
      expect(rec).toEqual([true, true, true, false, 'ok', 'ValueError(no)', 'thenable']);
      t.close();
    });

    // docs/asyncio-mapping.md "Helper arguments"
    it('[TASK-12, test_ensure_future_neither] ensureFuture() - something that is not awaitable is a TypeError, thrown synchronously', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(async () => {
        await sleep(0);
        return [1, 'x', null, undefined, {}].map((bad) => errorClass(() => ensureFuture(bad as never)));
      });
      expect(rec).toEqual(['TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError']);
      t.close();
    });

    it('[TASK-10] allTasks() - the tasks of the running loop that are not done; allTasks(loop) outside a run', async (t) => {
      const { loop } = t;
      let sleeper!: Task<unknown>;
      const rec = await loop.runUntilComplete(
        (function* (): Coroutine<unknown[]> {
          const quick = loop.createTask(sleeping(0, 'q'));
          sleeper = loop.createTask(sleeping(10));
          const before = allTasks();
          yield* sleep(0);
          yield* sleep(0);
          const after = allTasks();
          return [
            before instanceof Set,
            before.has(quick),
            before.has(sleeper),
            before.has(currentTask()!),
            after.has(quick),
            after.has(sleeper),
            after.size,
          ];
        })(),
      );
      expect(rec).toEqual([true, true, true, true, false, true, 2]);
      expect(allTasks(loop).has(sleeper)).toBe(true);
      sleeper.cancel();
      await loop.runUntilComplete(drainAll(loop));
      expect(allTasks(loop).size).toBe(0);
      t.close();
    });
  });
}
