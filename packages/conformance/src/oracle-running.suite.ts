/**
 * The oracle scenarios of running a loop and of its errors as exact trace
 * comparisons: `runUntilComplete`, run errors, callback exceptions, the
 * exception-handler API, a closed loop and debug mode (S08–S11, S21, S22).
 *
 * Each test builds the trace lines that the scenario's CPython script
 * prints and compares them with the lines CPython 3.11 printed, under a
 * VirtualClock so that `t=` values are exact. The labels keep the scripts'
 * wording (Python names included) so that a line can be found in the
 * script's output by copy and paste. Python-only lines (reprs with file and
 * line details, garbage-collection reports, threads, sockets) are dropped;
 * each test notes its other adaptations.
 *
 * Error messages are compared only where the mapping pins them (`Event loop
 * is closed`, `This event loop is already running`, `no running event
 * loop`, `Cannot run the event loop while another loop is running`: the
 * errors table of docs/asyncio-mapping.md); elsewhere a line keeps the error
 * class only. KeyboardInterrupt (S10) has no JavaScript counterpart (D6).
 */
import { expect } from 'expect';
import { describe } from './runner.js';
import { currentTask, ensureFuture, getRunningLoop, sleep } from '@loop/core';
import type { Coroutine, ExceptionContext } from '@loop/interfaces';
import { defineLoopTest, rejection, type LoopFactory, type SuiteOptions } from './harness.js';
import { KeyError, ZeroDivisionError, py } from './twins.js';

/** Defines the oracle scenarios of running, errors and debug mode (S08–S11, S21, S22). */
export function oracleRunningSuite(newLoop: LoopFactory, options: SuiteOptions): void {
  const it = defineLoopTest(newLoop, options);

  describe('oracle scenarios', () => {
    // ValueError is RangeError (D5).
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
      const result = await loop.runUntilComplete(task);
      out.print(`task result: ${result} | same object returned by ensure_future: ${py(ensureFuture(task) === task)}`);
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
        'task result: 42 | same object returned by ensure_future: True',
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

    // The callable check runs in both modes (D3, a deliberate
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
