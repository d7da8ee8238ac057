/**
 * The stream socket set-up of the selector backend: connecting
 * (asyncio's `sock_connect` / `_sock_connect_cb`), listening (the socket part
 * of `create_server`), serving (`_start_serving` / `_accept_connection`) and
 * the native `sendfile` path (`_sendfile_native`), over `@loop/socket`.
 *
 * HOW.
 *
 * ```text
 *   connect   socket(family, SOCK_STREAM, IPPROTO_TCP | 0) [+ bind] + connect_ex
 *             0 -> done; EINPROGRESS / EAGAIN / EINTR -> writer; writable -> SO_ERROR -> done or the error
 *             cancelled -> writer removed, socket closed
 *   listen    socket + SO_REUSEADDR (unless false) [+ SO_REUSEPORT] [+ SO_KEEPALIVE] [+ IPV6_V6ONLY] + bind + listen
 *   serve     reader on the listener; each readiness event accepts up to `backlog` connections
 *             EAGAIN / ECONNABORTED / EINTR -> stop until the next event
 *             EMFILE / ENFILE / ENOBUFS / ENOMEM -> exception handler, reader removed, re-added after 1 s
 *             (the connections wait in the kernel's backlog)
 *             each connection -> callSoon: protocolFactory() + a SelectorSocketTransport
 * ```
 *
 * @packageDocumentation
 */
import { constants as osConstants } from 'node:os';
import { getSystemErrorName } from 'node:util';
import { getLogger } from '@loop/core';
import {
  SendfileNotAvailableError,
  describeValue,
  systemError,
  type Address,
  type BackendHost,
  type BaseProtocol,
  type FileLike,
  type Future,
  type ProtocolFactory,
  type ServerHooks,
  type SocketLike,
  type SystemError,
  type TimerHandle,
  type WriteTransport,
} from '@loop/interfaces';
import {
  AF_INET6,
  AF_UNIX,
  IPPROTO_IPV6,
  IPPROTO_TCP,
  IPV6_V6ONLY,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_ERROR,
  SO_KEEPALIVE,
  SO_REUSEADDR,
  SO_REUSEPORT,
  Socket,
} from '@loop/socket';
import { SelectorSocketTransport, type TransportBackend } from './socket-transport.js';

/** asyncio's `constants.ACCEPT_RETRY_DELAY`: seconds before accepting again after running out of descriptors. */
export const ACCEPT_RETRY_DELAY = 1;

const E = osConstants.errno;

/** What the helpers need of the backend. */
export interface StreamBackend extends TransportBackend {
  /** The host, checking that the loop is open. */
  readonly _host: BackendHost;
  /** `sockSendfile`, when this backend has it (the native path). */
  sockSendfile?: (sock: SocketLike, file: FileLike, offset?: number, count?: number | null, options?: { fallback?: boolean } | null) => Promise<number>;
}

/** The system error of a failed connect, as Node's (`connect ECONNREFUSED 127.0.0.1:9`, with `address` and `port`). */
export function connectError(errno: number, address: Address): SystemError {
  const code = getSystemErrorName(-errno);
  const where = typeof address === 'string' ? address : `${address[0]}:${address[1]}`;
  const err = systemError(code, `connect ${code} ${where}`, { errno: -errno, syscall: 'connect' });
  if (typeof address === 'string') err.address = address;
  else {
    err.address = address[0];
    err.port = address[1];
  }
  return err;
}

/** A new non-blocking stream socket of `family`: `IPPROTO_TCP` for IP families, as `getaddrinfo` gives it. */
export function streamSocket(family: number): Socket {
  return new Socket(family, SOCK_STREAM, family === AF_UNIX ? 0 : IPPROTO_TCP);
}

/**
 * asyncio's `sock_connect` on a new socket: the future completes with the
 * connected socket or fails with the system error (the socket closed).
 * Cancelling it removes the writer and closes the socket.
 */
