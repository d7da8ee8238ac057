/**
 * Contexts and context variables, with Python's `contextvars` semantics.
 *
 * HOW: a {@link Context} holds an immutable map from {@link ContextVar} to
 * value; `ContextVar.set` replaces the current context's map with a copy that
 * has the new value (copy-on-write), so `copyContext()` is O(1): the copy
 * shares the map until either side sets a variable.
 *
 * Which context is current:
 *   1. the one entered by `Context.run` (the loop enters a callback's context
 *      to run it, and a task's context for each of its steps);
 *   2. else, in an async function that a task drives (after an `await`), the
 *      task's context, found through the task frame (`internal/task-storage.ts`);
 *   3. else the thread's base context.
 *
 * Invariant: a context is entered at most once at a time (`run` on an entered
 * context throws `RuntimeError`, as Python's does).
 *
 * @packageDocumentation
 */
import { loopError, optionsArg, RuntimeError } from '@loop/interfaces';
import type { Context as ContextContract } from '@loop/interfaces';
import { G } from './internal/globals.js';
import { taskStorage } from './internal/task-storage.js';

/** @internal The immutable mapping a context holds. */
export type VarMap = ReadonlyMap<ContextVar<any>, unknown>;
const EMPTY: VarMap = new Map();
const MISSING: unique symbol = Symbol('MISSING');

/** A mapping of context variables to values; callbacks and tasks run in one. */
export class Context implements ContextContract, Iterable<[ContextVar<unknown>, unknown]> {
  /** @internal */
  _data: VarMap;
  /** @internal */
  _entered = false;
  /** @internal */
  _prev: Context | null = null;

  /** An empty context. Use {@link copyContext} for a copy of the current one. */
  constructor() {
    this._data = EMPTY;
  }

  /** @internal */
  static _of(data: VarMap): Context {
    const ctx = new Context();
    ctx._data = data;
    return ctx;
  }

