/**
 * Transports: the loop's end of a connection (asyncio's `transports.py`).
 *
 * HOW and WHY. A transport owns a socket, a pipe or a child process; it
 * buffers writes, reads when the loop says the source is readable, and calls
 * its protocol (see `protocols.ts` for the callback order). The backends
 * (`@loop/selector`, `@loop/proactor`) implement these interfaces; users only
 * call them.
 *
 * Write flow control, exactly as asyncio's `_FlowControlMixin`:
 *
 * ```text
 *             size > high                      size <= low
 *   FLOWING ----------------> PAUSED ----------------------------> FLOWING
 *     (protocol.pauseWriting() once)   (protocol.resumeWriting() once)
 *
 *   defaults: high = 64 KiB, low = high / 4 = 16 KiB
 *   setWriteBufferLimits({ high?, low? }):
 *     high omitted -> low omitted ? 64 KiB : 4 * low
 *     low omitted  -> floor(high / 4)
 *     requires high >= low >= 0, else RangeError
 *     re-checks for pause (may call pauseWriting), never resumes
 * ```
 *
 * - `size` is `getWriteBufferSize()`: bytes accepted by `write()` but not yet
 *   handed to the system.
 * - The test for pausing is strict (`size > high`): a buffer exactly at the
 *   high-water mark does not pause. The test for resuming is not (`size <=
 *   low`). With `high = 0` every write that cannot go out at once pauses; with
 *   `low = 0` resuming waits for an empty buffer.
 * - `write()` after `writeEof()` throws `RuntimeError` (`ERR_LOOP_WRITE_AFTER_EOF`,
 *   `Cannot call write() after write_eof()`) even for empty data; `write()`
 *   after `close()` or after the connection was lost is silently dropped
 *   (asyncio logs a warning after a few).
 * - `close()` flushes the buffer, then calls `connectionLost(null)`;
 *   `abort()` drops it and calls `connectionLost(null)` at once (scheduled).
 *   Either way `connectionLost` is called exactly once, after the last
 *   `dataReceived` / `eofReceived`.
 *
 * @packageDocumentation
 */

import type { PeerCertificate, SecureContext, TLSSocket } from 'node:tls';
import { loopError } from './errors.js';
import type { BaseProtocol } from './protocols.js';
import type { Address, PipeLike, SocketLike } from './sockets.js';

/** The default high-water mark of a transport's write buffer: 64 KiB. */
export const DEFAULT_HIGH_WATER = 64 * 1024;

/** The default low-water mark of a transport's write buffer: a quarter of the high one, 16 KiB. */
export const DEFAULT_LOW_WATER = DEFAULT_HIGH_WATER / 4;

/**
 * asyncio's `constants.LOG_THRESHOLD_FOR_CONNLOST_WRITES` (5): a transport
 * silently drops writes made after its connection is lost or closed, and logs
 * one warning once this many were dropped (`socket.send() raised exception.`,
 * `SSL connection is closed`).
 */
export const LOG_THRESHOLD_FOR_CONNLOST_WRITES = 5;

/** The name of a value's type for a `TypeError` message: `'str'`-like (`string`, `null`, `Array`, `Object`). */
function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  const ctor = (value as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor?.name === 'string' ? ctor.name : 'object';
}

/**
 * Checks that `data` is bytes, as every transport's `write()` / `sendto()`
 * does: asyncio's `data argument must be a bytes-like object, not 'str'`,
 * with `api` first (`write(): data argument must be a bytes-like object
 * (Uint8Array), not 'string'`).
 *
 * @throws TypeError (`ERR_LOOP_INVALID_ARG`) for anything but a `Uint8Array`
 *   (a `Buffer` is one).
 */
