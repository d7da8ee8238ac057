/**
 * The oracle scenarios of the task helpers as exact trace comparisons:
 * `gather` (S18, run twice: coroutines with `yield*`, async functions with
 * `await`, the same trace) and timeouts, `wait`, `shield`, `asCompleted`
 * (S19, `t=` values compared).
 *
 * Each test builds the trace lines that the scenario's CPython script
 * prints and compares them with the lines CPython 3.11 printed, under a
 * VirtualClock so that `t=` values are exact. The labels keep the scripts'
 * wording (Python names included) so that a line can be found in the
 * script's output by copy and paste. Python-only lines (reprs with file and
 * line details, garbage-collection reports, threads, sockets) are dropped;
 * each test notes its other adaptations.
 */
import { expect } from 'expect';
import { describe } from './runner.js';
import {
  CancelledError,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  Future,
  TimeoutError,
  asCompleted,
  gather,
  shield,
  sleep,
  wait,
  waitFor,
} from '@loop/core';
import type { Coroutine } from '@loop/interfaces';
import { defineLoopTest, type LoopFactory, type SuiteOptions } from './harness.js';
import { ValueError, py } from './twins.js';

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

/** Defines the oracle scenarios of the task helpers (S18, S19). */
export function oracleHelpersSuite(newLoop: LoopFactory, options: SuiteOptions): void {
  const it = defineLoopTest(newLoop, options);

  describe('oracle scenarios', () => {
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

    // Adaptations: `wait([coroutine])` is dropped (D26: the helpers accept
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
  });
}
