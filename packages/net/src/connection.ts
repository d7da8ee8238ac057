/**
 * `loop.createConnection()` (asyncio's `BaseEventLoop.create_connection` and
 * `_create_connection_transport`), over the backend contract.
 *
 * HOW.
 *
 * ```text
 *   option checks (asyncio's ValueErrors, as RangeError)
 *   host/port -> ensureResolved(type SOCK_STREAM, family, proto, flags)   localAddr -> the same
 *                (an IP literal as is, asyncio's _ipaddr_info; else getaddrinfo)
 *             -> interleave by family (interleave, 1 by default with happyEyeballsDelay)
 *             -> no delay:  each address in turn: backend.connectStream(address, { family, localAddr })
 *                delay:     staggeredRace (happy-eyeballs.ts), losers cancelled
 *             -> none connected: the errors combined as asyncio combines them
 *   sock      -> used as is (the backend decides whether it can take it)
 *   transport: ssl  -> SslProtocol(app protocol) on backend.makeSocketTransport; waiter after the handshake
 *              else -> backend.makeSocketTransport(sock, protocol, waiter)
 *              await the waiter (after connectionMade); close the transport if it fails
 * ```
 *
 * WHY the transport part is separate: `createUnixConnection` and
 * `connectAcceptedSocket` share it, as in asyncio.
 *
 * @packageDocumentation
 */
import {
  ExceptionGroup,
  backendOf,
  isOsError,
  loopError,
  type AddrInfo,
  type BaseProtocol,
  type CreateConnectionOptions,
  type IoBackend,
  type ProtocolFactory,
  type SchedulingLoop,
  type SocketLike,
  type SslContext,
  type Transport,
} from '@loop/interfaces';
import { inspect } from 'node:util';
import { getLogger } from '@loop/core';
import { awaitOwned, describeSocket, isSet, optionsArg, valueError, wantsTls } from './args.js';
import { SOCK_STREAM } from './constants.js';
import { ensureResolved } from './dns.js';
import { ConnectAttempt, interleaveAddrinfos, staggeredRace } from './happy-eyeballs.js';
import { SslProtocol } from './tls.js';

/** Options of {@link createConnectionTransport}. */
export interface ConnectionTransportOptions {
  /** `true` for the server side of TLS (`connectAcceptedSocket`). */
  serverSide?: boolean;
  /** Seconds before the TLS handshake is aborted. */
  sslHandshakeTimeout?: number | null;
  /** Seconds before the TLS shutdown is aborted. */
  sslShutdownTimeout?: number | null;
  /** Whether `sock` was made here (closed if the transport cannot be made) or given by the caller. */
  ownSocket?: boolean;
}

/**
 * Makes the transport and protocol over a connected stream socket and waits
 * until `connectionMade` ran (after the TLS handshake with `ssl`): asyncio's
 * `_create_connection_transport`.
 */
export async function createConnectionTransport<P extends BaseProtocol>(
  loop: SchedulingLoop,
  backend: IoBackend,
  sock: SocketLike,
  factory: ProtocolFactory<P>,
  ssl: boolean | SslContext | null | undefined,
  serverHostname: string | null,
  options: ConnectionTransportOptions = {},
): Promise<[Transport, P]> {
  let protocol: P;
  const waiter = loop.createFuture<void>();
  let transport: Transport;
  let appTransport: () => Transport;
  try {
    protocol = factory();
    if (wantsTls(ssl)) {
      const sslProto = new SslProtocol(loop, protocol, ssl === true ? true : (ssl as SslContext), waiter, {
        serverSide: options.serverSide ?? false,
        serverHostname,
        sslHandshakeTimeout: options.sslHandshakeTimeout,
        sslShutdownTimeout: options.sslShutdownTimeout,
      });
      transport = backend.makeSocketTransport(sock, sslProto, null, null);
      appTransport = () => sslProto.appTransport;
    } else {
      transport = backend.makeSocketTransport(sock, protocol, waiter, null);
      appTransport = () => transport;
    }
  } catch (err) {
    if (options.ownSocket === true) sock.close();
    throw err;
  }
  try {
    await waiter;
  } catch (err) {
    transport.close();
    throw err;
  }
  return [appTransport(), protocol];
}

