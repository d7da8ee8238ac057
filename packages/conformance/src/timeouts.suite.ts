/**
 * `timeout(delay, body)` and `timeoutAt(when, body)` (asyncio.timeout /
 * timeout_at, Python 3.11; docs/asyncio-mapping.md "Scopes"): the body runs inside the
 * current task and receives the `Timeout` scope (`when()`, `reschedule()`,
 * `expired()`); on expiry the task is cancelled, and only that cancellation
 * becomes `TimeoutError` when the scope exits (`cancelling()` bookkeeping
 * with `uncancel()`); a cancellation from elsewhere stays `CancelledError`.
 *
 * Each expectation was checked against a Python twin (`async with
 * asyncio.timeout(...)`) under CPython 3.11 on a virtual-clock loop; `t=`
 * values are exact. Iteration numbers are not compared: CPython's `async
 * with` runs inline, while the TypeScript scope is an awaitable.
 *
 * Ported from test_timeouts.py: test_timeout_basic, test_timeout_at_basic,
 * test_timeout_not_called, test_timeout_disabled, test_timeout_at_disabled,
 * test_timeout_zero, test_foreign_exception_passed, test_foreign_cancel_doesnt_timeout_if_not_expired,
 * test_outer_task_is_not_cancelled, test_nested_timeouts_concurrent,
 * test_nested_timeouts_loop_busy, test_reschedule, test_timeout_in_generator
 * style checks are left out (no generator-based context managers here).
 */
import { expect } from 'expect';
import { describe } from './runner.js';
import {
  CancelledError,
  RuntimeError,
  TimeoutError,
  currentTask,
  sleep,
  timeout,
  timeoutAt,
  type Task,
  type Timeout,
} from '@loop/core';
import type { Coroutine } from '@loop/interfaces';
import { defineLoopTest, rejection, type LoopFactory, type SuiteOptions } from './harness.js';
import { KeyError, at, errorClass } from './twins.js';

