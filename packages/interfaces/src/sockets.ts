/**
 * What the contracts know of sockets, addresses and file descriptors.
 *
 * `@loop/socket` (real non-blocking BSD sockets) implements {@link SocketLike};
 * the contracts only need its shape, so that a backend or a capability can be
 * written against `@loop/interfaces` alone. Addresses are asyncio's tuples,
 * spelled as TypeScript tuples.
 *
 * @packageDocumentation
 */

import { loopError } from './errors.js';

/** An IPv4 (or unresolved host) address: asyncio's `(host, port)`. */
export type InetAddress = [host: string, port: number];

/** An IPv6 address: asyncio's `(host, port, flowinfo, scope_id)`. */
export type Inet6Address = [host: string, port: number, flowinfo: number, scopeId: number];

/**
 * A socket address: `[host, port]`, `[host, port, flowinfo, scopeId]` for
 * IPv6, or the path `string` of a Unix socket (abstract names start with `\0`).
 */
export type Address = InetAddress | Inet6Address | string;

/**
 * One result of `getaddrinfo`: `[family, type, proto, canonname, sockaddr]`,
 * as Python's `socket.getaddrinfo()` returns. `canonname` is `''` unless
 * `AI_CANONNAME` was asked for.
 */
export type AddrInfo = [family: number, type: number, proto: number, canonname: string, sockaddr: InetAddress | Inet6Address];

/**
 * The structural shape of a socket that the loop's methods accept (`sock`
 * options, `sock*` methods, `Server.sockets`). `@loop/socket`'s `Socket`
 * implements it; so can a third party's.
 *
 * A socket given to the loop must be non-blocking: an operation that would
 * block throws an error with `code: 'EAGAIN'` (or `'EWOULDBLOCK'`).
 */
export interface SocketLike {
  /** The file descriptor; `-1` once the socket is closed. */
  fileno(): number;
  /** The address family (`AF_INET`, `AF_INET6`, `AF_UNIX`…). */
  readonly family: number;
  /** The socket type (`SOCK_STREAM`, `SOCK_DGRAM`…). */
  readonly type: number;
  /** The protocol number, `0` for the family's default. */
  readonly proto?: number;
  /** The local address. Throws a system error on a closed socket. */
  getsockname(): Address;
  /** The remote address. Throws a system error (`ENOTCONN`) when not connected. */
  getpeername(): Address;
  /** Closes the socket. Idempotent. */
  close(): void;
}

/** A file descriptor, or an object that has one: what `addReader` and `addWriter` accept. */
export type FileDescriptorLike = number | { fileno(): number };

/**
 * A pipe end for `connectReadPipe` / `connectWritePipe`: a file descriptor,
 * an object with `fileno()`, or an object with a numeric `fd` (Node's
 * `fs.ReadStream`, `tty.ReadStream`, `process.stdin`…).
 */
export type PipeLike = FileDescriptorLike | { readonly fd: number };

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name !== '' ? `<${name}>` : '<object>';
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return `<function ${value.name}>`;
  if (typeof value === 'symbol') return value.toString();
  return `${value as number | boolean | bigint | undefined}`;
}

/**
 * The file descriptor of `fileobj` (asyncio's `selectors._fileobj_to_fd`):
 * a number is returned as is, an object's `fileno()` is called, else its
 * numeric `fd` is read.
 *
 * @throws TypeError (`ERR_LOOP_INVALID_ARG`) when `fileobj` is neither a
 *   number nor an object with `fileno()` or `fd`.
 * @throws RangeError (`ERR_LOOP_OUT_OF_RANGE`) when the descriptor is not a
 *   non-negative integer (`Invalid file descriptor: -1`), or when `fileno()`
 *   throws (`Invalid file object: …`, the error as `cause`), as asyncio
 *   raises `ValueError` for both.
 */
export function fileDescriptorOf(fileobj: PipeLike): number {
  let fd: unknown;
  if (typeof fileobj === 'number') {
    fd = fileobj;
  } else if (typeof fileobj === 'object' && fileobj !== null && typeof (fileobj as { fileno?: unknown }).fileno === 'function') {
    try {
      fd = (fileobj as { fileno(): unknown }).fileno();
    } catch (cause) {
      const err = loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `Invalid file object: ${describe(fileobj)}`);
      (err as { cause?: unknown }).cause = cause;
      throw err;
    }
  } else if (typeof fileobj === 'object' && fileobj !== null && typeof (fileobj as { fd?: unknown }).fd === 'number') {
    fd = (fileobj as { fd: number }).fd;
  } else {
    throw loopError(
      TypeError,
      'ERR_LOOP_INVALID_ARG',
      `Invalid file object: ${describe(fileobj)}; expected a file descriptor or an object with fileno() or fd`,
    );
  }
  if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0) {
    throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `Invalid file descriptor: ${describe(fd)}`);
  }
  return fd;
}
