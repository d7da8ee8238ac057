/**
 * `Socket`: Python's `socket.socket`, non-blocking only, on the addon's
 * system calls (native/socket.c).
 *
 * HOW and WHY. A `Socket` owns one file descriptor, from its creation until
 * `close()` or `detach()`; its state is a union:
 *
 *     open --close()--> closed     (the descriptor closed, fileno() = -1)
 *     open --detach()-> closed     (the descriptor handed to the caller, not closed)
 *
 * Every method checks the state first and throws Python's
 * `OSError: [Errno 9] Bad file descriptor` (a system error, `code: 'EBADF'`)
 * on a closed socket, so a stale number never reaches the C side: once
 * closed, a `Socket` can never close, read or write a descriptor that the
 * system has since given to someone else. `close()` again is a no-op. No
 * finalizer closes anything (Node's DEP0137): an open `Socket` dropped
 * without `close()` leaks its descriptor, as an unclosed Python socket does.
 *
 * Every descriptor is non-blocking and close-on-exec from its creation
 * (`socket`, `socketpair`, `accept4` with `SOCK_NONBLOCK | SOCK_CLOEXEC`).
 * A would-block operation follows Python's non-blocking sockets: `recv`,
 * `recvInto`, `send`, `accept` throw a system error with `code: 'EAGAIN'`
 * (`BlockingIOError`), `connect` one with `code: 'EINPROGRESS'`. Loops use
 * the allocation-free pair {@link Socket.tryRecvInto} / {@link Socket.trySend}
 * instead, which return {@link WOULD_BLOCK} and create no object when the
 * socket would block, and `connectEx`, which returns the errno.
 *
 * Addresses have asyncio's shapes: `[host, port]` (AF_INET),
 * `[host, port, flowinfo, scopeId]` (AF_INET6), a path string (AF_UNIX; a
 * Linux abstract name is a string starting with `'\0'`). Hosts are numeric
 * (`'127.0.0.1'`, `'::1'`, `''` for any address): name resolution is
 * `getaddrinfo`'s job (`@loop/net`), not this layer's.
 *
 * @packageDocumentation
 */
import { isIPv4, isIPv6 } from 'node:net';
import { constants as osConstants } from 'node:os';
import { loopError, describeValue } from '@loop/interfaces';
import binding from './binding.cjs';
import { AF_INET, AF_INET6, AF_UNIX, SOCK_STREAM, EAGAIN, WOULD_BLOCK } from './constants.js';
import { errnoError, closedSocketError } from './internal/errno.js';

/** An address in asyncio's shape: `[host, port]`, `[host, port, flowinfo, scopeId]`, or a Unix path (abstract: starting with `'\0'`). */
export type Address = [host: string, port: number] | [host: string, port: number, flowinfo: number, scopeId: number] | string;

/** The state of a {@link Socket}: it owns its descriptor, or no longer does. */
export type SocketState = 'open' | 'closed';

/** The default `listen()` backlog: CPython's `min(SOMAXCONN, 128)`. */
const DEFAULT_BACKLOG = 128;
const NEG_EAGAIN = -EAGAIN;
// close(2) interrupted: on Linux the descriptor is released anyway (never retried).
const NEG_EINTR = -osConstants.errno.EINTR;
const soErrorOut = new Int32Array(1);

const FAMILY_NAMES = new Map<number, string>([
  [AF_INET, 'AF_INET'],
  [AF_INET6, 'AF_INET6'],
  [AF_UNIX, 'AF_UNIX'],
]);

function familyName(family: number): string {
  return FAMILY_NAMES.get(family) ?? String(family);
}

function typeName(type: number): string {
  return type === SOCK_STREAM ? 'SOCK_STREAM' : type === binding.constants.SOCK_DGRAM ? 'SOCK_DGRAM' : String(type);
}

function checkInt(api: string, name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}: ${name} must be an integer, got ${describeValue(value)}`);
  }
  if (value < min || value > max) {
    throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `${api}: ${name} must be ${min}-${max}, got ${value}`);
  }
  return value;
}

function checkBuffer(api: string, name: string, value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}: ${name} must be a Buffer or Uint8Array, got ${describeValue(value)}`);
  }
  return value;
}

