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
 * With leak warnings on (env `LOOP_DEBUG` non-empty at load, or
 * {@link setLeakWarnings}), such a socket is reported when collected, as
 * Python's `ResourceWarning: unclosed <socket…>`: a FinalizationRegistry
 * emits the warning and still closes nothing.
 *
 * A `Socket` either makes its descriptor (`socket(2)`) or adopts one:
 * `new Socket(family, type, proto, fileno)` / {@link fromFd}, Python's
 * `socket.socket(fileno=fd)`; what is not given is read from the kernel
 * (`SO_DOMAIN`, `SO_TYPE`, `SO_PROTOCOL`) and the descriptor's flags are left
 * as they are.
 *
 * Every descriptor is non-blocking and close-on-exec from its creation
 * (`socket`, `socketpair`, `accept4` with `SOCK_NONBLOCK | SOCK_CLOEXEC`).
 * A would-block operation follows Python's non-blocking sockets: `recv`,
 * `recvInto`, `send`, `accept` throw a system error with `code: 'EAGAIN'`
 * (`BlockingIOError`), `connect` one with `code: 'EINPROGRESS'`. Loops use
 * the allocation-free pair {@link Socket.tryRecvInto} / {@link Socket.trySend}
 * instead, which return {@link WOULD_BLOCK} and create no object when the
 * socket would block, and `connectEx`, which returns the errno; the datagram
 * transport uses {@link Socket.tryRecvfrom} (`null` when it would block) and
 * {@link Socket.trySendto}, and `loop.sock_sendfile` {@link sendfile}.
 *
 * Addresses have asyncio's shapes: `[host, port]` (AF_INET),
 * `[host, port, flowinfo, scopeId]` (AF_INET6), a path string (AF_UNIX; a
 * Linux abstract name is a string starting with `'\0'`). Hosts are numeric
 * (`'127.0.0.1'`, `'::1'`, `''` for any address): name resolution is
 * `getaddrinfo`'s job (`@loop/net`), not this layer's. A datagram from an
 * unbound Unix socket has no address: `recvfrom` gives `null` for it, where
 * Python gives `None`. The type is `@loop/interfaces`' {@link Address}.
 *
 * @packageDocumentation
 */
import { isIPv4, isIPv6 } from 'node:net';
import { constants as osConstants } from 'node:os';
import { loopError, describeValue, type Address } from '@loop/interfaces';
import binding from './binding.cjs';
import { requireAddon } from './addon.js';
import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  SOCK_STREAM,
  SOCK_DGRAM,
  SOCK_SEQPACKET,
  SOCK_RAW,
  SOL_SOCKET,
  SO_DOMAIN,
  SO_LINGER,
  SO_PROTOCOL,
  SO_TYPE,
  EAGAIN,
  WOULD_BLOCK,
  SEEK_SET,
  OPTION_LEVELS,
  OPTION_NAMES,
} from './constants.js';
import { errnoError, closedSocketError } from './internal/errno.js';
import { noteActivity } from './activity.js';

/** An address in asyncio's shape (`@loop/interfaces`' type): `[host, port]`, `[host, port, flowinfo, scopeId]`, or a Unix path (abstract: starting with `'\0'`). */
export type { Address };

/** The state of a {@link Socket}: it owns its descriptor, or no longer does. */
export type SocketState = 'open' | 'closed';

/** The default `listen()` backlog: CPython's `min(SOMAXCONN, 128)`. */
const DEFAULT_BACKLOG = 128;
const NEG_EAGAIN = -EAGAIN;
// close(2) interrupted: on Linux the descriptor is released anyway (never retried).
const NEG_EINTR = -osConstants.errno.EINTR;
const intOptOut = new Int32Array(1);
const MAX_FD = 0x7fffffff;
// getsockopt's buflen, as CPython's: 1-1024 bytes.
const MAX_OPTLEN = 1024;
// tryRecvfrom receives into this scratch buffer (so that would-block
// allocates nothing) and copies out the datagram; kept up to this size.
const SCRATCH_MAX = 256 * 1024;
let scratch = Buffer.allocUnsafeSlow(0);

const FAMILY_NAMES = new Map<number, string>([
  [AF_INET, 'AF_INET'],
  [AF_INET6, 'AF_INET6'],
  [AF_UNIX, 'AF_UNIX'],
]);

