/**
 * The exception handler (catalog.md §3 EXC-*): callback failures are routed to
 * the handler with `message`, `exception` and `handle` and the loop goes on;
 * get/setExceptionHandler; a broken custom handler falls back to the default
 * one; the default handler logs one `error` record through the replaceable
 * logger (`setLogger`).
 *
 * Not ported: EXC-05 (a subclass overriding defaultExceptionHandler), EXC-08
 * and EXC-09 (reports made when a future or task is garbage-collected: not
 * deterministic in JavaScript), EXC-10/11 (transports, sockets and async
 * generators belong to other packages). `source_traceback` (debug mode only,
 * Python frames in CPython) is left out of the key comparisons.
 */
import { expect } from 'expect';
import { describe } from './runner.js';
import type { ExceptionContext, SchedulingLoop } from '@loop/interfaces';
import { defineLoopTest, Evil, type LogRecord, type LoopFactory, revokedProxy, type SuiteOptions, thrown } from './harness.js';

/** The context keys that matter to a port (debug-only tracebacks dropped). */
export function contextKeys(context: ExceptionContext): string[] {
  return Object.keys(context)
    .filter((k) => k !== 'source_traceback' && k !== 'handle_traceback')
    .sort();
}

function errorRecords(logs: LogRecord[]): LogRecord[] {
  return logs.filter((r) => r.level === 'error');
}

