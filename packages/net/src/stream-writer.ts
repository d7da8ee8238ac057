/**
 * `StreamReaderProtocol` and `StreamWriter`: the protocol that feeds a
 * `StreamReader` from a transport, and the writing half of a stream
 * (asyncio's `streams.py`).
 *
 * HOW. The protocol is the transport's only listener:
 *
 * ```text
 *   connectionMade(tr)  -> reader.setTransport(tr); for a server, make the
 *                          writer and call clientConnectedCb(reader, writer)
 *                          (a coroutine or promise it returns runs as a task)
 *   dataReceived(data)  -> reader.feedData(data)
 *   eofReceived()       -> reader.feedEof(); true (keep the write side open),
 *                          false over TLS (which cannot half-close)
 *   pauseWriting()      -> paused: drain() waits
 *   resumeWriting()     -> every waiting drain() completes
 *   connectionLost(e)   -> reader.feedEof() or reader.setException(e); the
 *                          closed future completes (waitClosed); drains
 *                          waiting while paused complete or fail with e
 * ```
 *
 * `drain()` is asyncio 3.11's: the reader's exception if any; when the
 * transport is closing, one iteration given up first (so `connectionLost`
 * can run and a write loop sees the error); `ConnectionResetError`
 * (`ECONNRESET`, `Connection lost`) once the connection is lost; otherwise
 * at once unless writing is paused, then a waiter that `resumeWriting` or
 * `connectionLost` completes. The waiter is the future `drain()` returns, so
 * the task wakes in the iteration after `resumeWriting`, as in asyncio.
 *
 * WHY strong references: asyncio holds the reader weakly so that an
 * abandoned stream can be collected and reported; JavaScript has no
 * destructor to report from, so the protocol keeps the reader until the
 * connection is lost.
 */
import { constants as osConstants } from 'node:os';
import { Future, getEventLoop, isCoroutine, type BaseEventLoop, type Task } from '@loop/core';
import {
  Protocol,
  isThenable,
  loopError,
  systemError,
  type NetMethods,
  type SslContext,
  type Transport,
  type TransportExtraInfo,
} from '@loop/interfaces';
import { optionsArg } from './args.js';
import { repr, type StreamReader } from './stream-reader.js';

/** The constructor of `async function`s. */
const AsyncFunction = (async () => {}).constructor;

/** What `startServer` calls for each connection: a plain callback, or one returning a coroutine or a promise (run as a task); an async function runs as a task from its first line. */
export type ClientConnectedCallback = (reader: StreamReader, writer: StreamWriter) => unknown;

/** Options of `StreamWriter.startTls`. */
export interface StreamStartTlsOptions {
  /** The host name to check the server's certificate against (client side). */
  serverHostname?: string | null;
  /** Seconds to wait for the handshake; 60 when omitted. */
  sslHandshakeTimeout?: number | null;
}

type ConnectionState = 'open' | 'lost';

function connectionLostError(): Error {
  return systemError('ECONNRESET', 'Connection lost', { errno: -osConstants.errno.ECONNRESET });
}

/**
 * The protocol between a transport and a `StreamReader` / `StreamWriter`
 * (asyncio's `StreamReaderProtocol`, with `FlowControlMixin`'s drain
 * logic). Made by `openConnection` / `startServer`; make one yourself to
 * put streams on a transport of your own.
 */
export class StreamReaderProtocol extends Protocol {
  readonly #loop: BaseEventLoop;
  #reader: StreamReader | null;
  #overSsl = false;
  #paused = false;
  #connection: ConnectionState = 'open';
  #drainWaiters: Future<void>[] = [];
  readonly #closed: Future<void>;
  /** `startServer`'s callback; `null` on the client side. */
  readonly clientConnectedCb: ClientConnectedCallback | null;

  /**
   * @param reader - the reader to feed (`null`: none; data is dropped).
   * @param clientConnectedCb - for a server: called with the reader and a new
   *   writer once the connection is made.
   * @param loop - the loop; the reader's, else `getEventLoop()`.
   */
  constructor(reader: StreamReader | null, clientConnectedCb: ClientConnectedCallback | null = null, loop?: BaseEventLoop) {
    super();
    this.#reader = reader;
    this.clientConnectedCb = clientConnectedCb;
    this.#loop = loop ?? reader?._loop ?? getEventLoop();
    this.#closed = this.#loop.createFuture<void>();
  }

  /** The transport changed under the writer (`StreamWriter.startTls`). */
  _replaceWriter(writer: StreamWriter): void {
    this.#overSsl = writer.transport.getExtraInfo('sslcontext') != null;
  }

