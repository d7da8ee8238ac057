/**
 * `StreamReader`: asyncio's buffered reader of a stream (`streams.py`), fed by
 * a protocol (`feedData`, `feedEof`, `setException`) and read by coroutines
 * and async functions (`read`, `readline`, `readexactly`, `readuntil`,
 * `for await`).
 *
 * HOW. asyncio's read methods are coroutines that run inline in the caller's
 * task: they check the buffer, and when they must wait they park on one
 * waiter future that `feed_data`/`feed_eof` complete; the task wakes one
 * iteration later and the coroutine looks at the buffer again *then*. Here
 * every read method returns a loop `Future` (so `await` and `yield*` both
 * work, and `waitFor`, `gather`, `createTask` take it), and keeps those
 * timings:
 *
 * ```text
 *   read*() ── the answer is known now ──────────────> a done future (no suspension)
 *      │
 *      └─ must wait: one pending operation (the "waiter")
 *           op WAITING ── feedData/feedEof makes it decidable ──> op WOKEN
 *              │            (the future is completed *lazily*: done now, so the
 *              │             waiting task wakes next iteration as in asyncio,
 *              │             but its value is computed when first looked at —
 *              │             at the task's wake-up — from the buffer as it is
 *              │             then, exactly when asyncio's coroutine resumes)
 *              ├─ setException(e) ──> future fails with e
 *              └─ the future is cancelled ──> op dropped, buffer untouched
 *           op WOKEN ── result()/exception() (the task wakes) ──> consumed, op gone
 *              └─ cancelled before anyone looked ──> op dropped, buffer untouched
 *                 (asyncio: the coroutine gets CancelledError at its await)
 * ```
 *
 * - Only one operation waits at a time: a second read that must wait fails
 *   with asyncio's `RuntimeError` (`... called while another coroutine is
 *   already waiting for incoming data`). A read that can be answered from the
 *   buffer never waits, so it never conflicts (as in asyncio). A WOKEN
 *   operation is evaluated before any later read runs, so reads are served
 *   in call order.
 * - Flow control toward the transport is asyncio's: `pauseReading()` when
 *   the buffer exceeds `2 * limit` after a `feedData`; `resumeReading()` when
 *   a read brings it to `limit` or below, or when a read must wait while
 *   paused (otherwise `readexactly(n > 2 * limit)` would deadlock). A
 *   feed that pauses while an undecided read waits schedules that resume for
 *   the next iteration, where asyncio's woken coroutine would do it.
 * - `read(-1)` moves the buffer into its own blocks after each feed, one
 *   iteration later (asyncio's loop of `read(limit)`), so the transport keeps
 *   flowing; cancelling it drops those blocks, as in asyncio.
 *
 * WHY lazy completion rather than a task per read: a task would add an
 * iteration to every read and a handle per call; completing the waiter with
 * the value computed at feed time would return less data than asyncio does
 * when several chunks arrive in one iteration (`read(n)`).
 */
import { Future, getEventLoop, type BaseEventLoop } from '@loop/core';
import {
  IncompleteReadError,
  LimitOverrunError,
  NotImplementedError,
  RuntimeError,
  loopError,
  type ReadTransport,
} from '@loop/interfaces';
import { optionsArg } from './args.js';
import { StreamBuffer } from './stream-buffer.js';

/** The default buffer limit of a stream: 64 KiB (asyncio's `_DEFAULT_LIMIT`). */
export const DEFAULT_LIMIT = 64 * 1024;

/** Options of the `StreamReader` constructor. */
export interface StreamReaderOptions {
  /**
   * The buffer limit in bytes (64 KiB by default): the longest line or chunk
   * `readline`/`readuntil` return (not counting the separator), and half the
   * buffered size above which the transport is paused.
   */
  limit?: number;
  /** The loop the reader's futures belong to; the running loop, else `getEventLoop()`. */
  loop?: BaseEventLoop;
}

/** A separator for `readuntil`: bytes, or several (the shortest match ending first wins, as in Python 3.13). */
export type StreamSeparator = Uint8Array | readonly Uint8Array[];

