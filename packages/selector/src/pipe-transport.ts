/**
 * Pipe transports of the selector loop: asyncio's `_UnixReadPipeTransport`
 * and `_UnixWritePipeTransport` (unix_events.py), over any descriptor that
 * is a FIFO (a pipe or a named pipe), a socket or a character device (a tty).
 *
 * HOW.
 *
 * ```text
 *   the pipe end       fd = fileDescriptorOf(pipe); fstat: FIFO, socket or character
 *                      device, else RangeError; made non-blocking (see NON-BLOCKING)
 *   read pipe          readable -> read(256 KiB) -> dataReceived(data)
 *                      0 bytes (EOF) -> callSoon(eofReceived), callSoon(connectionLost(null))
 *                      pauseReading / resumeReading remove / add the reader
 *   write pipe         write: at once when nothing is buffered; the rest buffered, a writer
 *                      added; pauseWriting above the high-water mark, resumeWriting at or
 *                      below the low one once the writer drained the buffer
 *                      FIFO or socket: a reader on the write end too, so that the read end
 *                      closing (EPOLLERR / EPOLLHUP -> readable) is seen at once:
 *                      connectionLost(EPIPE) when data was buffered, connectionLost(null) else
 *                      writeEof() / close(): connectionLost(null) once flushed
 *   connectionLost     then the pipe is closed: its close() when it has one, else the fd
 * ```
 *
 * NON-BLOCKING. As asyncio (`os.set_blocking(fd, False)`), the pipe's open
 * file description is set non-blocking with `@loop/socket`'s `setBlocking`.
 * Reads and single writes are `@loop/socket`'s `tryReadInto` / `tryWrite`
 * (`read(2)` / `write(2)`, "would block" a result, not an exception); a
 * buffer of several chunks is flushed with one `fs.writevSync`, whose
 * `EAGAIN` is an exception but comes only when the pipe is exactly full.
 * Every write counts as readiness activity (`noteActivity`), so a reader
 * of the same pipe in this thread sees the data in the next iteration.
 *
 * @packageDocumentation
 */
