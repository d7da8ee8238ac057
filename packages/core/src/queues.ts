/**
 * asyncio 3.11's queues (`asyncio.queues`): `Queue` (FIFO), `LifoQueue`,
 * `PriorityQueue` (a binary heap with `heapq`'s exact sifts, so equal
 * priorities come out in Python's order).
 *
 * `put()` waits while the queue is full, `get()` while it is empty, each in a
 * FIFO list of waiters; a waiter cancelled after it was woken passes the
 * wake-up on, so no item (and no free slot) is lost. `taskDone()` / `join()`
 * count the items put and not yet processed.
 *
 * @packageDocumentation
 */
import { loopError, QueueEmpty, QueueFull } from '@loop/interfaces';
import type { Coroutine } from '@loop/interfaces';
import { awaitableCoroutine, makeAwaitable } from './awaitable-coroutine.js';
import type { AwaitableCoroutine } from './awaitable-coroutine.js';
import type { BaseEventLoop } from './base-event-loop.js';
import type { Future } from './futures.js';
import { reprValue } from './internal/format.js';
import { LoopBound } from './internal/loop-bound.js';
import { Event, removeWaiter } from './locks.js';

/** asyncio's `_wakeup_next`: completes the first waiter not done, dropping those before it. */
function wakeupNext(waiters: Future<null>[]): void {
  while (waiters.length > 0) {
    const waiter = waiters.shift() as Future<null>;
    if (!waiter.done()) {
      waiter.setResult(null);
      break;
    }
  }
}

/**
 * Waits in line in `waiters` until woken (asyncio's put/get loop body). A
 * waiter woken and then cancelled passes its wake-up on to the next one
 * while `canProceed()` still holds, so no slot or item is lost.
 */
function* waitInLine(loop: BaseEventLoop, waiters: Future<null>[], canProceed: () => boolean): Coroutine<void> {
  const waiter = loop.createFuture<null>();
  waiters.push(waiter);
  try {
    yield* waiter;
  } catch (e) {
    waiter.cancel(); // In case it is not done yet.
    removeWaiter(waiters, waiter);
    if (canProceed() && !waiter.cancelled()) wakeupNext(waiters);
    throw e;
  }
}

/**
 * A FIFO queue (asyncio's `Queue`). `maxsize <= 0` (the default): unbounded.
 * Subclasses change the order through the protected `_put` / `_get` /
 * `_size` / `_items`.
 */
export class Queue<T = unknown> extends LoopBound {
  readonly #maxsize: number;
  readonly #getters: Future<null>[] = [];
  readonly #putters: Future<null>[] = [];
  #unfinishedTasks = 0;
  readonly #finished = new Event();
  // The FIFO store: items[head..] (the dead prefix is dropped once it is half the array).
  #items: T[] = [];
  #head = 0;

