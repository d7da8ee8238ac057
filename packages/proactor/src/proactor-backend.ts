/**
 * `ProactorBackend`: the completion backend (asyncio's
 * `BaseProactorEventLoop` hooks, ADR 0001 / ADR 0002), implementing
 * `IoBackend` on Node's own handles: `net.Socket`, `net.Server`,
 * `dgram.Socket`. No native code, no file-descriptor watching.
 *
 * HOW. Node completes I/O on its own loop; every Node callback records the
 * event and schedules the protocol step with `host.callSoon`, which wakes an
 * idle running loop (ADR 0002 §3). So `poll()` has nothing to move: the
 * events are already in the ready queue, in arrival order.
 *
 * ```text
 *   connectStream   net.connect({ onread, allowHalfOpen }) paused  -> Future<ProactorSocket>
 *   listenStream    net.Server.listen(...)                           -> Promise<ProactorSocket (listener)>
 *                   accepted handles arrive raw (handle.onconnection): each becomes a paused
 *                   net.Socket with onread; held until startServing (ADR 0002 §5, D27)
 *   startServing    held + later connections -> callSoon(protocolFactory() + makeSocketTransport)
 *   openDatagram    dgram.createSocket + bind / connect / setBroadcast -> Promise<ProactorSocket>
 *
 *   sock= (a @loop/socket Socket, duck-typed: fileno, dup, type, family)
 *     connected stream   makeSocketTransport  net.Socket({ fd: sock.detach() })        the transport owns the fd
 *     listening stream   startServing         sock.listen(backlog); net.Server.listen({ fd: dup })   (D83)
 *     datagram (IP)      makeDatagramTransport dgram.createSocket().bind({ fd: dup })  (D84)
 * ```
 *
 * WHY a duplicate for listeners and datagram sockets: Node closes the
 * descriptor it serves, and asyncio keeps the caller's socket visible
 * (`server.sockets`, the transport's `socket`), so the caller's socket must
 * stay open; closing the adopted `ProactorSocket` closes it too (`#origins`),
 * as asyncio closes the socket it was given.
 *
 * Every handle the backend makes is tracked: `runStarted` references them
 * (a running loop keeps the process alive), `runStopped` unreferences them
 * (a stopped loop does not), and a socket leaves the set when it closes.
 *
 * WHY accepted handles are taken raw: a `net.Socket` chooses at construction
 * whether reads go through `onread` (the zero-copy path a `BufferedProtocol`
 * needs) or through `'data'` events; `net.Server` builds its sockets without
 * `onread`. Taking the handle from the server's `onconnection` lets this
 * backend build the socket itself (every such Node-private field is reached
 * through `src/internal/node-private.ts`).
 *
 * @packageDocumentation
 */

import * as dgram from 'node:dgram';
import { closeSync, fstatSync } from 'node:fs';
import * as net from 'node:net';
import * as tty from 'node:tty';
import { getSystemErrorName } from 'node:util';
import {
  NotImplementedError,
  RuntimeError,
  closedError,
  describeValue,
  fileDescriptorOf,
  loopError,
  markStandIn,
  type Address,
  type BackendHost,
  type BaseProtocol,
  type ConnectStreamOptions,
  type DatagramTransport,
  type ExtraInfo,
  type Future,
  type IoBackend,
  type ListenStreamOptions,
  type OpenDatagramOptions,
  type PipeLike,
  type ProtocolFactory,
  type ReadTransport,
  type ServerHooks,
  type SocketLike,
  type StartServingOptions,
  type Transport,
  type WriteTransport,
} from '@loop/interfaces';
import { AF_INET, AF_INET6, AF_UNIX, SOCK_DGRAM, SOCK_STREAM } from './constants.js';
import { ProactorDatagramTransport } from './datagram-transport.js';
import { ProactorSocket, nodeSystemError } from './proactor-socket.js';
import { ProactorSocketTransport } from './stream-transport.js';
import { fileDescriptor, markDatagramConnected, openReadableStreamHandle, socketOptions, takeConnections, type RawHandle } from './internal/node-private.js';

/** What a listener carries: connections held before `startServing`, and what serving needs. */
interface ListenerState {
  held: ProactorSocket[];
  /** Whether accepted connections get `SO_KEEPALIVE` (`ListenStreamOptions.keepAlive`). */
  keepAlive: boolean;
  serving: { factory: ProtocolFactory; server: ServerHooks } | null;
}


/** `NotImplementedError` naming `@loop/socket`, for a socket the proactor cannot use (not one of its own, nor one whose descriptor it can adopt). */
function foreignSocket(api: string, sock: unknown): NotImplementedError {
  return new NotImplementedError(
    `${api} requires @loop/socket (a Socket, with fileno() and detach() or dup()) for a socket not made by the proactor backend (got ${describeValue(sock)}); Node adopts its descriptor or a duplicate of it`,
  );
}

/**
 * A socket the proactor can adopt by duplicating its descriptor: a
 * `@loop/socket` `Socket` (Python's `socket.socket`), duck-typed so that this
 * package does not import `@loop/socket`.
 */
type DupSocket = SocketLike & {
  fileno(): number;
  dup(): { fileno(): number; detach(): number; close(): void };
  listen?: (backlog: number) => void;
};