  override connectionMade(transport: Transport): void {
    const reader = this.#reader;
    if (reader !== null) reader.setTransport(transport);
    this.#overSsl = transport.getExtraInfo('sslcontext') != null;
    const cb = this.clientConnectedCb;
    if (cb === null) return;
    const writer = new StreamWriter(transport, this, reader, this.#loop);
    const loop = this.#loop;
    let task: Task<unknown>;
    if (cb.constructor === AsyncFunction) {
      // An async function runs its body inside the task, from the task's first
      // step, as asyncio's coroutine does: so `timeout()`, `currentTask()` and
      // cancellation work in the handler from its first line.
      task = loop.createTask(() => cb(reader!, writer) as Promise<unknown>);
    } else {
      const res = cb(reader!, writer);
      if (!isCoroutine(res) && !isThenable(res)) return;
      task = isCoroutine(res) ? loop.createTask(res) : loop.createTask(() => res);
    }
    task.addDoneCallback((t) => {
      // Python 3.12's rule: a cancelled handler closes the connection quietly.
      if (t.cancelled()) {
        transport.close();
        return;
      }
      const exc = t.exception();
      if (exc !== null) {
        loop.callExceptionHandler({ message: 'Unhandled exception in client_connected_cb', exception: exc, transport });
        transport.close();
      }
    });
  }

  override connectionLost(exc: Error | null): void {
    const reader = this.#reader;
    if (reader !== null) {
      if (exc === null) reader.feedEof();
      else reader.setException(exc);
    }
    const closed = this.#closed;
    if (!closed.done()) {
      if (exc === null) closed.setResult(undefined);
      else {
        closed.setException(exc);
        // asyncio's __del__ retrieves it: an unawaited waitClosed() is not an error.
        closed.exception();
      }
    }
    // FlowControlMixin.connection_lost: wake the writers if paused.
    this.#connection = 'lost';
    if (this.#paused) {
      for (const w of this.#drainWaiters) {
        if (w.done()) continue;
        if (exc === null) w.setResult(undefined);
        else w.setException(exc);
      }
      this.#drainWaiters = [];
    }
    this.#reader = null;
  }

  override dataReceived(data: Buffer): void {
    this.#reader?.feedData(data);
  }

  override eofReceived(): boolean {
    this.#reader?.feedEof();
    // TLS cannot half-close: returning true would only draw a warning.
    return !this.#overSsl;
  }

  override pauseWriting(): void {
    this.#paused = true;
  }

  override resumeWriting(): void {
    this.#paused = false;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const w of waiters) if (!w.done()) w.setResult(undefined);
  }

  /** @internal asyncio's `_drain_helper`, as a future: done at once unless paused. */
  _drainHelper(): Future<void> | null {
    if (this.#connection === 'lost') return failedFuture(this.#loop, connectionLostError());
    if (!this.#paused) return null;
    const waiter = this.#loop.createFuture<void>();
    this.#drainWaiters.push(waiter);
    return waiter;
  }

  /** @internal The future `StreamWriter.waitClosed()` returns. */
  _getCloseWaiter(): Future<void> {
    return this.#closed;
  }

  /** @internal The loop of this protocol. */
  get _loop(): BaseEventLoop {
    return this.#loop;
  }

  /** A short repr: `<StreamReaderProtocol>`, `paused` while writing is paused. */
  override toString(): string {
    return `<StreamReaderProtocol${this.#paused ? ' paused' : ''}>`;
  }
}

/**
 * The writing half of a stream (asyncio's `StreamWriter`): a thin wrapper of
 * the transport that adds `drain()` (flow control), `waitClosed()` and
 * `startTls()`.
 */
export class StreamWriter {
  #transport: Transport;
  readonly #protocol: StreamReaderProtocol;
  readonly #reader: StreamReader | null;
  readonly #loop: BaseEventLoop;
  /** A done future, returned by `drain()` when there is nothing to wait for. */
  readonly #complete: Future<void>;

  /**
   * Wraps `transport`, whose protocol is `protocol`; `reader` (may be `null`)
   * is the reader of the same connection, whose exception `drain()` reports.
   */
  constructor(transport: Transport, protocol: StreamReaderProtocol, reader: StreamReader | null, loop: BaseEventLoop) {
    this.#transport = transport;
    this.#protocol = protocol;
    this.#reader = reader;
    this.#loop = loop;
    this.#complete = loop.createFuture<void>();
    this.#complete.setResult(undefined);
  }

  /** The transport written to (a new one after `startTls`). */
  get transport(): Transport {
    return this.#transport;
  }

  /**
   * Writes `data` to the transport at once (buffered there if need be); call
   * `drain()` to wait for the buffer to go down.
   *
   * @throws TypeError when `data` is not a `Uint8Array` (a `string` included).
   */
  write(data: Uint8Array): void {
    if (!(data instanceof Uint8Array)) {
      throw loopError(
        TypeError,
        'ERR_LOOP_INVALID_ARG',
        `StreamWriter.write(): data must be a bytes-like object (Uint8Array, Buffer), not ${typeof data}`,
      );
    }
    this.#transport.write(data);
  }

  /** Writes each chunk of `data`, in order. @throws TypeError for a chunk that is not a `Uint8Array`. */
  writelines(data: Iterable<Uint8Array>): void {
    this.#transport.writelines(data);
  }

  /** Closes the write end after the buffered data (a half-close). @throws as the transport's `writeEof`. */
  writeEof(): void {
    this.#transport.writeEof();
  }

  /** Whether the transport supports `writeEof()`. */
  canWriteEof(): boolean {
    return this.#transport.canWriteEof();
  }

  /** Closes the transport (buffered data is flushed first). */
  close(): void {
    this.#transport.close();
  }

  /** Whether the transport is closing or closed. */
  isClosing(): boolean {
    return this.#transport.isClosing();
  }

  /**
   * A future done when the connection is lost: with no value after a clean
   * close, failing with the connection's error otherwise. (As in asyncio it
   * is the protocol's own future: cancelling the task that awaits it cancels
   * it.)
   */
  waitClosed(): Future<void> {
    return this.#protocol._getCloseWaiter();
  }

  /** The transport's extra information (`peername`, `sockname`, `socket`, `sslcontext`, ...), `defaultValue` when absent. */
  getExtraInfo<K extends keyof TransportExtraInfo>(name: K, defaultValue?: TransportExtraInfo[K] | null): TransportExtraInfo[K] | null;
  getExtraInfo(name: string, defaultValue?: unknown): unknown;
  getExtraInfo(name: string, defaultValue: unknown = null): unknown {
    return this.#transport.getExtraInfo(name, defaultValue);
  }

  /**
   * Waits until it is fine to write again: `await writer.drain()` after
   * `write()`. Done at once unless the transport paused writing; fails with
   * the reader's exception when there is one, and with `ECONNRESET`
   * (`Connection lost`) once the connection is lost. When the transport is
   * closing, gives up one loop iteration first so that the loss is seen.
   */
  drain(): Future<void> {
    const exc = this.#reader?.exception() ?? null;
    if (exc !== null) return failedFuture(this.#loop, exc);
    if (!this.#transport.isClosing()) return this.#protocol._drainHelper() ?? this.#complete;
    // asyncio: `await sleep(0)` so that connection_lost() may run, then the helper.
    const fut = this.#loop.createFuture<void>();
    this.#loop.callSoon(() => {
      if (fut.done()) return;
      const helper = this.#protocol._drainHelper();
      if (helper === null) fut.setResult(undefined);
      else chain(helper, fut);
    });
    return fut;
  }

  /**
   * Upgrades the connection to TLS (asyncio 3.11's `StreamWriter.start_tls`):
   * drains, then `loop.startTls()` on the transport (server side when this
   * writer came from `startServer`); the reader and writer then carry the
   * TLS stream. Resolves when the handshake is done.
   */
  startTls(sslcontext: SslContext, options?: StreamStartTlsOptions | null): Future<void> {
    const loop = this.#loop;
    const protocol = this.#protocol;
    const serverSide = protocol.clientConnectedCb !== null;
    const self = this;
    return loop.createTask(function* startTls() {
      const opts = optionsArg('StreamWriter.startTls', options);
      yield* self.drain();
      const promise = (loop as unknown as NetMethods).startTls(self.#transport, protocol, sslcontext, {
        serverSide,
        serverHostname: opts.serverHostname,
        sslHandshakeTimeout: opts.sslHandshakeTimeout,
      });
      const fut = loop.createFuture<Transport>();
      promise.then(
        (tr) => {
          if (!fut.done()) fut.setResult(tr);
          else tr.close();
        },
        (err: unknown) => {
          if (!fut.done()) fut.setException(err);
        },
      );
      self.#transport = yield* fut;
      protocol._replaceWriter(self);
    });
  }

  /** asyncio's repr: `<StreamWriter transport=... reader=...>`. */
  toString(): string {
    const info = ['StreamWriter', `transport=${repr(this.#transport)}`];
    if (this.#reader !== null) info.push(`reader=${this.#reader.toString()}`);
    return `<${info.join(' ')}>`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

function failedFuture(loop: BaseEventLoop, exc: unknown): Future<void> {
  const fut = loop.createFuture<void>();
  fut.setException(exc);
  return fut;
}

/** Completes `to` as `from` completes (cancelling `to` cancels `from`). */
function chain(from: Future<void>, to: Future<void>): void {
  from.addDoneCallback(() => {
    if (to.done()) return;
    if (from.cancelled()) to.cancel();
    else {
      const exc = from.exception();
      if (exc !== null) to.setException(exc);
      else to.setResult(undefined);
    }
  });
  to.addDoneCallback(() => {
    if (to.cancelled()) from.cancel();
  });
}

