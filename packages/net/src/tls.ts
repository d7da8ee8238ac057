/**
 * TLS over any stream transport (asyncio's `sslproto.py`): {@link SslProtocol}
 * is the protocol of a raw transport (TCP, Unix, a pipe, another TLS
 * transport) and runs Node's TLS over it; the application protocol sees
 * {@link SslProtocol.appTransport}. {@link startTls} is `loop.startTls()`.
 *
 * HOW. Node's `tls.TLSSocket` needs a stream to sit on; here it is a
 * `stream.Duplex` adapter whose two ends are the raw transport:
 *
 * ```text
 *   raw transport --dataReceived--> adapter.push() --> TLSSocket --'data'--> read queue --callSoon--> app dataReceived
 *   app write() --> TLSSocket.write() --> adapter._write() --> raw transport.write()     (held while the raw one is paused)
 *   raw eofReceived --> adapter.push(null)        raw connectionLost --> app connectionLost (callSoon, once)
 * ```
 *
 * The client side is `tls.connect({ socket: adapter, ... })` (which verifies
 * the peer's chain and name); the server side is `new tls.TLSSocket(adapter,
 * { isServer: true, ... })`. Node's TLS events only record what happened and
 * schedule the work with `loop.callSoon` (ADR 0002 §3), so application
 * callbacks run in loop iterations.
 *
 * The state machine is asyncio's:
 *
 * ```text
 *   UNWRAPPED -connectionMade-> HANDSHAKE -ok-> WRAPPED -close()/close_notify/EOF-> FLUSHING -> SHUTDOWN
 *        ^--------------- handshake failure, abort(), connection lost ---------------------------'
 *   app:  init -connectionMade-> made [-dataReceived*] [-eofReceived-> eof] -connectionLost-> lost
 * ```
 *
 * - Handshake: a timer of `sslHandshakeTimeout` seconds (60) aborts the raw
 *   transport with an `ECONNABORTED` error (asyncio's `ConnectionAbortedError`,
 *   `SSL handshake is taking longer than N seconds: aborting the connection`).
 *   On success `appProtocol.connectionMade(appTransport)` runs (unless
 *   `callConnectionMade: false`, as `startTls` passes), then the waiter's
 *   result is set. On failure the waiter gets Node's TLS error (`code` such as
 *   `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, `ERR_TLS_CERT_ALTNAME_INVALID`) and the
 *   raw transport is aborted. TLS and connection errors are the counterpart
 *   of Python's `OSError`s and, as there, are not sent to the exception
 *   handler; an application callback that throws is (with `protocol` = this
 *   `SslProtocol` and `transport` = the raw transport) and the connection is
 *   aborted with it.
 * - Shutdown: `close()` sends what was written, then close_notify, and waits
 *   (at most `sslShutdownTimeout` seconds, 30, else the raw transport is
 *   aborted and `connectionLost` gets a `TimeoutError`) for the peer's
 *   close_notify or the raw EOF; then the application's `eofReceived()` (as
 *   asyncio's `_do_shutdown` calls it) and the raw transport closes. A peer's
 *   close_notify or a raw EOF delivers the data before it, then
 *   `eofReceived()`, then the same shutdown.
 * - Write flow control counts the plaintext accepted by `write()` and not
 *   yet handed, encrypted, to the raw transport: what was queued before the
 *   handshake ended plus the TLS socket's `writableLength` (while the raw
 *   transport has paused us, the adapter holds the ciphertext back, so the
 *   TLS socket's writes stay pending). `pauseWriting()` at `>= high`
 *   (512 KiB), `resumeWriting()` at `<= low` (128 KiB), checked after each
 *   write and each completed TLS write. One difference from asyncio (D45): Node
 *   completes a TLS write one `setImmediate` after the raw transport took it,
 *   so a single write of `high` bytes or more pauses the protocol and
 *   resumes it an iteration later even when the raw transport took it all.
 *   Once the raw connection is lost the application hears nothing more: a
 *   TLS write completing after the loss does not resume it.
 * - Read flow control: `pauseReading()` stops delivery and pauses the
 *   TLSSocket; the adapter's buffer then fills and the raw transport is
 *   paused, until the adapter is read again.
 *
 * WHY Node's TLS rather than OpenSSL memory BIOs as asyncio does: Node has
 * no BIO API; a `TLSSocket` over a `Duplex` is the public way to run TLS
 * over bytes that are not a socket, and it gives Node's verification,
 * ALPN, SNI and session handling unchanged. It costs one copy through the
 * adapter (ADR 0002 §4).
 *
 * @packageDocumentation
 */
