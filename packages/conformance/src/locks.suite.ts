/**
 * asyncio's synchronisation primitives (catalog.md §27 SYNC-01 to SYNC-14,
 * CPython 3.11's test_locks.py; oracle `locks_trace.py`): `Lock`, `Event`,
 * `Condition`, `Semaphore`, `BoundedSemaphore`, `Barrier` — FIFO wake-ups,
 * a cancelled waiter passing its turn on, `Condition.wait()` re-acquiring
 * when cancelled, the barrier's fill/drain/reset/abort states, and the
 * binding to one loop. Each scenario waits with `yield*` in coroutines; the
 * oracle scenario runs again with async functions and `await`.
 */
import { expect } from 'expect';
import { describe } from './runner.js';
import {
  Barrier,
  BoundedSemaphore,
  BrokenBarrierError,
  CancelledError,
  Condition,
  Event,
  Lock,
  Future,
  Queue,
  PriorityQueue,
  RuntimeError,
  Semaphore,
  TimeoutError,
  gather,
  sleep,
  waitFor,
  withLock,
  type Task,
} from '@loop/core';
import type { Coroutine } from '@loop/interfaces';
import { defineLoopTest, thrown, type LoopFactory, type LoopTest, type SuiteOptions } from './harness.js';
import { py, pyTuple } from './twins.js';

/** What CPython 3.11 prints for `oracle/locks_trace.py`. */
export const LOCKS_TRACE_LINES: readonly string[] = [
  'it2 t=0.00 lock [locked, waiters:4]',
  'it3 t=0.00 lock A cancelled, locked=False',
  'it3 t=0.00 lock C cancelled, locked=False',
  'it4 t=0.00 lock B acquired',
  'it6 t=0.10 lock B released',
  'it7 t=0.10 lock D acquired',
  'it9 t=0.20 lock D released',
  "it11 t=0.20 lock done: ['cancelled', 'ok', 'cancelled', 'ok'] locked=False",
  'it12 t=0.20 sem released [locked, waiters:4]',
  'it13 t=0.20 sem A cancelled',
  'it13 t=0.20 sem B cancelled',
  'it13 t=0.20 sem C acquired [locked, waiters:1]',
  'it14 t=0.20 sem C done=True D done=False',
  'it15 t=0.20 sem D acquired [unlocked, value:1]',
  'it17 t=0.20 sem done [unlocked, value:1]',
  'it18 t=0.20 cond notify(2) and cancel A while holding the lock',
  'it19 t=0.20 cond A cancelled, holds lock=True',
  'it19 t=0.20 cond B notified',
  'it20 t=0.20 cond C notified',
  'it22 t=0.20 cond done locked=False',
  'it24 t=0.20 queue getter A cancelled',
  "it24 t=0.20 queue after x: <Queue maxsize=1 _queue=['x'] _getters[1] tasks=1>",
  'it25 t=0.20 queue getter B got x',
  'it27 t=0.20 queue getter C got y',
  "it30 t=0.20 queue full=True <Queue maxsize=1 _queue=['z'] _putters[1] tasks=1>",
  "it31 t=0.20 queue putter cancelled=True <Queue maxsize=1 _queue=['z'] tasks=1>",
  'it31 t=0.20 queue get -> z',
  'it31 t=0.20 queue joined',
  "it31 t=0.20 priority order [(0, 'z'), (1, 'a'), (1, 'b'), (2, 'x'), (2, 'y'), (3, 'c')] empty=True",
  'it32 t=0.20 barrier C index=2',
  'it32 t=0.20 barrier n_waiting=0 [draining, waiters:0/3]',
  'it33 t=0.20 barrier A index=0',
  'it33 t=0.20 barrier B index=1',
  'it36 t=0.20 barrier n_waiting=2 before reset',
  'it37 t=0.20 barrier D broken',
  'it37 t=0.20 barrier E broken',
  'it39 t=0.20 barrier broken=False n_waiting=0 [filling, waiters:0/3]',
];

/** The bracketed state of a primitive's `toString()`: `[locked, waiters:2]`. */
function state(obj: { toString(): string }): string {
  const r = obj.toString();
  return r.slice(r.indexOf('['), -1);
}

function isCancelled(e: unknown): boolean {
  return e instanceof CancelledError;
}

