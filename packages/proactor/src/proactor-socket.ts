/**
 * `ProactorSocket`: a Node handle (`net.Socket`, `net.Server`,
 * `dgram.Socket`) behind the `SocketLike` shape that `@loop/net` and the
 * `Server` object expect (ADR 0002 §2).
 *
 * HOW. One class, three kinds, fixed at construction:
 *
 * ```text
 *   kind        handle        made by                      addresses
 *   'stream'    net.Socket    connectStream, an accept      address() / remoteAddress; Unix: known paths
 *   'listener'  net.Server    listenStream                  address(); Unix: the path
 *   'datagram'  dgram.Socket  openDatagram                  address() / remoteAddress()
 * ```
 *
 * Stream sockets are always made with Node's `onread` option, whose read
 * callback is forwarded to the transport that owns the socket (`_reader`).
 * The reading buffer starts as a scratch buffer shared by every socket of the
 * process: a read callback copies out of it before returning, and reads never
 * interleave on the one JavaScript thread, so one buffer serves all copying
 * readers; a reader that just received a large chunk may have its next read go
 * into a fresh buffer of its own instead (`setNextReadBuffer`), handed on
 * without a copy. A `BufferedProtocol`'s transport swaps in the protocol's own buffer
 * (`useUserBuffer`) before each read, which is how data reaches it without a
 * copy. Sockets are created paused: nothing is read before a transport asks.
 *
 * WHY addresses are computed here: asyncio's tuples (`[host, port]`,
 * `[host, port, flowinfo, scopeId]`, a path string) are what `getsockname()`
 * returns, and Node does not report Unix socket names, so the path a socket
 * was bound or connected to is remembered (Linux reports `''` for the
 * unnamed end of a Unix connection, which is what asyncio returns too).
 * IPv6 `flowinfo` and `scopeId` are reported as `0` (D32): Node's handles
 * do not expose them.
 *
 * @packageDocumentation
 */

import type * as dgram from 'node:dgram';
import type * as net from 'node:net';
import { getSystemErrorMap } from 'node:util';
import { systemError, type Address, type SocketLike, type SystemError } from '@loop/interfaces';
import { AF_INET, AF_INET6, AF_UNIX, IPPROTO_TCP, IPPROTO_UDP, SOCK_DGRAM, SOCK_STREAM } from './constants.js';
import { fileDescriptor, readHandleName } from './internal/node-private.js';

/** The kind of Node handle a {@link ProactorSocket} wraps. */
export type ProactorSocketKind = 'stream' | 'listener' | 'datagram';

/** @internal What a stream transport installs to receive the socket's reads. */
export interface SocketReader {
  /** Called from Node's read callback with the byte count and the buffer read into; `false` stops reading. */
  onRead(nread: number, buf: Buffer): boolean;
  /** Called from Node's `'error'` on the socket (a failed read or write), after it was recorded (`ProactorSocket._error`). */
  onError(err: Error): void;
}

/**
 * A scratch buffer shared by every stream socket of the process for reads
 * that are copied out at once (see the file header).
 */
const SCRATCH: Buffer = Buffer.allocUnsafe(64 * 1024);

/** @internal The shared scratch buffer (copying readers read out of it). */
export function scratchBuffer(): Buffer {
  return SCRATCH;
}

/** The buffer the next read of the socket whose read callback is running goes into (`null`: the scratch buffer). */
let nextReadBuffer: Buffer | null = null;

/**
 * @internal From inside a read callback: the socket's next read goes into
 * `buf` (a buffer of its own, given to the protocol afterwards without a
 * copy) instead of the scratch buffer. Node asks `ONREAD.buffer` for the
 * next buffer right after the callback returns, on the same socket.
 */
export function setNextReadBuffer(buf: Buffer): void {
  nextReadBuffer = buf;
}

/** @internal The key under which a Node handle points back to its {@link ProactorSocket}. */
export const OWNER: unique symbol = Symbol('@loop/proactor.owner');

type Owned = { [OWNER]?: ProactorSocket };

