/**
 * The timer heap: scheduled `TimerHandle`s ordered by `(when, seq)`.
 *
 * HOW: a 4-ary min-heap (children of slot i at 4i+1 .. 4i+4). The keys live
 * beside the items in one `Float64Array`, interleaved (`when`, `seq`) per
 * slot, so the comparisons of a sift read one dense array instead of chasing
 * handle objects around the heap, and the four children of a slot sit in one
 * or two cache lines. WHY 4-ary: a heap of 100,000 timers is deeper than the
 * cache; half the levels of a binary heap means half the cache misses per
 * `pop`, for a few more comparisons that hit the cache. `seq` is
 * the insertion sequence number the loop gives each timer, so timers with
 * equal `when` run in the order they were scheduled (FIFO) — by rule, never
 * by accident of the heap (asyncio orders by `when` alone and leaves ties to
 * `heapq`; see `docs/deviations.md`).
 *
 * Cancellation is lazy, as asyncio's: a cancelled timer stays in the heap and
 * the loop counts it; the loop pops cancelled timers off the head, and when
 * more than {@link MIN_SCHEDULED_TIMER_HANDLES} timers are scheduled and more
 * than {@link MIN_CANCELLED_TIMER_HANDLES_FRACTION} of them are cancelled it
 * rebuilds the heap without them (`compact`).
 *
 * Invariant: for every i > 0, key(parent(i)) <= key(i), where
 * parent(i) = (i - 1) >> 2 and key = (when, seq) compared lexicographically;
 * `items[i]`, `keys[2i]` and `keys[2i + 1]` always describe the same timer.
 *
 * Cost: `push` and `pop` O(log n); `peek` and `peekWhen` O(1); `compact` O(n).
 *
 *                  (1.0,#3)
 *        /      /          \        \
 *   (1.5,#1) (1.0,#7)  (2.0,#2)  (1.2,#5)
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

/** A 4-ary min-heap of timers. Internal to @loop/core. */
export class TimerHeap<T extends HeapTimer> {
  #items: (T | undefined)[] = [];
  /** The keys, interleaved: `keys[2i]` is the `when` of `items[i]`, `keys[2i + 1]` its `seq`. */
  #keys = new Float64Array(128);
  #n = 0;

  /** Number of timers in the heap, cancelled ones included. */
  get length(): number {
    return this.#n;
  }

  /** The earliest timer, or `undefined`. */
  peek(): T | undefined {
    return this.#n > 0 ? this.#items[0] : undefined;
  }

  /** The `when` of the earliest timer, or `Infinity`. */
  peekWhen(): number {
    return this.#n > 0 ? this.#keys[0] : Infinity;
  }

  /** The `seq` of the earliest timer, or `Infinity`. */
  peekSeq(): number {
    return this.#n > 0 ? this.#keys[1] : Infinity;
  }

  /** Adds a timer. O(log n). */
  push(item: T): void {
    if (2 * this.#n === this.#keys.length) this.#grow();
    const items = this.#items;
    const keys = this.#keys;
    const w = item._when;
    const q = item._seq;
    let i = this.#n++;
    while (i > 0) {
      const p = (i - 1) >> 2;
      const pw = keys[2 * p];
      if (pw < w || (pw === w && keys[2 * p + 1] < q)) break;
      items[i] = items[p];
      keys[2 * i] = pw;
      keys[2 * i + 1] = keys[2 * p + 1];
      i = p;
    }
    items[i] = item;
    keys[2 * i] = w;
    keys[2 * i + 1] = q;
  }

  /** Removes and returns the earliest timer. O(log n). */
  pop(): T | undefined {
    const n = this.#n;
    if (n === 0) return undefined;
    const items = this.#items;
    const top = items[0];
    const last = n - 1;
    this.#n = last;
    if (last > 0) {
      const item = items[last] as T;
      const w = this.#keys[2 * last];
      const q = this.#keys[2 * last + 1];
      items[last] = undefined;
      this.#siftDown(0, item, w, q);
    } else {
      items[0] = undefined;
    }
    return top;
  }

  /**
   * Rebuilds the heap without its cancelled timers, in place: the live ones
   * slide to the front (keys with them), then a bottom-up heapify.
   * `dropped` is called with each cancelled timer removed. O(n).
   */
  compact(dropped?: (t: T) => void): void {
    const items = this.#items;
    const keys = this.#keys;
    const n = this.#n;
    let live = 0;
    for (let i = 0; i < n; i++) {
      const t = items[i] as T;
      if (t._cancelled) {
        if (dropped !== undefined) dropped(t);
        continue;
      }
      items[live] = t;
      keys[2 * live] = keys[2 * i];
      keys[2 * live + 1] = keys[2 * i + 1];
      live++;
    }
    for (let i = live; i < n; i++) items[i] = undefined;
    this.#n = live;
    for (let i = (live - 2) >> 2; i >= 0; i--) this.#siftDown(i, items[i] as T, keys[2 * i], keys[2 * i + 1]);
  }

  /** Removes every timer and returns them. */
  clear(): T[] {
    const items = this.#items.slice(0, this.#n) as T[];
    this.#items = [];
    this.#n = 0;
    return items;
  }

  /** Every timer, in heap order (for introspection). */
  items(): readonly T[] {
    return this.#items.slice(0, this.#n) as T[];
  }

  #grow(): void {
    const keys = new Float64Array(this.#keys.length * 2);
    keys.set(this.#keys);
    this.#keys = keys;
  }

  /** Moves `item` (keys `w`, `q`) down from slot `start` to where it belongs. */
  #siftDown(start: number, item: T, w: number, q: number): void {
    const items = this.#items;
    const keys = this.#keys;
    const n = this.#n;
    let i = start;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) break;
      // The smallest of up to four children; their keys share a cache line or two.
      let c = first;
      let cw = keys[2 * first];
      let cq = keys[2 * first + 1];
      const end = first + 4 < n ? first + 4 : n;
      for (let j = first + 1; j < end; j++) {
        const jw = keys[2 * j];
        if (jw < cw || (jw === cw && keys[2 * j + 1] < cq)) {
          c = j;
          cw = jw;
          cq = keys[2 * j + 1];
        }
      }
      if (w < cw || (w === cw && q < cq)) break;
      items[i] = items[c];
      keys[2 * i] = cw;
      keys[2 * i + 1] = cq;
      i = c;
    }
    items[i] = item;
    keys[2 * i] = w;
    keys[2 * i + 1] = q;
  }
}
