/**
 * `loop.getaddrinfo()` and `loop.getnameinfo()` (Python's
 * `socket.getaddrinfo` / `socket.getnameinfo`, which asyncio runs in its
 * default executor), over `node:dns`.
 *
 * HOW.
 *
 * ```text
 *   getaddrinfo(host, port, { family, type, proto, flags })
 *     port   -> number | numeric string | service name (/etc/services, read once, async)
 *     host and port both null: EAI_NONAME (POSIX)
 *     type/proto -> the socket kinds (glibc's table); a mismatch: EAI_SOCKTYPE
 *     host   -> null: the wildcard (AI_PASSIVE) or loopback addresses, Python's order
 *               IP literal: as is (no lookup); of the other family: EAI_ADDRFAMILY
 *               AI_NUMERICHOST + a name: EAI_NONAME
 *               a name: dns.lookup(host, { all: true, family, hints }) (libuv's thread pool)
 *     each address x each socket type (STREAM/6, DGRAM/17, RAW/0 when type is 0)
 *       -> [family, type, proto, canonname, sockaddr]   (IPv6 sockaddr [host, port, 0, scopeId])
 * ```
 *
 * `dns.lookup` calls the system's `getaddrinfo(3)` on libuv's thread pool, so
 * resolution never blocks the loop, and honours `/etc/hosts` and
 * `nsswitch.conf` as Python does. Errors become system errors whose `code` is
 * Python's `EAI_*` name (Node's `ENOTFOUND` is `EAI_NONAME`), keeping Node's
 * `errno`, `syscall` and `hostname`.
 *
 * WHY a Promise and not a loop future: these are plain asynchronous
 * functions; the loop's tasks await Promises (and `createConnection` awaits
 * them internally). The results are fresh arrays the caller may keep.
 *
 * @packageDocumentation
 */
import { lookup, lookupService, ADDRCONFIG, ALL, V4MAPPED, type LookupAddress } from 'node:dns';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { optionsArg } from './args.js';
import { loopError, type AddrInfo, type GetaddrinfoOptions, type Inet6Address, type InetAddress } from '@loop/interfaces';
import {
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  AI_ADDRCONFIG,
  AI_ALL,
  AI_CANONNAME,
  AI_NUMERICHOST,
  AI_NUMERICSERV,
  AI_PASSIVE,
  AI_V4MAPPED,
  EAI_ADDRFAMILY,
  EAI_AGAIN,
  EAI_FAIL,
  EAI_FAMILY,
  EAI_NONAME,
  EAI_SERVICE,
  EAI_SOCKTYPE,
  IPPROTO_IP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  NI_DGRAM,
  NI_NAMEREQD,
  NI_NUMERICHOST,
  NI_NUMERICSERV,
  SOCK_DGRAM,
  SOCK_RAW,
  SOCK_STREAM,
} from './constants.js';

/** A system error from name resolution: `code` is Python's `EAI_*` name. */
export interface GaiError extends Error {
  /** `'EAI_NONAME'`, `'EAI_AGAIN'`, `'EAI_SERVICE'`, `'EAI_SOCKTYPE'`, `'EAI_ADDRFAMILY'`… */
  code: string;
  /** Node's errno when Node reported the error, else Python's `EAI_*` number. */
  errno: number;
  /** `'getaddrinfo'` or `'getnameinfo'`. */
  syscall: string;
  /** The host that was looked up. */
  hostname?: string;
}

const GAI_TEXT: Record<string, [number, string]> = {
  EAI_NONAME: [EAI_NONAME, 'Name or service not known'],
  EAI_AGAIN: [EAI_AGAIN, 'Temporary failure in name resolution'],
  EAI_ADDRFAMILY: [EAI_ADDRFAMILY, 'Address family for hostname not supported'],
  EAI_SOCKTYPE: [EAI_SOCKTYPE, 'ai_socktype not supported'],
  EAI_FAIL: [EAI_FAIL, 'Non-recoverable failure in name resolution'],
  EAI_FAMILY: [EAI_FAMILY, 'ai_family not supported'],
  EAI_SERVICE: [EAI_SERVICE, 'Servname not supported for ai_socktype'],
};

