/**
 * The selector backend: asyncio's `BaseSelectorEventLoop` I/O half, on the
 * backend contract of `@loop/interfaces` (ADR 0001), woken by Node through
 * one libuv poll handle (ADR 0005).
 *
 * WHAT IS STORED
 *   selector    a `Selector` whose keys' data is `[reader, writer]`: the
 *               `Handle` to queue when the fd is readable / writable, or null
 *   wake        the epoll descriptor Node watches: the selector's own
 *               (`EpollSelector`), or a private mirror of the registrations
 *               (any other selector)
 *   watcher     the one `Watcher` of `wake`: started while the loop runs and
 *               something is registered, stopped otherwise
 *   transports  fd -> the transport that owns it (asyncio's `_transports`),
 *               for the "used by transport" rule of `addReader` and friends
 *
 * ONE ITERATION. `poll()` (the loop's I/O phase) calls `select(0)` and
 * queues the reader / writer handle of every ready descriptor
 * (`host.addReady`), reader first, as asyncio's `_process_events`; a handle
 * found cancelled unregisters its side instead. A loop with nothing
 * registered makes no system call, and `select(0)` is skipped when it could
 * only repeat its last answer (ADR 0005's addendum). Between iterations the
 * loop waits in Node: the watcher's callback (Node's poll phase) only calls
 * `host.wakeup()`; the events are read by the next `poll()`.
 *
 * WHAT LIVES ELSEWHERE. The `sock*` operations are `sock-methods.ts`; the
 * transports are `socket-transport.ts` (streams), `datagram-transport.ts`
 * and `pipe-transport.ts`; connecting, listening and accepting are
 * `stream-sockets.ts`. This class holds the registrations and delegates.
 *
 * @packageDocumentation
 */
import {
  NotImplementedError,
  RuntimeError,
  closedError,
  describeValue,
  fileDescriptorOf,
  loopError,
  isOsError,
} from '@loop/interfaces';
import type {
  Address,
  BackendHost,
  BaseProtocol,
  BaseTransport,
  ConnectStreamOptions,
  DatagramTransport,
  ExtraInfo,
  FileDescriptorLike,
  FileLike,
  Future,
  Handle,
  IoBackend,
  ListenStreamOptions,
  OpenDatagramOptions,
  PipeLike,
  ProtocolFactory,
  ReadTransport,
  SendfileOptions,
  ServerHooks,
  SocketLike,
  StartServingOptions,
  Transport,
  WriteTransport,
} from '@loop/interfaces';
import { Epoll, SOCK_DGRAM, SOCK_STREAM, SOL_SOCKET, SO_BROADCAST, SO_REUSEPORT, Socket, Watcher, readinessActivity } from '@loop/socket';
import { SelectorDatagramTransport } from './datagram-transport.js';
import { SelectorReadPipeTransport, SelectorWritePipeTransport } from './pipe-transport.js';
import { SelectorSocketTransport } from './socket-transport.js';
import { Listener, connectSocket, listenSocket, sendfileNative, startAccepting, stopAccepting, streamSocket } from './stream-sockets.js';
import { EVENT_READ, EVENT_WRITE, EpollSelector, type Selector, type SelectorKey } from './selectors.js';
import * as sock from './sock-methods.js';

/** What a key's data holds: the reader and writer handles. */
export type ReaderWriter = [reader: Handle | null, writer: Handle | null];

type Key = SelectorKey<ReaderWriter>;

/**
 * At most this many iterations in a row skip `select(0)` when nothing this
 * thread did could have made a descriptor ready and Node did not wake the
 * loop: the bound on how late an event from outside (another process, the
 * network) is seen while the loop is busy with callbacks (ADR 0005).
 */
const QUIET_POLLS = 64;

/**
 * `sock` as a `@loop/socket` `Socket` the selector can use: open, and of
 * `type` when given.
 */
