/**
 * Unix signal handlers: `addSignalHandler` / `removeSignalHandler`
 * (`@loop/signals`), asyncio's `add_signal_handler` /
 * `remove_signal_handler` as `test_events.py::EventLoopTestsMixin` and
 * `test_unix_events.py::SelectorEventLoopSignalTests` pin them (catalog.md
 * SIG-01 to SIG-10; twin: oracle/signal_handlers.py).
 *
 * HOW: real signals sent to this process (`process.kill(process.pid, sig)`)
 * — SIGUSR1, SIGUSR2, SIGHUP, SIGWINCH, SIGALRM, never SIGINT/SIGTERM here
 * (what removal restores for those is tested in child processes by
 * `@loop/signals`' own tests). A signal is only ever sent while a handler of
 * the loop under test is installed, and while the suite's guard listener is
 * there: a test that fails half-way cannot let a signal kill the jest worker.
 * The guard is a plain listener on Node's process object (`nodeProcess`:
 * jest gives the suite a copy of `process` that never hears a signal); each
 * test counts the listeners relative to it.
 *
 * The worker-thread test starts a real `Worker` that loads the built
 * packages (`dist`, which turbo builds before the tests).
 *
 * @packageDocumentation
 */
import { expect } from 'expect';
import { afterAll, beforeAll, describe } from '../runner.js';
import { constants } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ContextVar, getRunningLoop } from '@loop/core';
import { nodeProcess } from '@loop/signals';
import { defineNetTest, type NetLoop, type NetLoopFactory } from './harness.js';

const SIGNALS: NodeJS.Signals[] = ['SIGUSR1', 'SIGUSR2', 'SIGHUP', 'SIGWINCH', 'SIGALRM'];
const guard = (): void => {};

/** Sends `sig` to this process. */
function kill(sig: NodeJS.Signals): void {
  process.kill(process.pid, sig);
}

/** A future of `loop` resolved by the returned callback (with its arguments). */
function waiter(loop: NetLoop): { fut: ReturnType<NetLoop['createFuture']>; done: (...args: unknown[]) => void } {
  const fut = loop.createFuture<unknown[]>();
  return {
    fut,
    done: (...args: unknown[]) => {
      if (!fut.done()) fut.setResult(args);
    },
  };
}

/**
 * Runs `body` on a real Worker thread (plain CommonJS, loading the built
 * packages) and resolves to what it returns. The body may call `ready()`,
 * which calls `onReady(send)` here; `send(m)` posts `m` to the worker, where
 * `nextMessage()` resolves to it.
 */
function inWorker(body: string, onReady?: (send: (m: unknown) => void) => void): Promise<unknown> {
  const source = `
    const { parentPort } = require('node:worker_threads');
    const { compose } = require('@loop/interfaces');
    const { BaseEventLoop } = require('@loop/core');
    const { signals } = require('@loop/signals');
    const ready = () => parentPort.postMessage({ ready: true });
    const nextMessage = () => new Promise((resolve) => parentPort.once('message', resolve));
    (async () => { ${body} })().then((v) => parentPort.postMessage({ ok: v }), (e) => parentPort.postMessage({ err: String((e && e.stack) || e) }));
  `;
  return new Promise((resolve, reject) => {
    const worker = new Worker(source, { eval: true });
    worker.on('message', (m: { ok?: unknown; err?: string; ready?: true }) => {
      if (m.ready === true) {
        onReady?.((x) => worker.postMessage(x));
        return;
      }
      void worker.terminate();
      if (m.err !== undefined) reject(new Error(m.err));
      else resolve(m.ok);
    });
    worker.once('error', reject);
  });
}

