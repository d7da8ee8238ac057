/**
 * `loop.connectAcceptedSocket()` (asyncio's
 * `BaseEventLoop.connect_accepted_socket`): wraps a connection accepted
 * outside the loop into a transport and protocol, TLS server side with `ssl`.
 *
 * HOW: checks the socket type and the TLS options, then
 * `createConnectionTransport` (shared with `createConnection`) with
 * `serverSide: true`. Which sockets a backend can take is the backend's
 * business: the proactor takes only its own sockets and rejects a foreign
 * `SocketLike` with `NotImplementedError` naming `@loop/socket`.
 *
 * @packageDocumentation
 */
import {
  backendOf,
  type BaseProtocol,
  type ConnectAcceptedSocketOptions,
  type ProtocolFactory,
  type SchedulingLoop,
  type SocketLike,
  type Transport,
} from '@loop/interfaces';
import { describeSocket, isSet, optionsArg, typeError, valueError, wantsTls } from './args.js';
import { SOCK_STREAM } from './constants.js';
import { createConnectionTransport } from './connection.js';

/** `loop.connectAcceptedSocket()`: see `NetMethods.connectAcceptedSocket`. */
export async function connectAcceptedSocket<P extends BaseProtocol>(
  loop: SchedulingLoop,
  factory: ProtocolFactory<P>,
  sock: SocketLike,
  options?: ConnectAcceptedSocketOptions | null,
): Promise<[Transport, P]> {
  const opts = optionsArg('connectAcceptedSocket', options);
  const backend = backendOf(loop, 'connectAcceptedSocket');
  if (typeof factory !== 'function') throw typeError('connectAcceptedSocket(): factory must be a function returning a protocol');
  if (typeof sock !== 'object' || sock === null) throw typeError('connectAcceptedSocket(): sock must be a socket');
  if (sock.type !== SOCK_STREAM) throw valueError(`A Stream Socket was expected, got ${describeSocket(sock)}`);
  const { ssl } = opts;
  if (isSet(opts.sslHandshakeTimeout) && !wantsTls(ssl)) throw valueError('sslHandshakeTimeout is only meaningful with ssl');
  if (isSet(opts.sslShutdownTimeout) && !wantsTls(ssl)) throw valueError('sslShutdownTimeout is only meaningful with ssl');
  return createConnectionTransport(loop, backend, sock, factory, ssl, '', {
    serverSide: true,
    sslHandshakeTimeout: opts.sslHandshakeTimeout,
    sslShutdownTimeout: opts.sslShutdownTimeout,
  });
}