export function connectSocket(backend: StreamBackend, sock: Socket, address: Address, fut: Future<SocketLike>): void {
  let errno: number;
  try {
    errno = sock.connectEx(address);
  } catch (exc) {
    sock.close();
    fut.setException(exc);
    return;
  }
  if (errno === 0) {
    fut.setResult(sock);
    return;
  }
  if (errno !== E.EINPROGRESS && errno !== E.EAGAIN && errno !== E.EINTR) {
    sock.close();
    fut.setException(connectError(errno, address));
    return;
  }
  const fd = sock.fileno();
  backend._addWriter(fd, connectReady, backend, fut, sock, address);
  fut.addDoneCallback(() => {
    if (!fut.cancelled()) return;
    backend._removeWriter(fd);
    sock.close();
  });
}

/** The writer of a connecting socket: `SO_ERROR` says how the connect ended (asyncio's `_sock_connect_cb`). */
function connectReady(backend: StreamBackend, fut: Future<SocketLike>, sock: Socket, address: Address): void {
  if (fut.done()) return;
  let err: number;
  try {
    err = sock.getsockopt(SOL_SOCKET, SO_ERROR);
  } catch (exc) {
    backend._removeWriter(sock.fileno());
    sock.close();
    fut.setException(exc);
    return;
  }
  if (err === E.EINPROGRESS || err === E.EAGAIN || err === E.EINTR) return;
  backend._removeWriter(sock.fileno());
  if (err !== 0) {
    sock.close();
    fut.setException(connectError(err, address));
    return;
  }
  fut.setResult(sock);
}

/** The listening options (`ListenStreamOptions`) as this module applies them. */
export interface ListenOptions {
  /** `AF_INET`, `AF_INET6` or `AF_UNIX`. */
  family: number;
  /** The `listen()` backlog. */
  backlog: number;
  /** `SO_REUSEADDR` (IP families); on unless `false`. */
  reuseAddress?: boolean;
  /** `SO_REUSEPORT` (IP families). */
  reusePort?: boolean;
  /** `IPV6_V6ONLY` (an `AF_INET6` socket). */
  ipv6Only?: boolean;
  /** `SO_KEEPALIVE`, inherited by the accepted connections. */
  keepAlive?: boolean;
}

/** The socket part of asyncio's `create_server`: options, bind, listen. Throws the system error (the socket closed). */
export function listenSocket(address: Address, options: ListenOptions): Socket {
  const family = options.family;
  const sock = streamSocket(family);
  try {
    if (family !== AF_UNIX) {
      if (options.reuseAddress !== false) sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
      if (options.reusePort === true) sock.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1);
    }
    if (options.keepAlive === true) sock.setsockopt(SOL_SOCKET, SO_KEEPALIVE, 1);
    if (family === AF_INET6 && options.ipv6Only === true) sock.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 1);
    sock.bind(address);
    sock.listen(options.backlog);
  } catch (exc) {
    sock.close();
    throw exc;
  }
  return sock;
}

/** One listening socket being served. */
export class Listener {
  /** The timer that resumes accepting after a resource error. */
  retry: TimerHandle | null = null;
  /** Set by `stopAccepting`: no more accepts, and connections accepted before it are dropped. */
  stopped = false;

  /**
   * @param sock the listening socket
   * @param factory makes each connection's protocol
   * @param server the server's hooks (attach / detach)
   * @param backlog the most accepts per readiness event
   */
  constructor(
    readonly sock: Socket,
    readonly factory: ProtocolFactory,
    readonly server: ServerHooks,
    readonly backlog: number,
  ) {}
}

/** Adds (again) the accepting reader of `listener` (asyncio's `_start_serving`). */
export function startAccepting(backend: StreamBackend, listener: Listener): void {
  listener.retry = null;
  if (listener.stopped || listener.sock.fileno() === -1) return;
  backend._addReader(listener.sock.fileno(), acceptReady, backend, listener);
}

