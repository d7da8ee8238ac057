/**
 * Turns the addon's `-errno` results into Node-style system errors
 * (asyncio's `OSError`): `code` from `util.getSystemErrorName`, Node's
 * negative `errno`, the `syscall`, and for `bind`/`connect` the address, as
 * Node's own `connect ECONNREFUSED 127.0.0.1:9`.
 *
 * @packageDocumentation
 */
import { constants } from 'node:os';
import { getSystemErrorName } from 'node:util';
import { systemError, type SystemError } from '@loop/interfaces';

/** Positive errno -> its first name in os.constants.errno. */
const ERRNO_NAMES = new Map<number, string>();
for (const [name, value] of Object.entries(constants.errno)) if (!ERRNO_NAMES.has(value)) ERRNO_NAMES.set(value, name);

/** Node's negative errno of EBADF. */
const EBADF = -constants.errno.EBADF;

/** The system error for the addon's result `negErrno` (< 0) of `syscall`. */
export function errnoError(syscall: string, negErrno: number, where?: { address: string; port?: number }): SystemError {
  // libuv names only the errors it maps (not EINPROGRESS); os.constants.errno names the rest.
  let code = getSystemErrorName(negErrno);
  if (code.startsWith('Unknown system error')) code = ERRNO_NAMES.get(-negErrno) ?? code;
  let message = `${syscall} ${code}`;
  if (where !== undefined) message += where.port === undefined ? ` ${where.address}` : ` ${where.address}:${where.port}`;
  const err = systemError(code, message, { errno: negErrno, syscall });
  if (where !== undefined) {
    err.address = where.address;
    if (where.port !== undefined) err.port = where.port;
  }
  return err;
}

/** The error of any use of a closed (or detached) socket: Python's `OSError: [Errno 9] Bad file descriptor`. */
export function closedSocketError(syscall: string): SystemError {
  return systemError('EBADF', `${syscall} EBADF: the socket is closed`, { errno: EBADF, syscall });
}
