/**
 * `loop.sendfile()` (asyncio's `base_events.sendfile` and
 * `_sendfile_fallback`): sends a file over a stream transport.
 *
 * HOW. A backend with the optional `sendfileNative` hook (the selector's,
 * asyncio's `_sendfile_native`) is tried first, asyncio's `TRY_NATIVE` mode:
 * when it rejects with `SendfileNotAvailableError` (not its transport, no
 * `sockSendfile`, not a regular file) the fallback runs, or with
 * `fallback: false` the error is passed on. A backend without it (the
 * proactor: `sendfile(2)` needs the socket's fd, which Node's handles do not
 * lend out) is asyncio's `FALLBACK` mode: `fallback: false` rejects with
 * `SendfileNotAvailableError`, and otherwise the file is read in blocks of
 * 16 KiB (asyncio's block size for this path; `min(count, 16 KiB)`) on Node's
 * thread pool and written to the transport:
 *
 * ```text
 *   swap in FallbackProtocol (transport.setProtocol), pause reading
 *   loop: read block -> EOF? done -> drain (wait while paused) -> transport.write(block)
 *   finally: restore the protocol, resume reading if it was reading, re-sync write pausing
 * ```
 *
 * Flow control uses only the public transport API, as asyncio's
 * `_SendfileFallbackProtocol` does: the transport's protocol is temporarily
 * a wrapper that receives `pauseWriting` / `resumeWriting` (and forwards
 * `connectionLost` to the application's protocol). Before each write the
 * loop waits while the wrapper is paused, or while the buffer is above the
 * high-water mark (then the transport is paused whoever it told, so a
 * `resumeWriting` will come). asyncio reads the transport's private
 * `_protocol_paused`; here the wrapper learns it from an unpaired
 * `resumeWriting` or from a buffer above the high-water mark at the start.
 * On the way out the application's protocol is left in the state the
 * transport believes it is in: if the wrapper is paused at the end, the
 * application gets `pauseWriting()` (its `resumeWriting()` follows from the
 * transport); if the application was paused and the transport resumed
 * meanwhile, it gets `resumeWriting()` (asyncio's `_should_resume_writing`).
 * asyncio skips the first case, leaving the later `resumeWriting()` unpaired.
 *
 * The file position: asyncio seeks to `offset` first when `offset` is not 0
 * and to `offset + sent` at the end. Node has no `lseek`, for an fd or a
 * `FileHandle`: with `offset` 0 (the default) the file is read from its
 * current position, which therefore advances by the bytes sent, as in
 * asyncio for a file at position 0; with `offset` > 0 the reads are
 * positional (`pread`) and the file position does not move.
 *
 * @packageDocumentation
 */
import { read as fsRead } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import {
  Protocol,
  RuntimeError,
  SendfileNotAvailableError,
  describeValue,
  getBackend,
  loopError,
  type BaseProtocol,
  type IoBackend,
  type FileLike,
  type Future,
  type SchedulingLoop,
  type SendfileOptions,
  type Transport,
  type WriteTransport,
} from '@loop/interfaces';
import { optionsArg } from './args.js';

/** asyncio's block size in `_sendfile_fallback`: 16 KiB. */
export const SENDFILE_FALLBACK_BLOCK_SIZE = 16 * 1024;

function isFileHandle(file: unknown): file is FileHandle {
  return typeof file === 'object' && file !== null && typeof (file as FileHandle).read === 'function' && typeof (file as FileHandle).fd === 'number';
}

function isStreamTransport(t: unknown): t is Transport {
  const x = t as Partial<Record<keyof Transport, unknown>> | null;
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof x.write === 'function' &&
    typeof x.isClosing === 'function' &&
    typeof x.setProtocol === 'function' &&
    typeof x.getProtocol === 'function' &&
    typeof x.pauseReading === 'function' &&
    typeof x.resumeReading === 'function' &&
    typeof x.isReading === 'function' &&
    typeof x.getWriteBufferSize === 'function' &&
    typeof x.getWriteBufferLimits === 'function'
  );
}

function connectionError(message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code: 'ECONNRESET' });
}

/**
 * The transport's protocol while the file is sent (asyncio's
 * `_SendfileFallbackProtocol`): receives the write-pausing calls, forwards
 * `connectionLost` to the application's protocol.
 */
