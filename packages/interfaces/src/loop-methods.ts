/**
 * The event loop's methods beyond scheduling, in the groups that capability
 * packages and backends provide (asyncio's `AbstractEventLoop`, split by who
 * implements it):
 *
 * | group               | provided by                                  |
 * |---------------------|----------------------------------------------|
 * | {@link NetMethods}        | `@loop/net`                             |
 * | {@link FdMethods}         | a backend that watches fds (`@loop/selector`) |
 * | {@link SockMethods}       | an I/O backend (`@loop/selector`, `@loop/proactor`) |
 * | {@link PipeMethods}       | an I/O backend                          |
 * | {@link SignalMethods}     | `@loop/signals`                         |
 * | {@link SubprocessMethods} | `@loop/subprocess`                      |
 * | {@link ExecutorMethods}   | `@loop/core` (every `BaseEventLoop`)    |
 *
 * `CAPABILITY_PACKAGES` (in `capabilities.ts`) lists each method's package.
 * Every method that returns a `Promise` reports every error by rejecting it
 * and never throws synchronously; the others throw.
 *
 * @packageDocumentation
 */

import type { FileHandle } from 'node:fs/promises';
import type { ConnectionOptions, SecureContext, TlsOptions } from 'node:tls';
import type { Future } from './events.js';
import type { Executor, WorkReference } from './executor.js';
import type { BaseProtocol, ProtocolFactory } from './protocols.js';
import type { Server } from './server.js';
import type { AddrInfo, Address, FileDescriptorLike, Inet6Address, InetAddress, PipeLike, SocketLike } from './sockets.js';
import type { BaseTransport, DatagramTransport, ReadTransport, SubprocessTransport, Transport, WriteTransport } from './transports.js';

/**
 * A TLS configuration (Python's `SSLContext`): a `tls.SecureContext`, or the
 * options of `tls.connect()` (client side) / `tls.createServer()` (server
 * side). Where an `ssl` option accepts `true`, it means a default client
 * context that verifies the peer against the system's CAs.
 */
export type SslContext = SecureContext | ConnectionOptions | TlsOptions;

/** A file for `sendfile`: a file descriptor or a `FileHandle` (`fs.promises.open()`), opened for reading. */
export type FileLike = number | FileHandle;

/** Options shared by the methods that can set up TLS. */
export interface TlsTimeoutOptions {
  /** Seconds to wait for the TLS handshake before aborting the connection; 60 when omitted. */
  sslHandshakeTimeout?: number | null;
  /** Seconds to wait for the TLS shutdown before aborting the connection; 30 when omitted. */
  sslShutdownTimeout?: number | null;
}

/** Options of `createConnection` (asyncio's keyword arguments). */
export interface CreateConnectionOptions extends TlsTimeoutOptions {
  /** TLS: `true` for a default client context, a {@link SslContext}, or falsy for plain TCP. */
  ssl?: boolean | SslContext | null;
  /** The address family for resolution (`AF_INET`, `AF_INET6`); `0` (any) by default. */
  family?: number;
  /** The protocol for resolution; `0` by default. */
  proto?: number;
  /** `getaddrinfo` flags; `0` by default. */
  flags?: number;
  /** An already connected stream socket to use; then `host`, `port`, `family`, `proto`, `flags`, `localAddr`, `happyEyeballsDelay` and `interleave` must be omitted (`RangeError`). */
  sock?: SocketLike | null;
  /** The local `[host, port]` to bind to before connecting; resolved with `getaddrinfo`. */
  localAddr?: InetAddress | Inet6Address | null;
  /** The host name to match the server's certificate against; defaults to `host`. Only with `ssl`. `''` disables matching. */
  serverHostname?: string | null;
  /** Enables Happy Eyeballs (RFC 8305): seconds to wait for an attempt before starting the next in parallel (0.25 is the RFC's advice). */
  happyEyeballsDelay?: number | null;
  /** Interleaves resolved addresses by family, with this "First Address Family Count"; `0` (no reordering) unless `happyEyeballsDelay` is set, then `1`. */
  interleave?: number | null;
  /** When every attempt fails: `true` rejects with an `ExceptionGroup` of all the errors; `false` (the default) with one error. */
  allErrors?: boolean;
}

