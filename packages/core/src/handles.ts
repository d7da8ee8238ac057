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
  /** A timer in this loop's heap was cancelled (the count behind the compaction rule). */
  _timerHandleCancelled(): void;
}

/**
 * Debug mode: where each handle was created. A side table keeps handles
 * small (three fields): a million pending callbacks are a million objects the
 * garbage collector copies.
 */
const handleSites = new WeakMap<Handle, string>();
/** Whether any handle was made in debug mode: until then `cancel()` skips the side table. */
let sitesKept = false;
/** Debug mode: the callback and arguments of a cancelled handle, for its repr. */
const cancelledCallbacks = new WeakMap<Handle, [(...args: any[]) => unknown, unknown[] | null]>();

/** A callback scheduled on a loop. */
export class Handle implements HandleContract {
  /** @internal */ _callback: ((...args: any[]) => unknown) | null;
  /** @internal */ _args: unknown[] | null;
  /**
   * @internal The context to run in: a `Context` (given, or materialised by
   * `getContext()`), or the values captured when scheduled, run in a reused
   * scratch context.
   */
  _ctx: Context | VarMap;

  /** @internal Handles are made by the loop: `loop.callSoon(...)`. */
  constructor(callback: (...args: any[]) => unknown, args: unknown[] | null, ctx: Context | VarMap, debug: boolean) {
    this._callback = callback;
    this._args = args;
    this._ctx = ctx;
    if (debug) {
      handleSites.set(this, creationSite());
      sitesKept = true;
    }
  }

  /** @internal Where the handle was created (debug mode only), else `null`. */
  get _sourceTraceback(): string | null {
    return sitesKept ? (handleSites.get(this) ?? null) : null;
  }

  /**
   * @internal Whether the handle is cancelled: its callback is gone. (No
   * field of its own: a million pending handles are a million objects the
   * garbage collector copies, and every field counts.)
   */
  get _cancelled(): boolean {
    return this._callback === null;
  }

  /** Cancels the callback; idempotent. A cancelled callback never runs. */
  cancel(): void {
    const cb = this._callback;
    if (cb === null) return;
    // In debug mode the callback stays for the repr, as asyncio's cached repr.
    if (sitesKept && handleSites.has(this)) cancelledCallbacks.set(this, [cb, this._args]);
    this._callback = null;
    this._args = null;
  }

  /** Whether `cancel()` was called. */
  cancelled(): boolean {
    return this._cancelled;
  }

  /** The context the callback runs in. */
  getContext(): Context {
    const ctx = this._ctx;
    if (ctx instanceof Context) return ctx;
    return (this._ctx = Context._of(ctx));
  }

  /**
   * @internal Runs the callback in its context. An exception goes to the
   * loop's exception handler with `message`, `exception` and `handle`.
   */
  _run(loop: HandleLoop): void {
    const cb = this._callback as (...args: unknown[]) => unknown;
    const args = this._args as unknown[];
    const c = this._ctx;
    let ctx: Context;
    if (c instanceof Context) ctx = c;
    else {
      ctx = scratchContext;
      if (ctx._entered) ctx = this.getContext();
      else ctx._data = c;
    }
    if (ctx._entered) {
      // Python: "cannot enter context: ... is already entered".
      try {
        ctx.run(cb, ...args);
      } catch (exc) {
        this.#report(loop, cb, args, exc);
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
    if (failed) this.#report(loop, cb, args, error);
  }

  /** An exception from the callback goes to the exception handler; the loop goes on. */
  #report(loop: HandleLoop, cb: (...args: unknown[]) => unknown, args: unknown[], exc: unknown): void {
    const context: Record<string, unknown> & { message: string } = {
      message: `Exception in callback ${formatCallback(cb, args)}`,
      exception: exc,
      handle: this,
    };
    const site = this._sourceTraceback;
    if (site !== null) context.source_traceback = site;
    loop.callExceptionHandler(context);
  }

  /** @internal The parts of the repr, as asyncio's `_repr_info`. */
  _reprInfo(): string[] {
    const info = [this.constructor.name];
    if (this._callback === null) {
      info.push('cancelled');
      const kept = cancelledCallbacks.get(this);
      if (kept !== undefined) info.push(formatCallback(kept[0], kept[1]));
    } else {
      info.push(formatCallback(this._callback, this._args));
    }
    const site = this._sourceTraceback;
    if (site !== null) info.push(`created at ${siteLocation(site)}`);
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
  /**
   * @internal The loop while the timer is in its heap, else `null`: `cancel()`
   * tells it, for its count of cancelled timers (the compaction rule).
   */
  _heap: HandleLoop | null;

  /** @internal Timers are made by the loop (`loop.callLater(...)`), which puts them in its heap at once. */
  constructor(
    when: number,
    seq: number,
    callback: (...args: any[]) => unknown,
    args: unknown[] | null,
    loop: HandleLoop,
    ctx: Context | VarMap,
    debug: boolean,
  ) {
    super(callback, args, ctx, debug);
    this._when = when;
    this._seq = seq;
    this._heap = loop;
  }

  /** The loop time at which the callback is due, in seconds. */
  when(): number {
    return this._when;
  }

  /** Cancels the timer; idempotent. The loop removes it from its heap lazily. */
  override cancel(): void {
    if (this._callback !== null && this._heap !== null) this._heap._timerHandleCancelled();
    super.cancel();
  }

  /** @internal */
  override _reprInfo(): string[] {
    const info = super._reprInfo();
    info.splice(this._cancelled ? 2 : 1, 0, `when=${this._when}`);
    return info;
  }
}