/** An address checked against `family`, as the addon takes it. */
interface NativeAddress {
  host: string | Buffer;
  port: number;
  flowinfo: number;
  scopeId: number;
  /** For error messages: the host or path, and the port. */
  where: { address: string; port?: number };
}

function checkAddress(api: string, family: number, address: unknown): NativeAddress {
  if (family === AF_UNIX) {
    if (typeof address === 'string') return { host: Buffer.from(address, 'utf8'), port: 0, flowinfo: 0, scopeId: 0, where: { address } };
    if (address instanceof Uint8Array) {
      const host = Buffer.from(address);
      return { host, port: 0, flowinfo: 0, scopeId: 0, where: { address: host.toString('utf8') } };
    }
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}: an AF_UNIX address must be a path string, got ${describeValue(address)}`);
  }
  const v6 = family === AF_INET6;
  const shape = v6 ? '[host, port, flowinfo?, scopeId?]' : '[host, port]';
  if (!Array.isArray(address) || address.length < 2 || address.length > (v6 ? 4 : 2) || typeof address[0] !== 'string') {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}: ${familyName(family)} address must be ${shape}, got ${describeValue(address)}`);
  }
  const host = address[0];
  const port = checkInt(api, 'port', address[1], 0, 65535);
  const flowinfo = address.length > 2 ? checkInt(api, 'flowinfo', address[2], 0, 0xfffff) : 0;
  const scopeId = address.length > 3 ? checkInt(api, 'scopeId', address[3], 0, 0xffffffff) : 0;
  if (host !== '' && !(v6 ? isIPv6(host) : isIPv4(host))) {
    throw loopError(
      RangeError,
      'ERR_LOOP_OUT_OF_RANGE',
      `${api}: host must be a numeric ${v6 ? 'IPv6' : 'IPv4'} address or '' (names are resolved by getaddrinfo), got ${describeValue(host)}`,
    );
  }
  return { host, port, flowinfo, scopeId, where: { address: host, port } };
}

function toAddress(raw: [string, number] | [string, number, number, number] | Buffer): Address {
  return Buffer.isBuffer(raw) ? raw.toString('utf8') : raw;
}

// The descriptor `adopt` hands to the constructor; -1 outside it.
let adopting = -1;

// Set by Socket's static block: makes a Socket around a descriptor this
// module has just created (accept, socketpair), with no new system call.
let adopt: (fd: number, family: number, type: number, proto: number) => Socket;

/**
 * A non-blocking socket, Python's `socket.socket` (see the file header for
 * the rules: one owned descriptor, `EBADF` after `close()`, `EAGAIN` when it
 * would block, no close by the garbage collector).
 */
export class Socket {
  #fd: number;
  #state: SocketState = 'open';
  readonly #family: number;
  readonly #type: number;
  readonly #proto: number;

  static {
    adopt = (fd, family, type, proto) => {
      adopting = fd;
      try {
        return new Socket(family, type, proto);
      } finally {
        adopting = -1;
      }
    };
  }

  /**
   * Creates a socket, `socket.socket(family, type, proto)`: non-blocking
   * and close-on-exec. Throws the system error of `socket(2)` (e.g.
   * `EAFNOSUPPORT`), a coded `TypeError` for a non-integer argument.
   */
  constructor(family: number = AF_INET, type: number = SOCK_STREAM, proto = 0) {
    this.#family = checkInt('socket()', 'family', family, 0, 0x7fffffff);
    this.#type = checkInt('socket()', 'type', type, 0, 0x7fffffff);
    this.#proto = checkInt('socket()', 'proto', proto, 0, 0x7fffffff);
    if (adopting >= 0) {
      this.#fd = adopting;
      return;
    }
    const fd = binding.socket(family, type, proto);
    if (fd < 0) throw errnoError('socket', fd);
    this.#fd = fd;
  }

  /** The address family (`AF_INET`, `AF_INET6`, `AF_UNIX`). */
  get family(): number {
    return this.#family;
  }