function ownSocket(api: string, sock: SocketLike, type: number | null): Socket {
  if (!(sock instanceof Socket)) {
    throw new NotImplementedError(`${api} requires a @loop/socket Socket (the selector backend watches its descriptor), got ${describeValue(sock)}`);
  }
  if (sock.fileno() === -1) throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}: ${sock.toString()} is closed`);
  if (type !== null && sock.type !== type) throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}: ${sock.toString()} is not a stream socket`);
  return sock;
}

/**
 * The readiness backend of `SelectorEventLoop`. Give it a selector (an
 * `EpollSelector` when omitted); one instance serves one loop, and the
 * loop's `close()` closes the selector, as asyncio's does.
 */
export class SelectorBackend implements IoBackend {
  /** `'selector'`. */
  readonly name = 'selector';
  #host: BackendHost | null = null;
  #closed = false;
  #running = false;
  readonly #selector: Selector<ReaderWriter>;
  /** The selector when it is ours and epoll-based: the allocation-free path. */
  readonly #epoll: EpollSelector<ReaderWriter> | null;
  /** The private mirror of the registrations, for any other selector. */
  #mirror: Epoll | null = null;
  #watcher: Watcher | null = null;
  readonly #out = new Int32Array(512);
  readonly #transports = new Map<number, BaseTransport>();
  /** The listening sockets being served (`startServing` until `stopServing`). */
  readonly #listeners = new Map<Socket, Listener>();
  /** The next poll must select: Node woke the loop, a registration changed, or the last select found something. */
  #mustPoll = true;
  /**
   * Handles the last select queued whose descriptor may still be ready
   * (level-triggered): the next poll selects while any is left. A stream
   * transport's read that came back short says its socket is drained
   * (`_drained`); any other handle keeps the next select due, as asyncio's
   * select in every iteration would report it again.
   */
  #levelLeft = 0;
  #quiet = 0;
  #seenActivity = 0;
  /** The watcher's callback (a Node callback): the iteration runs in it when the loop is idle. */
  readonly #wakeFn = (): void => {
    this.#mustPoll = true;
    const host = this.#host;
    if (host === null) return;
    if (host.wakeupNow !== undefined) host.wakeupNow();
    else host.wakeup();
  };

  /** @param selector the selector to use; a new `EpollSelector` when omitted. */
  constructor(selector?: Selector<ReaderWriter> | null) {
    if (selector === undefined || selector === null) selector = new EpollSelector<ReaderWriter>();
    else if (typeof selector !== 'object' || typeof (selector as Partial<Selector>).select !== 'function' || typeof (selector as Partial<Selector>).register !== 'function') {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `SelectorEventLoop: selector must be a selectors Selector (register, unregister, modify, select, getKey, getMap, close), got ${describeValue(selector)}`);
    }
    this.#selector = selector;
    this.#epoll = selector instanceof EpollSelector ? selector : null;
    if (this.#epoll === null) {
      this.#mirror = new Epoll();
      for (const key of selector.getMap().values()) this.#mirrorSet(key.fd, key.events, false);
    }
  }

  /** Keeps the private mirror in step with a foreign selector (ADR 0005). */
  #mirrorSet(fd: number, events: number, known: boolean): void {
    const mirror = this.#mirror;
    if (mirror === null) return;
    try {
      if (known) mirror.modify(fd, events);
      else mirror.register(fd, events);
    } catch (err) {
      // A descriptor epoll refuses (a regular file: poll(2) says it is always
      // ready) cannot wake the loop; it needs no waking while it stays
      // registered, since every select() reports it.
      if (!(isOsError(err) && (err as { code?: unknown }).code === 'EPERM')) throw err;
      this.#host?.wakeup();
    }
  }

  /** The selector (asyncio's `loop._selector`). */
  get selector(): Selector<ReaderWriter> {
    return this.#selector;
  }

  /**
   * Called once by the loop's constructor.
   *
   * @throws RuntimeError when already attached.
   */
  attach(host: BackendHost): void {
    if (this.#host !== null) throw new RuntimeError('SelectorBackend.attach(): this backend is already attached to a loop; make one backend per loop');
    this.#host = host;
  }

  /**
   * The I/O phase: `select(0)`, and each ready descriptor's reader / writer
   * joins the ready queue. Skipped (ADR 0005) when it could only repeat the
   * last answer: the last select found nothing, no registration changed,
   * Node did not wake the loop, and no call of this thread since could have
   * made a descriptor ready (`readinessActivity`); at most `QUIET_POLLS`
   * iterations in a row.
   */
  poll(_timeout: number): void {
    if (this.#closed) return;
    const activity = readinessActivity.count;
    if (!this.#mustPoll && this.#levelLeft <= 0 && activity === this.#seenActivity && ++this.#quiet < QUIET_POLLS) return;
    this.#mustPoll = false;
    this.#levelLeft = 0;
    this.#quiet = 0;
    this.#seenActivity = activity;
    const epoll = this.#epoll;
    if (epoll !== null) {
      const keys = epoll.getMap();
      if (keys.size === 0) return;
      const out = this.#out;
      const n = epoll._selectRaw(out);
      for (let i = 0; i < n; i++) {
        const key = keys.get(out[2 * i]);
        if (key !== undefined) this.#process(key, (out[2 * i + 1]) & key.events);
      }
      return;
    }
    if (this.#selector.getMap().size === 0) return;
    const ready = this.#selector.select(0);
    for (const [key, events] of ready) this.#process(key, events);
  }

  /**
   * Internal: a handle queued by the last select found its descriptor
   * drained (a stream read that came back short, or would block), so that
   * the next iteration need not select again for it (ADR 0005). Data that
   * arrives after that read is an event from outside, seen as any other.
   */
  _drained(): void {
    this.#levelLeft--;
  }

  #process(key: Key, events: number): void {
    const host = this.#host as BackendHost;
    const [reader, writer] = key.data;
    if ((events & EVENT_READ) !== 0 && reader !== null) {
      if (reader.cancelled()) this._removeReader(key.fd);
      else {
        host.addReady(reader);
        this.#levelLeft++;
      }
    }
    if ((events & EVENT_WRITE) !== 0 && writer !== null) {
      if (writer.cancelled()) this._removeWriter(key.fd);
      else {
        host.addReady(writer);
        this.#levelLeft++;
      }
    }
  }

  /** Closes the watcher and the selector (the registered descriptors stay open). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#running = false;
    this.#watcher?.close();
    this.#watcher = null;
    this.#mirror?.close();
    this.#mirror = null;
    this.#selector.close();
    this.#transports.clear();
  }

  /** The loop runs: watch for readiness (if anything is registered). */
  runStarted(): void {
    this.#running = true;
    this.#syncWatcher();
  }

  /** The loop stopped: stop watching, so that a ready descriptor neither spins Node nor keeps the process alive. */
  runStopped(): void {
    this.#running = false;
    this.#syncWatcher();
  }

  /** Starts the watcher when the loop runs and something is registered, stops it otherwise. */
  #syncWatcher(): void {
    if (this.#closed) return;
    const want = this.#running && this.#selector.getMap().size > 0;
    if (!want) {
      this.#watcher?.stop();
      return;
    }
    let watcher = this.#watcher;
    if (watcher === null) {
      const fd = this.#epoll !== null ? this.#epoll.fileno() : (this.#mirror as Epoll).fileno();
      watcher = this.#watcher = new Watcher(fd, this.#wakeFn);
      // A running loop keeps the process alive by itself; the watcher never does.
      watcher.ref(false);
    }
    watcher.start(EVENT_READ);
  }

  #checkOpen(): BackendHost {
    const host = this.#host;
    if (host === null) throw new RuntimeError('SelectorBackend: not attached to a loop');
    if (this.#closed || host.isClosed()) throw closedError();
    return host;
  }

  // ------------------------------------------------------------------ registrations

  #key(fd: number): Key | undefined {
    return this.#selector.getMap().get(fd);
  }

  /** Registers or modifies `fd` in the selector and the mirror; unwatchable descriptors become a RangeError. */
  #set(api: string, fd: number, key: Key | undefined, events: number, data: ReaderWriter): void {
    try {
      if (key === undefined) this.#selector.register(fd, events, data);
      else this.#selector.modify(fd, events, data);
    } catch (err) {
      if (isOsError(err) && (err as { code?: unknown }).code === 'EPERM') {
        const e = loopError(
          RangeError,
          'ERR_LOOP_OUT_OF_RANGE',
          `${api}(): file descriptor ${fd} cannot be watched: it does not support polling (a regular file or a directory is always ready)`,
        );
        (e as { cause?: unknown }).cause = err;
        throw e;
      }
      throw err;
    }
    this.#mirrorSet(fd, events, key !== undefined);
    this.#mustPoll = true;
    if (key === undefined) this.#syncWatcher();
  }

  #drop(fd: number, key: Key, events: number, data: ReaderWriter): void {
    if (events === 0) {
      this.#selector.unregister(key.fileobj);
      try {
        this.#mirror?.unregister(fd);
      } catch {
        // closed before being unregistered (the kernel dropped it), or never mirrored (EPERM)
      }
      if (this.#selector.getMap().size === 0) this.#syncWatcher();
    } else {
      this.#selector.modify(key.fileobj, events, data);
      this.#mirrorSet(fd, events, true);
    }
  }

  /** asyncio's `_ensure_fd_no_transport`: the descriptor, unless a live transport owns it. */
  #fdNotOwned(api: string, fileobj: FileDescriptorLike): number {
    const fd = fileDescriptorOf(fileobj);
    const transport = this.#transports.get(fd);
    if (transport !== undefined && !transport.isClosing()) {
      throw loopError(RuntimeError, 'ERR_LOOP_FD_IN_USE', `${api}(): File descriptor ${describeValue(fileobj)} is used by transport ${describeValue(transport)}`);
    }
    return fd;
  }

  /** @internal A transport owns `fd` from now on (asyncio's `_transports[fd] = transport`). */
  _claimFd(fd: number, transport: BaseTransport): void {
    this.#transports.set(fd, transport);
  }

  /** @internal The transport of `fd` is gone. */
  _releaseFd(fd: number, transport: BaseTransport): void {
    if (this.#transports.get(fd) === transport) this.#transports.delete(fd);
  }

  /**
   * @internal asyncio's `_add_reader`: no transport check (transports and
   * the `sock*` operations use it). Returns the handle; replaces (and
   * cancels) a previous reader.
   */
  _addReader<A extends unknown[]>(fd: number, callback: (...args: A) => unknown, ...args: A): Handle {
    const host = this.#checkOpen();
    const handle = host.createHandle(callback, args);
    const key = this.#key(fd);
    if (key === undefined) {
      this.#set('addReader', fd, undefined, EVENT_READ, [handle, null]);
    } else {
      const [reader, writer] = key.data;
      this.#set('addReader', fd, key, key.events | EVENT_READ, [handle, writer]);
      reader?.cancel();
    }
    return handle;
  }

  /** @internal asyncio's `_remove_reader`: whether a reader was removed. */
  _removeReader(fd: number): boolean {
    if (this.#closed) return false;
    const key = this.#key(fd);
    if (key === undefined) return false;
    const [reader, writer] = key.data;
    this.#drop(fd, key, key.events & ~EVENT_READ, [null, writer]);
    if (reader === null) return false;
    reader.cancel();
    return true;
  }

  /** @internal asyncio's `_add_writer`. */
  _addWriter<A extends unknown[]>(fd: number, callback: (...args: A) => unknown, ...args: A): Handle {
    const host = this.#checkOpen();
    const handle = host.createHandle(callback, args);
    const key = this.#key(fd);
    if (key === undefined) {
      this.#set('addWriter', fd, undefined, EVENT_WRITE, [null, handle]);
    } else {
      const [reader, writer] = key.data;
      this.#set('addWriter', fd, key, key.events | EVENT_WRITE, [reader, handle]);
      writer?.cancel();
    }
    return handle;
  }

  /** @internal asyncio's `_remove_writer`: whether a writer was removed. */
  _removeWriter(fd: number): boolean {
    if (this.#closed) return false;
    const key = this.#key(fd);
    if (key === undefined) return false;
    const [reader, writer] = key.data;
    this.#drop(fd, key, key.events & ~EVENT_WRITE, [reader, null]);
    if (writer === null) return false;
    writer.cancel();
    return true;
  }

  /** @internal The host (transports and `sock*` operations schedule through it). */
  get _host(): BackendHost {
    return this.#checkOpen();
  }

  // ------------------------------------------------------------------ fd watching (the loop's methods)

  /**
   * `loop.addReader(fd, callback, ...args)`: `callback(...args)` runs in the
   * loop each iteration while `fd` is readable, until `removeReader(fd)`. A
   * second call replaces the first.
   *
   * @throws RuntimeError (`ERR_LOOP_FD_IN_USE`) when a transport owns `fd`; (`ERR_LOOP_CLOSED`) on a closed loop.
   * @throws RangeError for an invalid descriptor, or one that cannot be polled (a regular file).
   */
  addReader<A extends unknown[]>(fd: FileDescriptorLike, callback: (...args: A) => unknown, ...args: A): void {
    this.#checkOpen();
    this._addReader(this.#fdNotOwned('addReader', fd), callback, ...args);
  }

  /** `loop.removeReader(fd)`: whether a reader was removed. @throws RuntimeError (`ERR_LOOP_FD_IN_USE`) when a transport owns `fd`. */
  removeReader(fd: FileDescriptorLike): boolean {
    return this._removeReader(this.#fdNotOwned('removeReader', fd));
  }

  /** `loop.addWriter(fd, callback, ...args)`: as `addReader`, for writability. */
  addWriter<A extends unknown[]>(fd: FileDescriptorLike, callback: (...args: A) => unknown, ...args: A): void {
    this.#checkOpen();
    this._addWriter(this.#fdNotOwned('addWriter', fd), callback, ...args);
  }

  /** `loop.removeWriter(fd)`: whether a writer was removed. */
  removeWriter(fd: FileDescriptorLike): boolean {
    return this._removeWriter(this.#fdNotOwned('removeWriter', fd));
  }

  // ------------------------------------------------------------------ sock* (sock-methods.ts)

  /** @internal asyncio's `_ensure_fd_no_transport`, for the `sock*` operations. @throws RuntimeError (`ERR_LOOP_FD_IN_USE`). */
  _ensureFdNoTransport(api: string, fd: number): void {
    this.#fdNotOwned(api, fd);
  }

  /** `loop.sockRecv(sock, n)`: up to `n` bytes, waiting for readability; an empty Buffer at EOF (asyncio's `sock_recv`). */
  sockRecv(s: SocketLike, n: number): Promise<Buffer> {
    return sock.sockRecv(this, s, n);
  }

  /** `loop.sockRecvInto(sock, buf)`: receives into `buf`, resolves to the count, 0 at EOF (asyncio's `sock_recv_into`). */
  sockRecvInto(s: SocketLike, buf: Uint8Array): Promise<number> {
    return sock.sockRecvInto(this, s, buf);
  }

  /** `loop.sockRecvfrom(sock, bufsize)`: one datagram and its sender (asyncio's `sock_recvfrom`). */
  sockRecvfrom(s: SocketLike, bufsize: number): Promise<[Buffer, Address]> {
    return sock.sockRecvfrom(this, s, bufsize);
  }

  /** `loop.sockRecvfromInto(sock, buf, nbytes)`: one datagram into `buf`: `[count, sender]` (asyncio's `sock_recvfrom_into`). */
  sockRecvfromInto(s: SocketLike, buf: Uint8Array, nbytes?: number): Promise<[number, Address]> {
    return sock.sockRecvfromInto(this, s, buf, nbytes);
  }

  /** `loop.sockSendall(sock, data)`: sends all of `data`, waiting for writability between sends (asyncio's `sock_sendall`). */
  sockSendall(s: SocketLike, data: Uint8Array): Promise<void> {
    return sock.sockSendall(this, s, data);
  }

  /** `loop.sockSendto(sock, data, address)`: one datagram; resolves to the count (asyncio's `sock_sendto`). */
  sockSendto(s: SocketLike, data: Uint8Array, address: Address): Promise<number> {
    return sock.sockSendto(this, s, data, address);
  }

  /** `loop.sockConnect(sock, address)`: connects, resolving a host name with `loop.getaddrinfo` (asyncio's `sock_connect`). */
  sockConnect(s: SocketLike, address: Address): Promise<void> {
    return sock.sockConnect(this, s, address);
  }

  /** `loop.sockAccept(sock)`: the next connection and its peer address (asyncio's `sock_accept`). */
  sockAccept<S extends SocketLike>(s: S): Promise<[S, Address]> {
    return sock.sockAccept(this, s);
  }

  /** `loop.sockSendfile(sock, file, offset, count, { fallback })`: `sendfile(2)` or read + `sockSendall` (asyncio's `sock_sendfile`). */
  sockSendfile(s: SocketLike, file: FileLike, offset?: number, count?: number | null, options?: SendfileOptions | null): Promise<number> {
    return sock.sockSendfile(this, s, file, offset, count, options);
  }

  // ------------------------------------------------------------------ transports and servers (the next step)

  /**
   * A stream transport over a connected `@loop/socket` `Socket` (TCP or
   * Unix; asyncio's `_make_socket_transport`): see `SelectorSocketTransport`.
   * The socket is set to non-blocking mode (asyncio's `sock.setblocking(False)`
   * for a socket given by the caller) and closed with the transport.
   *
   * @throws NotImplementedError for a socket that is not a `@loop/socket` `Socket`.
   * @throws TypeError (`ERR_LOOP_INVALID_ARG`) for a closed socket or one that is not a stream socket.
   * @throws RuntimeError (`ERR_LOOP_CLOSED`) on a closed loop.
   */
  makeSocketTransport(sock: SocketLike, protocol: BaseProtocol, waiter?: Future<void> | null, extra?: ExtraInfo | null, server?: ServerHooks | null): Transport {
    const host = this.#checkOpen();
    const s = ownSocket('makeSocketTransport()', sock, SOCK_STREAM);
    if (s.getblocking()) s.setblocking(false);
    return new SelectorSocketTransport(this, host, s, protocol, waiter ?? null, extra ?? null, server ?? null);
  }

  /**
   * A datagram transport over `sock`, a `@loop/socket` datagram `Socket`
   * (from `openDatagram`, or given to `createDatagramEndpoint`), set to
   * non-blocking mode: see `SelectorDatagramTransport`. `address` is the
   * default remote address (asyncio's `r_addr`).
   *
   * @throws TypeError (`ERR_LOOP_INVALID_ARG`) when `sock` is not an open `@loop/socket` `Socket`.
   * @throws RuntimeError (`ERR_LOOP_CLOSED`) on a closed loop.
   */
  makeDatagramTransport(sock: SocketLike, protocol: BaseProtocol, address?: Address | null, waiter?: Future<void> | null, extra?: ExtraInfo | null): DatagramTransport {
    const host = this.#checkOpen();
    if (!(sock instanceof Socket) || sock.state !== 'open') {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `makeDatagramTransport(): sock must be an open @loop/socket Socket, got ${describeValue(sock)}`);
    }
    sock.setblocking(false);
    return new SelectorDatagramTransport(this, host, sock, protocol, address ?? null, waiter ?? null, extra ?? null);
  }

  /**
   * A read transport over the read end of a pipe, a socket or a character
   * device (asyncio's `_UnixReadPipeTransport`): see `SelectorReadPipeTransport`.
   *
   * @throws RangeError (`ERR_LOOP_OUT_OF_RANGE`) for anything else
   *   (`Pipe transport is for pipes/sockets only.`), or an invalid descriptor.
   */
  makeReadPipeTransport(pipe: PipeLike, protocol: BaseProtocol, waiter?: Future<void> | null, extra?: ExtraInfo | null): ReadTransport {
    const host = this.#checkOpen();
    return new SelectorReadPipeTransport(this, host, pipe, protocol, waiter ?? null, extra ?? null);
  }

  /**
   * A write transport over the write end of a pipe, a socket or a character
   * device (asyncio's `_UnixWritePipeTransport`): see `SelectorWritePipeTransport`.
   *
   * @throws RangeError (`ERR_LOOP_OUT_OF_RANGE`) for anything else
   *   (`Pipe transport is only for pipes, sockets and character devices`).
   */
  makeWritePipeTransport(pipe: PipeLike, protocol: BaseProtocol, waiter?: Future<void> | null, extra?: ExtraInfo | null): WriteTransport {
    const host = this.#checkOpen();
    return new SelectorWritePipeTransport(this, host, pipe, protocol, waiter ?? null, extra ?? null);
  }

  /**
   * Starts accepting on the listening `sock` (asyncio's `_start_serving`):
   * a reader on it accepts up to `options.backlog` (100) connections per
   * readiness event, each getting `protocolFactory()` and a transport
   * attached to `server` one loop step later. `EMFILE`, `ENFILE`, `ENOBUFS`
   * and `ENOMEM` go to the exception handler (`socket.accept() out of system
   * resource`) and pause accepting for one second, the clients waiting in
   * the kernel's backlog; `EAGAIN` and `ECONNABORTED` are ignored. `listen()`
   * is called again with the backlog, as asyncio's `Server` does, so a bound
   * socket given with `sock` is served too. TLS is layered by `@loop/net`.
   *
   * @throws NotImplementedError for a socket that is not a `@loop/socket` `Socket`, or with `options.sslcontext`.
   * @throws TypeError (`ERR_LOOP_INVALID_ARG`) for a closed socket, or one already served.
   */
  startServing(protocolFactory: ProtocolFactory, sock: SocketLike, server: ServerHooks, options: StartServingOptions = {}): void {
    this.#checkOpen();
    const s = ownSocket('startServing()', sock, SOCK_STREAM);
    if (options.sslcontext !== null && options.sslcontext !== undefined) {
      throw new NotImplementedError('startServing(): the selector backend has no native TLS transport; @loop/net layers TLS over plain transports');
    }
    if (this.#listeners.has(s)) throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `startServing(): ${s.toString()} is already being served`);
    const backlog = options.backlog ?? 100;
    s.listen(backlog);
    if (s.getblocking()) s.setblocking(false);
    const listener = new Listener(s, protocolFactory, server, backlog);
    this.#listeners.set(s, listener);
    startAccepting(this, listener);
  }

  /** Stops accepting on `sock` and closes it (asyncio's `_stop_serving`). Idempotent. */
  stopServing(sock: SocketLike): void {
    this.#checkOpen();
    if (sock instanceof Socket && sock.fileno() === -1) return;
    const s = ownSocket('stopServing()', sock, null);
    const listener = this.#listeners.get(s);
    if (listener !== undefined) {
      this.#listeners.delete(s);
      stopAccepting(this, listener);
    } else if (s.fileno() !== -1) {
      this._removeReader(s.fileno());
    }
    s.close();
  }

  /**
   * Makes a stream socket of `options.family` (`IPPROTO_TCP` for IP
   * families), binds it to `options.localAddr` when given, and connects it
   * without blocking (asyncio's `sock_connect`: a writer, then `SO_ERROR`).
   * Fails with the system error of the bind or connect, as Node's
   * (`connect ECONNREFUSED 127.0.0.1:9` with `address` and `port`).
   * Cancelling the future removes the writer and closes the socket.
   *
   * @throws RuntimeError (`ERR_LOOP_CLOSED`) on a closed loop.
   */
  connectStream(address: Address, options: ConnectStreamOptions): Future<SocketLike> {
    const host = this.#checkOpen();
    const fut = host.createFuture<SocketLike>();
    let sock: Socket;
    try {
      sock = streamSocket(options.family);
    } catch (exc) {
      fut.setException(exc);
      return fut;
    }
    if (options.localAddr !== null && options.localAddr !== undefined) {
      try {
        sock.bind(options.localAddr);
      } catch (exc) {
        sock.close();
        fut.setException(exc);
        return fut;
      }
    }
    connectSocket(this, sock, address, fut);
    return fut;
  }

  /**
   * Makes a stream socket bound to `address` and listening (the socket part
   * of asyncio's `create_server`): `SO_REUSEADDR` unless `reuseAddress` is
   * `false` (TCP), `SO_REUSEPORT` with `reusePort`, `SO_KEEPALIVE` with
   * `keepAlive` (inherited by the accepted connections), `IPV6_V6ONLY` with
   * `ipv6Only`. Rejects with the system error of the bind or listen.
   */
  listenStream(address: Address, options: ListenStreamOptions): Promise<SocketLike> {
    try {
      this.#checkOpen();
      return Promise.resolve(listenSocket(address, options));
    } catch (exc) {
      return Promise.reject(exc);
    }
  }

  /**
   * `@loop/net`'s native `sendfile` hook (asyncio's `_sendfile_native`):
   * pauses reading, waits for the write buffer to empty, then
   * `sockSendfile(sock, file, offset, count, { fallback: false })`, and gives
   * the transport back. Rejects with `SendfileNotAvailableError` (so that
   * `@loop/net` falls back) for a transport that is not this backend's, or
   * when this backend has no `sockSendfile`.
   */
  sendfileNative(transport: WriteTransport, file: FileLike, offset: number, count: number | null): Promise<number> {
    try {
      this.#checkOpen();
    } catch (exc) {
      return Promise.reject(exc);
    }
    return sendfileNative(this, transport, file, offset, count);
  }

  /**
   * A non-blocking `@loop/socket` datagram socket of `options.family`
   * (asyncio's `create_datagram_endpoint` set-up): `SO_REUSEPORT` when
   * `reusePort`, `SO_BROADCAST` when `allowBroadcast`, bound to `localAddr`
   * and connected to `remoteAddr` when given (left unbound otherwise: the
   * first `sendto` binds it). `AF_UNIX` takes paths and abstract names
   * (`'\\0name'`). Rejects with the system error of the step that failed,
   * the socket closed.
   */
  openDatagram(options: OpenDatagramOptions): Promise<SocketLike> {
    let sock: Socket | null = null;
    try {
      this.#checkOpen();
      sock = new Socket(options.family, SOCK_DGRAM, 0);
      if (options.reusePort === true) sock.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1);
      if (options.allowBroadcast === true) sock.setsockopt(SOL_SOCKET, SO_BROADCAST, 1);
      const local = options.localAddr;
      if (local !== null && local !== undefined) sock.bind(local);
      const remote = options.remoteAddr;
      // A datagram connect() completes at once (no handshake): no waiting needed.
      if (remote !== null && remote !== undefined) sock.connect(remote);
      return Promise.resolve(sock);
    } catch (exc) {
      sock?.close();
      return Promise.reject(exc);
    }
  }
}
