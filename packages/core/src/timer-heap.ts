/**
 * The timer heap: scheduled `TimerHandle`s ordered by `(when, seq)`.
 *
 * HOW: a binary min-heap. The keys live beside the items in two
 * `Float64Array`s (`when`, `seq`), so the comparisons of a sift read two
 * dense arrays instead of chasing handle objects around the heap. `seq` is
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
 * key = (when, seq) compared lexicographically; `items[i]`, `when[i]` and
 * `seq[i]` always describe the same timer.
 *
 * Cost: `push` and `pop` O(log n); `peek` and `peekWhen` O(1); `compact` O(n).
 *
 *            (1.0,#3)
 *           /        \
 *     (1.5,#1)      (1.0,#7)
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

/** A binary min-heap of timers. Internal to @loop/core. */
export class TimerHeap<T extends HeapTimer> {
  #items: (T | undefined)[] = [];
  #when = new Float64Array(64);
  #seq = new Float64Array(64);
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
    return this.#n > 0 ? this.#when[0] : Infinity;
  }

  /** Adds a timer. O(log n). */
  push(item: T): void {
    if (this.#n === this.#when.length) this.#grow();
    const items = this.#items;
    const whens = this.#when;
    const seqs = this.#seq;
    const w = item._when;
    const q = item._seq;
    let i = this.#n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pw = whens[p];
      if (pw < w || (pw === w && seqs[p] < q)) break;
      items[i] = items[p];
      whens[i] = pw;
      seqs[i] = seqs[p];
      i = p;
    }
    items[i] = item;
    whens[i] = w;
    seqs[i] = q;
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
      const w = this.#when[last];
      const q = this.#seq[last];
      items[last] = undefined;
      this.#siftDown(0, item, w, q);
    } else {
      items[0] = undefined;
    }
    return top;
  }

  /** Rebuilds the heap without its cancelled timers. O(n). */
  compact(): void {
    const live = (this.#items.slice(0, this.#n) as T[]).filter((t) => !t._cancelled);
    this.#items = new Array<T | undefined>(live.length);
    this.#n = 0;
    for (const t of live) this.push(t);
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
    const cap = this.#when.length * 2;
    const w = new Float64Array(cap);
    w.set(this.#when);
    const s = new Float64Array(cap);
    s.set(this.#seq);
    this.#when = w;
    this.#seq = s;
  }

  #siftDown(start: number, item: T, w: number, q: number): void {
    const items = this.#items;
    const whens = this.#when;
    const seqs = this.#seq;
    const n = this.#n;
    let i = start;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      let cw = whens[c];
      let cq = seqs[c];
      const r = c + 1;
      if (r < n) {
        const rw = whens[r];
        const rq = seqs[r];
        if (rw < cw || (rw === cw && rq < cq)) {
          c = r;
          cw = rw;
          cq = rq;
        }
      }
      if (w < cw || (w === cw && q < cq)) break;
      items[i] = items[c];
      whens[i] = cw;
      seqs[i] = cq;
      i = c;
    }
    items[i] = item;
    whens[i] = w;
    seqs[i] = q;
  }
}
