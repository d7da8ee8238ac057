/**
 * The errors of @loop, mapped from asyncio's (see `docs/errors.md`).
 *
 * Every error that the library raises carries a stable `code` (`ERR_LOOP_*`)
 * and a message that names the API, the object and the rule it broke. Where
 * asyncio has a wording (`Event loop is closed`), the message keeps it.
 * asyncio's `ValueError` is JavaScript's `RangeError` and its `TypeError` is
 * JavaScript's `TypeError`; {@link loopError} builds those with a code too.
 *
 * @packageDocumentation
 */

import type { LoopErrorCode } from './error-codes.js';
import { brand } from './internal/brand.js';

/** Options accepted by every `@loop` error constructor. */
export interface LoopErrorOptions {
  /** A stable machine-readable code, listed in `docs/errors.md`. */
  code?: string;
  /** The error that caused this one (ES2022 `cause`). */
  cause?: unknown;
}

function init(err: Error & { code?: string }, name: string, options: LoopErrorOptions | undefined, code: string): void {
  Object.defineProperty(err, 'name', { value: name, enumerable: false, configurable: true, writable: true });
  err.code = options?.code ?? code;
}

/**
 * asyncio's `RuntimeError`: a closed loop, a loop already running, no running
 * loop, a coroutine that yields something that is not a future…
 */
export class RuntimeError extends Error {
  /** Stable code, `ERR_LOOP_RUNTIME` unless a more precise one is given. */
  code: string;
  constructor(message = '', options?: LoopErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = '';
    init(this, new.target.name, options, 'ERR_LOOP_RUNTIME');
  }
}

/**
 * A capability that this loop lacks. The message names the package or option
 * that provides it, e.g. `createConnection requires @loop/net`.
 */
export class NotImplementedError extends RuntimeError {
  constructor(message = '', options?: LoopErrorOptions) {
    super(message, { code: 'ERR_LOOP_NOT_IMPLEMENTED', ...options });
  }
}

/**
 * The operation was cancelled (asyncio's `CancelledError`, a `BaseException`
 * in Python). Code that catches every error should re-throw it. Its message is
 * exactly the `cancel(msg)` message, empty when none was given.
 */
export class CancelledError extends Error {
  /** Always `ERR_LOOP_CANCELLED`. */
  code: string;
  constructor(message = '', options?: LoopErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = '';
    init(this, 'CancelledError', options, 'ERR_LOOP_CANCELLED');
  }
}

/**
 * Python's `KeyboardInterrupt` (a `BaseException`): `run()` rejects with it
 * when Ctrl-C (SIGINT) interrupted the main task — the first SIGINT cancels
 * the main task, a second one stops waiting for it. Code that catches every
 * error should re-throw it. Python ends an uncaught `KeyboardInterrupt` by
 * SIGINT (shell status 130); see `run()` for how a Node program does so.
 */
export class KeyboardInterrupt extends Error {
  /** Always `ERR_LOOP_KEYBOARD_INTERRUPT`. */
  code: string;
  constructor(message = '', options?: LoopErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = '';
    init(this, 'KeyboardInterrupt', options, 'ERR_LOOP_KEYBOARD_INTERRUPT');
  }
}

/** An operation is not allowed in the object's current state (`InvalidStateError`). */
export class InvalidStateError extends Error {
  /** Always `ERR_LOOP_INVALID_STATE` unless a more precise code is given. */
  code: string;
  constructor(message = '', options?: LoopErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = '';
    init(this, 'InvalidStateError', options, 'ERR_LOOP_INVALID_STATE');
  }
}

/** A deadline passed (`asyncio.TimeoutError`, the builtin `TimeoutError` in 3.11). */
export class TimeoutError extends Error {
  /** Always `ERR_LOOP_TIMEOUT`. */
  code: string;
  constructor(message = '', options?: LoopErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = '';
    init(this, 'TimeoutError', options, 'ERR_LOOP_TIMEOUT');
  }
}

/** `sendfile` cannot use the native system call and `fallback` is off. */
export class SendfileNotAvailableError extends RuntimeError {
  constructor(message = '', options?: LoopErrorOptions) {
    super(message, { code: 'ERR_LOOP_SENDFILE_NOT_AVAILABLE', ...options });
  }
}

/**
 * A `Barrier` was aborted, or reset while tasks waited at it (asyncio's
 * `BrokenBarrierError`, a `RuntimeError`).
 */
export class BrokenBarrierError extends RuntimeError {
  constructor(message = '', options?: LoopErrorOptions) {
    super(message, { code: 'ERR_LOOP_BROKEN_BARRIER', ...options });
  }
}

/** `Queue.getNowait()` on an empty queue (asyncio's `QueueEmpty`). */
export class QueueEmpty extends Error {
  /** Always `ERR_LOOP_QUEUE_EMPTY`. */
  code: string;
  constructor(message = '', options?: LoopErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = '';
    init(this, 'QueueEmpty', options, 'ERR_LOOP_QUEUE_EMPTY');
  }
}

