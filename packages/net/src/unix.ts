/**
 * `loop.createUnixConnection()` and `loop.createUnixServer()` (asyncio's
 * `unix_events._UnixSelectorEventLoop.create_unix_connection` /
 * `create_unix_server`), over the backend's `connectStream` and
 * `listenStream` with `AF_UNIX`.
 *
 * HOW.
 *
 * ```text
 *   createUnixConnection(path)  -> checks -> backend.connectStream(path, { family: AF_UNIX })
 *                               -> createConnectionTransport (TLS needs serverHostname)
 *   createUnixServer(path)      -> checks -> remove a stale socket file at path (only a socket;
 *                                  never for an abstract name, which starts with '\0')
 *                               -> backend.listenStream(path, { family: AF_UNIX, backlog })
 *                                  EADDRINUSE -> "Address '/p' is already in use"
 *                               -> remember the file's inode (cleanupSocket)
 *                               -> Server; on close, the file is removed if it is still ours
 * ```
 *
 * WHY the inode: asyncio removes the socket file at close only if it is the
 * one the server created; another process may have bound the path since.
 *
 * @packageDocumentation
 */
import { statSync, unlinkSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { getLogger } from '@loop/core';
import {
  backendOf,
  type BaseProtocol,
  type CreateUnixConnectionOptions,
  type CreateUnixServerOptions,
  type ProtocolFactory,
  type SchedulingLoop,
  type Server as ServerContract,
  type SocketLike,
  type SystemError,
  type Transport,
} from '@loop/interfaces';
import { awaitOwned, describeSocket, isSet, optionsArg, pyStr, sleep0, typeError, valueError, wantsTls } from './args.js';
import { AF_UNIX, SOCK_STREAM } from './constants.js';
import { createConnectionTransport } from './connection.js';
import { checkServerTls } from './create-server.js';
import { removeStaleSocket } from './datagram.js';
import { Server, startServingSync } from './server.js';

function checkPath(method: string, path: unknown): string {
  if (typeof path !== 'string') throw typeError(`${method}(): path must be a string, not ${typeof path}`);
  return path;
}

function checkUnixSocket(sock: SocketLike): void {
  if (sock.family !== AF_UNIX || sock.type !== SOCK_STREAM) {
    throw valueError(`A UNIX Domain Stream Socket was expected, got ${describeSocket(sock)}`);
  }
}

/** `loop.createUnixConnection()`: see `NetMethods.createUnixConnection`. */
export async function createUnixConnection<P extends BaseProtocol>(
  loop: SchedulingLoop,
  factory: ProtocolFactory<P>,
  path?: string | null,
  options?: CreateUnixConnectionOptions | null,
): Promise<[Transport, P]> {
  const opts = optionsArg('createUnixConnection', options);
  const { ssl, sock, serverHostname = null } = opts;
  const backend = backendOf(loop, 'createUnixConnection');
  if (typeof factory !== 'function') throw typeError('createUnixConnection(): factory must be a function returning a protocol');
  if (wantsTls(ssl)) {
    if (serverHostname === null) throw valueError('you have to pass serverHostname when using ssl');
  } else {
    if (serverHostname !== null) throw valueError('serverHostname is only meaningful with ssl');
    if (isSet(opts.sslHandshakeTimeout)) throw valueError('sslHandshakeTimeout is only meaningful with ssl');
    if (isSet(opts.sslShutdownTimeout)) throw valueError('sslShutdownTimeout is only meaningful with ssl');
  }
  let socket: SocketLike;
  let own = false;
  if (isSet(path)) {
    if (isSet(sock)) throw valueError('path and sock can not be specified at the same time');
    const p = checkPath('createUnixConnection', path);
    socket = await awaitOwned(backend.connectStream(p, { family: AF_UNIX }));
    own = true;
  } else {
    if (!isSet(sock)) throw valueError('no path and sock were specified');
    socket = sock as SocketLike;
    checkUnixSocket(socket);
  }
  return createConnectionTransport(loop, backend, socket, factory, ssl, serverHostname, {
    sslHandshakeTimeout: opts.sslHandshakeTimeout,
    sslShutdownTimeout: opts.sslShutdownTimeout,
    ownSocket: own,
  });
}

function removeIfOurs(path: string, ino: number | bigint): void {
  try {
    if (statSync(path).ino === ino) unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    getLogger().error(`Unable to clean up listening UNIX socket ${pyStr(path)}: ${String(err)}`, err);
  }
}

/** `loop.createUnixServer()`: see `NetMethods.createUnixServer`. */
export async function createUnixServer(
  loop: SchedulingLoop,
  factory: ProtocolFactory,
  path?: string | null,
  options?: CreateUnixServerOptions | null,
): Promise<ServerContract> {
  const opts = optionsArg('createUnixServer', options);
  const { ssl, sock, backlog = 100, startServing = true, cleanupSocket = true } = opts;
  const backend = backendOf(loop, 'createUnixServer');
  if (typeof factory !== 'function') throw typeError('createUnixServer(): factory must be a function returning a protocol');
  checkServerTls(ssl, opts, 'falsy');
  let socket: SocketLike;
  if (isSet(path)) {
    if (isSet(sock)) throw valueError('path and sock can not be specified at the same time');
    const p = checkPath('createUnixServer', path);
    if (!p.startsWith('\0')) await removeStaleSocket(p);
    try {
      socket = await backend.listenStream(p, { family: AF_UNIX, backlog });
    } catch (err) {
      const sys = err as SystemError;
      if (sys.code === 'EADDRINUSE') {
        const wrapped = new Error(`Address ${pyStr(p)} is already in use`, { cause: err }) as SystemError;
        wrapped.code = 'EADDRINUSE';
        wrapped.errno = sys.errno;
        wrapped.syscall = sys.syscall;
        throw wrapped;
      }
      throw err;
    }
  } else {
    if (!isSet(sock)) throw valueError('path was not specified, and no sock specified');
    socket = sock as SocketLike;
    checkUnixSocket(socket);
  }
  let onSocketClosed: ((s: SocketLike) => void) | null = null;
  if (cleanupSocket) {
    let name: unknown = null;
    try {
      name = socket.getsockname();
    } catch {
      name = null;
    }
    if (typeof name === 'string' && name !== '' && !name.startsWith('\0')) {
      const file = name;
      try {
        const { ino } = await stat(file);
        onSocketClosed = () => removeIfOurs(file, ino);
      } catch {
        onSocketClosed = null;
      }
    }
  }
  const server = new Server(loop, backend, [socket], factory, {
    ssl,
    backlog,
    sslHandshakeTimeout: opts.sslHandshakeTimeout,
    sslShutdownTimeout: opts.sslShutdownTimeout,
    onSocketClosed,
  });
  if (startServing) {
    startServingSync(server);
    await sleep0(loop);
  }
  return server;
}