/** Options of `createDatagramEndpoint`. */
export interface CreateDatagramEndpointOptions {
  /** The address family (`AF_INET`, `AF_INET6`, `AF_UNIX`); derived from the addresses when `0`. */
  family?: number;
  /** The protocol for resolution; `0` by default. */
  proto?: number;
  /** `getaddrinfo` flags; `0` by default. */
  flags?: number;
  /**
   * Refused when `true` (`RangeError`), as asyncio 3.8.1–3.10 refused it: `SO_REUSEADDR` is unsafe for UDP;
   * `false` changes nothing. asyncio 3.11 removed the option; this port keeps it known (docs/deviations.md D92).
   */
  reuseAddress?: boolean | null;
  /** Sets `SO_REUSEPORT` (not on Windows). */
  reusePort?: boolean | null;
  /** Sets `SO_BROADCAST`. */
  allowBroadcast?: boolean | null;
  /** An existing datagram socket to use; then `localAddr` and `remoteAddr` must be omitted. */
  sock?: SocketLike | null;
}

/** Options of `createUnixConnection`. */
export interface CreateUnixConnectionOptions extends TlsTimeoutOptions {
  /** TLS, as in `createConnection`. */
  ssl?: boolean | SslContext | null;
  /** An already connected `AF_UNIX` stream socket; then `path` must be omitted. */
  sock?: SocketLike | null;
  /** The host name to match the server's certificate against. Required with `ssl`. */
  serverHostname?: string | null;
}

/** Options of `createServer`. */
export interface CreateServerOptions extends TlsTimeoutOptions {
  /** `AF_INET` or `AF_INET6` to force one family; `AF_UNSPEC` (0) by default. */
  family?: number;
  /** `getaddrinfo` flags; `AI_PASSIVE` by default. */
  flags?: number;
  /** An existing listening-ready socket to serve on; then `host` and `port` must be omitted. */
  sock?: SocketLike | null;
  /** The `listen()` backlog; 100 by default. */
  backlog?: number;
  /** TLS for accepted connections. */
  ssl?: SslContext | null;
  /** Sets `SO_REUSEADDR`; `true` by default on Unix. */
  reuseAddress?: boolean | null;
  /** Sets `SO_REUSEPORT`. */
  reusePort?: boolean | null;
  /** Sets `SO_KEEPALIVE` on accepted connections. */
  keepAlive?: boolean | null;
  /** Whether to start accepting at once (`true`, the default) or on `startServing()` / `serveForever()`. */
  startServing?: boolean;
}

/** Options of `createUnixServer`. */
export interface CreateUnixServerOptions extends TlsTimeoutOptions {
  /** An existing `AF_UNIX` socket; then `path` must be omitted. */
  sock?: SocketLike | null;
  /** The `listen()` backlog; 100 by default. */
  backlog?: number;
  /** TLS for accepted connections. */
  ssl?: SslContext | null;
  /** Whether to start accepting at once (the default). */
  startServing?: boolean;
  /** Whether closing the server removes the socket file (`true` by default). */
  cleanupSocket?: boolean;
}

/** Options of `connectAcceptedSocket`. */
export interface ConnectAcceptedSocketOptions extends TlsTimeoutOptions {
  /** TLS (server side) over the accepted connection. */
  ssl?: SslContext | null;
}

/** Options of `sendfile` and `sockSendfile`. */
export interface SendfileOptions {
  /** Read and send the file by hand when the system call is unusable (`true`, the default); `false` rejects with `SendfileNotAvailableError`. */
  fallback?: boolean;
}

/** Options of `startTls`. */
export interface StartTlsOptions extends TlsTimeoutOptions {
  /** `true` to upgrade the server side of a connection. */
  serverSide?: boolean;
  /** The host name to match the certificate against (client side). */
  serverHostname?: string | null;
}

/** Options of `getaddrinfo` (Python's keyword arguments, all `0` by default). */
export interface GetaddrinfoOptions {
  /** Restricts results to one address family (`AF_INET`, `AF_INET6`). */
  family?: number;
  /** Restricts results to one socket type (`SOCK_STREAM`, `SOCK_DGRAM`). */
  type?: number;
  /** Restricts results to one protocol. */
  proto?: number;
  /** `AI_*` flags (`AI_PASSIVE`, `AI_CANONNAME`, `AI_NUMERICHOST`…). */
  flags?: number;
}

/** What a child's standard stream is connected to: `PIPE` (-1), `STDOUT` (-2, stderr only), `DEVNULL` (-3), a file descriptor or object with one, or `null` (inherit). */
export type SubprocessStdio = number | { fileno(): number } | { readonly fd: number } | null;

