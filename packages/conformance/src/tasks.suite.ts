/**
 * Tasks, the task factory and cancellation (catalog.md §6 TASK-*, FACT-*, §7
 * CANCEL-*): what a step costs (one iteration per hop), bare `yield`, bad
 * yields, async-function tasks and where they resume, currentTask() in both
 * kinds, names, the task factory contract, and cancellation as a request
 * (counters, swallowing, self-cancellation, propagation).
 *
 * Deliberate difference from CPython (D7): a cancelled task's
 * CancelledError carries the cancel() message every time it is retrieved
 * (CPython's second retrieval raises a bare CancelledError, CANCEL-05 quirk).
 *
 * Not ported: TASK-09's exact repr, TASK-11/12 (asyncio.create_task and
 * ensure_future), TASK-14 and CANCEL-14 (SystemExit), TASK-15/16 (exception
 * chaining, get_stack), CANCEL-10 (in the wait suite), CANCEL-15 (the
 * never-retrieved report, garbage collection), CANCEL-16 (I/O), FACT-04's
 * run_coroutine_threadsafe part (threads).
 */
import { expect } from 'expect';
import { describe } from './runner.js';
import {
  CancelledError,
  Future,
  RuntimeError,
  Task,
  copyContext,
  ContextVar,
  currentTask,
  runOutsideTask,
  sleep,
  type BaseEventLoop,
  type Context,
} from '@loop/core';
import type { Coroutine, CoroutineLike, CreateTaskOptions } from '@loop/interfaces';
import { defineLoopTest, rejection, thrown, type LoopFactory, type SuiteOptions } from './harness.js';