const NEWLINE = [Buffer.from('\n')];
const EMPTY = Buffer.alloc(0);

type OpKind = 'read' | 'readAll' | 'readexactly' | 'readuntil' | 'readline';

/** One pending read: what a waiting asyncio coroutine holds in its frame. */
interface ReadOp {
  readonly kind: OpKind;
  readonly fut: StreamFuture<Buffer>;
  /** `read`/`readexactly`: the size. */
  readonly n: number;
  /** `readuntil`/`readline`: the separators, shortest first. */
  readonly seps: Uint8Array[];
  /** `readuntil`: bytes known to hold no separator (asyncio's `offset`). */
  offset: number;
  /** `read(-1)`: the blocks read so far. */
  readonly blocks: Buffer[];
  /** Completed lazily, not evaluated yet. */
  woken: boolean;
}

// Outcomes of a separator scan.
const FOUND = 0;
const OVERRUN = 1;
const AT_EOF = 2;
const WAIT = 3;

/**
 * @internal A loop future whose value may be computed when first looked at
 * (`result()`, `exception()`), and whose cancellation tells the reader.
 */
export class StreamFuture<T> extends Future<T> {
  #evaluate: (() => T) | null = null;
  /** Told when the future is cancelled while its read waits. */
  _onCancel: (() => void) | null = null;

  constructor(loop: BaseEventLoop) {
    super({ loop });
  }

  /** Done now (callbacks scheduled); the value is `evaluate()`'s, computed at the first look. */
  _settleLazily(evaluate: () => T): void {
    this.#evaluate = evaluate;
    super.setResult(undefined as T);
  }

  /** Computes a lazily settled value now, if it is not yet. */
  _force(): void {
    const evaluate = this.#evaluate;
    if (evaluate === null) return;
    this.#evaluate = null;
    try {
      this._result = evaluate();
    } catch (e) {
      this._exception = e;
    }
  }

  // Promise interop (`await`) reads the outcome itself: compute it first.
  override _addSettle(settle: (fut: this) => void): void {
    super._addSettle((fut) => {
      fut._force();
      settle(fut);
    });
  }

  override result(): T {
    this._force();
    return super.result();
  }

  override exception(): unknown {
    this._force();
    return super.exception();
  }

  override cancel(msg?: string): boolean {
    if (this.#evaluate !== null) {
      // Completed but not looked at: asyncio's coroutine has not resumed from
      // its waiter yet, so it gets CancelledError there and consumes nothing.
      if (msg !== undefined && typeof msg !== 'string') return super.cancel(msg);
      this._retrieved();
      this.#evaluate = null;
      this._state = 'cancelled';
      this._cancelMessage = msg;
      this._onCancel?.();
      return true;
    }
    const cancelled = super.cancel(msg);
    if (cancelled) this._onCancel?.();
    return cancelled;
  }
}

function checkSize(api: string, n: unknown): TypeError | null {
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    return loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `StreamReader.${api}(): n must be an integer, got ${typeof n === 'number' ? n : typeof n}`);
  }
  return null;
}

function toBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** @internal A short repr for `toString()`s: an error's name and message, an object's own `toString()`, else `<Class>`. */
export function repr(value: unknown): string {
  if (value instanceof Error) return `${value.name}(${JSON.stringify(value.message)})`;
  if (typeof value === 'object' && value !== null) {
    const own = (value as { toString(): string }).toString;
    if (typeof own === 'function' && own !== Object.prototype.toString) return own.call(value);
    return `<${value.constructor?.name ?? 'Object'}>`;
  }
  return String(value);
}

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

/**
 * A buffered reader of a byte stream (asyncio's `StreamReader`). Made by
 * `openConnection` / `startServer` and fed by a `StreamReaderProtocol`; it
 * may also be made and fed by hand (`feedData`, `feedEof`).
 *
 * Every read method returns a loop `Future`: `await reader.readline()` in an
 * async function, `yield* reader.readline()` in a coroutine. Argument errors
 * and read failures come through the future, as they come from the awaited
 * coroutine in asyncio.
 */
