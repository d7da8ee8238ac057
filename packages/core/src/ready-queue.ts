/**
 * The ready queue: a FIFO ring buffer of handles waiting to run.
 *
 * HOW: a power-of-two array with a head index and a length; `push` writes at
 * `(head + length) & mask`, `shift` reads at `head`. When full, the buffer
 * doubles and the live items are copied to the front in order.
 *
 * WHY: asyncio's `_ready` is a deque; an `Array#shift` is O(n) once arrays
 * leave V8's fast path, and a linked list allocates a node per callback. The
 * ring buffer costs one slot write per push and one read per shift, no
 * allocation at steady state.
 *
 * Invariants: `0 <= length <= capacity`; slots outside the live range hold
 * `undefined` (so popped handles can be collected).
 *
 *      head            head+length
 *       v                  v
 *   [ . a b c d . . . . . ]      capacity = 2^k
 *
 * @packageDocumentation
 */

/** A FIFO queue on a growable ring buffer. Internal to @loop/core. */
export class RingQueue<T> {
  #items: (T | undefined)[];
  #mask: number;
  #head = 0;
  /** Number of queued items. */
  length = 0;

  constructor(capacity = 1024) {
    let cap = 16;
    while (cap < capacity) cap <<= 1;
    this.#items = new Array<T | undefined>(cap);
    this.#mask = cap - 1;
  }

  /** Appends an item at the tail. O(1) amortised. */
  push(item: T): void {
    if (this.length > this.#mask) this.#grow();
    this.#items[(this.#head + this.length) & this.#mask] = item;
    this.length++;
  }

  /** Removes and returns the item at the head; `undefined` when empty. O(1). */
  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const i = this.#head;
    const item = this.#items[i];
    this.#items[i] = undefined;
    this.#head = (i + 1) & this.#mask;
    this.length--;
    return item;
  }

  /** The item at position `i` from the head (0-based), without removing it. */
  at(i: number): T | undefined {
    return i < this.length ? this.#items[(this.#head + i) & this.#mask] : undefined;
  }

  /** Removes every item. */
  clear(): void {
    this.#items.fill(undefined);
    this.#head = 0;
    this.length = 0;
  }

  #grow(): void {
    const old = this.#items;
    const cap = old.length * 2;
    const items = new Array<T | undefined>(cap);
    for (let i = 0; i < this.length; i++) items[i] = old[(this.#head + i) & this.#mask];
    this.#items = items;
    this.#mask = cap - 1;
    this.#head = 0;
  }
}