/** Whether `fd` is still open on the socket `like` has open (same device and inode: one open socket). */
function sameSocket(fd: number, like: number): boolean {
  try {
    const a = fstatSync(fd);
    const b = fstatSync(like);
    return a.ino === b.ino && a.dev === b.dev;
  } catch {
    return false;
  }
}

/**
 * Checks a socket given by the caller (`sock=`) for adoption by `dup()`: it
 * must have `fileno()` and `dup()` (else `NotImplementedError`, as before
 * `@loop/socket`), be open, of `type`, and of an IP family or `AF_UNIX`.
 */
function dupSocket(api: string, sock: SocketLike, type: number): DupSocket {
  const s = sock as Partial<DupSocket> & SocketLike;
  if (typeof s.fileno !== 'function' || typeof s.dup !== 'function') throw foreignSocket(api, sock);
  const what = type === SOCK_STREAM ? 'a stream socket (SOCK_STREAM)' : 'a datagram socket (SOCK_DGRAM)';
  if (s.type !== type) throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}: ${describeValue(sock)} is not ${what}`);
  if (s.family !== AF_INET && s.family !== AF_INET6 && s.family !== AF_UNIX) {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}: ${describeValue(sock)} is not an AF_INET, AF_INET6 or AF_UNIX socket`);
  }
  if (s.fileno() < 0) throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}: ${describeValue(sock)} is closed`);
  return s as DupSocket;
}

function socketNotAvailable(method: string): NotImplementedError {
  return new NotImplementedError(
    `${method} requires @loop/socket (real non-blocking sockets); the proactor backend works on Node's own handles and has no socket objects to give it`,
  );
}

/** `NotImplementedError` for a `sock*` operation: the selector loop (`@loop/selector`) provides them on `@loop/socket` sockets. */
function sockMethodNotAvailable(method: string): NotImplementedError {
  return new NotImplementedError(
    `${method} requires a selector loop (@loop/selector, SelectorEventLoop) with @loop/socket sockets; the proactor backend works on Node's own handles and has no socket objects to give it`,
  );
}

