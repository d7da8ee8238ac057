/**
 * sleep() (catalog.md §8 COMBI-01, oracle S07): `sleep(0)` and negative delays
 * give up exactly one iteration and schedule no timer; `sleep(d)` resumes one
 * iteration after its timer fires; `sleep(d, result)` returns `result`; a
 * cancelled sleep cancels its timer; argument errors are synchronous.
 *
 * The other helpers of §8 have suites of their own (gather, shield, wait,
 * wait-for, as-completed, timeouts).
 */
import { expect } from 'expect';
import { describe } from './runner.js';
import { Future, sleep } from '@loop/core';
import type { Coroutine } from '@loop/interfaces';
import { defineLoopTest, type LoopFactory, type SuiteOptions } from './harness.js';

/** Defines the sleep suite. */
export function sleepSuite(newLoop: LoopFactory, options: SuiteOptions): void {
  const it = defineLoopTest(newLoop, options);

  describe('sleep', () => {
    // COMBI-01
    it('[COMBI-01] sleep(0) - gives up exactly one iteration and schedules no timer', async (t) => {
      const { loop } = t;
      const rec: string[] = [];
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          let ran = false;
          loop.callSoon(() => {
            ran = true;
          });
          rec.push(`before@${t.iterations}`);
          const r = yield* sleep(0);
          rec.push(`after@${t.iterations} ran=${String(ran)} result=${String(r)}`);
          expect(t.stats().timers).toBe(0);
        })(),
      );
      expect(rec).toEqual(['before@1', 'after@2 ran=true result=undefined']);
      expect(loop.time()).toBe(0);
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });

    // COMBI-01
    it('[COMBI-01] sleep() with a negative delay - same as sleep(0)', async (t) => {
      const { loop } = t;
      let timersDuring = -1;
      const r = await loop.runUntilComplete(
        (function* (): Coroutine<[string, number]> {
          const start = t.iterations;
          const fut = sleep(-5, 'negative');
          timersDuring = t.stats().timers;
          const v = yield* fut;
          return [v, t.iterations - start];
        })(),
      );
      expect(r).toEqual(['negative', 1]);
      expect(timersDuring).toBe(0);
      t.close();
    }, { needs: ['stats'] });

    // COMBI-01
    it('[COMBI-01] sleep(d, result) - returns result after d seconds of loop time, one iteration after its timer fires', async (t) => {
      const { loop } = t;
      const rec: string[] = [];
      const r = await loop.runUntilComplete(
        (function* (): Coroutine<string> {
          const fut = sleep(0.25, 'R');
          expect(fut).toBeInstanceOf(Future);
          expect(t.stats().timers).toBe(1);
          const v = yield* fut;
          rec.push(`it${t.iterations} t=${loop.time()} ${v}`);
          const w = yield* sleep(0.05, 'S');
          const x = yield* sleep(0.05, 'T');
          rec.push(`t=${loop.time().toFixed(3)} ${w}${x}`);
          return v;
        })(),
      );
      expect(r).toBe('R');
      expect(rec).toEqual(['it3 t=0.25 R', 't=0.350 ST']);
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });

    // COMBI-01, CANCEL-11
    it('[CANCEL-11, COMBI-01] cancelling a sleep - cancels its timer', async (t) => {
      const { loop } = t;
      const counts = await loop.runUntilComplete(
        (function* (): Coroutine<number[]> {
          const fut = sleep(10);
          const before = t.stats().timers;
          fut.cancel();
          return [before, t.stats().timers];
        })(),
      );
      expect(counts).toEqual([1, 0]);
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });

    it('[COMBI-01] sleep(0, result) in an async-function task - returns result after one iteration', async (t) => {
      const { loop } = t;
      const r = await loop.runUntilComplete(async () => {
        const start = t.iterations;
        const v = await sleep(0, 'zero');
        return [v, t.iterations - start];
      });
      expect(r).toEqual(['zero', 1]);
      t.close();
    }, { needs: ['stats'] });

    // docs/asyncio-mapping.md "Delays", "Helper arguments"
    it('[D4] sleep() - a delay that is not a number is a TypeError, NaN or infinite a RangeError, thrown synchronously', async (t) => {
      const { loop } = t;
      const errors = await loop.runUntilComplete(
        (function* (): Coroutine<unknown[]> {
          const out: unknown[] = [];
          for (const bad of ['1', null, undefined, {}, Number.NaN, Infinity, -Infinity]) {
            try {
              sleep(bad as never);
              out.push('no error');
            } catch (e) {
              out.push(e instanceof TypeError ? 'TypeError' : e instanceof RangeError ? 'RangeError' : e);
            }
          }
          return out;
        })(),
      );
      expect(errors).toEqual(['TypeError', 'TypeError', 'TypeError', 'TypeError', 'RangeError', 'RangeError', 'RangeError']);
      // t.close() checks that nothing is left scheduled (with `stats`).
      t.close();
    });
  });
}
