/**
 * The oracle scenarios of scheduling and timers as exact trace comparisons:
 * `callSoon` FIFO order, nested scheduling, `stop()`, timer order and
 * cancellation, `time()` and `sleep()` (S01–S04, S06, S07).
 *
 * Each test builds the trace lines that the scenario's CPython script
 * prints and compares them with the lines CPython 3.11 printed, under a
 * VirtualClock so that `t=` values are exact. The labels keep the scripts'
 * wording (Python names included) so that a line can be found in the
 * script's output by copy and paste. Python-only lines (reprs with file and
 * line details, garbage-collection reports, threads, sockets) are dropped;
 * each test notes its other adaptations.
 *
 * S05 (the heapq order of equal-`when` timers) is not ported: equal timers
 * run in the order they were scheduled (D2; the handles suite pins it).
 */
import { expect } from 'expect';
import { describe } from './runner.js';
import { ContextVar, copyContext, sleep } from '@loop/core';
import type { Coroutine } from '@loop/interfaces';
import { defineLoopTest, trace, type LoopFactory, type SuiteOptions } from './harness.js';
import { py, pyTuple } from './twins.js';

/** Defines the oracle scenarios of scheduling and timers (S01–S07). */
export function oracleSchedulingSuite(newLoop: LoopFactory, options: SuiteOptions): void {
  const it = defineLoopTest(newLoop, options);

  describe('oracle scenarios', () => {
    it('S01 call soon fifo', async (t) => {
      const { loop } = t;
      const out = t.trace();
      const v = new ContextVar<string>('var', { default: 'default' });
      const cb = (name: string, ...args: unknown[]): string => {
        out.log(`${name} args=${pyTuple(args)} var=${v.get()}`);
        return 'ignored-return-value';
      };
      const mutateCtx = (): void => {
        v.set('changed-inside-callback');
        out.log(`mutate_ctx sets var -> ${v.get()}`);
      };
      const scn = copyContext();
      scn.run(() => {
        const h1 = loop.callSoon(cb, 'a');
        out.print(`handle type: ${h1.constructor.name} cancelled: ${py(h1.cancelled())}`);
        loop.callSoon(cb, 'b', 1, 2);
        loop.callSoonThreadsafe(cb, 'c-threadsafe', 'x');
        v.set('set-before-scheduling-d');
        loop.callSoon(cb, 'd');
        v.set('default');
        loop.callSoon(mutateCtx);
        loop.callSoon(cb, 'e-after-mutate');
        const ctx = copyContext();
        ctx.run(() => v.set('explicit-context'));
        // explicit context, spelled as the mapping rules of docs/asyncio-mapping.md say
        ctx.run(() => loop.callSoon(cb, 'f-explicit-context'));
        loop.callSoon(() => loop.stop());
        loop.callSoon(cb, 'g-queued-after-stop');
      });
      out.print(`before run_forever: is_running = ${py(loop.isRunning())}`);
      await loop.runForever();
      out.print(`iterations run: ${t.iterations}`);
      out.print(`after run_forever: is_running = ${py(loop.isRunning())}`);
      out.print(`outer var after run: ${scn.run(() => v.get())}`);
      t.close();
      expect(out.lines).toEqual([
        'handle type: Handle cancelled: False',
        'before run_forever: is_running = False',
        'it1 a args=() var=default',
        'it1 b args=(1, 2) var=default',
        "it1 c-threadsafe args=('x',) var=default",
        'it1 d args=() var=set-before-scheduling-d',
        'it1 mutate_ctx sets var -> changed-inside-callback',
        'it1 e-after-mutate args=() var=default',
        'it1 f-explicit-context args=() var=explicit-context',
        'it1 g-queued-after-stop args=() var=default',
        'iterations run: 1',
        'after run_forever: is_running = False',
        'outer var after run: default',
      ]);
    });

    // CPython's S02 runs on the stock (real-clock) loop: with the spinner
    // always ready, virtual time would never reach the timer.
    it('S02 nested scheduling', async (t) => {
      const loop = t.newLoop({ clock: undefined });
      const out = trace(loop);
      const iterations = (): number => t.stats(loop).iterations;
      const log = (msg: string): void => out.log(msg);
      const a2 = (): void => log('a2');
      const a1 = (): void => {
        log('a1 (schedules a2)');
        loop.callSoon(a2);
      };
      const a = (): void => {
        log('a (schedules a1)');
        loop.callSoon(a1);
      };
      const b1 = (): void => {
        log('b1 (calls stop)');
        loop.stop();
      };
      const b = (): void => {
        log('b (schedules b1)');
        loop.callSoon(b1);
      };
      loop.callSoon(a);
      loop.callSoon(b);
      await loop.runForever();
      log('run_forever #1 returned; a2 still pending');
      loop.callSoon(() => log('queued before run_forever #2'));
      loop.callSoon(() => loop.stop());
      await loop.runForever();
      log('run_forever #2 returned');

      let spins = 0;
      const fired: boolean[] = [];
      const spinner = (): void => {
        spins++;
        if (fired.length === 0) loop.callSoon(spinner);
      };
      const startIt = iterations();
      loop.callSoon(spinner);
      loop.callLater(0.02, () => {
        fired.push(true);
        loop.stop();
      });
      await loop.runForever();
      out.print(`timer fired while spinner kept re-scheduling itself: ${py(fired.length > 0)}`);
      out.print(`spinner ran exactly once per iteration of run #3: ${py(spins === iterations() - startIt)}`);
      // CPython's script closes the loop with the spinner's last handle
      // queued; this port lets it run first, as t.close() wants.
      loop.stop();
      await loop.runForever();
      t.close(loop);
      expect(out.lines).toEqual([
        'it1 a (schedules a1)',
        'it1 b (schedules b1)',
        'it2 a1 (schedules a2)',
        'it2 b1 (calls stop)',
        'it2 run_forever #1 returned; a2 still pending',
        'it3 a2',
        'it3 queued before run_forever #2',
        'it3 run_forever #2 returned',
        'timer fired while spinner kept re-scheduling itself: True',
        'spinner ran exactly once per iteration of run #3: True',
      ]);
    });

    it('S03 stop semantics', async (t) => {
      const { loop } = t;
      const out = t.trace({ timeDigits: 3 });
      const log = (msg: string): void => out.log(msg);
      const x = (): void => log('x (queued by a during batch 1)');
      loop.callSoon(() => {
        log('a calls stop() and schedules x');
        loop.stop();
        loop.callSoon(x);
      });
      loop.callSoon(log, 'b (same batch, after stop)');
      loop.callSoon(log, 'c (same batch, after stop)');
      await loop.runForever();
      log('--- run_forever returned after 1 iteration');

      const q = (): void => log('q');
      const p = (): void => {
        log('p (ready before pre-stopped run) schedules q');
        loop.callSoon(q);
      };
      let start = t.iterations;
      loop.stop();
      loop.stop();
      loop.callSoon(p);
      await loop.runForever();
      log(`--- pre-stopped run_forever did ${t.iterations - start} iteration(s)`);

      loop.callLater(0.01, () => {
        log('timer calls stop');
        loop.stop();
      });
      await loop.runForever();
      log('--- third run returned');

      const h = loop.callLater(3600, log, 'never');
      start = t.iterations;
      loop.stop();
      await loop.runForever();
      log(`--- pre-stopped with far timer: ${t.iterations - start} iteration(s), timer pending=${py(!h.cancelled())}`);
      h.cancel();
      t.close();
      expect(out.lines).toEqual([
        'it1 t=0.000 a calls stop() and schedules x',
        'it1 t=0.000 b (same batch, after stop)',
        'it1 t=0.000 c (same batch, after stop)',
        'it1 t=0.000 --- run_forever returned after 1 iteration',
        'it2 t=0.000 x (queued by a during batch 1)',
        'it2 t=0.000 p (ready before pre-stopped run) schedules q',
        'it2 t=0.000 --- pre-stopped run_forever did 1 iteration(s)',
        'it3 t=0.000 q',
        'it4 t=0.010 timer calls stop',
        'it4 t=0.010 --- third run returned',
        'it5 t=0.010 --- pre-stopped with far timer: 1 iteration(s), timer pending=True',
      ]);
    });

    // The argument-error lines keep the error class only.
    it('S04 timer ordering', async (t) => {
      const { loop } = t;
      const out = t.trace({ timeDigits: 3 });
      const log = (msg: string): void => out.log(msg);
      const h = loop.callLater(0.03, log, 'c delay=0.03');
      out.print(`call_later returns ${h.constructor.name} when = ${h.when()}`);
      loop.callLater(0.01, log, 'a delay=0.01');
      loop.callLater(0.02, log, 'b delay=0.02');
      loop.callLater(-1, log, 'neg1 delay=-1');
      loop.callLater(-2, log, 'neg2 delay=-2');
      loop.callLater(0, log, 'zero delay=0');
      loop.callAt(loop.time() + 0.015, log, 'call_at now+0.015');
      loop.callSoon(log, 'soon (scheduled last, runs first)');
      loop.callLater(0.012, () => {
        log('timer at 0.012 schedules call_soon(s1) and call_later(0, z1)');
        loop.callLater(0, log, 'z1 (call_later(0) from a timer)');
        loop.callSoon(log, 's1 (call_soon from a timer)');
      });
      loop.callLater(0.05, () => loop.stop());
      await loop.runForever();
      for (const [label, fn] of [
        ['call_later(None, ...)', () => loop.callLater(null as never, log, 'x')],
        ['call_at(None, ...)', () => loop.callAt(null as never, log, 'x')],
      ] as const) {
        try {
          fn();
        } catch (e) {
          out.print(`${label} -> ${(e as Error).name}`);
        }
      }
      t.close();
      expect(out.lines).toEqual([
        'call_later returns TimerHandle when = 0.03',
        'it1 t=0.000 soon (scheduled last, runs first)',
        'it1 t=0.000 neg2 delay=-2',
        'it1 t=0.000 neg1 delay=-1',
        'it1 t=0.000 zero delay=0',
        'it2 t=0.010 a delay=0.01',
        'it3 t=0.012 timer at 0.012 schedules call_soon(s1) and call_later(0, z1)',
        'it4 t=0.012 s1 (call_soon from a timer)',
        'it4 t=0.012 z1 (call_later(0) from a timer)',
        'it5 t=0.015 call_at now+0.015',
        'it6 t=0.020 b delay=0.02',
        'it7 t=0.030 c delay=0.03',
        'call_later(None, ...) -> TypeError',
        'call_at(None, ...) -> TypeError',
      ]);
    });

    // Reprs and TimerHandle construction/comparison dropped; the victim is
    // scheduled at exactly 0.2 (CPython's script uses 0.2 + 5e-10, inside
    // its 1e-9 clock-resolution window, which the mapping does not pin).
    it('S06 timer cancellation', async (t) => {
      const { loop } = t;
      const out = t.trace({ timeDigits: 3 });
      const log = (msg: string): void => out.log(msg);
      const hSoon = loop.callSoon(log, 'soon-cancelled (must not run)');
      hSoon.cancel();
      hSoon.cancel();
      out.print(`call_soon handle after cancel: cancelled = ${py(hSoon.cancelled())}`);
      const hEarly = loop.callLater(0.1, log, 'early-cancelled (must not run)');
      hEarly.cancel();
      out.print(`timer cancelled early: cancelled = ${py(hEarly.cancelled())} when() still = ${hEarly.when()}`);
      loop.callAt(0.2, () => {
        log('killer runs first (same batch) and cancels victim');
        hVictim.cancel();
      });
      const hVictim = loop.callAt(0.2, log, 'victim (must not run)');
      const hSelf = loop.callAt(0.3, () => {
        hSelf.cancel();
        log(`self_cancel cancelled its own handle; cancelled=${py(hSelf.cancelled())}`);
      });
      const hKeep = loop.callAt(0.4, log, 'kept timer runs');
      loop.callAt(0.5, () => loop.stop());
      await loop.runForever();
      out.print(
        `after run: victim.cancelled = ${py(hVictim.cancelled())} self.cancelled = ${py(hSelf.cancelled())} kept.cancelled = ${py(hKeep.cancelled())}`,
      );
      t.close();
      expect(out.lines).toEqual([
        'call_soon handle after cancel: cancelled = True',
        'timer cancelled early: cancelled = True when() still = 0.1',
        'it2 t=0.200 killer runs first (same batch) and cancels victim',
        'it3 t=0.300 self_cancel cancelled its own handle; cancelled=True',
        'it4 t=0.400 kept timer runs',
        'after run: victim.cancelled = True self.cancelled = True kept.cancelled = False',
      ]);
    });

    // The "|time() - time.monotonic()| < 0.5" line is dropped: the epoch of
    // the real clock is unspecified.
    it('S07 time and sleep', async (t) => {
      const real = t.newLoop({ clock: undefined });
      const samples = Array.from({ length: 1000 }, () => real.time());
      const out = t.trace({ timeDigits: 3 });
      out.print(`stock loop: time() non-decreasing over 1000 samples: ${py(samples.every((s, i) => i === 0 || samples[i - 1] <= s))}`);
      t.close(real);
      const { loop } = t;
      const log = (msg: string): void => out.log(msg);
      function* main(): Coroutine<string> {
        log('main start');
        let r = yield* sleep(0.25, 'R');
        log(`after sleep(0.25) -> ${py(r)}`);
        r = yield* sleep(0, 'zero');
        log(`after sleep(0) -> ${py(r)} (one iteration later, no time passes)`);
        r = yield* sleep(-5, 'negative');
        log(`after sleep(-5) -> ${py(r)} (same as sleep(0))`);
        out.print(`timers scheduled during main: ${t.stats().timers}`);
        loop.callLater(1.0, log, 'call_later(1.0) from main fires');
        loop.callAt(loop.time() + 0.5, log, 'call_at(now+0.5) from main fires');
        yield* sleep(2);
        log('after sleep(2)');
        return 'done';
      }
      out.print(`run_until_complete -> ${await loop.runUntilComplete(main())}`);
      log('final');
      t.close();
      expect(out.lines).toEqual([
        'stock loop: time() non-decreasing over 1000 samples: True',
        'it1 t=0.000 main start',
        "it3 t=0.250 after sleep(0.25) -> 'R'",
        "it4 t=0.250 after sleep(0) -> 'zero' (one iteration later, no time passes)",
        "it5 t=0.250 after sleep(-5) -> 'negative' (same as sleep(0))",
        'timers scheduled during main: 0',
        'it6 t=0.750 call_at(now+0.5) from main fires',
        'it7 t=1.250 call_later(1.0) from main fires',
        'it9 t=2.250 after sleep(2)',
        'run_until_complete -> done',
        'it10 t=2.250 final',
      ]);
    });
  });
}
