/**
 * The task helpers of catalog §8 (COMBI-02..12, oracle S18/S19): `gather`,
 * `shield`, `wait`, `waitFor`, `asCompleted`, and `ensureFuture`,
 * `wrapFuture`, `allTasks`. Each expectation was checked against a Python
 * twin run under CPython 3.11 on a virtual-clock loop (iteration numbers and
 * `t=` values included where a test pins them).
 *
 * Mapped as API.md says: ValueError -> RangeError; a helper that returns a
 * future throws argument errors synchronously (CPython raises most of them
 * when the coroutine is awaited).
 *
 * Deliberate differences from CPython 3.11, pinned by API.md or the helpers'
 * design:
 * - a cancelled child's CancelledError keeps its cancel() message in
 *   gather's results (API.md "Cancellation message"; 3.11 drops it, D7);
 * - wait() accepts coroutines and thunks as createTask does (API.md "Helper
 *   arguments"; 3.11 raises TypeError for coroutines);
 * - asCompleted() yields futures made up front: the k-th holds the k-th
 *   completion, whichever is awaited first (CPython's coroutines take the
 *   next completion when awaited).
 *
 * Not ported: the "exception was never retrieved" checks (garbage
 * collection), run_coroutine_threadsafe (COMBI-13, threads).
 */
import { describe, expect } from '@jest/globals';
import {
  ALL_COMPLETED,
  CancelledError,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  Future,
  Task,
  TimeoutError,
  allTasks,
  asCompleted,
  currentTask,
  ensureFuture,
  gather,
  setEventLoop,
  shield,
  sleep,
  wait,
  waitFor,
  wrapFuture,
  type BaseEventLoop,
} from '@loop/core';
import type { Coroutine } from '@loop/interfaces';
import { defineLoopTest, rejection, thrown, type LoopFactory, type SuiteOptions, type Trace } from './harness.js';

class ValueError extends Error {
  override name = 'ValueError';
}
class KeyError extends Error {
  override name = 'KeyError';
}
class ZeroDivisionError extends Error {
  override name = 'ZeroDivisionError';
}

/** `Name(message)` of an error (the twins print `f'{type(x).__name__}({x})'`), a value as is. */
function shown(x: unknown): unknown {
  return x instanceof Error ? `${x.name}(${x.message})` : x;
}

/** The class name of what a function threw synchronously, or `'no error'`. */
function errorClass(fn: () => unknown): string {
  try {
    fn();
    return 'no error';
  } catch (e) {
    return e instanceof Error ? e.constructor.name : typeof e;
  }
}

/** The twins' `work(name, delay, fail)`: sleeps, logs `<name> finishes`, returns name or raises ValueError(name). */
function* work(out: Trace, name: string, delay: number, fail = false): Coroutine<string> {
  yield* sleep(delay);
  out.log(`${name} finishes`);
  if (fail) throw new ValueError(name);
  return name;
}

/** A coroutine that sleeps `delay` seconds and returns `value` (sleep() itself is a future, not a coroutine). */
function* sleeping<T = undefined>(delay: number, value?: T): Coroutine<T> {
  return yield* sleep(delay, value as T);
}

/** The same as an async function. */
async function awork(out: Trace, name: string, delay: number, fail = false): Promise<string> {
  await sleep(delay);
  out.log(`${name} finishes`);
  if (fail) throw new ValueError(name);
  return name;
}

/** Cancels what is still pending and lets it finish, so that `t.close()` finds nothing queued. */
function* drain(futs: Iterable<Future<unknown>>): Coroutine<void> {
  for (const f of futs) {
    if (!f.done()) f.cancel();
  }
  for (const f of futs) {
    try {
      yield* f;
    } catch {
      // cancelled or failed: only its end matters here
    }
  }
}