/** asyncio's checks of the TLS options shared by the connecting methods. */
export function checkClientTls(ssl: unknown, serverHostname: unknown, options: { sslHandshakeTimeout?: unknown; sslShutdownTimeout?: unknown }): void {
  if (isSet(serverHostname) && !wantsTls(ssl)) throw valueError('serverHostname is only meaningful with ssl');
  if (isSet(options.sslHandshakeTimeout) && !wantsTls(ssl)) throw valueError('sslHandshakeTimeout is only meaningful with ssl');
  if (isSet(options.sslShutdownTimeout) && !wantsTls(ssl)) throw valueError('sslShutdownTimeout is only meaningful with ssl');
}

function combineErrors(errors: unknown[], allErrors: boolean): unknown {
  if (allErrors) return new ExceptionGroup('createConnection failed', errors);
  if (errors.length === 1) return errors[0];
  const text = (e: unknown): string => (typeof (e as Error | null)?.message === 'string' ? (e as Error).message : String(e));
  const model = text(errors[0]);
  if (errors.every((e) => text(e) === model)) return errors[0];
  // asyncio's OSError('Multiple exceptions: ...'), with a stable code (docs/errors.md).
  const err = new Error(`Multiple exceptions: ${errors.map(text).join(', ')}`) as Error & { code: string };
  err.code = 'ERR_LOOP_MULTIPLE_ERRORS';
  return err;
}

/** `loop.createConnection()`: see `NetMethods.createConnection`. */
export async function createConnection<P extends BaseProtocol>(
  loop: SchedulingLoop,
  factory: ProtocolFactory<P>,
  host?: string | null,
  port?: number | string | null,
  options?: CreateConnectionOptions | null,
): Promise<[Transport, P]> {
  const opts = optionsArg('createConnection', options);
  const { ssl, sock, localAddr, family = 0, proto = 0, flags = 0, allErrors = false } = opts;
  let serverHostname = opts.serverHostname ?? null;
  let interleave = opts.interleave ?? null;
  const happyEyeballsDelay = opts.happyEyeballsDelay ?? null;
  const backend = backendOf(loop, 'createConnection');
  if (typeof factory !== 'function') throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', 'createConnection(): factory must be a function returning a protocol');
  checkClientTls(ssl, opts.serverHostname, opts);
  if (serverHostname === null && wantsTls(ssl)) {
    if (!isSet(host) || host === '') throw valueError('You must set serverHostname when using ssl without a host');
    serverHostname = host as string;
  }
  if (happyEyeballsDelay !== null && interleave === null) interleave = 1;

  let connected: SocketLike | null;
  if (isSet(host) || isSet(port)) {
    if (isSet(sock)) throw valueError('host/port and sock can not be specified at the same time');
    const infos = await ensureResolved(host ?? null, port ?? null, { family, type: SOCK_STREAM, proto, flags });
    let laddrInfos: AddrInfo[] | null = null;
    if (isSet(localAddr)) {
      const [lhost, lport] = localAddr as [string, number];
      laddrInfos = await ensureResolved(lhost, lport, { family, type: SOCK_STREAM, proto, flags });
    }
    const ordered = interleave !== null && interleave !== 0 ? interleaveAddrinfos(infos, interleave) : infos;
    const attempts = ordered.map((info) => new ConnectAttempt(backend, info, laddrInfos));
    connected = null;
    if (happyEyeballsDelay === null) {
      for (const attempt of attempts) {
        try {
          connected = await attempt.run();
          break;
        } catch (err) {
          if (isOsError(err)) continue;
          throw err;
        }
      }
    } else {
      connected = await awaitOwned(staggeredRace(loop, attempts, happyEyeballsDelay));
    }
    if (connected === null) {
      throw combineErrors(
        attempts.flatMap((a) => a.errors),
        allErrors,
      );
    }
    const result = await createConnectionTransport(loop, backend, connected, factory, ssl, serverHostname, {
      sslHandshakeTimeout: opts.sslHandshakeTimeout,
      sslShutdownTimeout: opts.sslShutdownTimeout,
      ownSocket: true,
    });
    if (loop.getDebug()) {
      getLogger().debug(`${describeSocket(connected)} connected to ${String(host)}:${String(port)}: (${inspect(result[0])}, ${inspect(result[1])})`);
    }
    return result;
  }
  if (!isSet(sock)) throw valueError('host and port was not specified and no sock specified');
  const given = sock as SocketLike;
  if (given.type !== SOCK_STREAM) throw valueError(`A Stream Socket was expected, got ${describeSocket(given)}`);
  return createConnectionTransport(loop, backend, given, factory, ssl, serverHostname, {
    sslHandshakeTimeout: opts.sslHandshakeTimeout,
    sslShutdownTimeout: opts.sslShutdownTimeout,
  });
}