  /** The socket type (`SOCK_STREAM`, `SOCK_DGRAM`), without the non-blocking and close-on-exec flags. */
  get type(): number {
    return this.#type;
  }

  /** The protocol number (usually 0). */
  get proto(): number {
    return this.#proto;
  }

  /** `'open'`, or `'closed'` after `close()` or `detach()`. */
  get state(): SocketState {
    return this.#state;
  }

  /** The file descriptor, or -1 once closed or detached (as Python's). */
  fileno(): number {
    return this.#fd;
  }

  #open(syscall: string): number {
    if (this.#state === 'closed') throw closedSocketError(syscall);
    return this.#fd;
  }

  /** Closes the descriptor. Idempotent: closing a closed (or detached) socket does nothing. Throws the system error of `close(2)` other than `EINTR`, after which the socket is closed all the same. */
  close(): void {
    if (this.#state === 'closed') return;
    const fd = this.#fd;
    // OPEN -> CLOSED before the call: whatever close(2) says, the number is no longer ours.
    this.#state = 'closed';
    this.#fd = -1;
    const rc = binding.close(fd);
    if (rc < 0 && rc !== NEG_EINTR) throw errnoError('close', rc);
  }

  /** Gives the descriptor up without closing it and returns it; the socket is then closed (`fileno()` is -1). On a closed socket returns -1, as Python's. */
  detach(): number {
    const fd = this.#fd;
    this.#state = 'closed';
    this.#fd = -1;
    return fd;
  }

  /** Sets (`true`) or clears (`false`) blocking mode, `O_NONBLOCK` (`socket.setblocking`). */
  setblocking(flag: boolean): void {
    const fd = this.#open('setblocking');
    if (typeof flag !== 'boolean') throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `setblocking(): flag must be a boolean, got ${describeValue(flag)}`);
    const rc = binding.setblocking(fd, flag);
    if (rc < 0) throw errnoError('fcntl', rc);
  }

