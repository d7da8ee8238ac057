/**
 * `SelectorSocketTransport`: asyncio's `_SelectorSocketTransport`
 * (selector_events.py) over a `@loop/socket` `Socket`: readiness-based, the
 * loop's selector says when the socket is readable or writable and the
 * transport makes the non-blocking system call itself.
 *
 * HOW.
 *
 * ```text
 *   constructor        claims the fd (asyncio's loop._transports), TCP_NODELAY (asyncio's _set_nodelay),
 *                      callSoon(connectionMade), callSoon(add the reader), callSoon(waiter <- undefined)
 *   fd readable        one tryRecvInto per readiness event:
 *                        Protocol          -> into a shared slab, dataReceived(a view of it, no copy)
 *                        BufferedProtocol  -> getBuffer(-1), straight into it, bufferUpdated(n)
 *                        0 bytes (EOF)     -> eofReceived(): truthy keeps the write side (reader removed), else close()
 *                        error (ECONNRESET)-> connectionLost(error) (asyncio's _fatal_error; logged in debug only)
 *   write(data)        buffer empty: trySend at once; what is left is copied into the buffer (a list of
 *                      chunks) and a writer is added; flow control: pauseWriting above the high mark
 *   fd writable        trySend the chunks in order until the kernel takes no more; below the low mark
 *                      resumeWriting; buffer empty: writer removed, then a pending close finishes
 *                      (connectionLost(null)) or a pending writeEof shuts the write side (SHUT_WR)
 * ```
 *
 * States (derived, as the proactor's transport: the `CLOSING` bit and `#connLost`):
 *
 * ```text
 *   OPEN --close()--> CLOSING (reader removed) --buffer drained--> LOST, connectionLost(null)
 *   OPEN --close() with an empty buffer--> LOST, connectionLost(null) scheduled
 *   OPEN/CLOSING --abort() / system error / protocol failure--> LOST, connectionLost(exc) scheduled
 * ```
 *
 * As in asyncio, `write()` while CLOSING (after `close()`, before the buffer
 * drained) still buffers; once LOST, writes are dropped and counted, and the
 * warning `socket.send() raised exception.` is logged once at the fifth (D33).
 *
 * WHY no closure per connection or per event: the reader and writer are
 * handles made once per registration from the static step functions below,
 * with the transport as their argument; a read allocates only the copy
 * handed to `dataReceived` (nothing for a `BufferedProtocol`), a write that
 * the kernel takes at once allocates nothing.
 *
 * @packageDocumentation
 */

import { getLogger } from '@loop/core';
import {
  DEFAULT_HIGH_WATER,
  DEFAULT_LOW_WATER,
  LOG_THRESHOLD_FOR_CONNLOST_WRITES,
  RuntimeError,
  checkBytes,
  isBufferedProtocol,
  isOsError,
  loopError,
  resolveWriteBufferLimits,
  type BackendHost,
  type BaseProtocol,
  type BufferedProtocol,
  type ExtraInfo,
  type Future,
  type Protocol,
  type ServerHooks,
  type Transport,
  type WriteBufferLimits,
  signalWriteFlow,
} from '@loop/interfaces';
import { AF_INET, AF_INET6, IPPROTO_TCP, SHUT_WR, SOCK_STREAM, TCP_NODELAY, WOULD_BLOCK, type Socket } from '@loop/socket';

/** What the transport needs of its backend (the `SelectorBackend` internals). */
export interface TransportBackend {
  /** See `SelectorBackend._addReader`. */
  _addReader<A extends unknown[]>(fd: number, callback: (...args: A) => unknown, ...args: A): unknown;
  /** See `SelectorBackend._removeReader`. */
  _removeReader(fd: number): boolean;
  /** See `SelectorBackend._addWriter`. */
  _addWriter<A extends unknown[]>(fd: number, callback: (...args: A) => unknown, ...args: A): unknown;
  /** See `SelectorBackend._removeWriter`. */
  _removeWriter(fd: number): boolean;
  /** See `SelectorBackend._claimFd`. */
  _claimFd(fd: number, transport: SelectorSocketTransport): void;
  /** See `SelectorBackend._releaseFd`. */
  _releaseFd(fd: number, transport: SelectorSocketTransport): void;
  /** See `SelectorBackend._drained`. */
  _drained(): void;
}

/** asyncio's `_SelectorTransport.max_size`: the most one read takes (256 KiB). */
export const MAX_READ_SIZE = 256 * 1024;