/** The oracle scenario with generator coroutines and `yield*`. */
function locksTraceCoroutines(t: LoopTest): Coroutine<void> {
  const { loop } = t;
  const out = t.trace({ timeDigits: 2 });
  const log = (msg: string): void => out.log(msg);

  function* lockScenario(): Coroutine<void> {
    const lock = new Lock();
    yield* lock.acquire();
    function* worker(name: string): Coroutine<void> {
      try {
        yield* lock.acquire();
      } catch (e) {
        if (isCancelled(e)) log(`lock ${name} cancelled, locked=${py(lock.locked())}`);
        throw e;
      }
      log(`lock ${name} acquired`);
      yield* sleep(0.1);
      lock.release();
      log(`lock ${name} released`);
    }
    const tasks = ['A', 'B', 'C', 'D'].map((n) => loop.createTask(worker(n)));
    yield* sleep(0);
    log(`lock ${state(lock)}`);
    lock.release();
    tasks[0].cancel();
    tasks[2].cancel();
    yield* gather(...tasks, { returnExceptions: true });
    log(`lock done: ${py(tasks.map((x) => (x.cancelled() ? 'cancelled' : 'ok')))} locked=${py(lock.locked())}`);
  }

  function* semaphoreScenario(): Coroutine<void> {
    const sem = new Semaphore(0);
    function* worker(name: string): Coroutine<void> {
      try {
        yield* sem.acquire();
      } catch (e) {
        if (isCancelled(e)) log(`sem ${name} cancelled`);
        throw e;
      }
      log(`sem ${name} acquired ${state(sem)}`);
    }
    const tasks = ['A', 'B', 'C', 'D'].map((n) => loop.createTask(worker(n)));
    yield* sleep(0);
    tasks[0].cancel();
    tasks[1].cancel();
    sem.release();
    log(`sem released ${state(sem)}`);
    yield* sleep(0);
    yield* sleep(0);
    log(`sem C done=${py(tasks[2].done())} D done=${py(tasks[3].done())}`);
    sem.release();
    sem.release();
    yield* gather(...tasks, { returnExceptions: true });
    log(`sem done ${state(sem)}`);
  }

  function* conditionScenario(): Coroutine<void> {
    const cond = new Condition();
    function* waiter(name: string): Coroutine<void> {
      yield* withLock(cond, function* () {
        try {
          yield* cond.wait();
        } catch (e) {
          if (isCancelled(e)) log(`cond ${name} cancelled, holds lock=${py(cond.locked())}`);
          throw e;
        }
        log(`cond ${name} notified`);
      });
    }
    const tasks = ['A', 'B', 'C'].map((n) => loop.createTask(waiter(n)));
    yield* sleep(0);
    yield* withLock(cond, function* () {
      cond.notify(2);
      tasks[0].cancel();
      log('cond notify(2) and cancel A while holding the lock');
    });
    yield* sleep(0);
    yield* withLock(cond, function* () {
      cond.notifyAll();
    });
    yield* gather(...tasks, { returnExceptions: true });
    log(`cond done locked=${py(cond.locked())}`);
  }

  function* queueScenario(): Coroutine<void> {
    const q = new Queue<string>(1);
    function* getter(name: string): Coroutine<void> {
      let item: string;
      try {
        item = yield* q.get();
      } catch (e) {
        if (isCancelled(e)) log(`queue getter ${name} cancelled`);
        throw e;
      }
      log(`queue getter ${name} got ${item}`);
      q.taskDone();
    }
    const getters = ['A', 'B', 'C'].map((n) => loop.createTask(getter(n)));
    yield* sleep(0);
    q.putNowait('x');
    getters[0].cancel();
    yield* sleep(0);
    log(`queue after x: ${String(q)}`);
    yield* q.put('y');
    yield* gather(...getters, { returnExceptions: true });
    yield* q.put('z');
    const putter = loop.createTask(q.put('w'));
    yield* sleep(0);
    log(`queue full=${py(q.full())} ${String(q)}`);
    putter.cancel();
    yield* sleep(0);
    log(`queue putter cancelled=${py(putter.cancelled())} ${String(q)}`);
    log(`queue get -> ${q.getNowait()}`);
    q.taskDone();
    yield* q.join();
    log('queue joined');

    const pq = new PriorityQueue<[number, string]>();
    for (const item of [[3, 'c'], [1, 'b'], [2, 'x'], [1, 'a'], [0, 'z'], [2, 'y']] as [number, string][]) pq.putNowait(item);
    const order: string[] = [];
    while (!pq.empty()) order.push(pyTuple(pq.getNowait()));
    log(`priority order [${order.join(', ')}] empty=${py(pq.empty())}`);
  }

  function* barrierScenario(): Coroutine<void> {
    const barrier = new Barrier(3);
    function* party(name: string): Coroutine<number | null> {
      let index: number;
      try {
        index = yield* barrier.wait();
      } catch (e) {
        if (!(e instanceof BrokenBarrierError)) throw e;
        log(`barrier ${name} broken`);
        return null;
      }
      log(`barrier ${name} index=${index}`);
      return index;
    }
    let tasks = ['A', 'B', 'C'].map((n) => loop.createTask(party(n)));
    yield* sleep(0);
    log(`barrier n_waiting=${barrier.nWaiting} ${state(barrier)}`);
    yield* gather(...tasks);
    tasks = ['D', 'E'].map((n) => loop.createTask(party(n)));
    yield* sleep(0);
    log(`barrier n_waiting=${barrier.nWaiting} before reset`);
    yield* barrier.reset();
    yield* gather(...tasks);
    log(`barrier broken=${py(barrier.broken)} n_waiting=${barrier.nWaiting} ${state(barrier)}`);
  }

  return (function* main(): Coroutine<void> {
    yield* lockScenario();
    yield* semaphoreScenario();
    yield* conditionScenario();
    yield* queueScenario();
    yield* barrierScenario();
    expect(out.lines).toEqual(LOCKS_TRACE_LINES);
  })();
}