/** Defines the tasks suite (stepping, async functions, names, factory, cancellation). */
export function tasksSuite(newLoop: LoopFactory, options: SuiteOptions): void {
  const it = defineLoopTest(newLoop, options);

  describe('tasks: stepping', () => {
    // TASK-01
    it('[TASK-01] createTask() - returns a pending Task (a Future); the body starts in the next iteration, after work already queued', async (t) => {
      const { loop } = t;
      const order: string[] = [];
      loop.callSoon(() => order.push('queued-before'));
      const task = loop.createTask(
        (function* (): Coroutine<number> {
          order.push(`body@${t.iterations}`);
          return 1;
        })(),
      );
      loop.callSoon(() => order.push('queued-after'));
      expect(task).toBeInstanceOf(Task);
      expect(task).toBeInstanceOf(Future);
      expect(task.done()).toBe(false);
      expect(order).toEqual([]);
      loop.stop();
      await loop.runForever();
      expect(order).toEqual(['queued-before', 'body@1', 'queued-after']);
      expect(task.result()).toBe(1);
      t.close();
    }, { needs: ['stats'] });

    // TASK-02
    it("[TASK-02] a task's result - is its coroutine's return value; nested coroutines compose", async (t) => {
      const { loop } = t;
      function* inner(): Coroutine<number> {
        yield;
        return 42;
      }
      function* outer(): Coroutine<number> {
        const a = yield* inner();
        return a + 1000;
      }
      const task = loop.createTask(outer());
      expect(task.getLoop()).toBe(loop);
      await expect(loop.runUntilComplete(task)).resolves.toBe(1042);
      expect(task.done()).toBe(true);
      t.close();
    });

    // TASK-03, S13
    it('[TASK-03] yield* on a done future or a plain coroutine does not suspend; bare yield costs one iteration; a pending future resumes one iteration after it completes', async (t) => {
      const { loop } = t;
      const rec: string[] = [];
      const at = (s: string): void => void rec.push(`${s}@${t.iterations}`);
      const done = loop.createFuture<string>();
      done.setResult('D');
      const pending = loop.createFuture<string>();
      function* child(): Coroutine<string> {
        at('child');
        return 'c';
      }
      function* worker(): Coroutine<string> {
        at('start');
        const d = yield* done;
        at(`after done ${d}`);
        const c = yield* child();
        at(`after child ${c}`);
        yield;
        at('after bare yield');
        loop.callSoon(() => pending.setResult('P'));
        const p = yield* pending;
        at(`after pending ${p}`);
        return 'w';
      }
      await expect(loop.runUntilComplete(worker())).resolves.toBe('w');
      expect(rec).toEqual([
        'start@1',
        'after done D@1',
        'child@1',
        'after child c@1',
        'after bare yield@2',
        'after pending P@4',
      ]);
      t.close();
    }, { needs: ['stats'] });

    // TASK-03, S14
    it('[TASK-03] a task awaiting a task - resumes one iteration after the inner task completes; an already-finished task does not suspend', async (t) => {
      const { loop } = t;
      const rec: string[] = [];
      const fut = loop.createFuture<number>();
      const t1 = loop.createTask(
        (function* (): Coroutine<number> {
          const r = yield* fut;
          rec.push(`T1 resumed@${t.iterations}`);
          return r + 1;
        })(),
      );
      const t2 = loop.createTask(
        (function* (): Coroutine<number> {
          const r = yield* t1;
          rec.push(`T2 resumed@${t.iterations}`);
          const again = yield* t1;
          rec.push(`T2 again ${again}@${t.iterations}`);
          return r + 1;
        })(),
      );
      loop.stop();
      await loop.runForever();
      fut.setResult(0);
      await expect(loop.runUntilComplete(t2)).resolves.toBe(2);
      expect(rec).toEqual(['T1 resumed@2', 'T2 resumed@3', 'T2 again 1@3']);
      t.close();
    }, { needs: ['stats'] });

    // TASK-05, docs/asyncio-mapping.md "Coroutines and async functions"
    it('[TASK-05] yielding a value that is not a future - the task fails with a RuntimeError naming the value, thrown into the coroutine at its next step', async (t) => {
      const { loop } = t;
      function* catches(): Coroutine<unknown> {
        try {
          yield 42 as never;
          return 'not reached';
        } catch (e) {
          return e;
        }
      }
      const caught = await loop.runUntilComplete(catches());
      expect(caught).toBeInstanceOf(RuntimeError);
      expect((caught as Error).message).toContain('42');
      function* fails(): Coroutine<void> {
        yield 'bad' as never;
      }
      const e = await rejection(loop.runUntilComplete(fails()));
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toContain('bad');
      t.close();
    });

    // TASK-05
    it('[TASK-05] a task awaiting itself - fails with RuntimeError', async (t) => {
      const { loop } = t;
      function* selfish(): Coroutine<void> {
        yield* task;
      }
      const task: Task<void> = loop.createTask(selfish());
      const e = await rejection(loop.runUntilComplete(task));
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/itself/);
      t.close();
    });

    // TASK-05
    it('[TASK-05] a task awaiting a future of another loop - fails with RuntimeError', async (t) => {
      const { loop } = t;
      const other = t.newLoop();
      const foreign = other.createFuture<number>();
      function* crosses(): Coroutine<number> {
        return yield* foreign;
      }
      const e = await rejection(loop.runUntilComplete(crosses()));
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/different loop/);
      foreign.cancel();
      t.close(other);
      t.close();
    });

    // TASK-04
    it('[TASK-04] a coroutine that returns a future - the task result is that future, not awaited', async (t) => {
      const { loop } = t;
      const fut = loop.createFuture<number>();
      function* returnsFuture(): Coroutine<Future<number>> {
        return fut;
      }
      // Read task.result(): a promise resolved with a thenable adopts it, so
      // `await loop.runUntilComplete(...)` cannot carry a Future as a value.
      const task = loop.createTask(returnsFuture());
      task.addDoneCallback(() => loop.stop());
      await loop.runForever();
      expect(task.result()).toBe(fut);
      expect(fut.done()).toBe(false);
      fut.cancel();
      t.close();
    });

    // TASK-06
    it('[TASK-06] createTask() with something that is neither a coroutine nor a function - TypeError, nothing scheduled', (t) => {
      const { loop } = t;
      expect(thrown(() => loop.createTask(123 as never))).toBeInstanceOf(TypeError);
      // t.close() checks that nothing is left scheduled (with `stats`).
      t.close();
    });

    // TASK-07
    it('[TASK-07] setResult()/setException() on a task - throw RuntimeError', async (t) => {
      const { loop } = t;
      const task = loop.createTask(
        (function* (): Coroutine<number> {
          yield;
          return 1;
        })(),
      );
      const e1 = thrown(() => task.setResult(2));
      expect(e1).toBeInstanceOf(RuntimeError);
      expect((e1 as Error).message).toMatch(/set_?result/i);
      const e2 = thrown(() => task.setException(new Error('x')));
      expect(e2).toBeInstanceOf(RuntimeError);
      expect((e2 as Error).message).toMatch(/set_?exception/i);
      await expect(loop.runUntilComplete(task)).resolves.toBe(1);
      t.close();
    });

    it("[D21, TASK-01] createTask(function) - the function is called at the task's first step, inside the task", async (t) => {
      const { loop } = t;
      let calledAt = -1;
      let current: unknown;
      const task = loop.createTask(function* (): Coroutine<string> {
        calledAt = t.iterations;
        current = currentTask();
        return 'g';
      });
      expect(calledAt).toBe(-1);
      await expect(loop.runUntilComplete(task)).resolves.toBe('g');
      expect(calledAt).toBe(1);
      expect(current).toBe(task);
      t.close();
    }, { needs: ['stats'] });

    // TASK-16
    it('[TASK-16] getCoro() - returns what the task drives, also after completion', async (t) => {
      const { loop } = t;
      const coro = (function* (): Coroutine<number> {
        return 5;
      })();
      const task = loop.createTask(coro);
      expect(task.getCoro()).toBe(coro);
      await loop.runUntilComplete(task);
      expect(task.getCoro()).toBe(coro);
      t.close();
    });
  });

  describe('tasks: async functions', () => {
    it('[TASK-02, D21] createTask(async function) - its return value and its exception become the task result', async (t) => {
      const { loop } = t;
      const ok = loop.createTask(async () => {
        await sleep(0.1);
        return 'ok';
      });
      await expect(loop.runUntilComplete(ok)).resolves.toBe('ok');
      expect(ok.result()).toBe('ok');
      const err = new Error('async failure');
      const bad = loop.createTask(async () => {
        await sleep(0);
        throw err;
      });
      expect(await rejection(loop.runUntilComplete(bad))).toBe(err);
      expect(bad.exception()).toBe(err);
      expect(loop.time()).toBeCloseTo(0.1, 9);
      t.close();
    }, { needs: ['virtual-clock'] });

    // docs/asyncio-mapping.md "Where an async function resumes"
    it('[TASK-03] an async-function task - resumes right after the done callback that wakes it, in the slot a generator task would', async (t) => {
      const { loop } = t;
      const order: string[] = [];
      const fut = loop.createFuture<string>();
      const gen = loop.createTask(
        (function* (): Coroutine<void> {
          yield* fut;
          order.push(`gen@${t.iterations}`);
        })(),
      );
      const asy = loop.createTask(async () => {
        await fut;
        order.push(`async@${t.iterations}`);
      });
      const gen2 = loop.createTask(
        (function* (): Coroutine<void> {
          yield* fut;
          order.push(`gen2@${t.iterations}`);
        })(),
      );
      loop.stop();
      await loop.runForever();
      fut.addDoneCallback(() => order.push(`plain@${t.iterations}`));
      fut.setResult('R');
      loop.callSoon(() => order.push(`soon@${t.iterations}`));
      loop.stop();
      await loop.runForever();
      expect(order).toEqual(['gen@2', 'async@2', 'gen2@2', 'plain@2', 'soon@2']);
      expect([gen.done(), asy.done(), gen2.done()]).toEqual([true, true, true]);
      t.close();
    }, { needs: ['stats'] });

    // docs/asyncio-mapping.md "Where an async function resumes", S13
    it('[TASK-03] an async-function task - await sleep(0) costs one iteration and a pending future one iteration after it completes, like a generator task', async (t) => {
      const { loop } = t;
      const rec: string[] = [];
      const pending = loop.createFuture<string>();
      await loop.runUntilComplete(async () => {
        rec.push(`start@${t.iterations}`);
        await sleep(0);
        rec.push(`after sleep(0)@${t.iterations}`);
        loop.callSoon(() => pending.setResult('P'));
        await pending;
        rec.push(`after pending@${t.iterations}`);
      });
      expect(rec).toEqual(['start@1', 'after sleep(0)@2', 'after pending@4']);
      t.close();
    }, { needs: ['stats'] });

    // TASK-03: awaiting a done future does not give up the iteration. JavaScript
    // resumes any await in a microtask, but that is within the same iteration.
    it('[TASK-03] an async-function task - await on an already-done future resumes in the same iteration', async (t) => {
      const { loop } = t;
      const rec: string[] = [];
      const done = loop.createFuture<string>();
      done.setResult('D');
      await loop.runUntilComplete(async () => {
        rec.push(`start@${t.iterations}`);
        const d = await done;
        rec.push(`after done ${d}@${t.iterations}`);
      });
      expect(rec).toEqual(['start@1', 'after done D@1']);
      t.close();
    }, { needs: ['stats'] });

    // docs/asyncio-mapping.md "Coroutines and async functions": cancel() cancels the loop future an async function awaits
    it('[CANCEL-02, CANCEL-05] cancel() on an async-function task - the awaited loop future is cancelled and the await throws CancelledError with the message', async (t) => {
      const { loop } = t;
      const fut = loop.createFuture<string>();
      const rec: string[] = [];
      const task = loop.createTask(async () => {
        try {
          await fut;
        } catch (e) {
          rec.push(`${(e as Error).name}:${(e as Error).message}@${t.iterations}`);
          throw e;
        } finally {
          rec.push('finally');
        }
      });
      loop.stop();
      await loop.runForever();
      expect(task.cancel('m')).toBe(true);
      expect(fut.cancelled()).toBe(true);
      const e = await rejection(loop.runUntilComplete(task));
      expect(e).toBeInstanceOf(CancelledError);
      expect((e as Error).message).toBe('m');
      expect(rec).toEqual(['CancelledError:m@2', 'finally']);
      expect(task.cancelled()).toBe(true);
      t.close();
    }, { needs: ['stats'] });

    // CANCEL-06 for async functions
    it('[CANCEL-06] an async-function task that catches CancelledError and returns - ends with that result, not cancelled', async (t) => {
      const { loop } = t;
      const task = loop.createTask(async () => {
        try {
          await sleep(10);
          return 'slept';
        } catch (e) {
          if (!(e instanceof CancelledError)) throw e;
          return 'swallowed';
        }
      });
      loop.stop();
      await loop.runForever();
      task.cancel();
      await expect(loop.runUntilComplete(task)).resolves.toBe('swallowed');
      expect(task.cancelled()).toBe(false);
      expect(task.cancelling()).toBe(1);
      expect(loop.time()).toBe(0);
      t.close();
    }, { needs: ['virtual-clock'] });

    // CANCEL-04 for async functions
    it('[CANCEL-04] an async-function task cancelled before its first step - the function is never called', async (t) => {
      const { loop } = t;
      let ran = false;
      const task = loop.createTask(async () => {
        ran = true;
        await sleep(0);
      });
      expect(task.cancel()).toBe(true);
      expect(await rejection(loop.runUntilComplete(task))).toBeInstanceOf(CancelledError);
      expect(ran).toBe(false);
      expect(task.cancelled()).toBe(true);
      t.close();
    });

    // TASK-10 for async functions
    it('[TASK-10] currentTask() in an async-function task - is the task, also after awaits while other tasks interleave', async (t) => {
      const { loop } = t;
      const seen: Array<[string, boolean]> = [];
      const make = (name: string): Task<void> => {
        const task: Task<void> = loop.createTask(async () => {
          seen.push([name, currentTask() === task]);
          await sleep(0);
          seen.push([name, currentTask() === task]);
          await sleep(0.1);
          seen.push([name, currentTask() === task]);
        });
        return task;
      };
      const a = make('a');
      const b = make('b');
      await loop.runUntilComplete(b);
      await loop.runUntilComplete(a);
      expect(seen).toEqual([
        ['a', true],
        ['b', true],
        ['a', true],
        ['b', true],
        ['a', true],
        ['b', true],
      ]);
      t.close();
    }, { needs: ['virtual-clock'] });
  });

  describe('tasks: currentTask()', () => {
    // TASK-10
    it('[TASK-10] currentTask() - is the running task inside its steps, also after resuming while other tasks interleave', async (t) => {
      const { loop } = t;
      const seen: string[] = [];
      function* body(name: string): Coroutine<void> {
        for (let i = 0; i < 3; i++) {
          seen.push(`${name}:${currentTask()?.getName() ?? 'null'}`);
          yield* sleep(0);
        }
      }
      const a = loop.createTask(body('a'), { name: 'a' });
      const b = loop.createTask(body('b'), { name: 'b' });
      await loop.runUntilComplete(b);
      await loop.runUntilComplete(a);
      expect(seen).toEqual(['a:a', 'b:b', 'a:a', 'b:b', 'a:a', 'b:b']);
      t.close();
    });

    // TASK-10
    it('[TASK-10] currentTask() - is null in a plain callback; with no running loop it throws RuntimeError, currentTask(loop) is null', async (t) => {
      const { loop } = t;
      let inCallback: unknown = 'unset';
      loop.callSoon(() => {
        inCallback = currentTask();
        loop.stop();
      });
      await loop.runForever();
      expect(inCallback).toBeNull();
      const e = thrown(() => currentTask());
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toBe('no running event loop');
      expect(currentTask(loop)).toBeNull();
      t.close();
    });
  });

  describe("tasks: an async function's task across awaits", () => {
    const later = <T>(value: T, via: 'setTimeout' | 'setImmediate' | 'nextTick'): Promise<T> =>
      new Promise<T>((resolve) => {
        if (via === 'setTimeout') setTimeout(() => resolve(value), 1);
        else if (via === 'setImmediate') setImmediate(() => resolve(value));
        else process.nextTick(() => resolve(value));
      });

    it('[D51] awaits of plain promises made outside the task and settled by Node callbacks - currentTask() and context variables stay the task\'s', async (t) => {
      const { loop } = t;
      const v = new ContextVar<string>('v', { default: 'root' });
      const outside = later('x', 'setTimeout');
      const seen: string[] = [];
      const task: Task<void> = loop.createTask(async () => {
        v.set('task');
        for (const p of [outside, later(1, 'setImmediate'), later(2, 'nextTick'), Promise.resolve(3), { then: (r: (x: number) => void) => setTimeout(() => r(4), 1) }]) {
          await p;
          seen.push(`${currentTask() === task}:${v.get()}`);
        }
      });
      await loop.runUntilComplete(task);
      expect(seen).toEqual(Array(5).fill('true:task'));
      expect(v.get()).toBe('root');
      t.close();
    });

    it('[D13] cancel() after the task awaited plain promises - reaches the loop future it awaits next, which throws CancelledError there', async (t) => {
      const { loop } = t;
      const fut = loop.createFuture<number>();
      const events: string[] = [];
      let waiting = false;
      const task = loop.createTask(async () => {
        await later(0, 'setTimeout');
        await later(0, 'setImmediate');
        waiting = true;
        try {
          await fut;
          events.push('resumed');
        } catch (e) {
          events.push(e instanceof CancelledError ? 'CancelledError' : String(e));
          throw e;
        }
      });
      const canceller = loop.createTask(function* (): Coroutine<void> {
        while (!waiting) yield* sleep(0.001);
        task.cancel('stop');
      });
      expect(await rejection(loop.runUntilComplete(task))).toBeInstanceOf(CancelledError);
      await loop.runUntilComplete(canceller);
      expect(fut.cancelled()).toBe(true);
      expect(events).toEqual(['CancelledError']);
      t.close();
    }, { needs: ['virtual-clock'] });

    it('[D51] code a task hands to Node callbacks (setTimeout, setImmediate, process.nextTick, queueMicrotask) - runs outside the task, as a callback an asyncio task schedules does', async (t) => {
      const { loop } = t;
      const seen: string[] = [];
      const task = loop.createTask(async () => {
        await new Promise<void>((resolve) => {
          let n = 0;
          const note = (via: string) => (): void => {
            seen.push(`${via}:${String(currentTask(loop))}`);
            if (++n === 4) resolve();
          };
          setTimeout(note('setTimeout'), 1);
          setImmediate(note('setImmediate'));
          process.nextTick(note('nextTick'));
          queueMicrotask(note('queueMicrotask'));
        });
        seen.push(`after:${currentTask() === task}`);
      });
      await loop.runUntilComplete(task);
      expect(seen.sort()).toEqual(['after:true', 'nextTick:null', 'queueMicrotask:null', 'setImmediate:null', 'setTimeout:null']);
      t.close();
    });

    it('[D51] runOutsideTask(fn) - the async code fn starts belongs to no task: cancelling the calling task does not cancel the loop future that code awaits', async (t) => {
      const { loop } = t;
      const inner = loop.createFuture<string>();
      const seen: string[] = [];
      let detached: Promise<string> | undefined;
      const task = loop.createTask(async () => {
        detached = runOutsideTask(async () => {
          seen.push(`inside:${String(currentTask(loop))}`);
          const value = await inner;
          seen.push(`after:${String(currentTask(loop))}`);
          return value;
        });
        seen.push(`caller:${currentTask() === task}`);
        await sleep(10);
      });
      loop.callLater(0.005, () => task.cancel());
      expect(await rejection(loop.runUntilComplete(task))).toBeInstanceOf(CancelledError);
      expect(inner.cancelled()).toBe(false);
      inner.setResult('done');
      expect(await loop.runUntilComplete(detached!)).toBe('done');
      expect(seen).toEqual(['inside:null', 'caller:true', 'after:null']);
      expect(thrown(() => runOutsideTask(42 as unknown as () => void))).toBeInstanceOf(TypeError);
      t.close();
    }, { needs: ['virtual-clock'] });
  });

  describe('tasks: names', () => {
    // TASK-08
    it('[TASK-08] task names - Task-N from a strictly increasing counter by default; the name option and setName() set it', async (t) => {
      const { loop } = t;
      function* job(): Coroutine<void> {}
      const t1 = loop.createTask(job());
      const t2 = loop.createTask(job());
      expect(t1.getName()).toMatch(/^Task-\d+$/);
      expect(Number(t2.getName().slice(5))).toBeGreaterThan(Number(t1.getName().slice(5)));
      const t3 = loop.createTask(job(), { name: 'named' });
      expect(t3.getName()).toBe('named');
      t3.setName('renamed');
      expect(t3.getName()).toBe('renamed');
      t2.setName(123 as never);
      expect(t2.getName()).toBe('123');
      for (const task of [t1, t2, t3]) await loop.runUntilComplete(task);
      t.close();
    });
  });

  describe('tasks: task factory', () => {
    function* job(x: number): Coroutine<number> {
      return x * 2;
    }

    // FACT-01
    it('[FACT-01] setTaskFactory() - a value that is not a function or null is a TypeError; getTaskFactory() stays null', (t) => {
      const { loop } = t;
      expect(loop.getTaskFactory()).toBeNull();
      expect(thrown(() => loop.setTaskFactory(1 as never))).toBeInstanceOf(TypeError);
      expect(loop.getTaskFactory()).toBeNull();
      t.close();
    });

    // FACT-02, FACT-03
    it('[FACT-03, FACT-02] the task factory - createTask() returns what factory(loop, coro, { name, context }) returns; runUntilComplete(coro) goes through it', async (t) => {
      const { loop } = t;
      class MyTask<T> extends Task<T> {}
      const calls: Array<{ sameLoop: boolean; coro: unknown; options: CreateTaskOptions }> = [];
      const factory = (lp: unknown, coro: CoroutineLike<unknown>, opts: CreateTaskOptions): Future<unknown> => {
        calls.push({ sameLoop: lp === loop, coro, options: opts });
        return new MyTask(coro, { loop: lp as BaseEventLoop, name: opts.name, context: opts.context as Context | undefined });
      };
      loop.setTaskFactory(factory);
      expect(loop.getTaskFactory()).toBe(factory);
      const c1 = job(1);
      const t1 = loop.createTask(c1);
      expect(t1).toBeInstanceOf(MyTask);
      expect(calls).toHaveLength(1);
      expect(calls[0].sameLoop).toBe(true);
      expect(calls[0].coro).toBe(c1);
      expect(Object.prototype.toString.call(calls[0].options)).toBe('[object Object]');
      expect(calls[0].options.name).toBeUndefined();
      expect(calls[0].options.context).toBeUndefined();
      const ctx: Context = copyContext();
      const t2 = loop.createTask(job(2), { name: 'named', context: ctx });
      expect(calls[1].options.name).toBe('named');
      expect(calls[1].options.context).toBe(ctx);
      expect(t2.getName()).toBe('named');
      await expect(loop.runUntilComplete(job(3))).resolves.toBe(6);
      expect(calls).toHaveLength(3);
      await expect(loop.runUntilComplete(t1)).resolves.toBe(2);
      await expect(loop.runUntilComplete(t2)).resolves.toBe(4);
      expect(calls).toHaveLength(3);
      loop.setTaskFactory(null);
      expect(loop.getTaskFactory()).toBeNull();
      const t4 = loop.createTask(job(4));
      expect(t4).not.toBeInstanceOf(MyTask);
      expect(t4).toBeInstanceOf(Task);
      await loop.runUntilComplete(t4);
      t.close();
    });

    // FACT-03: asyncio applies the requested name after the factory
    it('[FACT-03] the task factory - a name the factory ignores is still applied to the task', async (t) => {
      const { loop } = t;
      loop.setTaskFactory((lp, coro) => new Task(coro, { loop: lp as BaseEventLoop }));
      const task = loop.createTask(job(1), { name: 'wanted' });
      expect(task.getName()).toBe('wanted');
      await loop.runUntilComplete(task);
      t.close();
    });

    // FACT-04
    it('[FACT-04] the task factory - an exception it throws propagates from createTask()', (t) => {
      const { loop } = t;
      const err = new Error('factory failed');
      loop.setTaskFactory(() => {
        throw err;
      });
      expect(thrown(() => loop.createTask(job(1)))).toBe(err);
      t.close();
    });
  });

  describe('tasks: cancellation', () => {
    // CANCEL-01
    it('[CANCEL-01] cancel() on a pending task - returns true each time but the task is not done until its coroutine finishes; cancelling() counts the calls', async (t) => {
      const { loop } = t;
      const task = loop.createTask(
        (function* (): Coroutine<void> {
          yield* sleep(10);
        })(),
      );
      loop.stop();
      await loop.runForever();
      expect(task.cancel()).toBe(true);
      expect(task.cancel()).toBe(true);
      expect(task.done()).toBe(false);
      expect(task.cancelled()).toBe(false);
      expect(task.cancelling()).toBe(2);
      expect(String(task)).toMatch(/cancelling/);
      expect(await rejection(loop.runUntilComplete(task))).toBeInstanceOf(CancelledError);
      expect(task.cancelled()).toBe(true);
      expect(task.cancel()).toBe(false);
      expect(loop.time()).toBe(0);
      t.close();
    }, { needs: ['virtual-clock'] });

    // CANCEL-02, CANCEL-03, CANCEL-11
    it('[CANCEL-11, CANCEL-03, CANCEL-02] cancel() while the task waits - CancelledError is thrown at the await one iteration later, finally blocks run, the sleep timer is cancelled', async (t) => {
      const { loop } = t;
      const rec: string[] = [];
      const task = loop.createTask(
        (function* (): Coroutine<void> {
          try {
            yield* sleep(10);
            rec.push('woke up');
          } catch (e) {
            rec.push(`caught ${(e as Error).name} '${(e as Error).message}'@${t.iterations}`);
            throw e;
          } finally {
            rec.push('finally');
          }
        })(),
      );
      loop.stop();
      await loop.runForever();
      expect(t.stats().timers).toBe(1);
      task.cancel('stop it');
      const e = await rejection(loop.runUntilComplete(task));
      expect(rec).toEqual(["caught CancelledError 'stop it'@2", 'finally']);
      expect((e as Error).message).toBe('stop it');
      expect(t.stats().timers).toBe(0);
      expect(loop.time()).toBe(0);
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });

    // CANCEL-04
    it('[CANCEL-04] cancel(msg) before the first step - the body never runs; result() and exception() throw CancelledError(msg)', async (t) => {
      const { loop } = t;
      let ran = false;
      const task = loop.createTask(
        (function* (): Coroutine<void> {
          ran = true;
        })(),
      );
      expect(task.cancel('my message')).toBe(true);
      loop.stop();
      await loop.runForever();
      expect(ran).toBe(false);
      expect(task.cancelled()).toBe(true);
      for (const fn of [() => task.result(), () => task.exception()]) {
        const e = thrown(fn);
        expect(e).toBeInstanceOf(CancelledError);
        expect((e as Error).message).toBe('my message');
      }
      t.close();
    });

    // CANCEL-05, docs/asyncio-mapping.md "Cancellation message"
    it('[CANCEL-05] cancel(msg) - every retrieval of the CancelledError carries msg; cancel() gives an empty message', async (t) => {
      const { loop } = t;
      const mk = (): Task<void> =>
        loop.createTask(
          (function* (): Coroutine<void> {
            yield* sleep(10);
          })(),
        );
      const a = mk();
      const b = mk();
      loop.stop();
      await loop.runForever();
      a.cancel('my message');
      b.cancel();
      expect(((await rejection(loop.runUntilComplete(a))) as Error).message).toBe('my message');
      for (let i = 0; i < 2; i++) {
        expect((thrown(() => a.result()) as Error).message).toBe('my message');
        expect((thrown(() => a.exception()) as Error).message).toBe('my message');
      }
      expect(((await rejection(loop.runUntilComplete(b))) as Error).message).toBe('');
      t.close();
    });

    // CANCEL-06
    it('[CANCEL-06] a task that catches CancelledError and returns - ends with that result, not cancelled; cancelling() stays 1', async (t) => {
      const { loop } = t;
      const task = loop.createTask(
        (function* (): Coroutine<number> {
          try {
            yield* sleep(10);
            return 0;
          } catch (e) {
            if (!(e instanceof CancelledError)) throw e;
            return 42;
          }
        })(),
      );
      loop.stop();
      await loop.runForever();
      task.cancel();
      await expect(loop.runUntilComplete(task)).resolves.toBe(42);
      expect(task.cancelled()).toBe(false);
      expect(task.cancelling()).toBe(1);
      t.close();
    });

    // CANCEL-06
    it('[CANCEL-06] cancel() - cancels the awaited future at once; a later await in the same task is not cancelled', async (t) => {
      const { loop } = t;
      const fut2 = loop.createFuture<string>();
      const fut3 = loop.createFuture<string>();
      const task = loop.createTask(
        (function* (): Coroutine<string> {
          try {
            yield* fut2;
          } catch (e) {
            if (!(e instanceof CancelledError)) throw e;
          }
          return yield* fut3;
        })(),
      );
      loop.stop();
      await loop.runForever();
      task.cancel();
      expect(fut2.cancelled()).toBe(true);
      loop.stop();
      await loop.runForever();
      expect(fut3.cancelled()).toBe(false);
      fut3.setResult('F3');
      await expect(loop.runUntilComplete(task)).resolves.toBe('F3');
      expect(task.cancelled()).toBe(false);
      t.close();
    });

    // CANCEL-07
    it('[CANCEL-07] a task that cancels itself - gets CancelledError at its next await one iteration later, without waiting', async (t) => {
      const { loop } = t;
      let caughtAt = -1;
      const task = loop.createTask(
        (function* (): Coroutine<void> {
          currentTask()!.cancel();
          try {
            yield* sleep(100);
          } catch (e) {
            caughtAt = t.iterations;
            throw e;
          }
        })(),
      );
      expect(await rejection(loop.runUntilComplete(task))).toBeInstanceOf(CancelledError);
      expect(caughtAt).toBe(2);
      expect(loop.time()).toBe(0);
      expect(task.cancelled()).toBe(true);
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });

    // CANCEL-07 (CPython 3.11: __step cancels the awaited future, whose done callbacks go through call_soon)
    it('[CANCEL-07] a generator task that cancels itself and then awaits a pending future - gets CancelledError one iteration later', async (t) => {
      const { loop } = t;
      const fut = loop.createFuture<void>();
      let startedAt = -1;
      let caughtAt = -1;
      const task = loop.createTask(
        (function* (): Coroutine<void> {
          startedAt = t.iterations;
          currentTask()!.cancel();
          try {
            yield* fut;
          } catch (e) {
            caughtAt = t.iterations;
            throw e;
          }
        })(),
      );
      expect(await rejection(loop.runUntilComplete(task))).toBeInstanceOf(CancelledError);
      expect(caughtAt - startedAt).toBe(1);
      expect(fut.cancelled()).toBe(true);
      expect(task.cancelled()).toBe(true);
      t.close();
    }, { needs: ['stats'] });

    // CANCEL-07, for an async-function task
    it('[CANCEL-07] an async-function task that cancels itself and then awaits a pending future - gets CancelledError one iteration later', async (t) => {
      const { loop } = t;
      const fut = loop.createFuture<void>();
      let startedAt = -1;
      let caughtAt = -1;
      const task = loop.createTask(async () => {
        startedAt = t.iterations;
        currentTask()!.cancel();
        try {
          await fut;
        } catch (e) {
          caughtAt = t.iterations;
          throw e;
        }
      });
      expect(await rejection(loop.runUntilComplete(task))).toBeInstanceOf(CancelledError);
      expect(caughtAt - startedAt).toBe(1);
      expect(fut.cancelled()).toBe(true);
      expect(task.cancelled()).toBe(true);
      t.close();
    }, { needs: ['stats'] });

    // CANCEL-07
    it('[CANCEL-07] a task that cancels itself and then returns without awaiting - ends cancelled', async (t) => {
      const { loop } = t;
      const task = loop.createTask(
        (function* (): Coroutine<number> {
          currentTask()!.cancel();
          return 12;
        })(),
      );
      expect(await rejection(loop.runUntilComplete(task))).toBeInstanceOf(CancelledError);
      expect(task.cancelled()).toBe(true);
      expect(task.cancel()).toBe(false);
      t.close();
    });

    // CANCEL-08
    it('[CANCEL-08] cancelling a task that awaits a task - is forwarded to the inner task and the future it waits on', async (t) => {
      const { loop } = t;
      const fut = loop.createFuture<void>();
      const inner = loop.createTask(
        (function* (): Coroutine<void> {
          yield* fut;
        })(),
      );
      const outer = loop.createTask(
        (function* (): Coroutine<void> {
          yield* inner;
        })(),
      );
      loop.stop();
      await loop.runForever();
      expect(outer.cancel()).toBe(true);
      expect(await rejection(loop.runUntilComplete(outer))).toBeInstanceOf(CancelledError);
      expect([outer.cancelled(), inner.cancelled(), fut.cancelled()]).toEqual([true, true, true]);
      t.close();
    });

    // CANCEL-08, S17
    it('[CANCEL-08] an inner task that swallows the forwarded cancellation - the outer await returns its value and the outer task is not cancelled', async (t) => {
      const { loop } = t;
      const inner = loop.createTask(
        (function* (): Coroutine<string> {
          try {
            yield* sleep(10);
            return 'slept';
          } catch {
            return 'inner-value';
          }
        })(),
      );
      const outer = loop.createTask(
        (function* (): Coroutine<string> {
          const r = yield* inner;
          return `outer got ${r}`;
        })(),
      );
      loop.stop();
      await loop.runForever();
      outer.cancel();
      await expect(loop.runUntilComplete(outer)).resolves.toBe('outer got inner-value');
      expect(outer.cancelled()).toBe(false);
      t.close();
    });

    // CANCEL-09
    it('[CANCEL-09] cancellation through coroutine frames - thrown at the innermost await, seen by each frame; the outer frame may swallow it', async (t) => {
      const { loop } = t;
      const waiter = loop.createFuture<void>();
      let proof = 0;
      function* inner(): Coroutine<void> {
        try {
          yield* waiter;
        } catch (e) {
          proof += 1;
          throw e;
        }
      }
      function* outer(): Coroutine<void> {
        try {
          yield* inner();
        } catch {
          proof += 100;
        }
      }
      const task = loop.createTask(outer());
      loop.stop();
      await loop.runForever();
      task.cancel();
      await loop.runUntilComplete(task);
      expect(proof).toBe(101);
      expect(waiter.cancelled()).toBe(true);
      expect(task.cancelled()).toBe(false);
      t.close();
    });

    // CANCEL-03
    it('[CANCEL-03] cancelling the future a task awaits (not the task) - the task ends cancelled if it does not catch', async (t) => {
      const { loop } = t;
      const f = loop.createFuture<void>();
      const task = loop.createTask(
        (function* (): Coroutine<void> {
          yield* f;
        })(),
      );
      loop.stop();
      await loop.runForever();
      f.cancel('fut-msg');
      const e = await rejection(loop.runUntilComplete(task));
      expect(e).toBeInstanceOf(CancelledError);
      expect((e as Error).message).toBe('fut-msg');
      expect(task.cancelled()).toBe(true);
      t.close();
    });

    // CANCEL-12
    it('[CANCEL-12] a sleeping task cancelled from a timer - sees CancelledError at the timer time, not at the end of its sleep', async (t) => {
      const { loop } = t;
      const task = loop.createTask(
        (function* (): Coroutine<string> {
          try {
            yield* sleep(5000);
            return 'slept';
          } catch {
            return `cancelled at ${loop.time()}`;
          }
        })(),
      );
      loop.callLater(0.1, () => task.cancel());
      await expect(loop.runUntilComplete(task)).resolves.toBe('cancelled at 0.1');
      t.close();
    }, { needs: ['virtual-clock'] });

    // CANCEL-13
    it('[CANCEL-13] uncancel() - decrements cancelling() (never below 0) and returns it; a later cancel() works normally', async (t) => {
      const { loop } = t;
      const rec: number[] = [];
      const task = loop.createTask(
        (function* (): Coroutine<string> {
          try {
            yield* sleep(10);
          } catch {
            const me = currentTask()!;
            rec.push(me.cancelling(), me.uncancel(), me.uncancel());
          }
          yield* sleep(1);
          return 'survived';
        })(),
      );
      loop.stop();
      await loop.runForever();
      task.cancel();
      await expect(loop.runUntilComplete(task)).resolves.toBe('survived');
      expect(rec).toEqual([1, 0, 0]);
      expect(task.cancelling()).toBe(0);
      expect(task.cancelled()).toBe(false);
      expect(loop.time()).toBe(1);
      const again = loop.createTask(
        (function* (): Coroutine<void> {
          yield* sleep(10);
        })(),
      );
      loop.stop();
      await loop.runForever();
      again.cancel();
      again.uncancel();
      expect(String(again)).not.toMatch(/cancelling/);
      again.cancel();
      expect(await rejection(loop.runUntilComplete(again))).toBeInstanceOf(CancelledError);
      t.close();
    }, { needs: ['virtual-clock'] });
  });
}