import { constants as osConstants } from 'node:os';
import { Duplex } from 'node:stream';
import { isNativeError } from 'node:util/types';
import { TLSSocket, connect as tlsConnect, type PeerCertificate, type SecureContext } from 'node:tls';
import { getLogger } from '@loop/core';
import {
  CancelledError,
  LOG_THRESHOLD_FOR_CONNLOST_WRITES,
  Protocol,
  RuntimeError,
  TimeoutError,
  describeValue,
  feedBufferedProtocol,
  isBufferedProtocol,
  loopError,
  systemError,
  resolveWriteBufferLimits,
  type BaseProtocol,
  type BaseTransport,
  type Future,
  type SchedulingLoop,
  type SslContext,
  type StartTlsOptions,
  type TimerHandle,
  type Transport,
  type WriteBufferLimits,
} from '@loop/interfaces';
import { optionsArg } from './args.js';
import { peerVerifyError } from './internal/node-private.js';
import { cipherBits, clientOptions, isSslContext, secureContextOf, serverOptions } from './tls-context.js';
import { SslTransport, type SslProtocolLike } from './tls-transport.js';

/** asyncio's `constants.SSL_HANDSHAKE_TIMEOUT`: 60 seconds. */
export const SSL_HANDSHAKE_TIMEOUT = 60;
/** asyncio's `constants.SSL_SHUTDOWN_TIMEOUT`: 30 seconds. */
export const SSL_SHUTDOWN_TIMEOUT = 30;
/** asyncio's `FLOW_CONTROL_HIGH_WATER_SSL_WRITE`: the default high-water mark of a TLS transport, 512 KiB. */
export const SSL_WRITE_HIGH_WATER = 512 * 1024;
/** asyncio's `FLOW_CONTROL_HIGH_WATER_SSL_READ`: ciphertext buffered before the raw transport is paused, 256 KiB. */
const SSL_READ_HIGH_WATER = 256 * 1024;

/** Options of {@link SslProtocol}. */
export interface SslProtocolOptions {
  /** `true` on the server side of the connection. */
  serverSide: boolean;
  /** The host name to check the certificate against (client side). */
  serverHostname?: string | null;
  /** Seconds before the handshake is aborted; 60 when omitted. */
  sslHandshakeTimeout?: number | null;
  /** Seconds before the shutdown is aborted; 30 when omitted. */
  sslShutdownTimeout?: number | null;
  /** Whether to call `appProtocol.connectionMade()` after the handshake (`true`; `startTls` passes `false`). */
  callConnectionMade?: boolean;
}

/** The TLS states of asyncio's `SSLProtocolState`. */
export type SslProtocolState = 'unwrapped' | 'handshake' | 'wrapped' | 'flushing' | 'shutdown';
type AppState = 'init' | 'made' | 'eof' | 'lost';

const EOF = Symbol('EOF');
type ReadItem = Buffer | typeof EOF;

/** A connection error of the TLS layer (asyncio's `ConnectionResetError`, `ConnectionAbortedError`). */
function connectionError(code: 'ECONNABORTED' | 'ECONNRESET', message: string): Error {
  return systemError(code, message, { errno: -osConstants.errno[code] });
}

function checkTimeout(name: string, value: number | null | undefined, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number') throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${name} must be a number, got ${typeof value}`);
  if (!(value > 0)) throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `${name} should be a positive number, got ${value}`);
  return value;
}

/**
 * The protocol that sits on a raw stream transport and runs TLS over it
 * (asyncio's `SSLProtocol`); the application protocol sees
 * {@link SslProtocol.appTransport}. `createConnection({ ssl })`,
 * `createServer({ ssl })` and {@link startTls} build on it: make it with the
 * application protocol and a waiter, give it to the raw transport as its
 * protocol, and await the waiter (the handshake).
 */