/** The signals suite, run on a loop with `@loop/signals` composed in. */
export function signalsSuite(newLoop: NetLoopFactory): void {
  const netTest = defineNetTest(newLoop);
  const base = new Map<string, number>();

  beforeAll(() => {
    for (const sig of SIGNALS) nodeProcess.on(sig, guard);
  });
  afterAll(() => {
    for (const sig of SIGNALS) nodeProcess.removeListener(sig, guard);
  });

  /** The listeners of `sig` beyond those present when `snapshot()` ran. */
  const extra = (sig: NodeJS.Signals): number => nodeProcess.listenerCount(sig) - (base.get(sig) ?? 0);
  const snapshot = (): void => {
    for (const sig of SIGNALS) base.set(sig, nodeProcess.listenerCount(sig));
  };

  describe('signals', () => {
    netTest('SIG-01 test_events::test_add_signal_handler: the handler runs once per signal, from the loop, with its args (test_signal_handling_args)', async (t) => {
      const loop = t.loop;
      snapshot();
      const calls: unknown[][] = [];
      const w = waiter(loop);
      loop.addSignalHandler('SIGUSR2', (...args: unknown[]) => {
        calls.push(args);
        expect(getRunningLoop()).toBe(loop);
        w.done(...args);
      }, 42, 'x');
      expect(extra('SIGUSR2')).toBe(1);
      const got = await t.run(async () => {
        kill('SIGUSR2');
        return await w.fut;
      });
      expect(got).toEqual([42, 'x']);
      expect(calls).toEqual([[42, 'x']]);
      expect(loop.removeSignalHandler('SIGUSR2')).toBe(true);
      expect(loop.removeSignalHandler('SIGUSR2')).toBe(false);
      expect(extra('SIGUSR2')).toBe(0);
      loop.close();
    });

    netTest('SIG-01 test_events::test_signal_handling_while_selecting: a signal wakes a loop idle in its I/O wait (SIGALRM, signal number)', async (t) => {
      const loop = t.loop;
      let caught = 0;
      loop.addSignalHandler(constants.signals.SIGALRM, () => {
        caught += 1;
        loop.stop();
      });
      const safety = loop.callLater(60, () => loop.stop());
      setTimeout(() => kill('SIGALRM'), 20);
      await loop.runForever();
      safety.cancel();
      expect(caught).toBe(1);
      expect(loop.removeSignalHandler(constants.signals.SIGALRM)).toBe(true);
      loop.close();
    });

    netTest('SIG-08 _handle_signal: the handler is a loop callback of a later iteration, never run inside kill() nor before a callSoon made after it', async (t) => {
      const loop = t.loop;
      const order: string[] = [];
      const w = waiter(loop);
      loop.addSignalHandler('SIGHUP', () => {
        order.push('handler');
        w.done();
      });
      await t.run(async () => {
        loop.callSoon(() => {
          order.push('A');
          kill('SIGHUP');
          order.push('A after kill');
          loop.callSoon(() => order.push('B'));
        });
        await w.fut;
      });
      expect(order).toEqual(['A', 'A after kill', 'B', 'handler']);
      loop.removeSignalHandler('SIGHUP');
      loop.close();
    });

    netTest('SIG-08 a signal that arrives while the loop is not running is handled when it runs again', async (t) => {
      const loop = t.loop;
      let caught = 0;
      loop.addSignalHandler('SIGUSR1', () => {
        caught += 1;
      });
      // Node delivers the signal on its own event loop, to the loop's listener, then to this one (added after it).
      const delivered = new Promise((resolve) => nodeProcess.once('SIGUSR1', resolve));
      kill('SIGUSR1');
      await delivered;
      expect(caught).toBe(0);
      await t.run(async () => {
        await new Promise<void>((resolve) => loop.callSoon(resolve));
      });
      expect(caught).toBe(1);
      loop.removeSignalHandler('SIGUSR1');
      loop.close();
    });

    netTest('SIG-05 test_unix_events::test_add_signal_handler: a second handler replaces the first; one listener per signal per loop', async (t) => {
      const loop = t.loop;
      snapshot();
      const seen: string[] = [];
      const w = waiter(loop);
      loop.addSignalHandler('SIGWINCH', () => seen.push('first'));
      loop.addSignalHandler(constants.signals.SIGWINCH, () => {
        seen.push('second');
        w.done();
      });
      expect(extra('SIGWINCH')).toBe(1);
      await t.run(async () => {
        kill('SIGWINCH');
        await w.fut;
        // One more turn: the first handler would have been queued with the second.
        await new Promise<void>((resolve) => loop.callSoon(resolve));
      });
      expect(seen).toEqual(['second']);
      expect(loop.removeSignalHandler('SIGWINCH')).toBe(true);
      expect(extra('SIGWINCH')).toBe(0);
      loop.close();
    });

    netTest('SIG-09 the handler runs in a copy of the context current at addSignalHandler, the same copy each time', async (t) => {
      const loop = t.loop;
      const v = new ContextVar<string>('v', { default: 'default' });
      const token = v.set('at add');
      const seen: string[] = [];
      let w = waiter(loop);
      loop.addSignalHandler('SIGUSR2', () => {
        seen.push(v.get());
        v.set('set by handler');
        w.done();
      });
      v.reset(token);
      await t.run(async () => {
        kill('SIGUSR2');
        await w.fut;
        w = waiter(loop);
        kill('SIGUSR2');
        await w.fut;
      });
      expect(seen).toEqual(['at add', 'set by handler']);
      expect(v.get()).toBe('default');
      loop.removeSignalHandler('SIGUSR2');
      loop.close();
    });

    netTest('SIG-08 an exception in the handler goes to the exception handler as any callback\'s; the loop goes on', async (t) => {
      const loop = t.loop;
      const exceptions = t.expectExceptionHandlerCalls();
      const boom = new Error('boom');
      const w = waiter(loop);
      loop.addSignalHandler('SIGUSR1', () => {
        throw boom;
      });
      await t.run(async () => {
        kill('SIGUSR1');
        while (exceptions.length === 0) await new Promise<void>((resolve) => loop.callLater(0.005, resolve));
        loop.callSoon(w.done);
        await w.fut;
      });
      expect(exceptions).toHaveLength(1);
      expect(exceptions[0].exception).toBe(boom);
      expect(String(exceptions[0].message)).toMatch(/^Exception in callback /);
      expect(exceptions[0].handle).toBeDefined();
      loop.removeSignalHandler('SIGUSR1');
      loop.close();
    });

    netTest('SIG-02 test_add_signal_handler / test_check_signal / test_add_signal_handler_coroutine_error: bad input is refused with coded errors, in asyncio\'s order, and changes nothing', async (t) => {
      const loop = t.loop;
      snapshot();
      const h = (): void => {};
      const err = (f: () => unknown): { name: string; code: unknown; message: string } => {
        try {
          f();
        } catch (e) {
          const x = e as Error & { code?: unknown };
          return { name: x.name, code: x.code, message: x.message };
        }
        throw new Error('did not throw');
      };
      const add = loop.addSignalHandler.bind(loop) as (...a: unknown[]) => void;
      const remove = loop.removeSignalHandler.bind(loop) as (...a: unknown[]) => boolean;
      for (const bad of [0, -1, 65, 1000]) {
        expect(err(() => add(bad, h))).toEqual({ name: 'RangeError', code: 'ERR_LOOP_OUT_OF_RANGE', message: `addSignalHandler(): invalid signal number ${bad}` });
        expect(err(() => remove(bad))).toEqual({ name: 'RangeError', code: 'ERR_LOOP_OUT_OF_RANGE', message: `removeSignalHandler(): invalid signal number ${bad}` });
      }
      expect(err(() => add('boom', h))).toMatchObject({ name: 'RangeError', code: 'ERR_LOOP_OUT_OF_RANGE', message: 'addSignalHandler(): invalid signal name "boom"' });
      expect(err(() => remove('sigusr1'))).toMatchObject({ name: 'RangeError', code: 'ERR_LOOP_OUT_OF_RANGE' });
      for (const bad of [1.5, null, {}, Symbol('s')]) {
        expect(err(() => add(bad, h))).toMatchObject({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG' });
        expect(err(() => remove(bad))).toMatchObject({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG' });
      }
      const coroutine = { message: 'coroutines cannot be used with addSignalHandler()', name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG' };
      expect(err(() => add('SIGUSR1', async () => {}))).toEqual(coroutine);
      expect(err(() => add('SIGUSR1', function* () {}))).toEqual(coroutine);
      expect(err(() => add('SIGUSR1', (function* () {})()))).toEqual(coroutine);
      // The coroutine check comes first (asyncio's order): before the signal's.
      expect(err(() => add('boom', async () => {}))).toEqual(coroutine);
      expect(err(() => add('SIGUSR1', 'not callable'))).toMatchObject({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG' });
      // SIG-03: uncatchable signals, by number and by name; removing one never added is false.
      for (const sig of [constants.signals.SIGKILL, 'SIGKILL', constants.signals.SIGSTOP, 'SIGSTOP']) {
        const n = typeof sig === 'number' ? sig : constants.signals[sig as NodeJS.Signals];
        expect(err(() => add(sig, h))).toEqual({ name: 'RuntimeError', code: 'ERR_LOOP_SIGNAL_UNCATCHABLE', message: `sig ${n} cannot be caught` });
        expect(remove(sig)).toBe(false);
      }
      for (const sig of SIGNALS) expect(extra(sig)).toBe(0);
      // The loop still works, and a real handler still can be added.
      const w = waiter(loop);
      loop.addSignalHandler('SIGUSR1', w.done);
      await t.run(async () => {
        kill('SIGUSR1');
        await w.fut;
      });
      expect(loop.removeSignalHandler('SIGUSR1')).toBe(true);
      loop.close();
    });

    netTest('SIG-02 a closed loop: addSignalHandler raises "Event loop is closed" after the signal checks; removeSignalHandler returns false', async (t) => {
      const loop = t.loop;
      await t.run(async () => {});
      loop.close();
      expect(() => loop.addSignalHandler('SIGUSR1', () => {})).toThrow(expect.objectContaining({ name: 'RuntimeError', code: 'ERR_LOOP_CLOSED', message: 'Event loop is closed' }));
      expect(() => loop.addSignalHandler(0, () => {})).toThrow(expect.objectContaining({ name: 'RangeError' }));
      expect(loop.removeSignalHandler('SIGUSR1')).toBe(false);
    });

    netTest('SIG-07 test_unix_events::test_close: close() removes every handler of the loop', async (t) => {
      const loop = t.loop;
      snapshot();
      // Run once first: close() after a run, as a program does.
      await t.run(async () => {});
      for (const sig of SIGNALS) loop.addSignalHandler(sig, () => {});
      for (const sig of SIGNALS) expect(extra(sig)).toBe(1);
      loop.close();
      for (const sig of SIGNALS) expect(extra(sig)).toBe(0);
      expect(loop.removeSignalHandler('SIGUSR1')).toBe(false);
    });

    netTest('SIG-10 two loops with a handler for one signal: each loop runs its own (asyncio: only the last loop to add one hears it, D75)', async (t) => {
      const a = t.loop;
      const b = t.newLoop();
      snapshot();
      const wa = waiter(a);
      const wb = waiter(b);
      a.addSignalHandler('SIGUSR2', wa.done, 'a');
      b.addSignalHandler('SIGUSR2', wb.done, 'b');
      expect(extra('SIGUSR2')).toBe(2);
      kill('SIGUSR2');
      expect(await t.run(async () => await wa.fut, { loop: a })).toEqual(['a']);
      expect(await t.run(async () => await wb.fut, { loop: b })).toEqual(['b']);
      expect(a.removeSignalHandler('SIGUSR2')).toBe(true);
      expect(extra('SIGUSR2')).toBe(1);
      b.close();
      expect(extra('SIGUSR2')).toBe(0);
      a.close();
    });

    netTest('SIG-04 test_add_signal_handler_setup_error: a loop in a worker thread cannot add a handler (RuntimeError); Node never delivers a signal to a worker', async (t) => {
      const loop = t.loop;
      const refused = await inWorker(`
        const loop = new (compose(BaseEventLoop, signals))();
        let error;
        try { loop.addSignalHandler('SIGUSR2', () => {}); } catch (e) { error = { name: e.name, code: e.code, message: e.message }; }
        const removed = loop.removeSignalHandler('SIGUSR2');
        loop.close();
        return { error, removed };
      `);
      expect(refused).toEqual({
        error: {
          name: 'RuntimeError',
          code: 'ERR_LOOP_NOT_MAIN_THREAD',
          message: 'addSignalHandler(): set_wakeup_fd only works in main thread of the main interpreter (signals reach the main thread only; this is a worker thread)',
        },
        removed: false,
      });
      // A worker's own process.on('SIGUSR2') listener never runs: the main thread's loop hears the signal, the worker does not.
      const w = waiter(loop);
      loop.addSignalHandler('SIGUSR2', w.done);
      const heardInWorker = await t.run(async () => {
        const workerReady = loop.createFuture<(m: unknown) => void>();
        const result = inWorker(
          `
          let heard = 0;
          process.on('SIGUSR2', () => { heard += 1; });
          ready();
          await nextMessage();
          // Give a delivery to this thread, if there were one, time to arrive.
          await new Promise((resolve) => setTimeout(resolve, 100));
          return heard;
        `,
          (send) => loop.callSoonThreadsafe(() => workerReady.setResult(send)),
        );
        const send = await workerReady;
        kill('SIGUSR2');
        await w.fut;
        send('report');
        return await result;
      });
      expect(heardInWorker).toBe(0);
      loop.removeSignalHandler('SIGUSR2');
      loop.close();
    });
  });
}
