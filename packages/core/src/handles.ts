/**
 * Handles: the callbacks the loop runs. `callSoon` makes a {@link Handle};
 * `callLater` / `callAt` make a {@link TimerHandle}.
 *
 * A handle holds the callback, its arguments, the context it runs in and a
 * cancelled flag. `cancel()` drops the callback and arguments at once (so
 * they can be collected) and, for a timer, tells the loop so it can count
 * cancelled timers for its compaction rule.
 *
 * States: `pending -> (run) | cancelled`. A handle runs at most once; a
 * cancelled one never runs.
 *
 * @packageDocumentation
 */
import type { Handle as HandleContract, TimerHandle as TimerHandleContract } from '@loop/interfaces';
import { Context, scratchContext } from './context.js';
import type { VarMap } from './context.js';
import { G } from './internal/globals.js';
import { creationSite, formatCallback, siteLocation } from './internal/format.js';

/** What a handle needs from its loop. @internal */
export interface HandleLoop {
  callExceptionHandler(context: Record<string, unknown> & { message: string }): void;
  getDebug(): boolean;
  _timerHandleCancelled(handle: TimerHandle): void;
}

/** A callback scheduled on a loop. */
export class Handle implements HandleContract {
  /** @internal */ _callback: ((...args: any[]) => unknown) | null;
  /** @internal */ _args: unknown[] | null;
  /** @internal The context given or materialised; `null` while only `_data` is known. */
  _context: Context | null;
  /** @internal The values of the context captured when scheduled (when `_context` is null). */
  _data: VarMap | null;
  /** @internal */ _loop: HandleLoop;
  /** @internal */ _cancelled = false;
  /** @internal Where the handle was created (debug mode only). */
  _sourceTraceback: string | null = null;

  /** @internal Handles are made by the loop: `loop.callSoon(...)`. */
  constructor(
    callback: (...args: any[]) => unknown,
    args: unknown[] | null,
    loop: HandleLoop,
    context: Context | null,
    data: VarMap | null = null,
  ) {
    this._callback = callback;
    this._args = args;
    this._loop = loop;
    this._context = context;
    this._data = data;
    if (loop.getDebug()) this._sourceTraceback = creationSite();
  }

  /** Cancels the callback; idempotent. A cancelled callback never runs. */
  cancel(): void {
    if (this._cancelled) return;
    this._cancelled = true;
    // In debug mode the callback stays for the repr, as asyncio's cached repr.
    if (this._sourceTraceback === null) {
      this._callback = null;
      this._args = null;
    }
  }

  /** Whether `cancel()` was called. */
  cancelled(): boolean {
    return this._cancelled;
  }

  /** The context the callback runs in. */
  getContext(): Context {
    return (this._context ??= Context._of(this._data as VarMap));
  }

  /**
   * @internal Runs the callback in its context. An exception goes to the
   * loop's exception handler with `message`, `exception` and `handle`.
   */
  _run(): void {
    const cb = this._callback as (...args: unknown[]) => unknown;
    const args = this._args as unknown[];
    let ctx = this._context;
    if (ctx === null) {
      ctx = scratchContext;
      if (ctx._entered) ctx = this.getContext();
      else ctx._data = this._data as VarMap;
    }
    if (ctx._entered) {
      // Python: "cannot enter context: ... is already entered".
      try {
        ctx.run(cb, ...args);
      } catch (exc) {
        this.#report(cb, args, exc);
      }
      return;
    }
    const prev = G.currentContext;
    ctx._entered = true;
    G.currentContext = ctx;
    let failed = false;
    let error: unknown;
    try {
      if (args.length === 0) cb();
      else cb(...args);
    } catch (exc) {
      failed = true;
      error = exc;
    } finally {
      G.currentContext = prev;
      ctx._entered = false;
    }
    if (failed) this.#report(cb, args, error);
  }

  /** An exception from the callback goes to the exception handler; the loop goes on. */
  #report(cb: (...args: unknown[]) => unknown, args: unknown[], exc: unknown): void {
    const context: Record<string, unknown> & { message: string } = {
      message: `Exception in callback ${formatCallback(cb, args)}`,
      exception: exc,
      handle: this,
    };
    if (this._sourceTraceback !== null) context.source_traceback = this._sourceTraceback;
    this._loop.callExceptionHandler(context);
  }

  /** @internal The parts of the repr, as asyncio's `_repr_info`. */
  _reprInfo(): string[] {
    const info = [this.constructor.name];
    if (this._cancelled) info.push('cancelled');
    if (this._callback !== null) info.push(formatCallback(this._callback, this._args));
    if (this._sourceTraceback !== null) info.push(`created at ${siteLocation(this._sourceTraceback)}`);
    return info;
  }

  /** asyncio's repr: `<Handle cb(1, 2)>`, `<Handle cancelled>`. */
  toString(): string {
    return `<${this._reprInfo().join(' ')}>`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** A callback scheduled for a loop time. */
export class TimerHandle extends Handle implements TimerHandleContract {
  /** @internal */ _when: number;
  /** @internal Insertion sequence: equal `when`s run in scheduling order. */
  _seq: number;
  /** @internal Whether the timer is in the loop's heap. */
  _scheduled = false;

  /** @internal Timers are made by the loop: `loop.callLater(...)`. */
  constructor(
    when: number,
    seq: number,
    callback: (...args: any[]) => unknown,
    args: unknown[] | null,
    loop: HandleLoop,
    context: Context | null,
    data: VarMap | null = null,
  ) {
    super(callback, args, loop, context, data);
    this._when = when;
    this._seq = seq;
  }

  /** The loop time at which the callback is due, in seconds. */
  when(): number {
    return this._when;
  }

  /** Cancels the timer; idempotent. The loop removes it from its heap lazily. */
  override cancel(): void {
    if (!this._cancelled) this._loop._timerHandleCancelled(this);
    super.cancel();
  }

  /** @internal */
  override _reprInfo(): string[] {
    const info = super._reprInfo();
    info.splice(this._cancelled ? 2 : 1, 0, `when=${this._when}`);
    return info;
  }
}
