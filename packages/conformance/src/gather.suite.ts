/**
 * `gather()` (CPython's `GatherTestsBase` in Lib/test/test_asyncio/
 * test_tasks.py, oracle S18): results in argument order, the first exception
 * as soon as it happens, `returnExceptions`, cancellation both ways,
 * duplicates, argument errors. Each expectation was checked against a Python
 * twin run under CPython 3.11 on a virtual-clock loop (iteration numbers and
 * `t=` values included where a test pins them).
 *
 * Mapped as docs/asyncio-mapping.md says: `ValueError` is `RangeError`, and
 * a helper that returns a future throws argument errors synchronously
 * (CPython raises most of them when the coroutine is awaited; "Helper
 * arguments").
 *
 * Deliberate difference (D7): a cancelled child's `CancelledError` keeps
 * its `cancel()` message in gather's results (3.11 drops it).
 */
import { expect } from 'expect';
import { describe } from './runner.js';
import { CancelledError, Future, allTasks, gather, setEventLoop, sleep } from '@loop/core';
import type { Coroutine } from '@loop/interfaces';
import { defineLoopTest, thrown, type LoopFactory, type SuiteOptions } from './harness.js';
import { ValueError, KeyError, ZeroDivisionError, shown, errorClass, work, sleeping, awork } from './twins.js';

