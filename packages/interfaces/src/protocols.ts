/**
 * Protocols: the objects a transport calls back (asyncio's `protocols.py`).
 *
 * HOW and WHY. A protocol is what the user writes; a transport drives it. The
 * base classes here have no-op methods, so a subclass overrides only what it
 * needs — except `BufferedProtocol.getBuffer()`, which has no sensible default
 * and throws. A transport calls the methods in this order and no other
 * (asyncio's state machines, `*` = any number of times, `?` = at most once):
 *
 * ```text
 * Protocol:           start -> connectionMade [-> dataReceived*] [-> eofReceived?] -> connectionLost -> end
 * BufferedProtocol:   start -> connectionMade [-> (getBuffer -> bufferUpdated)*] [-> eofReceived?] -> connectionLost -> end
 * DatagramProtocol:   start -> connectionMade [-> (datagramReceived | errorReceived)*] -> connectionLost -> end
 * SubprocessProtocol: start -> connectionMade [-> (pipeDataReceived | pipeConnectionLost)*] [-> processExited]
 *                           -> connectionLost -> end   (processExited may come before the last pipe events)
 * ```
 *
 * - `connectionMade` is scheduled with `callSoon` once the transport exists;
 *   the connection's waiter completes only after it ran.
 * - Data, EOF and loss callbacks run from the loop's ready queue (never
 *   inline in `write()` or `close()`), one at a time.
 * - `connectionLost` is called exactly once, after the last `dataReceived` /
 *   `eofReceived`, with `null` for a normal close or EOF and the error
 *   otherwise.
 * - `pauseWriting` / `resumeWriting` are the exception: a transport calls
 *   them synchronously from `write()` or from its write path (asyncio: "if it
 *   were scheduled, it would have no effect when it's most needed"). They
 *   come in pairs, bounded by the transport's write-buffer limits (see
 *   `WriteTransport`).
 *
 * An error thrown by any of these methods does not propagate into the
 * transport's caller: the transport reports it to the loop's exception
 * handler (e.g. `protocol.pauseWriting() failed`) or closes the connection
 * with it (`Fatal error: protocol.dataReceived() call failed.`).
 *
 * @packageDocumentation
 */

import { NotImplementedError, RuntimeError, loopError } from './errors.js';
import { brand } from './internal/brand.js';
import type { Address } from './sockets.js';
import type { BaseTransport, DatagramTransport, SubprocessTransport, Transport } from './transports.js';

/** A function that makes a fresh protocol for each connection (asyncio's `protocol_factory`). */
export type ProtocolFactory<P extends BaseProtocol = BaseProtocol> = () => P;

/**
 * The callbacks every protocol has: connection start and end, and write flow
 * control. All methods are no-ops; subclass and override.
 */
export class BaseProtocol {
  /**
   * Called once when the connection is made, with its transport; keep it to
   * write and close. Scheduled with `callSoon` after the transport is built,
   * so it runs before any data callback.
   */
  connectionMade(_transport: BaseTransport): void {}

  /**
   * Called exactly once when the connection is lost or closed, after every
   * other callback of this connection. `exc` is `null` for a normal close
   * (`close()`, EOF) and the error otherwise (`abort()` passes `null` too).
   */
  connectionLost(_exc: Error | null): void {}

  /**
   * Called (synchronously, from the transport's write path) when the
   * transport's write buffer rises strictly above its high-water mark. Stop
   * writing until `resumeWriting()`. Called once per crossing, not per write;
   * while paused, writes are still buffered.
   */
  pauseWriting(): void {}

  /**
   * Called when the write buffer drains to the low-water mark or below after a
   * `pauseWriting()`. Never called without a `pauseWriting()` before it.
   */
  resumeWriting(): void {}
}

/** A streaming protocol (TCP, Unix sockets, pipes, TLS): data arrives as `Buffer`s. */
export class Protocol extends BaseProtocol {
  /** Called once when the connection is made, with its (stream) transport. */
  override connectionMade(_transport: Transport): void {}

  /**
   * Called with each chunk of received data, in order. Chunk boundaries are
   * arbitrary: a message may be split or merged. `data` is never empty and
   * belongs to the protocol (the transport does not reuse it).
   */
  dataReceived(_data: Buffer): void {}

  /**
   * Called at most once, when the other end signals it will send no more data
   * (`writeEof()`, a half-close). Return a falsy value (the default) to let the
   * transport close itself; return `true` to keep the transport open for
   * writing, closing it yourself later. TLS transports ignore `true`.
   */
  eofReceived(): boolean | void {}
}

/**
 * A streaming protocol that receives data into buffers it provides, avoiding
 * a copy: the transport asks `getBuffer()`, reads into it, and reports the
 * count with `bufferUpdated()`.
 */
export class BufferedProtocol extends BaseProtocol {
  /** Called once when the connection is made, with its (stream) transport. */
  override connectionMade(_transport: Transport): void {}

  /**
   * Returns the buffer the transport reads the next data into. `sizehint` is
   * the recommended minimum size (`-1`: any size); a smaller or larger buffer
   * is acceptable, an empty one is an error that fails the connection. The
   * transport writes only into `buffer[0, nbytes)` and reports `nbytes` with
   * `bufferUpdated()` before it asks again.
   *
   * @throws NotImplementedError always, in this base class: a subclass must
   *   override it, as there is no buffer to return.
   */
  getBuffer(_sizehint: number): Uint8Array {
    throw new NotImplementedError('BufferedProtocol.getBuffer() must be implemented by the subclass');
  }

