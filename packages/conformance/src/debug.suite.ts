/**
 * Debug mode (catalog.md §4 DEBUG-*, SCHED-16, SCHED-18, oracle S22): the
 * default comes from `LOOP_DEBUG` when the loop is created, setDebug()
 * toggles it, and in debug mode callbacks slower than slowCallbackDuration
 * are logged at `warn` through the replaceable logger.
 *
 * Deliberate difference (D3, docs/asyncio-mapping.md "Debug mode"): the callable check of
 * callSoon()/callLater()/callAt() runs in both modes (base-event-loop suite).
 * Not ported: SCHED-17 (thread checks), HANDLE-07/DEBUG-03 (Python source
 * tracebacks), the socket checks of S22 (I/O loops).
 */
import { expect } from 'expect';
import { describe } from './runner.js';
import type { Coroutine } from '@loop/interfaces';
import { defineLoopTest, thrown, type LoopFactory, type LogRecord, type SuiteOptions } from './harness.js';

function warnings(logs: LogRecord[]): string[] {
  return logs.filter((r) => r.level === 'warn').map((r) => r.text);
}

/** Defines the debug-mode suite. */
export function debugSuite(newLoop: LoopFactory, options: SuiteOptions): void {
  const it = defineLoopTest(newLoop, options);

  describe('debug', () => {
    // DEBUG-01, S22
    it('[DEBUG-01] getDebug() - defaults to whether LOOP_DEBUG is non-empty when the loop is created', (t) => {
      const saved = process.env.LOOP_DEBUG;
      try {
        delete process.env.LOOP_DEBUG;
        const off = t.newLoop({ debug: undefined });
        process.env.LOOP_DEBUG = '1';
        const on = t.newLoop({ debug: undefined });
        process.env.LOOP_DEBUG = '';
        const empty = t.newLoop({ debug: undefined });
        delete process.env.LOOP_DEBUG;
        expect([off.getDebug(), on.getDebug(), empty.getDebug()]).toEqual([false, true, false]);
        for (const l of [off, on, empty]) t.close(l);
      } finally {
        if (saved === undefined) delete process.env.LOOP_DEBUG;
        else process.env.LOOP_DEBUG = saved;
      }
    });

    // DEBUG-01
    it('[DEBUG-01] the debug option and setDebug() - set the mode; getDebug() reports it', (t) => {
      const { loop } = t;
      expect(loop.getDebug()).toBe(t.debug);
      loop.setDebug(!t.debug);
      expect(loop.getDebug()).toBe(!t.debug);
      loop.setDebug(t.debug);
      expect(loop.getDebug()).toBe(t.debug);
      t.close();
    });

    it('[SCHED-18] slowCallbackDuration - is 0.1 seconds by default and can be set', (t) => {
      const { loop } = t;
      expect(loop.slowCallbackDuration).toBe(0.1);
      loop.slowCallbackDuration = 0.5;
      expect(loop.slowCallbackDuration).toBe(0.5);
      t.close();
    });

    // SCHED-18
    it('[SCHED-18] a slow callback in debug mode - is logged at warn as "Executing <Handle ...> took N seconds"', async (t) => {
      const { loop } = t;
      loop.setDebug(true);
      loop.slowCallbackDuration = 0;
      loop.callSoon(function slowCallback() {
        const end = Date.now() + 2;
        while (Date.now() < end) {
          /* busy */
        }
      });
      loop.stop();
      await loop.runForever();
      const w = warnings(t.logs);
      expect(w.some((text) => /^Executing <Handle .*slowCallback.*> took \d+(\.\d+)? seconds/.test(text))).toBe(true);
      t.close();
    });

    // SCHED-18
    it('[SCHED-18] a slow task step in debug mode - is logged with the task: "Executing <Task ...> took N seconds"', async (t) => {
      const { loop } = t;
      loop.setDebug(true);
      loop.slowCallbackDuration = 0;
      await loop.runUntilComplete(
        loop.createTask(
          (function* (): Coroutine<void> {
            const end = Date.now() + 2;
            while (Date.now() < end) {
              /* busy */
            }
          })(),
          { name: 'slow-task' },
        ),
      );
      const w = warnings(t.logs);
      expect(w.some((text) => /^Executing <Task .*slow-task.*> took \d+(\.\d+)? seconds/.test(text))).toBe(true);
      t.close();
    });

    // SCHED-18: debug mode only
    it('[SCHED-18] a slow callback with debug mode off - is not logged', async (t) => {
      const { loop } = t;
      loop.setDebug(false);
      loop.slowCallbackDuration = 0;
      loop.callSoon(function slowCallback() {
        const end = Date.now() + 2;
        while (Date.now() < end) {
          /* busy */
        }
      });
      loop.stop();
      await loop.runForever();
      expect(warnings(t.logs)).toEqual([]);
      t.close();
    });

    // SCHED-16 (debug mode): coroutines cannot be used as callbacks
    it('[SCHED-16] callSoon()/callLater()/callAt() with a generator function in debug mode - TypeError', (t) => {
      const { loop } = t;
      loop.setDebug(true);
      function* coro(): Coroutine<void> {}
      for (const fn of [() => loop.callSoon(coro), () => loop.callLater(1, coro), () => loop.callAt(1, coro)]) {
        const e = thrown(fn);
        expect(e).toBeInstanceOf(TypeError);
        expect((e as Error).message).toMatch(/coroutine/i);
      }
      // t.close() checks that nothing is left scheduled (with `stats`).
      t.close();
    });
  });
}
