/**
 * The backend contract: what an I/O backend (`@loop/selector`,
 * `@loop/proactor`, a third party's) implements, what the loop offers it, and
 * how the loop's I/O methods reach it. mio's `sys/mod.rs` and asyncio's
 * `_make_*_transport` hooks are the models. The decision is ADR 0001.
 *
 * HOW and WHY. The loop is hosted on Node's event loop: it never blocks the
 * thread, and waits for I/O by returning to Node. So a backend does not
 * `select()`; it registers Node-level watchers (libuv poll handles, sockets,
 * pipes) whose callbacks record what happened and call `host.wakeup()`. The
 * loop then runs an iteration, whose I/O phase calls `poll()`; `poll` moves
 * the recorded events into the ready queue. Callbacks therefore run only in
 * the loop's iteration, never from a Node callback directly.
 *
 * ```text
 *   new Loop({ backend })      -> backend.attach(host)                 once
 *   Node: fd 7 readable        -> backend records it; host.wakeup()
 *   loop iteration (runOnce):
 *     I/O phase                -> backend.poll(timeout)  -> host.addReady(handle) / host.callSoon(cb)
 *     timers due               -> appended to the ready queue, after the I/O callbacks
 *     run the ready callbacks  (the only place callbacks are called)
 *   runForever() starts/ends   -> backend.runStarted?() / backend.runStopped?()
 *   loop.close()               -> backend.close()                      once
 * ```
 *
 * A loop with a backend exposes it as `loop[BACKEND]`; the I/O methods of
 * the loop (fds, `sock*`, pipes: {@link backendMethods}) and the capability
 * packages (`@loop/net` making transports and servers) reach it through
 * {@link backendOf}. A loop without one (`BaseEventLoop` alone) has
 * `loop[BACKEND] === null`, and those methods fail with `NotImplementedError`
 * naming what to install.
 *
 * @packageDocumentation
 */

import { defineCapability, isCapabilityStandIn, missingCapability, withCapabilityProbe } from './capabilities.js';
import type { Context, Future, Handle, SchedulingLoop, TimerHandle, ExceptionContext } from './events.js';
import type { FdMethods, FileLike, PipeMethods, SockMethods, SslContext } from './loop-methods.js';
import type { BaseProtocol, ProtocolFactory } from './protocols.js';
import type { Address, PipeLike, SocketLike } from './sockets.js';
import type { BaseTransport, DatagramTransport, ExtraInfo, ReadTransport, Transport, WriteTransport } from './transports.js';

/**
 * The well-known key (`Symbol.for`, shared by the ESM and CJS copies of this
 * package) under which a loop exposes its backend: `loop[BACKEND]` is the
 * {@link IoBackend}, or `null` for a loop without I/O.
 */
export const BACKEND: unique symbol = Symbol.for('@loop/interfaces.backend');

/** A loop that may have a backend: `loop[BACKEND]`. `BaseEventLoop` has this shape. */
export interface BackendCarrier {
  /** The loop's I/O backend, `null` when it has none. */
  readonly [BACKEND]: IoBackend | null;
}

/**
 * What the loop offers its backend (given to `attach`). The scheduling
 * methods are the loop's own; the rest are hooks that are not on the loop's
 * public surface.
 */