function familyName(family: number): string {
  return FAMILY_NAMES.get(family) ?? String(family);
}

const TYPE_NAMES = new Map<number, string>([
  [SOCK_STREAM, 'SOCK_STREAM'],
  [SOCK_DGRAM, 'SOCK_DGRAM'],
  [SOCK_SEQPACKET, 'SOCK_SEQPACKET'],
  [SOCK_RAW, 'SOCK_RAW'],
]);

function typeName(type: number): string {
  return TYPE_NAMES.get(type) ?? String(type);
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

/** A file descriptor argument: an integer, 0 or more (Python's `ValueError: negative file descriptor`). */
function checkFd(api: string, name: string, fd: unknown): number {
  if (typeof fd !== 'number' || !Number.isInteger(fd)) {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}: ${name} must be an integer file descriptor, got ${describeValue(fd)}`);
  }
  if (fd < 0 || fd > MAX_FD) {
    throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `${api}: ${name} must be a file descriptor (0-${MAX_FD}), got ${fd}`);
  }
  return fd;
}

/** An integer option of `fd`, or the system error of getsockopt (`ENOTSOCK`, `EBADF`…). */
function intOption(fd: number, level: number, optname: number): number {
  intOptOut[0] = 0;
  const rc = binding.getsockopt(fd, level, optname, intOptOut);
  if (rc < 0) throw errnoError('getsockopt', rc);
  return intOptOut[0];
}

/** Level number -> its name, for the options named by a string. */
const LEVEL_NAMES = new Map([...OPTION_LEVELS].map(([name, n]) => [n, name]));

/** `level` as a number: a number, or a level's name (`'SOL_SOCKET'`, `'IPPROTO_TCP'`…). */
function resolveLevel(api: string, level: unknown): number {
  if (typeof level === 'string') {
    const n = OPTION_LEVELS.get(level);
    if (n === undefined) {
      throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `${api}: level must be a level number or one of ${[...OPTION_LEVELS.keys()].join(', ')}, got unknown name ${describeValue(level)}`);
    }
    return n;
  }
  if (typeof level !== 'number') {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}: level must be an integer or a level name such as 'SOL_SOCKET', got ${describeValue(level)}`);
  }
  return checkInt(api, 'level', level, 0, 0x7fffffff);
}

/**
 * `optname` as a number: a number, or an option's name (`'SO_REUSEADDR'`,
 * `'TCP_NODELAY'`…), which must belong to `level` when `level` is one the
 * table knows.
 */
