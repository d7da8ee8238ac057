/**
 * The timer heap: scheduled `TimerHandle`s ordered by `(when, seq)`.
 *
 * HOW: a binary min-heap in an array. `seq` is the insertion sequence number
 * the loop gives each timer, so timers with equal `when` run in the order
 * they were scheduled (FIFO) — by rule, never by accident of the heap
 * (asyncio orders by `when` alone and leaves ties to `heapq`; see
 * `docs/deviations.md`).
 *
 * Cancellation is lazy, as asyncio's: a cancelled timer stays in the heap and
 * the loop counts it; the loop pops cancelled timers off the head, and when
 * more than {@link MIN_SCHEDULED_TIMER_HANDLES} timers are scheduled and more
 * than {@link MIN_CANCELLED_TIMER_HANDLES_FRACTION} of them are cancelled it
 * rebuilds the heap without them (`compact`).
 *
 * Cost: `push` and `pop` O(log n); `peek` O(1); `compact` O(n).
 *
 *            (1.0,#3)
 *           /        \
 *     (1.5,#1)      (1.0,#7)?  -- never: a parent is <= its children
 *
 * @packageDocumentation
 */

/** asyncio's `_MIN_SCHEDULED_TIMER_HANDLES`. */
export const MIN_SCHEDULED_TIMER_HANDLES = 100;
/** asyncio's `_MIN_CANCELLED_TIMER_HANDLES_FRACTION`. */
export const MIN_CANCELLED_TIMER_HANDLES_FRACTION = 0.5;

/** What the heap orders. */
export interface HeapTimer {
  _when: number;
  _seq: number;
  _cancelled: boolean;
}

function less(a: HeapTimer, b: HeapTimer): boolean {
  return a._when < b._when || (a._when === b._when && a._seq < b._seq);
}

/** A binary min-heap of timers. Internal to @loop/core. */
export class TimerHeap<T extends HeapTimer> {
  #items: T[] = [];

  /** Number of timers in the heap, cancelled ones included. */
  get length(): number {
    return this.#items.length;
  }

  /** The earliest timer, or `undefined`. */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** Adds a timer. O(log n). */
  push(item: T): void {
    const a = this.#items;
    let i = a.length;
    a.push(item);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = a[p];
      if (!less(item, parent)) break;
      a[i] = parent;
      i = p;
    }
    a[i] = item;
  }

  /** Removes and returns the earliest timer. O(log n). */
  pop(): T | undefined {
    const a = this.#items;
    const n = a.length;
    if (n === 0) return undefined;
    const top = a[0];
    const last = a.pop() as T;
    if (n > 1) this.#siftDown(0, last);
    return top;
  }

  /** Rebuilds the heap without its cancelled timers. O(n). */
  compact(): void {
    const live = this.#items.filter((t) => !t._cancelled);
    this.#items = live;
    for (let i = (live.length >> 1) - 1; i >= 0; i--) this.#siftDown(i, live[i]);
  }

  /** Removes every timer and returns them. */
  clear(): T[] {
    const items = this.#items;
    this.#items = [];
    return items;
  }

  /** Every timer, in heap order (for introspection). */
  items(): readonly T[] {
    return this.#items;
  }

  #siftDown(start: number, item: T): void {
    const a = this.#items;
    const n = a.length;
    let i = start;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && less(a[c + 1], a[c])) c++;
      if (!less(a[c], item)) break;
      a[i] = a[c];
      i = c;
    }
    a[i] = item;
  }
}