export class SslProtocol extends Protocol implements SslProtocolLike {
  /** The transport the application protocol uses. */
  readonly appTransport!: Transport;

  readonly #loop: SchedulingLoop;
  readonly #sslcontext: SslContext | true;
  readonly #secureContext: SecureContext;
  readonly #serverSide: boolean;
  readonly #serverHostname: string | null;
  readonly #handshakeTimeout: number;
  readonly #shutdownTimeout: number;
  readonly #extra = new Map<string, unknown>();
  readonly #app$: SslTransport;
  #app: BaseProtocol;
  #waiter: Future<void> | null;
  #raw: Transport | null = null;
  #tls: TLSSocket | null = null;
  #adapter: Duplex | null = null;
  #state: SslProtocolState = 'unwrapped';
  #appState: AppState;
  #connLost = 0;
  /** The raw connection was lost (`connectionLost` ran). */
  #rawLost = false;
  #fatalExc: Error | null = null;
  #handshakeTimer: TimerHandle | null = null;
  #shutdownTimer: TimerHandle | null = null;
  // writing
  #backlog: Uint8Array[] = [];
  #backlogSize = 0;
  #held: [Buffer, (err?: Error | null) => void] | null = null;
  #sslWritingPaused = false;
  #appWritingPaused = false;
  #writeCheckScheduled = false;
  #high = SSL_WRITE_HIGH_WATER;
  #low = SSL_WRITE_HIGH_WATER / 4;
  // reading
  readonly #readQueue: ReadItem[] = [];
  #deliveryScheduled = false;
  #appReadingPaused = false;
  #sslReadingPaused = false;
  #dropIncoming = false;
  #peerClosed = false;
  #rawEof = false;
  #closeNotifySent = false;