import { closeSync, fstatSync, writevSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { getLogger } from '@loop/core';
import {
  DEFAULT_HIGH_WATER,
  DEFAULT_LOW_WATER,
  LOG_THRESHOLD_FOR_CONNLOST_WRITES,
  checkBytes,
  fileDescriptorOf,
  isOsError,
  loopError,
  resolveWriteBufferLimits,
  systemError,
  type BackendHost,
  type BaseProtocol,
  type ExtraInfo,
  type Future,
  type PipeLike,
  type Protocol,
  type ReadTransport,
  type WriteBufferLimits,
  type WriteTransport,
  signalWriteFlow,
} from '@loop/interfaces';
import { WOULD_BLOCK, noteActivity, setBlocking, tryReadInto, tryWrite } from '@loop/socket';
import type { SelectorBackend } from './selector-backend.js';

/** The most bytes read per readiness event (asyncio's `max_size`). */
const MAX_SIZE = 256 * 1024;

/**
 * Reads go into a shared slab, and `dataReceived` gets a view of it (no
 * copy, as Node's stream pool): a read asks for `MAX_SIZE` bytes at the
 * slab's free offset; a new slab is taken when fewer than that are left.
 */
const SLAB_SIZE = 4 * MAX_SIZE;
let slab: Buffer | null = null;
/** The most chunks one `writev` takes (Linux `IOV_MAX`). */
const IOV_MAX = 1024;
let slabOffset = 0;

/** One read of up to `MAX_SIZE` bytes into the slab: a view of what was read, or `null` when the pipe would block. */
function readInto(fd: number): Buffer | null {
  if (slab === null || SLAB_SIZE - slabOffset < MAX_SIZE) {
    slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
    slabOffset = 0;
  }
  const n = tryReadInto(fd, slab.subarray(slabOffset, slabOffset + MAX_SIZE));
  if (n === WOULD_BLOCK) return null;
  const data = slab.subarray(slabOffset, slabOffset + n);
  // Keep the next read 8-byte aligned.
  slabOffset += (n + 7) & ~7;
  return data;
}

type PipeKind = 'fifo' | 'socket' | 'char';

interface PipeEnd {
  /** The descriptor of the pipe object. */
  readonly fd: number;
  readonly kind: PipeKind;
}

/** asyncio's fstat check and `os.set_blocking(fd, False)` (see NON-BLOCKING in the file header). */
function openPipeEnd(pipe: PipeLike, message: string): PipeEnd {
  const fd = fileDescriptorOf(pipe);
  const st = fstatSync(fd);
  const kind: PipeKind | null = st.isFIFO() ? 'fifo' : st.isSocket() ? 'socket' : st.isCharacterDevice() ? 'char' : null;
  if (kind === null) throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', message);
  setBlocking(fd, false);
  return { fd, kind };
}

/** Closes the pipe object as asyncio's `pipe.close()`: its `close()` when it has one, else its descriptor; and the reopening, if any. */
function closePipeEnd(pipe: PipeLike, end: PipeEnd): void {
  const close = typeof pipe === 'object' && pipe !== null ? (pipe as { close?: unknown }).close : undefined;
  if (typeof close === 'function') (close as () => void).call(pipe);
  else closeSync(end.fd);
}

function wouldBlock(exc: unknown): boolean {
  const code = (exc as { code?: unknown } | null)?.code;
  return code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EINTR';
}

function describePipe(name: string, end: PipeEnd, state: string): string {
  return `<${name} fd=${end.fd} ${state}>`;
}

/**
 * What the read and write pipe transports share: the pipe end, the protocol,
 * the extra information, and the end of the transport (`connectionLost`
 * scheduled once, then the pipe closed).
 */
abstract class SelectorPipeTransport {
  protected readonly backend: SelectorBackend;
  protected readonly host: BackendHost;
  protected readonly end: PipeEnd;
  protected protocol: BaseProtocol;
  protected closing = false;
  /** `connectionLost` is scheduled. */
  protected lost = false;
  /** `connectionLost` ran and the pipe is closed. */
  protected closed = false;
  readonly #pipe: PipeLike;
  readonly #extra: ExtraInfo;

  /** @throws RangeError (`ERR_LOOP_OUT_OF_RANGE`, `message`) when `pipe` is not a FIFO, a socket or a character device. */
  protected constructor(backend: SelectorBackend, host: BackendHost, pipe: PipeLike, protocol: BaseProtocol, extra: ExtraInfo | null, message: string) {
    this.backend = backend;
    this.host = host;
    this.#pipe = pipe;
    this.end = openPipeEnd(pipe, message);
    this.#extra = { ...(extra ?? {}), pipe };
    this.protocol = protocol;
  }

  /** Extra information: `pipe`, the pipe object given. */
  getExtraInfo(name: string, defaultValue: unknown = null): any {
    const v = Object.prototype.hasOwnProperty.call(this.#extra, name) ? this.#extra[name] : undefined;
    return v === undefined || v === null ? defaultValue : v;
  }

  /** Switches the protocol. */
  setProtocol(protocol: BaseProtocol): void {
    this.protocol = protocol;
  }

  /** The protocol this transport calls. */
  getProtocol(): BaseProtocol {
    return this.protocol;
  }

  /** Schedules `connectionLost(exc)` (once); the pipe is closed after it. */
  protected scheduleLost(exc: unknown): void {
    if (this.lost) return;
    this.lost = true;
    this.host.callSoon(() => this.callConnectionLost(exc));
  }

  /** Calls `connectionLost(exc)` now, then closes the pipe. */
  protected callConnectionLost(exc: unknown): void {
    try {
      this.protocol.connectionLost((exc ?? null) as Error | null);
    } finally {
      this.closed = true;
      closePipeEnd(this.#pipe, this.end);
    }
  }

  /** An asyncio-style repr. */
  abstract toString(): string;

  /** As `toString()`, for `util.inspect`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/**
 * The read transport of a pipe end (asyncio's `_UnixReadPipeTransport`).
 * `getExtraInfo('pipe')` is the pipe object given.
 */
export class SelectorReadPipeTransport extends SelectorPipeTransport implements ReadTransport {
  #paused = false;
  readonly #readReady = (): void => this.#onReadable();

  /**
   * @internal Use `SelectorBackend.makeReadPipeTransport`.
   * @throws RangeError (`ERR_LOOP_OUT_OF_RANGE`) when `pipe` is not a FIFO, a socket or a character device.
   */
  constructor(backend: SelectorBackend, host: BackendHost, pipe: PipeLike, protocol: BaseProtocol, waiter: Future<void> | null, extra: ExtraInfo | null) {
    super(backend, host, pipe, protocol, extra, 'Pipe transport is for pipes/sockets only.');
    host.callSoon((p: BaseProtocol) => p.connectionMade(this), protocol);
    // Only start reading once connectionMade() has run.
    host.callSoon(() => {
      if (this.isReading()) backend._addReader(this.end.fd, this.#readReady);
    });
    if (waiter !== null) {
      host.callSoon(() => {
        if (!waiter.done()) waiter.setResult(undefined);
      });
    }
  }

  #onReadable(): void {
    let data: Buffer | null;
    try {
      data = readInto(this.end.fd);
    } catch (exc) {
      this.#fatalError(exc, 'Fatal read error on pipe transport');
      return;
    }
    if (data === null) return;
    if (data.length > 0) {
      (this.protocol as Protocol).dataReceived(data);
      return;
    }
    if (this.host.getDebug()) getLogger().info(`${this.toString()} was closed by peer`);
    this.closing = true;
    this.backend._removeReader(this.end.fd);
    this.host.callSoon((p: BaseProtocol) => (p as Protocol).eofReceived(), this.protocol);
    this.scheduleLost(null);
  }

  /** Whether data is being read: not paused and not closing. */
  isReading(): boolean {
    return !this.#paused && !this.closing;
  }

  /** Stops reading until `resumeReading()`. A no-op when not reading. */
  pauseReading(): void {
    if (!this.isReading()) return;
    this.#paused = true;
    this.backend._removeReader(this.end.fd);
    if (this.host.getDebug()) getLogger().debug(`${this.toString()} pauses reading`);
  }

  /** Reads again after `pauseReading()`. A no-op when closing or not paused. */
  resumeReading(): void {
    if (this.closing || !this.#paused) return;
    this.#paused = false;
    this.backend._addReader(this.end.fd, this.#readReady);
    if (this.host.getDebug()) getLogger().debug(`${this.toString()} resumes reading`);
  }

  /** Whether the transport is closing or closed (after `close()`, at EOF, or after a read error). */
  isClosing(): boolean {
    return this.closing;
  }

  /** Stops reading and closes the pipe; `connectionLost(null)` follows. Idempotent. */
  close(): void {
    if (!this.closing) this.#close(null);
  }

  #fatalError(exc: unknown, message: string): void {
    // EIO is how a terminal says its other side went away: not worth a report.
    if (isOsError(exc) && (exc as { code?: unknown }).code === 'EIO') {
      if (this.host.getDebug()) getLogger().debug(`${this.toString()}: ${message}`, exc);
    } else {
      this.host.callExceptionHandler({ message, exception: exc, transport: this, protocol: this.protocol });
    }
    this.#close(exc);
  }

  #close(exc: unknown): void {
    this.closing = true;
    this.backend._removeReader(this.end.fd);
    this.scheduleLost(exc);
  }

  /** An asyncio-style repr: `<SelectorReadPipeTransport fd=7 polling>` (`idle`, `closing`, `closed`). */
  override toString(): string {
    const state = this.closed ? 'closed' : this.closing ? 'closing' : this.#paused ? 'idle' : 'polling';
    return describePipe('SelectorReadPipeTransport', this.end, state);
  }
}

/**
 * The write transport of a pipe end (asyncio's `_UnixWritePipeTransport`).
 * `getExtraInfo('pipe')` is the pipe object given.
 */
export class SelectorWritePipeTransport extends SelectorPipeTransport implements WriteTransport {
  #buffer: Buffer[] = [];
  #bufferSize = 0;
  #low = DEFAULT_LOW_WATER;
  #high = DEFAULT_HIGH_WATER;
  #protocolPaused = false;
  /** Writes that failed or were dropped after closing (asyncio's `_conn_lost`). */
  #connLost = 0;
  #lostWarned = false;
  readonly #readReady = (): void => this.#onPeerClosed();
  readonly #writeReady = (): void => this.#onWritable();

  /**
   * @internal Use `SelectorBackend.makeWritePipeTransport`.
   * @throws RangeError (`ERR_LOOP_OUT_OF_RANGE`) when `pipe` is not a FIFO, a socket or a character device.
   */
  constructor(backend: SelectorBackend, host: BackendHost, pipe: PipeLike, protocol: BaseProtocol, waiter: Future<void> | null, extra: ExtraInfo | null) {
    super(backend, host, pipe, protocol, extra, 'Pipe transport is only for pipes, sockets and character devices');
    host.callSoon((p: BaseProtocol) => p.connectionMade(this), protocol);
    if (this.end.kind !== 'char') {
      // The read end closing makes the write end "readable" (EPOLLERR), once connectionMade() has run.
      host.callSoon(() => {
        if (!this.lost) backend._addReader(this.end.fd, this.#readReady);
      });
    }
    if (waiter !== null) {
      host.callSoon(() => {
        if (!waiter.done()) waiter.setResult(undefined);
      });
    }
  }

  /** Bytes buffered because the pipe was full. */
  getWriteBufferSize(): number {
    return this.#bufferSize;
  }

  /** `[low, high]`: 16 KiB and 64 KiB by default. */
  getWriteBufferLimits(): [low: number, high: number] {
    return [this.#low, this.#high];
  }

  /**
   * Sets the limits (asyncio's rules); may call `pauseWriting()`, never `resumeWriting()`.
   *
   * @throws RangeError unless `high >= low >= 0`.
   */
  setWriteBufferLimits(limits: WriteBufferLimits = {}): void {
    [this.#low, this.#high] = resolveWriteBufferLimits(limits);
    this.#maybePauseProtocol();
  }

  #onPeerClosed(): void {
    if (this.host.getDebug()) getLogger().info(`${this.toString()} was closed by peer`);
    if (this.#bufferSize > 0) {
      this.#close(systemError('EPIPE', 'write EPIPE', { errno: -osConstants.errno.EPIPE, syscall: 'write' }));
    } else {
      this.#close(null);
    }
  }

  /**
   * Writes `data`: at once when nothing is buffered, the rest buffered until
   * the pipe takes it. After `writeEof()`, `close()` or a failed write the
   * data is dropped (the fifth drop logs a warning). A write error closes
   * the transport: `connectionLost(err)` (`EPIPE` when the reader is gone).
   *
   * @throws TypeError when `data` is not a `Uint8Array`.
   */
  write(data: Uint8Array): void {
    checkBytes('write()', data);
    if (data.byteLength === 0) return;
    if (this.#connLost > 0 || this.closing) {
      if (this.#connLost >= LOG_THRESHOLD_FOR_CONNLOST_WRITES && !this.#lostWarned) {
        this.#lostWarned = true;
        getLogger().warn('pipe closed by peer or os.write(pipe, data) raised exception.');
      }
      this.#connLost++;
      return;
    }
    if (this.#buffer.length === 0) {
      let n = 0;
      try {
        n = tryWrite(this.end.fd, data);
      } catch (exc) {
        this.#connLost++;
        this.#fatalError(exc, 'Fatal write error on pipe transport');
        return;
      }
      if (n === WOULD_BLOCK) n = 0;
      if (n === data.byteLength) return;
      data = data.subarray(n);
      this.backend._addWriter(this.end.fd, this.#writeReady);
    }
    this.#buffer.push(Buffer.from(data));
    this.#bufferSize += data.byteLength;
    this.#maybePauseProtocol();
  }

  /** Writes every chunk of `list`, in order, as successive `write()` calls. */
  writelines(list: Iterable<Uint8Array>): void {
    for (const chunk of list) this.write(chunk);
  }

  #onWritable(): void {
    const buffer = this.#buffer;
    let n: number;
    try {
      if (buffer.length === 1) {
        n = tryWrite(this.end.fd, buffer[0]);
        if (n === WOULD_BLOCK) return;
      } else {
        noteActivity();
        n = writevSync(this.end.fd, buffer.length > IOV_MAX ? buffer.slice(0, IOV_MAX) : buffer);
      }
    } catch (exc) {
      if (wouldBlock(exc)) return;
      this.#buffer = [];
      this.#bufferSize = 0;
      this.#connLost++;
      this.backend._removeWriter(this.end.fd);
      this.#fatalError(exc, 'Fatal write error on pipe transport');
      return;
    }
    if (n === this.#bufferSize) {
      this.#buffer = [];
      this.#bufferSize = 0;
      this.backend._removeWriter(this.end.fd);
      this.#maybeResumeProtocol(); // may write again
      if (this.closing) {
        this.backend._removeReader(this.end.fd);
        if (!this.lost) {
          this.lost = true;
          this.callConnectionLost(null);
        }
      }
      return;
    }
    this.#bufferSize -= n;
    // Drop what was written: whole chunks, then the head of the next one.
    let i = 0;
    while (n > 0 && n >= (buffer[i]).byteLength) n -= (buffer[i++]).byteLength;
    if (i > 0) buffer.splice(0, i);
    if (n > 0) buffer[0] = (buffer[0]).subarray(n);
  }

  #maybePauseProtocol(): void {
    if (this.#bufferSize <= this.#high || this.#protocolPaused) return;
    this.#protocolPaused = true;
    signalWriteFlow(this.host, this, this.protocol, 'pauseWriting');
  }

  #maybeResumeProtocol(): void {
    if (!this.#protocolPaused || this.#bufferSize > this.#low) return;
    this.#protocolPaused = false;
    signalWriteFlow(this.host, this, this.protocol, 'resumeWriting');
  }

  /** `true`: `writeEof()` closes the pipe once flushed. */
  canWriteEof(): boolean {
    return true;
  }

  /** Closes the pipe once the buffer is flushed (a pipe has no half-close); `connectionLost(null)` follows. Idempotent. */
  writeEof(): void {
    if (this.closing) return;
    this.closing = true;
    if (this.#buffer.length === 0) {
      this.backend._removeReader(this.end.fd);
      this.scheduleLost(null);
    }
  }

  /** Whether `close()`, `writeEof()` or `abort()` was called, or the pipe failed. */
  isClosing(): boolean {
    return this.closing;
  }

  /** As `writeEof()`: flushes, then closes. Idempotent. */
  close(): void {
    if (!this.closed && !this.closing) this.writeEof();
  }

  /** Closes at once, dropping buffered data; `connectionLost(null)` follows. Idempotent. */
  abort(): void {
    this.#close(null);
  }

  #fatalError(exc: unknown, message: string): void {
    if (isOsError(exc)) {
      if (this.host.getDebug()) getLogger().debug(`${this.toString()}: ${message}`, exc);
    } else {
      this.host.callExceptionHandler({ message, exception: exc, transport: this, protocol: this.protocol });
    }
    this.#close(exc);
  }

  #close(exc: unknown): void {
    this.closing = true;
    if (this.#buffer.length > 0) this.backend._removeWriter(this.end.fd);
    this.#buffer = [];
    this.#bufferSize = 0;
    this.backend._removeReader(this.end.fd);
    this.scheduleLost(exc);
  }

  /** An asyncio-style repr: `<SelectorWritePipeTransport fd=8 idle bufsize=0>` (`polling`, `closing`, `closed`). */
  override toString(): string {
    const state = this.closed ? 'closed' : this.closing ? 'closing' : this.#bufferSize > 0 ? `polling bufsize=${this.#bufferSize}` : 'idle bufsize=0';
    return describePipe('SelectorWritePipeTransport', this.end, state);
  }
}