  /** `maxsize` (default 0: unbounded; a fraction counts up, as in Python). `TypeError` when it is not a number. */
  constructor(maxsize = 0) {
    super();
    if (typeof maxsize !== 'number' || Number.isNaN(maxsize)) {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${new.target.name}(): maxsize must be a number, got ${reprValue(maxsize)}`);
    }
    this.#maxsize = maxsize;
    this.#finished.set();
  }

  /** @internal Adds an item to the store (FIFO: at the end). */
  protected _put(item: T): void {
    this.#items.push(item);
  }

  /** @internal Takes the next item out of the store (FIFO: the oldest). */
  protected _get(): T {
    const items = this.#items;
    const item = items[this.#head];
    items[this.#head++] = undefined as T;
    if (this.#head === items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= items.length) {
      this.#items = items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** @internal How many items the store holds. */
  protected _size(): number {
    return this.#items.length - this.#head;
  }

  /** @internal The items in store order, for `toString()`. */
  protected _items(): T[] {
    return this.#items.slice(this.#head);
  }

  /** The bound given to the constructor (`<= 0`: none). */
  get maxsize(): number {
    return this.#maxsize;
  }

  /** How many items the queue holds. */
  qsize(): number {
    return this._size();
  }

  /** Whether the queue holds no item. */
  empty(): boolean {
    return this._size() === 0;
  }

  /** Whether the queue holds `maxsize` items (never, when unbounded). */
  full(): boolean {
    return this.#maxsize > 0 && this._size() >= this.#maxsize;
  }

  /** Puts `item`, first waiting (FIFO) while the queue is full. */
  put(item: T): AwaitableCoroutine<void> {
    return awaitableCoroutine(this._putSteps(item));
  }

  /** @internal The steps of the method of the same name (a generator whose objects are awaitable). */
  *_putSteps(item: T): Coroutine<void> {
    // Woken for a free slot, then cancelled: the slot goes to the next putter.
    while (this.full()) yield* waitInLine(this._getLoop(), this.#putters, () => !this.full());
    this.putNowait(item);
  }

  /** Puts `item` at once; `QueueFull` (`ERR_LOOP_QUEUE_FULL`) when the queue is full. */
  putNowait(item: T): void {
    if (this.full()) {
      throw new QueueFull(`${this.constructor.name}.putNowait(): the queue is full (maxsize ${this.#maxsize})`);
    }
    this._put(item);
    this.#unfinishedTasks++;
    this.#finished.clear();
    wakeupNext(this.#getters);
  }

  /** Takes the next item, first waiting (FIFO) while the queue is empty. */
  get(): AwaitableCoroutine<T> {
    return awaitableCoroutine(this._getSteps());
  }

  /** @internal The steps of the method of the same name (a generator whose objects are awaitable). */
  *_getSteps(): Coroutine<T> {
    // Woken for an item, then cancelled: the item goes to the next getter.
    while (this.empty()) yield* waitInLine(this._getLoop(), this.#getters, () => !this.empty());
    return this.getNowait();
  }

  /** Takes the next item at once; `QueueEmpty` (`ERR_LOOP_QUEUE_EMPTY`) when there is none. */
  getNowait(): T {
    if (this.empty()) throw new QueueEmpty(`${this.constructor.name}.getNowait(): the queue is empty`);
    const item = this._get();
    wakeupNext(this.#putters);
    return item;
  }

  /**
   * Marks one item taken with `get()` as processed; `join()` resolves when
   * every item put is. `RangeError` (`ERR_LOOP_OUT_OF_RANGE`) when called
   * more times than items were put.
   */
  taskDone(): void {
    if (this.#unfinishedTasks <= 0) {
      throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', 'task_done() called too many times');
    }
    this.#unfinishedTasks--;
    if (this.#unfinishedTasks === 0) this.#finished.set();
  }

  /** Waits until every item put has been marked processed (`taskDone()`). */
  join(): AwaitableCoroutine<void> {
    return awaitableCoroutine(this._joinSteps());
  }

  /** @internal The steps of the method of the same name (a generator whose objects are awaitable). */
  *_joinSteps(): Coroutine<void> {
    if (this.#unfinishedTasks > 0) yield* this.#finished.wait();
  }

  /** asyncio's str: `<Queue maxsize=0 _queue=[1, 2] _getters[1] tasks=2>`. */
  toString(): string {
    let result = `maxsize=${this.#maxsize}`;
    if (this._size() > 0) result += ` _queue=[${this._items().map((v) => reprValue(v)).join(', ')}]`;
    if (this.#getters.length > 0) result += ` _getters[${this.#getters.length}]`;
    if (this.#putters.length > 0) result += ` _putters[${this.#putters.length}]`;
    if (this.#unfinishedTasks > 0) result += ` tasks=${this.#unfinishedTasks}`;
    return `<${this.constructor.name} ${result}>`;
  }
}
makeAwaitable(Queue.prototype._putSteps);
makeAwaitable(Queue.prototype._getSteps);
makeAwaitable(Queue.prototype._joinSteps);

/** A LIFO queue (asyncio's `LifoQueue`): `get()` takes the item put last. */
export class LifoQueue<T = unknown> extends Queue<T> {
  #stack: T[] = [];

  /** @internal */
  protected override _put(item: T): void {
    this.#stack.push(item);
  }

  /** @internal */
  protected override _get(): T {
    return this.#stack.pop() as T;
  }

  /** @internal */
  protected override _size(): number {
    return this.#stack.length;
  }

  /** @internal */
  protected override _items(): T[] {
    return this.#stack.slice();
  }
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return (value).constructor?.name ?? 'object';
  return typeof value;
}

function unorderable(a: unknown, b: unknown): TypeError {
  return loopError(
    TypeError,
    'ERR_LOOP_INVALID_ARG',
    `PriorityQueue: '<' not supported between ${typeName(a)} and ${typeName(b)} (priorities are numbers, bigints, strings, or arrays of them compared element-wise like Python tuples)`,
  );
}

function isNumeric(v: unknown): v is number | bigint {
  return typeof v === 'number' || typeof v === 'bigint';
}

/** Python's `==` for priorities: numbers across number/bigint, arrays element-wise, else identity. */
function priorityEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isNumeric(a) && isNumeric(b)) return a == b;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!priorityEquals(a[i], b[i])) return false;
    return true;
  }
  return false;
}

/**
 * Python's `a < b` for priorities: numbers and bigints numerically, strings
 * by UTF-16 code units (JavaScript's `<`), arrays element-wise like tuples
 * (the first unequal elements decide; a prefix is smaller). Anything else —
 * or two kinds that do not compare — is a `TypeError`
 * (`ERR_LOOP_INVALID_ARG`), as Python's.
 */
export function priorityLessThan(a: unknown, b: unknown): boolean {
  if (isNumeric(a) && isNumeric(b)) return a < b;
  if (typeof a === 'string' && typeof b === 'string') return a < b;
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      if (!priorityEquals(a[i], b[i])) return priorityLessThan(a[i], b[i]);
    }
    return a.length < b.length;
  }
  throw unorderable(a, b);
}

/**
 * A priority queue (asyncio's `PriorityQueue`): `get()` takes the smallest
 * item, as `heapq` orders them — typically `[priority, data]` arrays, which
 * compare like Python tuples (see {@link priorityLessThan}; two entries with
 * equal priorities compare their data, so make it comparable or add a
 * tie-breaking counter, as in Python). An item that does not compare with
 * those it meets is a `TypeError` and is not added.
 */
export class PriorityQueue<T = unknown> extends Queue<T> {
  #heap: T[] = [];

  /** @internal heapq.heappush: the item moves up from the end. */
  protected override _put(item: T): void {
    const heap = this.#heap;
    // Find the slot first (comparisons only), so a failed comparison changes nothing.
    let pos = heap.length;
    const path: number[] = [];
    while (pos > 0) {
      const parentPos = (pos - 1) >> 1;
      if (!priorityLessThan(item, heap[parentPos])) break;
      path.push(parentPos);
      pos = parentPos;
    }
    let hole = heap.length;
    heap.push(item);
    for (const parentPos of path) {
      heap[hole] = heap[parentPos];
      hole = parentPos;
    }
    heap[hole] = item;
  }

  /** @internal heapq.heappop: the last item replaces the root and sifts down to a leaf, then up. */
  protected override _get(): T {
    const heap = this.#heap;
    const last = heap.pop() as T;
    if (heap.length === 0) return last;
    const top = heap[0];
    heap[0] = last;
    // heapq._siftup: move the smaller child up until a leaf, then _siftdown.
    const end = heap.length;
    let pos = 0;
    let child = 1;
    while (child < end) {
      const right = child + 1;
      if (right < end && !priorityLessThan(heap[child], heap[right])) child = right;
      heap[pos] = heap[child];
      pos = child;
      child = 2 * pos + 1;
    }
    heap[pos] = last;
    while (pos > 0) {
      const parentPos = (pos - 1) >> 1;
      const parent = heap[parentPos];
      if (!priorityLessThan(last, parent)) break;
      heap[pos] = parent;
      pos = parentPos;
    }
    heap[pos] = last;
    return top;
  }

  /** @internal */
  protected override _size(): number {
    return this.#heap.length;
  }

  /** @internal The heap's array order, as asyncio's repr shows it. */
  protected override _items(): T[] {
    return this.#heap.slice();
  }
}