/** Defines the timeouts suite. */
export function timeoutsSuite(newLoop: LoopFactory, options: SuiteOptions): void {
  const it = defineLoopTest(newLoop, options);

  describe('timeout', () => {
    // test_timeout_basic
    it('[test_timeout_basic] timeout(delay) - on expiry the body gets CancelledError at the delay, the scope raises TimeoutError, expired() is true and cancelling() is back to 0 (yield*)', async (t) => {
      const { loop } = t;
      const out: string[] = [];
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          const task = currentTask() as Task<unknown>;
          let scope!: Timeout;
          try {
            yield* timeout(0.5, function* (cm: Timeout): Coroutine<void> {
              scope = cm;
              out.push(at(loop, `when=${String(cm.when())}`));
              try {
                yield* sleep(10);
              } catch (e) {
                out.push(at(loop, `body sees ${(e as Error).name} cancelling=${task.cancelling()}`));
                throw e;
              }
            });
            out.push('no error');
          } catch (e) {
            out.push(at(loop, `${(e as Error).name} TimeoutError=${String(e instanceof TimeoutError)} expired=${String(scope.expired())} cancelling=${task.cancelling()}`));
          }
        })(),
      );
      expect(out).toEqual([
        't=0.00 when=0.5',
        't=0.50 body sees CancelledError cancelling=1',
        't=0.50 TimeoutError TimeoutError=true expired=true cancelling=0',
      ]);
      t.close();
    }, { needs: ['virtual-clock'] });

    // test_timeout_basic
    it('[test_timeout_basic] timeout(delay) - on expiry the scope raises TimeoutError (await, async-function body)', async (t) => {
      const { loop } = t;
      const out: string[] = [];
      await loop.runUntilComplete(async () => {
        const task = currentTask() as Task<unknown>;
        let scope!: Timeout;
        try {
          await timeout(0.5, async (cm: Timeout) => {
            scope = cm;
            try {
              await sleep(10);
            } catch (e) {
              out.push(at(loop, `body sees ${(e as Error).name}`));
              throw e;
            }
          });
          out.push('no error');
        } catch (e) {
          out.push(at(loop, `${(e as Error).name} expired=${String(scope.expired())} cancelling=${task.cancelling()}`));
        }
        // the task is not left cancelled: the next await goes through
        await sleep(0.1);
        out.push(at(loop, 'next await not cancelled'));
      });
      expect(out).toEqual([
        't=0.50 body sees CancelledError',
        't=0.50 TimeoutError expired=true cancelling=0',
        't=0.60 next await not cancelled',
      ]);
      t.close();
    }, { needs: ['virtual-clock'] });

    // test_timeout_not_called
    it('[test_timeout_not_called] timeout() - a body that finishes in time gives its return value; the timer is cancelled and expired() is false', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(
        (function* (): Coroutine<unknown[]> {
          let scope!: Timeout;
          const r = yield* timeout(1, function* (cm: Timeout): Coroutine<string> {
            scope = cm;
            yield* sleep(0.25);
            return 'value';
          });
          return [r, loop.time(), scope.expired(), t.stats().timers];
        })(),
      );
      expect(rec).toEqual(['value', 0.25, false, 0]);
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });

    // docs/asyncio-mapping.md "Scopes": the awaitable resolves to the body's return value, whatever the body's kind
    it("[D20] timeout() - resolves to the body's value whatever its kind: yield* of an async body, await of a generator body", async (t) => {
      const { loop } = t;
      const a = await loop.runUntilComplete(
        (function* (): Coroutine<string> {
          return yield* timeout(1, async () => {
            await sleep(0.1);
            return 'async body';
          });
        })(),
      );
      const b = await loop.runUntilComplete(async () =>
        timeout(1, function* (): Coroutine<string> {
          yield* sleep(0.1);
          return 'generator body';
        }),
      );
      const c = await loop.runUntilComplete(
        async () =>
          await timeout(null, async () => {
            await sleep(0);
            return 'no wait';
          }),
      );
      expect([a, b, c]).toEqual(['async body', 'generator body', 'no wait']);
      t.close();
    }, { needs: ['virtual-clock'] });

    // test_timeout_disabled, test_reschedule
    it('[test_reschedule, test_timeout_disabled] timeout(null) - never expires; reschedule(when) arms it and when() reports it', async (t) => {
      const { loop } = t;
      const out: string[] = [];
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          const r = yield* timeout(null, function* (cm: Timeout): Coroutine<string> {
            out.push(at(loop, `when=${String(cm.when())}`));
            yield* sleep(100);
            return 'slept';
          });
          out.push(at(loop, r));
          try {
            yield* timeout(null, function* (cm: Timeout): Coroutine<void> {
              cm.reschedule(loop.time() + 0.3);
              out.push(at(loop, `rescheduled when=${cm.when()!.toFixed(2)}`));
              yield* sleep(10);
            });
          } catch (e) {
            out.push(at(loop, `${(e as Error).name}`));
          }
        })(),
      );
      expect(out).toEqual(['t=0.00 when=null', 't=100.00 slept', 't=100.00 rescheduled when=100.30', 't=100.30 TimeoutError']);
      t.close();
    }, { needs: ['virtual-clock'] });

    // test_reschedule
    it('[test_reschedule] reschedule() - postpones a pending timeout, or disables it with null', async (t) => {
      const { loop } = t;
      const out: string[] = [];
      await loop.runUntilComplete(async () => {
        try {
          await timeout(0.1, async (cm: Timeout) => {
            cm.reschedule(loop.time() + 0.4);
            await sleep(10);
          });
        } catch (e) {
          out.push(at(loop, `postponed: ${(e as Error).name}`));
        }
        let scope!: Timeout;
        await timeout(0.1, async (cm: Timeout) => {
          scope = cm;
          cm.reschedule(null);
          await sleep(0.2);
        });
        out.push(at(loop, `disabled: expired=${String(scope.expired())} when=${String(scope.when())}`));
      });
      expect(out).toEqual(['t=0.40 postponed: TimeoutError', 't=0.60 disabled: expired=false when=null']);
      t.close();
    }, { needs: ['virtual-clock'] });

    // Timeout.reschedule's state check
    it('[test_timeout_expired, test_timeout_finished] reschedule() on an expired or a finished scope - RuntimeError', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(
        (function* (): Coroutine<unknown[]> {
          let expired!: Timeout;
          try {
            yield* timeout(0.1, function* (cm: Timeout): Coroutine<void> {
              expired = cm;
              yield* sleep(1);
            });
          } catch {
            // TimeoutError
          }
          let finished!: Timeout;
          yield* timeout(1, function* (cm: Timeout): Coroutine<void> {
            finished = cm;
            yield* sleep(0);
          });
          const e1 = (() => {
            try {
              expired.reschedule(5);
              return null;
            } catch (e) {
              return e;
            }
          })();
          const e2 = (() => {
            try {
              finished.reschedule(5);
              return null;
            } catch (e) {
              return e;
            }
          })();
          return [e1 instanceof RuntimeError, (e1 as Error).message, e2 instanceof RuntimeError, (e2 as Error).message, t.stats().timers];
        })(),
      );
      expect(rec[0]).toBe(true);
      expect(rec[1]).toMatch(/expired/);
      expect(rec[2]).toBe(true);
      expect(rec[3]).toMatch(/finished/);
      expect(rec[4]).toBe(0);
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });

    // test_timeout_at_basic, test_timeout_at_disabled
    it('[test_timeout_at_disabled, test_timeout_at_basic] timeoutAt(when) - expires at loop time when; timeoutAt(null) never does', async (t) => {
      const { loop } = t;
      const out: string[] = [];
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          yield* sleep(1);
          try {
            yield* timeoutAt(loop.time() + 0.2, function* (cm: Timeout): Coroutine<void> {
              out.push(at(loop, `when=${cm.when()!.toFixed(2)}`));
              yield* sleep(10);
            });
          } catch (e) {
            out.push(at(loop, `${(e as Error).name}`));
          }
          const r = yield* timeoutAt(null, function* (): Coroutine<string> {
            yield* sleep(5);
            return 'never expires';
          });
          out.push(at(loop, r));
        })(),
      );
      expect(out).toEqual(['t=1.00 when=1.20', 't=1.20 TimeoutError', 't=6.20 never expires']);
      t.close();
    }, { needs: ['virtual-clock'] });

    // test_timeout_zero
    it('[test_timeout_zero] timeout(0) and negative delays - the body starts, and the scope expires at its first await, without time passing', async (t) => {
      const { loop } = t;
      const out: string[] = [];
      await loop.runUntilComplete(async () => {
        for (const delay of [0, -1]) {
          try {
            await timeout(delay, async () => {
              out.push(at(loop, `body runs (${delay})`));
              await sleep(10);
            });
          } catch (e) {
            out.push(at(loop, `${(e as Error).name} (${delay})`));
          }
        }
      });
      expect(out).toEqual(['t=0.00 body runs (0)', 't=0.00 TimeoutError (0)', 't=0.00 body runs (-1)', 't=0.00 TimeoutError (-1)']);
      t.close();
    }, { needs: ['virtual-clock'] });

    // Timeout.__aexit__ with no exception while EXPIRING
    it('[SCOPE-03] a body that swallows the expiry cancellation - the scope exits normally with its value; expired() is true, cancelling() is 0', async (t) => {
      const { loop } = t;
      const out: string[] = [];
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          const task = currentTask() as Task<unknown>;
          let scope!: Timeout;
          const r = yield* timeout(0.1, function* (cm: Timeout): Coroutine<string> {
            scope = cm;
            try {
              yield* sleep(10);
            } catch {
              out.push(at(loop, 'swallowed'));
            }
            yield* sleep(0.1);
            out.push(at(loop, 'awaited again after swallowing'));
            return 'returned';
          });
          out.push(at(loop, `${r} expired=${String(scope.expired())} cancelling=${task.cancelling()}`));
        })(),
      );
      expect(out).toEqual(['t=0.10 swallowed', 't=0.20 awaited again after swallowing', 't=0.20 returned expired=true cancelling=0']);
      t.close();
    }, { needs: ['virtual-clock'] });

    // test_foreign_exception_passed
    it("[test_foreign_exception_passed] a body that raises its own error - the error propagates unchanged and the timer is cancelled", async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(async () => {
        let scope!: Timeout;
        const e = await rejection(
          timeout(1, async (cm: Timeout) => {
            scope = cm;
            await sleep(0.1);
            throw new KeyError('own');
          }),
        );
        return [e instanceof KeyError, (e as Error).message, scope.expired(), loop.time(), t.stats().timers];
      });
      expect(rec).toEqual([true, 'own', false, 0.1, 0]);
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });

    // test_nested_timeouts_loop_busy-like: the inner scope is the shorter one
    it('[test_nested_timeouts_loop_busy] nested timeouts - the inner one expiring raises TimeoutError inside the outer, which goes on; the outer expires at its own deadline', async (t) => {
      const { loop } = t;
      const out: string[] = [];
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          let outer!: Timeout;
          try {
            yield* timeout(1, function* (cmOuter: Timeout): Coroutine<void> {
              outer = cmOuter;
              let inner!: Timeout;
              try {
                yield* timeout(0.1, function* (cmInner: Timeout): Coroutine<void> {
                  inner = cmInner;
                  yield* sleep(10);
                });
              } catch (e) {
                out.push(at(loop, `inner ${(e as Error).name}: inner.expired=${String(inner.expired())} outer.expired=${String(outer.expired())}`));
              }
              yield* sleep(10);
            });
          } catch (e) {
            out.push(at(loop, `outer ${(e as Error).name}: outer.expired=${String(outer.expired())}`));
          }
        })(),
      );
      expect(out).toEqual([
        't=0.10 inner TimeoutError: inner.expired=true outer.expired=false',
        't=1.00 outer TimeoutError: outer.expired=true',
      ]);
      t.close();
    }, { needs: ['virtual-clock'] });

    // test_nested_timeouts (3.11): two cancel requests, only the outer scope turns its own into TimeoutError
    it('[test_nested_timeouts] nested timeouts with the same deadline (await, async bodies) - the inner scope lets CancelledError through, the outer raises TimeoutError; both expired', async (t) => {
      const { loop } = t;
      const out: string[] = [];
      await loop.runUntilComplete(async () => {
        let cm1!: Timeout;
        let cm2!: Timeout;
        try {
          await timeout(0.1, async (a: Timeout) => {
            cm1 = a;
            try {
              await timeout(0.1, async (b: Timeout) => {
                cm2 = b;
                await sleep(10);
              });
            } catch (e) {
              out.push(at(loop, `inner raised ${(e as Error).name}`));
              throw e;
            }
          });
        } catch (e) {
          out.push(at(loop, `outer raised ${(e as Error).name} cm1=${String(cm1.expired())} cm2=${String(cm2.expired())}`));
        }
      });
      expect(out).toEqual(['t=0.10 inner raised CancelledError', 't=0.10 outer raised TimeoutError cm1=true cm2=true']);
      t.close();
    }, { needs: ['virtual-clock'] });

    // test_nested_timeouts (3.11), generator bodies
    it('[test_nested_timeouts] nested timeouts with the same deadline (yield*, generator bodies) - CancelledError through the inner scope, TimeoutError from the outer; cancelling() back to 0', async (t) => {
      const { loop } = t;
      const out: string[] = [];
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          const task = currentTask() as Task<unknown>;
          try {
            yield* timeout(0.1, function* (): Coroutine<void> {
              try {
                yield* timeout(0.1, function* (): Coroutine<void> {
                  try {
                    yield* sleep(10);
                  } catch (e) {
                    out.push(at(loop, `body ${(e as Error).name} cancelling=${task.cancelling()}`));
                    throw e;
                  }
                });
              } catch (e) {
                out.push(at(loop, `inner raised ${(e as Error).name} cancelling=${task.cancelling()}`));
                throw e;
              }
            });
          } catch (e) {
            out.push(at(loop, `outer raised ${(e as Error).name} cancelling=${task.cancelling()}`));
          }
          yield* sleep(0.1);
          out.push(at(loop, 'next await not cancelled'));
        })(),
      );
      expect(out).toEqual([
        't=0.10 body CancelledError cancelling=2',
        't=0.10 inner raised CancelledError cancelling=1',
        't=0.10 outer raised TimeoutError cancelling=0',
        't=0.20 next await not cancelled',
      ]);
      t.close();
    }, { needs: ['virtual-clock'] });

    // test_outer_task_is_not_cancelled / test_foreign_cancel_doesnt_timeout_if_not_expired
    it('[test_foreign_cancel_doesnt_timeout_if_not_expired, test_outer_task_is_not_cancelled] a cancellation from outside while the scope is pending - stays CancelledError, not TimeoutError', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(
        (function* (): Coroutine<unknown[]> {
          let scope!: Timeout;
          const victim = loop.createTask(
            (function* (): Coroutine<string> {
              try {
                yield* timeout(5, function* (cm: Timeout): Coroutine<void> {
                  scope = cm;
                  yield* sleep(10);
                });
              } catch (e) {
                if (e instanceof TimeoutError) return 'TimeoutError';
                throw e;
              }
              return 'no error';
            })(),
          );
          yield* sleep(0.1);
          victim.cancel('from outside');
          try {
            yield* victim;
            return ['not cancelled'];
          } catch (e) {
            return [e instanceof CancelledError, (e as Error).message, victim.cancelled(), scope.expired(), loop.time(), t.stats().timers];
          }
        })(),
      );
      expect(rec).toEqual([true, 'from outside', true, false, 0.1, 0]);
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });

    // test_nested_timeouts_concurrent-like: two cancel requests at once
    it('[test_nested_timeouts_concurrent] an outside cancel() at the moment the scope expires - the task has two cancel requests, so CancelledError, not TimeoutError', async (t) => {
      const { loop } = t;
      const r = await loop.runUntilComplete(async () => {
        const victim = loop.createTask(async () => {
          try {
            await timeout(0.1, async () => {
              await sleep(10);
            });
          } catch (e) {
            if (e instanceof TimeoutError) return 'TimeoutError';
            throw e;
          }
          return 'no error';
        });
        loop.callLater(0.1, () => victim.cancel());
        await sleep(0);
        try {
          return await victim;
        } catch (e) {
          return (e as Error).name;
        }
      });
      expect(r).toBe('CancelledError');
      t.close();
    }, { needs: ['virtual-clock'] });

    // docs/asyncio-mapping.md "Delays", "Helper arguments"
    it('[D4] timeout()/timeoutAt() argument errors - a non-number is a TypeError, NaN or infinite a RangeError, a body that is not a function a TypeError, all synchronous', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(
        (function* (): Coroutine<string[]> {
          const body = function* (): Coroutine<void> {
            yield* sleep(0);
          };
          const out = [
            errorClass(() => timeout('1' as never, body)),
            errorClass(() => timeout(undefined as never, body)),
            errorClass(() => timeout(Number.NaN, body)),
            errorClass(() => timeout(Infinity, body)),
            errorClass(() => timeoutAt('1' as never, body)),
            errorClass(() => timeoutAt(-Infinity, body)),
            errorClass(() => timeout(1, 42 as never)),
          ];
          yield* sleep(0);
          return out;
        })(),
      );
      expect(rec).toEqual(['TypeError', 'TypeError', 'RangeError', 'RangeError', 'TypeError', 'RangeError', 'TypeError']);
      // t.close() checks that nothing is left scheduled (with `stats`).
      t.close();
    }, { needs: ['virtual-clock'] });
  });
}