/**
 * Reads for a `Protocol` land in a shared slab and `dataReceived` gets a
 * view of what was read, as Node's own sockets hand out views of their pool:
 * no copy and no allocation per read but the view. A read takes what is left
 * of the slab when that is at least `MIN_SLAB_READ`, else a new slab; no
 * byte of a slab is written twice, and a view keeps its slab alive. (A copy
 * into a fresh `Buffer` per read made 64 KiB echoes spend half their time
 * in the copy, measured with `--cpu-prof`.)
 */
const SLAB_SIZE = MAX_READ_SIZE;
const MIN_SLAB_READ = 64 * 1024;
let slab: Buffer | null = null;
let slabOffset = 0;

// ------------------------------------------------------------------ #flags
//
//   bit  name              set while / when
//   0    CLOSING           state CLOSING or LOST (asyncio's `_closing`)
//   1    READING_PAUSED    `pauseReading()` until `resumeReading()` (asyncio's `_paused`)
//   2    PROTOCOL_PAUSED   `pauseWriting()` was called, `resumeWriting()` not yet
//   3    WRITE_EOF         `writeEof()` was called (asyncio's `_eof`)
//   4    BUFFERED          the protocol is a `BufferedProtocol` (decided in `setProtocol`)
//   5    LOST_WARNED       the `socket.send() raised exception.` warning was logged (D33)
//   6    WRITER            a writer is registered (the buffer is not empty)
const CLOSING = 1 << 0;
const READING_PAUSED = 1 << 1;
const PROTOCOL_PAUSED = 1 << 2;
const WRITE_EOF = 1 << 3;
const BUFFERED = 1 << 4;
const LOST_WARNED = 1 << 5;
const WRITER = 1 << 6;

type TransportState = 'OPEN' | 'CLOSING' | 'LOST';

/**
 * A stream transport over a connected `@loop/socket` `Socket` (TCP or Unix),
 * made by `SelectorBackend.makeSocketTransport` and for accepted connections;
 * implements every rule of `Transport` in `@loop/interfaces` with asyncio's
 * selector semantics (see the file header).
 */
export class SelectorSocketTransport implements Transport {
  readonly #backend: TransportBackend;
  readonly #host: BackendHost;
  readonly #sock: Socket;
  readonly #fd: number;
  #protocol: BaseProtocol;
  #server: ServerHooks | null;
  readonly #extra: ExtraInfo;
  #flags = 0;
  /** asyncio's `_conn_lost`: non-zero once the end is decided; counts the writes dropped since. */
  #connLost = 0;
  /** The write buffer: chunks not yet sent, from `#head` on (the head chunk already trimmed of what was sent). */
  #chunks: Uint8Array[] | null = null;
  #head = 0;
  #size = 0;
  #low = DEFAULT_LOW_WATER;
  #high = DEFAULT_HIGH_WATER;
  /** asyncio's `_empty_waiter`: set while a native sendfile waits for (and holds) the write side. */
  #emptyWaiter: Future<void> | null = null;