export interface BackendHost {
  /** The loop this backend serves (for transports' `getExtraInfo`, reprs, exception contexts). */
  readonly loop: SchedulingLoop;
  /** As `loop.callSoon`: for one-shot events (a completion, `connectionMade`). */
  callSoon<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): Handle;
  /** As `loop.callLater`: for timeouts (TLS handshakes, accept retry delays). */
  callLater<A extends unknown[]>(delay: number, callback: (...args: A) => unknown, ...args: A): TimerHandle;
  /** As `loop.time()`. */
  time(): number;
  /** As `loop.createFuture()`: for waiters. */
  createFuture<T = unknown>(): Future<T>;
  /** As `loop.callExceptionHandler()`: for errors with no caller to report to (a failed accept). */
  callExceptionHandler(context: ExceptionContext): void;
  /** As `loop.getDebug()`. */
  getDebug(): boolean;
  /** As `loop.isClosed()`. */
  isClosed(): boolean;
  /**
   * Makes a handle for `callback(...args)` without scheduling it, bound to
   * `context` (a copy of the current context when omitted), as asyncio's
   * `events.Handle(callback, args, loop)`. A reader or writer is one handle,
   * re-added with {@link BackendHost.addReady} each time its fd is ready, and
   * cancelled when removed.
   */
  createHandle<A extends unknown[]>(callback: (...args: A) => unknown, args: A, context?: Context): Handle;
  /**
   * Appends `handle` (made by `createHandle`) to the ready queue, unless it is
   * cancelled (asyncio's `_add_callback`). Called from `poll`, the handles run
   * in this iteration, in the order added, before the timers that are due.
   *
   * @throws TypeError when `handle` was not made by this host.
   */
  addReady(handle: Handle): void;
  /**
   * Tells an idle running loop that events arrived, so that it runs an
   * iteration (and calls `poll`) soon — from a Node callback, never
   * synchronously. Coalesced: many calls before the next iteration cause one.
   * A no-op when the loop is not running or is closed (the next run polls).
   */
  wakeup(): void;
  /**
   * As {@link wakeup}, for a Node callback that is the backend's only source
   * of events in this turn of Node's loop (a readiness watcher covering every
   * registered descriptor): when the loop is idle, the iteration runs now,
   * inside that callback, instead of in Node's check phase, which saves a
   * `setImmediate` round per wake-up. Otherwise (the loop busy, a pump
   * already scheduled, not running) it is `wakeup()`. Call it only from a
   * Node callback, never from loop code. Optional for hosts; a backend falls
   * back to `wakeup()`.
   */
  wakeupNow?(): void;
}

/**
 * What a transport made for a server's accepted connection reports to the
 * server (asyncio's `Server._attach` / `_detach`), so that `waitClosed`,
 * `closeClients` and `abortClients` know the live connections.
 */
export interface ServerHooks {
  /** Called once when the transport is made. */
  attach(transport: BaseTransport): void;
  /** Called once after the transport's `protocol.connectionLost()` ran. */
  detach(transport: BaseTransport): void;
}

/** Options of `IoBackend.makeSslTransport`. */
export interface SslTransportOptions {
  /** `true` for the server side of the connection. */
  serverSide?: boolean;
  /** The host name to check the certificate against (client side). */
  serverHostname?: string | null;
  /** Extra information for the transport. */
  extra?: ExtraInfo | null;
  /** The server that accepted the connection, if any. */
  server?: ServerHooks | null;
  /** Seconds before the handshake is aborted; 60 when omitted. */
  sslHandshakeTimeout?: number | null;
  /** Seconds before the shutdown is aborted; 30 when omitted. */
  sslShutdownTimeout?: number | null;
}

/** Options of `IoBackend.startServing`. */
export interface StartServingOptions {
  /** TLS for the accepted connections. */
  sslcontext?: SslContext | null;
  /** The most connections accepted per readiness event (the `listen` backlog); 100 by default. */
  backlog?: number;
  /** Seconds before a TLS handshake is aborted. */
  sslHandshakeTimeout?: number | null;
  /** Seconds before a TLS shutdown is aborted. */
  sslShutdownTimeout?: number | null;
}

/**
 * Options of `IoBackend.connectStream`: the family of the address and where
 * to bind first. Addresses are already resolved (IP literals or a Unix path).
 */
export interface ConnectStreamOptions {
  /** `AF_INET`, `AF_INET6` or `AF_UNIX` (the platform's numbers, as `getaddrinfo` gives them). */
  family: number;
  /** The resolved local address to bind to before connecting. */
  localAddr?: Address | null;
}

