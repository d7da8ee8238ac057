/**
 * Loop lifecycle (catalog.md §0, §1 LOOP-*): running and stopping, the batch
 * snapshot, re-entry, closing, the closed-loop rules and their precedence,
 * and the argument checks of the scheduling methods.
 *
 * Not ported, because JavaScript has nothing to port them to: LOOP-05 (an I/O
 * event, selector loops only), LOOP-11/12/13 (SystemExit/KeyboardInterrupt
 * escaping the loop), LOOP-19 (unclosed-loop warning at GC), LOOP-20
 * (async-generator finalization hooks).
 */
import { expect } from 'expect';
import { describe } from './runner.js';
import { CancelledError, Context, ContextVar, RuntimeError, Task, asCompleted, getRunningLoop, runOutsideTask, setEventLoop, sleep, wait } from '@loop/core';
import { AbstractEventLoop, type Coroutine, type Executor } from '@loop/interfaces';
import { defineLoopTest, rejection, thrown, type LoopFactory, type SuiteOptions } from './harness.js';

function* noopCoroutine(): Coroutine<void> {}

/** Defines the BaseEventLoop lifecycle suite. */
export function baseEventLoopSuite(newLoop: LoopFactory, options: SuiteOptions): void {
  const it = defineLoopTest(newLoop, options);

  describe('base-event-loop: running and stopping', () => {
    // isinstance(loop, asyncio.AbstractEventLoop)
    it("[test_new_event_loop] a loop - is an instance of @loop/interfaces' AbstractEventLoop", (t) => {
      const { loop } = t;
      expect(loop).toBeInstanceOf(AbstractEventLoop);
      expect(loop instanceof AbstractEventLoop).toBe(true);
      t.close();
    });

    // LOOP-01
    it('[LOOP-01] runForever() - runs until stop() and resolves to undefined; isRunning() is true only inside', async (t) => {
      const { loop } = t;
      const seen: boolean[] = [];
      loop.callSoon(() => {
        seen.push(loop.isRunning());
        loop.stop();
      });
      expect(loop.isRunning()).toBe(false);
      await expect(loop.runForever()).resolves.toBeUndefined();
      expect(seen).toEqual([true]);
      expect(loop.isRunning()).toBe(false);
      t.close();
    });

    // LOOP-02, §0 step 5
    it('[LOOP-02] stop() during a batch - the rest of the batch runs; work it queued waits for the next run', async (t) => {
      const { loop } = t;
      const order: string[] = [];
      loop.callSoon(() => {
        order.push('a');
        loop.stop();
        loop.callSoon(() => order.push('x'));
      });
      loop.callSoon(() => order.push('b'));
      loop.callSoon(() => order.push('c'));
      await loop.runForever();
      expect(order).toEqual(['a', 'b', 'c']);
      expect(t.iterations).toBe(1);
      expect(t.stats().ready).toBe(1);
      loop.callSoon(() => loop.stop());
      await loop.runForever();
      expect(order).toEqual(['a', 'b', 'c', 'x']);
      t.close();
    }, { needs: ['stats'] });

    // LOOP-03
    it('[LOOP-03] stop() before runForever() - runs exactly one iteration', async (t) => {
      const { loop } = t;
      const order: string[] = [];
      loop.stop();
      loop.callSoon(() => {
        order.push('p');
        loop.callSoon(() => order.push('q'));
      });
      await loop.runForever();
      expect(t.iterations).toBe(1);
      expect(order).toEqual(['p']);
      expect(t.stats().ready).toBe(1);
      loop.callSoon(() => loop.stop());
      await loop.runForever();
      expect(order).toEqual(['p', 'q']);
      t.close();
    }, { needs: ['stats'] });

    // LOOP-03 (idempotent stop)
    it('[LOOP-03] stop() twice before runForever() - same as once: one iteration', async (t) => {
      const { loop } = t;
      loop.stop();
      loop.stop();
      await loop.runForever();
      expect(t.iterations).toBe(1);
      t.close();
    }, { needs: ['stats'] });

    // LOOP-03: the single iteration polls with a zero timeout: due timers run, others wait
    it('[LOOP-03] stop() before runForever() - due timers run in the one iteration, later ones stay pending and no time passes', async (t) => {
      const { loop } = t;
      const order: string[] = [];
      loop.callLater(0, () => order.push('due'));
      const far = loop.callLater(3600, () => order.push('far'));
      loop.stop();
      await loop.runForever();
      expect(order).toEqual(['due']);
      expect(t.iterations).toBe(1);
      expect(loop.time()).toBe(0);
      expect(far.cancelled()).toBe(false);
      expect(t.stats().timers).toBe(1);
      far.cancel();
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });

    // LOOP-04
    it('[LOOP-04] runForever() - the stop flag is reset when it returns; the next run goes on until a new stop()', async (t) => {
      const { loop } = t;
      loop.stop();
      await loop.runForever();
      const start = t.iterations;
      const order: number[] = [];
      loop.callLater(0.01, () => {
        order.push(loop.time());
        loop.stop();
      });
      await loop.runForever();
      expect(order).toEqual([0.01]);
      expect(t.iterations - start).toBeGreaterThanOrEqual(1);
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });

    // §0: the batch snapshot — callbacks scheduled by callbacks run next iteration
    it('[SCHED-02] runOnce - only the callbacks ready when the iteration starts run in it', async (t) => {
      const { loop } = t;
      const order: string[] = [];
      loop.callSoon(() => {
        order.push(`a@${t.iterations}`);
        loop.callSoon(() => order.push(`a1@${t.iterations}`));
      });
      loop.callSoon(() => {
        order.push(`b@${t.iterations}`);
        loop.callSoon(() => {
          order.push(`b1@${t.iterations}`);
          loop.stop();
        });
      });
      await loop.runForever();
      expect(order).toEqual(['a@1', 'b@1', 'a1@2', 'b1@2']);
      t.close();
    }, { needs: ['stats'] });

    // LOOP-17
    it('[LOOP-17] getRunningLoop() - is the loop inside its callbacks and throws RuntimeError outside', async (t) => {
      const { loop } = t;
      let inside: unknown;
      loop.callSoon(() => {
        inside = getRunningLoop();
        loop.stop();
      });
      await loop.runForever();
      expect(inside).toBe(loop);
      const e = thrown(() => getRunningLoop());
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toBe('no running event loop');
      t.close();
    });

    it('[SCHED-03, D11] runForever() - an idle loop waits without spinning until callSoonThreadsafe() from outside wakes it', async (t) => {
      const { loop } = t;
      // Nothing is ready and no timer is pending: the loop must wait for an
      // outside wake-up. CPython blocks in one select(); a hosted loop may
      // count the wake-up as a second iteration, but must not spin.
      const timer = setTimeout(() => loop.callSoonThreadsafe(() => loop.stop()), 30);
      try {
        await loop.runForever();
      } finally {
        clearTimeout(timer);
      }
      expect(t.iterations).toBeLessThanOrEqual(2);
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });
  });

  describe('base-event-loop: runUntilComplete()', () => {
    // LOOP-06
    it('[LOOP-06] runUntilComplete(future) - resolves to the result', async (t) => {
      const { loop } = t;
      const fut = loop.createFuture<number>();
      loop.callSoon(() => fut.setResult(42));
      await expect(loop.runUntilComplete(fut)).resolves.toBe(42);
      t.close();
    });

    // LOOP-06
    it('[LOOP-06] runUntilComplete(future) - rejects with the very exception the future holds', async (t) => {
      const { loop } = t;
      const fut = loop.createFuture<number>();
      const err = new Error('boom');
      loop.callSoon(() => fut.setException(err));
      expect(await rejection(loop.runUntilComplete(fut))).toBe(err);
      t.close();
    });

    // LOOP-06
    it('[LOOP-06] runUntilComplete(future) - rejects with CancelledError when the future is cancelled', async (t) => {
      const { loop } = t;
      const fut = loop.createFuture<number>();
      loop.callSoon(() => fut.cancel());
      expect(await rejection(loop.runUntilComplete(fut))).toBeInstanceOf(CancelledError);
      t.close();
    });

    // LOOP-06: a coroutine becomes a Task
    it('[LOOP-06] runUntilComplete(coroutine) - runs a generator coroutine as a task and resolves to its return value', async (t) => {
      const { loop } = t;
      function* main(): Coroutine<string> {
        yield;
        return 'ok';
      }
      await expect(loop.runUntilComplete(main())).resolves.toBe('ok');
      t.close();
    });

    it('[LOOP-06, D21] runUntilComplete(thunk) - accepts a generator function and an async function', async (t) => {
      const { loop } = t;
      await expect(
        loop.runUntilComplete(function* () {
          yield;
          return 1;
        }),
      ).resolves.toBe(1);
      await expect(
        loop.runUntilComplete(async () => {
          await sleep(0);
          return 2;
        }),
      ).resolves.toBe(2);
      t.close();
    });

    it('[LOOP-06, TASK-12] runUntilComplete(promise) - wraps a PromiseLike in a future; the loop wakes when it settles', async (t) => {
      const { loop } = t;
      await expect(loop.runUntilComplete(Promise.resolve(7))).resolves.toBe(7);
      const later = new Promise<string>((resolve) => setTimeout(() => resolve('late'), 20));
      await expect(loop.runUntilComplete(later)).resolves.toBe('late');
      const err = new Error('rejected');
      expect(await rejection(loop.runUntilComplete(Promise.reject(err)))).toBe(err);
      t.close();
    }, { needs: ['virtual-clock'] });

    // LOOP-06
    it('[LOOP-06] runUntilComplete(coroutine) - rejects with the exception the coroutine threw', async (t) => {
      const { loop } = t;
      const err = new TypeError('from coroutine');
      function* boom(): Coroutine<never> {
        throw err;
      }
      expect(await rejection(loop.runUntilComplete(boom()))).toBe(err);
      t.close();
    });

    // LOOP-07
    it('[LOOP-07] runUntilComplete() - a future that is already done still costs one iteration', async (t) => {
      const { loop } = t;
      const done = loop.createFuture<string>();
      done.setResult('already');
      const order: string[] = [];
      loop.callSoon(() => order.push('queued'));
      await expect(loop.runUntilComplete(done)).resolves.toBe('already');
      expect(t.iterations).toBe(1);
      expect(order).toEqual(['queued']);
      t.close();
    }, { needs: ['stats'] });

    // LOOP-07
    it('[LOOP-07] runUntilComplete() - stops at the end of the iteration after the future completes', async (t) => {
      const { loop } = t;
      const fut = loop.createFuture<number>();
      const order: string[] = [];
      loop.callSoon(() => {
        fut.setResult(1);
        loop.callSoon(() => {
          order.push(`c@${t.iterations}`);
          loop.callSoon(() => order.push('e'));
        });
      });
      await loop.runUntilComplete(fut);
      expect(order).toEqual(['c@2']);
      expect(t.iterations).toBe(2);
      expect(t.stats().ready).toBe(1);
      loop.stop();
      await loop.runForever();
      expect(order).toEqual(['c@2', 'e']);
      t.close();
    }, { needs: ['stats'] });

    // LOOP-08
    it('[LOOP-08] runUntilComplete() - rejects with RuntimeError when the loop is stopped before the future completes; the task stays pending and can be resumed', async (t) => {
      const { loop } = t;
      const progress: number[] = [];
      function* worker(): Coroutine<string> {
        for (let i = 0; i < 5; i++) {
          yield* sleep(0.1);
          progress.push(i);
          if (i === 1) loop.stop();
        }
        return 'finished';
      }
      const task = loop.createTask(worker());
      const e = await rejection(loop.runUntilComplete(task));
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toBe('Event loop stopped before Future completed.');
      expect(progress).toEqual([0, 1]);
      expect(task.done()).toBe(false);
      expect(loop.time()).toBeCloseTo(0.2, 9);
      await expect(loop.runUntilComplete(task)).resolves.toBe('finished');
      expect(progress).toEqual([0, 1, 2, 3, 4]);
      t.close();
    }, { needs: ['virtual-clock'] });

    // LOOP-09
    it('[LOOP-09] runUntilComplete() - rejects with TypeError for a value that is not awaitable, without throwing synchronously', async (t) => {
      const { loop } = t;
      let p: Promise<unknown> | undefined;
      expect(() => {
        p = loop.runUntilComplete('blah' as never);
      }).not.toThrow();
      const e = await rejection(p!);
      expect(e).toBeInstanceOf(TypeError);
      expect(t.iterations).toBe(0);
      t.close();
    }, { needs: ['stats'] });

    // LOOP-09
    it('[LOOP-09] runUntilComplete() - rejects with RangeError for a future of another loop', async (t) => {
      const { loop } = t;
      const other = t.newLoop();
      const foreign = other.createFuture();
      const e = await rejection(loop.runUntilComplete(foreign));
      expect(e).toBeInstanceOf(RangeError);
      expect((e as Error).message).toMatch(/different loop/);
      foreign.cancel();
      t.close(other);
      t.close();
    });

    // LOOP-10
    it('[LOOP-10] runForever()/runUntilComplete() on the running loop - reject with RuntimeError "This event loop is already running"; the coroutine never starts', async (t) => {
      const { loop } = t;
      let started = false;
      function* never(): Coroutine<void> {
        started = true;
      }
      let r1: Promise<unknown> | undefined;
      let r2: Promise<unknown> | undefined;
      let syncThrow = false;
      loop.callSoon(() => {
        try {
          r1 = rejection(loop.runForever());
          r2 = rejection(loop.runUntilComplete(never()));
        } catch {
          syncThrow = true;
        }
        loop.stop();
      });
      await loop.runForever();
      expect(syncThrow).toBe(false);
      for (const r of [r1, r2]) {
        const e = await r!;
        expect(e).toBeInstanceOf(RuntimeError);
        expect((e as Error).message).toBe('This event loop is already running');
      }
      expect(started).toBe(false);
      expect(loop.isRunning()).toBe(false);
      t.close();
    });

    // LOOP-10
    it('[LOOP-10] running a second loop while one runs - rejects with RuntimeError "Cannot run the event loop while another loop is running"', async (t) => {
      const { loop } = t;
      const other = t.newLoop();
      const foreign = other.createFuture();
      let r1: Promise<unknown> | undefined;
      let r2: Promise<unknown> | undefined;
      loop.callSoon(() => {
        r1 = rejection(other.runForever());
        r2 = rejection(other.runUntilComplete(foreign));
        loop.stop();
      });
      await loop.runForever();
      for (const r of [r1, r2]) {
        const e = await r!;
        expect(e).toBeInstanceOf(RuntimeError);
        expect((e as Error).message).toBe('Cannot run the event loop while another loop is running');
      }
      expect(other.isRunning()).toBe(false);
      foreign.cancel();
      t.close(other);
      t.close();
    });
  });

  describe('base-event-loop: shutdownAsyncgens() and shutdownDefaultExecutor()', () => {
    // asyncio's shutdown_asyncgens (registerAsyncgen stands in for the firstiter hook)
    it('[LOOP-20, D10] shutdownAsyncgens() - closes every registered async generator; a failure goes to the handler with message, exception and asyncgen', async (t) => {
      const { loop } = t;
      const seen = t.expectExceptionHandlerCalls();
      const log: string[] = [];
      const boom = new RangeError('bad finally');
      async function* ok(): AsyncGenerator<number> {
        await Promise.resolve();
        try {
          yield 1;
          yield 2;
        } finally {
          log.push('ok closed');
        }
      }
      async function* bad(): AsyncGenerator<number> {
        await Promise.resolve();
        try {
          yield 1;
        } finally {
          log.push('bad closing');
          // eslint-disable-next-line no-unsafe-finally
          throw boom;
        }
      }
      const g1 = loop.registerAsyncgen(ok());
      const g2 = loop.registerAsyncgen(bad());
      expect(g1).toBeDefined();
      await loop.runUntilComplete(async () => {
        await g1.next();
        await g2.next();
      });
      await loop.runUntilComplete(loop.shutdownAsyncgens());
      expect(log).toEqual(['ok closed', 'bad closing']);
      expect(seen).toHaveLength(1);
      expect(seen[0].message).toMatch(/^an error occurred during closing of asynchronous generator /);
      expect(Object.keys(seen[0]).sort()).toEqual(['asyncgen', 'exception', 'message']);
      expect(seen[0].exception).toBe(boom);
      expect((seen[0] as { asyncgen?: unknown }).asyncgen).toBe(g2);
      expect(await g1.next()).toEqual({ value: undefined, done: true });
      // A second shutdown has nothing left to close.
      await loop.runUntilComplete(loop.shutdownAsyncgens());
      expect(seen).toHaveLength(1);
      t.close();
    });

    it('[LOOP-20, D10] registerAsyncgen() - after shutdownAsyncgens() warns that the generator was scheduled after the shutdown; a non-generator is a TypeError', async (t) => {
      const { loop } = t;
      await loop.runUntilComplete(loop.shutdownAsyncgens());
      async function* late(): AsyncGenerator<number> {
        await Promise.resolve();
        yield 1;
      }
      loop.registerAsyncgen(late());
      expect(t.logs.some((r) => r.level === 'warn' && /was scheduled after loop\.shutdownAsyncgens\(\) call/.test(r.text))).toBe(true);
      const e = thrown(() => loop.registerAsyncgen({} as never));
      expect(e).toBeInstanceOf(TypeError);
      expect((e as { code?: string }).code).toBe('ERR_LOOP_INVALID_ARG');
      t.close();
    });

    /** An executor whose shutdown(true) waits for `release()`; records the `wait` argument of each shutdown. */
    function slowExecutor(): Executor & { calls: boolean[]; release(): void } {
      let release = (): void => undefined;
      const joined = new Promise<void>((resolve) => {
        release = resolve;
      });
      const calls: boolean[] = [];
      return {
        calls,
        release: () => release(),
        submit: <T>(): PromiseLike<T> => new Promise<T>(() => undefined),
        shutdown: (wait?: boolean): Promise<void> => {
          calls.push(wait === true);
          return wait === true ? joined : Promise.resolve();
        },
      };
    }

    it('[EXEC-03] shutdownDefaultExecutor(timeout) - waits for the executor to join; past the timeout it warns and shuts it down without waiting', async (t) => {
      const { loop } = t;
      const slow = slowExecutor();
      loop.setDefaultExecutor(slow);
      const started = Date.now();
      await loop.runUntilComplete(loop.shutdownDefaultExecutor(0.05));
      expect(Date.now() - started).toBeGreaterThanOrEqual(40);
      expect(slow.calls).toEqual([true, false]);
      expect(t.logs.some((r) => r.level === 'warn' && /did not finishing joining its threads within 0\.05 seconds/.test(r.text))).toBe(true);
      slow.release();
      const e = thrown(() => loop.runInExecutor(null, () => 1));
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as { code?: string }).code).toBe('ERR_LOOP_EXECUTOR_SHUTDOWN');
      t.close();
    }, { needs: ['virtual-clock'] });

    it('[EXEC-03] shutdownDefaultExecutor(timeout) - an executor that joins in time is shut down once, without a warning; a NaN timeout rejects with RangeError', async (t) => {
      const { loop } = t;
      const quick = slowExecutor();
      loop.setDefaultExecutor(quick);
      const done = loop.shutdownDefaultExecutor(10);
      setTimeout(() => quick.release(), 5);
      await loop.runUntilComplete(done);
      expect(quick.calls).toEqual([true]);
      expect(t.logs.filter((r) => r.level === 'warn')).toEqual([]);
      const other = t.newLoop();
      const e = await rejection(other.shutdownDefaultExecutor(Number.NaN));
      expect(e).toBeInstanceOf(RangeError);
      expect((e as { code?: string }).code).toBe('ERR_LOOP_OUT_OF_RANGE');
      // Without a default executor there is nothing to wait for.
      await other.shutdownDefaultExecutor(0);
      t.close(other);
      t.close();
    }, { needs: ['virtual-clock'] });
  });

  describe('base-event-loop: close()', () => {
    // LOOP-14
    it('[LOOP-14] close() - isClosed() goes false to true; close() is idempotent; queued callbacks and timers never run', (t) => {
      const { loop } = t;
      const ran: string[] = [];
      loop.callSoon(() => ran.push('soon'));
      loop.callLater(0, () => ran.push('later'));
      loop.callLater(10, () => ran.push('far'));
      expect(loop.isClosed()).toBe(false);
      loop.close();
      loop.close();
      expect(loop.isClosed()).toBe(true);
      expect(ran).toEqual([]);
    }, { needs: ['virtual-clock'] });

    // LOOP-14: BaseEventLoop.close() clears _ready and _scheduled
    it('[LOOP-14] close() - empties the ready queue and the timer heap', (t) => {
      const { loop } = t;
      loop.callSoon(() => undefined);
      loop.callLater(0, () => undefined);
      loop.callLater(10, () => undefined);
      expect([t.stats().ready, t.stats().timers]).toEqual([1, 2]);
      loop.close();
      expect([t.stats().ready, t.stats().timers]).toEqual([0, 0]);
    }, { needs: ['stats', 'virtual-clock'] });

    // LOOP-15
    it('[LOOP-15] close() while running - throws RuntimeError "Cannot close a running event loop"', async (t) => {
      const { loop } = t;
      let e: unknown;
      loop.callSoon(() => {
        e = thrown(() => loop.close());
        loop.stop();
      });
      await loop.runForever();
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toBe('Cannot close a running event loop');
      expect(loop.isClosed()).toBe(false);
      t.close();
    });

    // LOOP-16
    it('[LOOP-16] a closed loop - callSoon/callSoonThreadsafe/callLater/callAt/createTask throw RuntimeError "Event loop is closed"', (t) => {
      const { loop } = t;
      loop.close();
      const noop = (): void => undefined;
      function* coro(): Coroutine<void> {}
      const attempts: Array<[string, () => unknown]> = [
        ['callSoon', () => loop.callSoon(noop)],
        ['callSoonThreadsafe', () => loop.callSoonThreadsafe(noop)],
        ['callLater', () => loop.callLater(1, noop)],
        ['callAt', () => loop.callAt(0, noop)],
        ['createTask', () => loop.createTask(coro())],
      ];
      for (const [name, fn] of attempts) {
        const e = thrown(fn);
        expect([name, e instanceof RuntimeError, (e as Error).message]).toEqual([name, true, 'Event loop is closed']);
      }
    }, { needs: ['virtual-clock'] });

    // LOOP-16
    it('[LOOP-16] a closed loop - runForever()/runUntilComplete() reject with RuntimeError "Event loop is closed"', async (t) => {
      const { loop } = t;
      loop.close();
      const fut = loop.createFuture();
      for (const p of [loop.runForever(), loop.runUntilComplete(fut)]) {
        const e = await rejection(p);
        expect(e).toBeInstanceOf(RuntimeError);
        expect((e as Error).message).toBe('Event loop is closed');
      }
    });

    // LOOP-16 [quirk]
    it('[LOOP-16] a closed loop - createFuture() still works', (t) => {
      const { loop } = t;
      loop.close();
      const fut = loop.createFuture<number>();
      expect(fut.done()).toBe(false);
      expect(fut.getLoop()).toBe(loop);
    });

    // LOOP-16: argument checks come before the closed check
    it('[LOOP-16] a closed loop - argument errors come before "Event loop is closed"', (t) => {
      const { loop } = t;
      loop.close();
      const noop = (): void => undefined;
      expect(thrown(() => loop.callLater(null as never, noop))).toBeInstanceOf(TypeError);
      expect(thrown(() => loop.callAt(undefined as never, noop))).toBeInstanceOf(TypeError);
      expect(thrown(() => loop.callLater(Number.NaN, noop))).toBeInstanceOf(RangeError);
      expect(thrown(() => loop.callSoon(42 as never))).toBeInstanceOf(TypeError);
    }, { needs: ['virtual-clock'] });

    // LOOP-18
    it('[LOOP-18] String(loop) - shows running, closed and debug', async (t) => {
      const { loop } = t;
      let inside = '';
      loop.callSoon(() => {
        inside = String(loop);
        loop.stop();
      });
      await loop.runForever();
      expect(inside).toMatch(/running=true/i);
      loop.close();
      const repr = String(loop);
      expect(repr).toMatch(/^<\w+ running=false closed=true debug=(true|false)>$/i);
      expect(repr).toMatch(new RegExp(`debug=${String(loop.getDebug())}`, 'i'));
    });
  });

  describe('base-event-loop: argument checks', () => {
    const noop = (): void => undefined;

    it('[SCHED-16, D3] callSoon()/callSoonThreadsafe() - a callback that is not a function is a TypeError naming the method', (t) => {
      const { loop } = t;
      for (const [name, fn] of [
        ['callSoon', () => loop.callSoon(42 as never)],
        ['callSoonThreadsafe', () => loop.callSoonThreadsafe('x' as never)],
      ] as const) {
        const e = thrown(fn);
        expect(e).toBeInstanceOf(TypeError);
        expect((e as Error).message).toContain(name);
      }
      t.close();
    });

    it('[SCHED-16, D3] callLater()/callAt() - a callback that is not a function is a TypeError', (t) => {
      const { loop } = t;
      const e1 = thrown(() => loop.callLater(1, 42 as never));
      expect(e1).toBeInstanceOf(TypeError);
      expect((e1 as Error).message).toMatch(/callLater|callAt/);
      const e2 = thrown(() => loop.callAt(1, {} as never));
      expect(e2).toBeInstanceOf(TypeError);
      expect((e2 as Error).message).toContain('callAt');
      t.close();
    }, { needs: ['virtual-clock'] });

    // SCHED-05, SCHED-07, docs/asyncio-mapping.md "Delays"
    it('[SCHED-07, SCHED-05] callLater()/callAt() - a delay or when that is not a number is a TypeError naming the method', (t) => {
      const { loop } = t;
      for (const bad of [null, undefined, '1', {}] as const) {
        const e1 = thrown(() => loop.callLater(bad as never, noop));
        expect(e1).toBeInstanceOf(TypeError);
        expect((e1 as Error).message).toContain('callLater');
        const e2 = thrown(() => loop.callAt(bad as never, noop));
        expect(e2).toBeInstanceOf(TypeError);
        expect((e2 as Error).message).toContain('callAt');
      }
      // t.close() checks that nothing is left scheduled (with `stats`).
      t.close();
    }, { needs: ['virtual-clock'] });

    // docs/asyncio-mapping.md "Delays"
    it('[D4] callLater()/callAt() - NaN or an infinite delay is a RangeError naming the method', (t) => {
      const { loop } = t;
      for (const bad of [Number.NaN, Infinity, -Infinity]) {
        const e1 = thrown(() => loop.callLater(bad, noop));
        expect(e1).toBeInstanceOf(RangeError);
        expect((e1 as Error).message).toContain('callLater');
        const e2 = thrown(() => loop.callAt(bad, noop));
        expect(e2).toBeInstanceOf(RangeError);
        expect((e2 as Error).message).toContain('callAt');
      }
      // t.close() checks that nothing is left scheduled (with `stats`).
      t.close();
    }, { needs: ['virtual-clock'] });

    // asyncio's _check_callback in run_in_executor, debug mode only
    it('[EXEC-04] runInExecutor() - a coroutine function is a TypeError before anything is submitted in debug mode, submitted otherwise', (t) => {
      const { loop } = t;
      const submitted: unknown[] = [];
      const executor: Executor = {
        submit: <T>(fn: unknown, ..._args: unknown[]): PromiseLike<T> => {
          submitted.push(fn);
          return new Promise<T>(() => undefined);
        },
        shutdown: () => Promise.resolve(),
      };
      const coroutineFunctions = [
        function* gen(): Coroutine<void> {},
        async function asyncFn(): Promise<void> {},
        async function* asyncGen(): AsyncGenerator<void> {},
      ];
      for (const fn of coroutineFunctions) {
        if (t.debug) {
          const e = thrown(() => loop.runInExecutor(executor, fn as never));
          expect(e).toBeInstanceOf(TypeError);
          expect((e as { code?: string }).code).toBe('ERR_LOOP_INVALID_ARG');
          expect((e as Error).message).toBe('coroutines cannot be used with runInExecutor()');
        } else {
          loop.runInExecutor(executor, fn as never).cancel();
        }
      }
      expect(submitted).toEqual(t.debug ? [] : coroutineFunctions);
      loop.runInExecutor(executor, () => 1).cancel();
      expect(submitted.length).toBe(t.debug ? 1 : 4);
      loop.stop();
      return loop.runForever().then(() => t.close());
    });

    // docs/errors.md: every TypeError/RangeError carries its code
    it('argument errors - each TypeError carries ERR_LOOP_INVALID_ARG and each RangeError ERR_LOOP_OUT_OF_RANGE (or a more precise code)', (t) => {
      const { loop } = t;
      const noop = (): void => undefined;
      const fut = loop.createFuture<void>();
      const cases: [() => unknown, ErrorConstructor, string][] = [
        [() => loop.callSoon(42 as never), TypeError, 'ERR_LOOP_INVALID_ARG'],
        [() => loop.callLater('1' as never, noop), TypeError, 'ERR_LOOP_INVALID_ARG'],
        [() => loop.callAt(Number.NaN, noop), RangeError, 'ERR_LOOP_OUT_OF_RANGE'],
        [() => loop.createTask(42 as never), TypeError, 'ERR_LOOP_INVALID_ARG'],
        [() => loop.createTask(noop as never, 5 as never), TypeError, 'ERR_LOOP_INVALID_ARG'],
        [() => loop.createTask(noop as never, { name: 1 as never }), TypeError, 'ERR_LOOP_INVALID_ARG'],
        [() => new Task(42 as never, { loop }), TypeError, 'ERR_LOOP_INVALID_ARG'],
        [() => loop.setTaskFactory(42 as never), TypeError, 'ERR_LOOP_INVALID_ARG'],
        [() => loop.setExceptionHandler(42 as never), TypeError, 'ERR_LOOP_INVALID_ARG'],
        [() => loop.setDefaultExecutor({} as never), TypeError, 'ERR_LOOP_INVALID_ARG'],
        [() => loop.registerAsyncgen(42 as never), TypeError, 'ERR_LOOP_INVALID_ARG'],
        [() => fut.addDoneCallback(42 as never), TypeError, 'ERR_LOOP_INVALID_ARG'],
        [() => fut.cancel(42 as never), TypeError, 'ERR_LOOP_INVALID_ARG'],
        [() => fut.setException(undefined), TypeError, 'ERR_LOOP_INVALID_ARG'],
        [() => new Context().bind(42 as never), TypeError, 'ERR_LOOP_INVALID_ARG'],
        [() => new ContextVar(42 as never), TypeError, 'ERR_LOOP_INVALID_ARG'],
        [() => new ContextVar('unset').get(), RangeError, 'ERR_LOOP_LOOKUP'],
        [() => setEventLoop(42 as never), TypeError, 'ERR_LOOP_INVALID_ARG'],
        [() => runOutsideTask(42 as never), TypeError, 'ERR_LOOP_INVALID_ARG'],
      ];
      for (const [fn, Ctor, code] of cases) {
        const e = thrown(fn);
        expect(e).toBeInstanceOf(Ctor);
        expect([(e as Error).message, (e as { code?: string }).code]).toEqual([(e as Error).message, code]);
      }
      fut.cancel();
      t.close();
    }, { needs: ['virtual-clock'] });

    // docs/asyncio-mapping.md "Options objects": null is no options, a non-object a coded TypeError
    it('options objects - null stands for no options; a value that is not an object is a TypeError naming the call', async (t) => {
      const { loop } = t;
      const task = loop.createTask(function* one(): Coroutine<number> {
        return 1;
      }, null);
      expect(task.getName()).toMatch(/^Task-\d+$/);
      const sizes = await loop.runUntilComplete(async () => {
        const [done, pending] = await wait([task], null);
        const order = [...asCompleted([task], null)];
        expect(await order[0]).toBe(1);
        return [done.size, pending.size, order.length];
      });
      expect(sizes).toEqual([1, 0, 1]);
      expect(new ContextVar<number>('v', null).get(7)).toBe(7);
      for (const [fn, api] of [
        [() => loop.createTask(noopCoroutine, 5 as never), 'createTask'],
        [() => wait([task], 'x' as never), 'wait'],
        [() => asCompleted([task], true as never), 'asCompleted'],
        [() => new ContextVar('v', 5 as never), 'ContextVar'],
      ] as const) {
        const e = thrown(fn) as TypeError & { code?: string };
        expect(e).toBeInstanceOf(TypeError);
        expect(e.code).toBe('ERR_LOOP_INVALID_ARG');
        expect(e.message).toMatch(new RegExp(`^${api}\\(\\): options must be an object, null or undefined, not `));
      }
      t.close();
    });

    it('[SCHED-13] time() - starts at the virtual clock time and follows it', async (t) => {
      const { loop } = t;
      expect(loop.time()).toBe(0);
      expect(loop.time()).toBe(t.clock.time());
      let at = -1;
      loop.callLater(2.5, () => {
        at = loop.time();
        loop.stop();
      });
      await loop.runForever();
      expect(at).toBe(2.5);
      expect(t.clock.time()).toBe(2.5);
      t.close();
    }, { needs: ['virtual-clock'] });
  });
}