/** Options of `subprocessExec` / `subprocessShell` (Python's `Popen` keywords, camelCased). */
export interface SubprocessOptions {
  /** The child's stdin; `PIPE` by default. */
  stdin?: SubprocessStdio;
  /** The child's stdout; `PIPE` by default. */
  stdout?: SubprocessStdio;
  /** The child's stderr; `PIPE` by default; `STDOUT` merges it into stdout. */
  stderr?: SubprocessStdio;
  /** The working directory of the child. */
  cwd?: string | null;
  /** The environment of the child; the parent's when omitted. */
  env?: Readonly<Record<string, string | undefined>> | null;
  /** Starts the child in a new session (`setsid`). */
  startNewSession?: boolean;
  /** The user id to run the child as (POSIX). */
  uid?: number;
  /** The group id to run the child as (POSIX). */
  gid?: number;
  /** Descriptors the child keeps, each at the same number (Python's `pass_fds`); every other descriptor of the parent is closed in the child. */
  passFds?: readonly number[] | null;
  /** Refused when `true` (`RangeError`): the pipes carry bytes. */
  universalNewlines?: boolean;
  /** Refused when `true` (`RangeError`): the pipes carry bytes. */
  text?: boolean;
  /** Refused unless `null` (`RangeError`): the pipes carry bytes. */
  encoding?: string | null;
  /** Refused unless `null` (`RangeError`): the pipes carry bytes. */
  errors?: string | null;
  /** Refused unless `0` (`RangeError`): the pipe transports buffer. */
  bufsize?: number;
  /** Must be `false` (or omitted) for `subprocessExec` and `true` (or omitted) for `subprocessShell` (`RangeError`). */
  shell?: boolean;
}

/** Networking, TLS, files and DNS: `@loop/net`'s methods, over whichever backend the loop has. */
export interface NetMethods {
  // `options` may be `null`: no options, as Python's keyword defaults are
  // `None` (docs/asyncio-mapping.md, "Options objects"); any other
  // non-object rejects with a `TypeError` (`ERR_LOOP_INVALID_ARG`).
  /**
   * Opens a stream connection to `host`:`port` and returns the transport and
   * the protocol made by `factory`. In order: the address is resolved, a
   * connection established (Happy Eyeballs when asked), the transport made,
   * `protocol.connectionMade(transport)` called; then the promise resolves.
   * `TCP_NODELAY` is set. Rejects with the system error of the last (or, with
   * `allErrors`, an `ExceptionGroup` of every) failed attempt.
   */
  createConnection<P extends BaseProtocol>(
    factory: ProtocolFactory<P>,
    host?: string | null,
    port?: number | string | null,
    options?: CreateConnectionOptions | null,
  ): Promise<[Transport, P]>;
  /**
   * Creates a datagram endpoint bound to `localAddr` and/or connected to
   * `remoteAddr` (each resolved with `getaddrinfo`, or a Unix path).
   */
  createDatagramEndpoint<P extends BaseProtocol>(
    factory: ProtocolFactory<P>,
    localAddr?: Address | null,
    remoteAddr?: Address | null,
    options?: CreateDatagramEndpointOptions | null,
  ): Promise<[DatagramTransport, P]>;
  /** As `createConnection`, to the Unix socket at `path` (`AF_UNIX`, `SOCK_STREAM`). */
  createUnixConnection<P extends BaseProtocol>(
    factory: ProtocolFactory<P>,
    path?: string | null,
    options?: CreateUnixConnectionOptions | null,
  ): Promise<[Transport, P]>;
  /**
   * Creates a TCP server listening on `port` of `host`: one host, each host of
   * a list, or every interface when `host` is `null` or `''` (one socket per
   * family). Each accepted connection gets a protocol from `factory`.
   */
  createServer(
    factory: ProtocolFactory,
    host?: string | readonly string[] | null,
    port?: number | string | null,
    options?: CreateServerOptions | null,
  ): Promise<Server>;
  /** As `createServer`, on the Unix socket at `path`; a stale socket file there is removed first. */
  createUnixServer(factory: ProtocolFactory, path?: string | null, options?: CreateUnixServerOptions | null): Promise<Server>;
  /** Wraps an already accepted connection (`sock`) into a transport and protocol. */
  connectAcceptedSocket<P extends BaseProtocol>(
    factory: ProtocolFactory<P>,
    sock: SocketLike,
    options?: ConnectAcceptedSocketOptions | null,
  ): Promise<[Transport, P]>;
  /**
   * Sends `count` bytes of `file` (to its end when `null` or omitted) from
   * `offset` over `transport`, with `sendfile(2)` where possible, else by
   * reading and writing (unless `fallback` is `false`: then rejects with
   * `SendfileNotAvailableError`). Resolves to the number of bytes sent.
   * Rejects with `RangeError` for a negative `offset` or `count`.
   */
  sendfile(transport: WriteTransport, file: FileLike, offset?: number, count?: number | null, options?: SendfileOptions | null): Promise<number>;
  /**
   * Upgrades `transport` to TLS and resolves to the new transport, which
   * `protocol` must use from then on; the old transport must not be used
   * again.
   */
  startTls(transport: BaseTransport, protocol: BaseProtocol, sslcontext: SslContext, options?: StartTlsOptions | null): Promise<Transport>;
  /**
   * Resolves `host` and `port`, as `socket.getaddrinfo()`; rejects with the C
   * library's error as a system error whose `code` is its `EAI_*` name: both
   * `host` and `port` null, or a name that does not resolve, `EAI_NONAME`; an
   * IP literal of another `family` than asked, `EAI_ADDRFAMILY`; a `type`
   * that does not go with `proto`, `EAI_SOCKTYPE`; an unknown service,
   * `EAI_SERVICE`.
   */
  getaddrinfo(host: string | null, port: number | string | null, options?: GetaddrinfoOptions | null): Promise<AddrInfo[]>;
  /** Resolves an address to `[host, port]` names, as `socket.getnameinfo()`. */
  getnameinfo(sockaddr: InetAddress | Inet6Address, flags?: number): Promise<[host: string, port: string]>;
}