function inetAddress(api: string, address: Address): [string, number] {
  if (typeof address === 'string' || !Array.isArray(address) || typeof address[0] !== 'string' || typeof address[1] !== 'number') {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}: an address [host, port] is required for an IP socket, got ${JSON.stringify(address)}`);
  }
  return [address[0], address[1]];
}

/**
 * The proactor backend: give it to a `BaseEventLoop` (or use
 * `ProactorEventLoop`). One instance serves one loop.
 */
export class ProactorBackend implements IoBackend {
  /** `'proactor'`. */
  readonly name = 'proactor';
  #host: BackendHost | null = null;
  #running = false;
  #closed = false;
  readonly #sockets = new Set<ProactorSocket>();
  readonly #listeners = new WeakMap<ProactorSocket, ListenerState>();
  /** Listeners made over a caller's socket (`startServing` with `sock=`), by that socket. */
  readonly #adoptedListeners = new WeakMap<object, ProactorSocket>();
  /** Datagram sockets made over a caller's socket (`makeDatagramTransport` with `sock=`), by that socket. */
  readonly #adoptedDatagrams = new WeakMap<object, ProactorSocket>();
  /** The caller's socket behind each adopted `ProactorSocket`: closed when it closes. */
  readonly #origins = new WeakMap<ProactorSocket, SocketLike>();
  /** One function for every socket's `_onClose` (no closure per connection). */
  readonly #forgetFn = (sock: ProactorSocket): void => this.#forget(sock);

  /**
   * Called once by the loop's constructor.
   *
   * @throws RuntimeError when already attached.
   */
  attach(host: BackendHost): void {
    if (this.#host !== null) throw new RuntimeError('ProactorBackend.attach(): this backend is already attached to a loop; make one backend per loop');
    this.#host = host;
  }

  /** Nothing to move: Node callbacks already scheduled their steps with `callSoon`. */
  poll(_timeout: number): void {}

  /**
   * Stops accepting on every listener (held connections are closed) and
   * unreferences every handle. Transports still open stay open, as the
   * contract says. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#running = false;
    for (const sock of [...this.#sockets]) {
      const state = this.#listeners.get(sock);
      if (state !== undefined) {
        state.serving = null;
        for (const conn of state.held.splice(0)) conn.close();
      }
      sock._ref(false);
    }
  }

  /** References every handle: a running loop keeps the process alive. */
  runStarted(): void {
    this.#running = true;
    for (const sock of this.#sockets) sock._ref(true);
  }

  /** Unreferences every handle: a stopped loop does not keep the process alive. */
  runStopped(): void {
    this.#running = false;
    for (const sock of this.#sockets) sock._ref(false);
  }

  #checkOpen(): BackendHost {
    const host = this.#host;
    if (host === null) throw new RuntimeError('ProactorBackend: not attached to a loop');
    if (this.#closed || host.isClosed()) throw closedError();
    return host;
  }

  #track(sock: ProactorSocket): ProactorSocket {
    this.#sockets.add(sock);
    sock._ref(this.#running);
    sock._onClose = this.#forgetFn;
    return sock;
  }

  #forget(sock: ProactorSocket): void {
    this.#sockets.delete(sock);
    const state = this.#listeners.get(sock);
    if (state !== undefined) {
      state.serving = null;
      for (const conn of state.held.splice(0)) conn.close();
    }
    const origin = this.#origins.get(sock);
    if (origin !== undefined) {
      // An adopted socket: its duplicate (Node's) is closed; the caller's own
      // descriptor goes with it, as asyncio closes the socket it was given.
      this.#origins.delete(sock);
      origin.close();
    }
  }

  // ------------------------------------------------------------------ socket factories

  /**
   * Connects a stream socket (TCP, or Unix when `family` is `AF_UNIX`),
   * bound first to `localAddr` when given. The socket is paused: nothing is
   * read before a transport is made over it. Cancelling the future destroys
   * the socket.
   *
   * @throws RuntimeError when the loop is closed.
   */
  connectStream(address: Address, options: ConnectStreamOptions): Future<SocketLike> {
    const host = this.#checkOpen();
    const fut = host.createFuture<SocketLike>();
    let node: net.Socket;
    let unixPeer = '';
    try {
      const onread = ProactorSocket._onread;
      if (options.family === AF_UNIX) {
        if (typeof address !== 'string') throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `connectStream(): a Unix socket address is a path string, got ${JSON.stringify(address)}`);
        if (options.localAddr !== null && options.localAddr !== undefined) throw socketNotAvailable('connectStream() with a local address for a Unix socket');
        unixPeer = address;
        node = net.connect({ path: address, allowHalfOpen: true, onread });
      } else {
        const [h, port] = inetAddress('connectStream()', address);
        const opts: net.TcpNetConnectOpts = { host: h, port, allowHalfOpen: true, onread, family: options.family === AF_INET6 ? 6 : 4 };
        if (options.localAddr !== null && options.localAddr !== undefined) {
          const [lh, lp] = inetAddress('connectStream() localAddr', options.localAddr);
          opts.localAddress = lh;
          if (lp !== 0) opts.localPort = lp;
        }
        node = net.connect(opts);
      }
    } catch (exc) {
      fut.setException(exc);
      return fut;
    }
    node.pause();
    const sock = new ProactorSocket('stream', options.family, node, { name: '', peer: unixPeer });
    this.#track(sock);
    node.once('connect', () => {
      if (fut.done()) return;
      if (host.isClosed()) {
        sock.close();
        return;
      }
      fut.setResult(sock);
    });
    node.once('error', (err: Error) => {
      if (fut.done()) return;
      sock.close();
      if (host.isClosed()) return;
      fut.setException(err);
    });
    fut.addDoneCallback((f) => {
      if (f.cancelled()) sock.close();
    });
    return fut;
  }

  /**
   * Binds and listens (`backlog`, `ipv6Only`); connections are accepted by
   * Node at once and held, paused, until `startServing` (D27). `SO_REUSEADDR`
   * is always on for TCP listeners (libuv sets it), so `reuseAddress: false`
   * rejects with `NotImplementedError`, as does `reusePort` (Node 20 cannot
   * set it): both need `@loop/socket` (D28). `keepAlive` sets `SO_KEEPALIVE` on
   * each accepted connection.
   */
  listenStream(address: Address, options: ListenStreamOptions): Promise<SocketLike> {
    let host: BackendHost;
    try {
      host = this.#checkOpen();
      if (options.reusePort === true) {
        throw new NotImplementedError(
          "listenStream(): reusePort requires @loop/socket; Node 20's net.Server cannot set SO_REUSEPORT",
        );
      }
      if (options.reuseAddress === false && options.family !== AF_UNIX && process.platform !== 'win32') {
        throw new NotImplementedError(
          'listenStream(): reuseAddress: false requires @loop/socket; libuv always sets SO_REUSEADDR on TCP listeners',
        );
      }
    } catch (exc) {
      return Promise.reject(exc);
    }
    return new Promise<SocketLike>((resolve, reject) => {
      const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
      const unix = options.family === AF_UNIX;
      const onError = (err: Error): void => {
        server.close();
        reject(err);
      };
      server.once('error', onError);
      server.once('listening', () => {
        server.removeListener('error', onError);
        if (host.isClosed() || this.#closed) {
          server.close();
          reject(closedError());
          return;
        }
        const sock = new ProactorSocket('listener', options.family, server, { name: unix ? (address as string) : '' });
        const state: ListenerState = { held: [], serving: null, keepAlive: options.keepAlive === true };
        this.#listeners.set(sock, state);
        this.#track(sock);
        takeConnections(server, (err, client) => this.#onConnection(sock, state, err, client));
        resolve(sock);
      });
      try {
        if (unix) {
          if (typeof address !== 'string') throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `listenStream(): a Unix socket address is a path string, got ${JSON.stringify(address)}`);
          server.listen({ path: address, backlog: options.backlog });
        } else {
          const [h, port] = inetAddress('listenStream()', address);
          server.listen({ host: h, port, backlog: options.backlog, ipv6Only: options.ipv6Only === true, exclusive: true });
        }
      } catch (exc) {
        server.removeListener('error', onError);
        server.close();
        reject(exc);
      }
    });
  }

  /** Node's accept callback on a listener: builds the paused socket, holds it or serves it. */
  #onConnection(listener: ProactorSocket, state: ListenerState, err: number, client: RawHandle | undefined): void {
    const host = this.#host as BackendHost;
    if (this.#closed || host.isClosed() || listener.closed) {
      client?.close();
      return;
    }
    if (err !== 0 || client === undefined) {
      // What libuv's accept loop (uv__server_io) passes on. It retries EAGAIN
      // and ECONNABORTED itself, and answers EMFILE / ENFILE by accepting and
      // closing the excess connections (D53): those two arrive only when its
      // reserve descriptor could not be reopened. ENOBUFS / ENOMEM and the
      // rest arrive as they are.
      if (state.serving === null) return;
      const code = err !== 0 ? getSystemErrorName(err) : 'EINVAL';
      const exc = nodeSystemError(code, 'accept');
      const resource = code === 'EMFILE' || code === 'ENFILE' || code === 'ENOBUFS' || code === 'ENOMEM';
      // The socket the caller knows: the one given with sock= when Node serves a duplicate of it.
      const socket = this.#origins.get(listener) ?? listener;
      host.callSoon(() =>
        host.callExceptionHandler({
          message: resource ? 'socket.accept() out of system resource' : 'Accept failed on a socket',
          exception: exc,
          socket,
        }),
      );
      return;
    }
    const node = new net.Socket(socketOptions({ handle: client, readable: true, writable: true, onread: ProactorSocket._onread }));
    if (state.keepAlive) node.setKeepAlive(true);
    // A Unix connection's own name is its listener's path (Node does not report it).
    let name = '';
    if (listener.family === AF_UNIX) {
      try {
        const n = listener.getsockname();
        if (typeof n === 'string') name = n;
      } catch {
        name = '';
      }
    }
    const conn = new ProactorSocket('stream', listener.family, node, { name, peer: '' });
    this.#track(conn);
    if (state.serving === null) state.held.push(conn);
    else host.callSoon(() => this.#accept(state, conn));
  }

  /** Loop step: one accepted connection gets its protocol and transport. */
  #accept(state: ListenerState, conn: ProactorSocket): void {
    const serving = state.serving;
    if (serving === null || conn.closed || this.#closed) {
      conn.close();
      return;
    }
    let protocol: BaseProtocol | null = null;
    try {
      let peername: Address | null = null;
      try {
        peername = conn.getpeername();
      } catch {
        peername = null;
      }
      protocol = serving.factory();
      // The transport reads the peer name itself; only a failed read (null) is passed on, as before.
      this.makeSocketTransport(conn, protocol, null, peername === null ? { peername: null as unknown as Address } : null, serving.server);
    } catch (exc) {
      const context: Record<string, unknown> & { message: string } = {
        message: 'Error on transport creation for incoming connection',
        exception: exc,
      };
      if (protocol !== null) context.protocol = protocol;
      (this.#host as BackendHost).callExceptionHandler(context);
      conn.close();
    }
  }

  /**
   * Opens a UDP socket of `options.family`, bound to `localAddr` when given
   * and connected to `remoteAddr` when given, with `SO_BROADCAST` when
   * `allowBroadcast`. Unix datagram sockets (D30) and `reusePort` need
   * `@loop/socket` (Node 20's `dgram` has neither) and reject with
   * `NotImplementedError`.
   */
  openDatagram(options: OpenDatagramOptions): Promise<SocketLike> {
    let host: BackendHost;
    try {
      host = this.#checkOpen();
      if (options.family === AF_UNIX) throw new NotImplementedError("openDatagram(): Unix datagram sockets require @loop/socket; Node's dgram has none");
      if (options.reusePort === true) throw new NotImplementedError("openDatagram(): reusePort requires @loop/socket; Node 20's dgram cannot set SO_REUSEPORT");
    } catch (exc) {
      return Promise.reject(exc);
    }
    return new Promise<SocketLike>((resolve, reject) => {
      const v6 = options.family === AF_INET6;
      const node = dgram.createSocket({ type: v6 ? 'udp6' : 'udp4' });
      const sock = new ProactorSocket('datagram', options.family, node);
      let settled = false;
      const fail = (err: unknown): void => {
        if (settled) return;
        settled = true;
        sock.close();
        reject(err);
      };
      const succeed = (): void => {
        if (settled) return;
        settled = true;
        node.removeListener('error', fail);
        if (host.isClosed() || this.#closed) {
          sock.close();
          reject(closedError());
          return;
        }
        this.#track(sock);
        resolve(sock);
      };
      node.once('error', fail);
      const afterBind = (): void => {
        try {
          if (options.allowBroadcast === true) node.setBroadcast(true);
          const remote = options.remoteAddr;
          if (remote !== null && remote !== undefined) {
            const [rh, rp] = inetAddress('openDatagram() remoteAddr', remote);
            node.connect(rp, rh, (err?: Error) => {
              if (err !== undefined && err !== null) fail(err);
              else succeed();
            });
          } else {
            succeed();
          }
        } catch (exc) {
          fail(exc);
        }
      };
      try {
        const local = options.localAddr;
        if (local !== null && local !== undefined) {
          const [lh, lp] = inetAddress('openDatagram() localAddr', local);
          node.bind({ address: lh, port: lp, exclusive: true }, afterBind);
        } else if (options.remoteAddr !== null && options.remoteAddr !== undefined) {
          afterBind();
        } else {
          node.bind({ address: v6 ? '::' : '0.0.0.0', port: 0, exclusive: true }, afterBind);
        }
      } catch (exc) {
        fail(exc);
      }
    });
  }

  // ------------------------------------------------------------------ transports

  /** A stream transport over a connected `ProactorSocket` (see `ProactorSocketTransport`). */
  makeSocketTransport(
    sock: SocketLike,
    protocol: BaseProtocol,
    waiter?: Future<void> | null,
    extra?: ExtraInfo | null,
    server?: ServerHooks | null,
  ): Transport {
    const host = this.#checkOpen();
    const own = sock instanceof ProactorSocket ? sock : this.#adoptStream('makeSocketTransport()', sock);
    if (own.kind !== 'stream' || own.closed) {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `makeSocketTransport(): ${own.toString()} is not an open connected stream socket`);
    }
    return new ProactorSocketTransport(host, own, protocol, waiter ?? null, extra ?? null, server ?? null);
  }

  /**
   * A connected stream socket made elsewhere (a `@loop/socket` `Socket`, or
   * any object with `fileno()`, `detach()`, `family` and `type`), as a
   * `ProactorSocket`: Node adopts its descriptor (`net.Socket({ fd })`), and
   * the object gives it up (`detach()`), so only the transport closes it.
   * This is what `sock=` options pass (`createConnection`,
   * `createUnixConnection`, `connectAcceptedSocket`).
   *
   * @throws NotImplementedError for an object with no descriptor to adopt.
   * @throws TypeError for a socket that is closed or not a stream socket.
   */
  #adoptStream(api: string, sock: SocketLike): ProactorSocket {
    const s = sock as Partial<{ fileno(): number; detach(): number; getsockname(): Address; getpeername(): Address }> & SocketLike;
    if (typeof s.fileno !== 'function' || typeof s.detach !== 'function') throw foreignSocket(api, sock);
    const family = s.family;
    if (s.type !== SOCK_STREAM || (family !== AF_INET && family !== AF_INET6 && family !== AF_UNIX)) {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}: ${describeValue(sock)} is not an IPv4, IPv6 or Unix stream socket`);
    }
    if (s.fileno() < 0) throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}: ${describeValue(sock)} is closed`);
    let unix: { name?: string; peer?: string } = {};
    if (family === AF_UNIX) {
      const name = s.getsockname();
      let peer: Address = '';
      try {
        peer = s.getpeername();
      } catch {
        // not connected: the transport's first read or write reports it
      }
      unix = { name: typeof name === 'string' ? name : '', peer: typeof peer === 'string' ? peer : '' };
    }
    const fd = s.detach();
    // `onread` is honoured by net.Socket's constructor (Node 12.2+), though @types/node lists it for net.connect only.
    const node = new net.Socket({ fd, allowHalfOpen: true, readable: true, writable: true, onread: ProactorSocket._onread } as net.SocketConstructorOpts);
    node.pause();
    return this.#track(new ProactorSocket('stream', family, node, unix));
  }

  /**
   * A datagram transport over a `ProactorSocket` from `openDatagram`, or
   * over an IPv4 / IPv6 datagram socket given by the caller (`sock=`, a
   * `@loop/socket` `Socket`): see `#adoptDatagram`. The
   * transport's `socket` extra information is the socket given; closing the
   * transport closes it.
   *
   * @throws NotImplementedError for a Unix datagram socket (D30) or an
   *   object with no `dup()`.
   * @throws TypeError (`ERR_LOOP_INVALID_ARG`) for a socket that is closed,
   *   not a datagram socket, or already used by a transport.
   */
  makeDatagramTransport(
    sock: SocketLike,
    protocol: BaseProtocol,
    address?: Address | null,
    waiter?: Future<void> | null,
    extra?: ExtraInfo | null,
  ): DatagramTransport {
    const host = this.#checkOpen();
    if (!(sock instanceof ProactorSocket)) {
      const own = this.#adoptDatagram('makeDatagramTransport()', sock);
      return new ProactorDatagramTransport(host, own, protocol, address ?? null, waiter ?? null, { ...extra, socket: sock });
    }
    if (sock.kind !== 'datagram' || sock.closed) {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `makeDatagramTransport(): ${sock.toString()} is not an open datagram socket`);
    }
    return new ProactorDatagramTransport(host, sock, protocol, address ?? null, waiter ?? null, extra ?? null);
  }

  /**
   * A caller's IPv4 / IPv6 datagram socket as a `ProactorSocket`: Node's
   * `dgram` opens a duplicate of its descriptor (`dup()`, then
   * `bind({ fd })`), and the caller's socket stays open, so its
   * `getsockname()` keeps working while the transport runs; both close with
   * the transport (D84). A connected socket stays connected: the transport
   * reports `peername` and sends without an address.
   */
  #adoptDatagram(api: string, sock: SocketLike): ProactorSocket {
    const s = dupSocket(api, sock, SOCK_DGRAM);
    if (s.family === AF_UNIX) {
      throw new NotImplementedError(`${api}: a Unix datagram socket needs the selector loop (@loop/selector, on @loop/socket); Node's dgram has none (got ${describeValue(sock)})`);
    }
    const used = this.#adoptedDatagrams.get(sock);
    if (used !== undefined && !used.closed) {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}: ${describeValue(sock)} is already used by a datagram transport`);
    }
    let connected = true;
    try {
      s.getpeername();
    } catch {
      connected = false;
    }
    const copy = s.dup();
    const node = dgram.createSocket({ type: s.family === AF_INET6 ? 'udp6' : 'udp4' });
    const own = new ProactorSocket('datagram', s.family, node);
    try {
      // Synchronous: a descriptor Node cannot open throws here, still ours.
      node.bind({ fd: copy.fileno() });
    } catch (exc) {
      copy.close();
      own.close();
      throw exc;
    }
    copy.detach();
    if (connected) markDatagramConnected(node);
    this.#adoptedDatagrams.set(sock, own);
    this.#origins.set(own, sock);
    return this.#track(own);
  }

  /**
   * A read transport over the read end of a pipe (a FIFO, a pipe from a
   * child process, a socket or a terminal): the descriptor is wrapped in a
   * paused `net.Socket` (a `tty.ReadStream` for a terminal), read as a stream socket's, and closed
   * with the transport. At EOF `eofReceived()` is called and the transport
   * closes (asyncio's read pipe). A read error goes to the exception handler
   * (`Fatal read error on pipe transport`) unless it is `EIO`, which is only
   * logged in debug mode, and the transport is lost with it
   * (`_UnixReadPipeTransport._fatal_error`). A FIFO or socket is read with
   * `read(2)` whatever its access mode, so a read pipe made over a write end
   * waits until that end's reader goes away and fails with `EBADF`, as
   * asyncio's.
   *
   * @throws TypeError / RangeError for something that is not a pipe
   *   (`Pipe transport is for pipes/sockets only.`).
   */
  makeReadPipeTransport(pipe: PipeLike, protocol: BaseProtocol, waiter?: Future<void> | null, extra?: ExtraInfo | null): ReadTransport {
    const host = this.#checkOpen();
    const { sock } = this.#pipeSocket(pipe, 'read');
    return new ProactorSocketTransport(host, sock, protocol, waiter ?? null, extra ?? null, null, { kind: 'read-pipe', pipe, watched: false });
  }

  /**
   * A write transport over the write end of a pipe, with the stream
   * transport's buffering and flow control; `writeEof()` closes it once
   * flushed (a pipe has no half-close). The write end of a FIFO or a socket
   * is watched as asyncio's `_UnixWritePipeTransport` watches it (its handle
   * reads it): when it becomes readable (the reader went away: `EPOLLERR`,
   * the peer's EOF, or data a socket peer sent) the pipe "was closed by
   * peer" (an info record in debug mode) and the transport closes without a
   * write: `connectionLost(null)`, or `connectionLost(EPIPE)` (asyncio's
   * `BrokenPipeError`) when data was buffered. A terminal is not watched (as
   * in asyncio); nor is any pipe where Node gives no such handle
   * (docs/deviations.md D96), where the reader going away shows at the next
   * write, `connectionLost(EPIPE)`.
   *
   * @throws TypeError / RangeError for something that is not a pipe, a
   *   socket or a terminal (`Pipe transport is only for pipes, sockets and
   *   character devices`).
   */
  makeWritePipeTransport(pipe: PipeLike, protocol: BaseProtocol, waiter?: Future<void> | null, extra?: ExtraInfo | null): WriteTransport {
    const host = this.#checkOpen();
    const { sock, watched } = this.#pipeSocket(pipe, 'write');
    return new ProactorSocketTransport(host, sock, protocol, waiter ?? null, extra ?? null, null, { kind: 'write-pipe', pipe, watched });
  }

  /**
   * The pipe end as a paused `net.Socket`: a FIFO or a socket over a libuv
   * handle that reads whatever the access mode (`openReadableStreamHandle`;
   * `net.Socket({ fd })` where Node has none), readable for a write end too
   * (`watched`: the transport watches it for the reader going away); a terminal (a character device that `isatty`)
   * through `tty.ReadStream`, a `net.Socket` over libuv's tty handle, for
   * either direction (`tty.WriteStream` would make writes blocking). asyncio
   * takes every character device; a stream over any other (`/dev/null`,
   * `/dev/zero`) is refused with its message (docs/deviations.md D79).
   * Regular files are refused as asyncio refuses them.
   */
  #pipeSocket(pipe: PipeLike, direction: 'read' | 'write'): { sock: ProactorSocket; watched: boolean } {
    const fd = fileDescriptorOf(pipe);
    const message = direction === 'read' ? 'Pipe transport is for pipes/sockets only.' : 'Pipe transport is only for pipes, sockets and character devices';
    const refuse = (detail: string, cause?: unknown): never => {
      const err = loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `${message}${detail}`);
      if (cause !== undefined) (err as { cause?: unknown }).cause = cause;
      throw err;
    };
    let isTerminal = false;
    let stat: ReturnType<typeof fstatSync> | null = null;
    try {
      stat = fstatSync(fd);
    } catch {
      // An invalid descriptor: net.Socket below reports it as before.
    }
    if (stat !== null) {
      if (stat.isCharacterDevice()) {
        if (!tty.isatty(fd)) refuse(` (fd ${fd} is a character device that is not a terminal: the proactor streams terminals only)`);
        isTerminal = true;
      } else if (!stat.isFIFO() && !stat.isSocket()) {
        refuse('');
      }
    }
    let node: net.Socket;
    let watched = false;
    try {
      const options = socketOptions({ fd, readable: direction === 'read', writable: direction === 'write', onread: ProactorSocket._onread });
      if (isTerminal) {
        const { fd: _fd, ...rest } = options;
        node = new tty.ReadStream(fd, rest);
        // libuv reopens a pty's slave side (to make it non-blocking without touching other processes)
        // and works on the new descriptor, which it closes; the one given stays ours to close.
        const inUse = fileDescriptor(node);
        if (inUse !== -1 && inUse !== fd) {
          node.once('close', () => {
            try {
              closeSync(fd);
            } catch {
              // Closed by its owner already.
            }
          });
        }
      } else {
        // A FIFO or a socket: over a handle that reads whatever the access
        // mode (see openReadableStreamHandle), readable for a write end too, so
        // that the transport sees the reader go away (asyncio's reader on the
        // write end); Node's `{ fd }` path where Node has no such handle.
        const handle = stat === null ? null : openReadableStreamHandle(fd);
        if (typeof handle === 'number') throw nodeSystemError(getSystemErrorName(handle), 'open');
        if (handle === null) node = new net.Socket(options);
        else {
          node = new net.Socket(socketOptions({ handle, readable: true, writable: direction === 'write', onread: ProactorSocket._onread }));
          watched = direction === 'write';
        }
      }
    } catch (exc) {
      if ((exc as { code?: unknown }).code === 'ERR_INVALID_FD_TYPE') refuse('', exc);
      throw exc;
    }
    const sock = new ProactorSocket('stream', AF_UNIX, node);
    return { sock: this.#track(sock), watched };
  }

  // ------------------------------------------------------------------ serving

  /**
   * Starts serving `sock`: connections held so far, then each new one, get
   * `protocolFactory()` and a transport attached to `server`, one loop step
   * each. TLS is layered by `@loop/net`.
   *
   * `sock` is a listener from `listenStream`, or a stream socket given by
   * the caller (`sock=`: a `@loop/socket` `Socket`, AF_INET, AF_INET6 or
   * AF_UNIX, bound or already listening). The caller's socket is listened on
   * with `options.backlog` (100), as asyncio's `Server` does, and Node serves
   * a duplicate of its descriptor (`dup()`, then `net.Server.listen({ fd })`);
   * the caller's socket stays open (the server's `sockets`, its name), and
   * `stopServing` closes both (D83).
   *
   * @throws NotImplementedError for an object with no `dup()` (not a
   *   `@loop/socket` socket), or when `options.sslcontext` is given.
   * @throws TypeError (`ERR_LOOP_INVALID_ARG`) for a socket that is closed,
   *   not a stream socket, or already being served.
   * @throws the system error of `listen(2)` (`EADDRINUSE`, `EINVAL`...).
   */
  startServing(protocolFactory: ProtocolFactory, sock: SocketLike, server: ServerHooks, options: StartServingOptions = {}): void {
    const host = this.#checkOpen();
    if (options.sslcontext !== null && options.sslcontext !== undefined) {
      throw new NotImplementedError('startServing(): the proactor backend has no native TLS transport; @loop/net layers TLS over plain transports');
    }
    const own = sock instanceof ProactorSocket ? sock : this.#adoptListener('startServing()', sock, options.backlog ?? 100);
    const state = this.#listeners.get(own);
    if (state === undefined || own.closed) {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `startServing(): ${own.toString()} is not an open listening socket`);
    }
    state.serving = { factory: protocolFactory, server };
    for (const conn of state.held.splice(0)) host.callSoon(() => this.#accept(state, conn));
  }

  /**
   * A caller's stream socket as a listening `ProactorSocket` (see
   * `startServing`): `listen(backlog)` on it (its system error is thrown as
   * is), then Node's `net.Server` listens on a duplicate of its descriptor.
   */
  #adoptListener(api: string, sock: SocketLike, backlog: number): ProactorSocket {
    const s = dupSocket(api, sock, SOCK_STREAM);
    const served = this.#adoptedListeners.get(sock);
    if (served !== undefined && !served.closed) {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}: ${describeValue(sock)} is already being served`);
    }
    // asyncio's Server._start_serving: sock.listen(backlog), so a bound socket is served too.
    if (typeof s.listen === 'function') s.listen(backlog);
    let name = '';
    if (s.family === AF_UNIX) {
      const n = s.getsockname();
      name = typeof n === 'string' ? n : '';
    }
    const copy = s.dup();
    const fd = copy.fileno();
    const node = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
    const own = new ProactorSocket('listener', s.family, node, { name });
    // Synchronous in Node: the handle is opened and listen(2) called now; a
    // failure is only emitted later (recorded by the socket's 'error' listener).
    node.listen({ fd, backlog });
    if (!node.listening) {
      // Node closes the descriptor itself when it failed after opening a handle over it.
      if (sameSocket(fd, s.fileno())) copy.close();
      else copy.detach();
      own.close();
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}: Node cannot listen on ${describeValue(sock)} (not a TCP or Unix stream socket)`);
    }
    copy.detach();
    const state: ListenerState = { held: [], serving: null, keepAlive: false };
    this.#listeners.set(own, state);
    this.#track(own);
    takeConnections(node, (err, client) => this.#onConnection(own, state, err, client));
    this.#adoptedListeners.set(sock, own);
    this.#origins.set(own, sock);
    return own;
  }

  /**
   * Stops accepting on `sock`, closes the connections it held and closes it
   * (a socket given by the caller: its duplicate and itself, D83).
   * Idempotent.
   *
   * @throws NotImplementedError for an object with no `dup()` (not a `@loop/socket` socket).
   */
  stopServing(sock: SocketLike): void {
    this.#checkOpen();
    if (!(sock instanceof ProactorSocket)) {
      const s = sock as Partial<DupSocket> & SocketLike;
      if (typeof s.fileno !== 'function' || typeof s.dup !== 'function') throw foreignSocket('stopServing()', sock);
      const own = this.#adoptedListeners.get(sock);
      this.#adoptedListeners.delete(sock);
      // Closing the listener closes the caller's socket too (#forget); one never served is closed here.
      if (own !== undefined) own.close();
      if (s.fileno() >= 0) s.close();
      return;
    }
    const state = this.#listeners.get(sock);
    if (state !== undefined) {
      state.serving = null;
      for (const conn of state.held.splice(0)) conn.close();
    }
    sock.close();
  }

  // ------------------------------------------------------------------ sock* (need @loop/selector and @loop/socket)

  /** Rejects: `sock*` operations need `@loop/selector` (`SelectorEventLoop`). */
  sockRecv(_sock: SocketLike, _nbytes: number): Promise<Buffer> {
    return this.#sockMethod('sockRecv');
  }
  /** Rejects: `sock*` operations need `@loop/selector` (`SelectorEventLoop`). */
  sockRecvInto(_sock: SocketLike, _buf: Uint8Array): Promise<number> {
    return this.#sockMethod('sockRecvInto');
  }
  /** Rejects: `sock*` operations need `@loop/selector` (`SelectorEventLoop`). */
  sockRecvfrom(_sock: SocketLike, _bufsize: number): Promise<[Buffer, Address]> {
    return this.#sockMethod('sockRecvfrom');
  }
  /** Rejects: `sock*` operations need `@loop/selector` (`SelectorEventLoop`). */
  sockRecvfromInto(_sock: SocketLike, _buf: Uint8Array, _nbytes?: number): Promise<[number, Address]> {
    return this.#sockMethod('sockRecvfromInto');
  }
  /** Rejects: `sock*` operations need `@loop/selector` (`SelectorEventLoop`). */
  sockSendall(_sock: SocketLike, _data: Uint8Array): Promise<void> {
    return this.#sockMethod('sockSendall');
  }
  /** Rejects: `sock*` operations need `@loop/selector` (`SelectorEventLoop`). */
  sockSendto(_sock: SocketLike, _data: Uint8Array, _address: Address): Promise<number> {
    return this.#sockMethod('sockSendto');
  }
  /** Rejects: `sock*` operations need `@loop/selector` (`SelectorEventLoop`). */
  sockConnect(_sock: SocketLike, _address: Address): Promise<void> {
    return this.#sockMethod('sockConnect');
  }
  /** Rejects: `sock*` operations need `@loop/selector` (`SelectorEventLoop`). */
  sockAccept<S extends SocketLike>(_sock: S): Promise<[S, Address]> {
    return this.#sockMethod('sockAccept');
  }
  /** Rejects: `sock*` operations need `@loop/selector` (`SelectorEventLoop`). */
  sockSendfile(_sock: SocketLike, _file: unknown, _offset?: number, _count?: number | null, _options?: unknown): Promise<number> {
    return this.#sockMethod('sockSendfile');
  }

  #sockMethod<T>(method: string): Promise<T> {
    try {
      this.#checkOpen();
    } catch (exc) {
      return Promise.reject(exc);
    }
    return Promise.reject(sockMethodNotAvailable(method));
  }

  /** `<ProactorBackend sockets=N>`. */
  toString(): string {
    return `<ProactorBackend${this.#closed ? ' closed' : ''} sockets=${this.#sockets.size}>`;
  }
}

// The sock* methods exist only to name @loop/selector in their rejection: mark
// them as stand-ins so that hasCapability(loop, 'sockRecv') reports them absent.
for (const method of ['sockRecv', 'sockRecvInto', 'sockRecvfrom', 'sockRecvfromInto', 'sockSendall', 'sockSendto', 'sockConnect', 'sockAccept', 'sockSendfile'] as const) {
  markStandIn((ProactorBackend.prototype as unknown as Record<string, Function>)[method], method);
}