export function checkBytes(api: string, data: unknown): asserts data is Uint8Array {
  if (!(data instanceof Uint8Array)) {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}: data argument must be a bytes-like object (Uint8Array), not '${typeName(data)}'`);
  }
}

/** The limits given to `setWriteBufferLimits`; an omitted one is derived from the other. */
export interface WriteBufferLimits {
  /** The high-water mark in bytes: above it, the protocol is paused. */
  high?: number | null;
  /** The low-water mark in bytes: at or below it, a paused protocol is resumed. */
  low?: number | null;
}

/**
 * Tells `protocol` that its transport's write buffer went above the
 * high-water mark (`'pauseWriting'`) or back to the low one
 * (`'resumeWriting'`), as asyncio's `_maybe_pause_protocol` /
 * `_maybe_resume_protocol` do once their condition holds: a protocol whose
 * method throws is reported to the loop's exception handler
 * (`protocol.pauseWriting() failed`, with `exception`, `transport` and
 * `protocol`), never to the writer.
 */
export function signalWriteFlow(
  host: { callExceptionHandler(context: { message: string; exception: unknown; transport: unknown; protocol: unknown }): void },
  transport: BaseTransport,
  protocol: BaseProtocol,
  method: 'pauseWriting' | 'resumeWriting',
): void {
  try {
    protocol[method]();
  } catch (exc) {
    host.callExceptionHandler({ message: `protocol.${method}() failed`, exception: exc, transport, protocol });
  }
}

/**
 * Resolves write-buffer limits by asyncio's rules and returns `[low, high]`:
 * with neither given, `[16 KiB, 64 KiB]`; `high` omitted is `4 * low` (64 KiB
 * when `low` is omitted too); `low` omitted is `floor(high / 4)`.
 * Transports use it to implement `setWriteBufferLimits`.
 *
 * @throws TypeError (`ERR_LOOP_INVALID_ARG`) when a limit is not a number.
 * @throws RangeError (`ERR_LOOP_OUT_OF_RANGE`) unless `high >= low >= 0`
 *   (`high (1) must be >= low (2) must be >= 0`, asyncio's wording).
 */
export function resolveWriteBufferLimits(limits: WriteBufferLimits = {}): [low: number, high: number] {
  let { high, low } = limits;
  for (const [name, value] of [['high', high], ['low', low]] as const) {
    if (value !== undefined && value !== null && typeof value !== 'number') {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `setWriteBufferLimits(): ${name} must be a number, not ${typeof value}`);
    }
  }
  if (high === undefined || high === null) high = low === undefined || low === null ? DEFAULT_HIGH_WATER : 4 * low;
  if (low === undefined || low === null) low = Math.floor(high / 4);
  if (!(high >= low && low >= 0)) {
    throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `high (${high}) must be >= low (${low}) must be >= 0`);
  }
  return [low, high];
}

/**
 * The values `getExtraInfo` knows, by key. Which keys a transport has depends
 * on its kind: socket transports have `peername`, `sockname`, `socket`; TLS
 * transports add `sslcontext`, `peercert`, `cipher`, `compression`,
 * `ssl_object`; pipe transports have `pipe`; subprocess transports
 * `subprocess`. Keys keep asyncio's spelling.
 */
export interface TransportExtraInfo {
  /** The remote address of the socket. */
  peername: Address;
  /** The socket's own address. */
  sockname: Address;
  /** The socket itself. Do not read from or write to it directly. */
  socket: SocketLike;
  /** The TLS context of the connection. */
  sslcontext: SecureContext;
  /** The peer's certificate (`null` when the peer gave none). */
  peercert: PeerCertificate | null;
  /** The cipher in use: `[name, protocolVersion, secretBits]`. */
  cipher: [name: string, version: string, bits: number];
  /** The compression algorithm in use, `null` for none (Node's TLS never compresses). */
  compression: string | null;
  /** The TLS socket object (Node's `TLSSocket`). */
  ssl_object: TLSSocket;
  /** The pipe object (a file descriptor or a stream). */
  pipe: PipeLike;
  /** The child process object. */
  subprocess: unknown;
}

/** The extra information a backend attaches to a transport it makes. */
export type ExtraInfo = Partial<TransportExtraInfo> & Record<string, unknown>;

/** What every transport has: extra information, closing, and its protocol. */
export interface BaseTransport {
  /**
   * Transport-specific information by key (see {@link TransportExtraInfo}),
   * or `defaultValue` (`null` when omitted) if the transport has none for it.
   * Never throws for an unknown key.
   *
   * Implementations declare `getExtraInfo(name: string, defaultValue?: unknown): any`.
   */
  getExtraInfo<K extends keyof TransportExtraInfo>(name: K, defaultValue?: TransportExtraInfo[K] | null): TransportExtraInfo[K] | null;
  /** Any other key: what the transport has for it, or `defaultValue`. */
  getExtraInfo(name: string, defaultValue?: unknown): unknown;
  /** Whether the transport is closing or closed. */
  isClosing(): boolean;
  /**
   * Closes the transport: buffered data is flushed, then the protocol's
   * `connectionLost(null)` is scheduled. Idempotent: later calls do nothing.
   */
  close(): void;
  /** Switches the protocol that receives this transport's callbacks. */
  setProtocol(protocol: BaseProtocol): void;
  /** The protocol this transport calls. */
  getProtocol(): BaseProtocol;
}

/** The read half of a stream transport: pausing and resuming reception. */
export interface ReadTransport extends BaseTransport {
  /** Whether the transport is receiving (not paused, not closing). */
  isReading(): boolean;
  /**
   * Stops calling `dataReceived` until `resumeReading()`. Idempotent; a no-op
   * on a closing transport.
   */
  pauseReading(): void;
  /** Resumes calling `dataReceived` for data that arrives. Idempotent. */
  resumeReading(): void;
}

/**
 * The write half of a stream transport: buffered writes and write flow
 * control (see the file header for the exact rules).
 */
export interface WriteTransport extends BaseTransport {
  /**
   * Writes `data`, without blocking: what cannot be sent at once is buffered.
   * May call `protocol.pauseWriting()` synchronously.
   *
   * @throws TypeError when `data` is not a `Uint8Array` (a `string` included).
   * @throws RuntimeError (`ERR_LOOP_WRITE_AFTER_EOF`) after `writeEof()`,
   *   even for empty data.
   */
  write(data: Uint8Array): void;
  /** Writes every chunk of `list`, in order, as successive `write()` calls would. */
  writelines(list: Iterable<Uint8Array>): void;
  /**
   * Closes the write end once buffered data is flushed (a TCP half-close);
   * data can still be received. Idempotent.
   *
   * @throws NotImplementedError when `canWriteEof()` is `false` (TLS transports).
   */
  writeEof(): void;
  /** Whether `writeEof()` is supported. */
  canWriteEof(): boolean;
  /**
   * Closes the transport at once, dropping buffered data; the protocol's
   * `connectionLost(null)` is scheduled. Idempotent.
   */
  abort(): void;
  /** The number of bytes buffered and not yet sent. */
  getWriteBufferSize(): number;
  /** The current write-buffer limits, `[low, high]`. */
  getWriteBufferLimits(): [low: number, high: number];
  /**
   * Sets the write-buffer limits (see {@link resolveWriteBufferLimits}). May
   * call `protocol.pauseWriting()` if the buffer is now above `high`; never
   * calls `resumeWriting()`.
   *
   * @throws RangeError unless `high >= low >= 0`.
   */
  setWriteBufferLimits(limits?: WriteBufferLimits): void;
}

/** A bidirectional stream transport (TCP, Unix socket, TLS, a duplex pipe). */
export interface Transport extends ReadTransport, WriteTransport {}

/** A datagram transport (UDP, Unix datagram). */
export interface DatagramTransport extends BaseTransport {
  /**
   * Sends one datagram to `addr`, or to the connected remote address when
   * `addr` is omitted; never blocks (what cannot be sent is buffered). A
   * send that fails later is reported to `protocol.errorReceived()`.
   *
   * @throws TypeError when `data` is not a `Uint8Array`.
   * @throws RangeError when the endpoint is connected and `addr` is neither
   *   omitted nor the remote address (`Invalid address: must be None or …`).
   */
  sendto(data: Uint8Array, addr?: Address | null): void;
  /** Closes at once, dropping buffered datagrams; `connectionLost(null)` is scheduled. Idempotent. */
  abort(): void;
  /** The number of bytes buffered and not yet sent. */
  getWriteBufferSize(): number;
}

/** The transport of a child process. */
export interface SubprocessTransport extends BaseTransport {
  /** The child's process id. */
  getPid(): number;
  /** The exit code, `null` while the child runs; `-N` when it was killed by signal `N`. */
  getReturncode(): number | null;
  /**
   * The transport of the child's pipe `fd` (0: stdin, a `WriteTransport`;
   * 1, 2: stdout/stderr, `ReadTransport`s), `null` when that stream is not a
   * pipe.
   */
  getPipeTransport(fd: number): ReadTransport | WriteTransport | null;
  /**
   * Sends `signal` to the child.
   *
   * @throws an `ESRCH` system error (asyncio's `ProcessLookupError`) when the
   *   child has already exited.
   */
  sendSignal(signal: number | NodeJS.Signals): void;
  /** Asks the child to stop: `SIGTERM` (Windows: `TerminateProcess`). Throws as `sendSignal`. */
  terminate(): void;
  /** Kills the child: `SIGKILL` (Windows: `TerminateProcess`). Throws as `sendSignal`. */
  kill(): void;
  /**
   * Closes the pipes and, if the child still runs, kills it. Idempotent.
   */
  close(): void;
}