  /** @internal Use `SelectorBackend.makeSocketTransport`. */
  constructor(
    backend: TransportBackend,
    host: BackendHost,
    sock: Socket,
    protocol: BaseProtocol,
    waiter: Future<void> | null,
    extra: ExtraInfo | null,
    server: ServerHooks | null,
  ) {
    this.#backend = backend;
    this.#host = host;
    this.#sock = sock;
    this.#fd = sock.fileno();
    const info: Record<string, unknown> = extra === null ? {} : { ...extra };
    info.socket = sock;
    try {
      info.sockname = sock.getsockname();
    } catch {
      info.sockname = null;
    }
    if (!Object.prototype.hasOwnProperty.call(info, 'peername')) {
      try {
        info.peername = sock.getpeername();
      } catch {
        info.peername = null;
      }
    }
    this.#extra = info;
    this.#protocol = protocol;
    if (isBufferedProtocol(protocol)) this.#flags |= BUFFERED;
    this.#server = server;
    server?.attach(this);
    backend._claimFd(this.#fd, this);
    setNoDelay(sock);
    host.callSoon(SelectorSocketTransport.#connectionMadeStep, this);
    // Reading starts only once connectionMade() ran.
    host.callSoon(SelectorSocketTransport.#addReaderStep, this);
    if (waiter !== null) host.callSoon(setResultUnlessCancelled, waiter);
  }

  /** The derived state (see the file header). */
  get #state(): TransportState {
    return this.#connLost > 0 ? 'LOST' : (this.#flags & CLOSING) !== 0 ? 'CLOSING' : 'OPEN';
  }

  /** Loop step: `protocol.connectionMade(this)`; a throwing protocol closes the transport with the error (D34). */
  #connectionMade(): void {
    try {
      this.#protocol.connectionMade(this);
    } catch (exc) {
      this.#fatalError(exc, 'Fatal error: protocol.connectionMade() call failed.');
    }
  }

  // ------------------------------------------------------------------ BaseTransport

  /** Extra information: `socket` (the `Socket`), `sockname`, `peername` (null when unknown), plus what the backend passed. */
  getExtraInfo(name: string, defaultValue: unknown = null): any {
    const extra = this.#extra;
    return Object.prototype.hasOwnProperty.call(extra, name) ? extra[name] : defaultValue;
  }

  /** Whether `close()` or `abort()` was called, or the connection was lost. */
  isClosing(): boolean {
    return (this.#flags & CLOSING) !== 0;
  }

  /** Switches the protocol; a `BufferedProtocol` is read into its own buffers from the next read on. */
  setProtocol(protocol: BaseProtocol): void {
    this.#protocol = protocol;
    this.#flags = isBufferedProtocol(protocol) ? this.#flags | BUFFERED : this.#flags & ~BUFFERED;
  }

  /** The protocol this transport calls. */
  getProtocol(): BaseProtocol {
    return this.#protocol;
  }

  // ------------------------------------------------------------------ reading

  /** Whether the transport is receiving (not paused, not closing). */
  isReading(): boolean {
    return (this.#flags & (CLOSING | READING_PAUSED)) === 0;
  }

  /** Stops reading (the reader is removed) until `resumeReading()`. Idempotent; no-op while closing. */
  pauseReading(): void {
    if (!this.isReading()) return;
    this.#flags |= READING_PAUSED;
    this.#backend._removeReader(this.#fd);
    if (this.#host.getDebug()) getLogger().debug(`${this.toString()} pauses reading`);
  }

  /** Resumes reading (the reader is added again). Idempotent; no-op while closing. */
  resumeReading(): void {
    if ((this.#flags & CLOSING) !== 0 || (this.#flags & READING_PAUSED) === 0) return;
    this.#flags &= ~READING_PAUSED;
    this.#addReader();
    if (this.#host.getDebug()) getLogger().debug(`${this.toString()} resumes reading`);
  }

  /** asyncio's `_SelectorTransport._add_reader`: only while reading. */
  #addReader(): void {
    if (!this.isReading()) return;
    this.#backend._addReader(this.#fd, SelectorSocketTransport.#readReadyStep, this);
  }

  /** The reader: one read per readiness event. */
  #readReady(): void {
    if (this.#connLost !== 0) return;
    if ((this.#flags & BUFFERED) !== 0) this.#readIntoBuffer();
    else this.#readData();
  }

  /** asyncio's `_read_ready__data_received`. */
  #readData(): void {
    if (slab === null || SLAB_SIZE - slabOffset < MIN_SLAB_READ) {
      slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
      slabOffset = 0;
    }
    const start = slabOffset;
    const buf = slab.subarray(start);
    const n = this.#recvInto(buf);
    if (n <= 0) return;
    // Keep the next read 8-byte aligned.
    slabOffset = start + ((n + 7) & ~7);
    const data = buf.subarray(0, n);
    try {
      (this.#protocol as Protocol).dataReceived(data);
    } catch (exc) {
      this.#fatalError(exc, 'Fatal error: protocol.dataReceived() call failed.');
    }
  }

  /** asyncio's `_read_ready__get_buffer`. */
  #readIntoBuffer(): void {
    const protocol = this.#protocol as BufferedProtocol;
    let buf: Uint8Array;
    try {
      buf = protocol.getBuffer(-1);
      if (!(buf instanceof Uint8Array)) throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `getBuffer() must return a Uint8Array, not ${typeof buf}`);
      if (buf.byteLength === 0) throw new RuntimeError('get_buffer() returned an empty buffer');
    } catch (exc) {
      this.#fatalError(exc, 'Fatal error: protocol.getBuffer() call failed.');
      return;
    }
    const n = this.#recvInto(buf);
    if (n <= 0) return;
    try {
      protocol.bufferUpdated(n);
    } catch (exc) {
      this.#fatalError(exc, 'Fatal error: protocol.bufferUpdated() call failed.');
    }
  }

  /**
   * One `recv` into `buf`: the byte count, or 0 when there is nothing to
   * hand on (it would block, EOF was handled, or a fatal error was). A read
   * that came back short tells the backend the socket is drained (ADR 0005).
   */
  #recvInto(buf: Uint8Array): number {
    let n: number;
    try {
      n = this.#sock.tryRecvInto(buf);
    } catch (exc) {
      this.#fatalError(exc, 'Fatal read error on socket transport');
      return 0;
    }
    if (n === WOULD_BLOCK) {
      this.#backend._drained();
      return 0;
    }
    if (n === 0) {
      this.#readEof();
      return 0;
    }
    if (n < buf.byteLength) this.#backend._drained();
    return n;
  }

  /** asyncio's `_read_ready__on_eof`: `eofReceived()`; truthy keeps the write side open (the reader is removed), else `close()`. */
  #readEof(): void {
    if (this.#host.getDebug()) getLogger().debug(`${this.toString()} received EOF`);
    let keepOpen: unknown;
    try {
      keepOpen = (this.#protocol as Protocol).eofReceived?.();
    } catch (exc) {
      this.#fatalError(exc, 'Fatal error: protocol.eofReceived() call failed.');
      return;
    }
    if (keepOpen) this.#backend._removeReader(this.#fd);
    else this.close();
  }

  // ------------------------------------------------------------------ writing

  /**
   * Writes `data` (see `WriteTransport.write`): sent at once when nothing is
   * buffered; what the kernel does not take is copied into the buffer (the
   * caller may reuse its memory) and sent when the socket is writable.
   *
   * @throws TypeError for anything but a `Uint8Array`.
   * @throws RuntimeError after `writeEof()` (`ERR_LOOP_WRITE_AFTER_EOF`), even for empty data; while a native `sendfile` runs.
   */
  write(data: Uint8Array): void {
    checkBytes('write()', data);
    const flags = this.#flags;
    if ((flags & WRITE_EOF) !== 0) throw loopError(RuntimeError, 'ERR_LOOP_WRITE_AFTER_EOF', 'Cannot call write() after write_eof()');
    if (this.#emptyWaiter !== null) throw new RuntimeError('unable to write; sendfile is in progress');
    const len = data.byteLength;
    if (len === 0) return;
    if (this.#connLost !== 0) {
      this.#droppedWrite();
      return;
    }
    if ((flags & WRITER) === 0) {
      // Nothing buffered: try to send now.
      let n: number;
      try {
        n = this.#sock.trySend(data);
      } catch (exc) {
        this.#fatalError(exc, 'Fatal write error on socket transport');
        return;
      }
      if (n === len) return;
      if (n > 0) data = data.subarray(n);
      this.#flags |= WRITER;
      this.#backend._addWriter(this.#fd, SelectorSocketTransport.#writeReadyStep, this);
    }
    this.#push(Buffer.from(data));
    this.#maybePauseProtocol();
  }

  #push(chunk: Uint8Array): void {
    (this.#chunks ??= []).push(chunk);
    this.#size += chunk.byteLength;
  }

  /**
   * Writes every chunk of `list` in order. With nothing buffered they are
   * joined and sent as one `write()` (asyncio 3.11's `b''.join`); otherwise
   * each is appended to the buffer, with no join. The caller may reuse the
   * chunks at once.
   *
   * @throws TypeError / RuntimeError as `write()`.
   */
  writelines(list: Iterable<Uint8Array>): void {
    const parts = Array.from(list);
    for (const part of parts) checkBytes('writelines()', part);
    if ((this.#flags & WRITER) === 0 || (this.#flags & WRITE_EOF) !== 0 || this.#emptyWaiter !== null || this.#connLost !== 0) {
      this.write(parts.length === 1 ? (parts[0]) : Buffer.concat(parts));
      return;
    }
    for (const part of parts) if (part.byteLength > 0) this.#push(Buffer.from(part));
    this.#maybePauseProtocol();
  }

  #droppedWrite(): void {
    if (this.#connLost >= LOG_THRESHOLD_FOR_CONNLOST_WRITES && (this.#flags & LOST_WARNED) === 0) {
      this.#flags |= LOST_WARNED;
      getLogger().warn('socket.send() raised exception.');
    }
    this.#connLost++;
  }

  /** The writer: sends buffered chunks until the kernel takes no more (asyncio's `_write_ready`). */
  #writeReady(): void {
    if (this.#connLost !== 0) return;
    const chunks = this.#chunks as Uint8Array[];
    const sock = this.#sock;
    try {
      while (this.#head < chunks.length) {
        const chunk = chunks[this.#head];
        const n = sock.trySend(chunk);
        if (n === WOULD_BLOCK) break;
        this.#size -= n;
        if (n < chunk.byteLength) {
          chunks[this.#head] = chunk.subarray(n);
          break;
        }
        this.#head++;
      }
    } catch (exc) {
      this.#clearBuffer();
      this.#fatalError(exc, 'Fatal write error on socket transport');
      const waiter = this.#emptyWaiter;
      if (waiter !== null && !waiter.done()) waiter.setException(exc);
      return;
    }
    if (this.#head === chunks.length) {
      chunks.length = 0;
      this.#head = 0;
    } else if (this.#head >= 64) {
      chunks.splice(0, this.#head);
      this.#head = 0;
    }
    this.#maybeResumeProtocol(); // may write more
    if (this.#size === 0 && (this.#flags & WRITER) !== 0) {
      this.#flags &= ~WRITER;
      this.#backend._removeWriter(this.#fd);
      const waiter = this.#emptyWaiter;
      if (waiter !== null && !waiter.done()) waiter.setResult(undefined);
      if ((this.#flags & CLOSING) !== 0) {
        if (this.#connLost === 0) {
          this.#connLost = 1; // CLOSING -> LOST: flushed
          this.#callConnectionLost(null);
        }
      } else if ((this.#flags & WRITE_EOF) !== 0) {
        this.#sock.shutdown(SHUT_WR);
      }
    }
  }

  /** Drops the buffer and removes the writer. */
  #clearBuffer(): void {
    if ((this.#flags & WRITER) !== 0) {
      this.#flags &= ~WRITER;
      this.#backend._removeWriter(this.#fd);
    }
    if (this.#chunks !== null) this.#chunks.length = 0;
    this.#head = 0;
    this.#size = 0;
  }

  /** Half-closes: `shutdown(SHUT_WR)` now, or once the buffer is sent. Idempotent; no-op while closing. */
  writeEof(): void {
    if ((this.#flags & (CLOSING | WRITE_EOF)) !== 0) return;
    this.#flags |= WRITE_EOF;
    if (this.#size === 0) this.#sock.shutdown(SHUT_WR);
  }

  /** Always `true`: TCP and Unix stream sockets half-close. */
  canWriteEof(): boolean {
    return true;
  }

  /** Bytes accepted by `write()` that the kernel has not taken yet. */
  getWriteBufferSize(): number {
    return this.#size;
  }

  /** `[low, high]`. */
  getWriteBufferLimits(): [low: number, high: number] {
    return [this.#low, this.#high];
  }

  /** Sets the limits (asyncio's rules: 64 KiB / 16 KiB by default); may call `pauseWriting()`, never `resumeWriting()`. */
  setWriteBufferLimits(limits: WriteBufferLimits = {}): void {
    [this.#low, this.#high] = resolveWriteBufferLimits(limits);
    this.#maybePauseProtocol();
  }

  #maybePauseProtocol(): void {
    if (this.#size <= this.#high || (this.#flags & PROTOCOL_PAUSED) !== 0) return;
    this.#flags |= PROTOCOL_PAUSED;
    signalWriteFlow(this.#host, this, this.#protocol, 'pauseWriting');
  }

  #maybeResumeProtocol(): void {
    if ((this.#flags & PROTOCOL_PAUSED) === 0 || this.#size > this.#low) return;
    this.#flags &= ~PROTOCOL_PAUSED;
    signalWriteFlow(this.#host, this, this.#protocol, 'resumeWriting');
  }

  // ------------------------------------------------------------------ native sendfile (asyncio's _make_empty_waiter)

  /** @internal The socket, for the backend's native `sendfile`. */
  get _sock(): Socket {
    return this.#sock;
  }

  /**
   * @internal asyncio's `_make_empty_waiter`: a future done once the write
   * buffer is empty (at once when it is); `write()` refuses until
   * `_resetEmptyWaiter()`.
   */
  _makeEmptyWaiter(): Future<void> {
    if (this.#emptyWaiter !== null) throw new RuntimeError('Empty waiter is already set');
    const waiter = (this.#emptyWaiter = this.#host.createFuture<void>());
    if (this.#size === 0) waiter.setResult(undefined);
    return waiter;
  }

  /** @internal asyncio's `_reset_empty_waiter`. */
  _resetEmptyWaiter(): void {
    this.#emptyWaiter = null;
  }

  // ------------------------------------------------------------------ closing

  /** Closes after the buffer is sent; `connectionLost(null)` follows. Idempotent. */
  close(): void {
    if ((this.#flags & CLOSING) !== 0) return;
    this.#flags |= CLOSING; // OPEN -> CLOSING
    this.#backend._removeReader(this.#fd);
    if (this.#size === 0) {
      this.#connLost++; // CLOSING -> LOST: nothing to send
      this.#clearBuffer();
      this.#host.callSoon(SelectorSocketTransport.#connectionLostStep, this, null);
    }
  }

  /** Closes at once, dropping the buffer; `connectionLost(null)` follows. Idempotent. */
  abort(): void {
    this.#forceClose(null);
  }

  /** asyncio's `_force_close`: OPEN/CLOSING -> LOST. */
  #forceClose(exc: unknown): void {
    if (this.#connLost !== 0) return;
    if (this.#size !== 0 || (this.#flags & WRITER) !== 0) this.#clearBuffer();
    if ((this.#flags & CLOSING) === 0) {
      this.#flags |= CLOSING;
      this.#backend._removeReader(this.#fd);
    }
    this.#connLost++;
    this.#host.callSoon(SelectorSocketTransport.#connectionLostStep, this, exc);
  }

  /** asyncio's `_fatal_error`: system errors are logged only in debug mode, the rest go to the exception handler; then force-closes. */
  #fatalError(exc: unknown, message: string): void {
    if (isOsError(exc)) {
      if (this.#host.getDebug()) getLogger().debug(`${this.toString()}: ${message}`, exc);
    } else {
      this.#host.callExceptionHandler({ message, exception: exc, transport: this, protocol: this.#protocol });
    }
    this.#forceClose(exc);
  }

  /** asyncio's `_call_connection_lost`: `connectionLost(exc)` once, then the socket is closed and the server told. */
  #callConnectionLost(exc: unknown): void {
    try {
      this.#protocol.connectionLost((exc ?? null) as Error | null);
    } finally {
      const fd = this.#fd;
      this.#backend._removeReader(fd);
      this.#backend._removeWriter(fd);
      this.#backend._releaseFd(fd, this);
      this.#sock.close();
      const server = this.#server;
      this.#server = null;
      server?.detach(this);
      const waiter = this.#emptyWaiter;
      if (waiter !== null && !waiter.done()) {
        waiter.setException(Object.assign(new Error('Connection is closed by peer'), { code: 'ECONNRESET' }));
      }
    }
  }

  // Shared step functions: one for all transports, the transport as argument.
  static #connectionMadeStep(t: SelectorSocketTransport): void {
    t.#connectionMade();
  }

  static #addReaderStep(t: SelectorSocketTransport): void {
    t.#addReader();
  }

  static #readReadyStep(t: SelectorSocketTransport): void {
    t.#readReady();
  }

  static #writeReadyStep(t: SelectorSocketTransport): void {
    t.#writeReady();
  }

  static #connectionLostStep(t: SelectorSocketTransport, exc: unknown): void {
    t.#callConnectionLost(exc);
  }

  /** An asyncio-style repr: `<SelectorSocketTransport fd=7 read=polling write=<idle, bufsize=0>>`. */
  toString(): string {
    const state = this.#state;
    if (state === 'LOST' && this.#sock.fileno() === -1) return '<SelectorSocketTransport closed fd=-1>';
    const parts = [state === 'LOST' ? 'closed' : state === 'CLOSING' ? 'closing' : '', `fd=${this.#fd}`];
    if (state === 'OPEN') {
      parts.push(`read=${this.isReading() ? 'polling' : 'idle'}`);
      parts.push(`write=<${(this.#flags & WRITER) !== 0 ? 'polling' : 'idle'}, bufsize=${this.#size}>`);
    }
    return `<SelectorSocketTransport ${parts.filter((p) => p !== '').join(' ')}>`;
  }

  /** As `toString()`, for `util.inspect`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

function setResultUnlessCancelled(waiter: Future<void>): void {
  if (!waiter.done()) waiter.setResult(undefined);
}

/** asyncio's `base_events._set_nodelay`: `TCP_NODELAY` on a TCP stream socket (an IP family, `proto` `IPPROTO_TCP`). */
export function setNoDelay(sock: Socket): void {
  const family = sock.family;
  if ((family === AF_INET || family === AF_INET6) && sock.type === SOCK_STREAM && sock.proto === IPPROTO_TCP) {
    try {
      sock.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
    } catch {
      // a connection already reset: the first read or write reports it
    }
  }
}