  /** Whether the socket is in blocking mode (`O_NONBLOCK` clear); `false` from creation. */
  getblocking(): boolean {
    const rc = binding.getblocking(this.#open('getblocking'));
    if (rc < 0) throw errnoError('fcntl', rc);
    return rc === 1;
  }

  /** Binds to `address` (see {@link Address}). Throws the system error (`EADDRINUSE`…), or a coded `TypeError`/`RangeError` for a wrong address shape. */
  bind(address: Address): void {
    const fd = this.#open('bind');
    const a = checkAddress('bind()', this.#family, address);
    const rc = binding.bind(fd, this.#family, a.host, a.port, a.flowinfo, a.scopeId);
    if (rc < 0) throw errnoError('bind', rc, a.where);
  }

  /** Starts listening (`listen(2)`); `backlog` defaults to 128, as CPython's. */
  listen(backlog: number = DEFAULT_BACKLOG): void {
    const fd = this.#open('listen');
    const rc = binding.listen(fd, checkInt('listen()', 'backlog', backlog, 0, 0x7fffffff));
    if (rc < 0) throw errnoError('listen', rc);
  }

  /**
   * Accepts a connection: `[socket, address]`, the new socket non-blocking
   * and close-on-exec (`accept4`). Throws `EAGAIN` when none is waiting.
   */
  accept(): [Socket, Address] {
    const r = binding.accept(this.#open('accept'));
    if (typeof r === 'number') throw errnoError('accept', r);
    return [adopt(r[0], this.#family, this.#type, this.#proto), toAddress(r[1])];
  }

  /**
   * Starts connecting to `address`, Python's `connect` on a non-blocking
   * socket: returns when connected at once (a Unix socket, often), else
   * throws a system error with `code: 'EINPROGRESS'`; the outcome is then
   * `getsockopt(SOL_SOCKET, SO_ERROR)` once the socket is writable.
   * Other failures (`ECONNREFUSED`…) are system errors too.
   */
  connect(address: Address): void {
    const fd = this.#open('connect');
    const a = checkAddress('connect()', this.#family, address);
    const rc = binding.connect(fd, this.#family, a.host, a.port, a.flowinfo, a.scopeId);
    if (rc < 0) throw errnoError('connect', rc, a.where);
  }

  /**
   * Python's `connect_ex`: as {@link Socket.connect}, but returns the errno
   * instead of throwing it: 0 when connected, `EINPROGRESS` (115 on Linux)
   * while in progress, `ECONNREFUSED`… (positive numbers, as Python's).
   * Throws for a closed socket and a wrong address.
   */
  connectEx(address: Address): number {
    const fd = this.#open('connect');
    const a = checkAddress('connectEx()', this.#family, address);
    return -binding.connect(fd, this.#family, a.host, a.port, a.flowinfo, a.scopeId);
  }

  /** Receives up to `bufsize` bytes into a new Buffer; an empty one at end of stream. Throws `EAGAIN` when nothing is there yet. */
  recv(bufsize: number): Buffer {
    const fd = this.#open('recv');
    const buf = Buffer.allocUnsafe(checkInt('recv()', 'bufsize', bufsize, 0, 0x7fffffff));
    const n = bufsize === 0 ? 0 : binding.recvInto(fd, buf, bufsize);
    if (n < 0) throw errnoError('recv', n);
    return n === bufsize ? buf : buf.subarray(0, n);
  }

  /**
   * Receives into `buffer` (at most `nbytes` bytes; 0, the default, means
   * the whole buffer) and returns the count; 0 at end of stream. Throws
   * `EAGAIN` when nothing is there yet (Python's `recv_into`).
   */
  recvInto(buffer: Uint8Array, nbytes = 0): number {
    const fd = this.#open('recv');
    checkBuffer('recvInto()', 'buffer', buffer);
    checkInt('recvInto()', 'nbytes', nbytes, 0, buffer.length);
    if (buffer.length === 0) return 0;
    const n = binding.recvInto(fd, buffer, nbytes);
    if (n < 0) throw errnoError('recv', n);
    return n;
  }

  /**
   * The loop's `recvInto`: returns the count (0 at end of stream), or
   * {@link WOULD_BLOCK} when nothing is there yet, creating no object
   * either way. Other failures throw as `recvInto` does.
   */
  tryRecvInto(buffer: Uint8Array): number {
    if (this.#state === 'closed') throw closedSocketError('recv');
    if (!(buffer instanceof Uint8Array)) checkBuffer('tryRecvInto()', 'buffer', buffer);
    const n = binding.recvInto(this.#fd, buffer, 0);
    if (n >= 0) return n;
    if (n === NEG_EAGAIN) return WOULD_BLOCK;
    throw errnoError('recv', n);
  }

  /** Sends what the kernel takes of `data` and returns the count; throws `EAGAIN` when it takes nothing (Python's `send`). */
  send(data: Uint8Array): number {
    const fd = this.#open('send');
    checkBuffer('send()', 'data', data);
    const n = binding.send(fd, data);
    if (n < 0) throw errnoError('send', n);
    return n;
  }

  /**
   * The loop's `send`: returns the count, or {@link WOULD_BLOCK} when the
   * kernel takes nothing, creating no object either way. Other failures
   * (`EPIPE`, `ECONNRESET`…) throw as `send` does.
   */
  trySend(data: Uint8Array): number {
    if (this.#state === 'closed') throw closedSocketError('send');
    if (!(data instanceof Uint8Array)) checkBuffer('trySend()', 'data', data);
    const n = binding.send(this.#fd, data);
    if (n >= 0) return n;
    if (n === NEG_EAGAIN) return WOULD_BLOCK;
    throw errnoError('send', n);
  }

  /** Shuts down one or both halves: `SHUT_RD`, `SHUT_WR`, `SHUT_RDWR`. */
  shutdown(how: number): void {
    const fd = this.#open('shutdown');
    const rc = binding.shutdown(fd, checkInt('shutdown()', 'how', how, 0, 2));
    if (rc < 0) throw errnoError('shutdown', rc);
  }

  /** The socket's own address (see {@link Address}); `''` for an unbound Unix socket. */
  getsockname(): Address {
    const r = binding.getsockname(this.#open('getsockname'));
    if (typeof r === 'number') throw errnoError('getsockname', r);
    return toAddress(r);
  }

  /** The peer's address; throws `ENOTCONN` when not connected. */
  getpeername(): Address {
    const r = binding.getpeername(this.#open('getpeername'));
    if (typeof r === 'number') throw errnoError('getpeername', r);
    return toAddress(r);
  }

  /**
   * An integer option, `getsockopt(level, optname)`: e.g.
   * `getsockopt(SOL_SOCKET, SO_ERROR)`, the outcome of a non-blocking
   * connect as a positive errno (0: connected).
   */
  getsockopt(level: number, optname: number): number {
    const fd = this.#open('getsockopt');
    const rc = binding.getsockopt(fd, checkInt('getsockopt()', 'level', level, 0, 0x7fffffff), checkInt('getsockopt()', 'optname', optname, 0, 0x7fffffff), soErrorOut);
    if (rc < 0) throw errnoError('getsockopt', rc);
    return soErrorOut[0];
  }

  /** Sets an integer (or boolean) option, `setsockopt(level, optname, value)`: e.g. `setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)`. */
  setsockopt(level: number, optname: number, value: number | boolean): void {
    const fd = this.#open('setsockopt');
    const v = typeof value === 'boolean' ? Number(value) : checkInt('setsockopt()', 'value', value, -0x80000000, 0x7fffffff);
    const rc = binding.setsockopt(fd, checkInt('setsockopt()', 'level', level, 0, 0x7fffffff), checkInt('setsockopt()', 'optname', optname, 0, 0x7fffffff), v);
    if (rc < 0) throw errnoError('setsockopt', rc);
  }

  /**
   * Python's repr: `<Socket fd=7, family=AF_INET, type=SOCK_STREAM, proto=0, laddr=('127.0.0.1', 5000)>`,
   * with `raddr` when connected; `<Socket [closed] fd=-1, …>` once closed.
   */
  toString(): string {
    let s = `<Socket${this.#state === 'closed' ? ' [closed]' : ''} fd=${this.#fd}, family=${familyName(this.#family)}, type=${typeName(this.#type)}, proto=${this.#proto}`;
    if (this.#state === 'open') {
      const laddr = binding.getsockname(this.#fd);
      // As Python's: an empty address (an unnamed Unix socket) is left out.
      if (typeof laddr !== 'number' && laddr.length > 0) s += `, laddr=${reprAddress(toAddress(laddr))}`;
      const raddr = binding.getpeername(this.#fd);
      if (typeof raddr !== 'number' && raddr.length > 0) s += `, raddr=${reprAddress(toAddress(raddr))}`;
    }
    return `${s}>`;
  }

  /** As `toString()`, for `util.inspect`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

function reprAddress(a: Address): string {
  if (typeof a === 'string') return `'${a.replace(/\0/g, '\\x00')}'`;
  return `(${a.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(', ')})`;
}

/** Creates a socket: `socket.socket(family, type, proto)`, non-blocking and close-on-exec. */
export function socket(family: number = AF_INET, type: number = SOCK_STREAM, proto = 0): Socket {
  return new Socket(family, type, proto);
}

/** A pair of connected sockets, `socket.socketpair(family=AF_UNIX, type=SOCK_STREAM)`, both non-blocking and close-on-exec. */
export function socketpair(family: number = AF_UNIX, type: number = SOCK_STREAM, proto = 0): [Socket, Socket] {
  checkInt('socketpair()', 'family', family, 0, 0x7fffffff);
  checkInt('socketpair()', 'type', type, 0, 0x7fffffff);
  checkInt('socketpair()', 'proto', proto, 0, 0x7fffffff);
  const r = binding.socketpair(family, type, proto);
  if (typeof r === 'number') throw errnoError('socketpair', r);
  return [adopt(r[0], family, type, proto), adopt(r[1], family, type, proto)];
}

/**
 * A pipe, `os.pipe()`: `[readFd, writeFd]`, both non-blocking and
 * close-on-exec. Plain descriptors, not sockets: close them with
 * `fs.closeSync`.
 */
export function pipe(): [number, number] {
  const r = binding.pipe();
  if (typeof r === 'number') throw errnoError('pipe', r);
  return r;
}