/** The oracle scenario with async functions and `await` (the same trace). */
function locksTraceAsync(t: LoopTest): () => Promise<void> {
  const { loop } = t;
  const out = t.trace({ timeDigits: 2 });
  const log = (msg: string): void => out.log(msg);

  async function lockScenario(): Promise<void> {
    const lock = new Lock();
    await lock.acquire();
    async function worker(name: string): Promise<void> {
      try {
        await lock.acquire();
      } catch (e) {
        if (isCancelled(e)) log(`lock ${name} cancelled, locked=${py(lock.locked())}`);
        throw e;
      }
      log(`lock ${name} acquired`);
      await sleep(0.1);
      lock.release();
      log(`lock ${name} released`);
    }
    const tasks = ['A', 'B', 'C', 'D'].map((n) => loop.createTask(() => worker(n)));
    await sleep(0);
    log(`lock ${state(lock)}`);
    lock.release();
    tasks[0].cancel();
    tasks[2].cancel();
    await gather(...tasks, { returnExceptions: true });
    log(`lock done: ${py(tasks.map((x) => (x.cancelled() ? 'cancelled' : 'ok')))} locked=${py(lock.locked())}`);
  }

  async function semaphoreScenario(): Promise<void> {
    const sem = new Semaphore(0);
    async function worker(name: string): Promise<void> {
      try {
        await sem.acquire();
      } catch (e) {
        if (isCancelled(e)) log(`sem ${name} cancelled`);
        throw e;
      }
      log(`sem ${name} acquired ${state(sem)}`);
    }
    const tasks = ['A', 'B', 'C', 'D'].map((n) => loop.createTask(() => worker(n)));
    await sleep(0);
    tasks[0].cancel();
    tasks[1].cancel();
    sem.release();
    log(`sem released ${state(sem)}`);
    await sleep(0);
    await sleep(0);
    log(`sem C done=${py(tasks[2].done())} D done=${py(tasks[3].done())}`);
    sem.release();
    sem.release();
    await gather(...tasks, { returnExceptions: true });
    log(`sem done ${state(sem)}`);
  }

  async function conditionScenario(): Promise<void> {
    const cond = new Condition();
    async function waiter(name: string): Promise<void> {
      await cond.acquire();
      await using _held = cond;
      try {
        await cond.wait();
      } catch (e) {
        if (isCancelled(e)) log(`cond ${name} cancelled, holds lock=${py(cond.locked())}`);
        throw e;
      }
      log(`cond ${name} notified`);
    }
    const tasks = ['A', 'B', 'C'].map((n) => loop.createTask(() => waiter(n)));
    await sleep(0);
    await withLock(cond, () => {
      cond.notify(2);
      tasks[0].cancel();
      log('cond notify(2) and cancel A while holding the lock');
      return Promise.resolve();
    });
    await sleep(0);
    await withLock(cond, () => {
      cond.notifyAll();
      return Promise.resolve();
    });
    await gather(...tasks, { returnExceptions: true });
    log(`cond done locked=${py(cond.locked())}`);
  }

  async function queueScenario(): Promise<void> {
    const q = new Queue<string>(1);
    async function getter(name: string): Promise<void> {
      let item: string;
      try {
        item = await q.get();
      } catch (e) {
        if (isCancelled(e)) log(`queue getter ${name} cancelled`);
        throw e;
      }
      log(`queue getter ${name} got ${item}`);
      q.taskDone();
    }
    const getters = ['A', 'B', 'C'].map((n) => loop.createTask(() => getter(n)));
    await sleep(0);
    q.putNowait('x');
    getters[0].cancel();
    await sleep(0);
    log(`queue after x: ${String(q)}`);
    await q.put('y');
    await gather(...getters, { returnExceptions: true });
    await q.put('z');
    const putter = loop.createTask(q.put('w'));
    await sleep(0);
    log(`queue full=${py(q.full())} ${String(q)}`);
    putter.cancel();
    await sleep(0);
    log(`queue putter cancelled=${py(putter.cancelled())} ${String(q)}`);
    log(`queue get -> ${q.getNowait()}`);
    q.taskDone();
    await q.join();
    log('queue joined');

    const pq = new PriorityQueue<[number, string]>();
    for (const item of [[3, 'c'], [1, 'b'], [2, 'x'], [1, 'a'], [0, 'z'], [2, 'y']] as [number, string][]) pq.putNowait(item);
    const order: string[] = [];
    while (!pq.empty()) order.push(pyTuple(pq.getNowait()));
    log(`priority order [${order.join(', ')}] empty=${py(pq.empty())}`);
  }

  async function barrierScenario(): Promise<void> {
    const barrier = new Barrier(3);
    async function party(name: string): Promise<number | null> {
      let index: number;
      try {
        index = await barrier.wait();
      } catch (e) {
        if (!(e instanceof BrokenBarrierError)) throw e;
        log(`barrier ${name} broken`);
        return null;
      }
      log(`barrier ${name} index=${index}`);
      return index;
    }
    let tasks = ['A', 'B', 'C'].map((n) => loop.createTask(() => party(n)));
    await sleep(0);
    log(`barrier n_waiting=${barrier.nWaiting} ${state(barrier)}`);
    await gather(...tasks);
    tasks = ['D', 'E'].map((n) => loop.createTask(() => party(n)));
    await sleep(0);
    log(`barrier n_waiting=${barrier.nWaiting} before reset`);
    await barrier.reset();
    await gather(...tasks);
    log(`barrier broken=${py(barrier.broken)} n_waiting=${barrier.nWaiting} ${state(barrier)}`);
  }

  return async () => {
    await lockScenario();
    await semaphoreScenario();
    await conditionScenario();
    await queueScenario();
    await barrierScenario();
    expect(out.lines).toEqual(LOCKS_TRACE_LINES);
  };
}

