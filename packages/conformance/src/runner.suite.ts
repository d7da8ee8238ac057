/**
 * Runner and disposal (asyncio 3.11's `asyncio.Runner`,
 * test_runners.py RunnerTests; catalog.md RUN-10..RUN-16): one loop and one
 * context for several `run()` calls; lazy creation; `close()` cancels what
 * is left, is idempotent, and a closed runner refuses to run. `await using`
 * on a loop (`Symbol.asyncDispose`) shuts its async generators and executor
 * down and closes it. The AbortSignal interop (abort.ts in @loop/core;
 * RUN-17..RUN-22) meets asyncio's cancellation: an abort cancels a sleep, a
 * waitFor, a task from `taskFromSignal`; a task's cancel aborts its
 * `taskSignal`; `runCoroutineThreadsafe` brings a result back from outside
 * the loop.
 */
/* eslint-disable @typescript-eslint/require-await -- async functions that return at once are the coroutines these tests run */
import { getEventListeners } from 'node:events';
import { expect } from 'expect';
import { describe } from './runner.js';
import {
  CancelledError,
  ContextVar,
  RuntimeError,
  Runner,
  copyContext,
  createTask,
  runCoroutineThreadsafe,
  sleep,
  taskFromSignal,
  taskSignal,
  waitFor,
  type Context,
} from '@loop/core';
import type { Coroutine } from '@loop/interfaces';
import { defineLoopTest, rejection, thrown, type LoopFactory, type SuiteOptions } from './harness.js';