class FallbackProtocol extends Protocol {
  readonly #loop: SchedulingLoop;
  readonly #transport: Transport;
  readonly #proto: BaseProtocol;
  readonly #shouldResumeReading: boolean;
  #origPaused: boolean;
  #paused: boolean;
  #waiter: Future<void> | null = null;
  #lost: Error | null = null;

  constructor(loop: SchedulingLoop, transport: Transport) {
    super();
    this.#loop = loop;
    this.#transport = transport;
    this.#proto = transport.getProtocol();
    this.#shouldResumeReading = transport.isReading();
    // Above the high-water mark, the transport has paused its protocol.
    this.#origPaused = this.#paused = transport.getWriteBufferSize() > transport.getWriteBufferLimits()[1];
    transport.pauseReading();
    transport.setProtocol(this);
  }

  /**
   * Waits until the transport can take more (asyncio's `drain`): a closing
   * transport fails at once with `Connection closed by peer` (a write that
   * failed closed it); a wait the connection's loss ends fails with the
   * loss's error.
   */
  async drain(): Promise<void> {
    if (this.#transport.isClosing()) throw connectionError('Connection closed by peer');
    for (;;) {
      const [, high] = this.#transport.getWriteBufferLimits();
      if (!this.#paused && this.#transport.getWriteBufferSize() <= high) return;
      this.#waiter ??= this.#loop.createFuture<void>();
      await this.#waiter;
      if (this.#lost !== null) throw this.#lost;
      if (this.#transport.isClosing()) throw connectionError('Connection closed by peer');
    }
  }

  override connectionMade(): void {
    throw new RuntimeError('Invalid state: connection should have been established already.');
  }

  override connectionLost(exc: Error | null): void {
    this.#lost = exc ?? connectionError('Connection is closed by peer');
    this.#wake();
    this.#proto.connectionLost(exc);
  }

  override pauseWriting(): void {
    this.#paused = true;
  }

  override resumeWriting(): void {
    // A resume the wrapper did not pause: the application's protocol was paused.
    if (!this.#paused) this.#origPaused = true;
    this.#paused = false;
    this.#wake();
  }

  override dataReceived(): void {
    throw new RuntimeError('Invalid state: reading should be paused');
  }

  override eofReceived(): void {
    throw new RuntimeError('Invalid state: reading should be paused');
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = null;
    if (w !== null && !w.done()) w.setResult(undefined);
  }

  /** Gives the transport back to the application's protocol, in the pausing state the transport believes. */
  restore(): void {
    this.#transport.setProtocol(this.#proto);
    if (this.#shouldResumeReading && this.#lost === null && !this.#transport.isClosing()) this.#transport.resumeReading();
    const w = this.#waiter;
    this.#waiter = null;
    w?.cancel();
    if (this.#lost !== null) return;
    if (this.#paused && !this.#origPaused) this.#proto.pauseWriting();
    else if (!this.#paused && this.#origPaused) this.#proto.resumeWriting();
  }
}

function readBlock(file: FileLike, buffer: Buffer, position: number | null): Promise<number> {
  if (isFileHandle(file)) return file.read(buffer, 0, buffer.length, position).then((r) => r.bytesRead);
  return new Promise((resolve, reject) => {
    fsRead(file, buffer, 0, buffer.length, position, (err, n) => (err ? reject(err) : resolve(n)));
  });
}

async function sendfileFallback(loop: SchedulingLoop, transport: Transport, file: FileLike, offset: number, count: number | null): Promise<number> {
  let blocksize = count !== null ? Math.min(count, SENDFILE_FALLBACK_BLOCK_SIZE) : SENDFILE_FALLBACK_BLOCK_SIZE;
  let totalSent = 0;
  const proto = new FallbackProtocol(loop, transport);
  try {
    for (;;) {
      if (count !== null) {
        blocksize = Math.min(count - totalSent, blocksize);
        if (blocksize <= 0) return totalSent;
      }
      // A fresh buffer per block: the transport may keep a reference to what it was given.
      const block = Buffer.allocUnsafe(blocksize);
      const n = await readBlock(file, block, offset > 0 ? offset + totalSent : null);
      if (n === 0) return totalSent; // EOF
      await proto.drain();
      transport.write(n === blocksize ? block : block.subarray(0, n));
      totalSent += n;
    }
  } finally {
    proto.restore();
  }
}

function fallbackDisabled(transport: WriteTransport): SendfileNotAvailableError {
  return new SendfileNotAvailableError(
    `sendfile(): the sendfile system call is not available for transport ${describeValue(transport)} on this loop, and fallback is disabled`,
  );
}

/** asyncio's `TRY_NATIVE` mode: the backend's native path, falling back when it is not available (unless `fallback` is off). */
async function sendfileTryNative(
  loop: SchedulingLoop,
  backend: IoBackend,
  transport: Transport,
  file: FileLike,
  offset: number,
  count: number | null,
  fallback: boolean,
): Promise<number> {
  try {
    return await (backend.sendfileNative as NonNullable<IoBackend['sendfileNative']>)(transport, file, offset, count);
  } catch (err) {
    if (!(err instanceof SendfileNotAvailableError) || !fallback) throw err;
  }
  return sendfileFallback(loop, transport, file, offset, count);
}

/**
 * `loop.sendfile()` (called with `this` = the loop): sends `count` bytes of
 * `file` (to its end when `count` is `null` or omitted) from `offset` over
 * the stream `transport`, and resolves to the number of bytes sent.
 *
 * A backend with a native path (`IoBackend.sendfileNative`) sends with
 * `sendfile(2)`; when that path is not available, with `fallback: false` it
 * rejects with `SendfileNotAvailableError`; otherwise it
 * reads and writes in 16 KiB blocks, honouring the transport's write flow
 * control (the file header says how). While it runs, the transport's protocol
 * is a stand-in: reading is paused and `connectionLost` still reaches the
 * application's protocol.
 *
 * The file position: with `offset` 0 the file (an fd or a `FileHandle`) is
 * read from its current position, which advances by the bytes sent; with
 * `offset` > 0 the reads are positional and the position does not move
 * (Node has no `lseek`; asyncio would leave it at `offset + sent`).
 *
 * Rejects (never throws): `RuntimeError` `Transport is closing`;
 * `RuntimeError` when the transport is not a stream transport (asyncio:
 * `sendfile is not supported for transport ...`); `TypeError` for a `file`
 * that is neither an fd nor a `FileHandle`; `TypeError` / `RangeError` for an
 * `offset` that is not a non-negative integer or a `count` that is not a
 * positive integer (asyncio's `_check_sendfile_params` messages); when the
 * connection fails or closes during the transfer, on the read-and-write path
 * `Connection closed by peer` (code `ECONNRESET`, asyncio's
 * `ConnectionError`) once a write failed, or the loss's own error
 * (`ECONNRESET`, `EPIPE`) when it ended a wait for the buffer to drain, and
 * on the native path the `sendfile(2)` error; the file system's error when a
 * read fails.
 */
export function sendfile(
  this: SchedulingLoop,
  transport: WriteTransport,
  file: FileLike,
  offset: number = 0,
  count: number | null = null,
  options?: SendfileOptions | null,
): Promise<number> {
  try {
    const opts = optionsArg('sendfile', options);
    if (typeof (transport as Partial<WriteTransport> | null)?.isClosing === 'function' && transport.isClosing()) {
      throw new RuntimeError('Transport is closing');
    }
    if (!isStreamTransport(transport)) {
      throw new RuntimeError(`sendfile is not supported for transport ${describeValue(transport)}`);
    }
    if (!(typeof file === 'number' && Number.isInteger(file) && file >= 0) && !isFileHandle(file)) {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `sendfile(): file must be a file descriptor or a FileHandle, got ${describeValue(file)}`);
    }
    if (count !== null && count !== undefined) {
      if (typeof count !== 'number' || !Number.isInteger(count)) {
        throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `count must be a positive integer (got ${describeValue(count)})`);
      }
      if (count <= 0) throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `count must be a positive integer (got ${count})`);
    }
    if (typeof offset !== 'number' || !Number.isInteger(offset)) {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `offset must be a non-negative integer (got ${describeValue(offset)})`);
    }
    if (offset < 0) throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `offset must be a non-negative integer (got ${offset})`);
    const backend = getBackend(this);
    if (backend !== null && typeof backend.sendfileNative === 'function') {
      return sendfileTryNative(this, backend, transport, file, offset, count ?? null, opts.fallback !== false);
    }
    if (opts.fallback === false) throw fallbackDisabled(transport);
    return sendfileFallback(this, transport, file, offset, count ?? null);
  } catch (err) {
    return Promise.reject(err);
  }
}
