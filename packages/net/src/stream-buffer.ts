/**
 * The byte buffer behind a `StreamReader` (asyncio's `bytearray` `_buffer`).
 *
 * HOW. The live bytes are `store[start, end)`. Bytes are only ever appended
 * at `end` and removed at `start`; nothing is moved inside a store:
 *
 * ```text
 *   store:  [ consumed (handed out) | live bytes          | spare (owned only) ]
 *           0                       start                 end                  capacity
 * ```
 *
 * - `push(chunk)` on an empty buffer adopts the chunk itself as the store
 *   (no copy: a protocol's `dataReceived` chunk belongs to its receiver).
 *   Otherwise the chunk is copied into the spare room of a store this buffer
 *   allocated, or a new store (twice the live size) receives the live bytes
 *   and the chunk.
 * - `take(n)` hands out `store[start, start + n)`: a view when it is at least
 *   half of the store (the common case: a whole chunk read at once, no
 *   copy), a copy otherwise, so a small line never pins a large store. A view
 *   stays valid because a store is never written below `end`.
 * - `indexOf(sep, from)` searches the store directly (no view per search)
 *   and discards a match that would run past `end` into spare room.
 *
 * Costs: `push` O(chunk) amortised (O(1) into an empty buffer), `take`
 * O(1) or O(n) for the copy, `indexOf` O(live bytes searched).
 *
 * WHY not a list of chunks: separator searches (`readuntil`) need contiguous
 * bytes, and the usual pattern (one chunk arrives, one read takes it) costs
 * nothing here.
 */

const EMPTY = Buffer.alloc(0);

/** A growable FIFO of bytes (internal to `StreamReader`). */
export class StreamBuffer {
  #store: Buffer = EMPTY;
  #start = 0;
  #end = 0;
  /** Whether `#store` was allocated here, so its spare room may be written. */
  #owned = false;

  /** The number of live bytes. */
  get length(): number {
    return this.#end - this.#start;
  }

  /** Appends `chunk` (kept by reference when the buffer is empty: the caller gives it up). */
  push(chunk: Buffer): void {
    const n = chunk.length;
    if (n === 0) return;
    const live = this.#end - this.#start;
    if (live === 0) {
      this.#store = chunk;
      this.#start = 0;
      this.#end = n;
      this.#owned = false;
      return;
    }
    if (this.#owned && this.#store.length - this.#end >= n) {
      chunk.copy(this.#store, this.#end);
      this.#end += n;
      return;
    }
    const store = Buffer.allocUnsafeSlow(Math.max(2 * (live + n), 1024));
    this.#store.copy(store, 0, this.#start, this.#end);
    chunk.copy(store, live);
    this.#store = store;
    this.#start = 0;
    this.#end = live + n;
    this.#owned = true;
  }

  /** Removes and returns the first `n` live bytes (`n` at most `length`). */
  take(n: number): Buffer {
    if (n <= 0) return EMPTY;
    const store = this.#store;
    const from = this.#start;
    let out: Buffer;
    if (from === 0 && n === store.length) out = store;
    else {
      const view = store.subarray(from, from + n);
      out = 2 * n >= store.length ? view : Buffer.from(view);
    }
    this.#start += n;
    if (this.#start === this.#end) this.clear();
    return out;
  }

  /** Removes and returns every live byte. */
  takeAll(): Buffer {
    return this.take(this.#end - this.#start);
  }

  /** Drops the first `n` live bytes. */
  discard(n: number): void {
    this.#start += Math.min(n, this.#end - this.#start);
    if (this.#start === this.#end) this.clear();
  }

  /** Drops every live byte. */
  clear(): void {
    this.#store = EMPTY;
    this.#start = 0;
    this.#end = 0;
    this.#owned = false;
  }

  /** The position (from the first live byte) of the first `sep` at or after `from`, or -1. */
  indexOf(sep: Uint8Array, from: number): number {
    const at = this.#start + from;
    if (at >= this.#end) return -1;
    const i = sep.length === 1 ? this.#store.indexOf(sep[0], at) : this.#store.indexOf(sep, at);
    if (i < 0 || i + sep.length > this.#end) return -1;
    return i - this.#start;
  }

  /** Whether the live bytes hold `sep` at position `at`. */
  startsWith(sep: Uint8Array, at: number): boolean {
    const i = this.#start + at;
    if (i + sep.length > this.#end) return false;
    for (let k = 0; k < sep.length; k++) if (this.#store[i + k] !== sep[k]) return false;
    return true;
  }
}