/**
 * Watching file descriptors for readiness: a backend that has a selector
 * (`@loop/selector`). A proactor loop throws `NotImplementedError`.
 *
 * A callback is kept until removed and runs once per loop iteration in which
 * the descriptor is ready, from the ready queue, in the context current when
 * it was added. One reader and one writer per descriptor: adding again
 * replaces the previous callback. Throws `RuntimeError` on a closed loop,
 * and `RuntimeError` (`ERR_LOOP_FD_IN_USE`) for a descriptor a transport
 * owns.
 */
export interface FdMethods {
  /** Calls `callback(...args)` whenever `fd` is readable, until `removeReader(fd)`. */
  addReader<A extends unknown[]>(fd: FileDescriptorLike, callback: (...args: A) => unknown, ...args: A): void;
  /** Stops watching `fd` for reading; returns whether it was watched. */
  removeReader(fd: FileDescriptorLike): boolean;
  /** Calls `callback(...args)` whenever `fd` is writable, until `removeWriter(fd)`. */
  addWriter<A extends unknown[]>(fd: FileDescriptorLike, callback: (...args: A) => unknown, ...args: A): void;
  /** Stops watching `fd` for writing; returns whether it was watched. */
  removeWriter(fd: FileDescriptorLike): boolean;
}

/**
 * Asynchronous operations on non-blocking sockets: an I/O backend. Each
 * waits for readiness (selector) or completion (proactor), and rejects with
 * the socket's system error (`EAGAIN` never escapes: it means "wait").
 */
export interface SockMethods {
  /** Receives up to `nbytes` bytes; an empty `Buffer` means EOF. */
  sockRecv(sock: SocketLike, nbytes: number): Promise<Buffer>;
  /** Receives into `buf`; resolves to the number of bytes written (`0` at EOF). */
  sockRecvInto(sock: SocketLike, buf: Uint8Array): Promise<number>;
  /** Receives one datagram of up to `bufsize` bytes and its sender's address. */
  sockRecvfrom(sock: SocketLike, bufsize: number): Promise<[Buffer, Address]>;
  /** Receives one datagram into `buf` (at most `nbytes` bytes; `0` or omitted: the whole buffer): the count and the sender's address. */
  sockRecvfromInto(sock: SocketLike, buf: Uint8Array, nbytes?: number): Promise<[number, Address]>;
  /** Sends all of `data`, however many sends it takes. */
  sockSendall(sock: SocketLike, data: Uint8Array): Promise<void>;
  /** Sends one datagram to `address`; resolves to the number of bytes sent. */
  sockSendto(sock: SocketLike, data: Uint8Array, address: Address): Promise<number>;
  /** Connects `sock` to `address`, resolving the host with `getaddrinfo` when it is not an IP address. */
  sockConnect(sock: SocketLike, address: Address): Promise<void>;
  /** Accepts a connection on a listening socket: the new (non-blocking) socket and the peer's address. */
  sockAccept<S extends SocketLike>(sock: S): Promise<[S, Address]>;
  /** As `sendfile`, over a connected stream socket. */
  sockSendfile(sock: SocketLike, file: FileLike, offset?: number, count?: number | null, options?: SendfileOptions | null): Promise<number>;
}