/**
 * The one `onread` option every stream socket is made with (no per-socket
 * closures, which matters for idle connections): Node calls `callback` with
 * `this` = the socket, whose owner forwards to its reader. The generator
 * always answers the scratch buffer: after a read, Node takes its result as
 * the next buffer, and a `BufferedProtocol`'s transport installs the
 * protocol's own buffer (`useUserBuffer`) before it lets the handle read again.
 */
const ONREAD: net.OnReadOpts = {
  buffer: (): Buffer => {
    const next = nextReadBuffer;
    if (next === null) return SCRATCH;
    nextReadBuffer = null;
    return next;
  },
  callback(this: unknown, nread: number, buf: Buffer): boolean {
    nextReadBuffer = null;
    const sock = (this as Owned)[OWNER];
    if (sock === undefined || sock._reader === null) return false;
    return sock._reader.onRead(nread, buf);
  },
};

/**
 * The first error Node reported on each socket that had one: rare, so kept
 * aside rather than in a field of every socket (see `ProactorSocket._error`).
 * The listener stays on the handle for its whole life, so Node never finds
 * an `'error'` without one (which it would throw as an uncaught exception).
 */
const ERRORS = new WeakMap<ProactorSocket, Error>();

function recordError(this: unknown, err: Error): void {
  const sock = (this as Owned)[OWNER];
  if (sock === undefined) return;
  if (!ERRORS.has(sock)) ERRORS.set(sock, err);
  sock._reader?.onError(err);
}

/** The errno Node gives `code` (negative, as libuv's): `-9` for `EBADF` on Linux; `null` when unknown. */
function errnoOf(code: string): number | null {
  for (const [n, [name]] of getSystemErrorMap()) if (name === code) return n;
  return null;
}

/** @internal A system error as Node words them (`getsockname EBADF`: `code`, `errno`, `syscall`; see `systemError` of `@loop/interfaces`). */
export function nodeSystemError(code: string, syscall: string): SystemError {
  return systemError(code, `${syscall} ${code}`, { errno: errnoOf(code), syscall });
}

/** @internal An asyncio address tuple from Node's `{ address, port, family }`. */
export function toAddress(info: { address?: string; port?: number; family?: string | number } | null | undefined, family: number): Address | null {
  if (info === null || info === undefined || typeof info.address !== 'string' || typeof info.port !== 'number') return null;
  if (family === AF_INET6 || info.family === 'IPv6' || info.family === 6) {
    const pct = info.address.indexOf('%');
    const host = pct >= 0 ? info.address.slice(0, pct) : info.address;
    return [host, info.port, 0, 0];
  }
  return [info.address, info.port];
}

let nextId = 1;

/**
 * A Unix socket's own path and peer path, which Node does not report. Kept
 * aside rather than in a field: TCP sockets, the many, carry nothing for them.
 */
const UNIX_NAMES = new WeakMap<ProactorSocket, { name: string; peer: string }>();

function unixNames(sock: ProactorSocket): { name: string; peer: string } {
  return UNIX_NAMES.get(sock) ?? { name: '', peer: '' };
}

/** The kinds by their index in `ProactorSocket#bits`. */
const KINDS: readonly ProactorSocketKind[] = ['stream', 'listener', 'datagram'];
const KIND_MASK = 3 << 16;
const KIND_STREAM = 0 << 16;
const KIND_LISTENER = 1 << 16;
const KIND_DATAGRAM = 2 << 16;
/** `ProactorSocket#bits`: closed. */
const CLOSED = 1 << 18;

/** The one object a raw handle's `getsockname` / `getpeername` fills (reused: nothing cached per socket). */
const NAME_OUT: { address?: string; port?: number; family?: string | number } = {};

/** The last host string seen, reused for an equal one (idle servers hold thousands of equal addresses). */
let lastHost = '';

/**
 * A stream socket's local or remote address read straight from its handle
 * into {@link NAME_OUT}, or `null` when the handle is gone. WHY not Node's
 * `address()` / `remoteAddress`: those cache a fresh object per socket
 * (`_sockname`, `_peername`), memory every idle connection would keep.
 */
