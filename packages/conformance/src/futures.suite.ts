/**
 * Futures (catalog.md §5 FUT-*): the state machine pending -> finished |
 * cancelled, InvalidStateError, done callbacks that are always scheduled with
 * callSoon (never inline) in registration order, removeDoneCallback's count,
 * the cancel message, and the two ways to wait: `await fut` (PromiseLike) and
 * `yield* fut` (iterable).
 *
 * Not ported: FUT-04's StopIteration rule and "a class is instantiated"
 * (Python-only), FUT-09's "await wasn't used with future" (plain iteration of
 * the awaitable), FUT-10 (duck typing), FUT-12 (`_log_traceback`), FUT-13's
 * `cb=[...]` repr details, FUT-14 (concurrent futures: the executors'
 * own tests), FUT-15/16 (private helpers, C-level robustness), and the
 * never-retrieved report (garbage collection).
 */
import { expect } from 'expect';
import { describe } from './runner.js';
import { CancelledError, Future, InvalidStateError, RuntimeError } from '@loop/core';
import { isFuture } from '@loop/interfaces';
import type { Coroutine } from '@loop/interfaces';
import { defineLoopTest, Evil, type LoopFactory, revokedProxy, type SuiteOptions, thrown } from './harness.js';

/** Defines the futures suite. */
export function futuresSuite(newLoop: LoopFactory, options: SuiteOptions): void {
  const it = defineLoopTest(newLoop, options);

  describe('futures: state', () => {
    // FUT-01
    it('[FUT-01] createFuture() - a pending Future bound to the loop', (t) => {
      const { loop } = t;
      const f = loop.createFuture();
      expect(isFuture(f)).toBe(true);
      expect(f.done()).toBe(false);
      expect(f.cancelled()).toBe(false);
      expect(f.getLoop()).toBe(loop);
      expect(String(f)).toMatch(/^<Future pending/);
      expect(typeof f.then).toBe('function');
      expect(typeof f[Symbol.iterator]).toBe('function');
      t.close();
    });

    it('[FUT-01] new Future({ loop }) - is bound to the given loop', (t) => {
      const { loop } = t;
      const f = new Future<number>({ loop });
      expect(f.getLoop()).toBe(loop);
      expect(f.done()).toBe(false);
      t.close();
    });

    // FUT-02
    it('[FUT-02] result()/exception() on a pending future - throw InvalidStateError', (t) => {
      const f = t.loop.createFuture();
      const e1 = thrown(() => f.result());
      expect(e1).toBeInstanceOf(InvalidStateError);
      // CPython's C and Python futures say 'not set' / 'not ready'
      expect((e1 as Error).message).toMatch(/not (set|ready)/i);
      const e2 = thrown(() => f.exception());
      expect(e2).toBeInstanceOf(InvalidStateError);
      expect((e2 as Error).message).toMatch(/not (set|ready)/i);
      t.close();
    });

    // FUT-03
    it('[FUT-03] setResult() - finishes the future; result() returns it, exception() is null; a second set throws InvalidStateError; cancel() is false', (t) => {
      const f = t.loop.createFuture<number>();
      f.setResult(42);
      expect(f.done()).toBe(true);
      expect(f.cancelled()).toBe(false);
      expect(f.result()).toBe(42);
      expect(f.exception()).toBeNull();
      expect(String(f)).toMatch(/^<Future finished result=42/);
      expect(thrown(() => f.setResult(1))).toBeInstanceOf(InvalidStateError);
      expect(thrown(() => f.setException(new Error('x')))).toBeInstanceOf(InvalidStateError);
      expect(f.cancel()).toBe(false);
      expect(f.result()).toBe(42);
      t.close();
    });

    // FUT-04
    it('[FUT-04] setException() - result() throws the very exception object and exception() returns it', (t) => {
      const f = t.loop.createFuture<number>();
      const err = new RuntimeError('bad');
      f.setException(err);
      expect(f.done()).toBe(true);
      expect(thrown(() => f.result())).toBe(err);
      expect(f.exception()).toBe(err);
      expect(String(f)).toMatch(/^<Future finished exception=/);
      expect(thrown(() => f.setResult(1))).toBeInstanceOf(InvalidStateError);
      t.close();
    });

    // FUT-05
    it('[FUT-05] cancel() - true when pending, false afterwards; result()/exception() throw CancelledError; setResult() throws InvalidStateError', (t) => {
      const f = t.loop.createFuture<number>();
      expect(f.cancel()).toBe(true);
      expect(f.cancel()).toBe(false);
      expect(f.done()).toBe(true);
      expect(f.cancelled()).toBe(true);
      expect(String(f)).toMatch(/^<Future cancelled/);
      expect(thrown(() => f.result())).toBeInstanceOf(CancelledError);
      expect(thrown(() => f.exception())).toBeInstanceOf(CancelledError);
      expect(thrown(() => f.setResult(1))).toBeInstanceOf(InvalidStateError);
      expect(thrown(() => f.setException(new Error('x')))).toBeInstanceOf(InvalidStateError);
      t.close();
    });

    // FUT-05, docs/asyncio-mapping.md "Cancellation message"
    it('[FUT-05] cancel(msg) - the CancelledError carries msg every time it is raised or retrieved; cancel() gives an empty message', (t) => {
      const f = t.loop.createFuture();
      f.cancel('because');
      for (let i = 0; i < 2; i++) {
        const e1 = thrown(() => f.result());
        expect(e1).toBeInstanceOf(CancelledError);
        expect((e1 as Error).message).toBe('because');
        const e2 = thrown(() => f.exception());
        expect((e2 as Error).message).toBe('because');
      }
      const g = t.loop.createFuture();
      g.cancel();
      expect((thrown(() => g.result()) as Error).message).toBe('');
      t.close();
    });
  });

  describe('futures: values that cannot be formatted', () => {
    // reprlib.repr in CPython 3.11 (Future's result=): `<Evil instance at 0x…>`
    it('[D52] String(future) after setResult() or setException() of a value whose toString throws, or of a revoked Proxy - a placeholder, never a throw', (t) => {
      const { loop } = t;
      for (const [name, bad] of [
        ['Evil', new Evil()],
        ['object', revokedProxy()],
      ] as const) {
        const ok = loop.createFuture<unknown>();
        ok.setResult(bad);
        expect(String(ok)).toMatch(new RegExp(`^<Future finished result=<${name} instance>`));
        const failed = loop.createFuture<unknown>();
        expect(() => failed.setException(bad)).not.toThrow();
        expect(String(failed)).toMatch(new RegExp(`^<Future finished exception=<${name} instance>`));
        expect(failed.exception()).toBe(bad);
      }
      t.close();
    });
  });

  describe('futures: done callbacks', () => {
    // FUT-06, S12
    it('[FUT-06] setResult() - schedules the done callbacks with callSoon in registration order, never inline', async (t) => {
      const { loop } = t;
      const order: string[] = [];
      const h = loop.createFuture<string>();
      h.addDoneCallback(() => order.push('cb1'));
      h.addDoneCallback((fut) => order.push(`cb2 sees ${fut.result()}`));
      loop.callSoon(() => order.push('x (callSoon before setResult)'));
      h.setResult('v');
      order.push('(setResult returned)');
      loop.callSoon(() => order.push('y (callSoon after setResult)'));
      expect(t.stats().ready).toBe(4);
      loop.stop();
      await loop.runForever();
      expect(order).toEqual([
        '(setResult returned)',
        'x (callSoon before setResult)',
        'cb1',
        'cb2 sees v',
        'y (callSoon after setResult)',
      ]);
      t.close();
    }, { needs: ['stats'] });

    // FUT-06
    it('[FUT-06] setException() and cancel() - also schedule the done callbacks, never inline', async (t) => {
      const { loop } = t;
      const order: string[] = [];
      const a = loop.createFuture();
      const b = loop.createFuture();
      a.addDoneCallback((f) => order.push(`a exception=${(f.exception() as Error).message}`));
      b.addDoneCallback((f) => order.push(`b cancelled=${String(f.cancelled())}`));
      a.setException(new Error('E'));
      b.cancel();
      expect(order).toEqual([]);
      loop.stop();
      await loop.runForever();
      expect(order).toEqual(['a exception=E', 'b cancelled=true']);
      t.close();
    });

    // FUT-07
    it('[FUT-07] addDoneCallback() on a done future - schedules the callback, does not call it inline', async (t) => {
      const { loop } = t;
      const order: string[] = [];
      const f = loop.createFuture<number>();
      f.setResult(1);
      f.addDoneCallback((fut) => order.push(`late cb sees ${fut.result()} and is the future: ${String(fut === f)}`));
      order.push('(addDoneCallback returned)');
      loop.stop();
      await loop.runForever();
      expect(order).toEqual(['(addDoneCallback returned)', 'late cb sees 1 and is the future: true']);
      t.close();
    });

    // FUT-08
    it('[FUT-08] removeDoneCallback() - removes every registration of the function and returns the count', (t) => {
      const f = t.loop.createFuture();
      const cb1 = (): void => undefined;
      const cb2 = (): void => undefined;
      f.addDoneCallback(cb1);
      f.addDoneCallback(cb2);
      f.addDoneCallback(cb1);
      expect(f.removeDoneCallback(cb1)).toBe(2);
      expect(f.removeDoneCallback(cb1)).toBe(0);
      expect(f.removeDoneCallback(() => undefined)).toBe(0);
      t.close();
    });

    // FUT-08 (test_callbacks_remove_first_callback and friends)
    it('[test_callbacks_remove_first_callback, FUT-08] removeDoneCallback() - the remaining callbacks keep their order', async (t) => {
      const { loop } = t;
      const bag: number[] = [];
      const f = loop.createFuture<string>();
      const cb1 = (): void => void bag.push(42);
      const cb2 = (): void => void bag.push(17);
      const cb3 = (): void => void bag.push(100);
      f.addDoneCallback(cb1);
      f.addDoneCallback(cb2);
      f.addDoneCallback(cb3);
      f.removeDoneCallback(cb1);
      f.removeDoneCallback(cb1);
      f.setResult('foo');
      loop.stop();
      await loop.runForever();
      expect(bag).toEqual([17, 100]);
      expect(f.result()).toBe('foo');
      t.close();
    });

    it('[FUT-06] done callbacks - run once: the list is cleared when they are scheduled', async (t) => {
      const { loop } = t;
      let n = 0;
      const f = loop.createFuture();
      f.addDoneCallback(() => n++);
      f.setResult(null);
      loop.stop();
      await loop.runForever();
      loop.stop();
      await loop.runForever();
      expect(n).toBe(1);
      expect(f.removeDoneCallback(() => undefined)).toBe(0);
      t.close();
    });
  });

  describe('futures: waiting', () => {
    // FUT-09, S12
    it('[FUT-09] yield* fut twice in a coroutine - returns the same result both times', async (t) => {
      const { loop } = t;
      const k = loop.createFuture<string>();
      loop.callSoon(() => k.setResult('once'));
      function* awaitTwice(): Coroutine<[string, string]> {
        const a = yield* k;
        const b = yield* k;
        return [a, b];
      }
      await expect(loop.runUntilComplete(awaitTwice())).resolves.toEqual(['once', 'once']);
      t.close();
    });

    // FUT-09
    it('[FUT-09] yield* fut on a failed future - throws its exception into the coroutine', async (t) => {
      const { loop } = t;
      const k = loop.createFuture<string>();
      const err = new Error('failed');
      loop.callSoon(() => k.setException(err));
      function* catcher(): Coroutine<unknown> {
        try {
          yield* k;
          return 'no';
        } catch (e) {
          return e;
        }
      }
      await expect(loop.runUntilComplete(catcher())).resolves.toBe(err);
      t.close();
    });

    // FUT-09 with await (PromiseLike)
    it('[FUT-09] await fut in an async-function task - returns the result; awaiting it twice returns it again', async (t) => {
      const { loop } = t;
      const k = loop.createFuture<string>();
      loop.callSoon(() => k.setResult('once'));
      const result = await loop.runUntilComplete(async () => [await k, await k]);
      expect(result).toEqual(['once', 'once']);
      t.close();
    });

    it('[FUT-09, D19] then() - fulfils with the result once the loop has completed the future', async (t) => {
      const { loop } = t;
      const f = loop.createFuture<number>();
      const doubled = f.then((v) => v * 2);
      loop.callSoon(() => f.setResult(21));
      await loop.runUntilComplete(f);
      await expect(doubled).resolves.toBe(42);
      t.close();
    });

    it('[FUT-09, FUT-05, D19] then() - rejects with the exception, and with CancelledError (carrying the message) when cancelled', async (t) => {
      const { loop } = t;
      const f = loop.createFuture<number>();
      const g = loop.createFuture<number>();
      const err = new Error('E');
      // then() called directly: `await f` outside a task would call it a
      // microtask later, after the loop may already have run.
      const pf = f.then(
        () => 'fulfilled',
        (e: unknown) => e,
      );
      const pg = g.then(
        () => 'fulfilled',
        (e: unknown) => e,
      );
      loop.callSoon(() => {
        f.setException(err);
        g.cancel('why');
      });
      loop.callSoon(() => loop.callSoon(() => loop.stop()));
      await loop.runForever();
      expect(await pf).toBe(err);
      const ce = await pg;
      expect(ce).toBeInstanceOf(CancelledError);
      expect((ce as Error).message).toBe('why');
      t.close();
    });
  });
}