/** `Queue.putNowait()` on a full queue (asyncio's `QueueFull`). */
export class QueueFull extends Error {
  /** Always `ERR_LOOP_QUEUE_FULL`. */
  code: string;
  constructor(message = '', options?: LoopErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = '';
    init(this, 'QueueFull', options, 'ERR_LOOP_QUEUE_FULL');
  }
}

/** The stream ended before the expected number of bytes was read. */
export class IncompleteReadError extends Error {
  /** Always `ERR_LOOP_INCOMPLETE_READ`. */
  code: string;
  /** The bytes read before the end of the stream. */
  readonly partial: Buffer;
  /** The number of bytes that were expected, `null` when unbounded. */
  readonly expected: number | null;
  constructor(partial: Buffer, expected: number | null, options?: LoopErrorOptions) {
    const exp = expected === null ? 'undefined' : String(expected);
    super(`${partial.length} bytes read on a total of ${exp} expected bytes`);
    this.code = '';
    init(this, 'IncompleteReadError', options, 'ERR_LOOP_INCOMPLETE_READ');
    this.partial = partial;
    this.expected = expected;
  }
}

/** The buffer limit was reached while looking for a separator. */
export class LimitOverrunError extends Error {
  /** Always `ERR_LOOP_LIMIT_OVERRUN`. */
  code: string;
  /** The number of bytes to consume. */
  readonly consumed: number;
  constructor(message: string, consumed: number, options?: LoopErrorOptions) {
    super(message);
    this.code = '';
    init(this, 'LimitOverrunError', options, 'ERR_LOOP_LIMIT_OVERRUN');
    this.consumed = consumed;
  }
}

/**
 * A group of errors that includes a non-`Error` failure such as a
 * `CancelledError` (Python's `BaseExceptionGroup`). `exceptions` and `errors`
 * hold the members; nested groups are kept.
 */
export class BaseExceptionGroup extends AggregateError {
  /** Always `ERR_LOOP_EXCEPTION_GROUP`. */
  code: string;
  /** The member exceptions, as given (Python's `exceptions`). */
  readonly exceptions: readonly unknown[];
  constructor(message: string, exceptions: readonly unknown[]) {
    if (typeof message !== 'string') {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${new.target.name}(): message must be a string`);
    }
    if (!Array.isArray(exceptions) || exceptions.length === 0) {
      throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `${new.target.name}(): the second argument (exceptions) must be a non-empty array`);
    }
    super(exceptions, message);
    this.code = 'ERR_LOOP_EXCEPTION_GROUP';
    Object.defineProperty(this, 'name', { value: new.target.name, enumerable: false, configurable: true, writable: true });
    this.exceptions = Object.freeze([...exceptions]);
  }
}

/** A group of ordinary errors (Python's `ExceptionGroup`), as a `TaskGroup` raises. */
export class ExceptionGroup extends BaseExceptionGroup {}

/**
 * Builds a built-in error (`TypeError`, `RangeError`) that carries a stable
 * `code`, as the library's argument checks throw them: the one way library
 * code builds those (`docs/errors.md`, "How library code builds an error";
 * the lint rule `loop/coded-errors` rejects a bare `new TypeError(...)`).
 * `code` must be one of `LOOP_ERROR_CODES` (`error-codes.ts`).
 *
 * @example
 * ```ts
 * throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `callLater(): delay must be a number of seconds, got 'soon'`);
 * ```
 */
export function loopError<E extends Error>(
  Ctor: new (message?: string) => E,
  code: LoopErrorCode,
  message: string,
): E & { code: string } {
  const err = new Ctor(message) as E & { code: string };
  err.code = code;
  return err;
}

// `instanceof` recognises these errors across the ESM and CJS copies of this
// package (the dual-package hazard; see `src/internal/brand.ts`).
brand(RuntimeError, '@loop/interfaces:RuntimeError');
brand(NotImplementedError, '@loop/interfaces:NotImplementedError');
brand(CancelledError, '@loop/interfaces:CancelledError');
brand(KeyboardInterrupt, '@loop/interfaces:KeyboardInterrupt');
brand(InvalidStateError, '@loop/interfaces:InvalidStateError');
brand(TimeoutError, '@loop/interfaces:TimeoutError');
brand(SendfileNotAvailableError, '@loop/interfaces:SendfileNotAvailableError');
brand(IncompleteReadError, '@loop/interfaces:IncompleteReadError');
brand(LimitOverrunError, '@loop/interfaces:LimitOverrunError');
brand(BaseExceptionGroup, '@loop/interfaces:BaseExceptionGroup');
brand(ExceptionGroup, '@loop/interfaces:ExceptionGroup');