  /**
   * @param loop - the loop the connection runs on.
   * @param appProtocol - the application's protocol (a `Protocol` or a `BufferedProtocol`).
   * @param sslcontext - a `tls.SecureContext`, TLS options, or `true` (client side only: Node's default CAs).
   * @param waiter - completed when the handshake ends: result on success, Node's TLS error on failure.
   * @param options - side, server name, timeouts, and whether to call `connectionMade`.
   * @throws RangeError for a timeout that is not positive, or `true` on the server side
   *   (`Server side SSL needs a valid SSLContext`).
   */
  constructor(
    loop: SchedulingLoop,
    appProtocol: BaseProtocol,
    sslcontext: SslContext | true,
    waiter: Future<void> | null,
    options: SslProtocolOptions,
  ) {
    super();
    this.#handshakeTimeout = checkTimeout('sslHandshakeTimeout', options.sslHandshakeTimeout, SSL_HANDSHAKE_TIMEOUT);
    this.#shutdownTimeout = checkTimeout('sslShutdownTimeout', options.sslShutdownTimeout, SSL_SHUTDOWN_TIMEOUT);
    this.#serverSide = options.serverSide === true;
    if ((sslcontext as unknown) === true || !sslcontext) {
      if (this.#serverSide) throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', 'Server side SSL needs a valid SSLContext');
      sslcontext = true;
    }
    const hostname = options.serverHostname;
    this.#serverHostname = !this.#serverSide && typeof hostname === 'string' && hostname !== '' ? hostname : null;
    this.#loop = loop;
    this.#sslcontext = sslcontext;
    this.#secureContext = secureContextOf(sslcontext);
    this.#extra.set('sslcontext', this.#secureContext);
    this.#waiter = waiter;
    this.#app = appProtocol;
    this.#appState = options.callConnectionMade === false ? 'made' : 'init';
    this.#app$ = new SslTransport(this);
    (this as { appTransport: Transport }).appTransport = this.#app$;
  }

  // ------------------------------------------------------------------ the raw transport's protocol

  /** The raw connection is made: starts the handshake. */
  override connectionMade(transport: Transport): void {
    this.#raw = transport;
    this.#startHandshake();
  }

  /** Raw data: fed to the TLS socket (ciphertext). */
  override dataReceived(data: Buffer): void {
    const adapter = this.#adapter;
    if (adapter === null || adapter.destroyed || this.#rawEof) return;
    if (!adapter.push(data) && !this.#sslReadingPaused && this.#raw !== null) {
      this.#sslReadingPaused = true;
      this.#raw.pauseReading();
    }
  }

  /**
   * The raw transport's EOF. During the handshake it fails it
   * (`ECONNRESET`) and lets the raw transport close; afterwards it is passed
   * to the TLS socket, and the raw transport is kept open (`true`) until the
   * shutdown closes it.
   */
  override eofReceived(): boolean {
    if (this.#state === 'handshake') {
      this.#onHandshakeComplete(connectionError('ECONNRESET', 'Connection lost during the TLS handshake (EOF from the peer)'));
      return false;
    }
    this.#rawEof = true;
    const adapter = this.#adapter;
    if (adapter !== null && !adapter.destroyed) adapter.push(null);
    this.#maybeFinishShutdown();
    return true;
  }

  /** The raw connection is gone: the application's `connectionLost` follows, once. */
  override connectionLost(exc: Error | null): void {
    let err = exc ?? this.#fatalExc;
    // Data already decrypted is delivered first (asyncio decrypts and delivers in one step),
    // unless the connection is ending because of an error of ours.
    if (this.#fatalExc === null && this.#state !== 'handshake' && this.#appState === 'made' && !this.#appReadingPaused) this.#deliver(true);
    // A handshake cut short without an error (the raw transport closed here) fails the
    // waiter rather than completing it as asyncio does (D46: no connectionMade ran).
    if (err === null && this.#state === 'handshake') err = connectionError('ECONNRESET', 'Connection lost during the TLS handshake');
    this.#readQueue.length = 0;
    this.#backlog = [];
    this.#backlogSize = 0;
    this.#held = null;
    this.#connLost++;
    this.#rawLost = true;
    this.#app$._markClosed();
    if (this.#state !== 'handshake' && (this.#appState === 'made' || this.#appState === 'eof')) {
      this.#appState = 'lost';
      const app = this.#app;
      this.#soon(() => app.connectionLost(err));
    }
    this.#state = 'unwrapped';
    this.#raw = null;
    this.#wakeupWaiter(err);
    this.#handshakeTimer?.cancel();
    this.#handshakeTimer = null;
    this.#shutdownTimer?.cancel();
    this.#shutdownTimer = null;
    this.#destroyTls();
  }

  /** The raw transport's buffer went over its high-water mark: ciphertext is held. */
  override pauseWriting(): void {
    this.#sslWritingPaused = true;
  }

  /** The raw transport drained: held ciphertext goes out, and the application may resume. */
  override resumeWriting(): void {
    this.#sslWritingPaused = false;
    const held = this.#held;
    if (held !== null) {
      this.#held = null;
      this.#raw?.write(held[0]);
      held[1]();
    }
    this.#controlAppWriting();
  }

  // ------------------------------------------------------------------ handshake

  #startHandshake(): void {
    this.#state = 'handshake';
    this.#handshakeTimer = this.#loop.callLater(this.#handshakeTimeout, () => this.#checkHandshakeTimeout());
    const adapter = new Duplex({
      allowHalfOpen: true,
      readableHighWaterMark: SSL_READ_HIGH_WATER,
      read: () => this.#adapterRead(),
      write: (chunk: Buffer, _enc, cb) => this.#adapterWrite(chunk, cb),
      final: (cb) => cb(),
    });
    adapter.on('error', () => {});
    this.#adapter = adapter;
    let sock: TLSSocket;
    try {
      sock = this.#serverSide
        ? new TLSSocket(adapter, serverOptions(this.#sslcontext, this.#secureContext))
        : tlsConnect(clientOptions(this.#sslcontext, this.#secureContext, this.#serverHostname, adapter));
    } catch (err) {
      this.#onHandshakeComplete(err as Error);
      return;
    }
    this.#tls = sock;
    if (this.#appReadingPaused) sock.pause();
    sock.on(this.#serverSide ? 'secure' : 'secureConnect', () => this.#soon(() => this.#onHandshakeComplete(null)));
    sock.on('data', (chunk: Buffer) => this.#onTlsRead(chunk));
    sock.on('end', () => this.#onTlsRead(EOF));
    sock.on('finish', () => {
      this.#closeNotifySent = true;
      this.#soon(() => this.#maybeFinishShutdown());
    });
    sock.on('error', (err: Error) => this.#soon(() => this.#onTlsError(err)));
  }

  #checkHandshakeTimeout(): void {
    this.#handshakeTimer = null;
    if (this.#state !== 'handshake') return;
    const msg = `SSL handshake is taking longer than ${this.#handshakeTimeout} seconds: aborting the connection`;
    this.#fatalError(connectionError('ECONNABORTED', msg), msg, false);
  }

  #onHandshakeComplete(exc: Error | null): void {
    if (this.#state !== 'handshake') return;
    this.#handshakeTimer?.cancel();
    this.#handshakeTimer = null;
    const sock = this.#tls;
    if (exc === null && sock !== null) exc = this.#verifyClientCertificate(sock);
    if (exc !== null || sock === null) {
      const err = exc ?? connectionError('ECONNRESET', 'TLS handshake failed');
      this.#state = 'unwrapped';
      this.#fatalError(err, /CERT|HOSTNAME|ALTNAME|VERIFY/i.test(String((err as { code?: unknown }).code)) ? 'SSL handshake failed on verifying the certificate' : 'SSL handshake failed', false);
      this.#wakeupWaiter(err);
      return;
    }
    this.#state = 'wrapped';
    const cert = sock.getPeerCertificate() as PeerCertificate | Record<string, never> | null;
    const cipher = sock.getCipher();
    this.#extra.set('peercert', cert !== null && Object.keys(cert).length > 0 ? cert : null);
    this.#extra.set('cipher', [cipher.name, sock.getProtocol() ?? cipher.version, cipherBits(cipher.standardName ?? cipher.name) ?? cipherBits(cipher.name)]);
    this.#extra.set('compression', null);
    this.#extra.set('ssl_object', sock);
    if (this.#appState === 'init') {
      this.#appState = 'made';
      try {
        this.#app.connectionMade(this.#app$);
      } catch (err) {
        this.#fatalError(err, 'Fatal error: protocol.connectionMade() call failed.', true);
        return;
      }
    }
    this.#wakeupWaiter(null);
    if (this.#backlog.length > 0) this.#doWrite();
    this.#deliver(false);
  }

  /** Server side with `requestCert` and `rejectUnauthorized`: the client's chain must verify (Python's `CERT_REQUIRED`). */
  #verifyClientCertificate(sock: TLSSocket): Error | null {
    if (!this.#serverSide) return null;
    const opts = serverOptions(this.#sslcontext, this.#secureContext);
    if (opts.requestCert !== true || opts.rejectUnauthorized === false) return null;
    return peerVerifyError(sock);
  }

  #onTlsError(err: Error): void {
    if (this.#state === 'handshake') this.#onHandshakeComplete(err);
    else if (this.#state !== 'unwrapped' && this.#raw !== null) this.#fatalError(err, 'Fatal error on SSL protocol', false);
  }

  // ------------------------------------------------------------------ shutdown

  /** @internal `appTransport.close()`. */
  _startShutdown(): void {
    if (this.#state === 'flushing' || this.#state === 'shutdown' || this.#state === 'unwrapped') return;
    this.#app$._markClosed();
    if (this.#state === 'handshake') {
      this._abort();
      return;
    }
    // WRAPPED -> FLUSHING -> SHUTDOWN: Node sends what was written before close_notify.
    this.#state = 'flushing';
    this.#shutdownTimer = this.#loop.callLater(this.#shutdownTimeout, () => this.#checkShutdownTimeout());
    this.#dropIncoming = true;
    this.#state = 'shutdown';
    const sock = this.#tls;
    if (sock !== null && !sock.destroyed) sock.end();
    else this.#closeNotifySent = true;
    this.#maybeFinishShutdown();
  }

  #checkShutdownTimeout(): void {
    this.#shutdownTimer = null;
    if (this.#state !== 'flushing' && this.#state !== 'shutdown') return;
    this.#fatalExc ??= new TimeoutError('SSL shutdown timed out');
    this.#raw?.abort();
    this.#destroyTls();
  }

  /** Our close_notify is out and the peer's arrived (or the raw stream ended): the raw transport closes. */
  #maybeFinishShutdown(): void {
    if (this.#state !== 'shutdown' || !this.#closeNotifySent) return;
    if (!this.#peerClosed && !this.#rawEof) return;
    if (this.#shutdownTimer === null) return; // already finished
    this.#shutdownTimer.cancel();
    this.#shutdownTimer = null;
    this.#callEofReceived();
    const raw = this.#raw;
    if (raw !== null) this.#soon(() => raw.close());
  }

  /** @internal `appTransport.abort()`: the raw transport is aborted. */
  _abort(): void {
    this.#state = 'unwrapped';
    this.#raw?.abort();
    this.#destroyTls();
  }

  #fatalError(exc: unknown, message: string, report: boolean): void {
    // isNativeError: Node's own errors may come from another realm (a vm context, jest).
    const err = exc instanceof Error || isNativeError(exc) ? exc : new RuntimeError(String(exc));
    const raw = this.#raw;
    if (raw !== null) {
      this.#fatalExc ??= err;
      raw.abort();
    }
    this.#destroyTls();
    if (report && !(exc instanceof CancelledError)) {
      this.#loop.callExceptionHandler({ message, exception: exc, transport: raw, protocol: this });
    } else if (this.#loop.getDebug()) {
      getLogger().debug(`${this.toString()}: ${message}`, exc);
    }
  }

  #destroyTls(): void {
    const sock = this.#tls;
    if (sock !== null && !sock.destroyed) sock.destroy();
    const adapter = this.#adapter;
    if (adapter !== null && !adapter.destroyed) adapter.destroy();
  }

  #wakeupWaiter(exc: Error | null): void {
    const waiter = this.#waiter;
    if (waiter === null) return;
    this.#waiter = null;
    if (waiter.done()) return;
    if (exc !== null) waiter.setException(exc);
    else waiter.setResult(undefined);
  }

  // ------------------------------------------------------------------ the adapter

  #adapterWrite(chunk: Buffer, cb: (err?: Error | null) => void): void {
    const raw = this.#raw;
    if (raw === null) {
      cb();
      return;
    }
    if (this.#sslWritingPaused) {
      this.#held = [chunk, cb];
      return;
    }
    raw.write(chunk);
    cb();
  }

  #adapterRead(): void {
    if (this.#sslReadingPaused) {
      this.#sslReadingPaused = false;
      this.#raw?.resumeReading();
    }
  }

  // ------------------------------------------------------------------ reading

  #onTlsRead(item: ReadItem): void {
    if (this.#state === 'unwrapped') return;
    if (item !== EOF && this.#dropIncoming) return;
    this.#readQueue.push(item);
    this.#scheduleDelivery();
  }

  #scheduleDelivery(): void {
    if (this.#deliveryScheduled || this.#readQueue.length === 0) return;
    this.#deliveryScheduled = true;
    this.#soon(() => {
      this.#deliveryScheduled = false;
      this.#deliver(false);
    });
  }

  /** Passes queued plaintext and the EOF to the application, in order, while it is not paused. */
  #deliver(dataOnly: boolean): void {
    const q = this.#readQueue;
    while (q.length > 0) {
      if (this.#state === 'handshake' || this.#state === 'unwrapped') return;
      if (q[0] === EOF) {
        if (dataOnly) return;
        if (this.#appReadingPaused && this.#state === 'wrapped') return;
        q.shift();
        this.#onPeerClosed();
        continue;
      }
      if (this.#appReadingPaused || this.#appState !== 'made') {
        if (this.#appState !== 'made') q.length = 0;
        return;
      }
      let n = 1;
      while (n < q.length && q[n] !== EOF) n++;
      const parts = q.splice(0, n) as Buffer[];
      const data = parts.length === 1 ? parts[0] : Buffer.concat(parts);
      try {
        this.#deliverData(data);
      } catch (err) {
        this.#fatalError(err, 'Fatal error on SSL protocol', true);
        return;
      }
    }
  }

  #deliverData(data: Buffer): void {
    const app = this.#app;
    if (!isBufferedProtocol(app)) {
      (app as Protocol).dataReceived(data);
      return;
    }
    // Stop between two buffers when the application paused reading or switched protocols: the rest waits.
    const fed = feedBufferedProtocol(app, data, () => this.#appReadingPaused || this.#app !== app);
    if (fed < data.length) this.#readQueue.unshift(data.subarray(fed));
  }

  /** The peer's close_notify (or the raw EOF) reached the application's turn. */
  #onPeerClosed(): void {
    this.#peerClosed = true;
    if (this.#state === 'wrapped') {
      this.#callEofReceived();
      this._startShutdown();
    } else {
      this.#maybeFinishShutdown();
    }
  }

  #callEofReceived(): void {
    if (this.#appState !== 'made') return;
    this.#appState = 'eof';
    try {
      const keepOpen = (this.#app as Protocol).eofReceived?.();
      if (keepOpen === true) getLogger().warn('returning true from eofReceived() has no effect when using ssl');
    } catch (err) {
      this.#fatalError(err, 'Error calling eof_received()', true);
    }
  }

  // ------------------------------------------------------------------ writing

  #doWrite(): void {
    const sock = this.#tls;
    const chunks = this.#backlog;
    this.#backlog = [];
    this.#backlogSize = 0;
    if (sock !== null && !sock.destroyed && !sock.writableEnded) {
      for (const chunk of chunks) sock.write(chunk, this.#onTlsWritten);
    }
    this.#controlAppWriting();
  }

  /** A write left the TLS socket: the application may resume, checked from the next iteration. */
  readonly #onTlsWritten = (): void => {
    if (this.#writeCheckScheduled || !this.#appWritingPaused) return;
    this.#writeCheckScheduled = true;
    this.#soon(() => {
      this.#writeCheckScheduled = false;
      this.#controlAppWriting();
    });
  };

  #controlAppWriting(): void {
    // Lost: the application protocol hears nothing after connectionLost (asyncio's SSLProtocol drops it), so a
    // TLS write completing late (the raw transport failed in the middle of a flush) must not resume it.
    if (this.#rawLost) return;
    const size = this._getWriteBufferSize();
    if (size >= this.#high && !this.#appWritingPaused) {
      this.#appWritingPaused = true;
      try {
        this.#app.pauseWriting();
      } catch (err) {
        this.#loop.callExceptionHandler({ message: 'protocol.pauseWriting() failed', exception: err, transport: this.#app$, protocol: this });
      }
    } else if (size <= this.#low && this.#appWritingPaused) {
      this.#appWritingPaused = false;
      try {
        this.#app.resumeWriting();
      } catch (err) {
        this.#loop.callExceptionHandler({ message: 'protocol.resumeWriting() failed', exception: err, transport: this.#app$, protocol: this });
      }
    }
  }

  /** @internal `appTransport.write()` / `writelines()`. */
  _writeAppData(chunks: readonly Uint8Array[]): void {
    if (this.#state === 'flushing' || this.#state === 'shutdown' || this.#state === 'unwrapped') {
      if (this.#connLost >= LOG_THRESHOLD_FOR_CONNLOST_WRITES) getLogger().warn('SSL connection is closed');
      this.#connLost++;
      return;
    }
    for (const chunk of chunks) {
      this.#backlog.push(chunk);
      this.#backlogSize += chunk.length;
    }
    if (this.#state === 'wrapped') this.#doWrite();
  }

  /** @internal */
  _getWriteBufferSize(): number {
    const sock = this.#tls;
    return this.#backlogSize + (sock !== null && !sock.destroyed ? sock.writableLength : 0);
  }

  /** @internal */
  _getWriteBufferLimits(): [low: number, high: number] {
    return [this.#low, this.#high];
  }

  /** @internal asyncio's SSL defaults: 512 KiB high when neither limit is given. */
  _setWriteBufferLimits(limits: WriteBufferLimits): void {
    const { high, low } = limits ?? {};
    const none = (v: unknown): boolean => v === undefined || v === null;
    [this.#low, this.#high] = none(high) && none(low) ? resolveWriteBufferLimits({ high: SSL_WRITE_HIGH_WATER }) : resolveWriteBufferLimits(limits);
    this.#controlAppWriting();
  }

  // ------------------------------------------------------------------ the app transport's other hooks

  /** @internal */
  _getExtraInfo(name: string, defaultValue: unknown): unknown {
    if (this.#extra.has(name)) return this.#extra.get(name);
    if (this.#raw !== null) return this.#raw.getExtraInfo(name, defaultValue);
    return defaultValue;
  }

  /** @internal */
  _getAppProtocol(): BaseProtocol {
    return this.#app;
  }

  /** @internal */
  _setAppProtocol(protocol: BaseProtocol): void {
    this.#app = protocol;
  }

  /** @internal */
  _isAppReadingPaused(): boolean {
    return this.#appReadingPaused;
  }

  /** @internal */
  _pauseReading(): void {
    this.#appReadingPaused = true;
    this.#tls?.pause();
  }

  /** @internal */
  _resumeReading(): void {
    if (!this.#appReadingPaused) return;
    this.#appReadingPaused = false;
    if (this.#tls !== null && !this.#tls.destroyed) this.#tls.resume();
    this.#soon(() => this.#deliver(false));
  }

  /** @internal */
  _describe(): string {
    return `state=${this.#state}${this.#serverSide ? ' server' : ''}`;
  }

  #soon(fn: () => void): void {
    if (!this.#loop.isClosed()) this.#loop.callSoon(fn);
  }

  /** The TLS state (asyncio's `SSLProtocolState`, lower case). */
  get state(): SslProtocolState {
    return this.#state;
  }

  /** `<SslProtocol state=wrapped server>` */
  override toString(): string {
    return `<SslProtocol ${this._describe()}>`;
  }

  /** As `toString()`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

function isStreamTransport(t: unknown): t is Transport {
  const x = t as Partial<Record<keyof Transport, unknown>> | null;
  return (
    typeof x === 'object' && x !== null &&
    typeof x.write === 'function' && typeof x.pauseReading === 'function' && typeof x.resumeReading === 'function' &&
    typeof x.setProtocol === 'function' && typeof x.close === 'function' && typeof x.abort === 'function'
  );
}

/**
 * `loop.startTls()` (asyncio's `loop.start_tls`), called with `this` = the
 * loop: upgrades the stream `transport` to TLS and resolves to the new
 * transport, which `protocol` uses from then on (`protocol.connectionMade` is
 * not called). The old transport must not be used again: it now carries the
 * ciphertext, with an {@link SslProtocol} as its protocol.
 *
 * Reading on `transport` is paused at once so that no data reaches the old
 * protocol, and resumed after the handshake started. Rejects (never throws):
 * `TypeError` when `sslcontext` is not a `tls.SecureContext` or TLS options
 * object, or when `transport` is not a stream transport; `RangeError` for a
 * timeout that is not positive; on a failed or timed-out handshake with the
 * error (the transport is closed).
 */
export function startTls(
  this: SchedulingLoop,
  transport: BaseTransport,
  protocol: BaseProtocol,
  sslcontext: SslContext,
  options?: StartTlsOptions | null,
): Promise<Transport> {
  try {
    const opts = optionsArg('startTls', options);
    if (!isSslContext(sslcontext)) {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `startTls(): sslcontext is expected to be a tls.SecureContext or a TLS options object, got ${describeValue(sslcontext)}`);
    }
    if (!isStreamTransport(transport)) {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `startTls(): transport ${describeValue(transport)} is not supported by startTls()`);
    }
    const loop = this;
    const waiter = loop.createFuture<void>();
    const sslProto = new SslProtocol(loop, protocol, sslcontext, waiter, {
      serverSide: opts.serverSide === true,
      serverHostname: opts.serverHostname ?? null,
      sslHandshakeTimeout: opts.sslHandshakeTimeout ?? null,
      sslShutdownTimeout: opts.sslShutdownTimeout ?? null,
      callConnectionMade: false,
    });
    // Pause first, so that no data reaches the SslProtocol before its connectionMade.
    transport.pauseReading();
    transport.setProtocol(sslProto);
    const conmade = loop.callSoon(() => sslProto.connectionMade(transport));
    const resume = loop.callSoon(() => transport.resumeReading());
    return new Promise<Transport>((resolve, reject) => {
      waiter.addDoneCallback((w) => {
        if (!w.cancelled() && w.exception() === null) {
          resolve(sslProto.appTransport);
          return;
        }
        transport.close();
        conmade.cancel();
        resume.cancel();
        reject(w.cancelled() ? new CancelledError() : w.exception());
      });
    });
  } catch (err) {
    return Promise.reject(err);
  }
}