/** Pipes as transports: an I/O backend. The pipe is set to non-blocking mode. */
export interface PipeMethods {
  /** Wraps the read end `pipe` into a `ReadTransport` with a protocol from `factory`. */
  connectReadPipe<P extends BaseProtocol>(factory: ProtocolFactory<P>, pipe: PipeLike): Promise<[ReadTransport, P]>;
  /** Wraps the write end `pipe` into a `WriteTransport` with a protocol from `factory`. */
  connectWritePipe<P extends BaseProtocol>(factory: ProtocolFactory<P>, pipe: PipeLike): Promise<[WriteTransport, P]>;
}

/** Unix signals: `@loop/signals`. */
export interface SignalMethods {
  /**
   * Runs `callback(...args)` from the loop (so it may use the loop) when `sig`
   * (a signal number or a Node name such as `'SIGUSR1'`) arrives, replacing a
   * previous handler of this loop for `sig`. The callback runs as a loop
   * callback in a later iteration, in the context current at this call.
   *
   * @throws TypeError for a `sig` that is not an integer or a string, a
   *   callback that is not a function, or a coroutine function.
   * @throws RangeError for an invalid signal.
   * @throws RuntimeError for an uncatchable signal (`SIGKILL`, `SIGSTOP`), a
   *   closed loop, or a loop outside the main thread.
   */
  addSignalHandler<A extends unknown[]>(sig: number | NodeJS.Signals, callback: (...args: A) => unknown, ...args: A): void;
  /**
   * Removes this loop's handler for `sig`; returns whether there was one.
   *
   * @throws TypeError / RangeError for an invalid `sig`, as `addSignalHandler`.
   */
  removeSignalHandler(sig: number | NodeJS.Signals): boolean;
}

/** Child processes: `@loop/subprocess`. */
export interface SubprocessMethods {
  /**
   * Starts `program` with `args` (no shell). The transport is returned once
   * the process started and its pipes are connected, after
   * `protocol.connectionMade(transport)`.
   */
  subprocessExec<P extends BaseProtocol>(
    factory: ProtocolFactory<P>,
    program: string,
    args?: readonly string[],
    options?: SubprocessOptions | null,
  ): Promise<[SubprocessTransport, P]>;
  /** Runs `cmd` through the platform's shell; quoting is the caller's job. */
  subprocessShell<P extends BaseProtocol>(factory: ProtocolFactory<P>, cmd: string, options?: SubprocessOptions | null): Promise<[SubprocessTransport, P]>;
}

/** Executors: every `BaseEventLoop` (`@loop/core`). */
export interface ExecutorMethods {
  /**
   * Runs `func(...args)` in `executor` (the default executor, a
   * `ThreadPoolExecutor` made on first use, when `null`) and returns a loop
   * future of its result. Cancelling the future withdraws the work if it has
   * not started.
   *
   * @throws RuntimeError on a closed loop, or after `shutdownDefaultExecutor()`
   *   when `executor` is `null`.
   */
  runInExecutor<A extends unknown[], T>(
    executor: Executor | null,
    func: ((...args: A) => T | PromiseLike<T>) | WorkReference,
    ...args: A
  ): Future<T>;
  /**
   * Makes `executor` the default executor of `runInExecutor(null, …)`.
   *
   * @throws TypeError when `executor` has no `submit` and `shutdown`.
   */
  setDefaultExecutor(executor: Executor): void;
  /**
   * Shuts the default executor down and waits for it, for at most `timeout`
   * seconds (then warns and resolves); unbounded when `null` or omitted.
   */
  shutdownDefaultExecutor(timeout?: number | null): Promise<void>;
}

/** Every method group: what a fully composed loop has beyond scheduling. */
export type AllCapabilityMethods = NetMethods & FdMethods & SockMethods & PipeMethods & SignalMethods & SubprocessMethods & ExecutorMethods;