function gaiError(code: string, syscall: string, hostname: string | undefined, errno?: number, cause?: unknown): GaiError {
  const [pyErrno, text] = GAI_TEXT[code] ?? [EAI_FAIL, code];
  const err = new Error(`${syscall} ${code} ${hostname ?? ''}: ${text}`.replace(/ {2}/, ' '), cause === undefined ? undefined : { cause }) as GaiError;
  err.code = code;
  err.errno = errno ?? pyErrno;
  err.syscall = syscall;
  if (hostname !== undefined) err.hostname = hostname;
  return err;
}

function fromNodeError(err: NodeJS.ErrnoException, syscall: string, hostname: string): GaiError {
  let code = err.code ?? 'EAI_FAIL';
  if (code === 'ENOTFOUND' || code === 'ENODATA' || code === 'EAI_NODATA') code = 'EAI_NONAME';
  else if (code === 'EAI_AGAIN' || code === 'ETIMEOUT' || code === 'ECONNREFUSED') code = 'EAI_AGAIN';
  else if (!code.startsWith('EAI_')) code = 'EAI_FAIL';
  return gaiError(code, syscall, hostname, err.errno, err);
}

// ---- services (/etc/services), read once, asynchronously -----------------------------------------

type Services = Map<string, { tcp?: number; udp?: number }>;

const FALLBACK_SERVICES: [string, number][] = [
  ['echo', 7], ['discard', 9], ['daytime', 13], ['ftp', 21], ['ssh', 22], ['telnet', 23], ['smtp', 25],
  ['domain', 53], ['http', 80], ['pop3', 110], ['ntp', 123], ['imap', 143], ['https', 443], ['imaps', 993], ['pop3s', 995],
];

let servicesPromise: Promise<Services> | undefined;

function services(): Promise<Services> {
  servicesPromise ??= readFile('/etc/services', 'latin1').then(
    (text) => {
      const map: Services = new Map();
      for (const line of text.split('\n')) {
        const fields = line.replace(/#.*/, '').trim().split(/\s+/);
        const m = /^(\d+)\/(tcp|udp)$/.exec(fields[1] ?? '');
        if (m === null) continue;
        const port = Number(m[1]);
        const proto = m[2] as 'tcp' | 'udp';
        for (const name of [fields[0], ...fields.slice(2)]) {
          const entry = map.get(name) ?? {};
          entry[proto] ??= port;
          map.set(name, entry);
        }
      }
      return map;
    },
    () => new Map(FALLBACK_SERVICES.map(([name, port]) => [name, { tcp: port, udp: port }])),
  );
  return servicesPromise;
}

/**
 * The socket kinds `getaddrinfo` knows, in the C library's order (glibc's
 * `gaih_inet_typeproto`): `service` is the `/etc/services` protocol of its
 * port, `null` for `SOCK_RAW`, which takes any protocol and no service.
 */
interface SocketKind {
  type: number;
  proto: number;
  service: 'tcp' | 'udp' | null;
}

const SOCKET_KINDS: readonly SocketKind[] = [
  { type: SOCK_STREAM, proto: IPPROTO_TCP, service: 'tcp' },
  { type: SOCK_DGRAM, proto: IPPROTO_UDP, service: 'udp' },
  { type: SOCK_RAW, proto: IPPROTO_IP, service: null },
];

function checkInt(name: string, value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `getaddrinfo(): ${name} must be an integer, not ${typeof value}`);
  }
  return value;
}

/**
 * The kinds of socket to answer for, as glibc chooses them: every kind when
 * neither `type` nor `proto` is given, else the first kind that matches both
 * (`SOCK_RAW` takes any protocol); none is `EAI_SOCKTYPE` when a type was
 * given (`SOCK_DGRAM` with `IPPROTO_TCP`, an unknown type), else `EAI_SERVICE`.
 */