/** Defines the runner suite. */
export function runnerSuite(newLoop: LoopFactory, options: SuiteOptions): void {
  const it = defineLoopTest(newLoop, options);

  describe('Runner', () => {
    it('[RUN-10] run() twice on one runner: the same loop, and the context carries over (test_run_keeps_context)', async (t) => {
      const cvar = new ContextVar<number>('cvar', { default: -1 });
      const runner = new Runner({ loopFactory: () => t.newLoop() });
      const f = (val: number) =>
        async function (): Promise<number> {
          const old = cvar.get();
          await sleep(0);
          cvar.set(val);
          return old;
        };
      const loops = new Set<unknown>();
      expect(await runner.run(f(1))).toBe(-1);
      loops.add(runner.getLoop());
      expect(await runner.run(f(2))).toBe(1);
      loops.add(runner.getLoop());
      const ctx = await runner.run(async (): Promise<Context> => copyContext());
      expect(ctx.get(cvar)).toBe(2);
      expect(loops.size).toBe(1);
      await runner.close();
    });

    it('[RUN-11] the loop is made at first use; close() closes it, twice is a no-op, then run() and getLoop() raise "Runner is closed"', async (t) => {
      let made = 0;
      const runner = new Runner({
        loopFactory: () => {
          made += 1;
          return t.newLoop();
        },
      });
      await runner.close(); // before first use: nothing to close
      expect(made).toBe(0);
      const loop = runner.getLoop();
      expect(made).toBe(1);
      expect(runner.getLoop()).toBe(loop);
      await runner.close();
      expect(loop.isClosed()).toBe(true);
      await runner.close();
      const e = thrown(() => runner.getLoop()) as RuntimeError;
      expect(e).toBeInstanceOf(RuntimeError);
      expect([e.message, e.code]).toEqual(['Runner is closed', 'ERR_LOOP_CLOSED']);
      const r = (await rejection(runner.run(async () => 1))) as RuntimeError;
      expect(r.message).toBe('Runner is closed');
    });

    it('[RUN-12] close() cancels the tasks left by run() and waits for them', async (t) => {
      const runner = new Runner({ loopFactory: () => t.newLoop() });
      const events: string[] = [];
      await runner.run(async () => {
        createTask(async () => {
          try {
            await sleep(3600);
          } catch (e) {
            events.push(`left task: ${(e as Error).name}`);
            throw e;
          }
        });
        await sleep(0);
      });
      expect(events).toEqual([]);
      await runner.close();
      expect(events).toEqual(['left task: CancelledError']);
    }, { needs: ['virtual-clock'] });

    it('[RUN-13] run() with a context option runs main in that context', async (t) => {
      const cvar = new ContextVar<string>('who', { default: 'default' });
      const runner = new Runner({ loopFactory: () => t.newLoop() });
      const ctx = copyContext();
      ctx.run(() => cvar.set('given'));
      const seen = await runner.run(async () => cvar.get(), { context: ctx });
      expect(seen).toBe('given');
      expect(await runner.run(async () => cvar.get())).toBe('default');
      await runner.close();
    });

    it('[RUN-14] run() refuses a non-coroutine and a call from a running loop (test_run_non_coro, test_run_from_running_loop)', async (t) => {
      const runner = new Runner({ loopFactory: () => t.newLoop() });
      const bad = (await rejection(runner.run(123 as never))) as Error;
      expect([bad.name, bad.message]).toEqual(['RangeError', 'Runner.run(): a coroutine was expected, got 123']);
      const inner = await runner.run(async () => (await rejection(new Runner().run(async () => 1))) as RuntimeError);
      expect(inner).toBeInstanceOf(RuntimeError);
      expect(inner.message).toBe('Runner.run() cannot be called from a running event loop');
      await runner.close();
    });

    it('[RUN-15] await using a loop: async generators and the default executor are shut down, then the loop is closed', async (t) => {
      const loop = t.newLoop();
      const closed: string[] = [];
      {
        await using l = loop;
        await l.runUntilComplete(
          (function* (): Coroutine<void> {
            yield* sleep(0);
          })(),
        );
        const gen = (async function* (): AsyncGenerator<number> {
          try {
            yield 1;
          } finally {
            closed.push('agen finally');
          }
        })();
        l.registerAsyncgen?.(gen);
        await l.runUntilComplete(l.createTask(async () => gen.next()));
      }
      expect(loop.isClosed()).toBe(true);
      expect(closed).toEqual(['agen finally']);
      // Disposing of a closed loop does nothing.
      await loop[Symbol.asyncDispose]();
    });

    it('[RUN-16] disposing of a running loop raises RuntimeError and leaves it running', async (t) => {
      const loop = t.loop;
      const e = await loop.runUntilComplete(loop.createTask(async () => (await rejection(loop[Symbol.asyncDispose]())) as RuntimeError));
      expect(e).toBeInstanceOf(RuntimeError);
      expect([e.message, e.code]).toEqual(['Cannot dispose of a running event loop', 'ERR_LOOP_RUNNING']);
      expect(loop.isClosed()).toBe(false);
      t.close();
    });
  });

  describe('AbortSignal interop', () => {
    it('[RUN-17] sleep(d, r, { signal }): an aborted signal cancels at once; a later abort cancels with the reason; the listener goes when done', async (t) => {
      const { loop } = t;
      const result = await loop.runUntilComplete(
        loop.createTask(async () => {
          const out: string[] = [];
          const pre = new AbortController();
          pre.abort('before');
          try {
            await sleep(10, 'x', { signal: pre.signal });
          } catch (e) {
            out.push(`${(e as Error).name}: ${(e as Error).message} at t=${loop.time()}`);
          }
          const later = new AbortController();
          loop.callLater(2, () => later.abort(new Error('enough')));
          try {
            await sleep(10, 'x', { signal: later.signal });
          } catch (e) {
            out.push(`${(e as Error).name}: ${(e as Error).message} at t=${loop.time()}`);
          }
          const unused = new AbortController();
          out.push(`result: ${await sleep(1, 'done', { signal: unused.signal })}`);
          out.push(`listeners left: ${getEventListeners(unused.signal, 'abort').length}`);
          return out;
        }),
      );
      expect(result).toEqual([
        'CancelledError: aborted: before at t=0',
        'CancelledError: aborted: Error: enough at t=2',
        'result: done',
        'listeners left: 0',
      ]);
      expect(t.stats().timers).toBe(0);
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });

    it('[RUN-18] waitFor(aw, timeout, { signal }): an abort cancels the inner task, which sees CancelledError', async (t) => {
      const { loop } = t;
      const events: string[] = [];
      await loop.runUntilComplete(
        loop.createTask(async () => {
          const controller = new AbortController();
          const inner = async (): Promise<void> => {
            try {
              await sleep(100);
            } catch (e) {
              events.push(`inner: ${(e as Error).name}`);
              throw e;
            }
          };
          loop.callLater(1, () => controller.abort('stop'));
          try {
            await waitFor(inner, 50, { signal: controller.signal });
          } catch (e) {
            events.push(`outer: ${(e as Error).name} ${(e as Error).message} t=${loop.time()}`);
          }
        }),
      );
      expect(events).toEqual(['inner: CancelledError', 'outer: CancelledError aborted: stop t=1']);
      t.close();
    }, { needs: ['virtual-clock'] });

    it('[RUN-19] taskFromSignal: an aborted signal cancels the task before its body runs; a later abort cancels it', async (t) => {
      const { loop } = t;
      const events: string[] = [];
      await loop.runUntilComplete(
        loop.createTask(async () => {
          const pre = new AbortController();
          pre.abort();
          const never = taskFromSignal(pre.signal, async () => {
            events.push('body ran');
          });
          await rejection(never);
          events.push(`pre: cancelled=${String(never.cancelled())}`);
          const later = new AbortController();
          const task = taskFromSignal(later.signal, async () => {
            events.push('started');
            await sleep(100);
          });
          await sleep(1);
          later.abort('user');
          const e = (await rejection(task)) as Error;
          events.push(`later: ${e.name} ${e.message} t=${loop.time()}`);
        }),
      );
      expect(events).toEqual(['pre: cancelled=true', 'started', 'later: CancelledError aborted: user t=1']);
      const e = thrown(() => taskFromSignal(new AbortController().signal, async () => 1)) as RuntimeError;
      expect(e).toBeInstanceOf(RuntimeError);
      const bad = thrown(() => taskFromSignal({} as AbortSignal, async () => 1)) as Error;
      expect([bad.name, (bad as { code?: string }).code]).toEqual(['TypeError', 'ERR_LOOP_INVALID_ARG']);
      t.close();
    }, { needs: ['virtual-clock'] });

    it('[RUN-20] taskSignal(): the task\'s first cancel() aborts it with a CancelledError carrying the message; one signal per task', async (t) => {
      const { loop } = t;
      const seen: string[] = [];
      await loop.runUntilComplete(
        loop.createTask(async () => {
          const task = createTask(async () => {
            const signal = taskSignal();
            expect(taskSignal()).toBe(signal);
            signal.addEventListener('abort', () => {
              const r = signal.reason as CancelledError;
              seen.push(`abort: ${r.name} ${r.message}`);
            });
            await sleep(100);
          });
          await sleep(0);
          seen.push('cancel');
          task.cancel('shutting down');
          seen.push('after cancel');
          await rejection(task);
          expect(taskSignal(task).aborted).toBe(true);
        }),
      );
      expect(seen).toEqual(['cancel', 'abort: CancelledError shutting down', 'after cancel']);
      const e = (await rejection(
        (async () => {
          taskSignal();
        })(),
      )) as RuntimeError;
      expect([e.name, e.code]).toEqual(['RuntimeError', 'ERR_LOOP_NO_RUNNING_LOOP']);
      t.close();
    }, { needs: ['virtual-clock'] });

    it('[RUN-21] runCoroutineThreadsafe: a coroutine scheduled from outside the loop\'s callbacks; its result comes back as a promise', async (t) => {
      const loop = t.newLoop({ clock: undefined });
      const stopper = loop.createFuture<void>();
      let outside: Promise<number> | null = null;
      let aborted: Promise<unknown> | null = null;
      setTimeout(() => {
        outside = runCoroutineThreadsafe(async () => {
          await sleep(0.01);
          return 42;
        }, loop);
        const controller = new AbortController();
        aborted = runCoroutineThreadsafe(async () => sleep(3600), loop, { signal: controller.signal });
        setTimeout(() => controller.abort('no more'), 20);
        void Promise.allSettled([outside, aborted]).then(() => loop.callSoonThreadsafe(() => stopper.setResult(undefined)));
      }, 5);
      await loop.runUntilComplete(stopper);
      expect(await (outside as unknown as Promise<number>)).toBe(42);
      const e = (await rejection(aborted as unknown as Promise<unknown>)) as Error;
      expect([e.name, e.message]).toEqual(['CancelledError', 'aborted: no more']);
      const bad = thrown(() => runCoroutineThreadsafe(5 as never, loop)) as Error;
      expect(bad.message).toBe('runCoroutineThreadsafe(): a coroutine object is required, got 5');
      t.close(loop);
    }, { needs: ['virtual-clock'] });

    it('[RUN-22] a bad signal option is a TypeError naming the call', async (t) => {
      const { loop } = t;
      await loop.runUntilComplete(
        loop.createTask(async () => {
          const e1 = thrown(() => sleep(1, null, { signal: 'no' as never })) as Error;
          expect(e1.message).toBe("sleep(): signal must be an AbortSignal, got 'no'");
          const e2 = thrown(() => waitFor(sleep(0), 1, { signal: 5 as never })) as Error;
          expect(e2.message).toBe('waitFor(): signal must be an AbortSignal, got 5');
          await sleep(0);
        }),
      );
      t.close();
    }, { needs: ['virtual-clock'] });
  });
}
