/**
 * Contexts (contextvars; catalog.md SCHED-04, TASK-13, FUT-07): ContextVar
 * get/set/reset, copyContext() snapshots, ctx.run(), and where callbacks and
 * tasks run: each callback in a copy of the context current when it was
 * scheduled, each task (generator or async function) in its own context for
 * all of its steps.
 */
import { expect } from 'expect';
import { describe } from './runner.js';
import { Context, ContextVar, RuntimeError, copyContext, sleep } from '@loop/core';
import type { Coroutine } from '@loop/interfaces';
import { defineLoopTest, thrown, type LoopFactory, type SuiteOptions } from './harness.js';

/** Defines the contexts suite. */
export function contextSuite(newLoop: LoopFactory, options: SuiteOptions): void {
  const it = defineLoopTest(newLoop, options);

  describe('context: ContextVar and Context', () => {
    it('[test_context_getset_1, test_context_getset_3] ContextVar - get() returns the default, get(d) overrides it, set() returns a token that reset() undoes', () => {
      const v = new ContextVar<string>('v', { default: 'dflt' });
      expect(v.name).toBe('v');
      copyContext().run(() => {
        expect(v.get()).toBe('dflt');
        const tok1 = v.set('one');
        expect(v.get()).toBe('one');
        expect(v.get('other')).toBe('one');
        const tok2 = v.set('two');
        v.reset(tok2);
        expect(v.get()).toBe('one');
        v.reset(tok1);
        expect(v.get()).toBe('dflt');
      });
    });

    it('[test_context_getset_1, D12] ContextVar without a default - get() throws until set, get(d) returns d', () => {
      const v = new ContextVar<number>('nodefault');
      copyContext().run(() => {
        expect(() => v.get()).toThrow();
        expect(v.get(7)).toBe(7);
        v.set(1);
        expect(v.get()).toBe(1);
      });
    });

    it('[test_context_copy_1] copyContext() - is a snapshot; ctx.run() makes changes inside ctx only, and they persist in ctx', () => {
      const v = new ContextVar<string>('v', { default: 'dflt' });
      copyContext().run(() => {
        v.set('outer');
        const ctx = copyContext();
        expect(ctx).toBeInstanceOf(Context);
        v.set('outer-later');
        expect(ctx.run(() => v.get())).toBe('outer');
        ctx.run(() => v.set('inside'));
        expect(v.get()).toBe('outer-later');
        expect(ctx.run(() => v.get())).toBe('inside');
        expect(ctx.run((a: number, b: number) => a + b, 2, 3)).toBe(5);
        const dup = ctx.copy();
        dup.run(() => v.set('dup'));
        expect(ctx.run(() => v.get())).toBe('inside');
      });
    });

    it('[test_context_run_7] ctx.run() inside the same context - throws RuntimeError (a context is entered once at a time)', () => {
      const ctx = copyContext();
      const e = ctx.run(() => thrown(() => ctx.run(() => undefined)));
      expect(e).toBeInstanceOf(RuntimeError);
    });
  });

  describe('context: callbacks', () => {
    // asyncio's call_soon(cb, context=ctx) / call_later(..., context=ctx), spelled ctx.bind(cb)
    it('[SCHED-04] ctx.bind(cb) - the callback runs in ctx, with its arguments; its changes stay in ctx; other callbacks are unaffected', async (t) => {
      const { loop } = t;
      const v = new ContextVar<string>('v', { default: 'outer' });
      const ctx = copyContext();
      ctx.run(() => v.set('in-ctx'));
      const seen: unknown[] = [];
      function record(a: number, b: number): void {
        seen.push([v.get(), a, b]);
      }
      const bound = ctx.bind(record);
      expect(bound.name).toBe('record');
      const h = loop.callSoon(bound, 1, 2);
      expect(h.toString()).toContain('record(1, 2)');
      loop.callSoon(ctx.bind(() => v.set('changed')));
      loop.callLater(0.01, ctx.bind(() => seen.push(v.get())));
      loop.callSoon(() => seen.push(v.get()));
      loop.callLater(0.05, () => loop.stop());
      await loop.runForever();
      expect(seen).toEqual([['in-ctx', 1, 2], 'outer', 'changed']);
      expect(ctx.get(v)).toBe('changed');
      expect(v.get()).toBe('outer');
      t.close();
    }, { needs: ['virtual-clock'] });

    it('[test_context_run_7] ctx.bind() - a bound function called while ctx is entered throws RuntimeError (ERR_LOOP_CONTEXT_ENTERED); a non-function is a TypeError', (t) => {
      const ctx = new Context();
      const bound = ctx.bind(() => 1);
      expect(bound()).toBe(1);
      const e = thrown(() => ctx.run(() => bound()));
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as { code?: string }).code).toBe('ERR_LOOP_CONTEXT_ENTERED');
      expect((e as Error).message).toMatch(/cannot enter context: .* is already entered/);
      const e2 = thrown(() => ctx.bind(42 as never));
      expect(e2).toBeInstanceOf(TypeError);
      expect((e2 as { code?: string }).code).toBe('ERR_LOOP_INVALID_ARG');
      t.close();
    });

    // SCHED-04, S01
    it('[SCHED-04] a callback - runs in a copy of the context current when it was scheduled; its changes do not leak', async (t) => {
      const { loop } = t;
      const v = new ContextVar<string>('var', { default: 'default' });
      const seen: string[] = [];
      copyContext().run(() => {
        v.set('set-before-scheduling-d');
        loop.callSoon(() => seen.push(`d ${v.get()}`));
        v.set('default');
        loop.callSoon(() => {
          v.set('changed-inside-callback');
          seen.push(`mutate ${v.get()}`);
        });
        loop.callSoon(() => seen.push(`e ${v.get()}`));
      });
      loop.callSoon(() => loop.stop());
      await loop.runForever();
      expect(seen).toEqual(['d set-before-scheduling-d', 'mutate changed-inside-callback', 'e default']);
      expect(v.get()).toBe('default');
      t.close();
    });

    // SCHED-04: explicit context, the mapping rules of docs/asyncio-mapping.md
    it('[SCHED-04] ctx.run(() => loop.callSoon(cb)) - the callback runs with the values of ctx', async (t) => {
      const { loop } = t;
      const v = new ContextVar<string>('var', { default: 'default' });
      const ctx = copyContext();
      ctx.run(() => v.set('explicit-context'));
      const seen: string[] = [];
      ctx.run(() => loop.callSoon(() => seen.push(v.get())));
      loop.callSoon(() => seen.push(v.get()));
      loop.callLater(0, () => loop.stop());
      await loop.runForever();
      expect(seen).toEqual(['explicit-context', 'default']);
      t.close();
    });

    it('[SCHED-04] a timer callback - runs in the context captured by callLater()', async (t) => {
      const { loop } = t;
      const v = new ContextVar<string>('var', { default: 'default' });
      let seen = '';
      copyContext().run(() => {
        v.set('at-schedule-time');
        loop.callLater(0.1, () => {
          seen = v.get();
          loop.stop();
        });
        v.set('changed-after');
      });
      await loop.runForever();
      expect(seen).toBe('at-schedule-time');
      t.close();
    }, { needs: ['virtual-clock'] });

    // FUT-07
    it('[FUT-07] a done callback - runs in the context current at addDoneCallback(), or the one given as { context }', async (t) => {
      const { loop } = t;
      const v = new ContextVar<string>('var', { default: 'default' });
      const fut = loop.createFuture<null>();
      const seen: string[] = [];
      const ctx = copyContext();
      ctx.run(() => v.set('explicit'));
      copyContext().run(() => {
        v.set('captured');
        fut.addDoneCallback(() => seen.push(v.get()));
      });
      fut.addDoneCallback(() => seen.push(v.get()), { context: ctx });
      fut.addDoneCallback(() => seen.push(v.get()));
      fut.setResult(null);
      loop.stop();
      await loop.runForever();
      expect(seen).toEqual(['captured', 'explicit', 'default']);
      t.close();
    });
  });

  describe('context: tasks', () => {
    // TASK-13
    it('[TASK-13] a generator task - runs all its steps in its own copy of the context; the parent does not see its changes', async (t) => {
      const { loop } = t;
      const v = new ContextVar<string>('var', { default: 'default' });
      const seen: string[] = [];
      function* child(): Coroutine<void> {
        seen.push(`child start ${v.get()}`);
        v.set('child');
        yield* sleep(0);
        seen.push(`child after sleep ${v.get()}`);
      }
      function* parent(): Coroutine<void> {
        v.set('parent');
        const c = loop.createTask(child());
        v.set('parent-after-create');
        yield* c;
        seen.push(`parent ${v.get()}`);
      }
      await loop.runUntilComplete(parent());
      expect(seen).toEqual(['child start parent', 'child after sleep child', 'parent parent-after-create']);
      expect(v.get()).toBe('default');
      t.close();
    });

    // TASK-13
    it('[TASK-13] an async-function task - keeps its own context across awaits; interleaved tasks each see their own value', async (t) => {
      const { loop } = t;
      const v = new ContextVar<number>('n', { default: -1 });
      const results: boolean[] = [];
      const tasks = Array.from({ length: 20 }, (_, i) =>
        loop.createTask(async () => {
          v.set(i);
          for (let k = 0; k < 3; k++) {
            await sleep(k === 1 ? 0.01 * (20 - i) : 0);
            results.push(v.get() === i);
          }
        }),
      );
      await loop.runUntilComplete(async () => {
        for (const task of tasks) await task;
      });
      expect(results).toHaveLength(60);
      expect(results.every(Boolean)).toBe(true);
      expect(v.get()).toBe(-1);
      t.close();
    }, { needs: ['virtual-clock'] });

    // TASK-13
    it('[TASK-13] interleaved generator tasks - each sees its own value', async (t) => {
      const { loop } = t;
      const v = new ContextVar<number>('n', { default: -1 });
      const results: boolean[] = [];
      function* worker(i: number): Coroutine<void> {
        v.set(i);
        for (let k = 0; k < 3; k++) {
          yield* sleep(k === 1 ? 0.01 * (20 - i) : 0);
          results.push(v.get() === i);
        }
      }
      const tasks = Array.from({ length: 20 }, (_, i) => loop.createTask(worker(i)));
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          for (const task of tasks) yield* task;
        })(),
      );
      expect(results).toHaveLength(60);
      expect(results.every(Boolean)).toBe(true);
      t.close();
    }, { needs: ['virtual-clock'] });

    // TASK-13 (test_context_6-like): an explicit context is shared
    it('[test_context_6, TASK-13] createTask(coro, { context }) - the task runs in that very context; two tasks in turn see 1 then 2', async (t) => {
      const { loop } = t;
      const v = new ContextVar<number>('counter', { default: 0 });
      const ctx = copyContext();
      function* bump(): Coroutine<number> {
        v.set(v.get() + 1);
        yield* sleep(0);
        return v.get();
      }
      const t1 = loop.createTask(bump(), { context: ctx });
      expect(t1.getContext()).toBe(ctx);
      await expect(loop.runUntilComplete(t1)).resolves.toBe(1);
      expect(ctx.run(() => v.get())).toBe(1);
      const t2 = loop.createTask(bump(), { context: ctx });
      await expect(loop.runUntilComplete(t2)).resolves.toBe(2);
      expect(ctx.run(() => v.get())).toBe(2);
      expect(v.get()).toBe(0);
      t.close();
    });

    it('[SCHED-04] a callback scheduled by a task - runs with the values of the task context at scheduling time', async (t) => {
      const { loop } = t;
      const v = new ContextVar<string>('var', { default: 'default' });
      let seen = '';
      await loop.runUntilComplete(async () => {
        v.set('in-task');
        await sleep(0);
        const done = loop.createFuture<void>();
        loop.callSoon(() => {
          seen = v.get();
          done.setResult();
        });
        await done;
      });
      expect(seen).toBe('in-task');
      t.close();
    });
  });
}