/** Options of `IoBackend.listenStream`. Addresses are already resolved. */
export interface ListenStreamOptions {
  /** `AF_INET`, `AF_INET6` or `AF_UNIX`. */
  family: number;
  /** The `listen()` backlog. */
  backlog: number;
  /** `SO_REUSEADDR` (TCP). */
  reuseAddress?: boolean;
  /** `SO_REUSEPORT` (TCP). */
  reusePort?: boolean;
  /** `IPV6_V6ONLY` on an `AF_INET6` socket (asyncio sets it when serving on every interface). */
  ipv6Only?: boolean;
  /** `SO_KEEPALIVE` on the accepted connections (asyncio 3.13's `keep_alive`, set on the listener and inherited). */
  keepAlive?: boolean;
}

/** Options of `IoBackend.openDatagram`. Addresses are already resolved. */
export interface OpenDatagramOptions {
  /** `AF_INET`, `AF_INET6` or `AF_UNIX`. */
  family: number;
  /** The local address to bind to (an ephemeral port of the family when omitted). */
  localAddr?: Address | null;
  /** The remote address to connect to (a connected endpoint). */
  remoteAddr?: Address | null;
  /** `SO_REUSEPORT`. */
  reusePort?: boolean;
  /** `SO_BROADCAST`. */
  allowBroadcast?: boolean;
}

/**
 * The contract every I/O backend implements. A backend instance serves one
 * loop. Every method may assume `attach` was called; every method but
 * `close` throws `RuntimeError` (`ERR_LOOP_CLOSED`, `Event loop is closed`)
 * once the loop is closed.
 *
 * The transports a backend makes follow `transports.ts` and `protocols.ts`:
 * `protocol.connectionMade(transport)` is scheduled with `callSoon`, then the
 * `waiter` (if given) completes with `undefined` (unless cancelled); a
 * transport that fails to start fails the waiter instead. `extra` seeds
 * `getExtraInfo`.
 *
 * The optional members are what not every backend can do: fd watching (a
 * proactor cannot), the `sock*` operations, a native TLS transport (when
 * absent, `@loop/net` layers TLS over `makeSocketTransport`), run hooks.
 */
