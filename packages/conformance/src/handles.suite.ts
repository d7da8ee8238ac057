/**
 * Scheduling and handles (catalog.md §0, §2 SCHED-*, HANDLE-*): callSoon FIFO,
 * timers ordered by `when` and placed after the callbacks already ready,
 * negative and zero delays, equal-`when` ties in insertion order (a deliberate
 * choice of this project, D2; CPython's heapq order of S05 is not
 * reproduced), cancellation, lazy removal of cancelled timers, and reprs.
 *
 * Not ported: SCHED-03 scenario B, SCHED-17 (threads), HANDLE-01's weak
 * references, HANDLE-06 (TimerHandle rich comparison: JavaScript has no
 * operator overloading), HANDLE-07 and the `created at` part of HANDLE-04
 * (source tracebacks are Python frames), SCHED-10/12 (the clock-resolution
 * window: the mapping pins no resolution for the virtual clock).
 */
import { expect } from 'expect';
import { describe } from './runner.js';
import { Handle, TimerHandle } from '@loop/core';
import { defineLoopTest, type LoopFactory, type SuiteOptions } from './harness.js';

/** Defines the scheduling and handles suite. */
export function handlesSuite(newLoop: LoopFactory, options: SuiteOptions): void {
  const it = defineLoopTest(newLoop, options);

  describe('handles: callSoon()', () => {
    // SCHED-01
    it('[SCHED-01] callSoon() - returns a Handle, not cancelled, that has not run yet', (t) => {
      const { loop } = t;
      let ran = false;
      const h = loop.callSoon(() => {
        ran = true;
      });
      expect(h).toBeInstanceOf(Handle);
      expect(h).not.toBeInstanceOf(TimerHandle);
      expect(h.cancelled()).toBe(false);
      expect(ran).toBe(false);
      expect(t.stats().ready).toBe(1);
      expect(t.stats().timers).toBe(0);
      h.cancel();
      t.close();
    }, { needs: ['stats'] });

    // SCHED-01
    it('[SCHED-01] callSoon() - callbacks run in registration order with their arguments, return values ignored', async (t) => {
      const { loop } = t;
      const calls: unknown[][] = [];
      const cb = (...args: unknown[]): string => {
        calls.push(args);
        return 'ignored';
      };
      loop.callSoon(cb, 'hello', 'world');
      loop.callSoon(cb);
      loop.callSoon(cb, 1, 2, 3);
      loop.callSoon(() => loop.stop());
      await loop.runForever();
      expect(calls).toEqual([['hello', 'world'], [], [1, 2, 3]]);
      t.close();
    });

    // SCHED-03 scenario A
    it('[SCHED-03] callSoonThreadsafe() - shares the FIFO with callSoon()', async (t) => {
      const { loop } = t;
      const order: string[] = [];
      loop.callSoonThreadsafe(() => order.push('hello'));
      loop.callSoon(() => order.push('world'));
      loop.callSoonThreadsafe(() => order.push('!'));
      loop.callSoon(() => loop.stop());
      await loop.runForever();
      expect(order).toEqual(['hello', 'world', '!']);
      t.close();
    });

    // SCHED-02
    it('[SCHED-02] callSoon() from a callback - runs in the next iteration', async (t) => {
      const { loop } = t;
      const at: Array<[string, number]> = [];
      loop.callLater(0, () => {
        at.push(['timer', t.iterations]);
        loop.callSoon(() => {
          at.push(['x', t.iterations]);
          loop.stop();
        });
      });
      await loop.runForever();
      expect(at).toEqual([
        ['timer', 1],
        ['x', 2],
      ]);
      t.close();
    }, { needs: ['stats'] });

    // §0 "cannot starve timers", S02. On the real clock: with a callback
    // always ready, virtual time would never move.
    it('[SCHED-02, S02] a callback that re-schedules itself - runs once per iteration and does not starve a due timer', async (t) => {
      const loop = t.newLoop({ clock: undefined });
      let spins = 0;
      let fired = false;
      const spinner = (): void => {
        spins++;
        if (!fired) loop.callSoon(spinner);
      };
      loop.callSoon(spinner);
      loop.callLater(0.02, () => {
        fired = true;
        loop.stop();
      });
      await loop.runForever();
      expect(fired).toBe(true);
      expect(spins).toBe(t.stats(loop).iterations);
      loop.stop();
      await loop.runForever();
      t.close(loop);
    }, { needs: ['stats', 'virtual-clock'] });
  });

  describe('handles: timers', () => {
    // SCHED-05
    it('[SCHED-05] callLater() - returns a TimerHandle in the timer heap with when() = time() + delay', async (t) => {
      const { loop } = t;
      const h = loop.callLater(0.03, () => undefined);
      expect(h).toBeInstanceOf(TimerHandle);
      expect(h.when()).toBe(0.03);
      expect(t.stats().timers).toBe(1);
      expect(t.stats().ready).toBe(0);
      let at = -1;
      loop.callLater(0.5, () => {
        loop.callLater(0.25, () => {
          at = loop.time();
          loop.stop();
        });
      });
      await loop.runForever();
      expect(at).toBe(0.75);
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });

    // SCHED-07
    it('[SCHED-07] callAt() - schedules at an absolute loop time', async (t) => {
      const { loop } = t;
      const order: Array<[string, number]> = [];
      loop.callAt(0.2, () => order.push(['b', loop.time()]));
      const h = loop.callAt(0.1, () => order.push(['a', loop.time()]));
      expect(h.when()).toBe(0.1);
      loop.callAt(0.3, () => loop.stop());
      await loop.runForever();
      expect(order).toEqual([
        ['a', 0.1],
        ['b', 0.2],
      ]);
      t.close();
    }, { needs: ['virtual-clock'] });

    // SCHED-06
    it('[SCHED-06] callLater() with negative delays - all due in the first iteration, ordered by when', async (t) => {
      const { loop } = t;
      const order: Array<[string, number]> = [];
      loop.callLater(-1, (x: string) => order.push([x, t.iterations]), 'a');
      loop.callLater(-2, (x: string) => order.push([x, t.iterations]), 'b');
      loop.callLater(0, (x: string) => order.push([x, t.iterations]), 'zero');
      loop.stop();
      await loop.runForever();
      expect(order).toEqual([
        ['b', 1],
        ['a', 1],
        ['zero', 1],
      ]);
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });

    // SCHED-08
    it('[SCHED-08] callLater(0) - is not callSoon(): due timers run after the callbacks already ready', async (t) => {
      const { loop } = t;
      const order: string[] = [];
      loop.callLater(0, () => order.push('b (callLater(0), scheduled first)'));
      loop.callSoon(() => order.push('a (callSoon, scheduled second)'));
      loop.stop();
      await loop.runForever();
      expect(order).toEqual(['a (callSoon, scheduled second)', 'b (callLater(0), scheduled first)']);
      t.close();
    });

    // SCHED-08
    it('[SCHED-08] callLater(0) inside a callback - runs next iteration after a callSoon() made earlier in that callback', async (t) => {
      const { loop } = t;
      const order: Array<[string, number]> = [];
      loop.callSoon(() => {
        loop.callLater(0, () => order.push(['z1', t.iterations]));
        loop.callSoon(() => order.push(['s1', t.iterations]));
        loop.callSoon(() => loop.stop());
      });
      await loop.runForever();
      expect(order).toEqual([
        ['s1', 2],
        ['z1', 2],
      ]);
      t.close();
    }, { needs: ['stats'] });

    // SCHED-09: FIFO tie-break (the project's documented choice)
    it('[SCHED-09] timers with equal when - run in insertion order', async (t) => {
      const { loop } = t;
      const order: number[] = [];
      for (let i = 0; i < 10; i++) loop.callAt(1.0, (n: number) => order.push(n), i);
      loop.callAt(1.5, () => loop.stop());
      await loop.runForever();
      expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      t.close();
    }, { needs: ['virtual-clock'] });

    // SCHED-09: callLater while virtual time stands still ties too
    it('[SCHED-09] callLater() with the same delay at the same time - runs in insertion order', async (t) => {
      const { loop } = t;
      const order: number[] = [];
      for (let i = 0; i < 10; i++) loop.callLater(0.5, (n: number) => order.push(n), i);
      loop.callLater(0.6, () => loop.stop());
      await loop.runForever();
      expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      t.close();
    }, { needs: ['virtual-clock'] });

    // SCHED-09
    it('[SCHED-09] interleaved ties at two times - each time runs its timers in insertion order', async (t) => {
      const { loop } = t;
      const order: string[] = [];
      for (let i = 0; i < 6; i++) {
        loop.callAt(1.0, (s: string) => order.push(s), `t${i}`);
        loop.callAt(0.5, (s: string) => order.push(s), `e${i}`);
      }
      loop.callAt(2.0, () => loop.stop());
      await loop.runForever();
      expect(order).toEqual(['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 't0', 't1', 't2', 't3', 't4', 't5']);
      t.close();
    }, { needs: ['virtual-clock'] });

    // §0 steps 3-4: the due timers of a batch are fixed when the iteration begins
    // (traced against CPython 3.11: it1 ready-first, a, b; it2 soon-from-a, late-past, late-0)
    it('[SCHED-08, HANDLE-02] timers made during a batch - wait for the next iteration even when due and earlier than the batch\'s own due timers; a due timer cancelled earlier in the batch is skipped', async (t) => {
      const { loop } = t;
      const out: string[] = [];
      const log = (name: string): void => {
        out.push(`it${t.iterations} ${name}`);
      };
      const t0 = loop.time();
      loop.callAt(t0 - 0.003, () => {
        log('a');
        c.cancel();
        loop.callAt(t0 - 1, log, 'late-past');
        loop.callLater(0, log, 'late-0');
        loop.callSoon(log, 'soon-from-a');
      });
      loop.callAt(t0 - 0.002, log, 'b');
      const c = loop.callAt(t0 - 0.001, log, 'c');
      loop.callSoon(log, 'ready-first');
      loop.callLater(0.05, () => loop.stop());
      await loop.runForever();
      expect(out).toEqual(['it1 ready-first', 'it1 a', 'it1 b', 'it2 soon-from-a', 'it2 late-past', 'it2 late-0']);
      expect(t.stats().timers).toBe(0);
      expect(t.stats().cancelledTimers).toBe(0);
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });

    // §0 step 4: timers due in the same iteration run in one batch, by when
    it('[SCHED-11, SCHED-13] timers - the loop jumps virtual time to the next timer and runs every timer due by then in one iteration', async (t) => {
      const { loop } = t;
      const order: Array<[string, number, number]> = [];
      const log = (s: string): void => {
        order.push([s, t.iterations, loop.time()]);
      };
      loop.callLater(0.02, log, 'b');
      loop.callLater(0.01, log, 'a');
      loop.callLater(0.01, log, 'a2');
      loop.callLater(0.03, () => loop.stop());
      await loop.runForever();
      expect(order).toEqual([
        ['a', 1, 0.01],
        ['a2', 1, 0.01],
        ['b', 2, 0.02],
      ]);
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });
  });

  describe('handles: cancel()', () => {
    // HANDLE-02
    it('[HANDLE-02] Handle.cancel() - is idempotent and the callback never runs', async (t) => {
      const { loop } = t;
      let ran = false;
      const h = loop.callSoon(() => {
        ran = true;
      });
      h.cancel();
      h.cancel();
      expect(h.cancelled()).toBe(true);
      expect(t.stats().ready).toBe(0);
      loop.stop();
      await loop.runForever();
      expect(ran).toBe(false);
      t.close();
    }, { needs: ['stats'] });

    // HANDLE-02, S06
    it('[HANDLE-02] TimerHandle.cancel() - the timer never runs, when() survives, and it no longer counts as pending', async (t) => {
      const { loop } = t;
      let ran = false;
      const h = loop.callLater(0.1, () => {
        ran = true;
      });
      h.cancel();
      expect(h.cancelled()).toBe(true);
      expect(h.when()).toBe(0.1);
      expect(t.stats().timers).toBe(0);
      loop.callLater(0.2, () => loop.stop());
      await loop.runForever();
      expect(ran).toBe(false);
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });

    // HANDLE-02, S06: cancelled while already moved to the ready queue
    it('[HANDLE-02] a timer cancelled by an earlier timer of the same batch - is skipped', async (t) => {
      const { loop } = t;
      const order: string[] = [];
      loop.callAt(0.2, () => {
        order.push('killer');
        victim.cancel();
      });
      const victim = loop.callAt(0.2, () => order.push('victim'));
      loop.callAt(0.3, () => loop.stop());
      await loop.runForever();
      expect(order).toEqual(['killer']);
      expect(victim.cancelled()).toBe(true);
      t.close();
    }, { needs: ['virtual-clock'] });

    it('[HANDLE-02] a handle cancelled by an earlier callback of the same batch (ready queue) - is skipped', async (t) => {
      const { loop } = t;
      const order: string[] = [];
      loop.callSoon(() => {
        order.push('killer');
        victim.cancel();
      });
      const victim = loop.callSoon(() => order.push('victim'));
      loop.stop();
      await loop.runForever();
      expect(order).toEqual(['killer']);
      t.close();
    });

    // HANDLE-02
    it('[HANDLE-02] cancel() inside its own callback - is harmless', async (t) => {
      const { loop } = t;
      let seen: boolean | undefined;
      const self: TimerHandle = loop.callAt(0.3, () => {
        self.cancel();
        seen = self.cancelled();
      });
      loop.callAt(0.4, () => loop.stop());
      await loop.runForever();
      expect(seen).toBe(true);
      t.close();
    }, { needs: ['virtual-clock'] });

    // docs/asyncio-mapping.md "Handle and TimerHandle": removed from the heap lazily (asyncio's rule); SCHED-14
    it('[SCHED-14] cancelled timers - with 100 or fewer scheduled, only those at the head of the heap are dropped by an iteration', async (t) => {
      const { loop } = t;
      const hs = Array.from({ length: 10 }, (_, i) => loop.callLater(10 + i, () => undefined));
      hs[0].cancel();
      hs[4].cancel();
      expect(t.stats().timers).toBe(8);
      loop.stop();
      await loop.runForever();
      expect(t.stats().cancelledTimers).toBe(1);
      expect(t.stats().timers).toBe(8);
      for (const h of hs) h.cancel();
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });

    // docs/asyncio-mapping.md "Handle and TimerHandle", SCHED-14
    it('[SCHED-14] cancelled timers - are purged in one iteration once more than 100 are scheduled and more than half are cancelled', async (t) => {
      const { loop } = t;
      const hs = Array.from({ length: 150 }, (_, i) => loop.callLater(10 + i, () => undefined));
      hs.forEach((h, i) => {
        if (i % 3 !== 0) h.cancel();
      });
      expect(t.stats().cancelledTimers).toBe(100);
      expect(t.stats().timers).toBe(50);
      loop.stop();
      await loop.runForever();
      expect(t.stats().cancelledTimers).toBe(0);
      expect(t.stats().timers).toBe(50);
      for (const h of hs) h.cancel();
      loop.stop();
      await loop.runForever();
      expect(t.stats().cancelledTimers).toBe(0);
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });
  });

  describe('handles: reprs', () => {
    function noop(): void {}

    // HANDLE-04
    it('[HANDLE-04] String(handle) - <Handle ...> naming the callback; <Handle cancelled ...> once cancelled', (t) => {
      const { loop } = t;
      const h = loop.callSoon(noop);
      expect(String(h)).toMatch(/^<Handle .*noop/);
      expect(String(h)).not.toMatch(/cancelled/);
      h.cancel();
      expect(String(h)).toMatch(/^<Handle cancelled[ >]/);
      // asyncio drops the callback; in debug mode its repr keeps it (cached at cancel()).
      if (loop.getDebug()) expect(String(h)).toMatch(/^<Handle cancelled .*noop.* created at /);
      else expect(String(h)).toBe('<Handle cancelled>');
      expect(h.cancelled()).toBe(true);
      t.close();
    });

    // HANDLE-05
    it('[HANDLE-05] String(timerHandle) - <TimerHandle when=... ...>, and says cancelled once cancelled', (t) => {
      const { loop } = t;
      const h = loop.callAt(123, noop);
      expect(String(h)).toMatch(/^<TimerHandle .*when=123\b/);
      expect(String(h)).toMatch(/noop/);
      expect(String(h)).not.toMatch(/cancelled/);
      h.cancel();
      expect(String(h)).toMatch(/^<TimerHandle .*\bcancelled\b/);
      expect(String(h)).toMatch(/when=123\b/);
      t.close();
    }, { needs: ['virtual-clock'] });
  });
}
