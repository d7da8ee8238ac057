/**
 * `SelectorDatagramTransport`: asyncio's `_SelectorDatagramTransport` over a
 * non-blocking `@loop/socket` `Socket` (UDP on IPv4 / IPv6, Unix datagram).
 *
 * HOW. The socket is read when the selector says it is readable; a datagram
 * is sent at once when nothing is buffered, and buffered (with a writer on
 * the descriptor) only when the kernel refuses it:
 *
 * ```text
 *   constructor        callSoon(connectionMade); callSoon(add reader); callSoon(waiter done)
 *   readable           tryRecvfrom(256 KiB) -> datagramReceived(data, addr)
 *                      OS error (ECONNREFUSED after an ICMP error) -> errorReceived(err)
 *   sendto, empty buf  trySend / trySendto at once; WOULD_BLOCK -> buffer + writer
 *                      OS error -> errorReceived(err) (the datagram is dropped)
 *   writable           send the buffer in order until WOULD_BLOCK; resumeWriting when
 *                      at or below the low-water mark; writer removed when empty, and a
 *                      closing transport finishes closing
 *   close()            reader removed; connectionLost(null) once the buffer is empty
 *   abort()            buffer dropped, reader and writer removed, connectionLost(null)
 * ```
 *
 * WHY errors go to `errorReceived` and do not close: a datagram endpoint
 * stays usable after a failed send or an ICMP "port unreachable", as in
 * asyncio. Anything that is not an OS error while sending from the buffer
 * is a fatal error (the exception handler is told, the transport closes);
 * from `sendto()` itself it is thrown to the caller (D65).
 *
 * @packageDocumentation
 */
import { getLogger } from '@loop/core';
import {
  DEFAULT_HIGH_WATER,
  DEFAULT_LOW_WATER,
  LOG_THRESHOLD_FOR_CONNLOST_WRITES,
  checkBytes,
  isOsError,
  loopError,
  resolveWriteBufferLimits,
  type Address,
  type BackendHost,
  type BaseProtocol,
  type DatagramProtocol,
  type DatagramTransport,
  type ExtraInfo,
  type Future,
  type WriteBufferLimits,
  signalWriteFlow,
} from '@loop/interfaces';
import { WOULD_BLOCK, type Socket } from '@loop/socket';
import type { SelectorBackend } from './selector-backend.js';

/** The most bytes read from the socket per readiness event (asyncio's `max_size`). */
const MAX_SIZE = 256 * 1024;

function sameAddress(a: Address, b: Address): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  return a.every((v, i) => v === b[i]);
}

function formatAddress(a: Address): string {
  return typeof a === 'string' ? JSON.stringify(a) : `[${a.map((v) => JSON.stringify(v)).join(', ')}]`;
}

/** A datagram transport over a non-blocking `@loop/socket` datagram `Socket`, driven by the selector. */
export class SelectorDatagramTransport implements DatagramTransport {
  readonly #backend: SelectorBackend;
  readonly #host: BackendHost;
  readonly #sock: Socket;
  readonly #fd: number;
  readonly #address: Address | null;
  readonly #extra: ExtraInfo;
  /** Whether the socket has a peer: then datagrams go out with `send`, as asyncio's `if self._extra['peername']`. */
  readonly #connected: boolean;
  #protocol: BaseProtocol;
  readonly #buffer: [data: Buffer, addr: Address | null][] = [];
  #bufferSize = 0;
  #low = DEFAULT_LOW_WATER;
  #high = DEFAULT_HIGH_WATER;
  #protocolPaused = false;
  #closing = false;
  #connLost = 0;
  #lostWarned = false;
  #writing = false;
  readonly #readReady = (): void => this.#onReadable();
  readonly #sendtoReady = (): void => this.#onWritable();