export interface IoBackend extends Partial<FdMethods>, Partial<SockMethods> {
  /** {@link FdMethods.addReader}, on a backend that watches descriptors. */
  addReader?: FdMethods['addReader'];
  /** {@link FdMethods.removeReader}, on a backend that watches descriptors. */
  removeReader?: FdMethods['removeReader'];
  /** {@link FdMethods.addWriter}, on a backend that watches descriptors. */
  addWriter?: FdMethods['addWriter'];
  /** {@link FdMethods.removeWriter}, on a backend that watches descriptors. */
  removeWriter?: FdMethods['removeWriter'];
  /** {@link SockMethods.sockRecv}, on a backend with the `sock*` operations. */
  sockRecv?: SockMethods['sockRecv'];
  /** {@link SockMethods.sockRecvInto}, on a backend with the `sock*` operations. */
  sockRecvInto?: SockMethods['sockRecvInto'];
  /** {@link SockMethods.sockRecvfrom}, on a backend with the `sock*` operations. */
  sockRecvfrom?: SockMethods['sockRecvfrom'];
  /** {@link SockMethods.sockRecvfromInto}, on a backend with the `sock*` operations. */
  sockRecvfromInto?: SockMethods['sockRecvfromInto'];
  /** {@link SockMethods.sockSendall}, on a backend with the `sock*` operations. */
  sockSendall?: SockMethods['sockSendall'];
  /** {@link SockMethods.sockSendto}, on a backend with the `sock*` operations. */
  sockSendto?: SockMethods['sockSendto'];
  /** {@link SockMethods.sockConnect}, on a backend with the `sock*` operations. */
  sockConnect?: SockMethods['sockConnect'];
  /** {@link SockMethods.sockAccept}, on a backend with the `sock*` operations. */
  sockAccept?: SockMethods['sockAccept'];
  /** {@link SockMethods.sockSendfile}, on a backend with the `sock*` operations. */
  sockSendfile?: SockMethods['sockSendfile'];
  /** A short name for messages and reprs: `'selector'`, `'proactor'`. */
  readonly name: string;
  /**
   * Called once, when the loop is constructed, with what the loop offers.
   *
   * @throws RuntimeError when already attached (to this or another loop).
   */
  attach(host: BackendHost): void;
  /**
   * The I/O phase of a loop iteration: moves the I/O events recorded since
   * the last poll into the ready queue (`host.addReady`, `host.callSoon`).
   * Must not block and must not call callbacks itself. `timeout` is how long
   * the loop will wait before its next iteration unless woken: `0` when
   * callbacks are ready (or the loop is stopping), the seconds to the next
   * timer, or `Infinity` when it has none. A backend that can only poll
   * synchronously (a zero-timeout `select`) uses it to arrange its own
   * `wakeup`.
   */
  poll(timeout: number): void;
  /**
   * Releases the backend's watchers and handles. Called once, by
   * `loop.close()`, after the loop is marked closed and its ready queue is
   * cleared. Idempotent. Does not close transports still open.
   */
  close(): void;
  /**
   * Called when `runForever` / `runUntilComplete` starts. Node keeps the
   * process alive while a referenced handle exists; a backend references its
   * watchers only while the loop runs (`runStarted`) and unreferences them
   * when it stops (`runStopped`), so that an idle, stopped loop does not keep
   * the process alive.
   */
  runStarted?(): void;
  /** Called when `runForever` / `runUntilComplete` returns (see `runStarted`). */
  runStopped?(): void;
  /** Makes a stream transport over a connected socket (asyncio's `_make_socket_transport`). */
  makeSocketTransport(
    sock: SocketLike,
    protocol: BaseProtocol,
    waiter?: Future<void> | null,
    extra?: ExtraInfo | null,
    server?: ServerHooks | null,
  ): Transport;
  /** Makes a TLS transport over a connected socket natively (asyncio's `_make_ssl_transport`). Optional. */
  makeSslTransport?(
    rawSock: SocketLike,
    protocol: BaseProtocol,
    sslcontext: SslContext,
    waiter?: Future<void> | null,
    options?: SslTransportOptions,
  ): Transport;
  /** Makes a datagram transport; `address` is the remote address of a connected endpoint. */
  makeDatagramTransport(
    sock: SocketLike,
    protocol: BaseProtocol,
    address?: Address | null,
    waiter?: Future<void> | null,
    extra?: ExtraInfo | null,
  ): DatagramTransport;
  /** Makes a read transport over the read end of a pipe (set to non-blocking mode). */
  makeReadPipeTransport(pipe: PipeLike, protocol: BaseProtocol, waiter?: Future<void> | null, extra?: ExtraInfo | null): ReadTransport;
  /** Makes a write transport over the write end of a pipe (set to non-blocking mode). */
  makeWritePipeTransport(pipe: PipeLike, protocol: BaseProtocol, waiter?: Future<void> | null, extra?: ExtraInfo | null): WriteTransport;
  /**
   * Starts accepting connections on the listening socket `sock` (the server
   * already called `listen`): for each, makes a protocol with
   * `protocolFactory` and a transport (TLS when `sslcontext`) attached to
   * `server`. An accept error that exhausts resources (`EMFILE`, `ENFILE`,
   * `ENOBUFS`, `ENOMEM`) goes to the exception handler and pauses accepting
   * for one second; `ECONNABORTED` and `EAGAIN` are ignored.
   */
  startServing(protocolFactory: ProtocolFactory, sock: SocketLike, server: ServerHooks, options?: StartServingOptions): void;
  /** Stops accepting on `sock` and closes it. Idempotent. */
  stopServing(sock: SocketLike): void;
  /**
   * Makes a stream socket of `options.family`, binds it to
   * `options.localAddr` if given, and connects it to the resolved `address`
   * (asyncio's `socket()` + `bind()` + `sock_connect()` in
   * `_connect_sock`). The future completes with the connected socket, ready
   * for `makeSocketTransport`; it fails with the system error (`code`,
   * `errno`, `syscall`, `address`, `port`) of the bind or connect.
   * Cancelling the future abandons the attempt and closes the socket (Happy
   * Eyeballs cancels the attempts that lost).
   */
  connectStream(address: Address, options: ConnectStreamOptions): Future<SocketLike>;
  /**
   * Makes a stream socket bound to the resolved `address` and listening
   * (asyncio's `socket()` + `setsockopt` + `bind()` + `listen()` in
   * `create_server`), without accepting yet: `startServing` starts that.
   * Rejects with the system error of the bind or listen (`EADDRINUSE`…).
   */
  listenStream(address: Address, options: ListenStreamOptions): Promise<SocketLike>;
  /**
   * The native path of `loop.sendfile()` (asyncio's `_sendfile_native`),
   * optional: sends `count` bytes of `file` from `offset` (to its end when
   * `count` is `null`) over the stream `transport` with the `sendfile(2)`
   * system call, and resolves to the number of bytes sent. The backend
   * pauses the transport's reading, waits until its write buffer is empty
   * (`write()` refuses meanwhile), sends, and gives the transport back.
   * Rejects with `SendfileNotAvailableError` when this transport or file
   * cannot take the native path (not this backend's transport, no
   * `sockSendfile`, not a regular file): `@loop/net` then falls back to
   * reading and writing (or rejects, with `fallback: false`). A backend
   * without this member always gets the fallback.
   */
  sendfileNative?(transport: WriteTransport, file: FileLike, offset: number, count: number | null): Promise<number>;
  /**
   * Makes a datagram socket, bound and/or connected as `options` says
   * (asyncio's `create_datagram_endpoint` socket set-up), ready for
   * `makeDatagramTransport`. Rejects with the system error of the bind or
   * connect.
   */
  openDatagram(options: OpenDatagramOptions): Promise<SocketLike>;
}