function socketKinds(type: number, proto: number, host: string | null): readonly SocketKind[] {
  if (type === 0 && proto === 0) return SOCKET_KINDS;
  const kind = SOCKET_KINDS.find((k) => (type === 0 || type === k.type) && (proto === 0 || k.type === SOCK_RAW || proto === k.proto));
  if (kind === undefined) throw gaiError(type !== 0 ? 'EAI_SOCKTYPE' : 'EAI_SERVICE', 'getaddrinfo', host ?? undefined);
  return [{ ...kind, proto: kind.type === SOCK_RAW ? proto : kind.proto }];
}

/** The port as given: `null` (none), a number, or the service name / numeric string. */
function checkPort(port: unknown): number | string | null {
  if (port === null || port === undefined) return null;
  if (typeof port === 'number') {
    if (!Number.isInteger(port)) throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `getaddrinfo(): port must be an integer, a string or null, not ${port}`);
    return port;
  }
  if (typeof port !== 'string') {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `getaddrinfo(): port must be an integer, a string or null, not ${typeof port}`);
  }
  return /^\d+$/.test(port) ? Number(port) : port;
}

/**
 * The port of each kind (a kind without one is dropped): the number for
 * every kind, or the service name looked up per protocol. A service for a
 * raw socket, an unknown service, or a port out of range is `EAI_SERVICE`.
 */
async function resolvePorts(port: number | string | null, kinds: readonly SocketKind[], host: string | null): Promise<[SocketKind, number][]> {
  if (port === null) return kinds.map((k) => [k, 0]);
  if (kinds.length === 1 && kinds[0].service === null) throw gaiError('EAI_SERVICE', 'getaddrinfo', host ?? undefined);
  if (typeof port === 'number') {
    if (port < 0 || port > 65535) throw gaiError('EAI_SERVICE', 'getaddrinfo', host ?? undefined);
    return kinds.map((k) => [k, port]);
  }
  const entry = (await services()).get(port);
  const found: [SocketKind, number][] = [];
  for (const k of kinds) {
    const p = k.service === null ? undefined : entry?.[k.service];
    if (p !== undefined) found.push([k, p]);
  }
  if (found.length === 0) throw gaiError('EAI_SERVICE', 'getaddrinfo', host ?? undefined);
  return found;
}

function lookupAll(host: string, family: number, flags: number): Promise<LookupAddress[]> {
  let hints = 0;
  if ((flags & AI_ADDRCONFIG) !== 0) hints |= ADDRCONFIG;
  if ((flags & AI_V4MAPPED) !== 0) hints |= V4MAPPED;
  if ((flags & AI_ALL) !== 0) hints |= ALL;
  const nodeFamily = family === AF_INET ? 4 : family === AF_INET6 ? 6 : 0;
  return new Promise((resolve, reject) => {
    lookup(host, { all: true, family: nodeFamily, hints, verbatim: true }, (err, addresses) => {
      if (err !== null) reject(fromNodeError(err, 'getaddrinfo', host));
      else resolve(addresses);
    });
  });
}

/**
 * The addresses of an IP literal: itself, or `EAI_ADDRFAMILY` when `family`
 * asks for the other family (an IPv4 literal asked for as IPv6 with
 * `AI_V4MAPPED` becomes `::ffff:a.b.c.d`, as glibc maps it).
 */
function literalAddresses(host: string, literal: number, family: number, flags: number): { address: string; family: number }[] {
  const own = literal === 4 ? AF_INET : AF_INET6;
  if (family === AF_UNSPEC || family === own) return [{ address: host, family: own }];
  if (own === AF_INET && (flags & AI_V4MAPPED) !== 0) return [{ address: `::ffff:${host}`, family: AF_INET6 }];
  throw gaiError('EAI_ADDRFAMILY', 'getaddrinfo', host);
}

