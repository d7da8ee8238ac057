/**
 * `loop.createServer()` (asyncio's `BaseEventLoop.create_server`), over the
 * backend's `listenStream`.
 *
 * HOW.
 *
 * ```text
 *   option checks (asyncio's errors)
 *   host: null / ''  -> [null]: every interface (AI_PASSIVE: 0.0.0.0 and ::)
 *         'a'        -> ['a'];   ['a', 'b'] -> each
 *   each host -> ensureResolved(host, port, { family, type: SOCK_STREAM, flags })  (flags: AI_PASSIVE
 *                by default; an IP literal as is, else getaddrinfo)
 *   the union of the results (duplicates dropped), in order
 *   each address -> backend.listenStream(address, { family, backlog, reuseAddress,
 *                                                  reusePort, ipv6Only: family is AF_INET6 })
 *                   a failure closes the sockets made so far and rejects with
 *                   "error while attempting to bind on address (...): ..." (code kept)
 *   new Server(sockets); startServing unless startServing: false; one loop iteration
 * ```
 *
 * WHY `ipv6Only` on every IPv6 socket: asyncio sets `IPV6_V6ONLY` so that the
 * `::` socket does not also claim the IPv4 port that the `0.0.0.0` socket
 * binds (Linux's dual stack would make the second bind fail).
 *
 * @packageDocumentation
 */
import { backendOf, isOsError, type CreateServerOptions, type ProtocolFactory, type SchedulingLoop, type Server as ServerContract, type SocketLike } from '@loop/interfaces';
import { getLogger } from '@loop/core';
import { bindError, describeSocket, isSet, optionsArg, sleep0, typeError, valueError, wantsTls } from './args.js';
import { AF_INET6, AI_PASSIVE, SOCK_STREAM } from './constants.js';
import { ensureResolved } from './dns.js';
import { Server, startServingSync } from './server.js';

/**
 * asyncio's TLS option checks of the server-side methods: a boolean `ssl` is
 * a `TypeError`; a TLS timeout without `ssl` a `RangeError`. Which `ssl`
 * counts as absent there follows asyncio 3.11 to the letter: `create_server`
 * tests `ssl is None` (`absent: 'none'`: `undefined`, `null`), and
 * `create_unix_server` tests `not ssl` (`absent: 'falsy'`). Either way a
 * falsy `ssl` serves plain TCP (`wantsTls`).
 */
export function checkServerTls(
  ssl: unknown,
  options: { sslHandshakeTimeout?: unknown; sslShutdownTimeout?: unknown },
  absent: 'none' | 'falsy' = 'none',
): void {
  if (typeof ssl === 'boolean') throw typeError('ssl argument must be a SecureContext, TLS options or null');
  const off = absent === 'none' ? !isSet(ssl) : !wantsTls(ssl);
  if (isSet(options.sslHandshakeTimeout) && off) throw valueError('sslHandshakeTimeout is only meaningful with ssl');
  if (isSet(options.sslShutdownTimeout) && off) throw valueError('sslShutdownTimeout is only meaningful with ssl');
}

/** `loop.createServer()`: see `NetMethods.createServer`. */
export async function createServer(
  loop: SchedulingLoop,
  factory: ProtocolFactory,
  host?: string | readonly string[] | null,
  port?: number | string | null,
  options?: CreateServerOptions | null,
): Promise<ServerContract> {
  const opts = optionsArg('createServer', options);
  const { ssl, sock, family = 0, flags = AI_PASSIVE, backlog = 100, startServing = true } = opts;
  const backend = backendOf(loop, 'createServer');
  if (typeof factory !== 'function') throw typeError('createServer(): factory must be a function returning a protocol');
  checkServerTls(ssl, opts);
  let sockets: SocketLike[];
  if (isSet(host) || isSet(port)) {
    if (isSet(sock)) throw valueError('host/port and sock can not be specified at the same time');
    const reuseAddress = opts.reuseAddress ?? process.platform !== 'win32';
    const hosts: (string | null)[] = host === '' || !isSet(host) ? [null] : typeof host === 'string' ? [host] : [...(host as readonly string[])];
    const lists = await Promise.all(hosts.map((h) => ensureResolved(h, port ?? null, { family, type: SOCK_STREAM, flags })));
    const seen = new Set<string>();
    const infos = lists.flat().filter((info) => {
      const key = JSON.stringify(info);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    sockets = [];
    try {
      for (const [af, , , , sa] of infos) {
        try {
          sockets.push(
            await backend.listenStream(sa, { family: af, backlog, reuseAddress, reusePort: opts.reusePort ?? false, ipv6Only: af === AF_INET6, keepAlive: opts.keepAlive ?? false }),
          );
        } catch (err) {
          throw isOsError(err) ? bindError(err, sa) : err;
        }
      }
    } catch (err) {
      for (const s of sockets) s.close();
      throw err;
    }
  } else {
    if (!isSet(sock)) throw valueError('Neither host/port nor sock were specified');
    const given = sock as SocketLike;
    if (given.type !== SOCK_STREAM) throw valueError(`A Stream Socket was expected, got ${describeSocket(given)}`);
    sockets = [given];
  }
  const server = new Server(loop, backend, sockets, factory, {
    ssl,
    backlog,
    sslHandshakeTimeout: opts.sslHandshakeTimeout,
    sslShutdownTimeout: opts.sslShutdownTimeout,
  });
  if (startServing) {
    startServingSync(server);
    await sleep0(loop);
  }
  if (loop.getDebug()) getLogger().info(`${server.toString()} is serving`);
  return server;
}