  /**
   * Runs `fn(...args)` with this context current, and returns its result.
   * Changes that `fn` makes to context variables stay in this context.
   * Throws `RuntimeError` when this context is already entered.
   */
  run<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): R {
    if (this._entered) {
      throw new RuntimeError(`Context.run(): cannot enter context: ${this.toString()} is already entered`, {
        code: 'ERR_LOOP_CONTEXT_ENTERED',
      });
    }
    this._prev = G.currentContext;
    this._entered = true;
    G.currentContext = this;
    try {
      return fn(...args);
    } finally {
      G.currentContext = this._prev;
      this._prev = null;
      this._entered = false;
    }
  }

  /**
   * `fn` bound to this context: calling the result runs `fn` in this context
   * (`loop.callSoon(ctx.bind(cb))` is asyncio's `call_soon(cb, context=ctx)`).
   */
  bind<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
    if (typeof fn !== 'function') throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `Context.bind(): a function was expected, got ${typeof fn}`);
    const bound = (...args: A): R => this.run(fn, ...args);
    Object.defineProperty(bound, 'name', { value: fn.name });
    return bound;
  }

  /** A shallow copy: the same values, independent from now on. */
  copy(): Context {
    return Context._of(this._data);
  }

  /** The value of `v` in this context, or `dflt` (undefined) when it has none. */
  get<T>(v: ContextVar<T>, dflt?: T): T | undefined {
    return this._data.has(v) ? (this._data.get(v) as T) : dflt;
  }

  /** Whether `v` has a value in this context. */
  has(v: ContextVar<unknown>): boolean {
    return this._data.has(v);
  }

  /** The number of variables set in this context. */
  get size(): number {
    return this._data.size;
  }

  /** The variables set in this context. */
  keys(): IterableIterator<ContextVar<unknown>> {
    return this._data.keys();
  }

  /** The values of the variables set in this context. */
  values(): IterableIterator<unknown> {
    return this._data.values();
  }

  /** `[variable, value]` pairs. */
  entries(): IterableIterator<[ContextVar<unknown>, unknown]> {
    return this._data.entries();
  }

  /** Iterates the `[variable, value]` pairs, like iterating a Python `Context`. */
  [Symbol.iterator](): IterableIterator<[ContextVar<unknown>, unknown]> {
    return this._data.entries();
  }

  toString(): string {
    return `<Context vars=${this._data.size}${this._entered ? ' entered' : ''}>`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** @internal The context whose values are visible now. */
export function currentContext(): Context {
  const ctx = G.currentContext;
  if (ctx !== null) return ctx;
  const frame = taskStorage.getStore() as { _context?: Context } | undefined;
  if (frame !== undefined && frame._context !== undefined) return frame._context;
  return (G.rootContext ??= new Context());
}

/** @internal The current context's values (a snapshot: the map is immutable). */
export function currentData(): VarMap {
  return currentContext()._data;
}

/**
 * @internal The context a handle scheduled without an explicit context runs
 * in: reused for every such handle (handles never run nested), its values
 * set from the handle's snapshot. Saves allocating a context per `callSoon`.
 */
export const scratchContext: Context = new Context();

/** A copy of the current context (Python's `contextvars.copy_context()`). */
export function copyContext(): Context {
  return Context._of(currentContext()._data);
}

/** Options of {@link ContextVar}. */
export interface ContextVarOptions<T> {
  /** The value `get()` returns when the variable has no value in the context. */
  default?: T;
}

/** What `ContextVar.set` returns, to undo the change with `reset`. */
export class Token<T = unknown> {
  /** Marker for "the variable had no value" (Python's `Token.MISSING`). */
  static readonly MISSING: typeof MISSING = MISSING;
  /** @internal */
  _used = false;
  /** @internal */ readonly _context: Context;
  /** The variable this token belongs to. */
  readonly var: ContextVar<T>;
  /** The value before `set`, or `Token.MISSING`. */
  readonly oldValue: T | typeof MISSING;
  /** @internal Tokens are made by `ContextVar.set`. */
  constructor(context: Context, v: ContextVar<T>, oldValue: T | typeof MISSING) {
    this._context = context;
    this.var = v;
    this.oldValue = oldValue;
  }
  /** `<Token var=...>`, like Python's repr. */
  toString(): string {
    return `<Token${this._used ? ' used' : ''} var=${this.var.toString()}>`;
  }
}

/** A context variable: a value per {@link Context}. */
export class ContextVar<T> {
  /** The variable's name (for reprs). */
  readonly name: string;
  readonly #default: T | typeof MISSING;

  constructor(name: string, options?: ContextVarOptions<T> | null) {
    if (typeof name !== 'string') {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `ContextVar(): name must be a string, got ${typeof name}`);
    }
    this.name = name;
    const opts = optionsArg('ContextVar', options);
    this.#default = 'default' in opts ? (opts.default as T) : MISSING;
  }

  /**
   * The variable's value in the current context; else `dflt` when given; else
   * the variable's default; else throws `RangeError` (Python's `LookupError`).
   */
  get(dflt?: T): T {
    const data = currentContext()._data;
    if (data.has(this)) return data.get(this) as T;
    if (arguments.length > 0) return dflt as T;
    if (this.#default !== MISSING) return this.#default;
    throw loopError(RangeError, 'ERR_LOOP_LOOKUP', `ContextVar.get(): ${this.toString()} has no value in the current context and no default`);
  }

  /** Sets the variable's value in the current context; returns a token for `reset`. */
  set(value: T): Token<T> {
    const ctx = currentContext();
    const old = ctx._data.has(this) ? (ctx._data.get(this) as T) : MISSING;
    const next = new Map(ctx._data);
    next.set(this, value);
    ctx._data = next;
    return new Token(ctx, this, old);
  }

  /** Restores the value the variable had before the `set` that returned `token`. */
  reset(token: Token<T>): void {
    if (!(token instanceof Token)) {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `ContextVar.reset(): expected a Token, got ${typeof token}`);
    }
    if (token._used) {
      throw new RuntimeError(`ContextVar.reset(): ${token.toString()} has already been used once`);
    }
    if (token.var !== this) {
      throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `ContextVar.reset(): ${token.toString()} was created by a different ContextVar`);
    }
    const ctx = currentContext();
    if (token._context !== ctx) {
      throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `ContextVar.reset(): ${token.toString()} was created in a different Context`);
    }
    const next = new Map(ctx._data);
    if (token.oldValue === MISSING) next.delete(this);
    else next.set(this, token.oldValue);
    ctx._data = next;
    token._used = true;
  }

  /** `<ContextVar name='...'>`, like Python's repr. */
  toString(): string {
    const dflt = this.#default === MISSING ? '' : ` default=${String(this.#default)}`;
    return `<ContextVar name='${this.name}'${dflt}>`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