/** Defines the task-helpers suite (gather, shield, wait, waitFor, asCompleted, ensureFuture). */
export function taskHelpersSuite(newLoop: LoopFactory, options: SuiteOptions): void {
  const it = defineLoopTest(newLoop, options);

  describe('gather', () => {
    // COMBI-02, S18
    it('gather() - results in argument order, whatever the completion order (yield* in a coroutine)', async (t) => {
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
    });

    // COMBI-02, S18
    it('gather() - results in argument order, whatever the completion order (await in an async function, async children)', async (t) => {
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
    });

    // COMBI-02 (test_success)
    it('gather() - its done callbacks run once, only after every child is done, one iteration after the last child completes', async (t) => {
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
    });

    // COMBI-03, S18
    it('gather() - the first exception propagates as soon as that child fails; the other children keep running, not cancelled', async (t) => {
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
    });

    // COMBI-03 (test_one_exception)
    it('gather() - later results and exceptions of the children are ignored; the done callback runs once', async (t) => {
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

    // COMBI-04, S18
    it('gather(..., { returnExceptions: true }) - exceptions and CancelledErrors take their children\'s places; done only when all are', async (t) => {
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
          // API.md "Cancellation message": the message is kept (CPython 3.11 prints CancelledError()).
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
    });

    // COMBI-04 (test_result_exception_one_cancellation)
    it('gather(..., { returnExceptions: true }) of futures - a cancelled future appears as a CancelledError; the gather is not done before the last one', async (t) => {
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

    // COMBI-05, S18
    it('gather() - a child cancelled on its own: the gather raises CancelledError (with the message) but is not cancelled()', async (t) => {
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

    // COMBI-06, S18
    it('gather().cancel(msg) - cancels every child; the gather then raises CancelledError(msg) without being cancelled(); cancel() again returns false', async (t) => {
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
    });

    // COMBI-06
    it('gather(..., { returnExceptions: true }).cancel() - the gather still raises CancelledError, not a list', async (t) => {
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

    // COMBI-06 (test_cancel_gather_2, test_cancellation_broadcast)
    it('cancelling a task that awaits gather() - cancels the children; the message reaches the task, with or without returnExceptions', async (t) => {
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
    });

    // COMBI-06 (bpo-26923)
    it('gather().cancel() once every child is done but before the gather is - returns false and the results are delivered', async (t) => {
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

    // COMBI-07 (test_duplicate_coroutines), S18
    it('gather() - the same awaitable given twice runs once and its result is repeated', async (t) => {
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
    });

    // COMBI-07 (test_constructor_empty_sequence_*), S18
    it('gather() with no awaitables - a future already resolved to [], bound to the running loop, or to getEventLoop() when none runs', async (t) => {
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

    // COMBI-07 (test_constructor_heterogenous_futures, test_constructor_homogenous_futures)
    it('gather() - futures of different loops are a RangeError, thrown synchronously; the gather binds to its children\'s loop', (t) => {
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

    // COMBI-07 (test_issue46672), API.md "Helper arguments"
    it('gather() - an argument that is not awaitable (a number, a plain object) is a TypeError, thrown synchronously, with no task created and no handler call', async (t) => {
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

    // API.md "Helper arguments"
    it('gather() - accepts generator objects, thunks, async functions, futures and promise-likes', async (t) => {
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
    });
  });

  describe('shield', () => {
    // COMBI-08 (test_shield_result, test_shield_exception)
    it('shield() - the outer future mirrors the inner result and exception (await and yield*)', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(async () => {
        const inner = loop.createFuture<number>();
        const outer = shield(inner);
        expect(outer).not.toBe(inner);
        expect(outer).toBeInstanceOf(Future);
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

    // COMBI-08 (test_shield_shortcut)
    it('shield() of a future already done - returns that future itself', async (t) => {
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

    // COMBI-08 (test_shield_cancel_inner)
    it('shield() - cancelling the inner cancels the outer', async (t) => {
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

    // COMBI-08 (test_shield_cancel_outer), brief: nothing propagates from an inner that fails after the outer was cancelled
    it('shield() - cancelling the outer does not cancel the inner; a later failure of the inner leaves the outer cancelled and calls no handler', async (t) => {
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

    // COMBI-08 (test_shield_effect), S19
    it('cancelling a task that awaits shield(coroutine) - the task ends cancelled; the shielded coroutine runs on to completion', async (t) => {
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
    it('shield() in a cancelled task - the task gets CancelledError at once; the shielded task keeps running and its result is there later', async (t) => {
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
    });

    // COMBI-08 (test_shield_gather)
    it('shield(gather(...)) - cancelling the shield leaves the gather and its children running', async (t) => {
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

    // API.md "Helper arguments"
    it('shield() - a non-awaitable is a TypeError, thrown synchronously', async (t) => {
      const { loop } = t;
      await loop.runUntilComplete(async () => {
        expect(errorClass(() => shield(5 as never))).toBe('TypeError');
        expect(errorClass(() => shield(null as never))).toBe('TypeError');
        await sleep(0);
      });
      t.close();
    });
  });

  describe('wait', () => {
    // COMBI-09 (test_wait), S19
    it('wait() - ALL_COMPLETED by default: resolves to [done, pending] Sets once every future is done', async (t) => {
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
    });

    // COMBI-09 (test_wait_first_completed, test_wait_really_done), S19
    it('wait({ returnWhen: FIRST_COMPLETED }) - returns at the first completion; futures already done are in done too', async (t) => {
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
    });

    // COMBI-09 (test_wait_first_exception, test_wait_first_exception_in_wait), S19
    it('wait({ returnWhen: FIRST_EXCEPTION }) - returns at the first failure, at once if one already failed; without failures it waits for all', async (t) => {
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
    });

    // COMBI-09 (test_wait_with_timeout), S19
    it('wait({ timeout }) - resolves at the timeout without raising; the pending futures are not cancelled', async (t) => {
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
    });

    // COMBI-09 (test_wait_duplicate_coroutines, test_wait_with_iterator_of_tasks)
    it('wait() - duplicates collapse; any iterable of futures works (array, Set, an iterator); a generator object is a coroutine, not an iterable', async (t) => {
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
    });

    // COMBI-10 (test_wait_errors, test_wait_invalid_args), S19, API.md "Helper arguments"
    it('wait() argument errors - [] and a bad returnWhen are RangeErrors, a lone future and a non-awaitable member TypeErrors, all thrown synchronously', async (t) => {
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

    // COMBI-09: asyncio's _wait only awaits a private waiter
    it('cancelling a task that awaits wait() - the task is cancelled; the futures it waited on keep running', async (t) => {
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
    });

    // API.md "Helper arguments" (3.11's wait() refuses coroutines: a deliberate difference)
    it('wait() - coroutines and thunks are wrapped in tasks, which are what done holds', async (t) => {
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
          return [[...done].every((f) => f instanceof Task), [...done].map((f) => f.result()).sort(), pending.size];
        })(),
      );
      expect(rec).toEqual([true, ['async', 'gen'], 0]);
      t.close();
    });
  });

  describe('waitFor', () => {
    // COMBI-11 (test_wait_for), S19
    it('waitFor() - the result when the awaitable finishes before the timeout, and no timer is left', async (t) => {
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
    });

    // COMBI-11 (test_wait_for_waits_for_task_cancellation), S19
    it('waitFor() on timeout - cancels the inner, waits for its cancellation handlers (even ones that await), then raises TimeoutError', async (t) => {
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
    });

    // COMBI-11 (test_wait_for_reraises_exception_during_cancellation)
    it('waitFor() - an inner that raises another error while being cancelled: that error propagates, not TimeoutError', async (t) => {
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
    });

    // COMBI-11 quirk (test_wait_for_cancellation_race_condition)
    it('waitFor() - an inner that swallows the timeout cancellation and returns: waitFor returns its value (3.11)', async (t) => {
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
    });

    // COMBI-11 (test_wait_for_timeout_less_then_0_or_0*), S19
    it('waitFor() with a timeout <= 0 - a done future gives its result; a pending coroutine never starts and TimeoutError is raised without waiting', async (t) => {
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
    });

    // COMBI-11 (test_wait_for with timeout=None), S19
    it('waitFor(aw, null) - just awaits, however long it takes', async (t) => {
      const { loop } = t;
      const r = await loop.runUntilComplete(async () => await waitFor(sleep(500, 'none'), null));
      expect(r).toBe('none');
      expect(loop.time()).toBe(500);
      t.close();
    });

    // COMBI-11 (test_cancel_wait_for, test_cancel_blocking_wait_for)
    it('cancelling the task running waitFor() - cancels the inner task too, with a timeout or with null', async (t) => {
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
    });

    // COMBI-11, S19
    it('waitFor() on a plain future - the timeout cancels the future; an exception of the inner propagates as is', async (t) => {
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
    });

    // API.md "Delays", "Helper arguments"
    it('waitFor() argument errors - a non-number timeout is a TypeError, NaN or infinite a RangeError, a non-awaitable a TypeError, all synchronous', async (t) => {
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
    });
  });

  describe('asCompleted', () => {
    // COMBI-12 (test_as_completed), S19
    it('asCompleted() - yields futures whose results come in completion order (yield* in a coroutine)', async (t) => {
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
    });

    // COMBI-12, S19
    it('asCompleted() - completion order in an async function, over tasks, futures and thunks', async (t) => {
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
    });

    // COMBI-12 (test_as_completed_with_timeout)
    it('asCompleted({ timeout }) - what is not done at the timeout raises TimeoutError then, and is not cancelled', async (t) => {
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
    });

    // COMBI-12 (test_as_completed_duplicate_coroutines, test_as_completed_with_unused_timeout)
    it('asCompleted() - duplicates collapse; a timeout that never fires leaves no timer', async (t) => {
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
    });

    // COMBI-12 (test_as_completed_reverse_wait). Deliberate difference: the
    // yielded objects are futures made up front, so the k-th one holds the
    // k-th completion whichever is awaited first; CPython yields coroutines
    // that take the next completion when awaited (there, awaiting fs[1]
    // first gives 'a' at 0.05).
    // asyncio's as_completed yields coroutines that each take the next result
    // when awaited: the first one awaited gets the first completion.
    it('asCompleted() - each future takes the next completion when it is first awaited, not when it was made', async (t) => {
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
    });

    // COMBI-12 (test_as_completed_invalid_args)
    it('asCompleted() - a future or a coroutine instead of an iterable is a TypeError, thrown synchronously', async (t) => {
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

  describe('ensureFuture, wrapFuture, allTasks', () => {
    // TASK-11/12
    it('ensureFuture() - a future is returned as is; a coroutine or a thunk becomes a Task of the running loop', async (t) => {
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
          return [same, t1 instanceof Task, t2 instanceof Task, t1.getLoop() === loop, yield* t1, yield* t2];
        })(),
      );
      expect(rec).toEqual([true, true, true, true, 'coro', 'thunk']);
      t.close();
    });

    // TASK-12
    it('ensureFuture(thenable) and wrapFuture(promise) - a Future of the loop settled like the promise', async (t) => {
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
        const out: unknown[] = [a instanceof Future, b instanceof Future, a.getLoop() === loop, a instanceof Task];
        out.push(await a, shown(await rejection(b)), await c);
        return out;
      });
      expect(rec).toEqual([true, true, true, false, 'ok', 'ValueError(no)', 'thenable']);
      t.close();
    });

    // API.md "Helper arguments"
    it('ensureFuture() - something that is not awaitable is a TypeError, thrown synchronously', async (t) => {
      const { loop } = t;
      const rec = await loop.runUntilComplete(async () => {
        await sleep(0);
        return [1, 'x', null, undefined, {}].map((bad) => errorClass(() => ensureFuture(bad as never)));
      });
      expect(rec).toEqual(['TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError']);
      t.close();
    });

    it('allTasks() - the tasks of the running loop that are not done; allTasks(loop) outside a run', async (t) => {
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

/** Lets every task of `loop` finish (cancelling them), for tests that leave tasks behind. */
function drainAll(loop: BaseEventLoop): Coroutine<void> {
  const me = currentTask(loop);
  return drain([...allTasks(loop)].filter((task) => task !== me));
}