/** Defines the synchronisation primitives suite. */
export function locksSuite(newLoop: LoopFactory, options: SuiteOptions): void {
  const it = defineLoopTest(newLoop, options);

  describe('locks', () => {
    // SYNC-01
    it('[SYNC-01] Lock - acquire() resolves to true and locks; release() unlocks; releasing an unlocked lock is RuntimeError (test_lock, test_release_not_acquired, test_repr)', async (t) => {
      const { loop } = t;
      const lock = new Lock();
      expect(String(lock)).toBe('<Lock [unlocked]>');
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          const start = t.iterations;
          const r = yield* lock.acquire();
          expect(r).toBe(true);
          expect(t.iterations).toBe(start); // the fast path does not wait
          expect(lock.locked()).toBe(true);
          expect(String(lock)).toBe('<Lock [locked]>');
          const waiter = loop.createTask(lock.acquire());
          yield* sleep(0);
          expect(String(lock)).toBe('<Lock [locked, waiters:1]>');
          lock.release();
          expect(lock.locked()).toBe(false);
          expect(yield* waiter).toBe(true);
          expect(lock.locked()).toBe(true);
          lock.release();
        })(),
      );
      const e = thrown(() => lock.release()) as RuntimeError;
      expect(e).toBeInstanceOf(RuntimeError);
      expect(e.code).toBe('ERR_LOOP_NOT_ACQUIRED');
      expect(e.message).toBe('Lock is not acquired.');
      t.close();
    }, { needs: ['stats'] });

    // SYNC-02
    it('[SYNC-02] Lock - waiters acquire in FIFO order, one per release (test_acquire)', async (t) => {
      const { loop } = t;
      const lock = new Lock();
      const result: number[] = [];
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          yield* lock.acquire();
          const c = (n: number): Task<boolean> =>
            loop.createTask(
              (function* (): Coroutine<boolean> {
                yield* lock.acquire();
                result.push(n);
                return true;
              })(),
            );
          const [t1, t2, t3] = [c(1), c(2), c(3)];
          yield* sleep(0);
          expect(result).toEqual([]);
          lock.release();
          yield* sleep(0);
          expect(result).toEqual([1]);
          yield* sleep(0);
          expect(result).toEqual([1]);
          lock.release();
          yield* sleep(0);
          expect(result).toEqual([1, 2]);
          lock.release();
          yield* sleep(0);
          expect(result).toEqual([1, 2, 3]);
          expect([t1.result(), t2.result(), t3.result()]).toEqual([true, true, true]);
          lock.release();
        })(),
      );
      t.close();
    });

    // SYNC-03
    it('[SYNC-03] Lock - a waiter cancelled while waiting throws CancelledError and leaves the queue (test_acquire_cancel)', async (t) => {
      const { loop } = t;
      const lock = new Lock();
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          yield* lock.acquire();
          const task = loop.createTask(lock.acquire());
          loop.callSoon(() => task.cancel());
          let caught: unknown = null;
          try {
            yield* task;
          } catch (e) {
            caught = e;
          }
          expect(caught).toBeInstanceOf(CancelledError);
          expect(String(lock)).toBe('<Lock [locked]>');
          lock.release();
        })(),
      );
      t.close();
    });

    // SYNC-03
    it('[SYNC-03] Lock - B cancelled while A releases: the release skips B and C gets the lock (test_cancel_race)', async (t) => {
      const { loop } = t;
      const lock = new Lock();
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          function* lockit(blocker: Future<unknown> | null): Coroutine<void> {
            yield* lock.acquire();
            try {
              if (blocker !== null) yield* blocker;
            } finally {
              lock.release();
            }
          }
          const fa = loop.createFuture<unknown>();
          const ta = loop.createTask(lockit(fa));
          yield* sleep(0);
          expect(lock.locked()).toBe(true);
          const tb = loop.createTask(lockit(null));
          yield* sleep(0);
          const tc = loop.createTask(lockit(null));
          yield* sleep(0);
          expect(String(lock)).toBe('<Lock [locked, waiters:2]>');
          fa.setResult(null);
          tb.cancel();
          yield* sleep(0);
          expect(lock.locked()).toBe(false);
          expect(ta.done()).toBe(true);
          expect(tb.cancelled()).toBe(true);
          yield* tc;
          expect(lock.locked()).toBe(false);
        })(),
      );
      t.close();
    });

    // SYNC-03
    it('[SYNC-03] Lock - cancel the first of three waiters and release in one callback: exactly one takes the lock (test_cancel_release_race)', async (t) => {
      const { loop } = t;
      const lock = new Lock();
      let lockCount = 0;
      let callCount = 0;
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          function* lockit(): Coroutine<void> {
            callCount++;
            yield* lock.acquire();
            lockCount++;
          }
          yield* lock.acquire();
          const t1 = loop.createTask(lockit());
          const t2 = loop.createTask(lockit());
          const t3 = loop.createTask(lockit());
          yield* sleep(0);
          loop.callSoon(() => {
            t1.cancel();
            lock.release();
          });
          let caught: unknown = null;
          try {
            yield* t1;
          } catch (e) {
            caught = e;
          }
          expect(caught).toBeInstanceOf(CancelledError);
          expect(lockCount).toBe(1);
          expect(callCount).toBe(3);
          expect(t1.cancelled() && t2.done()).toBe(true);
          t3.cancel();
          yield* sleep(0);
          expect(t3.cancelled()).toBe(true);
        })(),
      );
      t.close();
    });

    // SYNC-03
    it('[SYNC-03] Lock - a waiter woken by release() and cancelled before it runs wakes the next one (test_finished_waiter_cancelled)', async (t) => {
      const { loop } = t;
      const lock = new Lock();
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          yield* lock.acquire();
          const tb = loop.createTask(lock.acquire());
          yield* sleep(0);
          const tc = loop.createTask(lock.acquire());
          tb.cancel();
          lock.release();
          yield* sleep(0);
          expect(lock.locked()).toBe(true);
          expect(tb.cancelled()).toBe(true);
          expect(yield* tc).toBe(true);
          lock.release();
        })(),
      );
      t.close();
    });

    // SYNC-04
    it('[SYNC-04] withLock() and await using - asyncio\'s async with: the lock is held in the body and released however it ends (test_context_manager)', async (t) => {
      const { loop } = t;
      const lock = new Lock();
      const sem = new Semaphore(2);
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          const r = yield* withLock(lock, function* (held) {
            expect(held).toBe(lock);
            expect(lock.locked()).toBe(true);
            yield* sleep(0);
            return 42;
          });
          expect(r).toBe(42);
          expect(lock.locked()).toBe(false);
          let caught: unknown = null;
          try {
            yield* withLock(sem, function* () {
              expect(String(sem)).toBe('<Semaphore [unlocked, value:1]>');
              throw new RangeError('boom');
            });
          } catch (e) {
            caught = e;
          }
          expect((caught as Error).message).toBe('boom');
          expect(String(sem)).toBe('<Semaphore [unlocked, value:2]>');
          // An async body from a coroutine runs in a child task.
          const v = yield* withLock(lock, async () => {
            await sleep(0.01);
            return lock.locked();
          });
          expect(v).toBe(true);
          expect(lock.locked()).toBe(false);
        })(),
      );
      await loop.runUntilComplete(async () => {
        await lock.acquire();
        {
          await using _held = lock;
          expect(lock.locked()).toBe(true);
        }
        expect(lock.locked()).toBe(false);
        const v = await withLock(lock, () => Promise.resolve(lock.locked()));
        expect(v).toBe(true);
        const w = await withLock(lock, function* () {
          yield* sleep(0);
          return lock.locked();
        });
        expect(w).toBe(true);
        expect(lock.locked()).toBe(false);
      });
      const e = thrown(() => withLock({} as Lock, function* () {})) as TypeError;
      expect(e).toBeInstanceOf(TypeError);
      expect((e as TypeError & { code: string }).code).toBe('ERR_LOOP_INVALID_ARG');
      expect(((thrown(() => withLock(lock, 5 as never)) as TypeError & { code: string }).code)).toBe('ERR_LOOP_INVALID_ARG');
      t.close();
    }, { needs: ['virtual-clock'] });

    // SYNC-05
    it('[SYNC-05] Event - wait() returns true at once when set, else when set() wakes every waiter; clear() resets (test_wait, test_wait_on_set, test_clear, test_repr)', async (t) => {
      const { loop } = t;
      const ev = new Event();
      expect(String(ev)).toBe('<Event [unset]>');
      const result: number[] = [];
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          const c = (n: number): Task<boolean> =>
            loop.createTask(
              (function* (): Coroutine<boolean> {
                const r = yield* ev.wait();
                result.push(n);
                return r;
              })(),
            );
          const tasks = [c(1), c(2), c(3)];
          yield* sleep(0);
          expect(String(ev)).toBe('<Event [unset, waiters:3]>');
          expect(result).toEqual([]);
          ev.set();
          expect(ev.isSet()).toBe(true);
          yield* sleep(0);
          expect(result).toEqual([1, 2, 3]);
          expect(tasks.map((x) => x.result())).toEqual([true, true, true]);
          expect(String(ev)).toBe('<Event [set]>');
          const start = t.iterations;
          expect(yield* ev.wait()).toBe(true);
          expect(t.iterations).toBe(start);
          ev.clear();
          expect(ev.isSet()).toBe(false);
        })(),
      );
      t.close();
    }, { needs: ['stats'] });

    // SYNC-05
    it('[SYNC-05] Event - set() then clear() before the waiters run: they still return true; a cancelled waiter leaves the list (test_clear_with_waiters, test_wait_cancel)', async (t) => {
      const { loop } = t;
      const ev = new Event();
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          const w = loop.createTask(ev.wait());
          const cancelled = loop.createTask(ev.wait());
          yield* sleep(0);
          cancelled.cancel();
          ev.set();
          ev.clear();
          expect(ev.isSet()).toBe(false);
          expect(yield* w).toBe(true);
          expect(cancelled.cancelled()).toBe(true);
          expect(String(ev)).toBe('<Event [unset]>');
        })(),
      );
      t.close();
    });

    // SYNC-06
    it('[SYNC-06] Condition - notify(n) wakes the first n waiters in order, notifyAll() the rest; each returns once it holds the lock (test_notify, test_notify_all)', async (t) => {
      const { loop } = t;
      const cond = new Condition();
      const result: number[] = [];
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          const c = (n: number): Task<boolean> =>
            loop.createTask(
              (function* (): Coroutine<boolean> {
                yield* cond.acquire();
                const r = yield* cond.wait();
                result.push(n);
                cond.release();
                return r;
              })(),
            );
          const tasks = [c(1), c(2), c(3)];
          yield* sleep(0);
          expect(String(cond)).toBe('<Condition [unlocked, waiters:3]>');
          yield* cond.acquire();
          cond.notify(1);
          cond.release();
          yield* sleep(0);
          expect(result).toEqual([1]);
          yield* cond.acquire();
          cond.notify(1);
          cond.notify(2048);
          cond.release();
          yield* sleep(0);
          expect(result).toEqual([1, 2, 3]);
          expect(tasks.map((x) => x.result())).toEqual([true, true, true]);
          const more = [c(4), c(5)];
          yield* sleep(0);
          yield* withLock(cond, function* () {
            cond.notifyAll();
          });
          yield* gather(...more);
          expect(result).toEqual([1, 2, 3, 4, 5]);
        })(),
      );
      t.close();
    });

    // SYNC-06
    it('[SYNC-06] Condition - wait(), notify() and notifyAll() without the lock are RuntimeError (test_wait_unacquired, test_notify_unacquired)', async (t) => {
      const { loop } = t;
      const cond = new Condition();
      for (const fn of [() => cond.notify(), () => cond.notifyAll()]) {
        const e = thrown(fn) as RuntimeError;
        expect(e).toBeInstanceOf(RuntimeError);
        expect(e.code).toBe('ERR_LOOP_NOT_ACQUIRED');
        expect(e.message).toBe('cannot notify on un-acquired lock');
      }
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          for (const make of [() => cond.wait(), () => cond.waitFor(() => false)]) {
            let caught: unknown = null;
            try {
              yield* make();
            } catch (e) {
              caught = e;
            }
            expect((caught as RuntimeError).code).toBe('ERR_LOOP_NOT_ACQUIRED');
            expect((caught as RuntimeError).message).toBe('cannot wait on un-acquired lock');
          }
        })(),
      );
      expect((thrown(() => cond.notify('2' as never)) as TypeError & { code: string }).code).toBe('ERR_LOOP_INVALID_ARG');
      expect((thrown(() => cond.waitFor(null as never)) as TypeError & { code: string }).code).toBe('ERR_LOOP_INVALID_ARG');
      t.close();
    }, { needs: ['virtual-clock'] });

    // SYNC-07
    it('[SYNC-07] Condition.wait() cancelled - throws CancelledError only once it holds the lock again (test_wait_cancel, test_wait_cancel_after_notify)', async (t) => {
      const { loop } = t;
      const cond = new Condition();
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          yield* cond.acquire();
          const wait = loop.createTask(cond.wait());
          loop.callSoon(() => wait.cancel());
          let caught: unknown = null;
          try {
            yield* wait;
          } catch (e) {
            caught = e;
          }
          expect(caught).toBeInstanceOf(CancelledError);
          expect(cond.locked()).toBe(true); // the cancelled wait re-acquired it for us
          cond.release();

          let waited = false;
          let holdsOnCancel: boolean | null = null;
          const waiter = loop.createTask(
            withLock(cond, function* () {
              waited = true;
              try {
                yield* cond.wait();
              } catch (e) {
                holdsOnCancel = cond.locked();
                throw e;
              }
            }),
          );
          yield* sleep(0);
          yield* cond.acquire();
          cond.notify();
          yield* sleep(0); // the waiter is in acquire() now
          waiter.cancel();
          yield* sleep(0);
          expect(waiter.done()).toBe(false); // still waiting for the lock
          cond.release();
          yield* sleep(0);
          expect(waiter.cancelled()).toBe(true);
          expect(waited).toBe(true);
          expect(holdsOnCancel).toBe(true); // wait() threw CancelledError only once it held the lock again; withLock released it
          expect(cond.locked()).toBe(false);
        })(),
      );
      t.close();
    });

    // SYNC-07
    it('[SYNC-07] Condition.wait() notified, then its cancel contested by the lock holder: it ends holding the lock (test_wait_cancel_contested)', async (t) => {
      const { loop } = t;
      const cond = new Condition();
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          yield* cond.acquire();
          const waitTask = loop.createTask(cond.wait());
          yield* sleep(0);
          expect(cond.locked()).toBe(false);
          yield* cond.acquire();
          cond.notify();
          loop.callSoon(() => waitTask.cancel());
          loop.callSoon(() => cond.release());
          try {
            yield* waitTask;
          } catch (e) {
            if (!(e instanceof CancelledError)) throw e;
          }
          expect(cond.locked()).toBe(true);
          cond.release();
        })(),
      );
      t.close();
    });

    // SYNC-07
    it('[SYNC-07] Condition.wait() under waitFor() timing out - TimeoutError, and the lock is held again (test_timeout_in_block)', async (t) => {
      const { loop } = t;
      const cond = new Condition();
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          yield* withLock(cond, function* () {
            let caught: unknown = null;
            try {
              yield* waitFor(cond.wait(), 0.01);
            } catch (e) {
              caught = e;
            }
            expect(caught).toBeInstanceOf(TimeoutError);
            expect(cond.locked()).toBe(true);
          });
          expect(loop.time()).toBeCloseTo(0.01, 9);
        })(),
      );
      t.close();
    }, { needs: ['virtual-clock'] });

    // SYNC-08
    it('[SYNC-08] Condition.waitFor(predicate) - waits until the predicate is truthy and returns its value; Condition(lock) shares the lock (test_wait_for, test_explicit_lock)', async (t) => {
      const { loop } = t;
      const lock = new Lock();
      const cond = new Condition(lock);
      let presult: number | false = false;
      const calls: number[] = [];
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          const task = loop.createTask(
            withLock(cond, function* () {
              return yield* cond.waitFor(() => {
                calls.push(1);
                return presult;
              });
            }),
          );
          yield* sleep(0);
          expect(calls.length).toBe(1);
          yield* withLock(lock, function* () {
            expect(cond.locked()).toBe(true);
            cond.notify();
          });
          yield* sleep(0);
          expect(calls.length).toBe(2);
          presult = 7;
          yield* withLock(cond, function* () {
            cond.notify();
          });
          expect(yield* task).toBe(7);
          expect(calls.length).toBe(3);
          expect(lock.locked()).toBe(false);
        })(),
      );
      const e = thrown(() => new Condition({} as Lock)) as TypeError & { code: string };
      expect(e).toBeInstanceOf(TypeError);
      expect(e.code).toBe('ERR_LOOP_INVALID_ARG');
      t.close();
    }, { needs: ['virtual-clock'] });

    // SYNC-09
    it('[SYNC-09] Semaphore - counts down to zero, locked() then, release() counts up; repr; bad initial values (test_semaphore, test_semaphore_value, test_initial_value_zero, test_repr)', async (t) => {
      const { loop } = t;
      const sem = new Semaphore(2);
      expect(String(sem)).toBe('<Semaphore [unlocked, value:2]>');
      expect(new Semaphore(0).locked()).toBe(true);
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          expect(yield* sem.acquire()).toBe(true);
          expect(yield* sem.acquire()).toBe(true);
          expect(sem.locked()).toBe(true);
          expect(String(sem)).toBe('<Semaphore [locked]>');
          const w = loop.createTask(sem.acquire());
          yield* sleep(0);
          expect(String(sem)).toBe('<Semaphore [locked, waiters:1]>');
          sem.release();
          expect(yield* w).toBe(true);
          sem.release();
          sem.release();
          sem.release(); // an unbounded semaphore goes above its initial value
          expect(String(sem)).toBe('<Semaphore [unlocked, value:3]>');
        })(),
      );
      const neg = thrown(() => new Semaphore(-1)) as RangeError & { code: string };
      expect(neg).toBeInstanceOf(RangeError);
      expect(neg.code).toBe('ERR_LOOP_OUT_OF_RANGE');
      expect(neg.message).toBe('Semaphore initial value must be >= 0');
      expect((thrown(() => new Semaphore('1' as never)) as TypeError & { code: string }).code).toBe('ERR_LOOP_INVALID_ARG');
      t.close();
    });

    // SYNC-10
    it('[SYNC-10] Semaphore - two waiters cancelled before release(): the unit goes to the third, not the fourth (test_acquire_cancel_before_awoken, test_acquire_hang)', async (t) => {
      const { loop } = t;
      const sem = new Semaphore(0);
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          const [t1, t2, t3, t4] = [0, 1, 2, 3].map(() => loop.createTask(sem.acquire()));
          yield* sleep(0);
          t1.cancel();
          t2.cancel();
          sem.release();
          yield* sleep(0);
          yield* sleep(0);
          expect(t3.done()).toBe(true);
          expect(t4.done()).toBe(false);
          expect(sem.locked()).toBe(true);
          t3.cancel();
          t4.cancel();
          yield* sleep(0);
          expect(t4.cancelled()).toBe(true);
          expect(String(sem)).toBe('<Semaphore [locked]>');
        })(),
      );
      t.close();
    });

    // SYNC-10
    it('[SYNC-10] Semaphore - FIFO across a release and re-acquire; a cancelled waiter loses its turn (test_acquire_fifo_order_2, _3, test_acquire_no_hang)', async (t) => {
      const { loop } = t;
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          const sem = new Semaphore(1);
          const result: number[] = [];
          const t1 = loop.createTask(
            (function* (): Coroutine<boolean> {
              yield* sem.acquire();
              result.push(1);
              return true;
            })(),
          );
          const t2 = loop.createTask(
            (function* (): Coroutine<boolean> {
              yield* sem.acquire();
              result.push(2);
              sem.release();
              yield* sem.acquire();
              result.push(4);
              return true;
            })(),
          );
          const t3 = loop.createTask(
            (function* (): Coroutine<boolean> {
              yield* sem.acquire();
              result.push(3);
              return true;
            })(),
          );
          yield* sleep(0);
          sem.release();
          sem.release();
          yield* gather(t1, t2, t3);
          expect(result).toEqual([1, 2, 3, 4]);

          const sem0 = new Semaphore(0);
          const order: number[] = [];
          const ts = [1, 2, 3].map((n) =>
            loop.createTask(
              (function* (): Coroutine<void> {
                yield* sem0.acquire();
                order.push(n);
              })(),
            ),
          );
          yield* sleep(0);
          ts[0].cancel();
          yield* sleep(0);
          sem0.release();
          sem0.release();
          yield* gather(...ts, { returnExceptions: true });
          expect(order).toEqual([2, 3]);

          const sem1 = new Semaphore(1);
          const c2Box: Task<unknown>[] = [];
          const c1 = loop.createTask(
            (function* (): Coroutine<null> {
              yield* withLock(sem1, function* () {
                yield* sleep(0);
              });
              c2Box[0].cancel();
              return null;
            })(),
          );
          const c2 = loop.createTask(
            withLock(sem1, function* () {
              throw new Error('c2 must not get the semaphore');
            }),
          );
          c2Box.push(c2);
          const [r1, r2] = yield* gather(c1, c2, { returnExceptions: true });
          expect(r1).toBe(null);
          expect(r2).toBeInstanceOf(CancelledError);
          expect(yield* waitFor(sem1.acquire(), 1)).toBe(true);
        })(),
      );
      t.close();
    }, { needs: ['virtual-clock'] });

    // SYNC-10
    it('[SYNC-10] Semaphore - a waiter woken by release() and cancelled before it runs gives the unit back to the next waiter (3.11.x _wake_up_next; yield* and await alike)', async (t) => {
      const { loop } = t;
      // CPython 3.11: ['after release [locked, waiters:2]', 'A cancelled',
      // 'after one iteration [locked, waiters:1]', 'B acquired', 'end [locked]']
      const expected = ['after release [locked, waiters:2]', 'A cancelled', 'after one iteration [locked, waiters:1]', 'B acquired', 'end [locked]'];
      for (const style of ['coroutine', 'async'] as const) {
        const sem = new Semaphore(0);
        const out: string[] = [];
        const steps = (n: string): Task<void> =>
          style === 'coroutine'
            ? loop.createTask(
                (function* (): Coroutine<void> {
                  try {
                    yield* sem.acquire();
                    out.push(`${n} acquired`);
                  } catch (e) {
                    if (isCancelled(e)) out.push(`${n} cancelled`);
                    throw e;
                  }
                })(),
              )
            : loop.createTask(async () => {
                try {
                  await sem.acquire();
                  out.push(`${n} acquired`);
                } catch (e) {
                  if (isCancelled(e)) out.push(`${n} cancelled`);
                  throw e;
                }
              });
        await loop.runUntilComplete(
          (function* (): Coroutine<void> {
            const ts = [steps('A'), steps('B')];
            yield* sleep(0);
            sem.release();
            out.push(`after release ${state(sem)}`);
            ts[0].cancel();
            yield* sleep(0);
            out.push(`after one iteration ${state(sem)}`);
            yield* gather(...ts, { returnExceptions: true });
            out.push(`end ${state(sem)}`);
          })(),
        );
        expect(out).toEqual(expected);
      }
      t.close();
    });

    // SYNC-11
    it('[SYNC-11] BoundedSemaphore - release() above the initial value is RangeError and changes nothing (test_release_not_acquired)', async (t) => {
      const { loop } = t;
      const sem = new BoundedSemaphore(1);
      const e = thrown(() => sem.release()) as RangeError & { code: string };
      expect(e).toBeInstanceOf(RangeError);
      expect(e.code).toBe('ERR_LOOP_OUT_OF_RANGE');
      expect(e.message).toBe('BoundedSemaphore released too many times');
      expect(String(sem)).toBe('<BoundedSemaphore [unlocked, value:1]>');
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          yield* sem.acquire();
          sem.release();
          expect(() => sem.release()).toThrow(RangeError);
          expect(sem.locked()).toBe(false);
        })(),
      );
      t.close();
    });

    // SYNC-12
    it('[SYNC-12] Barrier - releases its parties together with indexes 0..n-1; one party passes at once; parties are checked (test_barrier, test_filling_one_task, test_filling_task_by_task, test_barrier_parties)', async (t) => {
      const { loop } = t;
      const one = new Barrier(1);
      const b = new Barrier(3);
      expect(String(b)).toBe('<Barrier [filling, waiters:0/3]>');
      expect(b.parties).toBe(3);
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          expect(yield* one.wait()).toBe(0);
          expect(yield* one.wait()).toBe(0);
          const tasks = [0, 1, 2].map(() => loop.createTask(b.wait()));
          yield* sleep(0);
          // The third party released the others: the barrier drains.
          expect(b.nWaiting).toBe(0);
          expect(String(b)).toBe('<Barrier [draining, waiters:0/3]>');
          const idx = yield* gather(...tasks);
          expect(idx.sort()).toEqual([0, 1, 2]);
          expect(String(b)).toBe('<Barrier [filling, waiters:0/3]>');
          const t1 = loop.createTask(b.wait());
          yield* sleep(0);
          expect(b.nWaiting).toBe(1);
          const t2 = loop.createTask(b.wait());
          yield* sleep(0);
          expect(b.nWaiting).toBe(2);
          expect(String(b)).toBe('<Barrier [filling, waiters:2/3]>');
          expect(yield* b.wait()).toBe(2);
          expect([yield* t1, yield* t2]).toEqual([0, 1]);
        })(),
      );
      expect((thrown(() => new Barrier(0)) as RangeError & { code: string }).code).toBe('ERR_LOOP_OUT_OF_RANGE');
      expect((thrown(() => new Barrier('3' as never)) as TypeError & { code: string }).code).toBe('ERR_LOOP_INVALID_ARG');
      t.close();
    });

    // SYNC-12
    it('[SYNC-12] Barrier - a task arriving while the barrier drains waits for the next round (test_blocking_tasks_while_draining)', async (t) => {
      const { loop } = t;
      const n = 5;
      const rewait = 2;
      const barrier = new Barrier(n);
      const noWaiting = new Barrier(n - rewait);
      let rewaitN = rewait;
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          function* coro(): Coroutine<void> {
            yield* barrier.wait();
            if (rewaitN > 0) {
              rewaitN--;
              yield* barrier.wait();
            } else {
              yield* noWaiting.wait();
              yield* barrier.wait();
            }
          }
          yield* gather(...Array.from({ length: n }, () => loop.createTask(coro())));
          expect(barrier.nWaiting).toBe(0);
          expect(barrier.broken).toBe(false);
        })(),
      );
      t.close();
    });

    // SYNC-13
    it('[SYNC-13] Barrier - a waiter cancelled while filling leaves it: nWaiting drops and the next parties still trip it (test_filling_tasks_cancel_one)', async (t) => {
      const { loop } = t;
      const barrier = new Barrier(3);
      const results: boolean[] = [];
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          function* coro(): Coroutine<void> {
            yield* barrier.wait();
            results.push(true);
          }
          const t1 = loop.createTask(coro());
          yield* sleep(0);
          const t2 = loop.createTask(coro());
          yield* sleep(0);
          expect(barrier.nWaiting).toBe(2);
          t1.cancel();
          yield* sleep(0);
          expect(barrier.nWaiting).toBe(1);
          expect(t1.cancelled()).toBe(true);
          const t3 = loop.createTask(coro());
          yield* sleep(0);
          expect(barrier.nWaiting).toBe(2);
          const t4 = loop.createTask(coro());
          yield* gather(t2, t3, t4);
          expect(results).toEqual([true, true, true]);
          expect(barrier.nWaiting).toBe(0);
          expect(barrier.broken).toBe(false);
        })(),
      );
      t.close();
    });

    // SYNC-13
    it('[SYNC-13] Barrier.abort() - breaks it: the waiters and every later wait() get BrokenBarrierError; reset() makes it usable (test_abort_barrier, test_abort_barrier_when_exception_then_resetting)', async (t) => {
      const { loop } = t;
      const barrier = new Barrier(3);
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          const waiters = [0, 1].map(() => loop.createTask(barrier.wait()));
          yield* sleep(0);
          yield* barrier.abort();
          expect(barrier.broken).toBe(true);
          expect(String(barrier)).toBe('<Barrier [broken]>');
          const outcomes = yield* gather(...waiters, { returnExceptions: true });
          for (const o of outcomes) {
            expect(o).toBeInstanceOf(BrokenBarrierError);
            expect((o as BrokenBarrierError).code).toBe('ERR_LOOP_BROKEN_BARRIER');
            expect((o as BrokenBarrierError).message).toBe('Abort or reset of barrier');
          }
          let caught: unknown = null;
          try {
            yield* barrier.wait();
          } catch (e) {
            caught = e;
          }
          expect(caught).toBeInstanceOf(BrokenBarrierError);
          expect(caught).toBeInstanceOf(RuntimeError);
          expect((caught as Error).message).toBe('Barrier aborted');
          expect(barrier.nWaiting).toBe(0);
          yield* barrier.reset();
          expect(barrier.broken).toBe(false);
          const idx = yield* gather(barrier.wait(), barrier.wait(), barrier.wait());
          expect([...idx].sort()).toEqual([0, 1, 2]);
        })(),
      );
      t.close();
    });

    // SYNC-13
    it('[SYNC-13] Barrier.reset() - with half the parties draining and half blocked: the blocked ones break, every party then passes again (test_reset_barrier_when_tasks_half_draining_half_blocking, async functions)', async (t) => {
      const { loop } = t;
      const n = 5;
      const barrier = new Barrier(n);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const blockingTasks = Math.floor(n / 2);
      let count = 0;
      await loop.runUntilComplete(async () => {
        async function coro(): Promise<void> {
          try {
            await barrier.wait();
          } catch (e) {
            if (!(e instanceof BrokenBarrierError)) throw e;
            results1.push(true);
            await barrier.wait();
            return;
          }
          count++;
          if (count > blockingTasks) {
            await barrier.reset();
            await barrier.wait();
          } else {
            try {
              await barrier.wait();
            } catch (e) {
              if (!(e instanceof BrokenBarrierError)) throw e;
              results2.push(true);
            }
          }
        }
        await gather(...Array.from({ length: n }, () => loop.createTask(coro)));
      });
      expect(results1).toEqual([true, true]);
      expect(results2).toEqual([]);
      expect(barrier.nWaiting).toBe(0);
      expect(String(barrier)).not.toContain('resetting');
      expect(barrier.broken).toBe(false);
      t.close();
    });

    // SYNC-13
    it('[SYNC-13] Barrier.reset() - by the last party out while the barrier drains: no one breaks, and all pass twice more (test_reset_barrier_while_tasks_draining, async functions)', async (t) => {
      const { loop } = t;
      const n = 5;
      const barrier = new Barrier(n);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const results3: boolean[] = [];
      let count = 0;
      await loop.runUntilComplete(async () => {
        async function coro(): Promise<void> {
          await barrier.wait();
          count++;
          if (count === n) {
            await barrier.reset();
            await barrier.wait();
          } else {
            try {
              await barrier.wait();
              results1.push(true);
            } catch {
              results2.push(true);
            }
          }
          await barrier.wait();
          results3.push(true);
        }
        await gather(...Array.from({ length: n }, () => loop.createTask(coro)));
      });
      expect(barrier.broken).toBe(false);
      expect(results1.length).toBe(n - 1);
      expect(results2.length).toBe(0);
      expect(results3.length).toBe(n);
      expect(barrier.nWaiting).toBe(0);
      t.close();
    });

    // SYNC-14
    it('[SYNC-14] a primitive bound to one loop - RuntimeError "is bound to a different event loop" when another loop makes it wait (test_ambiguous_loops)', async (t) => {
      const { loop } = t;
      const lock = new Lock();
      const sem = new Semaphore(0);
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          yield* lock.acquire();
          const w = loop.createTask(lock.acquire()); // binds the lock to this loop
          yield* sleep(0);
          lock.release();
          yield* w;
          lock.release();
          const s = loop.createTask(sem.acquire());
          yield* sleep(0);
          sem.release();
          yield* s;
        })(),
      );
      t.close();
      const other = t.newLoop();
      await other.runUntilComplete(
        (function* (): Coroutine<void> {
          // The fast path needs no loop.
          expect(yield* lock.acquire()).toBe(true);
          for (const make of [() => lock.acquire(), () => sem.acquire(), () => new Condition(lock).acquire()]) {
            let caught: unknown = null;
            try {
              yield* make();
            } catch (e) {
              caught = e;
            }
            expect(caught).toBeInstanceOf(RuntimeError);
            expect((caught as RuntimeError).code).toBe('ERR_LOOP_BOUND_TO_OTHER_LOOP');
            expect((caught as RuntimeError).message).toMatch(/^<(Lock|Semaphore) \[locked.*\]> is bound to a different event loop$/);
          }
          lock.release();
          expect(String(lock)).toBe('<Lock [unlocked]>');
        })(),
      );
      t.close(other);
    });

    it('[oracle locks_trace.py] several waiters, cancellations in the middle (coroutines, yield*)', async (t) => {
      await t.loop.runUntilComplete(locksTraceCoroutines(t));
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });

    it('[oracle locks_trace.py] the same trace with async functions and await', async (t) => {
      await t.loop.runUntilComplete(locksTraceAsync(t));
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });
  });
}
