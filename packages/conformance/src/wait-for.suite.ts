/**
 * `waitFor()` (CPython's Lib/test/test_asyncio/test_waitfor.py, oracle S19):
 * the result before the timeout; on timeout, the inner is cancelled and
 * waited for before `TimeoutError`; timeouts <= 0 and `null`; a cancelled
 * caller. Each expectation was checked against a Python twin run under
 * CPython 3.11 on a virtual-clock loop, 3.11's race included (an inner that
 * swallows the cancellation and returns).
 *
 * Mapped as docs/asyncio-mapping.md says ("Delays", "Helper arguments"): a
 * non-number timeout is a `TypeError`, `NaN` or an infinite one a
 * `RangeError`, thrown synchronously.
 */
import { expect } from 'expect';
import { describe } from './runner.js';
import { TimeoutError, sleep, waitFor } from '@loop/core';
import type { Coroutine } from '@loop/interfaces';
import { defineLoopTest, rejection, type LoopFactory, type SuiteOptions } from './harness.js';
import { ValueError, KeyError, shown, errorClass, sleeping } from './twins.js';

/** Defines the `waitFor()` suite. */
export function waitForSuite(newLoop: LoopFactory, options: SuiteOptions): void {
  const it = defineLoopTest(newLoop, options);

  describe('waitFor', () => {
    // test_wait_for, S19
    it('[test_wait_for] waitFor() - the result when the awaitable finishes before the timeout, and no timer is left', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(
        (function* (): Coroutine<unknown[]> {
          const f = loop.createFuture<string>();
          loop.callLater(0.1, () => f.setResult('early'));
          const r1 = yield* waitFor(f, 0.2);
          const t1 = loop.time();
          const r2 = yield* waitFor(sleep(0.25, 'quick'), 5);
          return [r1, t1, r2, loop.time()];
        })(),
      );
      expect(rec).toEqual(['early', 0.1, 'quick', 0.35]);
      t.close();
    }, { needs: ['virtual-clock'] });

    // test_wait_for_waits_for_task_cancellation, S19
    it('[test_wait_for_waits_for_task_cancellation] waitFor() on timeout - cancels the inner, waits for its cancellation handlers (even ones that await), then raises TimeoutError', async (t) => {
      const { loop } = t;
      const out = t.trace({ timeDigits: 2 });
      await loop.runUntilComplete(async () => {
        async function slowCleanup(): Promise<string> {
          try {
            await sleep(10);
          } catch (e) {
            out.log('inner cancelled, cleaning up');
            await sleep(0.5);
            out.log('inner cleanup done');
            throw e;
          }
          return 'not reached';
        }
        try {
          await waitFor(slowCleanup, 1);
        } catch (e) {
          out.log(`${(e as Error).name} is TimeoutError: ${String(e instanceof TimeoutError)}`);
        }
      });
      expect(out.lines.map((l) => l.replace(/^it\d+ /, ''))).toEqual([
        't=1.00 inner cancelled, cleaning up',
        't=1.50 inner cleanup done',
        't=1.50 TimeoutError is TimeoutError: true',
      ]);
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });

    // test_wait_for_reraises_exception_during_cancellation
    it('[test_wait_for_reraises_exception_during_cancellation] waitFor() - an inner that raises another error while being cancelled: that error propagates, not TimeoutError', async (t) => {
      const { loop } = t;
      const e = await loop.runUntilComplete(
        (function* (): Coroutine<unknown> {
          function* raiser(): Coroutine<void> {
            try {
              yield* sleep(10);
            } catch {
              throw new ValueError('during cancel');
            }
          }
          try {
            yield* waitFor(raiser(), 0.5);
            return 'no error';
          } catch (err) {
            return err;
          }
        })(),
      );
      expect(shown(e)).toBe('ValueError(during cancel)');
      expect(loop.time()).toBe(0.5);
      t.close();
    }, { needs: ['virtual-clock'] });

    // test_wait_for_cancellation_race_condition, a quirk
    it('[test_wait_for_cancellation_race_condition] waitFor() - an inner that swallows the timeout cancellation and returns: waitFor returns its value (3.11)', async (t) => {
      const { loop } = t;
      const r = await loop.runUntilComplete(async () => {
        async function swallower(): Promise<string> {
          try {
            await sleep(10);
          } catch {
            // swallowed
          }
          return 'swallowed';
        }
        return await waitFor(swallower, 0.25);
      });
      expect(r).toBe('swallowed');
      expect(loop.time()).toBe(0.25);
      t.close();
    }, { needs: ['virtual-clock'] });

    // test_wait_for_timeout_less_then_0_or_0*, S19
    it('[test_wait_for_timeout_less_then_0_or_0] waitFor() with a timeout <= 0 - a done future gives its result; a pending coroutine never starts and TimeoutError is raised without waiting', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(
        (function* (): Coroutine<unknown[]> {
          let started = 0;
          function* never(): Coroutine<number> {
            started++;
            return 1;
          }
          const out: unknown[] = [];
          for (const timeout of [0, -1]) {
            try {
              yield* waitFor(never(), timeout);
              out.push('no error');
            } catch (e) {
              out.push((e as Error).name);
            }
          }
          const f = loop.createFuture<string>();
          f.setResult('done-now');
          out.push(yield* waitFor(f, 0));
          const pending = loop.createFuture<string>();
          try {
            yield* waitFor(pending, 0);
          } catch (e) {
            out.push((e as Error).name, pending.cancelled());
          }
          out.push(started, loop.time());
          return out;
        })(),
      );
      expect(rec).toEqual(['TimeoutError', 'TimeoutError', 'done-now', 'TimeoutError', true, 0, 0]);
      t.close();
    }, { needs: ['virtual-clock'] });

    // test_wait_for with timeout=None, S19
    it('[test_wait_for] waitFor(aw, null) - just awaits, however long it takes', async (t) => {
      const { loop } = t;
      const r = await loop.runUntilComplete(async () => await waitFor(sleep(500, 'none'), null));
      expect(r).toBe('none');
      expect(loop.time()).toBe(500);
      t.close();
    }, { needs: ['virtual-clock'] });

    // test_cancel_wait_for, test_cancel_blocking_wait_for
    it('[test_cancel_blocking_wait_for, test_cancel_wait_for] cancelling the task running waitFor() - cancels the inner task too, with a timeout or with null', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(
        (function* (): Coroutine<unknown[]> {
          const out: unknown[] = [];
          for (const timeout of [5, null]) {
            const inner = loop.createTask(sleeping(10));
            const w = loop.createTask(
              (function* (): Coroutine<unknown> {
                return yield* waitFor(inner, timeout);
              })(),
            );
            yield* sleep(0.1);
            w.cancel();
            try {
              yield* w;
              out.push('not cancelled');
            } catch (e) {
              out.push((e as Error).name, w.cancelled(), inner.cancelled());
            }
          }
          return out;
        })(),
      );
      expect(rec).toEqual(['CancelledError', true, true, 'CancelledError', true, true]);
      t.close();
    }, { needs: ['virtual-clock'] });

    // S19
    it('[COMBI-11] waitFor() on a plain future - the timeout cancels the future; an exception of the inner propagates as is', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(async () => {
        const f = loop.createFuture<number>();
        const e1 = await rejection(waitFor(f, 0.1));
        const e2 = await rejection(
          waitFor(async () => {
            await sleep(0.1);
            throw new KeyError('k');
          }, 1),
        );
        return [(e1 as Error).name, f.cancelled(), shown(e2), loop.time()];
      });
      expect(rec).toEqual(['TimeoutError', true, 'KeyError(k)', 0.2]);
      t.close();
    }, { needs: ['virtual-clock'] });

    // docs/asyncio-mapping.md "Delays", "Helper arguments"
    it('[D4] waitFor() argument errors - a non-number timeout is a TypeError, NaN or infinite a RangeError, a non-awaitable a TypeError, all synchronous', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(
        (function* (): Coroutine<string[]> {
          const f = loop.createFuture<number>();
          const out = [
            errorClass(() => waitFor(f, '1' as never)),
            errorClass(() => waitFor(f, Number.NaN)),
            errorClass(() => waitFor(f, Infinity)),
            errorClass(() => waitFor(42 as never, 1)),
          ];
          f.cancel();
          yield* sleep(0);
          return out;
        })(),
      );
      expect(rec).toEqual(['TypeError', 'RangeError', 'RangeError', 'TypeError']);
      t.close();
    }, { needs: ['virtual-clock'] });
  });
}
