/**
 * The oracle scenarios (spec/behaviours/oracle-scenarios.md) as exact trace
 * comparisons: each test builds the trace lines the CPython script prints and
 * compares them with the lines CPython 3.11 printed, under a VirtualClock so
 * that `t=` values are exact. The labels keep the scripts' wording (Python
 * names included) so a line can be found in the oracle by copy and paste.
 *
 * Adaptations, each also noted at its scenario:
 * - Error messages are compared only where API.md pins them (`Event loop is
 *   closed`, `This event loop is already running`, `no running event loop`,
 *   `Cannot run the event loop while another loop is running`, cancel
 *   messages); elsewhere the line keeps the error class only.
 * - Python-only lines are dropped: reprs that carry Python file/line details,
 *   `set_exception(StopIteration)` and exception classes, direct
 *   `TimerHandle(...)` construction and comparison, garbage-collection
 *   reports (S10 "never retrieved"), KeyboardInterrupt (S10), threads,
 *   sockets and executors (S21, S22), `ensure_future`/`gather` (next issue:
 *   S13 and S20 use a twin without them, see `oracle/` in this package).
 * - S05 (heapq order of equal-`when` timers) is not ported: this project
 *   breaks ties FIFO (handles suite). S23+ belong to later issues.
 * - S18 runs twice (coroutines and async functions, the same trace); S19
 *   compares `t=` only and drops `wait([coroutine])` (see its note).
 * - API.md's "Cancellation message" rule replaces CPython's second-retrieval
 *   quirk in S15.
 */
import { describe, expect } from '@jest/globals';
import {
  CancelledError,
  ContextVar,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  Future,
  Task,
  TimeoutError,
  asCompleted,
  copyContext,
  currentTask,
  gather,
  getRunningLoop,
  shield,
  sleep,
  wait,
  waitFor,
  type BaseEventLoop,
  type Context,
} from '@loop/core';
import type { Coroutine, CoroutineLike, CreateTaskOptions, ExceptionContext } from '@loop/interfaces';
import { defineLoopTest, rejection, trace, type LoopFactory, type SuiteOptions } from './harness.js';

/** Python's `str()` of a few simple values, so lines match the oracle verbatim. */
function py(v: unknown): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v)) return `[${v.map(py).join(', ')}]`;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v) ?? typeof v;
}

/** Python's `repr()` of a tuple. */
function pyTuple(xs: unknown[]): string {
  return xs.length === 1 ? `(${py(xs[0])},)` : `(${xs.map(py).join(', ')})`;
}

/** `CancelledError.args` as CPython prints it: `()` or `('msg',)`. */
function cancelArgs(e: unknown): string {
  const msg = (e as Error).message;
  return msg === '' ? '()' : `('${msg}',)`;
}

class ZeroDivisionError extends Error {
  override name = 'ZeroDivisionError';
}
class KeyError extends Error {
  override name = 'KeyError';
}
class ValueError extends Error {
  override name = 'ValueError';
}

/** CPython 3.11's output of S18 (both ports must print it). */
const S18_LINES = [
  'it4 t=0.10 fast finishes',
  'it7 t=0.20 mid finishes',
  'it10 t=0.30 slow finishes',
  "it12 t=0.30 gather results (argument order): ['slow', 'fast', 'mid']",
  'it15 t=0.40 ok1 finishes',
  'it18 t=0.50 bad finishes',
  'it20 t=0.50 first exception propagated immediately: ValueError(bad); ok2 still running: True',
  'it22 t=0.70 ok2 finishes',
  'it23 t=0.70 ok2 completed later: ok2',
  'it26 t=0.80 k1 finishes',
  'it29 t=0.85 k2 finishes',
  "it34 t=0.90 return_exceptions=True -> ['k1', 'ValueError', 'CancelledError']",
  'it37 t=1.00 c1 finishes',
  'it42 t=1.10 child cancelled -> gather raised CancelledError; g.cancelled()=False g.exception() is CancelledError: True',
  'it43 t=1.10 g.cancel() -> True',
  'it46 t=1.10 gather cancelled: children cancelled=[True, True] g.cancelled()=False g.cancel() again -> False',
  'it49 t=1.20 dup finishes',
  'it52 t=1.25 other finishes',
  "it54 t=1.25 duplicate coroutine run once, result repeated: ['dup', 'dup', 'other']",
  'it54 t=1.25 empty gather: done=True result=[]',
];