  /** @internal Use `SelectorBackend.makeDatagramTransport`. */
  constructor(
    backend: SelectorBackend,
    host: BackendHost,
    sock: Socket,
    protocol: BaseProtocol,
    address: Address | null,
    waiter: Future<void> | null,
    extra: ExtraInfo | null,
  ) {
    this.#backend = backend;
    this.#host = host;
    this.#sock = sock;
    this.#fd = sock.fileno();
    this.#protocol = protocol;
    this.#address = address;
    this.#extra = { ...(extra ?? {}), socket: sock };
    try {
      this.#extra.sockname = sock.getsockname();
    } catch {
      // not bound
    }
    if (!('peername' in this.#extra)) {
      try {
        this.#extra.peername = sock.getpeername();
      } catch {
        // not connected (ENOTCONN): peername stays absent
      }
    }
    const peer = this.#extra.peername;
    this.#connected = peer !== undefined && peer !== null && peer !== '';
    backend._claimFd(this.#fd, this);
    host.callSoon((p: BaseProtocol) => p.connectionMade(this), protocol);
    // Only start reading once connectionMade() has run.
    host.callSoon(() => {
      if (!this.#closing) backend._addReader(this.#fd, this.#readReady);
    });
    if (waiter !== null) {
      host.callSoon(() => {
        if (!waiter.done()) waiter.setResult(undefined);
      });
    }
  }

  /** Extra information: `socket`, `sockname`, and `peername` for a connected endpoint. */
  getExtraInfo(name: string, defaultValue: unknown = null): any {
    const v = Object.prototype.hasOwnProperty.call(this.#extra, name) ? this.#extra[name] : undefined;
    return v === undefined || v === null ? defaultValue : v;
  }

  /** Whether `close()` or `abort()` was called (or a fatal error closed it). */
  isClosing(): boolean {
    return this.#closing;
  }

  /** Switches the protocol. */
  setProtocol(protocol: BaseProtocol): void {
    this.#protocol = protocol;
  }

  /** The protocol this transport calls. */
  getProtocol(): BaseProtocol {
    return this.#protocol;
  }

  /** Bytes of the datagrams buffered because the socket refused them. */
  getWriteBufferSize(): number {
    return this.#bufferSize;
  }

  /** `[low, high]`: 16 KiB and 64 KiB by default. */
  getWriteBufferLimits(): [low: number, high: number] {
    return [this.#low, this.#high];
  }

  /**
   * Sets the limits (asyncio's rules); may call `pauseWriting()`, never
   * `resumeWriting()`.
   *
   * @throws RangeError unless `high >= low >= 0`.
   */
  setWriteBufferLimits(limits: WriteBufferLimits = {}): void {
    [this.#low, this.#high] = resolveWriteBufferLimits(limits);
    this.#maybePauseProtocol();
  }

  /**
   * Sends one datagram: at once when nothing is buffered, else after what is
   * buffered. A failed send is reported to `errorReceived()`. An empty
   * datagram is ignored (asyncio 3.11). Datagrams sent once the transport is
   * closed are dropped; the fifth logs a warning (D33).
   *
   * @throws TypeError for anything but a `Uint8Array`, when `addr` is omitted
   *   on an endpoint with no remote address, or for an address of the wrong
   *   shape for the socket's family.
   * @throws RangeError on an endpoint with a remote address when `addr` is
   *   neither omitted nor that address (`Invalid address: must be None or …`).
   */
  sendto(data: Uint8Array, addr: Address | null = null): void {
    checkBytes('sendto()', data);
    if (data.byteLength === 0) return;
    if (this.#address !== null) {
      if (addr !== null && addr !== undefined && !sameAddress(addr, this.#address)) {
        throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `Invalid address: must be None or ${formatAddress(this.#address)}`);
      }
      addr = this.#address;
    } else if (addr === null || addr === undefined) {
      if (!this.#connected) throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', 'sendto(): an address is required: this datagram endpoint is not connected');
      addr = null;
    }
    if (this.#connLost > 0) {
      if (this.#connLost >= LOG_THRESHOLD_FOR_CONNLOST_WRITES && !this.#lostWarned) {
        this.#lostWarned = true;
        getLogger().warn('socket.send() raised exception.');
      }
      this.#connLost++;
      return;
    }
    if (this.#buffer.length === 0) {
      let n: number;
      try {
        n = this.#connected ? this.#sock.trySend(data) : this.#sock.trySendto(data, addr as Address);
      } catch (exc) {
        if (!isOsError(exc)) throw exc;
        (this.#protocol as DatagramProtocol).errorReceived(exc);
        return;
      }
      if (n !== WOULD_BLOCK) return;
      this.#backend._addWriter(this.#fd, this.#sendtoReady);
      this.#writing = true;
    }
    // What is buffered is a copy: the caller may reuse its buffer.
    this.#buffer.push([Buffer.from(data), addr]);
    this.#bufferSize += data.byteLength;
    this.#maybePauseProtocol();
  }

  #onReadable(): void {
    if (this.#connLost > 0) return;
    let got: [Buffer, Address | null] | null;
    try {
      got = this.#sock.tryRecvfrom(MAX_SIZE);
    } catch (exc) {
      if (isOsError(exc)) (this.#protocol as DatagramProtocol).errorReceived(exc);
      else this.#fatalError(exc, 'Fatal read error on datagram transport');
      return;
    }
    if (got === null) return;
    // As asyncio, an exception from datagramReceived leaves the callback: the
    // loop reports it ("Exception in callback") and the endpoint stays open.
    (this.#protocol as DatagramProtocol).datagramReceived(got[0], got[1] as Address);
  }

  #onWritable(): void {
    const buffer = this.#buffer;
    while (buffer.length > 0) {
      const [data, addr] = buffer[0];
      let n: number;
      try {
        n = this.#connected ? this.#sock.trySend(data) : this.#sock.trySendto(data, addr as Address);
      } catch (exc) {
        buffer.shift();
        this.#bufferSize -= data.byteLength;
        if (isOsError(exc)) (this.#protocol as DatagramProtocol).errorReceived(exc);
        else this.#fatalError(exc, 'Fatal write error on datagram transport');
        return;
      }
      if (n === WOULD_BLOCK) break;
      buffer.shift();
      this.#bufferSize -= data.byteLength;
    }
    this.#maybeResumeProtocol(); // may append to the buffer
    if (buffer.length === 0) {
      this.#backend._removeWriter(this.#fd);
      this.#writing = false;
      if (this.#closing && this.#connLost === 0) {
        this.#connLost++;
        this.#callConnectionLost(null);
      }
    }
  }

  #maybePauseProtocol(): void {
    if (this.#bufferSize <= this.#high || this.#protocolPaused) return;
    this.#protocolPaused = true;
    signalWriteFlow(this.#host, this, this.#protocol, 'pauseWriting');
  }

  #maybeResumeProtocol(): void {
    if (!this.#protocolPaused || this.#bufferSize > this.#low) return;
    this.#protocolPaused = false;
    signalWriteFlow(this.#host, this, this.#protocol, 'resumeWriting');
  }

  /** Stops reading; `connectionLost(null)` follows once the buffered datagrams are sent. Idempotent. */
  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#backend._removeReader(this.#fd);
    if (this.#buffer.length === 0) {
      this.#connLost++;
      this.#backend._removeWriter(this.#fd);
      this.#host.callSoon(() => this.#callConnectionLost(null));
    }
  }

  /** Closes at once, dropping the buffered datagrams; `connectionLost(null)` follows. Idempotent. */
  abort(): void {
    this.#forceClose(null);
  }

  #fatalError(exc: unknown, message: string): void {
    if (isOsError(exc)) {
      if (this.#host.getDebug()) getLogger().debug(`${this.toString()}: ${message}`, exc);
    } else {
      this.#host.callExceptionHandler({ message, exception: exc, transport: this, protocol: this.#protocol });
    }
    this.#forceClose(exc);
  }

  #forceClose(exc: unknown): void {
    if (this.#connLost > 0) return;
    if (this.#buffer.length > 0) {
      this.#buffer.length = 0;
      this.#bufferSize = 0;
      this.#backend._removeWriter(this.#fd);
      this.#writing = false;
    }
    if (!this.#closing) {
      this.#closing = true;
      this.#backend._removeReader(this.#fd);
    }
    this.#connLost++;
    this.#host.callSoon(() => this.#callConnectionLost(exc));
  }

  #callConnectionLost(exc: unknown): void {
    try {
      this.#protocol.connectionLost((exc ?? null) as Error | null);
    } finally {
      this.#sock.close();
      this.#backend._releaseFd(this.#fd, this);
    }
  }

  /** asyncio's repr: `<SelectorDatagramTransport fd=7 read=polling write=<idle, bufsize=0>>`. */
  toString(): string {
    if (this.#sock.fileno() < 0) return '<SelectorDatagramTransport closed>';
    const state = this.#closing ? ' closing' : '';
    const read = this.#closing ? 'idle' : 'polling';
    const write = this.#writing ? 'polling' : 'idle';
    return `<SelectorDatagramTransport${state} fd=${this.#fd} read=${read} write=<${write}, bufsize=${this.#bufferSize}>>`;
  }

  /** As `toString()`, for `util.inspect`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