function rawStreamName(s: net.Socket, which: 'getsockname' | 'getpeername'): typeof NAME_OUT | null {
  NAME_OUT.address = undefined;
  NAME_OUT.port = undefined;
  NAME_OUT.family = undefined;
  if (!readHandleName(s, which, NAME_OUT)) return null;
  if (typeof NAME_OUT.address === 'string') {
    if (NAME_OUT.address === lastHost) NAME_OUT.address = lastHost;
    else lastHost = NAME_OUT.address;
  }
  return NAME_OUT;
}

/**
 * A Node socket handle as a `SocketLike` (see the file header). Made by
 * `ProactorBackend`'s `connectStream`, `listenStream`, `openDatagram` and its
 * accept path; `Server.sockets` holds the listeners.
 */
export class ProactorSocket implements SocketLike {
  /**
   * The family (bits 0-15), the kind (bits 16-17, `KINDS` index) and
   * whether closed (bit 18), in one field: a socket per connection stays small.
   */
  #bits: number;
  /** The wrapped handle; `_stream`, `_server`, `_dgram` give it by kind (one field: a socket per connection stays small). */
  readonly #handle: net.Socket | net.Server | dgram.Socket;
  /** @internal The transport's read sink (streams). */
  _reader: SocketReader | null = null;
  /** @internal The first error Node reported on the handle (recorded so that an unowned handle never throws); null when none. */
  get _error(): Error | null {
    return ERRORS.get(this) ?? null;
  }

  /** @internal A number unique to this socket in the process (its repr's `#N`; a transport over it shows the same). */
  get _id(): number {
    return this.#id;
  }
  /** @internal Called once when the socket is closed (the backend forgets it). */
  _onClose: ((sock: ProactorSocket) => void) | null = null;
  readonly #id = nextId++;

  /** @internal Use the backend's factories. */
  constructor(
    kind: ProactorSocketKind,
    family: number,
    handle: net.Socket | net.Server | dgram.Socket,
    unix: { name?: string; peer?: string } = {},
  ) {
    this.#bits = (family & 0xffff) | (KINDS.indexOf(kind) << 16);
    this.#handle = handle;
    (handle as Owned)[OWNER] = this;
    handle.on('error', recordError);
    if (family === AF_UNIX) UNIX_NAMES.set(this, { name: unix.name ?? '', peer: unix.peer ?? '' });
  }

  /** The address family: `AF_INET`, `AF_INET6` or `AF_UNIX`. */
  get family(): number {
    return this.#bits & 0xffff;
  }