function backendName(backend: IoBackend): string {
  return typeof backend.name === 'string' && backend.name !== '' ? backend.name : 'unnamed';
}

/**
 * The loop's backend, or `null` when it has none (or is not a loop).
 */
export function getBackend(loop: object): IoBackend | null {
  const backend = (loop as Partial<BackendCarrier>)[BACKEND];
  return backend ?? null;
}

/**
 * The backend of `loop`, for a caller implementing `method` (used in the
 * error message).
 *
 * @throws NotImplementedError (`missingCapability(method, 'this loop has no I/O backend')`)
 *   when the loop has none.
 */
export function backendOf(loop: object, method: string): IoBackend {
  const backend = getBackend(loop);
  if (backend === null) throw missingCapability(method, 'this loop has no I/O backend');
  return backend;
}

type BackendOperation = keyof FdMethods | keyof SockMethods;

function backendOperation(loop: object, method: BackendOperation): (...args: unknown[]) => unknown {
  const backend = backendOf(loop, method);
  const fn: unknown = backend[method];
  if (typeof fn !== 'function') {
    const what = method.endsWith('Reader') || method.endsWith('Writer') ? 'does not watch file descriptors' : `does not provide ${method}`;
    throw missingCapability(method, `the ${backendName(backend)} backend ${what}`);
  }
  return (...args: unknown[]) => (fn as (...a: unknown[]) => unknown).apply(backend, args);
}

function callSync(loop: object, method: keyof FdMethods, args: unknown[]): any {
  return backendOperation(loop, method)(...args);
}

