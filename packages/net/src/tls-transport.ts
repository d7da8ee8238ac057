/**
 * The transport a TLS connection's application protocol sees (asyncio's
 * `_SSLProtocolTransport`): a thin face over the {@link SslProtocolLike} that
 * does the work.
 *
 * HOW: every method checks its arguments and forwards to the protocol, which
 * owns the state (handshake, write backlog, read queue, flow control). The
 * transport keeps one flag of its own, `closed`: set by `close()`, `abort()`
 * and when the raw connection is lost; `isClosing()` reports it.
 *
 * WHY a separate object: the application protocol must not see the raw
 * transport (writing there would bypass the encryption), and the `Transport`
 * interface of `@loop/interfaces` is the contract the application codes
 * against whether TLS is on or not. asyncio's choices are kept:
 *
 * - `write()` takes a `Uint8Array` (a `TypeError` otherwise, a `string`
 *   included); empty data is ignored; writes made before the handshake ends
 *   are queued and sent once it does; writes after `close()` are dropped
 *   (asyncio logs `SSL connection is closed` after the fifth).
 * - `canWriteEof()` is `false` and `writeEof()` throws `NotImplementedError`:
 *   TLS has no half-close.
 * - Write flow control uses asyncio's SSL defaults (high 512 KiB, low 128 KiB)
 *   and its SSL rule: the protocol is paused when the buffer is at or above
 *   the high-water mark (`>=`, where plain transports use `>`), resumed at or
 *   below the low one; `setWriteBufferLimits` re-checks both ways.
 *
 * @packageDocumentation
 */
import { isUint8Array } from 'node:util/types';
import { NotImplementedError, loopError, type BaseProtocol, type Transport, type WriteBufferLimits } from '@loop/interfaces';

/** What the TLS transport needs from its protocol (implemented by `SslProtocol`). @internal */
export interface SslProtocolLike {
  /** `getExtraInfo` of the transport: TLS keys first, then the raw transport's. */
  _getExtraInfo(name: string, defaultValue: unknown): unknown;
  /** The application protocol. */
  _getAppProtocol(): BaseProtocol;
  /** Replaces the application protocol. */
  _setAppProtocol(protocol: BaseProtocol): void;
  /** `close()`: flush, TLS shutdown, then the raw transport closes. */
  _startShutdown(): void;
  /** `abort()`: the raw transport is aborted at once. */
  _abort(): void;
  /** Whether the application asked not to receive data. */
  _isAppReadingPaused(): boolean;
  _pauseReading(): void;
  _resumeReading(): void;
  _writeAppData(chunks: readonly Uint8Array[]): void;
  _getWriteBufferSize(): number;
  _getWriteBufferLimits(): [low: number, high: number];
  _setWriteBufferLimits(limits: WriteBufferLimits): void;
  _describe(): string;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value).constructor?.name ?? 'object';
  return typeof value;
}

function checkData(api: string, data: unknown): asserts data is Uint8Array {
  if (!isUint8Array(data)) {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}: data: expecting a bytes-like instance (Uint8Array), got ${typeName(data)}`);
  }
}

/**
 * The application's end of a TLS connection (asyncio's
 * `_SSLProtocolTransport`). Made by `SslProtocol`; see the file header for
 * the rules it keeps.
 */
export class SslTransport implements Transport {
  readonly #proto: SslProtocolLike;
  #closed = false;

  /** @internal Made by `SslProtocol` only. */
  constructor(proto: SslProtocolLike) {
    this.#proto = proto;
  }

  /** @internal Marks the transport closed (the raw connection was lost). */
  _markClosed(): void {
    this.#closed = true;
  }

  /**
   * TLS keys (`sslcontext`; after the handshake `peercert`, `cipher`,
   * `compression`, `ssl_object`), then the raw transport's (`peername`,
   * `sockname`, `socket`…), else `defaultValue` (`null`).
   */
  getExtraInfo(name: string, defaultValue: unknown = null): any {
    return this.#proto._getExtraInfo(name, defaultValue);
  }

  /** Whether `close()` or `abort()` was called or the connection was lost. */
  isClosing(): boolean {
    return this.#closed;
  }

  /**
   * Closes the connection: data already written is sent, then the TLS
   * shutdown (close_notify both ways, at most `sslShutdownTimeout` seconds),
   * then the raw transport closes and the protocol's `connectionLost(null)`
   * is called. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#proto._startShutdown();
  }

  /** Switches the application protocol. */
  setProtocol(protocol: BaseProtocol): void {
    this.#proto._setAppProtocol(protocol);
  }

  /** The application protocol. */
  getProtocol(): BaseProtocol {
    return this.#proto._getAppProtocol();
  }

  /** Whether data is passed to the protocol (not paused by `pauseReading()`). */
  isReading(): boolean {
    return !this.#proto._isAppReadingPaused();
  }

  /** Stops passing data to the protocol until `resumeReading()`; the raw transport is paused once the buffers fill. */
  pauseReading(): void {
    this.#proto._pauseReading();
  }

  /** Resumes passing data to the protocol (from the next loop iteration). */
  resumeReading(): void {
    this.#proto._resumeReading();
  }

  /**
   * Encrypts and sends `data` (queued until the handshake is done). May call
   * `protocol.pauseWriting()` synchronously.
   *
   * @throws TypeError when `data` is not a `Uint8Array`.
   */
  write(data: Uint8Array): void {
    checkData('write()', data);
    if (data.length === 0) return;
    this.#proto._writeAppData([data]);
  }

  /**
   * Writes every chunk of `list` in order, as one batch.
   *
   * @throws TypeError when a chunk is not a `Uint8Array` (nothing is written then).
   */
  writelines(list: Iterable<Uint8Array>): void {
    const chunks: Uint8Array[] = [];
    for (const data of list) {
      checkData('writelines()', data);
      if (data.length > 0) chunks.push(data);
    }
    this.#proto._writeAppData(chunks);
  }

  /**
   * Not supported: TLS has no half-close.
   *
   * @throws NotImplementedError always (asyncio: `_SSLProtocolTransport.write_eof`).
   */
  writeEof(): void {
    throw new NotImplementedError('writeEof(): TLS transports do not support half-closes (canWriteEof() is false)');
  }

  /** Always `false`: TLS has no half-close. */
  canWriteEof(): boolean {
    return false;
  }

  /** Closes at once, dropping buffered data; `connectionLost(null)` follows. Idempotent. */
  abort(): void {
    this.#closed = true;
    this.#proto._abort();
  }

  /** Plaintext queued before the handshake plus ciphertext not yet taken by the raw transport. */
  getWriteBufferSize(): number {
    return this.#proto._getWriteBufferSize();
  }

  /** The write-buffer limits, `[low, high]` (asyncio's SSL defaults: 128 KiB, 512 KiB). */
  getWriteBufferLimits(): [low: number, high: number] {
    return this.#proto._getWriteBufferLimits();
  }

  /**
   * Sets the write-buffer limits (asyncio's rules; 512 KiB high when neither
   * is given) and re-checks flow control, which may pause or resume the
   * protocol synchronously, as asyncio's SSL transport does.
   *
   * @throws RangeError unless `high >= low >= 0`.
   */
  setWriteBufferLimits(limits: WriteBufferLimits = {}): void {
    this.#proto._setWriteBufferLimits(limits);
  }

  /** `<SslTransport state=... closing>` */
  toString(): string {
    return `<SslTransport ${this.#proto._describe()}${this.#closed ? ' closing' : ''}>`;
  }

  /** As `toString()`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
