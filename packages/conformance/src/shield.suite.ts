/**
 * `shield()` (CPython's `test_shield_*` in Lib/test/test_asyncio/
 * test_tasks.py, oracle S19): the outer future mirrors the inner, cancelling
 * the outer leaves the inner running, cancelling the inner cancels the
 * outer. Each expectation was checked against a Python twin run under
 * CPython 3.11 on a virtual-clock loop.
 */
import { expect } from 'expect';
import { describe } from './runner.js';
import { CancelledError, gather, shield, sleep } from '@loop/core';
import { isFuture } from '@loop/interfaces';
import type { Coroutine } from '@loop/interfaces';
import { defineLoopTest, rejection, type LoopFactory, type SuiteOptions } from './harness.js';
import { ValueError, shown, errorClass, work } from './twins.js';

/** Defines the `shield()` suite. */
export function shieldSuite(newLoop: LoopFactory, options: SuiteOptions): void {
  const it = defineLoopTest(newLoop, options);

  describe('shield', () => {
    // test_shield_result, test_shield_exception
    it('[test_shield_exception, test_shield_result] shield() - the outer future mirrors the inner result and exception (await and yield*)', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(async () => {
        const inner = loop.createFuture<number>();
        const outer = shield(inner);
        expect(outer).not.toBe(inner);
        expect(isFuture(outer)).toBe(true);
        inner.setResult(42);
        const r = await outer;
        const inner2 = loop.createFuture<number>();
        const outer2 = shield(inner2);
        inner2.setException(new ValueError('boom'));
        const e = await rejection(outer2);
        const viaGen = await loop.createTask(
          (function* (): Coroutine<number> {
            const i = loop.createFuture<number>();
            const o = shield(i);
            loop.callSoon(() => i.setResult(7));
            return yield* o;
          })(),
        );
        return [r, shown(e), viaGen];
      });
      expect(rec).toEqual([42, 'ValueError(boom)', 7]);
      t.close();
    });

    // test_shield_shortcut
    it('[test_shield_shortcut] shield() of a future already done - returns that future itself', async (t) => {
      const { loop } = t;
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          const d = loop.createFuture<number>();
          d.setResult(1);
          expect(shield(d)).toBe(d);
          yield* sleep(0);
        })(),
      );
      t.close();
    });

    // test_shield_cancel_inner
    it('[test_shield_cancel_inner] shield() - cancelling the inner cancels the outer', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(async () => {
        const inner = loop.createFuture<number>();
        const outer = shield(inner);
        inner.cancel('im');
        await sleep(0);
        return outer.cancelled();
      });
      expect(rec).toBe(true);
      t.close();
    });

    // test_shield_cancel_outer: nothing propagates from an inner that fails after the outer was cancelled
    it('[test_shield_cancel_outer] shield() - cancelling the outer does not cancel the inner; a later failure of the inner leaves the outer cancelled and calls no handler', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(
        (function* (): Coroutine<unknown[]> {
          const inner = loop.createFuture<number>();
          const outer = shield(inner);
          const cancelled = outer.cancel();
          const innerCancelled = inner.cancelled();
          yield* sleep(0);
          inner.setException(new ValueError('late'));
          yield* sleep(0);
          yield* sleep(0);
          const e = inner.exception();
          return [cancelled, innerCancelled, outer.cancelled(), shown(e)];
        })(),
      );
      expect(rec).toEqual([true, false, true, 'ValueError(late)']);
      t.close();
    });

    // test_shield_effect, S19
    it('[test_shield_effect] cancelling a task that awaits shield(coroutine) - the task ends cancelled; the shielded coroutine runs on to completion', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(async () => {
        let proof = 0;
        const gate = loop.createFuture<void>();
        function* inner(): Coroutine<string> {
          yield* gate;
          proof += 1;
          return 'inner';
        }
        const task = loop.createTask(async () => {
          await shield(inner());
          proof += 100;
        });
        await sleep(0);
        await sleep(0);
        task.cancel();
        const e = await rejection(task);
        gate.setResult();
        await sleep(0);
        await sleep(0);
        return [e instanceof CancelledError, task.cancelled(), proof];
      });
      expect(rec).toEqual([true, true, 1]);
      t.close();
    });

    // S19
    it('[COMBI-08, test_shield_effect] shield() in a cancelled task - the task gets CancelledError at once; the shielded task keeps running and its result is there later', async (t) => {
      const { loop } = t;
      const out = t.trace({ timeDigits: 2 });
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          const inner = loop.createTask(work(out, 'shielded', 1));
          const o = loop.createTask(
            (function* (): Coroutine<string> {
              return yield* shield(inner);
            })(),
          );
          yield* sleep(0.25);
          o.cancel();
          try {
            yield* o;
          } catch (e) {
            out.log(`outer ${(e as Error).name}; inner still running: ${String(!inner.done())}`);
          }
          out.log(`inner result later: ${yield* inner}`);
        })(),
      );
      expect(out.lines.map((l) => l.replace(/^it\d+ /, ''))).toEqual([
        't=0.25 outer CancelledError; inner still running: true',
        't=1.00 shielded finishes',
        't=1.00 inner result later: shielded',
      ]);
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });

    // test_shield_gather
    it('[test_shield_gather] shield(gather(...)) - cancelling the shield leaves the gather and its children running', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(async () => {
        const a = loop.createFuture<number>();
        const b = loop.createFuture<number>();
        const inner = gather(a, b);
        const outer = shield(inner);
        outer.cancel();
        await sleep(0);
        const state = [inner.cancelled(), inner.done(), a.cancelled()];
        a.setResult(1);
        b.setResult(2);
        return [...state, await inner];
      });
      expect(rec).toEqual([false, false, false, [1, 2]]);
      t.close();
    });

    // docs/asyncio-mapping.md "Helper arguments"
    it('[TASK-12] shield() - a non-awaitable is a TypeError, thrown synchronously', async (t) => {
      const { loop } = t;
      await loop.runUntilComplete(async () => {
        expect(errorClass(() => shield(5 as never))).toBe('TypeError');
        expect(errorClass(() => shield(null as never))).toBe('TypeError');
        await sleep(0);
      });
      t.close();
    });
  });
}