  /** Called when `nbytes` (> 0) bytes were written into the buffer last returned by `getBuffer()`. */
  bufferUpdated(_nbytes: number): void {}

  /** As `Protocol.eofReceived()`: return `true` to keep the transport open for writing. */
  eofReceived(): boolean | void {}
}

/** A datagram (UDP, Unix datagram) protocol. */
export class DatagramProtocol extends BaseProtocol {
  /** Called once when the endpoint is ready, with its datagram transport. */
  override connectionMade(_transport: DatagramTransport): void {}

  /** Called with each datagram received and the address it came from. */
  datagramReceived(_data: Buffer, _addr: Address): void {}

  /**
   * Called when a previous send or receive failed with a system error (an ICMP
   * `ECONNREFUSED` after `sendto`, for instance). The endpoint stays open;
   * `connectionLost` is not called for it.
   */
  errorReceived(_exc: Error): void {}
}

/**
 * The protocol of a child process (`subprocessExec`, `subprocessShell`).
 * `connectionLost` comes after `processExited` and after every pipe is
 * closed.
 */
export class SubprocessProtocol extends BaseProtocol {
  /** Called once when the process has started, with its transport. */
  override connectionMade(_transport: SubprocessTransport): void {}

  /** Called with data the child wrote to its stdout (`fd` 1) or stderr (`fd` 2). */
  pipeDataReceived(_fd: number, _data: Buffer): void {}

  /** Called once per pipe (`fd` 0, 1 or 2) when it closes; `exc` is `null` on a normal close. */
  pipeConnectionLost(_fd: number, _exc: Error | null): void {}

  /**
   * Called once when the child has exited (`getReturncode()` is then set).
   * It may be called before the last `pipeDataReceived` /
   * `pipeConnectionLost`.
   */
  processExited(): void {}
}

/**
 * Whether `protocol` is a {@link BufferedProtocol} (asyncio's
 * `isinstance(protocol, BufferedProtocol)`): a transport reads into its
 * buffers rather than calling `dataReceived`. A branded `instanceof`, so a
 * protocol made by the other build of this package (ESM/CJS) is recognised
 * too; it walks the prototype chain on a miss, so a transport asks once, when
 * the protocol is set, not per read.
 */
export function isBufferedProtocol(protocol: unknown): protocol is BufferedProtocol {
  return protocol instanceof BufferedProtocol;
}

/**
 * Checks what `BufferedProtocol.getBuffer()` returned: a transport reads into
 * it only if it is a non-empty `Uint8Array`. A `TypeError`
 * (`ERR_LOOP_INVALID_ARG`) when it is not one, asyncio's `RuntimeError`
 * (`getBuffer() returned an empty buffer`) when it is empty.
 */
function checkGetBufferResult(buf: unknown): asserts buf is Uint8Array {
  if (!(buf instanceof Uint8Array)) throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `getBuffer() must return a Uint8Array, not ${typeof buf}`);
  if (buf.byteLength === 0) throw new RuntimeError('getBuffer() returned an empty buffer');
}

/**
 * Gives `data` to a {@link BufferedProtocol} as if it had been read into its
 * buffers (asyncio's `protocols._feed_data_to_buffered_proto`): asks
 * `getBuffer(bytes left)`, copies as much as fits, reports it with
 * `bufferUpdated(n)`, and repeats until `data` is consumed. For a transport
 * that already holds the bytes in a buffer of its own (a chunk read before
 * the protocol was switched, TLS plaintext).
 *
 * `stop`, when given, is asked after each `bufferUpdated` while bytes are
 * left: when it answers `true` (the transport paused reading, or the protocol
 * was switched) feeding stops there. Returns the number of bytes fed: all of
 * `data` unless `stop` stopped it; the caller keeps the rest.
 *
 * @throws what `getBuffer` / `bufferUpdated` throw, and the errors of
 *   `TypeError` (`ERR_LOOP_INVALID_ARG`) when `getBuffer` returns no
 *   `Uint8Array`, `RuntimeError` (`getBuffer() returned an empty buffer`)
 *   when it returns an empty one: the caller fails the connection with them.
 */
export function feedBufferedProtocol(protocol: BufferedProtocol, data: Uint8Array, stop?: () => boolean): number {
  const total = data.byteLength;
  let offset = 0;
  while (offset < total) {
    const left = total - offset;
    const buf = protocol.getBuffer(left);
    checkGetBufferResult(buf);
    const n = Math.min(buf.byteLength, left);
    buf.set(n === total ? data : data.subarray(offset, offset + n));
    offset += n;
    protocol.bufferUpdated(n);
    if (offset < total && stop !== undefined && stop()) break;
  }
  return offset;
}

brand(BaseProtocol, '@loop/interfaces:BaseProtocol');
brand(Protocol, '@loop/interfaces:Protocol');
brand(BufferedProtocol, '@loop/interfaces:BufferedProtocol');
brand(DatagramProtocol, '@loop/interfaces:DatagramProtocol');
brand(SubprocessProtocol, '@loop/interfaces:SubprocessProtocol');
