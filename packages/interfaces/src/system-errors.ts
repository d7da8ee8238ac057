/**
 * System errors: what asyncio raises and catches as `OSError`.
 *
 * HOW and WHY. The mapping (docs/asyncio-mapping.md, docs/errors.md) makes
 * Python's `OSError` Node's system error: an `Error` with a `code`
 * (`'ECONNREFUSED'`), an `errno` and a `syscall`. The network code decides
 * by it, as asyncio decides by `except OSError`: a failed connect attempt is
 * collected and the next address tried, a transport that fails with one logs
 * it only in debug mode instead of calling the exception handler. So one
 * predicate, {@link isOsError}, says which errors are system errors, for
 * every package (the backends, `@loop/net`), and {@link systemError} makes
 * the ones the library raises itself.
 *
 * The test is structural, never `instanceof Error`: Node's errors may come
 * from another realm (a `vm` context, jest's sandbox), and a worker's error
 * is rebuilt field by field. An error is a system error when it carries
 * `errno` (a number, or `null` for an `OSError` with no errno, like Python's
 * `OSError('no matching local address')`) or a string `syscall`:
 *
 * | error | system error? |
 * |---|---|
 * | Node's system errors (`connect ECONNREFUSED`: `code`, `errno`, `syscall`) | yes |
 * | DNS errors (`EAI_NONAME`, `ENOTFOUND`: `errno`, `syscall: 'getaddrinfo'`) | yes (Python's `gaierror` is an `OSError`) |
 * | made by {@link systemError} | yes |
 * | Node's argument errors (`ERR_INVALID_ARG_TYPE`, `ERR_SOCKET_BAD_PORT`) | no (Python's `TypeError` / `ValueError` / `OverflowError`) |
 * | @loop's coded errors (`ERR_LOOP_*`), `CancelledError`, an error with no `errno` / `syscall` | no |
 * | Node's TLS errors (`ERR_SSL_*`, `UNABLE_TO_VERIFY_LEAF_SIGNATURE`) | no: they carry neither; the TLS code reports them itself (Python's `SSLError` is an `OSError`) |
 *
 * @packageDocumentation
 */

/** A system error as Node makes them (asyncio's `OSError`), with the fields the network code reads. */
export interface SystemError extends Error {
  /** `'EADDRINUSE'`, `'ECONNREFUSED'`… */
  code?: string;
  /** Node's (negative) errno; `null` for an `OSError` without one. */
  errno?: number | null;
  /** `'bind'`, `'listen'`, `'connect'`. */
  syscall?: string;
  /** The address of the failed operation. */
  address?: string;
  /** The port of the failed operation. */
  port?: number;
}

/**
 * Whether `err` is a system error, asyncio's `OSError`: an object that
 * carries a numeric (or `null`) `errno` or a string `syscall` (see the table
 * in the file header). Never throws, whatever `err` is.
 */
export function isOsError(err: unknown): err is SystemError {
  if (typeof err !== 'object' || err === null) return false;
  try {
    const e = err as { errno?: unknown; syscall?: unknown };
    const errno = e.errno;
    return typeof errno === 'number' || errno === null || typeof e.syscall === 'string';
  } catch {
    // A revoked Proxy, a throwing getter: not an error the system made.
    return false;
  }
}

/** Options of {@link systemError}. */
export interface SystemErrorOptions {
  /** Node's (negative) errno of `code` (`-os.constants.errno.ECONNRESET`); `null` (the default) when there is none. */
  errno?: number | null;
  /** The system call that failed (`'accept'`, `'getsockname'`). */
  syscall?: string;
  /** The error that caused this one. */
  cause?: unknown;
}

/**
 * Makes a system error as Node does (asyncio's `OSError` subclasses, e.g.
 * `ConnectionResetError` for `ECONNRESET`): an `Error` with `message`,
 * `code` (omitted when `null`: Python's `OSError(msg)` with no errno),
 * `errno` and, when given, `syscall`. {@link isOsError} recognises it.
 * `@loop/interfaces` uses no Node built-in at run time, so the caller gives
 * the errno (`-os.constants.errno[code]`).
 */
export function systemError(code: string | null, message: string, options: SystemErrorOptions = {}): SystemError {
  const err = (options.cause === undefined ? new Error(message) : new Error(message, { cause: options.cause })) as SystemError;
  if (code !== null) err.code = code;
  err.errno = options.errno ?? null;
  if (options.syscall !== undefined) err.syscall = options.syscall;
  return err;
}