export class StreamReader implements AsyncIterable<Buffer> {
  /** The buffer limit in bytes (see {@link StreamReaderOptions.limit}). */
  readonly limit: number;
  readonly #loop: BaseEventLoop;
  readonly #buffer = new StreamBuffer();
  #eof = false;
  #exception: unknown = null;
  #transport: ReadTransport | null = null;
  #paused = false;
  #op: ReadOp | null = null;
  #rewaitScheduled = false;
  #drainScheduled = false;

  /**
   * @throws RangeError (`ERR_LOOP_OUT_OF_RANGE`) when `limit` is not above 0
   *   (asyncio: `Limit cannot be <= 0`).
   */
  constructor(options?: StreamReaderOptions | null) {
    const opts = optionsArg('StreamReader', options);
    const limit = opts.limit ?? DEFAULT_LIMIT;
    if (typeof limit !== 'number' || Number.isNaN(limit)) {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `StreamReader(): limit must be a number, got ${typeof limit}`);
    }
    if (limit <= 0) throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `StreamReader(): Limit cannot be <= 0 (got ${limit})`);
    this.limit = limit;
    this.#loop = opts.loop ?? getEventLoop();
  }

  /** @internal The loop of the reader's futures. */
  get _loop(): BaseEventLoop {
    return this.#loop;
  }

  /** The exception set by `setException()`, or `null`. */
  exception(): unknown {
    return this.#exception;
  }

  /**
   * Records `exc` as the stream's failure: a read waiting now fails with it,
   * and later reads fail with it (data still buffered is not returned).
   */
  setException(exc: unknown): void {
    this.#exception = exc;
    const op = this.#op;
    if (op !== null && !op.woken) {
      this.#op = null;
      op.fut.setException(exc);
    }
  }

  /**
   * Attaches the transport that flow control pauses and resumes.
   *
   * @throws RuntimeError when a transport is already set.
   */
  setTransport(transport: ReadTransport): void {
    if (this.#transport !== null) throw new RuntimeError('StreamReader.setTransport(): Transport already set');
    this.#transport = transport;
  }

  /** Marks the end of the stream: a waiting read completes with what is buffered. */
  feedEof(): void {
    this.#eof = true;
    this.#wakeup();
  }

  /** Whether the end of the stream was fed and every byte was read. */
  atEof(): boolean {
    return this.#eof && this.#buffer.length === 0;
  }

  /**
   * Appends `data` to the buffer and wakes a read waiting for it; pauses the
   * transport when the buffer exceeds `2 * limit`. The reader may keep a
   * reference to `data` (no copy): do not modify it afterwards.
   *
   * @throws TypeError when `data` is not a `Uint8Array`.
   * @throws RuntimeError after `feedEof()` (asyncio asserts).
   */
  feedData(data: Uint8Array): void {
    if (!isBytes(data)) {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `StreamReader.feedData(): data must be a Uint8Array, not ${typeof data}`);
    }
    if (this.#eof) throw new RuntimeError('StreamReader.feedData(): feed_data after feed_eof');
    if (data.length === 0) return;
    const buffer = this.#buffer;
    buffer.push(toBuffer(data));
    this.#wakeup();
    const transport = this.#transport;
    if (transport !== null && !this.#paused && buffer.length > 2 * this.limit) {
      try {
        transport.pauseReading();
        this.#paused = true;
      } catch (e) {
        // The transport cannot be paused: buffer everything, and stop trying.
        if (!(e instanceof NotImplementedError)) throw e;
        this.#transport = null;
      }
      const op = this.#op;
      if (this.#paused && op !== null && !op.woken && !this.#rewaitScheduled) {
        this.#rewaitScheduled = true;
        this.#loop.callSoon(() => this.#rewait());
      }
    }
  }

  /**
   * Reads up to `n` bytes: with `n > 0`, as soon as at least one byte is
   * buffered (an empty buffer at EOF gives an empty `Buffer`); with `n = 0`,
   * an empty `Buffer` at once; with `n < 0` (the default), everything until
   * EOF. Not bounded by `limit`.
   */
  read(n = -1): Future<Buffer> {
    const fut = this.#newFuture();
    const bad = checkSize('read', n);
    if (bad !== null) return failed(fut, bad);
    this.#forceWoken();
    if (this.#exception !== null) return failed(fut, this.#exception);
    if (n === 0) return done(fut, EMPTY);
    if (n < 0) {
      const op = this.#makeOp('readAll', fut, 0, []);
      this.#drainInto(op);
      if (this.#eof) return done(fut, Buffer.concat(op.blocks));
      return this.#wait(op, 'read');
    }
    if (this.#buffer.length === 0 && !this.#eof) return this.#wait(this.#makeOp('read', fut, n, []), 'read');
    return done(fut, this.#takeUpTo(n));
  }

  /**
   * Reads one line, up to and including `\n`. At EOF, the incomplete last
   * line (without `\n`), or an empty `Buffer` when nothing is left. When the
   * line is longer than `limit`, fails with `RangeError` (asyncio's
   * `ValueError`, message of the `LimitOverrunError`) and drops the line
   * including its `\n` when it is buffered, else the whole buffer.
   */
  readline(): Future<Buffer> {
    const fut = this.#newFuture();
    this.#forceWoken();
    if (this.#exception !== null) return failed(fut, this.#exception);
    return this.#startUntil(this.#makeOp('readline', fut, 0, NEWLINE), 'readline');
  }

  /**
   * Reads until `separator` (default `\n`) and returns the data including
   * it. `separator` may be a list: the match that ends first wins (Python
   * 3.13). Fails with `IncompleteReadError` (partial data, `expected` null;
   * the buffer is emptied) at EOF without a separator, and with
   * `LimitOverrunError` when the data before the separator would exceed
   * `limit` (the buffer is left as is, to be read otherwise).
   */
  readuntil(separator: StreamSeparator = NEWLINE[0]): Future<Buffer> {
    const fut = this.#newFuture();
    let seps: Uint8Array[];
    if (isBytes(separator)) seps = [separator];
    else if (Array.isArray(separator) && (separator as unknown[]).every(isBytes)) {
      seps = [...(separator as readonly Uint8Array[])].sort((a, b) => a.length - b.length);
    } else {
      return failed(
        fut,
        loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `StreamReader.readuntil(): separator must be a Uint8Array or an array of them, not ${typeof separator}`),
      );
    }
    if (seps.length === 0) {
      return failed(fut, loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', 'StreamReader.readuntil(): Separator should contain at least one element'));
    }
    if (seps[0].length === 0) {
      return failed(fut, loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', 'StreamReader.readuntil(): Separator should be at least one-byte string'));
    }
    this.#forceWoken();
    if (this.#exception !== null) return failed(fut, this.#exception);
    return this.#startUntil(this.#makeOp('readuntil', fut, 0, seps), 'readuntil');
  }

  /**
   * Reads exactly `n` bytes. Fails with `IncompleteReadError` (`partial`,
   * `expected = n`; the buffer is emptied) when the stream ends first, and
   * with `RangeError` when `n < 0`. Not bounded by `limit`.
   */
  readexactly(n: number): Future<Buffer> {
    const fut = this.#newFuture();
    const bad = checkSize('readexactly', n);
    if (bad !== null) return failed(fut, bad);
    if (n < 0) return failed(fut, loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', 'readexactly size can not be less than zero'));
    this.#forceWoken();
    if (this.#exception !== null) return failed(fut, this.#exception);
    if (n === 0) return done(fut, EMPTY);
    const op = this.#makeOp('readexactly', fut, n, []);
    if (this.#buffer.length < n && !this.#eof) return this.#wait(op, 'readexactly');
    return settleNow(fut, () => this.#finishExactly(op));
  }

  /** `for await (const line of reader)`: the lines of `readline()`, until it returns an empty `Buffer`. */
  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return {
      next: () =>
        this.readline().then((line) => (line.length === 0 ? { done: true, value: undefined } : { done: false, value: line })),
    };
  }

  /** asyncio's repr: `<StreamReader 12 bytes eof limit=3 waiter=... paused>`. */
  toString(): string {
    const info = ['StreamReader'];
    if (this.#buffer.length > 0) info.push(`${this.#buffer.length} bytes`);
    if (this.#eof) info.push('eof');
    if (this.limit !== DEFAULT_LIMIT) info.push(`limit=${this.limit}`);
    if (this.#op !== null) info.push(`waiter=${this.#op.fut.toString()}`);
    if (this.#exception !== null) info.push(`exception=${repr(this.#exception)}`);
    if (this.#transport !== null) info.push(`transport=${repr(this.#transport)}`);
    if (this.#paused) info.push('paused');
    return `<${info.join(' ')}>`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // ---------------------------------------------------------------- internals

  #newFuture(): StreamFuture<Buffer> {
    return new StreamFuture<Buffer>(this.#loop);
  }

  #makeOp(kind: OpKind, fut: StreamFuture<Buffer>, n: number, seps: Uint8Array[]): ReadOp {
    const op: ReadOp = { kind, fut, n, seps, offset: 0, blocks: [], woken: false };
    return op;
  }

  /** asyncio's `_wait_for_data`: parks `op` as the one waiter. */
  #wait(op: ReadOp, api: string): Future<Buffer> {
    const fut = op.fut;
    if (this.#op !== null) {
      return failed(fut, new RuntimeError(`StreamReader.${api}() called while another coroutine is already waiting for incoming data`));
    }
    // Waiting while paused would deadlock (readexactly(n) with n > limit).
    if (this.#paused) {
      this.#paused = false;
      this.#transport!.resumeReading();
    }
    this.#op = op;
    fut._onCancel = () => this.#dropOp(op);
    return fut;
  }

  #dropOp(op: ReadOp): void {
    if (this.#op === op) this.#op = null;
  }

  /** asyncio's `_wakeup_waiter`, deciding whether the waiting read can complete. */
  #wakeup(): void {
    const op = this.#op;
    if (op === null || op.woken) return;
    if (this.#decidable(op)) {
      op.woken = true;
      op.fut._settleLazily(() => this.#finish(op));
      return;
    }
    if (op.kind === 'readAll' && !this.#drainScheduled) {
      this.#drainScheduled = true;
      this.#loop.callSoon(() => this.#drainStep());
    }
  }

  #decidable(op: ReadOp): boolean {
    const buffer = this.#buffer;
    switch (op.kind) {
      case 'read':
        return buffer.length > 0 || this.#eof;
      case 'readexactly':
        return buffer.length >= op.n || this.#eof;
      case 'readAll':
        return this.#eof;
      default:
        return this.#scan(op, false) !== WAIT;
    }
  }

  /** A woken read is evaluated before any later read runs (reads are served in call order). */
  #forceWoken(): void {
    const op = this.#op;
    if (op !== null && op.woken) op.fut._force();
  }

  /** The value of a woken read, computed when its task wakes (asyncio's coroutine resuming). */
  #finish(op: ReadOp): Buffer {
    this.#dropOp(op);
    switch (op.kind) {
      case 'read':
        return this.#takeUpTo(op.n);
      case 'readexactly':
        return this.#finishExactly(op);
      case 'readAll':
        this.#drainInto(op);
        return Buffer.concat(op.blocks);
      case 'readuntil':
        return this.#finishUntil(op);
      default:
        return this.#finishLine(op);
    }
  }

  #takeUpTo(n: number): Buffer {
    const data = this.#buffer.take(Math.min(n, this.#buffer.length));
    this.#maybeResumeTransport();
    return data;
  }

  #finishExactly(op: ReadOp): Buffer {
    const buffer = this.#buffer;
    if (buffer.length < op.n) throw new IncompleteReadError(buffer.takeAll(), op.n);
    const data = buffer.take(op.n);
    this.#maybeResumeTransport();
    return data;
  }

  #drainInto(op: ReadOp): void {
    if (this.#buffer.length > 0) op.blocks.push(this.#buffer.takeAll());
    this.#maybeResumeTransport();
  }

  /** `read(-1)` after a feed: asyncio's loop of `read(limit)` takes the buffer, one iteration later. */
  #drainStep(): void {
    this.#drainScheduled = false;
    const op = this.#op;
    if (op === null || op.woken || op.kind !== 'readAll') return;
    this.#drainInto(op);
  }

  /** A read waiting, undecided, when a feed paused the transport: asyncio's woken coroutine waits again, resuming it. */
  #rewait(): void {
    this.#rewaitScheduled = false;
    const op = this.#op;
    if (op !== null && !op.woken && this.#paused) {
      this.#paused = false;
      this.#transport!.resumeReading();
    }
  }

  /** asyncio's `_maybe_resume_transport`. */
  #maybeResumeTransport(): void {
    if (this.#paused && this.#buffer.length <= this.limit) {
      this.#paused = false;
      this.#transport!.resumeReading();
    }
  }

  /**
   * One pass of asyncio's `readuntil` loop over the buffer. With `commit`,
   * `op.offset` advances (the coroutine's own variable); without, the scan
   * only says whether the read is decided.
   */
  #scan(op: ReadOp, commit: boolean): number {
    const buffer = this.#buffer;
    const seps = op.seps;
    const buflen = buffer.length;
    let offset = op.offset;
    if (buflen - offset >= seps[0].length) {
      let matchStart = -1;
      let matchEnd = -1;
      for (const sep of seps) {
        const isep = buffer.indexOf(sep, offset);
        if (isep !== -1) {
          const end = isep + sep.length;
          if (matchEnd < 0 || end < matchEnd) {
            matchEnd = end;
            matchStart = isep;
          }
        }
      }
      if (matchEnd >= 0) {
        if (commit) {
          scanMatch.start = matchStart;
          scanMatch.end = matchEnd;
        }
        return FOUND;
      }
      offset = Math.max(0, buflen + 1 - seps[seps.length - 1].length);
      if (commit) op.offset = offset;
      if (offset > this.limit) return OVERRUN;
    }
    if (this.#eof) return AT_EOF;
    return WAIT;
  }

  #startUntil(op: ReadOp, api: string): Future<Buffer> {
    // The coroutine's first pass over the buffer; it waits when undecided.
    const status = this.#scan(op, true);
    if (status === WAIT) return this.#wait(op, api);
    return settleNow(op.fut, () => (op.kind === 'readline' ? this.#finishLine(op, status) : this.#finishUntil(op, status)));
  }

  #finishUntil(op: ReadOp, status = this.#scan(op, true)): Buffer {
    const buffer = this.#buffer;
    if (status === FOUND) {
      if (scanMatch.start > this.limit) {
        throw new LimitOverrunError('Separator is found, but chunk is longer than limit', scanMatch.start);
      }
      const chunk = buffer.take(scanMatch.end);
      this.#maybeResumeTransport();
      return chunk;
    }
    if (status === OVERRUN) throw new LimitOverrunError('Separator is not found, and chunk exceed the limit', op.offset);
    if (status === AT_EOF) throw new IncompleteReadError(buffer.takeAll(), null);
    throw new RuntimeError(`StreamReader.${op.kind}(): internal error: woken while undecided`);
  }

  #finishLine(op: ReadOp, status?: number): Buffer {
    try {
      return this.#finishUntil(op, status);
    } catch (e) {
      if (e instanceof IncompleteReadError) return e.partial;
      if (e instanceof LimitOverrunError) {
        const buffer = this.#buffer;
        if (buffer.startsWith(NEWLINE[0], e.consumed)) buffer.discard(e.consumed + 1);
        else buffer.clear();
        this.#maybeResumeTransport();
        const err = loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', e.message);
        (err as Error).cause = e;
        throw err;
      }
      throw e;
    }
  }
}

/** Where the last committed scan found its match (one reader runs at a time: no reentrancy). */
const scanMatch = { start: 0, end: 0 };

function failed<T>(fut: Future<T>, exc: unknown): Future<T> {
  fut.setException(exc);
  return fut;
}

function done<T>(fut: Future<T>, value: T): Future<T> {
  fut.setResult(value);
  return fut;
}

function settleNow<T>(fut: Future<T>, compute: () => T): Future<T> {
  let value: T;
  try {
    value = compute();
  } catch (e) {
    return failed(fut, e);
  }
  return done(fut, value);
}