  /** Which Node handle this wraps. */
  get kind(): ProactorSocketKind {
    return KINDS[(this.#bits & KIND_MASK) >> 16];
  }

  /** `SOCK_STREAM` (streams and listeners) or `SOCK_DGRAM`. */
  get type(): number {
    return this.kind === 'datagram' ? SOCK_DGRAM : SOCK_STREAM;
  }

  /** `IPPROTO_TCP`, `IPPROTO_UDP`, or `0` for Unix sockets. */
  get proto(): number {
    return this.family === AF_UNIX ? 0 : this.kind === 'datagram' ? IPPROTO_UDP : IPPROTO_TCP;
  }

  /** @internal The wrapped stream socket (kind `'stream'`). */
  get _stream(): net.Socket | null {
    return (this.#bits & KIND_MASK) === KIND_STREAM ? (this.#handle as net.Socket) : null;
  }

  /** @internal The wrapped server (kind `'listener'`). */
  get _server(): net.Server | null {
    return (this.#bits & KIND_MASK) === KIND_LISTENER ? (this.#handle as net.Server) : null;
  }

  /** @internal The wrapped datagram socket (kind `'datagram'`). */
  get _dgram(): dgram.Socket | null {
    return (this.#bits & KIND_MASK) === KIND_DATAGRAM ? (this.#handle as dgram.Socket) : null;
  }

  /** @internal The `onread` option for a `net.Socket` that a `ProactorSocket` will wrap (see `ONREAD`). */
  static readonly _onread: net.OnReadOpts = ONREAD;

  /** Whether `close()` was called (or the handle closed). */
  get closed(): boolean {
    return (this.#bits & CLOSED) !== 0;
  }

  /** The file descriptor of the handle; `-1` once closed (or when Node does not expose it). */
  fileno(): number {
    if (this.closed) return -1;
    const node = this._stream ?? this._server ?? this._dgram;
    return node === null ? -1 : fileDescriptor(node);
  }

  /**
   * The local address: `[host, port]`, `[host, port, 0, 0]` for IPv6, or the
   * path of a Unix socket (`''` when unnamed).
   *
   * @throws a system error `EBADF` when the socket is closed.
   */
  getsockname(): Address {
    if (this.closed) throw nodeSystemError('EBADF', 'getsockname');
    if (this.family === AF_UNIX) return unixNames(this).name;
    let info: ReturnType<net.Socket['address']> | ReturnType<net.Server['address']> | undefined;
    try {
      if (this._stream !== null) info = rawStreamName(this._stream, 'getsockname') ?? this._stream.address();
      else if (this._server !== null) info = this._server.address();
      else if (this._dgram !== null) info = this._dgram.address();
    } catch {
      info = undefined;
    }
    const addr = typeof info === 'object' && info !== null ? toAddress(info, this.family) : null;
    if (addr === null) throw nodeSystemError('EBADF', 'getsockname');
    return addr;
  }

  /**
   * The remote address, in the shape of {@link ProactorSocket.getsockname}.
   *
   * @throws a system error `ENOTCONN` when not connected (a listener, an
   *   unconnected datagram socket), `EBADF` when closed.
   */
  getpeername(): Address {
    if (this.closed) throw nodeSystemError('EBADF', 'getpeername');
    if (this._stream !== null) {
      if (this.family === AF_UNIX) return unixNames(this).peer;
      const s = this._stream;
      const raw = rawStreamName(s, 'getpeername');
      const addr = toAddress(raw ?? { address: s.remoteAddress, port: s.remotePort, family: s.remoteFamily }, this.family);
      if (addr !== null) return addr;
    } else if (this._dgram !== null) {
      try {
        const addr = toAddress(this._dgram.remoteAddress(), this.family);
        if (addr !== null) return addr;
      } catch {
        // not connected
      }
    }
    throw nodeSystemError('ENOTCONN', 'getpeername');
  }

  /**
   * Closes the handle at once (a stream socket is destroyed, a listener stops
   * listening, a datagram socket is closed). Idempotent.
   */
  close(): void {
    if (this.closed) return;
    this.#bits |= CLOSED;
    if (this._stream !== null) this._stream.destroy();
    else if (this._server !== null) this._server.close();
    else if (this._dgram !== null) {
      try {
        this._dgram.close();
      } catch {
        // already closed by Node
      }
    }
    const onClose = this._onClose;
    if (onClose !== null) {
      this._onClose = null;
      onClose(this);
    }
  }

  /** @internal References (`true`) or unreferences the handle, so that it keeps the process alive or not. */
  _ref(on: boolean): void {
    const h = this._stream ?? this._server ?? this._dgram;
    if (h === null) return;
    if (on) h.ref();
    else h.unref();
  }

  /** An asyncio-style repr: `<ProactorSocket fd=7 family=2 type=1 laddr=('127.0.0.1', 5000)>`. */
  toString(): string {
    const fam = this.family === AF_INET ? 'AF_INET' : this.family === AF_INET6 ? 'AF_INET6' : this.family === AF_UNIX ? 'AF_UNIX' : String(this.family);
    let laddr = '';
    try {
      laddr = ` laddr=${JSON.stringify(this.getsockname())}`;
    } catch {
      laddr = '';
    }
    return `<ProactorSocket #${this.#id} ${this.kind} fd=${this.fileno()} family=${fam}${this.closed ? ' [closed]' : laddr}>`;
  }

  /** As `toString()`, for `util.inspect`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