function callAsync(loop: object, method: keyof SockMethods, args: unknown[]): Promise<any> {
  try {
    return Promise.resolve(backendOperation(loop, method)(...args));
  } catch (err) {
    return Promise.reject(err);
  }
}

async function connectPipe<T extends BaseTransport, P extends BaseProtocol>(
  loop: SchedulingLoop,
  method: keyof PipeMethods,
  factory: ProtocolFactory<P>,
  make: (backend: IoBackend, protocol: P, waiter: Future<void>) => T,
): Promise<[T, P]> {
  const backend = backendOf(loop, method);
  const protocol = factory();
  const waiter = loop.createFuture<void>();
  const transport = make(backend, protocol, waiter);
  try {
    await waiter;
  } catch (err) {
    transport.close();
    throw err;
  }
  return [transport, protocol];
}

function probe(method: BackendOperation | keyof PipeMethods): (loop: object) => boolean {
  return (loop) => {
    const backend = getBackend(loop);
    if (backend === null) return false;
    if (method === 'connectReadPipe' || method === 'connectWritePipe') return true;
    const fn: unknown = backend[method];
    return typeof fn === 'function' && !isCapabilityStandIn(fn);
  };
}

/**
 * The loop's I/O methods that a backend serves, as a capability: each
 * delegates to `loop[BACKEND]` (fd watching and `sock*` to the backend's
 * method of the same name; `connectReadPipe` / `connectWritePipe` make the
 * transport with `makeReadPipeTransport` / `makeWritePipeTransport`, wait for
 * its waiter, and close it if that fails, as asyncio's `base_events`). A
 * loop class with a backend composes it in:
 * `compose(BaseEventLoop, backendMethods)`. On a loop without a backend, or
 * whose backend lacks the operation, the methods fail with
 * `NotImplementedError` naming the package (rejecting, for those that return
 * a Promise); {@link hasCapability} reports them absent.
 */
export const backendMethods = defineCapability<FdMethods & SockMethods & PipeMethods>('@loop/interfaces (backendMethods)', {
  addReader(...args) {
    callSync(this, 'addReader', args);
  },
  removeReader(...args) {
    return callSync(this, 'removeReader', args) as boolean;
  },
  addWriter(...args) {
    callSync(this, 'addWriter', args);
  },
  removeWriter(...args) {
    return callSync(this, 'removeWriter', args) as boolean;
  },
  sockRecv(...args) {
    return callAsync(this, 'sockRecv', args);
  },
  sockRecvInto(...args) {
    return callAsync(this, 'sockRecvInto', args);
  },
  sockRecvfrom(...args) {
    return callAsync(this, 'sockRecvfrom', args);
  },
  sockRecvfromInto(...args) {
    return callAsync(this, 'sockRecvfromInto', args);
  },
  sockSendall(...args) {
    return callAsync(this, 'sockSendall', args);
  },
  sockSendto(...args) {
    return callAsync(this, 'sockSendto', args);
  },
  sockConnect(...args) {
    return callAsync(this, 'sockConnect', args);
  },
  sockAccept(...args) {
    return callAsync(this, 'sockAccept', args);
  },
  sockSendfile(...args) {
    return callAsync(this, 'sockSendfile', args);
  },
  connectReadPipe(factory, pipe) {
    return connectPipe(this, 'connectReadPipe', factory, (backend, protocol, waiter) =>
      backend.makeReadPipeTransport(pipe, protocol, waiter),
    );
  },
  connectWritePipe(factory, pipe) {
    return connectPipe(this, 'connectWritePipe', factory, (backend, protocol, waiter) =>
      backend.makeWritePipeTransport(pipe, protocol, waiter),
    );
  },
});

for (const method of Object.keys(backendMethods.methods) as (BackendOperation | keyof PipeMethods)[]) {
  withCapabilityProbe(backendMethods.methods[method], probe(method));
}