/** Defines the oracle-scenario suite. */
export function oracleSuite(newLoop: LoopFactory, options: SuiteOptions): void {
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
        // explicit context, spelled as API.md's mapping rule says
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
    // its 1e-9 clock-resolution window, which API.md does not pin).
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

    // ValueError is RangeError (API.md); the ensure_future part is dropped.
    it('S08 run until complete', async (t) => {
      const { loop } = t;
      const out = t.trace();
      const log = (msg: string): void => out.log(msg);
      const fut = loop.createFuture<number>();
      fut.addDoneCallback((f) => log(`user done-callback sees result=${f.result()}`));
      const e = (): void => log('e: queued during the stopping batch -> left for next run');
      const d = (): void => log('d: queued by b (after c) -> also in the stopping batch');
      const c = (): void => {
        log('c: queued after set_result -> runs in the stopping batch');
        loop.callSoon(e);
      };
      loop.callSoon(() => {
        log('a: fut.set_result(1), then call_soon(c)');
        fut.setResult(1);
        loop.callSoon(c);
      });
      loop.callSoon(() => {
        log('b: queued before the loop started; runs in same batch as a');
        loop.callSoon(d);
      });
      out.print(`result: ${await loop.runUntilComplete(fut)}`);
      log('returned from run_until_complete #1');
      const done = loop.createFuture<string>();
      done.setResult('already');
      out.print(`done future result: ${await loop.runUntilComplete(done)}`);
      log('returned from run_until_complete #2 (e ran in that single iteration)');
      function* boom(): Coroutine<never> {
        log('boom task runs');
        throw new RangeError('from coroutine');
      }
      const err = await rejection(loop.runUntilComplete(boom()));
      log(`run_until_complete re-raised ${(err as Error).name}: ${(err as Error).message}`);
      function* answer(): Coroutine<number> {
        return 42;
      }
      const task = loop.createTask(answer());
      out.print(`task result: ${await loop.runUntilComplete(task)}`);
      t.close();
      expect(out.lines).toEqual([
        'it1 a: fut.set_result(1), then call_soon(c)',
        'it1 b: queued before the loop started; runs in same batch as a',
        'it2 user done-callback sees result=1',
        'it2 c: queued after set_result -> runs in the stopping batch',
        'it2 d: queued by b (after c) -> also in the stopping batch',
        'result: 1',
        'it2 returned from run_until_complete #1',
        'it3 e: queued during the stopping batch -> left for next run',
        'done future result: already',
        'it3 returned from run_until_complete #2 (e ran in that single iteration)',
        'it4 boom task runs',
        'it5 run_until_complete re-raised RangeError: from coroutine',
        'task result: 42',
      ]);
    });

    // Lines 2 and 3 keep the class only (ValueError is RangeError).
    it('S09 run errors', async (t) => {
      const { loop } = t;
      const out = t.trace();
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
      const e1 = (await rejection(loop.runUntilComplete(task))) as Error;
      out.print(
        `1. ${e1.name} ${e1.message} | progress ${py(progress)} | done ${py(task.done())} | t=${loop.time().toFixed(1)}`,
      );
      out.print(`1b. resumed run -> ${await loop.runUntilComplete(task)} | progress ${py(progress)}`);
      const e2 = (await rejection(loop.runUntilComplete('blah' as never))) as Error;
      out.print(`2. ${e2.name}`);
      const other = t.newLoop();
      const foreign = other.createFuture();
      const e3 = (await rejection(loop.runUntilComplete(foreign))) as Error;
      out.print(`3. ${e3.name}`);
      await loop.runUntilComplete(async () => {
        const e4 = (await rejection(loop.runForever())) as Error;
        out.print(`4. run_forever inside running loop: ${e4.name} ${e4.message}`);
        const inner = (function* (): Coroutine<void> {
          yield* sleep(0);
        })();
        const e5 = (await rejection(loop.runUntilComplete(inner))) as Error;
        out.print(`5. run_until_complete inside running loop: ${e5.name} ${e5.message}`);
        const e6 = (await rejection(other.runUntilComplete(foreign))) as Error;
        out.print(`6. other loop inside running loop: ${e6.name} ${e6.message}`);
        out.print(`7. is_running inside = ${py(loop.isRunning())} | get_running_loop() is loop: ${py(getRunningLoop() === loop)}`);
      });
      out.print(`8. is_running outside = ${py(loop.isRunning())}`);
      try {
        getRunningLoop();
      } catch (e) {
        out.print(`9. get_running_loop() outside: ${(e as Error).name} ${(e as Error).message}`);
      }
      out.print(`10. current_task(loop) outside: ${py(currentTask(loop))}`);
      foreign.cancel();
      t.close(other);
      t.close();
      expect(out.lines).toEqual([
        '1. RuntimeError Event loop stopped before Future completed. | progress [0, 1] | done False | t=0.2',
        '1b. resumed run -> finished | progress [0, 1, 2, 3, 4]',
        '2. TypeError',
        '3. RangeError',
        '4. run_forever inside running loop: RuntimeError This event loop is already running',
        '5. run_until_complete inside running loop: RuntimeError This event loop is already running',
        '6. other loop inside running loop: RuntimeError Cannot run the event loop while another loop is running',
        '7. is_running inside = True | get_running_loop() is loop: True',
        '8. is_running outside = False',
        '9. get_running_loop() outside: RuntimeError no running event loop',
        '10. current_task(loop) outside: None',
      ]);
    });

    // The "never retrieved" lines (garbage collection) and the
    // KeyboardInterrupt part (no escape exceptions in JavaScript) are
    // dropped. The message keeps "Exception in callback" and the callback's
    // name; the rest of CPython's text is file and line details.
    it('S10 callback exceptions', async (t) => {
      const { loop } = t;
      const out = t.trace();
      const seen: ExceptionContext[] = [];
      const shortMessage = (msg: string): string => {
        if (!msg.startsWith('Exception in callback ')) return msg;
        const name = ['badSoon', 'badLater'].find((n) => msg.includes(n)) ?? '<lambda>';
        return `Exception in callback ${name}`;
      };
      loop.setExceptionHandler((lp, context) => {
        expect(lp).toBe(loop);
        seen.push(context);
        const keys = Object.keys(context)
          .filter((k) => k !== 'source_traceback')
          .sort();
        out.print(
          `  handler it${t.iterations}: keys=${py(keys)} message=${py(shortMessage(context.message))} exception=${(context.exception as Error).name}`,
        );
      });
      const h = loop.callSoon(function badSoon() {
        throw new ZeroDivisionError('soon');
      });
      loop.callSoon((name: string) => out.log(`${name} still runs`), 'next-in-same-batch');
      loop.callLater(0.1, function badLater() {
        throw new KeyError('later');
      });
      const fut = loop.createFuture<null>();
      fut.addDoneCallback(() => {
        throw new ZeroDivisionError('division by zero');
      });
      loop.callSoon(() => fut.setResult(null));
      loop.callLater(0.2, () => loop.stop());
      await loop.runForever();
      out.print(`context[handle] is the call_soon handle: ${py(seen[0].handle === h)}`);
      out.print(`exception object is the raised one: ${py((seen[0].exception as Error).message === 'soon')}`);
      t.close();
      expect(out.lines).toEqual([
        "  handler it1: keys=['exception', 'handle', 'message'] message='Exception in callback badSoon' exception=ZeroDivisionError",
        'it1 next-in-same-batch still runs',
        "  handler it2: keys=['exception', 'handle', 'message'] message='Exception in callback <lambda>' exception=ZeroDivisionError",
        "  handler it3: keys=['exception', 'handle', 'message'] message='Exception in callback badLater' exception=KeyError",
        'context[handle] is the call_soon handle: True',
        'exception object is the raised one: True',
      ]);
    });

    // Log records: the first line of each, then the key of each
    // "key: value" line (value formatting is Python's repr in CPython).
    it('S11 exception handler api', async (t) => {
      const { loop } = t;
      t.expectLogs();
      const out = t.trace();
      loop.setExceptionHandler(null);
      const flushLogs = (): void => {
        for (const r of t.logs.splice(0)) {
          if (r.level !== 'error') continue;
          const [first, ...rest] = r.text.split('\n');
          out.print(`  LOG ERROR`);
          out.print(`    | ${first.split(' at ')[0]}`);
          for (const l of rest) {
            const m = /^(\w+): /.exec(l);
            if (m) out.print(`    | ${m[1]}: ...`);
          }
        }
      };
      out.print(`1. default handler: ${py(loop.getExceptionHandler())}`);
      try {
        loop.setExceptionHandler('spam' as never);
      } catch (e) {
        out.print(`2. ${(e as Error).name}`);
      }
      out.print('3. default handler with message and extra keys:');
      loop.callExceptionHandler({ message: 'custom message', zeta: 1, alpha: 'x', exception: new RangeError('v') });
      flushLogs();
      out.print('4. default handler without message / exception:');
      loop.callExceptionHandler({ foo: [1, 2] } as unknown as ExceptionContext);
      flushLogs();
      const calls: Array<[boolean, ExceptionContext]> = [];
      const custom = (lp: unknown, c: ExceptionContext): void => {
        calls.push([lp === loop, c]);
      };
      const ctx = { message: 'to custom' };
      loop.setExceptionHandler(custom);
      out.print(`5. get_exception_handler() is custom: ${py(loop.getExceptionHandler() === custom)}`);
      loop.callExceptionHandler(ctx);
      out.print(`6. custom called with (loop, same dict): ${py(calls[0][0])} ${py(calls[0][1] === ctx)}`);
      loop.setExceptionHandler(() => {
        throw new TypeError('handler is broken');
      });
      out.print('7. broken custom handler -> default handler reports it:');
      loop.callExceptionHandler({ message: 'original problem' });
      flushLogs();
      loop.setExceptionHandler(null);
      out.print(`8. reset to default: ${py(loop.getExceptionHandler())}`);
      out.print('9. callback error through the default handler:');
      loop.callSoon(function zero() {
        throw new ZeroDivisionError('division by zero');
      });
      loop.callSoon(() => loop.stop());
      await loop.runForever();
      flushLogs();
      t.close();
      expect(out.lines).toEqual([
        '1. default handler: None',
        '2. TypeError',
        '3. default handler with message and extra keys:',
        '  LOG ERROR',
        '    | custom message',
        '    | alpha: ...',
        '    | zeta: ...',
        '4. default handler without message / exception:',
        '  LOG ERROR',
        '    | Unhandled exception in event loop',
        '    | foo: ...',
        '5. get_exception_handler() is custom: True',
        '6. custom called with (loop, same dict): True True',
        '7. broken custom handler -> default handler reports it:',
        '  LOG ERROR',
        '    | Unhandled error in exception handler',
        '    | context: ...',
        '8. reset to default: None',
        '9. callback error through the default handler:',
        '  LOG ERROR',
        '    | Exception in callback zero()',
        '    | handle: ...',
      ]);
    }, { recordExceptions: false });

    // Reprs and Python-only lines (StopIteration, exception classes)
    // dropped; InvalidStateError messages are not pinned (class only).
    it('S12 future semantics', async (t) => {
      const { loop } = t;
      const out = t.trace();
      const show = (label: string, fn: () => unknown): void => {
        try {
          out.print(`${label}: returned ${py(fn())}`);
        } catch (e) {
          out.print(`${label}: ${(e as Error).name}${e instanceof CancelledError ? cancelArgs(e) : ''}`);
        }
      };
      const f = loop.createFuture<number>();
      out.print(`fresh: done ${py(f.done())} cancelled ${py(f.cancelled())} get_loop() is loop ${py(f.getLoop() === loop)}`);
      show('result() pending', () => f.result());
      show('exception() pending', () => f.exception());
      f.setResult(42);
      show('set_result again', () => f.setResult(1));
      show('set_exception after done', () => f.setException(new RangeError()));
      show('cancel() after done', () => f.cancel());
      show('result()', () => f.result());
      show('exception()', () => f.exception());
      const c = loop.createFuture<number>();
      show('cancel() pending', () => c.cancel());
      show('cancel() again', () => c.cancel());
      out.print(`cancelled future: done ${py(c.done())} cancelled ${py(c.cancelled())}`);
      show('result() cancelled', () => c.result());
      show('exception() cancelled', () => c.exception());
      show('set_result on cancelled', () => c.setResult(1));
      const cm = loop.createFuture();
      cm.cancel('because');
      show('result() cancelled with msg', () => cm.result());

      const trace: string[] = [];
      const h = loop.createFuture<string>();
      const cb1 = (): void => void trace.push('cb1');
      const cb2 = (fut: Future<string>): void => void trace.push(`cb2 sees ${fut.result()}`);
      const cb3 = (): void => void trace.push('cb3');
      h.addDoneCallback(cb1);
      h.addDoneCallback(cb2);
      h.addDoneCallback(cb1);
      h.addDoneCallback(cb3);
      const removed = h.removeDoneCallback(cb1);
      out.print(`remove_done_callback(cb1) -> ${removed} | again -> ${h.removeDoneCallback(cb1)}`);
      loop.callSoon(() => trace.push('x (call_soon before set_result)'));
      h.setResult('v');
      trace.push('(set_result returned; no callback ran inline)');
      loop.callSoon(() => trace.push('y (call_soon after set_result)'));
      h.addDoneCallback(() => trace.push('late cb added after done'));
      trace.push('(add_done_callback on done future returned; not inline)');
      loop.callSoon(() => loop.stop());
      await loop.runForever();
      for (const line of trace) out.print(`   ${line}`);

      function* awaitTwice(fut: Future<string>): Coroutine<[string, string]> {
        const a = yield* fut;
        const b = yield* fut;
        return [a, b];
      }
      const k = loop.createFuture<string>();
      loop.callSoon(() => k.setResult('once'));
      out.print(`awaiting the same future twice -> ${pyTuple(await loop.runUntilComplete(awaitTwice(k)))}`);
      t.close();
      expect(out.lines).toEqual([
        'fresh: done False cancelled False get_loop() is loop True',
        'result() pending: InvalidStateError',
        'exception() pending: InvalidStateError',
        'set_result again: InvalidStateError',
        'set_exception after done: InvalidStateError',
        'cancel() after done: returned False',
        'result(): returned 42',
        'exception(): returned None',
        'cancel() pending: returned True',
        'cancel() again: returned False',
        'cancelled future: done True cancelled True',
        'result() cancelled: CancelledError()',
        'exception() cancelled: CancelledError()',
        'set_result on cancelled: InvalidStateError',
        "result() cancelled with msg: CancelledError('because',)",
        'remove_done_callback(cb1) -> 2 | again -> 0',
        '   (set_result returned; no callback ran inline)',
        '   (add_done_callback on done future returned; not inline)',
        '   x (call_soon before set_result)',
        '   cb2 sees v',
        '   cb3',
        '   y (call_soon after set_result)',
        '   late cb added after done',
        "awaiting the same future twice -> ('once', 'once')",
      ]);
    });

    // gather is the next issue: main awaits A then B instead; the expected
    // lines come from oracle/s13_task_stepping_no_gather.py (CPython 3.11).
    it('S13 task stepping', async (t) => {
      const { loop } = t;
      const out = t.trace();
      const log = (msg: string): void => out.log(msg);
      const doneFut = loop.createFuture<string>();
      doneFut.setResult('D');
      const pending = loop.createFuture<string>();
      function* child(name: string): Coroutine<string> {
        log(`${name}: child coroutine body (same step)`);
        return 'child-result';
      }
      function* worker(name: string): Coroutine<string> {
        log(`${name}: start`);
        let r = yield* doneFut;
        log(`${name}: awaited done future -> ${r} (no yield)`);
        r = yield* child(name);
        log(`${name}: awaited coroutine -> ${r} (no yield)`);
        yield* sleep(0);
        log(`${name}: after sleep(0)`);
        r = yield* pending;
        log(`${name}: after pending -> ${r}`);
        return name;
      }
      function* main(): Coroutine<void> {
        log('main: start; creating A and B');
        const ta = loop.createTask(worker('A'));
        const tb = loop.createTask(worker('B'));
        log(`main: created; A started? ${py(ta.done())} / current_task is main: ${py(currentTask()?.getName() === 'main')}`);
        yield* sleep(0);
        log('main: after sleep(0)');
        yield* sleep(0);
        log('main: after 2nd sleep(0); resolving pending via call_soon');
        loop.callSoon((v: string) => pending.setResult(v), 'P');
        const res = [yield* ta, yield* tb];
        log(`main: awaited A then B -> ${py(res)}`);
      }
      await loop.runUntilComplete(loop.createTask(main(), { name: 'main' }));
      t.close();
      expect(out.lines).toEqual([
        'it1 main: start; creating A and B',
        'it1 main: created; A started? False / current_task is main: True',
        'it2 A: start',
        'it2 A: awaited done future -> D (no yield)',
        'it2 A: child coroutine body (same step)',
        'it2 A: awaited coroutine -> child-result (no yield)',
        'it2 B: start',
        'it2 B: awaited done future -> D (no yield)',
        'it2 B: child coroutine body (same step)',
        'it2 B: awaited coroutine -> child-result (no yield)',
        'it2 main: after sleep(0)',
        'it3 A: after sleep(0)',
        'it3 B: after sleep(0)',
        'it3 main: after 2nd sleep(0); resolving pending via call_soon',
        'it5 A: after pending -> P',
        'it5 B: after pending -> P',
        "it6 main: awaited A then B -> ['A', 'B']",
      ]);
    });

    it('S14 wakeup latency', async (t) => {
      const { loop } = t;
      const out = t.trace();
      const log = (msg: string): void => out.log(msg);
      const futs = { cur: loop.createFuture<number>() };
      function* leaf(name: string): Coroutine<number> {
        const r = yield* futs.cur;
        log(`${name} resumed with ${r}`);
        return r + 1;
      }
      function* link(name: string, inner: Coroutine<number> | Future<number>): Coroutine<number> {
        const r = yield* inner;
        log(`${name} resumed with ${r}`);
        return r + 1;
      }
      function* main(): Coroutine<void> {
        const t1 = loop.createTask(leaf('T1'));
        const t2 = loop.createTask(link('T2', t1));
        const t3 = loop.createTask(link('T3', t2));
        yield* sleep(0);
        log('setting fut result 0 (tasks chain)');
        futs.cur.setResult(0);
        let r = yield* t3;
        log(`main got ${r} from task chain`);

        futs.cur = loop.createFuture<number>();
        function* c3(): Coroutine<number> {
          return yield* link('C3', link('C2', leaf('C1')));
        }
        const tk = loop.createTask(c3());
        yield* sleep(0);
        log('setting fut result 0 (coroutine chain inside one task)');
        futs.cur.setResult(0);
        r = yield* tk;
        log(`main got ${r} from coroutine chain`);
        log('awaiting an already-finished task');
        r = yield* tk;
        log(`no yield: got ${r} again in the same iteration`);
      }
      await loop.runUntilComplete(main());
      t.close();
      expect(out.lines).toEqual([
        'it2 setting fut result 0 (tasks chain)',
        'it3 T1 resumed with 0',
        'it4 T2 resumed with 1',
        'it5 T3 resumed with 2',
        'it6 main got 3 from task chain',
        'it7 setting fut result 0 (coroutine chain inside one task)',
        'it8 C1 resumed with 0',
        'it8 C2 resumed with 1',
        'it8 C3 resumed with 2',
        'it9 main got 3 from coroutine chain',
        'it9 awaiting an already-finished task',
        'it9 no yield: got 3 again in the same iteration',
      ]);
    });

    // API.md's "Cancellation message" rule: the later t.result() carries
    // the message too (CPython: args=()); "timers left in heap" counts live
    // timers.
    it('S15 cancel basics', async (t) => {
      const { loop } = t;
      const out = t.trace({ timeDigits: 1 });
      const log = (msg: string): void => out.log(msg);
      function* sleeper(): Coroutine<void> {
        log('sleeper: start, awaiting sleep(10)');
        try {
          yield* sleep(10);
          log('sleeper: woke up normally (unexpected)');
        } catch (e) {
          if (e instanceof CancelledError) log(`sleeper: got CancelledError args=${cancelArgs(e)}`);
          throw e;
        } finally {
          log('sleeper: finally');
        }
      }
      function* neverStarted(): Coroutine<void> {
        log('never_started: body ran (unexpected)');
      }
      function* main(): Coroutine<void> {
        const tk = loop.createTask(sleeper());
        yield* sleep(0);
        const r = tk.cancel('stop it');
        log(
          `main: t.cancel() -> ${py(r)}; done=${py(tk.done())} cancelled=${py(tk.cancelled())} cancelling()=${tk.cancelling()}`,
        );
        log(`main: repr contains 'cancelling': ${py(String(tk).includes('cancelling'))}`);
        try {
          yield* tk;
        } catch (e) {
          if (e instanceof CancelledError) log(`main: await t raised CancelledError args=${cancelArgs(e)}`);
        }
        log(`main: t.done()=${py(tk.done())} t.cancelled()=${py(tk.cancelled())} t.cancel() now -> ${py(tk.cancel())}`);
        try {
          tk.result();
        } catch (e) {
          if (e instanceof CancelledError) log(`main: t.result() raised CancelledError args=${cancelArgs(e)}`);
        }
        const u = loop.createTask(neverStarted());
        log(`main: cancel before first step -> ${py(u.cancel())} ; second cancel -> ${py(u.cancel())} ; cancelling()=${u.cancelling()}`);
        yield* sleep(0);
        log(`main: u.cancelled()=${py(u.cancelled())}`);
      }
      await loop.runUntilComplete(main());
      log('virtual time did not advance to 10: the sleep timer was cancelled');
      out.print(`timers left: ${t.stats().timers}`);
      t.close();
      expect(out.lines).toEqual([
        'it2 t=0.0 sleeper: start, awaiting sleep(10)',
        'it2 t=0.0 main: t.cancel() -> True; done=False cancelled=False cancelling()=1',
        "it2 t=0.0 main: repr contains 'cancelling': True",
        "it3 t=0.0 sleeper: got CancelledError args=('stop it',)",
        'it3 t=0.0 sleeper: finally',
        "it4 t=0.0 main: await t raised CancelledError args=('stop it',)",
        'it4 t=0.0 main: t.done()=True t.cancelled()=True t.cancel() now -> False',
        "it4 t=0.0 main: t.result() raised CancelledError args=('stop it',)",
        'it4 t=0.0 main: cancel before first step -> True ; second cancel -> True ; cancelling()=2',
        'it5 t=0.0 main: u.cancelled()=True',
        'it6 t=0.0 virtual time did not advance to 10: the sleep timer was cancelled',
        'timers left: 0',
      ]);
    });

    it('S16 cancel catching', async (t) => {
      const { loop } = t;
      const out = t.trace({ timeDigits: 1 });
      const log = (msg: string): void => out.log(msg);
      function* catcher(): Coroutine<number | undefined> {
        try {
          yield* sleep(10);
        } catch (e) {
          if (!(e instanceof CancelledError)) throw e;
          log('catcher: swallowed CancelledError, returning 42');
          return 42;
        }
        return undefined;
      }
      function* ignorer(fut2: Future<string>): Coroutine<string> {
        try {
          yield* sleep(10);
        } catch (e) {
          if (!(e instanceof CancelledError)) throw e;
          log('ignorer: swallowed, now awaiting fut2');
        }
        const r = yield* fut2;
        log(`ignorer: fut2 -> ${r}`);
        return r;
      }
      function* selfCancel(): Coroutine<void> {
        currentTask()!.cancel();
        log('self_cancel: requested own cancellation, awaiting sleep(100)');
        try {
          yield* sleep(100);
        } catch (e) {
          if (e instanceof CancelledError) log('self_cancel: CancelledError (next iteration, no time passed)');
          throw e;
        }
      }
      function* cancelAtEnd(): Coroutine<number> {
        currentTask()!.cancel();
        log('cancel_at_end: cancel() then return 12 without awaiting');
        return 12;
      }
      function* uncanceller(): Coroutine<string> {
        try {
          yield* sleep(10);
        } catch (e) {
          if (!(e instanceof CancelledError)) throw e;
          const me = currentTask()!;
          const c = me.cancelling();
          const u1 = me.uncancel();
          const u2 = me.uncancel();
          log(`uncanceller: cancelling()=${c} uncancel()->${u1} uncancel() again->${u2}`);
        }
        yield* sleep(1);
        return 'survived';
      }
      function* main(): Coroutine<void> {
        let tk: Task<unknown> = loop.createTask(catcher());
        yield* sleep(0);
        tk.cancel();
        let r: unknown = yield* tk;
        log(`main: catcher result=${String(r)} cancelled=${py(tk.cancelled())} cancelling()=${tk.cancelling()}`);

        const f2 = loop.createFuture<string>();
        tk = loop.createTask(ignorer(f2));
        yield* sleep(0);
        tk.cancel();
        yield* sleep(0);
        yield* sleep(0);
        f2.setResult('F2');
        r = yield* tk;
        log(`main: ignorer result=${String(r)} cancelled=${py(tk.cancelled())} f2.cancelled=${py(f2.cancelled())}`);

        tk = loop.createTask(selfCancel());
        try {
          yield* tk;
        } catch (e) {
          if (e instanceof CancelledError) log(`main: self_cancel task cancelled=${py(tk.cancelled())}`);
        }

        tk = loop.createTask(cancelAtEnd());
        try {
          yield* tk;
        } catch (e) {
          if (e instanceof CancelledError) log(`main: cancel_at_end cancelled=${py(tk.cancelled())}`);
        }

        const tu = loop.createTask(uncanceller());
        yield* sleep(0);
        tu.cancel();
        r = yield* tu;
        log(`main: uncanceller -> ${String(r)} cancelled=${py(tu.cancelled())} cancelling()=${tu.cancelling()}`);
      }
      await loop.runUntilComplete(main());
      t.close();
      expect(out.lines).toEqual([
        'it3 t=0.0 catcher: swallowed CancelledError, returning 42',
        'it4 t=0.0 main: catcher result=42 cancelled=False cancelling()=1',
        'it6 t=0.0 ignorer: swallowed, now awaiting fut2',
        'it8 t=0.0 ignorer: fut2 -> F2',
        'it9 t=0.0 main: ignorer result=F2 cancelled=False f2.cancelled=False',
        'it10 t=0.0 self_cancel: requested own cancellation, awaiting sleep(100)',
        'it11 t=0.0 self_cancel: CancelledError (next iteration, no time passed)',
        'it12 t=0.0 main: self_cancel task cancelled=True',
        'it13 t=0.0 cancel_at_end: cancel() then return 12 without awaiting',
        'it14 t=0.0 main: cancel_at_end cancelled=True',
        'it16 t=0.0 uncanceller: cancelling()=1 uncancel()->0 uncancel() again->0',
        'it19 t=1.0 main: uncanceller -> survived cancelled=False cancelling()=0',
      ]);
    });

    it('S17 cancel propagation', async (t) => {
      const { loop } = t;
      const out = t.trace();
      const log = (msg: string): void => out.log(msg);
      function* innerSwallow(): Coroutine<string | undefined> {
        try {
          yield* sleep(10);
        } catch (e) {
          if (!(e instanceof CancelledError)) throw e;
          log('inner: swallowed cancellation, returning "inner-value"');
          return 'inner-value';
        }
        return undefined;
      }
      function* outerAwaitsTask(): Coroutine<string> {
        const tk = loop.createTask(innerSwallow());
        const r = yield* tk;
        log(`outer: await inner task returned ${py(r)} (outer keeps running)`);
        return 'outer-finished';
      }
      function* deep(level: number, waiter: Future<void>): Coroutine<void> {
        try {
          if (level === 0) yield* waiter;
          else yield* deep(level - 1, waiter);
        } catch (e) {
          if (e instanceof CancelledError) log(`deep level ${level}: CancelledError passing through`);
          throw e;
        }
      }
      function* awaitsFuture(f: Future<void>): Coroutine<void> {
        try {
          yield* f;
        } catch (e) {
          if (e instanceof CancelledError) log(`awaits_future: CancelledError args=${cancelArgs(e)} (future cancelled directly)`);
          throw e;
        }
      }
      function* main(): Coroutine<void> {
        const o = loop.createTask(outerAwaitsTask());
        yield* sleep(0);
        yield* sleep(0);
        log(`main: cancel outer -> ${py(o.cancel())}`);
        const r = yield* o;
        log(`main: outer result=${py(r)} cancelled=${py(o.cancelled())}`);

        const w = loop.createFuture<void>();
        const d = loop.createTask(deep(2, w));
        yield* sleep(0);
        d.cancel();
        try {
          yield* d;
        } catch (e) {
          if (e instanceof CancelledError) log(`main: deep task cancelled=${py(d.cancelled())}, waiter cancelled=${py(w.cancelled())}`);
        }

        const f = loop.createFuture<void>();
        const a = loop.createTask(awaitsFuture(f));
        yield* sleep(0);
        f.cancel('fut-msg');
        try {
          yield* a;
        } catch (e) {
          if (e instanceof CancelledError) {
            log(`main: task cancelled=${py(a.cancelled())} after its future was cancelled; args=${cancelArgs(e)}`);
          }
        }
      }
      await loop.runUntilComplete(main());
      t.close();
      expect(out.lines).toEqual([
        'it3 main: cancel outer -> True',
        'it4 inner: swallowed cancellation, returning "inner-value"',
        "it5 outer: await inner task returned 'inner-value' (outer keeps running)",
        "it6 main: outer result='outer-finished' cancelled=False",
        'it8 deep level 0: CancelledError passing through',
        'it8 deep level 1: CancelledError passing through',
        'it8 deep level 2: CancelledError passing through',
        'it9 main: deep task cancelled=True, waiter cancelled=True',
        "it11 awaits_future: CancelledError args=('fut-msg',) (future cancelled directly)",
        "it12 main: task cancelled=True after its future was cancelled; args=('fut-msg',)",
      ]);
    });

    // gather and the helpers of S19 are Futures in both CPython and here, but
    // CPython's wait/wait_for are coroutines run inline: S19's trace has no
    // iteration numbers, so only `t=` is compared.
    it('S18 gather (coroutines, yield*)', async (t) => {
      const { loop } = t;
      const out = t.trace({ timeDigits: 2 });
      const log = (msg: string): void => out.log(msg);
      function* work(name: string, delay: number, fail = false): Coroutine<string> {
        yield* sleep(delay);
        log(`${name} finishes`);
        if (fail) throw new ValueError(name);
        return name;
      }
      function* main(): Coroutine<void> {
        let r: unknown[] = yield* gather(work('slow', 0.3), work('fast', 0.1), work('mid', 0.2));
        log(`gather results (argument order): ${py(r)}`);

        const children = [loop.createTask(work('ok1', 0.1)), loop.createTask(work('bad', 0.2, true)), loop.createTask(work('ok2', 0.4))];
        try {
          yield* gather(...children);
        } catch (e) {
          log(`first exception propagated immediately: ValueError(${(e as Error).message}); ok2 still running: ${py(!children[2].done())}`);
        }
        yield* children[2];
        log(`ok2 completed later: ${children[2].result()}`);

        let kids = [loop.createTask(work('k1', 0.1)), loop.createTask(work('k2', 0.15, true)), loop.createTask(work('k3', 5))];
        let g: Future<unknown[]> = gather(...kids, { returnExceptions: true });
        loop.callLater(0.2, () => kids[2].cancel());
        r = yield* g;
        log(`return_exceptions=True -> ${py(r.map((x) => (x instanceof Error ? x.name : x)))}`);

        kids = [loop.createTask(work('c1', 0.1)), loop.createTask(work('c2', 5))];
        g = gather(...kids);
        loop.callLater(0.2, () => kids[1].cancel());
        try {
          yield* g;
        } catch (e) {
          if (!(e instanceof CancelledError)) throw e;
          log(
            `child cancelled -> gather raised CancelledError; g.cancelled()=${py(g.cancelled())} ` +
              `g.exception() is CancelledError: ${py(g.exception() instanceof CancelledError)}`,
          );
        }

        kids = [loop.createTask(work('d1', 5)), loop.createTask(work('d2', 5))];
        g = gather(...kids);
        yield* sleep(0);
        log(`g.cancel() -> ${py(g.cancel())}`);
        try {
          yield* g;
        } catch (e) {
          if (!(e instanceof CancelledError)) throw e;
          log(
            `gather cancelled: children cancelled=${py(kids.map((k) => k.cancelled()))} ` +
              `g.cancelled()=${py(g.cancelled())} g.cancel() again -> ${py(g.cancel())}`,
          );
        }

        const coro = work('dup', 0.1);
        r = yield* gather(coro, coro, work('other', 0.15));
        log(`duplicate coroutine run once, result repeated: ${py(r)}`);

        const e = gather();
        log(`empty gather: done=${py(e.done())} result=${py(e.result())}`);
      }
      await loop.runUntilComplete(main());
      t.close();
      expect(out.lines).toEqual(S18_LINES);
    });

    it('S18 gather (async functions, await)', async (t) => {
      const { loop } = t;
      const out = t.trace({ timeDigits: 2 });
      const log = (msg: string): void => out.log(msg);
      async function work(name: string, delay: number, fail = false): Promise<string> {
        await sleep(delay);
        log(`${name} finishes`);
        if (fail) throw new ValueError(name);
        return name;
      }
      async function main(): Promise<void> {
        let r: unknown[] = await gather(() => work('slow', 0.3), () => work('fast', 0.1), () => work('mid', 0.2));
        log(`gather results (argument order): ${py(r)}`);

        const children = [loop.createTask(() => work('ok1', 0.1)), loop.createTask(() => work('bad', 0.2, true)), loop.createTask(() => work('ok2', 0.4))];
        try {
          await gather(...children);
        } catch (e) {
          log(`first exception propagated immediately: ValueError(${(e as Error).message}); ok2 still running: ${py(!children[2].done())}`);
        }
        await children[2];
        log(`ok2 completed later: ${children[2].result()}`);

        let kids = [loop.createTask(() => work('k1', 0.1)), loop.createTask(() => work('k2', 0.15, true)), loop.createTask(() => work('k3', 5))];
        let g: Future<unknown[]> = gather(...kids, { returnExceptions: true });
        loop.callLater(0.2, () => kids[2].cancel());
        r = await g;
        log(`return_exceptions=True -> ${py(r.map((x) => (x instanceof Error ? x.name : x)))}`);

        kids = [loop.createTask(() => work('c1', 0.1)), loop.createTask(() => work('c2', 5))];
        g = gather(...kids);
        loop.callLater(0.2, () => kids[1].cancel());
        try {
          await g;
        } catch (e) {
          if (!(e instanceof CancelledError)) throw e;
          log(
            `child cancelled -> gather raised CancelledError; g.cancelled()=${py(g.cancelled())} ` +
              `g.exception() is CancelledError: ${py(g.exception() instanceof CancelledError)}`,
          );
        }

        kids = [loop.createTask(() => work('d1', 5)), loop.createTask(() => work('d2', 5))];
        g = gather(...kids);
        await sleep(0);
        log(`g.cancel() -> ${py(g.cancel())}`);
        try {
          await g;
        } catch (e) {
          if (!(e instanceof CancelledError)) throw e;
          log(
            `gather cancelled: children cancelled=${py(kids.map((k) => k.cancelled()))} ` +
              `g.cancelled()=${py(g.cancelled())} g.cancel() again -> ${py(g.cancel())}`,
          );
        }

        const once = loop.createTask(() => work('dup', 0.1));
        r = await gather(once, once, () => work('other', 0.15));
        log(`duplicate coroutine run once, result repeated: ${py(r)}`);

        const e = gather();
        log(`empty gather: done=${py(e.done())} result=${py(e.result())}`);
      }
      await loop.runUntilComplete(main);
      t.close();
      expect(out.lines).toEqual(S18_LINES);
    });

    // Adaptations: `wait([coroutine])` is dropped (API.md's helpers accept
    // coroutines as createTask does; 3.11 raises TypeError there); the
    // ValueError of `wait([])` is a RangeError, thrown synchronously, and
    // its message is not compared.
    it('S19 timeouts wait shield', async (t) => {
      const { loop } = t;
      const out = t.trace();
      const log = (msg: string): void => out.print(`t=${loop.time().toFixed(2)} ${msg}`);
      function* sleeper(name: string, d: number, fail = false): Coroutine<string> {
        try {
          yield* sleep(d);
        } catch (e) {
          if (e instanceof CancelledError) log(`${name}: cancelled`);
          throw e;
        }
        if (fail) throw new ValueError(name);
        return name;
      }
      function* main(): Coroutine<void> {
        try {
          yield* waitFor(sleeper('wf', 10), 1.5);
        } catch (e) {
          if (!(e instanceof TimeoutError)) throw e;
          log(`wait_for -> ${e.name} (is builtin TimeoutError: ${py(e instanceof TimeoutError)})`);
        }
        log(`wait_for(timeout=None) -> ${yield* waitFor(sleeper('none', 0.5), null)}`);
        log(`wait_for finished before timeout -> ${yield* waitFor(sleeper('quick', 0.25), 5)}`);
        try {
          yield* waitFor(sleeper('zero', 1), 0);
        } catch (e) {
          if (!(e instanceof TimeoutError)) throw e;
          log('wait_for(timeout=0) on pending awaitable -> TimeoutError');
        }

        const a = loop.createTask(sleeper('a', 1));
        const b = loop.createTask(sleeper('b', 0.5));
        const c = loop.createTask(sleeper('c', 0.75, true));
        let [done, pending] = yield* wait(new Set([a, b, c]), { returnWhen: FIRST_COMPLETED });
        log(`FIRST_COMPLETED done=${py([...done].map((f) => f.result()).sort())} pending=${pending.size}`);
        [done, pending] = yield* wait(new Set([a, c]), { returnWhen: FIRST_EXCEPTION });
        log(`FIRST_EXCEPTION done has c: ${py(done.has(c))}, pending has a: ${py(pending.has(a))}`);
        [done, pending] = yield* wait(new Set([a]), { timeout: 0.1 });
        log(`wait(timeout=0.1) returned without raising: done=${done.size} pending=${pending.size}`);
        [done, pending] = yield* wait(new Set([a]));
        log(`ALL_COMPLETED: a.result()=${a.result()}`);
        c.exception();
        try {
          yield* wait([]);
        } catch (e) {
          if (!(e instanceof RangeError)) throw e;
          log('wait([]) -> ValueError: Set of Tasks/Futures is empty.');
        }

        const inner = loop.createTask(sleeper('shielded', 1));
        function* outer(): Coroutine<string> {
          return yield* shield(inner);
        }
        const o = loop.createTask(outer());
        yield* sleep(0.25);
        o.cancel();
        try {
          yield* o;
        } catch (e) {
          if (!(e instanceof CancelledError)) throw e;
          log(`outer cancelled; inner still running: ${py(!inner.done())}`);
        }
        log(`inner result later: ${yield* inner}`);

        const order: string[] = [];
        for (const f of asCompleted([sleeper('p', 0.3), sleeper('q', 0.1), sleeper('r', 0.2)])) {
          order.push(yield* f);
        }
        log(`as_completed order: ${py(order)}`);
      }
      await loop.runUntilComplete(main());
      t.close();
      expect(out.lines).toEqual([
        't=1.50 wf: cancelled',
        't=1.50 wait_for -> TimeoutError (is builtin TimeoutError: True)',
        't=2.00 wait_for(timeout=None) -> none',
        't=2.25 wait_for finished before timeout -> quick',
        't=2.25 wait_for(timeout=0) on pending awaitable -> TimeoutError',
        "t=2.75 FIRST_COMPLETED done=['b'] pending=2",
        't=3.00 FIRST_EXCEPTION done has c: True, pending has a: True',
        't=3.10 wait(timeout=0.1) returned without raising: done=0 pending=1',
        't=3.25 ALL_COMPLETED: a.result()=a',
        't=3.25 wait([]) -> ValueError: Set of Tasks/Futures is empty.',
        't=3.50 outer cancelled; inner still running: True',
        't=4.25 inner result later: shielded',
        "t=4.55 as_completed order: ['q', 'r', 'p']",
      ]);
    });

    // The factory contract is API.md's: factory(loop, coro, { name, context })
    // always with the options object. ensure_future/gather are the next
    // issue; main creates one task instead.
    it('S20 task factory', async (t) => {
      const { loop } = t;
      const out = t.trace();
      class MyTask<T> extends Task<T> {}
      const calls: Array<{ sameLoop: boolean; options: CreateTaskOptions }> = [];
      const factory = (lp: unknown, coro: CoroutineLike<unknown>, opts: CreateTaskOptions): Future<unknown> => {
        calls.push({ sameLoop: lp === loop, options: opts });
        return new MyTask(coro, { loop: lp as BaseEventLoop, name: opts.name, context: opts.context as Context | undefined });
      };
      function* job(x: number): Coroutine<number> {
        return x * 2;
      }
      try {
        loop.setTaskFactory(1 as never);
      } catch (e) {
        out.print(`set_task_factory(1): ${(e as Error).name}`);
      }
      out.print(`default factory: ${py(loop.getTaskFactory())}`);
      loop.setTaskFactory(factory);
      out.print(`get_task_factory() is factory: ${py(loop.getTaskFactory() === factory)}`);
      const t1 = loop.createTask(job(1), { name: 'named' });
      const c = calls[calls.length - 1];
      out.print(
        `create_task -> ${t1.constructor.name} ${t1.getName()} | factory call: loop=${py(c.sameLoop)} name=${py(c.options.name)} context=${py(c.options.context)}`,
      );
      const ctx: Context = copyContext();
      const t2 = loop.createTask(job(2), { context: ctx });
      const c2 = calls[calls.length - 1];
      out.print(`with context -> factory options: name=${py(c2.options.name)} context is ctx=${py(c2.options.context === ctx)}`);
      function* main(): Coroutine<unknown[]> {
        const a = loop.createTask(job(3), { name: 'via-create_task' });
        const fut = loop.createFuture<null>();
        fut.setResult(null);
        const g = yield* a;
        return [a.constructor.name, a.getName(), g];
      }
      const nBefore = calls.length;
      out.print(`main -> ${py(await loop.runUntilComplete(main()))}`);
      out.print(`factory calls during main (main itself + create_task): ${calls.length - nBefore}`);
      out.print(`results: ${await loop.runUntilComplete(t1)} ${await loop.runUntilComplete(t2)}`);
      loop.setTaskFactory(null);
      out.print(`reset -> ${py(loop.getTaskFactory())}`);
      const t3 = loop.createTask(job(6));
      out.print(
        `default Task class: ${t3.constructor.name} | auto name matches Task-<n>: ${py(/^Task-\d+$/.test(t3.getName()))}`,
      );
      const t4 = loop.createTask(job(7));
      out.print(`auto-name counter increases: ${py(Number(t4.getName().slice(5)) === Number(t3.getName().slice(5)) + 1)}`);
      t4.setName(123 as never);
      out.print(`set_name(123) stores str: ${py(t4.getName())}`);
      await loop.runUntilComplete(t3);
      await loop.runUntilComplete(t4);
      t.close();
      expect(out.lines).toEqual([
        'set_task_factory(1): TypeError',
        'default factory: None',
        'get_task_factory() is factory: True',
        "create_task -> MyTask named | factory call: loop=True name='named' context=None",
        'with context -> factory options: name=None context is ctx=True',
        "main -> ['MyTask', 'via-create_task', 6]",
        'factory calls during main (main itself + create_task): 2',
        'results: 2 4',
        'reset -> None',
        'default Task class: Task | auto name matches Task-<n>: True',
        'auto-name counter increases: True',
        "set_name(123) stores str: '123'",
      ]);
    });

    // I/O, signals, executors and the coroutine-closing lines are dropped;
    // the call_later(None) line keeps the class only; the repr line checks
    // the shape.
    it('S21 closed loop', async (t) => {
      const { loop } = t;
      const out = t.trace();
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          try {
            loop.close();
          } catch (e) {
            out.print(`close() while running: ${(e as Error).name} ${(e as Error).message}`);
          }
        })(),
      );
      const ran: string[] = [];
      loop.callSoon((s: string) => ran.push(s), 'soon');
      loop.callLater(0, (s: string) => ran.push(s), 'later');
      loop.close();
      loop.close();
      out.print(`callbacks queued before close ran: ${py(ran)} | is_closed: ${py(loop.isClosed())}`);
      out.print(`repr shape: ${py(/^<\w+ running=false closed=true debug=(true|false)>$/i.test(String(loop)))}`);
      // Returns nothing: an async function returning a Future would adopt it.
      const attempt = async (label: string, fn: () => unknown): Promise<void> => {
        try {
          let res = fn();
          // a Future is thenable: only the promises of the running methods are awaited
          if (res instanceof Promise) res = await res;
          out.print(`${label}: OK -> ${(res as object).constructor.name}`);
        } catch (e) {
          const err = e as Error;
          out.print(err instanceof TypeError ? `${label}: TypeError` : `${label}: ${err.name}: ${err.message}`);
        }
      };
      const noop = (): void => undefined;
      function* coro(): Coroutine<void> {}
      await attempt('call_soon', () => loop.callSoon(noop));
      await attempt('call_soon_threadsafe', () => loop.callSoonThreadsafe(noop));
      await attempt('call_later(1.0)', () => loop.callLater(1.0, noop));
      await attempt('call_later(None)', () => loop.callLater(null as never, noop));
      await attempt('call_at', () => loop.callAt(0, noop));
      await attempt('loop.create_task', () => loop.createTask(coro()));
      await attempt('run_forever', () => loop.runForever());
      const f = loop.createFuture();
      await attempt('create_future', () => f);
      await attempt('run_until_complete', () => loop.runUntilComplete(f));
      expect(out.lines).toEqual([
        'close() while running: RuntimeError Cannot close a running event loop',
        'callbacks queued before close ran: [] | is_closed: True',
        'repr shape: True',
        'call_soon: RuntimeError: Event loop is closed',
        'call_soon_threadsafe: RuntimeError: Event loop is closed',
        'call_later(1.0): RuntimeError: Event loop is closed',
        'call_later(None): TypeError',
        'call_at: RuntimeError: Event loop is closed',
        'loop.create_task: RuntimeError: Event loop is closed',
        'run_forever: RuntimeError: Event loop is closed',
        'create_future: OK -> Future',
        'run_until_complete: RuntimeError: Event loop is closed',
      ]);
    });

    // The callable check runs in both modes (API.md, a deliberate
    // difference: CPython accepts call_soon(1) without debug); sockets,
    // executors and threads are dropped.
    it('S22 debug mode', (t) => {
      const out = t.trace();
      const saved = process.env.LOOP_DEBUG;
      try {
        delete process.env.LOOP_DEBUG;
        const l0 = t.newLoop({ debug: undefined });
        out.print(`default debug: ${py(l0.getDebug())}`);
        t.close(l0);
        process.env.LOOP_DEBUG = '1';
        const l1 = t.newLoop({ debug: undefined });
        out.print(`with LOOP_DEBUG=1: ${py(l1.getDebug())}`);
        t.close(l1);
      } finally {
        if (saved === undefined) delete process.env.LOOP_DEBUG;
        else process.env.LOOP_DEBUG = saved;
      }
      const { loop } = t;
      const attempt = (label: string, fn: () => unknown): void => {
        try {
          fn();
          out.print(`  ${label}: accepted`);
        } catch (e) {
          out.print(`  ${label}: ${(e as Error).name}`);
        }
      };
      function* coroFn(): Coroutine<void> {}
      loop.setDebug(false);
      out.print('non-debug:');
      attempt('call_soon(1)', () => loop.callSoon(1 as never));
      loop.setDebug(true);
      out.print(`debug (get_debug() = ${py(loop.getDebug())} ):`);
      attempt('call_soon(1)', () => loop.callSoon(1 as never));
      attempt('call_later(1, 1)', () => loop.callLater(1, 1 as never));
      attempt('call_at(1, 1)', () => loop.callAt(1, 1 as never));
      attempt('call_soon_threadsafe(1)', () => loop.callSoonThreadsafe(1 as never));
      attempt('call_soon(coroutine function)', () => loop.callSoon(coroFn));
      attempt('call_soon(coroutine object)', () => loop.callSoon(coroFn() as never));
      t.close();
      expect(out.lines).toEqual([
        'default debug: False',
        'with LOOP_DEBUG=1: True',
        'non-debug:',
        '  call_soon(1): TypeError',
        'debug (get_debug() = True ):',
        '  call_soon(1): TypeError',
        '  call_later(1, 1): TypeError',
        '  call_at(1, 1): TypeError',
        '  call_soon_threadsafe(1): TypeError',
        '  call_soon(coroutine function): TypeError',
        '  call_soon(coroutine object): TypeError',
      ]);
    });
  });
}
