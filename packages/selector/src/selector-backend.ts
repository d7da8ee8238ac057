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
 * registered makes no system call. Between iterations the loop waits in
 * Node: the watcher's callback (Node's poll phase) only calls
 * `host.wakeup()`; the events are read by the next `poll()`.
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
  Future,
  Handle,
  IoBackend,
  ListenStreamOptions,
  OpenDatagramOptions,
  PipeLike,
  ProtocolFactory,
  ReadTransport,
  ServerHooks,
  SocketLike,
  StartServingOptions,
  Transport,
  WriteTransport,
} from '@loop/interfaces';
import { Epoll, SOCK_DGRAM, SOL_SOCKET, SO_BROADCAST, SO_REUSEPORT, Socket, Watcher } from '@loop/socket';
import { SelectorDatagramTransport } from './datagram-transport.js';
import { SelectorReadPipeTransport, SelectorWritePipeTransport } from './pipe-transport.js';
import { EVENT_READ, EVENT_WRITE, EpollSelector, type Selector, type SelectorKey } from './selectors.js';

/** What a key's data holds: the reader and writer handles. */
export type ReaderWriter = [reader: Handle | null, writer: Handle | null];

type Key = SelectorKey<ReaderWriter>;

const NOT_YET = 'is not built yet in @loop/selector; use ProactorEventLoop (@loop/proactor) for transports and servers until it lands';

function notYet(method: string): NotImplementedError {
  return new NotImplementedError(`${method}() ${NOT_YET}`);
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
  readonly #wakeFn = (): void => this.#host?.wakeup();

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

  /** The I/O phase: `select(0)`, and each ready descriptor's reader / writer joins the ready queue. */
  poll(_timeout: number): void {
    if (this.#closed) return;
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
    for (const [key, events] of this.#selector.select(0)) this.#process(key, events);
  }

  #process(key: Key, events: number): void {
    const host = this.#host as BackendHost;
    const [reader, writer] = key.data;
    if ((events & EVENT_READ) !== 0 && reader !== null) {
      if (reader.cancelled()) this._removeReader(key.fd);
      else host.addReady(reader);
    }
    if ((events & EVENT_WRITE) !== 0 && writer !== null) {
      if (writer.cancelled()) this._removeWriter(key.fd);
      else host.addReady(writer);
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

  // ------------------------------------------------------------------ transports and servers (the next step)

  /** Not built yet: throws `NotImplementedError` naming `@loop/selector`. */
  makeSocketTransport(_sock: SocketLike, _protocol: BaseProtocol, _waiter?: Future<void> | null, _extra?: ExtraInfo | null, _server?: ServerHooks | null): Transport {
    throw notYet('makeSocketTransport');
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

  /** Not built yet: throws `NotImplementedError` naming `@loop/selector`. */
  startServing(_factory: ProtocolFactory, _sock: SocketLike, _server: ServerHooks, _options?: StartServingOptions): void {
    throw notYet('startServing');
  }

  /** Not built yet: throws `NotImplementedError` naming `@loop/selector`. */
  stopServing(_sock: SocketLike): void {
    throw notYet('stopServing');
  }

  /** Not built yet: throws `NotImplementedError` naming `@loop/selector`. */
  connectStream(_address: Address, _options: ConnectStreamOptions): Future<SocketLike> {
    throw notYet('connectStream');
  }

  /** Not built yet: rejects with `NotImplementedError` naming `@loop/selector`. */
  listenStream(_address: Address, _options: ListenStreamOptions): Promise<SocketLike> {
    return Promise.reject(notYet('listenStream'));
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
