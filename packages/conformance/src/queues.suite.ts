/**
 * asyncio's queues (catalog.md §28 QUEUE-01 to QUEUE-06, CPython 3.11's
 * test_queues.py): FIFO / LIFO / priority order, `maxsize` blocking, FIFO
 * getters and putters, a cancelled `get()` or `put()` that loses no item
 * and keeps no slot, `taskDone()` / `join()`, and the binding to one loop.
 * The ordering-heavy scenario is the oracle trace of the locks suite.
 */
import { expect } from 'expect';
import { describe } from './runner.js';
import {
  CancelledError,
  LifoQueue,
  PriorityQueue,
  Queue,
  QueueEmpty,
  QueueFull,
  RuntimeError,
  TimeoutError,
  gather,
  sleep,
  waitFor,
} from '@loop/core';
import type { Coroutine } from '@loop/interfaces';
import { defineLoopTest, thrown, type LoopFactory, type SuiteOptions } from './harness.js';

function codeOf(e: unknown): string {
  return (e as { code: string }).code;
}

/** Defines the queues suite. */
export function queuesSuite(newLoop: LoopFactory, options: SuiteOptions): void {
  const it = defineLoopTest(newLoop, options);

  describe('queues', () => {
    // QUEUE-01
    it('[QUEUE-01] Queue - qsize/empty/full/maxsize, FIFO order, a fractional maxsize, toString (test_empty, test_full, test_order, test_maxsize, test_float_maxsize, test_str)', async (t) => {
      const { loop } = t;
      const q = new Queue<number>();
      expect(q.empty()).toBe(true);
      expect(q.full()).toBe(false);
      expect(q.maxsize).toBe(0);
      expect(String(q)).toBe('<Queue maxsize=0>');
      for (const i of [1, 3, 2]) q.putNowait(i);
      expect(q.qsize()).toBe(3);
      expect(String(q)).toBe('<Queue maxsize=0 _queue=[1, 3, 2] tasks=3>');
      expect([q.getNowait(), q.getNowait(), q.getNowait()]).toEqual([1, 3, 2]);
      expect(q.empty()).toBe(true);

      const two = new Queue<number>(2);
      two.putNowait(1);
      expect(two.full()).toBe(false);
      two.putNowait(2);
      expect(two.full()).toBe(true);
      const fractional = new Queue<number>(1.3);
      fractional.putNowait(1);
      fractional.putNowait(2);
      expect(fractional.full()).toBe(true);
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          // maxsize <= 0 never blocks.
          const unbounded = new Queue<number>(-1);
          for (let i = 0; i < 100; i++) yield* unbounded.put(i);
          expect(unbounded.full()).toBe(false);
          expect(unbounded.qsize()).toBe(100);
        })(),
      );
      const e = thrown(() => new Queue('2' as never));
      expect(e).toBeInstanceOf(TypeError);
      expect(codeOf(e)).toBe('ERR_LOOP_INVALID_ARG');
      t.close();
    });

    // QUEUE-02
    it('[QUEUE-02] Queue.get() on an empty queue - waits for put(); getNowait() throws QueueEmpty (test_blocking_get_wait, test_nonblocking_get_exception)', async (t) => {
      const { loop } = t;
      const q = new Queue<string>();
      const e = thrown(() => q.getNowait());
      expect(e).toBeInstanceOf(QueueEmpty);
      expect(codeOf(e)).toBe('ERR_LOOP_QUEUE_EMPTY');
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          loop.callLater(0.01, () => q.putNowait('x'));
          const start = t.iterations;
          expect(String(q)).toBe('<Queue maxsize=0>');
          const got = yield* q.get();
          expect(got).toBe('x');
          expect(loop.time()).toBeCloseTo(0.01, 9);
          expect(t.iterations).toBeGreaterThan(start);
        })(),
      );
      t.close();
    }, { needs: ['stats', 'virtual-clock'] });

    // QUEUE-02
    it('[QUEUE-02] Queue.put() on a full queue - waits for get(); putNowait() throws QueueFull (test_blocking_put_wait, test_nonblocking_put_exception)', async (t) => {
      const { loop } = t;
      const q = new Queue<number>(1);
      q.putNowait(1);
      const e = thrown(() => q.putNowait(2));
      expect(e).toBeInstanceOf(QueueFull);
      expect(codeOf(e)).toBe('ERR_LOOP_QUEUE_FULL');
      expect(q.qsize()).toBe(1);
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          loop.callLater(0.01, () => q.getNowait());
          yield* q.put(2);
          expect(loop.time()).toBeCloseTo(0.01, 9);
          expect(q.getNowait()).toBe(2);
        })(),
      );
      t.close();
    }, { needs: ['virtual-clock'] });

    // QUEUE-02
    it('[QUEUE-02] Queue - waiting getters and putters are served in the order they came (test_get_with_putters, test_why_are_getters_waiting)', async (t) => {
      const { loop } = t;
      const q = new Queue<number>(1);
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          const getters = [0, 1, 2].map(() => loop.createTask(q.get()));
          yield* sleep(0);
          expect(String(q)).toBe('<Queue maxsize=1 _getters[3]>');
          const putters = [10, 20, 30].map((v) => loop.createTask(q.put(v)));
          yield* gather(...putters, ...getters);
          expect(getters.map((g) => g.result())).toEqual([10, 20, 30]);
          q.putNowait(1);
          const waitingPutters = [2, 3, 4].map((v) => loop.createTask(q.put(v)));
          yield* sleep(0);
          expect(String(q)).toBe('<Queue maxsize=1 _queue=[1] _putters[3] tasks=4>');
          const got: number[] = [];
          for (let i = 0; i < 4; i++) got.push(yield* q.get());
          yield* gather(...waitingPutters);
          expect(got).toEqual([1, 2, 3, 4]);
          expect(q.empty()).toBe(true);
        })(),
      );
      t.close();
    });

    // QUEUE-03
    it('[QUEUE-03] Queue.get() cancelled - a getter cancelled while waiting leaves the list; one woken then cancelled passes the item on; no item is lost (test_get_cancelled_race, test_get_cancel_drop_one_pending_reader, test_cancelled_getters_not_being_held_in_self_getters)', async (t) => {
      const { loop } = t;
      const q = new Queue<string | number>();
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          const t1 = loop.createTask(q.get());
          const t2 = loop.createTask(q.get());
          yield* sleep(0);
          t1.cancel();
          yield* sleep(0);
          expect(t1.done()).toBe(true);
          expect(String(q)).toBe('<Queue maxsize=0 _getters[1]>');
          yield* q.put('a');
          yield* sleep(0);
          expect(yield* t2).toBe('a');

          let reader = loop.createTask(q.get());
          yield* sleep(0);
          q.putNowait(1);
          q.putNowait(2);
          reader.cancel();
          try {
            yield* reader;
          } catch (e) {
            if (!(e instanceof CancelledError)) throw e;
            reader = loop.createTask(q.get());
            yield* reader;
          }
          expect(reader.result()).toBe(1); // 2 would mean 1 was dropped
          expect(q.getNowait()).toBe(2);

          // A get() timed out by waitFor() leaves no getter behind.
          let caught: unknown = null;
          try {
            yield* waitFor(q.get(), 0.01);
          } catch (e) {
            caught = e;
          }
          expect(caught).toBeInstanceOf(TimeoutError);
          expect(String(q)).toBe('<Queue maxsize=0 tasks=3>');
        })(),
      );
      t.close();
    }, { needs: ['virtual-clock'] });

    // QUEUE-03
    it('[QUEUE-03] Queue.put() cancelled - the slot goes to the next putter and the cancelled item is not added (test_put_cancelled_race, test_put_cancel_drop, test_cancelled_puts_not_being_held_in_self_putters)', async (t) => {
      const { loop } = t;
      const q = new Queue<string>(1);
      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          const putA = loop.createTask(q.put('a'));
          const putB = loop.createTask(q.put('b'));
          const putC = loop.createTask(q.put('X'));
          yield* sleep(0);
          expect(putA.done()).toBe(true);
          expect(putB.done()).toBe(false);
          putC.cancel();
          yield* sleep(0);
          expect(putC.done()).toBe(true);
          expect(q.getNowait()).toBe('a');
          yield* sleep(0);
          expect(q.getNowait()).toBe('b');
          yield* putB;
          expect(q.empty()).toBe(true);

          // Woken for the free slot, then cancelled: the slot passes on.
          q.putNowait('full');
          const p1 = loop.createTask(q.put('p1'));
          const p2 = loop.createTask(q.put('p2'));
          yield* sleep(0);
          expect(q.getNowait()).toBe('full');
          p1.cancel();
          yield* sleep(0);
          yield* sleep(0);
          expect(p1.cancelled()).toBe(true);
          expect(p2.done()).toBe(true);
          expect(String(q)).toBe("<Queue maxsize=1 _queue=['p2'] tasks=4>");
        })(),
      );
      t.close();
    });

    // QUEUE-04
    it('[QUEUE-04] Queue.taskDone() / join() - join() resolves once every item put is marked done; one taskDone() too many is RangeError (test_task_done, test_join_empty_queue, test_task_done_underflow, test_format)', async (t) => {
      const { loop } = t;
      for (const q of [new Queue<number>(), new LifoQueue<number>(), new PriorityQueue<number>()]) {
        const e = thrown(() => q.taskDone());
        expect(e).toBeInstanceOf(RangeError);
        expect(codeOf(e)).toBe('ERR_LOOP_OUT_OF_RANGE');
        expect((e as Error).message).toBe('task_done() called too many times');
        let accumulator = 0;
        let running = true;
        await loop.runUntilComplete(
          (function* (): Coroutine<void> {
            const start = t.iterations;
            yield* q.join(); // nothing put: at once
            expect(t.iterations).toBe(start);
            for (let i = 0; i < 100; i++) q.putNowait(i);
            expect(String(q)).toMatch(/ tasks=100>$/);
            function* worker(): Coroutine<void> {
              while (running) {
                const item = yield* q.get();
                accumulator += item;
                q.taskDone();
              }
            }
            const workers = [loop.createTask(worker()), loop.createTask(worker())];
            yield* q.join();
            expect(accumulator).toBe(4950);
            expect(String(q)).not.toMatch(/tasks=/);
            running = false;
            for (const w of workers) w.cancel();
            yield* gather(...workers, { returnExceptions: true });
          })(),
        );
      }
      t.close();
    }, { needs: ['stats'] });

    // QUEUE-05
    it('[QUEUE-05] LifoQueue and PriorityQueue - last in first out; smallest first, arrays compared like Python tuples (LifoQueueTests::test_order, PriorityQueueTests::test_order)', async (t) => {
      const { loop } = t;
      const lifo = new LifoQueue<number>();
      for (const i of [1, 3, 2]) lifo.putNowait(i);
      expect(String(lifo)).toBe('<LifoQueue maxsize=0 _queue=[1, 3, 2] tasks=3>');
      expect([lifo.getNowait(), lifo.getNowait(), lifo.getNowait()]).toEqual([2, 3, 1]);

      const pq = new PriorityQueue<number>();
      for (const i of [1, 3, 2]) pq.putNowait(i);
      expect([pq.getNowait(), pq.getNowait(), pq.getNowait()]).toEqual([1, 2, 3]);

      const tuples = new PriorityQueue<unknown[]>();
      const items: unknown[][] = [[2, 'b'], [1, 'z'], [1, 'a', 0], [1, 'a'], [0n, 'big'], [1.5, 'x'], [2, 'a']];
      for (const item of items) tuples.putNowait(item);
      const out: unknown[][] = [];
      while (!tuples.empty()) out.push(tuples.getNowait());
      expect(out).toEqual([[0n, 'big'], [1, 'a'], [1, 'a', 0], [1, 'z'], [1.5, 'x'], [2, 'a'], [2, 'b']]);

      const words = new PriorityQueue<string>();
      for (const w of ['pear', 'apple', 'fig']) words.putNowait(w);
      expect([words.getNowait(), words.getNowait(), words.getNowait()]).toEqual(['apple', 'fig', 'pear']);

      await loop.runUntilComplete(
        (function* (): Coroutine<void> {
          const bounded = new PriorityQueue<number>(2);
          yield* bounded.put(5);
          yield* bounded.put(1);
          const blocked = loop.createTask(bounded.put(3));
          yield* sleep(0);
          expect(blocked.done()).toBe(false);
          expect(yield* bounded.get()).toBe(1);
          yield* blocked;
          expect([yield* bounded.get(), yield* bounded.get()]).toEqual([3, 5]);
        })(),
      );
      t.close();
    });

    // QUEUE-05
    it("[QUEUE-05] PriorityQueue - the heap's array order is heapq's: toString() shows what CPython's str() shows", (t) => {
      // CPython 3.11: the same puts and gets, then str(pq).
      const pq = new PriorityQueue<number>();
      const got: number[] = [];
      [5, 3, 8, 1, 9, 2, 7, 3, 6, 0, 4, 8].forEach((x, i) => {
        pq.putNowait(x);
        if (i === 4 || i === 8) got.push(pq.getNowait());
      });
      expect(got).toEqual([1, 2]);
      expect(String(pq)).toBe('<PriorityQueue maxsize=0 _queue=[0, 3, 7, 3, 5, 8, 9, 6, 4, 8] tasks=12>');
      const tuples = new PriorityQueue<unknown[]>();
      for (const x of [[2, 'b'], [1, 'z'], [1, 'a', 0], [1, 'a'], [3], [1.5, 'x'], [2, 'a']]) tuples.putNowait(x);
      // CPython: _queue=[(1, 'a'), (1, 'a', 0), (1, 'z'), (2, 'b'), (3,), (1.5, 'x'), (2, 'a')]
      const heap = String(tuples).replace(/^.*_queue=\[(.*)\] tasks=7>$/, '$1');
      expect(heap.replace(/\s+/g, '')).toBe("[1,'a'],[1,'a',0],[1,'z'],[2,'b'],[3],[1.5,'x'],[2,'a']");
      t.close();
    });

    // QUEUE-05
    it('[QUEUE-05] PriorityQueue - items that do not compare are a TypeError and are not added', (t) => {
      const pq = new PriorityQueue<unknown>();
      pq.putNowait([1, { task: 'a' }]);
      // Equal priorities compare the next elements: two objects do not compare (Python: TypeError too).
      const e = thrown(() => pq.putNowait([1, { task: 'b' }]));
      expect(e).toBeInstanceOf(TypeError);
      expect(codeOf(e)).toBe('ERR_LOOP_INVALID_ARG');
      expect((e as Error).message).toMatch(/^PriorityQueue: '<' not supported between Object and Object/);
      expect(thrown(() => pq.putNowait('a string'))).toBeInstanceOf(TypeError);
      expect(thrown(() => pq.putNowait(null))).toBeInstanceOf(TypeError);
      expect(pq.qsize()).toBe(1);
      expect(String(pq)).toMatch(/ tasks=1>$/);
      pq.putNowait([0, { task: 'c' }]);
      expect(pq.getNowait()).toEqual([0, { task: 'c' }]);
      expect(pq.getNowait()).toEqual([1, { task: 'a' }]);
      t.close();
    });

    // QUEUE-06
    it('[QUEUE-06] a queue bound to one loop - RuntimeError "is bound to a different event loop" when another loop waits on it; async functions await put()/get()', async (t) => {
      const { loop } = t;
      const q = new Queue<number>(1);
      await loop.runUntilComplete(async () => {
        const consumer = loop.createTask(async () => {
          const got: number[] = [];
          for (let i = 0; i < 3; i++) got.push(await q.get());
          return got;
        });
        for (const i of [1, 2, 3]) await q.put(i);
        expect(await consumer).toEqual([1, 2, 3]);
      });
      t.close();
      const other = t.newLoop();
      await other.runUntilComplete(async () => {
        q.putNowait(7); // no wait: no loop needed
        expect(await q.get()).toBe(7);
        let caught: unknown = null;
        try {
          await q.get();
        } catch (e) {
          caught = e;
        }
        expect(caught).toBeInstanceOf(RuntimeError);
        expect(codeOf(caught)).toBe('ERR_LOOP_BOUND_TO_OTHER_LOOP');
        expect((caught as Error).message).toBe('<Queue maxsize=1 tasks=4> is bound to a different event loop');
      });
      t.close(other);
    });
  });
}