/**
 * `socket.getaddrinfo(host, port, family, type, proto, flags)`, resolving on
 * libuv's thread pool: `[family, type, proto, canonname, sockaddr]` entries,
 * one per address and socket type. The errors are the C library's, checked
 * in its order (glibc): both `host` and `port` null is `EAI_NONAME`; an
 * unknown family `EAI_FAMILY`; a type that does not go with `proto`
 * `EAI_SOCKTYPE`; a bad service `EAI_SERVICE`; an IP literal of the other
 * family `EAI_ADDRFAMILY`; a name that does not resolve `EAI_NONAME`.
 * `options` may be `null` (no options, docs/asyncio-mapping.md).
 */
export async function getaddrinfo(host: string | null, port: number | string | null, options?: GetaddrinfoOptions | null): Promise<AddrInfo[]> {
  const opts = optionsArg('getaddrinfo', options);
  const family = checkInt('family', opts.family);
  const type = checkInt('type', opts.type);
  const proto = checkInt('proto', opts.proto);
  const flags = checkInt('flags', opts.flags);
  if (host !== null && host !== undefined && typeof host !== 'string') {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `getaddrinfo(): host must be a string or null, not ${typeof host}`);
  }
  const name = host ?? null;
  const service = checkPort(port);
  // POSIX: at most one of host and port may be null.
  if (name === null && service === null) throw gaiError('EAI_NONAME', 'getaddrinfo', undefined);
  if (family !== AF_UNSPEC && family !== AF_INET && family !== AF_INET6) throw gaiError('EAI_FAMILY', 'getaddrinfo', name ?? undefined);
  if (typeof service === 'string' && (flags & AI_NUMERICSERV) !== 0) throw gaiError('EAI_NONAME', 'getaddrinfo', name ?? undefined);
  const ports = await resolvePorts(service, socketKinds(type, proto, name), name);
  let addresses: { address: string; family: number }[];
  if (name === null) {
    const passive = (flags & AI_PASSIVE) !== 0;
    const v4 = { address: passive ? '0.0.0.0' : '127.0.0.1', family: AF_INET };
    const v6 = { address: passive ? '::' : '::1', family: AF_INET6 };
    addresses = passive ? [v4, v6] : [v6, v4];
  } else {
    const literal = isIP(name.includes('%') ? name.slice(0, name.indexOf('%')) : name);
    if (literal !== 0) {
      addresses = literalAddresses(name, literal, family, flags);
    } else if ((flags & AI_NUMERICHOST) !== 0 || name === '') {
      throw gaiError('EAI_NONAME', 'getaddrinfo', name);
    } else {
      addresses = (await lookupAll(name, family, flags)).map((a) => ({ address: a.address, family: a.family === 6 ? AF_INET6 : AF_INET }));
    }
  }
  if (family !== AF_UNSPEC) addresses = addresses.filter((a) => a.family === family);
  if (addresses.length === 0) throw gaiError('EAI_NONAME', 'getaddrinfo', name ?? undefined);
  const result: AddrInfo[] = [];
  const seen = new Set<string>();
  for (const a of addresses) {
    const key = `${a.family} ${a.address}`;
    if (seen.has(key)) continue;
    seen.add(key);
    for (const [kind, p] of ports) {
      const sockaddr: InetAddress | Inet6Address = a.family === AF_INET6 ? [a.address, p, 0, 0] : [a.address, p];
      result.push([a.family, kind.type, kind.proto, '', sockaddr]);
    }
  }
  if ((flags & AI_CANONNAME) !== 0 && name !== null) result[0][3] = name;
  return result;
}

/**
 * asyncio's `_ipaddr_info`: the one entry for an IP literal, made without
 * `getaddrinfo`, or `null` when the host needs resolving. The protocol
 * follows the type (`SOCK_STREAM` is TCP whatever `proto` says, when `proto`
 * is 0, TCP or UDP); a port that is not an integer, a zone index (`%`), or a
 * literal not of `family` go through `getaddrinfo`.
 */
