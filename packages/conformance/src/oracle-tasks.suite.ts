/**
 * The oracle scenarios of futures, tasks and cancellation as exact trace
 * comparisons: future semantics, task stepping, wake-up latency,
 * cancellation (basics, catching, propagation) and the task factory
 * (S12–S17, S20).
 *
 * Each test builds the trace lines that the scenario's CPython script
 * prints and compares them with the lines CPython 3.11 printed, under a
 * VirtualClock so that `t=` values are exact. The labels keep the scripts'
 * wording (Python names included) so that a line can be found in the
 * script's output by copy and paste. Python-only lines (reprs with file and
 * line details, garbage-collection reports, threads, sockets) are dropped;
 * each test notes its other adaptations.
 *
 * The cancellation message is kept on every retrieval (D7), which replaces
 * CPython's second-retrieval quirk in S15.
 */
import { expect } from 'expect';
import { describe } from './runner.js';
import {
  CancelledError,
  Future,
  Task,
  copyContext,
  currentTask,
  ensureFuture,
  gather,
  sleep,
  type BaseEventLoop,
  type Context,
} from '@loop/core';
import type { Coroutine, CoroutineLike, CreateTaskOptions } from '@loop/interfaces';
import { defineLoopTest, type LoopFactory, type SuiteOptions } from './harness.js';
import { py, pyTuple, cancelArgs } from './twins.js';

/** Defines the oracle scenarios of futures, tasks and cancellation (S12–S17, S20). */
export function oracleTasksSuite(newLoop: LoopFactory, options: SuiteOptions): void {
  const it = defineLoopTest(newLoop, options);

  describe('oracle scenarios', () => {
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
        const res = yield* gather(ta, tb);
        log(`main: gather -> ${py(res)}`);
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
        "it7 main: gather -> ['A', 'B']",
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

    // D7, docs/asyncio-mapping.md "Cancellation message": the later t.result() carries
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

    // The factory contract of docs/asyncio-mapping.md ("Task factory"):
    // factory(loop, coro, { name, context }), always with the options object,
    // so a line prints the options instead of Python's sorted kwargs. There
    // is no module-level create_task: main calls loop.createTask().
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
        const b = ensureFuture(job(4));
        const fut = loop.createFuture<null>();
        const same = ensureFuture(fut);
        fut.setResult(null);
        const g = yield* gather(job(5), a, b);
        return [a.constructor.name, a.getName(), b.constructor.name, same === fut, g];
      }
      const nBefore = calls.length;
      out.print(`main -> ${py(await loop.runUntilComplete(main()))}`);
      out.print(`factory calls during main (main itself + create_task + ensure_future + gather(coro)): ${calls.length - nBefore}`);
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
      await loop.runUntilComplete(gather(t3, t4));
      t.close();
      expect(out.lines).toEqual([
        'set_task_factory(1): TypeError',
        'default factory: None',
        'get_task_factory() is factory: True',
        "create_task -> MyTask named | factory call: loop=True name='named' context=None",
        'with context -> factory options: name=None context is ctx=True',
        "main -> ['MyTask', 'via-create_task', 'MyTask', True, [10, 6, 8]]",
        'factory calls during main (main itself + create_task + ensure_future + gather(coro)): 4',
        'results: 2 4',
        'reset -> None',
        'default Task class: Task | auto name matches Task-<n>: True',
        'auto-name counter increases: True',
        "set_name(123) stores str: '123'",
      ]);
    });
  });
}