function resolveOption(api: string, level: number, optname: unknown): number {
  if (typeof optname === 'string') {
    const entry = OPTION_NAMES.get(optname);
    if (entry === undefined) {
      throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `${api}: optname must be an option number or a known option name (SO_*, TCP_*, IP_*, IPV6_*), got unknown name ${describeValue(optname)}`);
    }
    const [n, levelName] = entry;
    const given = LEVEL_NAMES.get(level);
    if (given !== undefined && given !== levelName) {
      throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `${api}: ${optname} is an option of level ${levelName}, got level ${given}`);
    }
    return n;
  }
  if (typeof optname !== 'number') {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}: optname must be an integer or an option name such as 'SO_REUSEADDR', got ${describeValue(optname)}`);
  }
  return checkInt(api, 'optname', optname, 0, 0x7fffffff);
}

/** An option level: its number, or its name (`'SOL_SOCKET'`, `'IPPROTO_TCP'`, `'IPPROTO_IP'`, `'IPPROTO_IPV6'`, `'IPPROTO_UDP'`). */
export type OptionLevel = number | string;

/** An option: its number, or its name (`'SO_REUSEADDR'`, `'TCP_NODELAY'`…: every `SO_*`, `TCP_*`, `IP_*` and `IPV6_*` constant this package exports). */
export type OptionName = number | string;

/**
 * A `setsockopt` value: an integer (or a boolean, as 1 or 0) for an integer
 * option; the raw bytes of a struct option (`Buffer`, e.g. SO_LINGER's
 * `struct linger` as Python's `struct.pack('ii', 1, 0)`); or, for
 * `SO_LINGER` only, the pair `[onoff, seconds]`.
 */
export type OptionValue = number | boolean | Uint8Array | readonly [onoff: number | boolean, seconds: number];

// ---- leak warnings ----------------------------------------------------------

let leakWarnings = (process.env.LOOP_DEBUG ?? '') !== '';

const leakRegistry = new FinalizationRegistry<string>((repr) => {
  if (leakWarnings) process.emitWarning(`unclosed ${repr}`, 'ResourceWarning');
});

/**
 * Turns the report of leaked sockets on or off: a `Socket` made while it is
 * on and garbage-collected while still open (never closed nor detached) is
 * reported with `process.emitWarning('unclosed <Socket fd=7, family=AF_INET,
 * type=SOCK_STREAM, proto=0>', 'ResourceWarning')`, Python's
 * `ResourceWarning: unclosed <socket.socket …>`. The descriptor is never
 * closed by it: the report says a descriptor leaked, it does not fix it.
 * On from the start when the environment variable `LOOP_DEBUG` is non-empty
 * when this module loads (asyncio's debug mode).
 */
export function setLeakWarnings(enabled: boolean): void {
  if (typeof enabled !== 'boolean') {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `setLeakWarnings(): enabled must be a boolean, got ${describeValue(enabled)}`);
  }
  leakWarnings = enabled;
}

/** Whether leaked sockets are reported (see {@link setLeakWarnings}). */
export function getLeakWarnings(): boolean {
  return leakWarnings;
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
   * and close-on-exec; `family` defaults to `AF_INET`, `type` to
   * `SOCK_STREAM`, `proto` to 0. Throws the system error of `socket(2)`
   * (e.g. `EAFNOSUPPORT`), a coded `TypeError` for a non-integer argument.
   *
   * With `fileno`, adopts that descriptor instead, Python's
   * `socket.socket(fileno=fd)` (see {@link fromFd}): `family`, `type` and
   * `proto` left `undefined` are read from the kernel, the descriptor's
   * flags (blocking or not) are left as they are, and the socket owns it
   * from then on. Throws `ENOTSOCK` (or `EBADF`) as a system error when
   * `fileno` is not an open socket, a coded `RangeError` for a negative one.
   */
  constructor(family?: number, type?: number, proto?: number, fileno?: number) {
    const fam = family === undefined ? undefined : checkInt('socket()', 'family', family, 0, 0x7fffffff);
    const typ = type === undefined ? undefined : checkInt('socket()', 'type', type, 0, 0x7fffffff);
    const pro = proto === undefined ? undefined : checkInt('socket()', 'proto', proto, 0, 0x7fffffff);
    if (adopting >= 0) {
      // accept() and socketpair(): a descriptor this module has just made.
      this.#fd = adopting;
      this.#family = fam ?? AF_INET;
      this.#type = typ ?? SOCK_STREAM;
      this.#proto = pro ?? 0;
    } else if (fileno !== undefined) {
      const fd = checkFd('socket()', 'fileno', fileno);
      // SO_TYPE first, always: it is the check that fd is an open socket (ENOTSOCK, EBADF), as CPython's.
      const kernelType = intOption(fd, SOL_SOCKET, SO_TYPE);
      this.#fd = fd;
      this.#family = fam ?? intOption(fd, SOL_SOCKET, SO_DOMAIN);
      this.#type = typ ?? kernelType;
      this.#proto = pro ?? intOption(fd, SOL_SOCKET, SO_PROTOCOL);
    } else {
      this.#family = fam ?? AF_INET;
      this.#type = typ ?? SOCK_STREAM;
      this.#proto = pro ?? 0;
      const fd = binding.socket(this.#family, this.#type, this.#proto);
      if (fd < 0) throw errnoError('socket', fd);
      this.#fd = fd;
    }
    // The report names the socket as it was made (no system call here: the addresses are left out).
    if (leakWarnings) leakRegistry.register(this, `<Socket fd=${this.#fd}, family=${familyName(this.#family)}, type=${typeName(this.#type)}, proto=${this.#proto}>`, this);
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
    leakRegistry.unregister(this);
    noteActivity();
    const rc = binding.close(fd);
    if (rc < 0 && rc !== NEG_EINTR) throw errnoError('close', rc);
  }

  /** Gives the descriptor up without closing it and returns it; the socket is then closed (`fileno()` is -1). On a closed socket returns -1, as Python's. */
  detach(): number {
    const fd = this.#fd;
    if (this.#state === 'open') leakRegistry.unregister(this);
    this.#state = 'closed';
    this.#fd = -1;
    return fd;
  }

  /**
   * A new `Socket` on a duplicate of the descriptor, Python's `socket.dup()`:
   * `fcntl(F_DUPFD_CLOEXEC)`, so the copy is close-on-exec; same family,
   * type and proto. Both descriptors name the one socket (and share
   * `O_NONBLOCK`): closing either leaves the other open, and the socket is
   * released when both are closed. Each must be closed (or detached) on its own.
   *
   * @throws a system error `EBADF` on a closed socket, `EMFILE` when the
   *   process has no descriptor left.
   */
  dup(): Socket {
    const fd = binding.dup(this.#open('dup'));
    if (fd < 0) throw errnoError('dup', fd);
    return adopt(fd, this.#family, this.#type, this.#proto);
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
    noteActivity();
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
    noteActivity();
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
    noteActivity();
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
    noteActivity();
    const n = binding.send(this.#fd, data);
    if (n >= 0) return n;
    if (n === NEG_EAGAIN) return WOULD_BLOCK;
    throw errnoError('send', n);
  }

  /**
   * Receives one datagram (at most `bufsize` bytes of it; the rest of a
   * longer one is discarded) and its sender's address, Python's `recvfrom`:
   * `[data, address]`. The address is `null` when the sender has none (an
   * unbound Unix datagram socket; Python's `None`). Throws `EAGAIN` when
   * nothing is there yet.
   */
  recvfrom(bufsize: number): [Buffer, Address | null] {
    const fd = this.#open('recvfrom');
    const buf = Buffer.allocUnsafe(checkInt('recvfrom()', 'bufsize', bufsize, 0, 0x7fffffff));
    const r = binding.recvfrom(fd, buf, bufsize);
    if (typeof r === 'number') throw errnoError('recvfrom', r);
    return [r[0] === bufsize ? buf : buf.subarray(0, r[0]), r[1] === null ? null : toAddress(r[1])];
  }

  /**
   * Receives one datagram into `buffer` (at most `nbytes` bytes; 0, the
   * default, means the whole buffer), Python's `recvfrom_into`:
   * `[count, address]`, the address as {@link Socket.recvfrom}'s. Throws
   * `EAGAIN` when nothing is there yet.
   */
  recvfromInto(buffer: Uint8Array, nbytes = 0): [number, Address | null] {
    const fd = this.#open('recvfrom');
    checkBuffer('recvfromInto()', 'buffer', buffer);
    checkInt('recvfromInto()', 'nbytes', nbytes, 0, buffer.length);
    const r = binding.recvfrom(fd, buffer, nbytes);
    if (typeof r === 'number') throw errnoError('recvfrom', r);
    return [r[0], r[1] === null ? null : toAddress(r[1])];
  }

  /**
   * The datagram transport's `recvfrom`: `[data, address]` as
   * {@link Socket.recvfrom}, or `null` when nothing is there yet, creating
   * no object then for a `bufsize` up to 256 KiB (it receives into a kept
   * scratch buffer and copies the datagram out; a larger `bufsize` gets a
   * buffer per call). Other failures throw as `recvfrom` does.
   */
  tryRecvfrom(bufsize: number): [Buffer, Address | null] | null {
    if (this.#state === 'closed') throw closedSocketError('recvfrom');
    if (!(Number.isInteger(bufsize) && bufsize >= 0 && bufsize <= 0x7fffffff)) checkInt('tryRecvfrom()', 'bufsize', bufsize, 0, 0x7fffffff);
    if (scratch.length < bufsize) {
      const big = Buffer.allocUnsafeSlow(bufsize);
      if (bufsize <= SCRATCH_MAX) scratch = big;
      return this.#tryRecvfromInto(big, bufsize);
    }
    return this.#tryRecvfromInto(scratch, bufsize);
  }

  #tryRecvfromInto(buf: Buffer, bufsize: number): [Buffer, Address | null] | null {
    // nbytes 0 means the whole buffer to the addon: a 0-byte read is a 0-length view.
    const r = binding.recvfrom(this.#fd, bufsize === 0 ? buf.subarray(0, 0) : buf, bufsize);
    if (typeof r === 'number') {
      if (r === NEG_EAGAIN) return null;
      throw errnoError('recvfrom', r);
    }
    return [Buffer.from(buf.subarray(0, r[0])), r[1] === null ? null : toAddress(r[1])];
  }

  /**
   * Sends `data` as one datagram to `address` (see {@link Address}; its
   * shape must match the socket's family), Python's `sendto`: returns the
   * count. Throws `EAGAIN` when the kernel takes nothing, a coded
   * `TypeError`/`RangeError` for a wrong address.
   */
  sendto(data: Uint8Array, address: Address): number {
    const fd = this.#open('sendto');
    checkBuffer('sendto()', 'data', data);
    const a = checkAddress('sendto()', this.#family, address);
    noteActivity();
    const n = binding.sendto(fd, data, this.#family, a.host, a.port, a.flowinfo, a.scopeId);
    if (n < 0) throw errnoError('sendto', n, a.where);
    return n;
  }

  /**
   * The datagram transport's `sendto`: returns the count, or
   * {@link WOULD_BLOCK} when the kernel takes nothing. Other failures throw
   * as `sendto` does.
   */
  trySendto(data: Uint8Array, address: Address): number {
    if (this.#state === 'closed') throw closedSocketError('sendto');
    checkBuffer('trySendto()', 'data', data);
    const a = checkAddress('trySendto()', this.#family, address);
    noteActivity();
    const n = binding.sendto(this.#fd, data, this.#family, a.host, a.port, a.flowinfo, a.scopeId);
    if (n >= 0) return n;
    if (n === NEG_EAGAIN) return WOULD_BLOCK;
    throw errnoError('sendto', n, a.where);
  }

  /** Shuts down one or both halves: `SHUT_RD`, `SHUT_WR`, `SHUT_RDWR`. */
  shutdown(how: number): void {
    const fd = this.#open('shutdown');
    noteActivity();
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
   * An option, Python's `getsockopt(level, optname[, buflen])`. `level` and
   * `optname` are numbers or names (`getsockopt('SOL_SOCKET', 'SO_ERROR')`).
   * Without `buflen`, the integer value: e.g. `SO_ERROR`, the outcome of a
   * non-blocking connect as a positive errno (0: connected). With `buflen`
   * (1-1024), a Buffer of the raw bytes the kernel wrote (a struct option:
   * `getsockopt(SOL_SOCKET, SO_LINGER, 8)` is a `struct linger`). Throws the
   * system error (`ENOPROTOOPT`…), a coded `RangeError` for an unknown name.
   */
  getsockopt(level: OptionLevel, optname: OptionName): number;
  getsockopt(level: OptionLevel, optname: OptionName, buflen: number): Buffer;
  getsockopt(level: OptionLevel, optname: OptionName, buflen?: number): number | Buffer {
    const fd = this.#open('getsockopt');
    const lvl = resolveLevel('getsockopt()', level);
    const opt = resolveOption('getsockopt()', lvl, optname);
    if (buflen === undefined) return intOption(fd, lvl, opt);
    const out = Buffer.alloc(checkInt('getsockopt()', 'buflen', buflen, 1, MAX_OPTLEN));
    const rc = binding.getsockopt(fd, lvl, opt, out);
    if (rc < 0) throw errnoError('getsockopt', rc);
    return rc === out.length ? out : out.subarray(0, rc);
  }

  /**
   * Sets an option, Python's `setsockopt(level, optname, value)`: `level`
   * and `optname` are numbers or names (`setsockopt('IPPROTO_TCP',
   * 'TCP_NODELAY', true)`); `value` an integer or a boolean for an integer
   * option, a Buffer of the raw bytes for a struct option, or for
   * `SO_LINGER` also `[onoff, seconds]` (as the Buffer of Python's
   * `struct.pack('ii', onoff, seconds)`). Throws the system error
   * (`ENOPROTOOPT`, `EINVAL`…), a coded `RangeError` for an unknown name, a
   * coded `TypeError` for a value of another type.
   */
  setsockopt(level: OptionLevel, optname: OptionName, value: OptionValue): void {
    const fd = this.#open('setsockopt');
    const lvl = resolveLevel('setsockopt()', level);
    const opt = resolveOption('setsockopt()', lvl, optname);
    let v: number | Uint8Array;
    if (typeof value === 'boolean') v = Number(value);
    else if (typeof value === 'number') v = checkInt('setsockopt()', 'value', value, -0x80000000, 0x7fffffff);
    else if (value instanceof Uint8Array) v = value;
    else if (Array.isArray(value) && lvl === SOL_SOCKET && opt === SO_LINGER) v = lingerBytes(value);
    else {
      throw loopError(
        TypeError,
        'ERR_LOOP_INVALID_ARG',
        `setsockopt(): value must be an integer, a boolean or a Buffer (or [onoff, seconds] for SO_LINGER), got ${describeValue(value)}`,
      );
    }
    const rc = binding.setsockopt(fd, lvl, opt, v);
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

/** SO_LINGER's `[onoff, seconds]` as a `struct linger` (two C ints, the platform's byte order). */
function lingerBytes(pair: readonly unknown[]): Buffer {
  if (pair.length !== 2 || !(typeof pair[0] === 'boolean' || typeof pair[0] === 'number')) {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `setsockopt(): SO_LINGER must be [onoff, seconds] or a Buffer, got ${describeValue(pair)}`);
  }
  const onoff = typeof pair[0] === 'boolean' ? Number(pair[0]) : checkInt('setsockopt()', 'SO_LINGER onoff', pair[0], 0, 0x7fffffff);
  const seconds = checkInt('setsockopt()', 'SO_LINGER seconds', pair[1], 0, 0x7fffffff);
  const out = new Int32Array([onoff, seconds]);
  return Buffer.from(out.buffer);
}

function reprAddress(a: Address): string {
  if (typeof a === 'string') return `'${a.replace(/\0/g, '\\x00')}'`;
  return `(${a.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(', ')})`;
}

/**
 * Creates a socket: `socket.socket(family, type, proto)`, non-blocking and
 * close-on-exec; or with `fileno`, adopts that descriptor (see
 * {@link fromFd}). The same as `new Socket(...)`.
 */
export function socket(family?: number, type?: number, proto?: number, fileno?: number): Socket {
  requireAddon('socket');
  return new Socket(family, type, proto, fileno);
}

/**
 * A `Socket` that owns the existing socket descriptor `fd`, Python's
 * `socket.socket(fileno=fd)` (not Python's `socket.fromfd`, which adopts a
 * `dup()` of it): `family`, `type` and `proto` left out are read from the
 * kernel (`SO_DOMAIN`, `SO_TYPE`, `SO_PROTOCOL`); the descriptor's flags are
 * left as they are, so `getblocking()` says whether it has `O_NONBLOCK`.
 * Closing the socket closes `fd`. Throws a system error `ENOTSOCK` when
 * `fd` is not a socket (`EBADF` when it is not open), a coded `TypeError`
 * for a non-integer and a `RangeError` for a negative `fd`.
 */
export function fromFd(fd: number, family?: number, type?: number, proto?: number): Socket {
  requireAddon('fromFd');
  checkFd('fromFd()', 'fd', fd);
  return new Socket(family, type, proto, fd);
}

/**
 * Sends up to `count` bytes of the file `inFd` from byte `offset` to the
 * socket `out`, with Linux `sendfile(2)`, Python's `os.sendfile(out, in,
 * offset, count)` on a non-blocking socket: the native step of asyncio's
 * `loop.sock_sendfile`. Returns the count sent (0 at end of file, or when
 * `count` is 0), or {@link WOULD_BLOCK} when the socket takes nothing now;
 * the file's own position does not move, so the caller advances `offset`.
 * `offset` and `count` are integers up to 2^53-1. `out` is a `Socket` (a
 * closed one throws `EBADF`) or a descriptor number. Other failures are
 * system errors (`EPIPE`; `ESPIPE` for an input that cannot seek, a pipe; `EINVAL`…).
 */
export function sendfile(out: Socket | number, inFd: number, offset: number, count: number): number {
  requireAddon('sendfile');
  let outFd: number;
  if (out instanceof Socket) {
    if (out.state === 'closed') throw closedSocketError('sendfile');
    outFd = out.fileno();
  } else if (typeof out === 'number') {
    outFd = checkFd('sendfile()', 'out', out);
  } else {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `sendfile(): out must be a Socket or a file descriptor, got ${describeValue(out)}`);
  }
  checkFd('sendfile()', 'inFd', inFd);
  checkInt('sendfile()', 'offset', offset, 0, Number.MAX_SAFE_INTEGER);
  checkInt('sendfile()', 'count', count, 0, Number.MAX_SAFE_INTEGER);
  noteActivity();
  const n = binding.sendfile(outFd, inFd, offset, count);
  if (n >= 0) return n;
  if (n === NEG_EAGAIN) return WOULD_BLOCK;
  throw errnoError('sendfile', n);
}

/**
 * Python's `os.set_blocking(fd, blocking)`: sets or clears `O_NONBLOCK` on
 * any descriptor (a pipe, a FIFO, a tty, a socket). The flag belongs to the
 * open file description, shared with every descriptor (and process) that
 * holds it, as in Python.
 *
 * @throws a system error (`EBADF`…); TypeError / RangeError for a bad `fd`.
 */
export function setBlocking(fd: number, blocking: boolean): void {
  requireAddon('setBlocking');
  checkFd('setBlocking()', 'fd', fd);
  const rc = binding.setblocking(fd, blocking === true);
  if (rc < 0) throw errnoError('fcntl', rc);
}

/** Python's `os.get_blocking(fd)`: whether `O_NONBLOCK` is clear. @throws a system error (`EBADF`…). */
export function getBlocking(fd: number): boolean {
  requireAddon('getBlocking');
  checkFd('getBlocking()', 'fd', fd);
  const rc = binding.getblocking(fd);
  if (rc < 0) throw errnoError('fcntl', rc);
  return rc === 1;
}

/**
 * Python's `os.lseek(fd, offset, whence)`: moves the file position of `fd`
 * and returns the new one (`whence`: `SEEK_SET`, the default, `SEEK_CUR`,
 * `SEEK_END`). Node has none for a descriptor.
 *
 * @throws a system error (`ESPIPE` for a pipe or a socket, `EBADF`, `EINVAL`).
 */
export function lseek(fd: number, offset: number, whence: number = SEEK_SET): number {
  requireAddon('lseek');
  checkFd('lseek()', 'fd', fd);
  checkInt('lseek()', 'offset', offset, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  checkInt('lseek()', 'whence', whence, 0, 4);
  const rc = binding.lseek(fd, offset, whence);
  if (rc < 0) throw errnoError('lseek', rc);
  return rc;
}

/**
 * A loop's `os.read` on a non-blocking descriptor that need not be a socket
 * (a pipe, a FIFO, a tty): reads into `buffer`, returns the count, 0 at end
 * of file, or {@link WOULD_BLOCK}, creating no object. Other failures throw
 * the system error of `read`.
 */
export function tryReadInto(fd: number, buffer: Uint8Array): number {
  requireAddon('tryReadInto');
  checkFd('tryReadInto()', 'fd', fd);
  checkBuffer('tryReadInto()', 'buffer', buffer);
  const n = binding.readInto(fd, buffer, buffer.byteLength);
  if (n >= 0) return n;
  if (n === NEG_EAGAIN) return WOULD_BLOCK;
  throw errnoError('read', n);
}

/**
 * A loop's `os.write` on a non-blocking descriptor that need not be a
 * socket: returns the count written, or {@link WOULD_BLOCK}. A pipe whose
 * reader is gone is a system error `EPIPE` (Node ignores `SIGPIPE`).
 */
export function tryWrite(fd: number, data: Uint8Array): number {
  requireAddon('tryWrite');
  checkFd('tryWrite()', 'fd', fd);
  checkBuffer('tryWrite()', 'data', data);
  noteActivity();
  const n = binding.write(fd, data);
  if (n >= 0) return n;
  if (n === NEG_EAGAIN) return WOULD_BLOCK;
  throw errnoError('write', n);
}

/** A pair of connected sockets, `socket.socketpair(family=AF_UNIX, type=SOCK_STREAM)`, both non-blocking and close-on-exec. */
export function socketpair(family: number = AF_UNIX, type: number = SOCK_STREAM, proto = 0): [Socket, Socket] {
  requireAddon('socketpair');
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
  requireAddon('pipe');
  const r = binding.pipe();
  if (typeof r === 'number') throw errnoError('pipe', r);
  return r;
}