/** Defines the exception-handler suite. */
export function exceptionHandlerSuite(newLoop: LoopFactory, options: SuiteOptions): void {
  const it = defineLoopTest(newLoop, options);

  describe('exception-handler: callback failures', () => {
    // EXC-01, EXC-02, HANDLE-03
    it('[HANDLE-03, EXC-02, EXC-01] a callSoon() callback that throws - the handler gets message, exception and the handle; the batch goes on', async (t) => {
      const { loop } = t;
      const seen = t.expectExceptionHandlerCalls();
      const err = new RangeError('soon');
      const order: string[] = [];
      const h = loop.callSoon(function badSoon() {
        throw err;
      });
      loop.callSoon(() => order.push('next-in-same-batch'));
      loop.stop();
      await loop.runForever();
      expect(order).toEqual(['next-in-same-batch']);
      expect(seen).toHaveLength(1);
      expect(contextKeys(seen[0])).toEqual(['exception', 'handle', 'message']);
      expect(seen[0].exception).toBe(err);
      expect(seen[0].handle).toBe(h);
      expect(seen[0].message).toMatch(/^Exception in callback .*badSoon/);
      t.close();
    });

    // EXC-01
    it('[EXC-01] a timer callback that throws - is reported with its TimerHandle and the loop keeps running', async (t) => {
      const { loop } = t;
      const seen = t.expectExceptionHandlerCalls();
      const err = new Error('later');
      const h = loop.callLater(0.1, function badLater() {
        throw err;
      });
      let after = false;
      loop.callLater(0.2, () => {
        after = true;
        loop.stop();
      });
      await loop.runForever();
      expect(after).toBe(true);
      expect(seen.map((c) => [c.handle, c.exception])).toEqual([[h, err]]);
      expect(seen[0].message).toMatch(/^Exception in callback .*badLater/);
      t.close();
    }, { needs: ['virtual-clock'] });

    // EXC-01, S10
    it('[EXC-01] a done callback that throws - is reported as a callback failure', async (t) => {
      const { loop } = t;
      const seen = t.expectExceptionHandlerCalls();
      const fut = loop.createFuture<null>();
      const err = new Error('in done callback');
      fut.addDoneCallback(() => {
        throw err;
      });
      fut.setResult(null);
      loop.callSoon(() => loop.stop());
      await loop.runForever();
      expect(seen).toHaveLength(1);
      expect(contextKeys(seen[0])).toEqual(['exception', 'handle', 'message']);
      expect(seen[0].exception).toBe(err);
      expect(seen[0].message).toMatch(/^Exception in callback /);
      t.close();
    });

    it('[EXC-01] a callback that throws a value that is not an Error - the handler gets that value', async (t) => {
      const { loop } = t;
      const seen = t.expectExceptionHandlerCalls();
      loop.callSoon(() => {
        throw 'a string';
      });
      loop.stop();
      await loop.runForever();
      expect(seen.map((c) => c.exception)).toEqual(['a string']);
      t.close();
    });
  });

  describe('exception-handler: values that cannot be formatted', () => {
    // reprlib.repr in CPython 3.11: a __repr__ that raises gives `<Evil instance at 0x…>`
    it('[D52] a callback argument whose toString throws, or a revoked Proxy - the handler gets a message with a placeholder; nothing escapes the loop', async (t) => {
      const { loop } = t;
      const seen = t.expectExceptionHandlerCalls();
      const boom = new Error('boom');
      function failing(_value: unknown): void {
        throw boom;
      }
      loop.callSoon(failing, new Evil());
      loop.callSoon(failing, revokedProxy());
      loop.stop();
      await loop.runForever();
      expect(seen.map((c) => c.message)).toEqual([
        'Exception in callback failing(<Evil instance>)',
        'Exception in callback failing(<object instance>)',
      ]);
      expect(seen.map((c) => c.exception)).toEqual([boom, boom]);
      expect((seen[0].handle as { toString(): string }).toString()).toContain('failing(<Evil instance>)');
      t.close();
    });

    it('[D52, EXC-06] the default handler with such values - logs one error record each; nothing escapes the loop', async (t) => {
      const { loop } = t;
      const logs = t.expectLogs();
      const evil = new Evil();
      const proxy = revokedProxy();
      loop.callSoon((_v: unknown) => {
        throw evil;
      }, evil);
      loop.callSoon((_v: unknown) => {
        throw proxy;
      }, proxy);
      loop.callExceptionHandler({ message: 'odd context', exception: proxy, value: evil, other: proxy });
      loop.stop();
      await loop.runForever();
      const errors = errorRecords(logs);
      expect(errors).toHaveLength(3);
      // The direct call logs first; the two callbacks run afterwards.
      expect(errors[0].text).toMatch(/^odd context$/m);
      expect(errors[0].text).toMatch(/^other: <object instance>$/m);
      expect(errors[0].text).toMatch(/^value: <Evil instance>$/m);
      expect(errors[1].text).toMatch(/^Exception in callback anonymous\(<Evil instance>\)$/m);
      expect(errors[2].text).toMatch(/^Exception in callback anonymous\(<object instance>\)$/m);
      t.close();
    }, { recordExceptions: false });

    it('[D52] a task that throws such a value - fails with it, and its repr does not throw', async (t) => {
      const { loop } = t;
      for (const bad of [new Evil(), revokedProxy()]) {
        const task = loop.createTask(async () => {
          await Promise.resolve();
          throw bad;
        });
        const gen = loop.createTask(
          (function* (): Generator<null, void, unknown> {
            yield null;
            throw bad;
          })(),
        );
        for (const tk of [task, gen]) {
          await expect(loop.runUntilComplete(tk)).rejects.toBe(bad);
          expect(tk.exception()).toBe(bad);
          expect(String(tk)).toMatch(/ exception=<(Evil|object) instance>/);
        }
      }
      t.close();
    });
  });

  describe('exception-handler: API', () => {
    // EXC-03
    it('[EXC-03] getExceptionHandler() - is null by default', (t) => {
      expect(t.loop.getExceptionHandler()).toBeNull();
      t.close();
    }, { recordExceptions: false });

    // EXC-03
    it('[EXC-03] setExceptionHandler() - a value that is not a function or null is a TypeError and the handler is unchanged', (t) => {
      const { loop } = t;
      const e = thrown(() => loop.setExceptionHandler('spam' as never));
      expect(e).toBeInstanceOf(TypeError);
      expect(loop.getExceptionHandler()).toBeNull();
      t.close();
    }, { recordExceptions: false });

    // EXC-07, S11
    it('[EXC-07] callExceptionHandler() - calls the custom handler with the loop and the very context object', (t) => {
      const { loop } = t;
      const calls: Array<[SchedulingLoop, ExceptionContext]> = [];
      const custom = (lp: SchedulingLoop, ctx: ExceptionContext): void => {
        calls.push([lp, ctx]);
      };
      loop.setExceptionHandler(custom);
      expect(loop.getExceptionHandler()).toBe(custom);
      const ctx = { message: 'to custom' };
      loop.callExceptionHandler(ctx);
      expect(calls).toHaveLength(1);
      expect(calls[0][0]).toBe(loop);
      expect(calls[0][1]).toBe(ctx);
      t.close();
    }, { recordExceptions: false });

    // EXC-03
    it('[EXC-03] setExceptionHandler(null) - restores the default handler, which logs at error', (t) => {
      const { loop } = t;
      const logs = t.expectLogs();
      let customCalls = 0;
      loop.setExceptionHandler(() => {
        customCalls++;
      });
      loop.setExceptionHandler(null);
      expect(loop.getExceptionHandler()).toBeNull();
      loop.callExceptionHandler({ message: 'after reset' });
      expect(customCalls).toBe(0);
      expect(errorRecords(logs)).toHaveLength(1);
      expect(errorRecords(logs)[0].text.split('\n')[0]).toBe('after reset');
      t.close();
    }, { recordExceptions: false });

    // EXC-04, S11
    it('[EXC-04] a custom handler that throws - the default handler logs "Unhandled error in exception handler" with the original context', (t) => {
      const { loop } = t;
      const logs = t.expectLogs();
      const broken = new Error('handler is broken');
      loop.setExceptionHandler(() => {
        throw broken;
      });
      expect(() => loop.callExceptionHandler({ message: 'original problem' })).not.toThrow();
      const errors = errorRecords(logs);
      expect(errors).toHaveLength(1);
      const lines = errors[0].text.split('\n');
      expect(lines[0]).toBe('Unhandled error in exception handler');
      expect(errors[0].text).toMatch(/^context: .*original problem/m);
      expect(errors[0].args.includes(broken) || errors[0].text.includes('handler is broken')).toBe(true);
      t.close();
    }, { recordExceptions: false });

    // EXC-06, S11
    it('[EXC-06] the default handler - logs one error record: the message, then "key: value" lines in sorted key order, and the exception', (t) => {
      const { loop } = t;
      const logs = t.expectLogs();
      const exc = new RangeError('boom-v');
      loop.callExceptionHandler({ message: 'custom message', zeta: 1, alpha: 'x', exception: exc });
      const errors = errorRecords(logs);
      expect(errors).toHaveLength(1);
      const lines = errors[0].text.split('\n');
      expect(lines[0]).toBe('custom message');
      const keyLines = lines.filter((l) => /^(alpha|zeta|message|exception): /.test(l));
      expect(keyLines.map((l) => l.split(':')[0])).toEqual(['alpha', 'zeta']);
      expect(keyLines[1]).toBe('zeta: 1');
      expect(errors[0].args.includes(exc) || errors[0].text.includes('boom-v')).toBe(true);
      t.close();
    }, { recordExceptions: false });

    // EXC-06, S11
    it('[EXC-06] the default handler - without a message logs "Unhandled exception in event loop"', (t) => {
      const { loop } = t;
      const logs = t.expectLogs();
      loop.callExceptionHandler({ foo: [1, 2] } as unknown as ExceptionContext);
      const errors = errorRecords(logs);
      expect(errors).toHaveLength(1);
      const lines = errors[0].text.split('\n');
      expect(lines[0]).toBe('Unhandled exception in event loop');
      expect(lines.some((l) => l.startsWith('foo: '))).toBe(true);
      t.close();
    }, { recordExceptions: false });

    // EXC-06, S11 step 9
    it('[EXC-06] the default handler - a callback failure is logged as "Exception in callback ..." with a handle line', async (t) => {
      const { loop } = t;
      const logs = t.expectLogs();
      const err = new Error('zero-division');
      loop.callSoon(function zero() {
        throw err;
      });
      loop.callSoon(() => loop.stop());
      await loop.runForever();
      const errors = errorRecords(logs);
      expect(errors).toHaveLength(1);
      expect(errors[0].text.split('\n')[0]).toMatch(/^Exception in callback .*zero/);
      expect(errors[0].text).toMatch(/^handle: <Handle .*zero/m);
      expect(errors[0].args.includes(err) || errors[0].text.includes('zero-division')).toBe(true);
      t.close();
    }, { recordExceptions: false });

    it('[EXC-06] defaultExceptionHandler() - can be called directly and logs like the default handler', (t) => {
      const { loop } = t;
      const logs = t.expectLogs();
      loop.setExceptionHandler(() => undefined);
      loop.defaultExceptionHandler({ message: 'direct' });
      expect(errorRecords(logs).map((r) => r.text.split('\n')[0])).toEqual(['direct']);
      t.close();
    }, { recordExceptions: false });
  });
}