/** Stops accepting: reader removed, a pending retry cancelled. */
export function stopAccepting(backend: StreamBackend, listener: Listener): void {
  listener.stopped = true;
  listener.retry?.cancel();
  listener.retry = null;
  const fd = listener.sock.fileno();
  if (fd !== -1) backend._removeReader(fd);
}

/** The listener's reader: up to `backlog` accepts per readiness event (asyncio's `_accept_connection`). */
function acceptReady(backend: StreamBackend, listener: Listener): void {
  const host = backend._host;
  const sock = listener.sock;
  for (let i = 0; i < listener.backlog; i++) {
    let conn: Socket;
    let addr: Address;
    try {
      [conn, addr] = sock.accept();
    } catch (exc) {
      const code = (exc as { code?: unknown }).code;
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EINTR' || code === 'ECONNABORTED') return;
      if (code === 'EMFILE' || code === 'ENFILE' || code === 'ENOBUFS' || code === 'ENOMEM') {
        // Linux keeps reporting the listener ready: stop watching it for a while.
        host.callExceptionHandler({ message: 'socket.accept() out of system resource', exception: exc, socket: sock });
        backend._removeReader(sock.fileno());
        listener.retry = host.callLater(ACCEPT_RETRY_DELAY, startAccepting, backend, listener);
        return;
      }
      throw exc; // the loop reports it ("Exception in callback ...")
    }
    if (host.getDebug()) getLogger().debug(`${sock.toString()} got a new connection from ${JSON.stringify(addr)}: ${conn.toString()}`);
    host.callSoon(acceptConnection, backend, listener, conn, addr);
  }
}

/** Loop step: the accepted connection gets its protocol and transport (asyncio's `_accept_connection2`). */
function acceptConnection(backend: StreamBackend, listener: Listener, conn: Socket, addr: Address): void {
  let protocol: BaseProtocol | null = null;
  let host: BackendHost;
  try {
    host = backend._host;
  } catch {
    conn.close();
    return;
  }
  if (listener.stopped) {
    // The server closed between the accept and this step: asyncio's Server._attach refuses a
    // connection once its sockets are gone, and the connection is dropped.
    conn.close();
    return;
  }
  try {
    protocol = listener.factory();
    new SelectorSocketTransport(backend, host, conn, protocol, null, { peername: addr }, listener.server);
  } catch (exc) {
    conn.close();
    // asyncio reports this only in debug mode.
    if (host.getDebug()) {
      const context: Record<string, unknown> & { message: string } = { message: 'Error on transport creation for incoming connection', exception: exc };
      if (protocol !== null) context.protocol = protocol;
      host.callExceptionHandler(context);
    }
  }
}

/**
 * asyncio's `_sendfile_native`: with reading paused and the write buffer
 * empty, `sockSendfile(sock, file, offset, count, { fallback: false })`;
 * then the transport is given back. Rejects with `SendfileNotAvailableError`
 * when the transport is not this backend's or the backend has no
 * `sockSendfile`, so that the caller falls back.
 */
export async function sendfileNative(backend: StreamBackend, transport: WriteTransport, file: FileLike, offset: number, count: number | null): Promise<number> {
  if (!(transport instanceof SelectorSocketTransport)) {
    throw new SendfileNotAvailableError(`sendfile(): the native path needs a selector socket transport, got ${describeValue(transport)}`);
  }
  const sockSendfile = backend.sockSendfile;
  if (typeof sockSendfile !== 'function') {
    throw new SendfileNotAvailableError('sendfile(): this selector backend has no sockSendfile()');
  }
  const sock = transport._sock;
  const fd = sock.fileno();
  backend._releaseFd(fd, transport);
  const resumeReading = transport.isReading();
  transport.pauseReading();
  try {
    await transport._makeEmptyWaiter();
    return await sockSendfile.call(backend, sock, file, offset, count, { fallback: false });
  } finally {
    transport._resetEmptyWaiter();
    if (resumeReading) transport.resumeReading();
    if (sock.fileno() === fd) backend._claimFd(fd, transport);
  }
}
