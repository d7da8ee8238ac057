/**
 * `loop.createDatagramEndpoint()` (asyncio 3.11's
 * `BaseEventLoop.create_datagram_endpoint`), over the backend's `openDatagram`.
 *
 * HOW.
 *
 * ```text
 *   sock given      -> no other socket option may be set; used as is
 *   no addresses    -> family required; an unbound socket of that family
 *   family AF_UNIX  -> string paths; a stale socket file at localAddr removed first
 *   else            -> localAddr and remoteAddr resolved (type SOCK_DGRAM), paired by
 *                      (family, proto) in resolution order; a pair lacking a side
 *                      that was asked for is dropped
 *   reuseAddress: true -> RangeError (asyncio 3.8.1-3.10; 3.11 removed the option: D92)
 *   each pair in turn -> backend.openDatagram({ family, localAddr, remoteAddr, reusePort,
 *                                               allowBroadcast }); the first that opens wins,
 *                        else the first error
 *   allowBroadcast + remoteAddr: the socket is not connected; the transport
 *                        sends to remoteAddr by default (asyncio's r_addr)
 *   transport = backend.makeDatagramTransport(sock, protocol, remoteAddr, waiter)
 * ```
 *
 * WHY pairs by (family, proto): a host name may resolve to IPv4 and IPv6;
 * the local and remote addresses must be of one family to share a socket.
 *
 * @packageDocumentation
 */
import { lstat, unlink } from 'node:fs/promises';
import { getLogger } from '@loop/core';
import {
  backendOf,
  type Address,
  type BaseProtocol,
  type CreateDatagramEndpointOptions,
  type DatagramTransport,
  type ProtocolFactory,
  type SchedulingLoop,
  type SocketLike,
} from '@loop/interfaces';
import { describeSocket, isSet, optionsArg, pyStr, typeError, valueError } from './args.js';
import { AF_UNIX, SOCK_DGRAM } from './constants.js';
import { ensureResolved } from './dns.js';

/** Removes the socket file at `path` if it is a socket (asyncio's stale-socket check); logs other failures. */
export async function removeStaleSocket(path: string): Promise<void> {
  if (path.startsWith('\0')) return;
  try {
    if ((await lstat(path)).isSocket()) await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    getLogger().error(`Unable to check or remove stale UNIX socket ${pyStr(path)}: ${String(err)}`, err);
  }
}

/** `loop.createDatagramEndpoint()`: see `NetMethods.createDatagramEndpoint`. */
export async function createDatagramEndpoint<P extends BaseProtocol>(
  loop: SchedulingLoop,
  factory: ProtocolFactory<P>,
  localAddr?: Address | null,
  remoteAddr?: Address | null,
  options?: CreateDatagramEndpointOptions | null,
): Promise<[DatagramTransport, P]> {
  const { sock, family = 0, proto = 0, flags = 0, reuseAddress, reusePort, allowBroadcast } = optionsArg('createDatagramEndpoint', options);
  const backend = backendOf(loop, 'createDatagramEndpoint');
  if (typeof factory !== 'function') throw typeError('createDatagramEndpoint(): factory must be a function returning a protocol');
  let socket: SocketLike;
  let rAddr: Address | null = null;
  if (isSet(sock)) {
    const given = sock as SocketLike;
    if (given.type !== SOCK_DGRAM) throw valueError(`A UDP Socket was expected, got ${describeSocket(given)}`);
    const opts: [string, unknown][] = [
      ['localAddr', localAddr],
      ['remoteAddr', remoteAddr],
      ['family', family],
      ['proto', proto],
      ['flags', flags],
      ['reuseAddress', reuseAddress],
      ['reusePort', reusePort],
      ['allowBroadcast', allowBroadcast],
    ];
    const problems = opts.filter(([, v]) => v !== undefined && v !== null && v !== 0 && v !== false && v !== '');
    if (problems.length > 0) {
      const text = problems.map(([k, v]) => `${k}=${Array.isArray(v) ? JSON.stringify(v) : String(v)}`).join(', ');
      throw valueError(`socket modifier keyword arguments can not be used when sock is specified. (${text})`);
    }
    socket = given;
  } else {
    let pairs: [fam: number, local: Address | null, remote: Address | null][];
    if (!isSet(localAddr) && !isSet(remoteAddr)) {
      if (family === 0) throw valueError('unexpected address family');
      pairs = [[family, null, null]];
    } else if (family === AF_UNIX) {
      for (const addr of [localAddr, remoteAddr]) {
        if (isSet(addr) && typeof addr !== 'string') throw typeError('string is expected');
      }
      if (typeof localAddr === 'string' && localAddr !== '') await removeStaleSocket(localAddr);
      pairs = [[family, localAddr ?? null, remoteAddr ?? null]];
    } else {
      const byKey = new Map<string, [fam: number, local: Address | null, remote: Address | null]>();
      for (const [idx, addr] of [
        [1, localAddr],
        [2, remoteAddr],
      ] as const) {
        if (!isSet(addr)) continue;
        if (!Array.isArray(addr) || addr.length !== 2) throw typeError('2-tuple is expected');
        const infos = await ensureResolved(addr[0], addr[1], { family, type: SOCK_DGRAM, proto, flags });
        for (const [fam, , pro, , address] of infos) {
          const key = `${fam}/${pro}`;
          let entry = byKey.get(key);
          if (entry === undefined) {
            entry = [fam, null, null];
            byKey.set(key, entry);
          }
          entry[idx] = address;
        }
      }
      pairs = [...byKey.values()].filter(([, l, r]) => !((isSet(localAddr) && l === null) || (isSet(remoteAddr) && r === null)));
      if (pairs.length === 0) throw valueError('can not get address information');
    }
    if (reuseAddress === true) {
      throw valueError(
        'Passing `reuseAddress: true` is no longer supported, as the usage of SO_REUSEPORT in UDP poses a significant security concern.',
      );
    }
    const errors: unknown[] = [];
    let opened: SocketLike | null = null;
    for (const [fam, local, remote] of pairs) {
      try {
        opened = await backend.openDatagram({
          family: fam,
          localAddr: local,
          remoteAddr: allowBroadcast === true ? null : remote,
          reusePort: reusePort ?? false,
          allowBroadcast: allowBroadcast ?? false,
        });
        rAddr = remote;
        break;
      } catch (err) {
        errors.push(err);
      }
    }
    if (opened === null) throw errors[0];
    socket = opened;
  }
  let protocol: P;
  const waiter = loop.createFuture<void>();
  let transport: DatagramTransport;
  try {
    protocol = factory();
    transport = backend.makeDatagramTransport(socket, protocol, rAddr, waiter, null);
  } catch (err) {
    if (!isSet(sock)) socket.close();
    throw err;
  }
  try {
    await waiter;
  } catch (err) {
    transport.close();
    throw err;
  }
  return [transport, protocol];
}
