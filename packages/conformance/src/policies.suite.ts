/**
 * Policies and loop discovery (catalog.md §24 POLICY-*, LOOP-17) and `run()`
 * (asyncio.run: a fresh loop, leftover tasks cancelled, the loop closed).
 *
 * These tests change process-wide state (the current policy and its loop);
 * each restores the default policy afterwards. Not ported: the thread rules
 * of POLICY-01 and POLICY-04's checklist (the abstract loop is
 * `@loop/interfaces`' business).
 */
import { expect } from 'expect';
import { afterEach, beforeEach, describe } from './runner.js';
import {
  BaseEventLoop,
  CancelledError,
  DefaultEventLoopPolicy,
  RuntimeError,
  getEventLoop,
  getEventLoopPolicy,
  getRunningLoop,
  newEventLoop,
  run,
  setEventLoop,
  setEventLoopPolicy,
  sleep,
  type EventLoopPolicy,
} from '@loop/core';
import type { Coroutine } from '@loop/interfaces';
import { defineLoopTest, rejection, thrown, type LoopFactory, type SuiteOptions } from './harness.js';

/** Defines the policies and run() suite. */
export function policiesSuite(newLoop: LoopFactory, options: SuiteOptions): void {
  const it = defineLoopTest(newLoop, options);

  describe('policies: loop discovery', () => {
    beforeEach(() => setEventLoopPolicy(null));
    afterEach(() => setEventLoopPolicy(null));

    // POLICY-01
    it('[POLICY-01] getEventLoop() outside a running loop - creates the current loop once and returns it again', () => {
      const a = getEventLoop();
      expect(a).toBeInstanceOf(BaseEventLoop);
      expect(getEventLoop()).toBe(a);
      a.close();
      setEventLoop(null);
    });

    // POLICY-01
    it('[POLICY-01] setEventLoop(loop) - makes it current; after setEventLoop(null) getEventLoop() throws RuntimeError', (t) => {
      const { loop } = t;
      setEventLoop(loop);
      expect(getEventLoop()).toBe(loop);
      setEventLoop(null);
      const e = thrown(() => getEventLoop());
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/no current event loop/);
      t.close();
    });

    // POLICY-01
    it('[POLICY-01] setEventLoop() with something that is not a loop - TypeError', () => {
      expect(thrown(() => setEventLoop({} as never))).toBeInstanceOf(TypeError);
    });

    // POLICY-01
    it('[POLICY-01] newEventLoop() - returns a fresh open loop that is not made current', () => {
      const current = getEventLoop();
      const fresh = newEventLoop();
      expect(fresh).toBeInstanceOf(BaseEventLoop);
      expect(fresh).not.toBe(current);
      expect(fresh.isClosed()).toBe(false);
      expect(getEventLoop()).toBe(current);
      fresh.close();
      current.close();
      setEventLoop(null);
    });

    // POLICY-02
    it('[POLICY-02] getEventLoopPolicy() - is a singleton DefaultEventLoopPolicy; setEventLoopPolicy(null) installs a new default one', () => {
      const p = getEventLoopPolicy();
      expect(p).toBeInstanceOf(DefaultEventLoopPolicy);
      expect(getEventLoopPolicy()).toBe(p);
      setEventLoopPolicy(null);
      const q = getEventLoopPolicy();
      expect(q).toBeInstanceOf(DefaultEventLoopPolicy);
      const mine = new DefaultEventLoopPolicy();
      setEventLoopPolicy(mine);
      expect(getEventLoopPolicy()).toBe(mine);
    });

    // POLICY-02
    it('[POLICY-02] setEventLoopPolicy() with something that is not a policy - TypeError, policy unchanged', () => {
      const p = getEventLoopPolicy();
      expect(thrown(() => setEventLoopPolicy({} as never))).toBeInstanceOf(TypeError);
      expect(thrown(() => setEventLoopPolicy(42 as never))).toBeInstanceOf(TypeError);
      expect(getEventLoopPolicy()).toBe(p);
    });

    it('[POLICY-05] a custom policy - getEventLoop()/newEventLoop()/setEventLoop() defer to it', (t) => {
      const { loop } = t;
      const calls: string[] = [];
      const policy: EventLoopPolicy = {
        getEventLoop: () => {
          calls.push('get');
          return loop;
        },
        setEventLoop: (l) => {
          calls.push(`set ${l === null ? 'null' : l === loop ? 'loop' : 'other'}`);
        },
        newEventLoop: () => {
          calls.push('new');
          return loop;
        },
      };
      setEventLoopPolicy(policy);
      expect(getEventLoop()).toBe(loop);
      expect(newEventLoop()).toBe(loop);
      setEventLoop(loop);
      expect(calls).toEqual(['get', 'new', 'set loop']);
      t.close();
    });

    // POLICY-03, LOOP-17
    it('[LOOP-17, POLICY-03] getEventLoop()/getRunningLoop() inside a running loop - return it whatever the policy says', async (t) => {
      const { loop } = t;
      const other = t.newLoop();
      setEventLoop(other);
      const seen: unknown[] = [];
      loop.callSoon(() => {
        seen.push(getEventLoop() === loop, getRunningLoop() === loop);
        setEventLoop(null);
        seen.push(getEventLoop() === loop);
        loop.stop();
      });
      await loop.runForever();
      expect(seen).toEqual([true, true, true]);
      expect(thrown(() => getRunningLoop())).toBeInstanceOf(RuntimeError);
      t.close(other);
      t.close();
    });
  });

  describe('policies: run()', () => {
    beforeEach(() => setEventLoopPolicy(null));
    afterEach(() => setEventLoopPolicy(null));

    it('[test_asyncio_run_return] run(main) - runs a generator function on a fresh loop, resolves to its result and closes the loop', async (t) => {
      let used: BaseEventLoop | undefined;
      let made: unknown;
      const r = await run(
        function* (): Coroutine<number> {
          used = getRunningLoop();
          yield* sleep(1);
          return 5;
        },
        { loopFactory: () => (made = t.newLoop()) },
      );
      expect(r).toBe(5);
      expect(used).toBe(made);
      expect(used!.isClosed()).toBe(true);
    }, { needs: ['virtual-clock'] });

    it('[test_asyncio_run_return] run(async main) - runs an async function', async (t) => {
      let used: BaseEventLoop | undefined;
      const r = await run(
        async () => {
          used = getRunningLoop();
          await sleep(0.5);
          return 'async';
        },
        { loopFactory: () => t.newLoop() },
      );
      expect(r).toBe('async');
      expect(used!.isClosed()).toBe(true);
    }, { needs: ['virtual-clock'] });

    it('[test_asyncio_run_cancels_hanging_tasks] run() - cancels the tasks main left running, lets them handle it, then closes the loop', async (t) => {
      let leftover: ReturnType<BaseEventLoop['createTask']> | undefined;
      const rec: string[] = [];
      let used: BaseEventLoop | undefined;
      await run(
        function* (): Coroutine<void> {
          used = getRunningLoop();
          leftover = used.createTask(
            (function* (): Coroutine<void> {
              try {
                yield* sleep(10);
              } catch (e) {
                rec.push(e instanceof CancelledError ? 'cancelled' : 'other');
                throw e;
              } finally {
                rec.push('finally');
              }
            })(),
          );
          yield* sleep(0);
        },
        { loopFactory: () => t.newLoop() },
      );
      expect(rec).toEqual(['cancelled', 'finally']);
      expect(leftover!.cancelled()).toBe(true);
      expect(used!.isClosed()).toBe(true);
      expect(used!.time()).toBe(0);
    }, { needs: ['virtual-clock'] });

    it('[test_asyncio_run_raises] run(main) where main throws - rejects with that error and still closes the loop', async (t) => {
      let used: BaseEventLoop | undefined;
      const err = new Error('main failed');
      const e = await rejection(
        run(
          function* (): Coroutine<void> {
            used = getRunningLoop();
            throw err;
          },
          { loopFactory: () => t.newLoop() },
        ),
      );
      expect(e).toBe(err);
      expect(used!.isClosed()).toBe(true);
    });

    it('[test_asyncio_run_debug] run(main, { debug }) - sets the debug mode of the loop', async (t) => {
      for (const debug of [true, false]) {
        const seen = await run(
          function* (): Coroutine<boolean> {
            return getRunningLoop().getDebug();
          },
          { debug, loopFactory: () => t.newLoop() },
        );
        expect(seen).toBe(debug);
      }
    });

    it('[test_asyncio_run_only_coro] run(x) where x is neither a coroutine nor a function - rejects with RangeError (asyncio\'s ValueError) and makes no loop', async (t) => {
      let made = 0;
      for (const bad of [42, 'main', null, { then: 1 }]) {
        const e = await rejection(
          run(bad as never, {
            loopFactory: () => {
              made++;
              return t.newLoop();
            },
          }),
        );
        expect(e).toBeInstanceOf(RangeError);
        expect((e as { code?: string }).code).toBe('ERR_LOOP_OUT_OF_RANGE');
        expect((e as Error).message).toMatch(/^run\(\): a coroutine was expected, got /);
      }
      expect(made).toBe(0);
    });

    it('[test_asyncio_run_from_running_loop] run() inside a running loop - rejects with RuntimeError and main never starts', async (t) => {
      const { loop } = t;
      let started = false;
      let r: Promise<unknown> | undefined;
      loop.callSoon(() => {
        r = rejection(
          run(
            function* (): Coroutine<void> {
              started = true;
            },
            { loopFactory: () => t.newLoop() },
          ),
        );
        loop.stop();
      });
      await loop.runForever();
      const e = await r!;
      expect(e).toBeInstanceOf(RuntimeError);
      expect((e as Error).message).toMatch(/running event loop/);
      expect(started).toBe(false);
      t.close();
    });
  });
}