/** Defines the `gather()` suite. */
export function gatherSuite(newLoop: LoopFactory, options: SuiteOptions): void {
  const it = defineLoopTest(newLoop, options);

  describe('gather', () => {
    // S18
    it('[COMBI-02] gather() - results in argument order, whatever the completion order (yield* in a coroutine)', async (t) => {
      const { loop } = t;
      const out = t.trace({ timeDigits: 2 });
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          const r = yield* gather(work(out, 'slow', 0.3), work(out, 'fast', 0.1), work(out, 'mid', 0.2));
          out.log(`results ${JSON.stringify(r)}`);
        })(),
      );
      expect(out.lines).toEqual([
        'it4 t=0.10 fast finishes',
        'it7 t=0.20 mid finishes',
        'it10 t=0.30 slow finishes',
        'it12 t=0.30 results ["slow","fast","mid"]',
      ]);
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });

    // S18
    it('[COMBI-02] gather() - results in argument order, whatever the completion order (await in an async function, async children)', async (t) => {
      const { loop } = t;
      const out = t.trace({ timeDigits: 2 });
      await loop.runUntilComplete(async () => {
        const r = await gather(
          () => awork(out, 'slow', 0.3),
          () => awork(out, 'fast', 0.1),
          () => awork(out, 'mid', 0.2),
        );
        out.log(`results ${JSON.stringify(r)}`);
      });
      expect(out.lines).toEqual([
        'it4 t=0.10 fast finishes',
        'it7 t=0.20 mid finishes',
        'it10 t=0.30 slow finishes',
        'it12 t=0.30 results ["slow","fast","mid"]',
      ]);
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });

    // test_success
    it('[test_success] gather() - its done callbacks run once, only after every child is done, one iteration after the last child completes', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(
        (function* (): Coroutine<unknown[]> {
          const [a, b, c] = [loop.createFuture<number>(), loop.createFuture<number>(), loop.createFuture<number>()];
          const g = gather(a, b, c);
          expect(g).toBeInstanceOf(Future);
          const calls: number[] = [];
          g.addDoneCallback(() => calls.push(t.iterations));
          b.setResult(2);
          yield* sleep(0);
          a.setResult(1);
          yield* sleep(0);
          const doneBefore = g.done();
          const at = t.iterations;
          c.setResult(3);
          const r = yield* g;
          return [doneBefore, r, calls.map((n) => n - at), t.iterations - at];
        })(),
      );
      expect(rec).toEqual([false, [1, 2, 3], [2], 2]);
      t.close();
    }, { needs: ['stats'] });

    // S18
    it('[COMBI-03] gather() - the first exception propagates as soon as that child fails; the other children keep running, not cancelled', async (t) => {
      const { loop } = t;
      const out = t.trace({ timeDigits: 2 });
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          const kids = [
            loop.createTask(work(out, 'ok1', 0.1)),
            loop.createTask(work(out, 'bad', 0.2, true)),
            loop.createTask(work(out, 'ok2', 0.4)),
          ];
          try {
            yield* gather(...kids);
          } catch (e) {
            out.log(`${String(shown(e))} ok2 running: ${String(!kids[2].done())} cancelled: ${String(kids[2].cancelled())}`);
          }
          out.log(`ok2 -> ${yield* kids[2]}`);
        })(),
      );
      expect(out.lines).toEqual([
        'it4 t=0.10 ok1 finishes',
        'it7 t=0.20 bad finishes',
        'it9 t=0.20 ValueError(bad) ok2 running: true cancelled: false',
        'it11 t=0.40 ok2 finishes',
        'it12 t=0.40 ok2 -> ok2',
      ]);
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });

    // test_one_exception
    it('[test_one_exception] gather() - later results and exceptions of the children are ignored; the done callback runs once', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(async () => {
        const [a, b, c] = [loop.createFuture<number>(), loop.createFuture<number>(), loop.createFuture<number>()];
        const g = gather(a, b, c);
        let calls = 0;
        g.addDoneCallback(() => calls++);
        b.setException(new ZeroDivisionError('z'));
        await sleep(0);
        const first = [g.done(), shown(g.exception())];
        a.setResult(1);
        c.setException(new KeyError('k'));
        await sleep(0);
        await sleep(0);
        c.exception();
        return [...first, a.cancelled(), shown(g.exception()), calls];
      });
      expect(rec).toEqual([true, 'ZeroDivisionError(z)', false, 'ZeroDivisionError(z)', 1]);
      t.close();
    });

    // S18
    it('[COMBI-04] gather(..., { returnExceptions: true }) - exceptions and CancelledErrors take their children\'s places; done only when all are', async (t) => {
      const { loop } = t;
      const out = t.trace({ timeDigits: 2 });
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          const kids = [
            loop.createTask(work(out, 'k1', 0.1)),
            loop.createTask(work(out, 'k2', 0.15, true)),
            loop.createTask(work(out, 'k3', 5)),
          ];
          const g = gather(...kids, { returnExceptions: true });
          loop.callLater(0.2, () => kids[2].cancel('k3 msg'));
          const r = yield* g;
          // docs/asyncio-mapping.md "Cancellation message": the message is kept (CPython 3.11 prints CancelledError()).
          out.log(JSON.stringify(r.map(shown)));
          expect(r[2]).toBeInstanceOf(CancelledError);
        })(),
      );
      expect(out.lines).toEqual([
        'it4 t=0.10 k1 finishes',
        'it7 t=0.15 k2 finishes',
        'it12 t=0.20 ["k1","ValueError(k2)","CancelledError(k3 msg)"]',
      ]);
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });

    // test_result_exception_one_cancellation
    it('[test_result_exception_one_cancellation] gather(..., { returnExceptions: true }) of futures - a cancelled future appears as a CancelledError; the gather is not done before the last one', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(async () => {
        const [a, b, c, d] = [1, 2, 3, 4].map(() => loop.createFuture<number>()) as [
          Future<number>,
          Future<number>,
          Future<number>,
          Future<number>,
        ];
        const g = gather(a, b, c, d, { returnExceptions: true });
        a.setResult(3);
        b.cancel();
        c.setException(new ValueError('v'));
        await sleep(0);
        const doneEarly = g.done();
        d.setResult(4);
        const r = await g;
        return [doneEarly, r.map(shown)];
      });
      expect(rec).toEqual([false, [3, 'CancelledError()', 'ValueError(v)', 4]]);
      t.close();
    });

    // S18
    it('[COMBI-05, test_one_cancellation] gather() - a child cancelled on its own: the gather raises CancelledError (with the message) but is not cancelled()', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(
        (function* (): Coroutine<unknown[]> {
          const [a, b, c] = [loop.createFuture<number>(), loop.createFuture<number>(), loop.createFuture<number>()];
          const g = gather(a, b, c);
          a.setResult(1);
          b.cancel('bmsg');
          yield* sleep(0);
          const state = [g.done(), g.cancelled(), shown(g.exception())];
          c.setResult(3);
          let raised: unknown = null;
          try {
            yield* g;
          } catch (e) {
            raised = e;
          }
          return [...state, raised instanceof CancelledError, (raised as Error).message];
        })(),
      );
      expect(rec).toEqual([true, false, 'CancelledError(bmsg)', true, 'bmsg']);
      t.close();
    });

    // S18
    it('[COMBI-06] gather().cancel(msg) - cancels every child; the gather then raises CancelledError(msg) without being cancelled(); cancel() again returns false', async (t) => {
      const { loop } = t;
      const out = t.trace({ timeDigits: 2 });
      await loop.runUntilComplete(async () => {
        const kids = [loop.createTask(work(out, 'd1', 5)), loop.createTask(work(out, 'd2', 5))];
        const g = gather(...kids);
        await sleep(0);
        out.log(`g.cancel() -> ${String(g.cancel('stop it'))}`);
        try {
          await g;
        } catch (e) {
          out.log(
            `${(e as Error).name}('${(e as Error).message}') kids=${JSON.stringify(kids.map((k) => k.cancelled()))} ` +
              `g.cancelled()=${String(g.cancelled())} again=${String(g.cancel())}`,
          );
        }
      });
      expect(out.lines).toEqual([
        'it2 t=0.00 g.cancel() -> true',
        "it5 t=0.00 CancelledError('stop it') kids=[true,true] g.cancelled()=false again=false",
      ]);
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });

    it('[COMBI-06] gather(..., { returnExceptions: true }).cancel() - the gather still raises CancelledError, not a list', async (t) => {
      const { loop } = t;
      const e = await loop.runUntilComplete(
        (function* (): Coroutine<unknown> {
          const kids = [loop.createTask(sleeping(5)), loop.createTask(sleeping(5))];
          const g = gather(...kids, { returnExceptions: true });
          yield* sleep(0);
          expect(g.cancel()).toBe(true);
          try {
            return yield* g;
          } catch (err) {
            return err;
          }
        })(),
      );
      expect(e).toBeInstanceOf(CancelledError);
      expect((e as Error).message).toBe('');
      t.close();
    });

    // test_cancel_gather_2, test_cancellation_broadcast
    it('[test_cancellation_broadcast, test_cancel_gather_2] cancelling a task that awaits gather() - cancels the children; the message reaches the task, with or without returnExceptions', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(
        (function* (): Coroutine<unknown[]> {
          const out: unknown[] = [];
          for (const returnExceptions of [false, true]) {
            const kids = [loop.createTask(sleeping(10)), loop.createTask(sleeping(10))];
            const waiter = loop.createTask(
              (function* (): Coroutine<unknown> {
                return yield* gather(...kids, { returnExceptions });
              })(),
            );
            yield* sleep(0.2);
            waiter.cancel('my message');
            try {
              yield* waiter;
              out.push('not cancelled');
            } catch (e) {
              out.push(`${(e as Error).name}:${(e as Error).message}`, waiter.cancelled(), kids.map((k) => k.cancelled()));
            }
          }
          return out;
        })(),
      );
      expect(rec).toEqual([
        'CancelledError:my message', true, [true, true],
        'CancelledError:my message', true, [true, true],
      ]);
      expect(loop.time()).toBeCloseTo(0.4, 9);
      t.close();
    }, { needs: ['virtual-clock'] });

    // bpo-26923
    it('[test_cancel_gather_1] gather().cancel() once every child is done but before the gather is - returns false and the results are delivered', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(async () => {
        const a = loop.createFuture<number>();
        const b = loop.createFuture<number>();
        const g = gather(a, b);
        a.setResult(1);
        b.setResult(2);
        const cancelled = g.cancel();
        const doneThen = g.done();
        const r = await g;
        return [cancelled, doneThen, r, g.cancelled()];
      });
      expect(rec).toEqual([false, false, [1, 2], false]);
      t.close();
    });

    // test_duplicate_coroutines, S18
    it('[test_duplicate_coroutines] gather() - the same awaitable given twice runs once and its result is repeated', async (t) => {
      const { loop } = t;
      const out = t.trace({ timeDigits: 2 });
      let runs = 0;
      function* counted(): Coroutine<string> {
        runs++;
        return yield* work(out, 'dup', 0.1);
      }
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          const coro = counted();
          const f = loop.createFuture<string>();
          loop.callLater(0.05, () => f.setResult('F'));
          const r = yield* gather(coro, f, coro, f, work(out, 'other', 0.15));
          out.log(JSON.stringify(r));
        })(),
      );
      expect(runs).toBe(1);
      expect(out.lines).toEqual([
        'it6 t=0.10 dup finishes',
        'it9 t=0.15 other finishes',
        'it11 t=0.15 ["dup","F","dup","F","other"]',
      ]);
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });

    // test_constructor_empty_sequence_*, S18
    it('[test_constructor_empty_sequence_] gather() with no awaitables - a future already resolved to [], bound to the running loop, or to getEventLoop() when none runs', async (t) => {
      const { loop } = t;
      const inside = await loop.runUntilComplete(async () => {
        await sleep(0);
        const g = gather();
        return [g.done(), g.result(), g.getLoop() === loop];
      });
      expect(inside).toEqual([true, [], true]);
      setEventLoop(loop);
      try {
        const g = gather();
        expect(g.getLoop()).toBe(loop);
        expect(g.result()).toEqual([]);
      } finally {
        setEventLoop(null);
      }
      t.close();
    });

    // test_constructor_heterogenous_futures, test_constructor_homogenous_futures
    it('[test_constructor_homogenous_futures, test_constructor_heterogenous_futures] gather() - futures of different loops are a RangeError, thrown synchronously; the gather binds to its children\'s loop', (t) => {
      const { loop } = t;
      const other = t.newLoop();
      const a = loop.createFuture<number>();
      const b = other.createFuture<number>();
      expect(thrown(() => gather(a, b))).toBeInstanceOf(RangeError);
      const c = other.createFuture<number>();
      const g = gather(b, c);
      expect(g.getLoop()).toBe(other);
      t.close(other);
      t.close();
    });

    // test_issue46672, docs/asyncio-mapping.md "Helper arguments"
    it('[test_issue46672] gather() - an argument that is not awaitable (a number, a plain object) is a TypeError, thrown synchronously, with no task created and no handler call', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(
        (function* (): Coroutine<unknown[]> {
          const f = loop.createFuture<number>();
          const before = allTasks().size;
          const errors = [
            errorClass(() => gather(1 as never)),
            errorClass(() => gather(f, 42 as never)),
            errorClass(() => gather(f, {})),
            errorClass(() => gather(f, 'str' as never)),
          ];
          const after = allTasks().size;
          f.cancel();
          yield* sleep(0);
          return [errors, after - before];
        })(),
      );
      expect(rec).toEqual([['TypeError', 'TypeError', 'TypeError', 'TypeError'], 0]);
      t.close();
    });

    // docs/asyncio-mapping.md "Helper arguments"
    it('[TASK-12, D21] gather() - accepts generator objects, thunks, async functions, futures and promise-likes', async (t) => {
      const { loop } = t;
      const r = await loop.runUntilComplete(async () => {
        const f = loop.createFuture<string>();
        loop.callSoon(() => f.setResult('future'));
        return await gather(
          (function* (): Coroutine<string> {
            yield* sleep(0.1);
            return 'generator';
          })(),
          function* (): Coroutine<string> {
            return 'generator function';
          },
          async () => {
            await sleep(0.05);
            return 'async function';
          },
          f,
          Promise.resolve('promise'),
        );
      });
      expect(r).toEqual(['generator', 'generator function', 'async function', 'future', 'promise']);
      t.close();
    }, { needs: ['virtual-clock'] });
  });
}