function ipaddrInfo(host: string | null, port: number | string | null, family: number, type: number, proto: number): AddrInfo | null {
  if (host === null || (proto !== 0 && proto !== IPPROTO_TCP && proto !== IPPROTO_UDP)) return null;
  if (type !== SOCK_STREAM && type !== SOCK_DGRAM) return null;
  let p: number;
  if (port === null || port === '') p = 0;
  else if (typeof port === 'number' && Number.isInteger(port)) p = port;
  else if (typeof port === 'string' && /^\s*[+-]?\d+\s*$/.test(port)) p = Number(port);
  else return null;
  if (host.includes('%')) return null;
  const literal = isIP(host);
  const af = literal === 4 ? AF_INET : literal === 6 ? AF_INET6 : 0;
  if (af === 0 || (family !== AF_UNSPEC && family !== af)) return null;
  const entryProto = type === SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
  return [af, type, entryProto, '', af === AF_INET6 ? [host, p, 0, 0] : [host, p]];
}

/**
 * asyncio's `BaseEventLoop._ensure_resolved`, what the network methods
 * resolve with: an IP literal gives its one entry at once (asyncio's
 * `_ipaddr_info`), anything else goes through {@link getaddrinfo}.
 */
export async function ensureResolved(host: string | null, port: number | string | null, options: GetaddrinfoOptions): Promise<AddrInfo[]> {
  const info = ipaddrInfo(host, port, options.family ?? 0, options.type ?? 0, options.proto ?? 0);
  return info === null ? getaddrinfo(host, port, options) : [info];
}

function lookupServiceAsync(address: string, port: number): Promise<{ hostname: string; service: string }> {
  return new Promise((resolve, reject) => {
    lookupService(address, port, (err, hostname, service) => {
      if (err !== null) reject(fromNodeError(err, 'getnameinfo', address));
      else resolve({ hostname, service });
    });
  });
}

/**
 * `socket.getnameinfo(sockaddr, flags)`: `[host, port]` names.
 * `NI_NUMERICHOST` and `NI_NUMERICSERV` skip the reverse lookups.
 */
export async function getnameinfo(sockaddr: InetAddress | Inet6Address, flags = 0): Promise<[host: string, port: string]> {
  if (!Array.isArray(sockaddr) || (sockaddr.length !== 2 && sockaddr.length !== 4) || typeof sockaddr[0] !== 'string' || typeof sockaddr[1] !== 'number') {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', 'getnameinfo(): sockaddr must be a [host, port] or [host, port, flowinfo, scopeId] array');
  }
  if (!Number.isInteger(flags)) throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', 'getnameinfo(): flags must be an integer');
  const [host, port] = sockaddr;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', 'getnameinfo(): port must be 0-65535.');
  }
  // Python resolves the host numerically-or-by-name first and wants one address.
  let address = host;
  if (isIP(host) === 0) {
    const found = await lookupAll(host, sockaddr.length === 4 ? AF_INET6 : AF_UNSPEC, 0);
    if (found.length !== 1) {
      throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', 'getnameinfo(): sockaddr resolved to multiple addresses');
    }
    address = found[0].address;
  }
  const numericHost = (flags & NI_NUMERICHOST) !== 0;
  let name = address;
  if (!numericHost) {
    try {
      name = (await lookupServiceAsync(address, port)).hostname;
    } catch (err) {
      if ((flags & NI_NAMEREQD) !== 0) throw err;
    }
  } else if ((flags & NI_NAMEREQD) !== 0) {
    throw gaiError('EAI_NONAME', 'getnameinfo', address);
  }
  let service = String(port);
  if ((flags & NI_NUMERICSERV) === 0) {
    const proto = (flags & NI_DGRAM) !== 0 ? 'udp' : 'tcp';
    for (const [svc, ports] of await services()) {
      if (ports[proto] === port) {
        service = svc;
        break;
      }
    }
  }
  return [name, service];
}
