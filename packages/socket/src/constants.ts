/**
 * The platform's socket numbers, read from the C headers by the addon
 * (native/socket.c), so they are this platform's values, never copies.
 *
 * @packageDocumentation
 */
import binding from './binding.cjs';

const c = binding.constants;

/** IPv4 (`socket.AF_INET`). */
export const AF_INET: number = c.AF_INET;
/** IPv6 (`socket.AF_INET6`). */
export const AF_INET6: number = c.AF_INET6;
/** Unix domain sockets, path and (Linux) abstract names (`socket.AF_UNIX`). */
export const AF_UNIX: number = c.AF_UNIX;
/** Any family (`socket.AF_UNSPEC`). */
export const AF_UNSPEC: number = c.AF_UNSPEC;
/** Stream sockets (`socket.SOCK_STREAM`). */
export const SOCK_STREAM: number = c.SOCK_STREAM;
/** Datagram sockets (`socket.SOCK_DGRAM`). */
export const SOCK_DGRAM: number = c.SOCK_DGRAM;
/** `shutdown()`: no more receptions (`socket.SHUT_RD`). */
export const SHUT_RD: number = c.SHUT_RD;
/** `shutdown()`: no more transmissions (`socket.SHUT_WR`). */
export const SHUT_WR: number = c.SHUT_WR;
/** `shutdown()`: neither (`socket.SHUT_RDWR`). */
export const SHUT_RDWR: number = c.SHUT_RDWR;
/** The socket level of `getsockopt`/`setsockopt` (`socket.SOL_SOCKET`). */
export const SOL_SOCKET: number = c.SOL_SOCKET;
/** The pending error, as a positive errno; how a non-blocking connect's outcome is read (`socket.SO_ERROR`). */
export const SO_ERROR: number = c.SO_ERROR;
/** `socket.SO_REUSEADDR`. */
export const SO_REUSEADDR: number = c.SO_REUSEADDR;
/** `socket.SO_REUSEPORT`. */
export const SO_REUSEPORT: number = c.SO_REUSEPORT;
/** `socket.SO_KEEPALIVE`. */
export const SO_KEEPALIVE: number = c.SO_KEEPALIVE;
/** `socket.SO_BROADCAST`. */
export const SO_BROADCAST: number = c.SO_BROADCAST;
/** `socket.SO_RCVBUF`. */
export const SO_RCVBUF: number = c.SO_RCVBUF;
/** `socket.SO_SNDBUF`. */
export const SO_SNDBUF: number = c.SO_SNDBUF;
/** `socket.SO_TYPE`. */
export const SO_TYPE: number = c.SO_TYPE;
/** `socket.IPPROTO_TCP`. */
export const IPPROTO_TCP: number = c.IPPROTO_TCP;
/** `socket.IPPROTO_UDP`. */
export const IPPROTO_UDP: number = c.IPPROTO_UDP;
/** `socket.IPPROTO_IPV6`. */
export const IPPROTO_IPV6: number = c.IPPROTO_IPV6;
/** `socket.TCP_NODELAY` (level `IPPROTO_TCP`). */
export const TCP_NODELAY: number = c.TCP_NODELAY;
/** `socket.IPV6_V6ONLY` (level `IPPROTO_IPV6`). */
export const IPV6_V6ONLY: number = c.IPV6_V6ONLY;

/** Sequenced, reliable, connection-based datagrams (`socket.SOCK_SEQPACKET`). */
export const SOCK_SEQPACKET: number = c.SOCK_SEQPACKET;
/** Raw network protocol access (`socket.SOCK_RAW`). */
export const SOCK_RAW: number = c.SOCK_RAW;

/** Linger on close: a `struct linger` (`l_onoff`, `l_linger` seconds, two C ints); `[1, 0]` makes `close()` reset the connection (`socket.SO_LINGER`). */
export const SO_LINGER: number = c.SO_LINGER;
/** The socket's family, read-only (`socket.SO_DOMAIN`). */
export const SO_DOMAIN: number = c.SO_DOMAIN;
/** The socket's protocol, read-only (`socket.SO_PROTOCOL`). */
export const SO_PROTOCOL: number = c.SO_PROTOCOL;
/** Whether the socket listens, read-only (`socket.SO_ACCEPTCONN`). */
export const SO_ACCEPTCONN: number = c.SO_ACCEPTCONN;
/** `socket.SO_RCVLOWAT`. */
export const SO_RCVLOWAT: number = c.SO_RCVLOWAT;
/** `socket.SO_SNDLOWAT`. */
export const SO_SNDLOWAT: number = c.SO_SNDLOWAT;
/** `socket.SO_OOBINLINE`. */
export const SO_OOBINLINE: number = c.SO_OOBINLINE;
/** `socket.SO_DONTROUTE`. */
export const SO_DONTROUTE: number = c.SO_DONTROUTE;
/** `socket.SO_PRIORITY`. */
export const SO_PRIORITY: number = c.SO_PRIORITY;
/** `socket.SO_PASSCRED`. */
export const SO_PASSCRED: number = c.SO_PASSCRED;
/** The peer's `struct ucred` (pid, uid, gid: three C ints), read-only (`socket.SO_PEERCRED`; ask for 12 bytes). */
export const SO_PEERCRED: number = c.SO_PEERCRED;

/** `socket.TCP_KEEPIDLE` (level `IPPROTO_TCP`). */
export const TCP_KEEPIDLE: number = c.TCP_KEEPIDLE;
/** `socket.TCP_KEEPINTVL` (level `IPPROTO_TCP`). */
export const TCP_KEEPINTVL: number = c.TCP_KEEPINTVL;
/** `socket.TCP_KEEPCNT` (level `IPPROTO_TCP`). */
export const TCP_KEEPCNT: number = c.TCP_KEEPCNT;
/** `socket.TCP_CORK` (level `IPPROTO_TCP`). */
export const TCP_CORK: number = c.TCP_CORK;
/** `socket.TCP_QUICKACK` (level `IPPROTO_TCP`). */
export const TCP_QUICKACK: number = c.TCP_QUICKACK;
/** `socket.TCP_USER_TIMEOUT` (level `IPPROTO_TCP`). */
export const TCP_USER_TIMEOUT: number = c.TCP_USER_TIMEOUT;
/** `socket.TCP_NOTSENT_LOWAT` (level `IPPROTO_TCP`). */
export const TCP_NOTSENT_LOWAT: number = c.TCP_NOTSENT_LOWAT;
/** `socket.TCP_MAXSEG` (level `IPPROTO_TCP`). */
export const TCP_MAXSEG: number = c.TCP_MAXSEG;
/** `socket.TCP_DEFER_ACCEPT` (level `IPPROTO_TCP`). */
export const TCP_DEFER_ACCEPT: number = c.TCP_DEFER_ACCEPT;
/** `socket.TCP_FASTOPEN` (level `IPPROTO_TCP`). */
export const TCP_FASTOPEN: number = c.TCP_FASTOPEN;

/** The IPv4 level of `getsockopt`/`setsockopt` (`socket.IPPROTO_IP`). */
export const IPPROTO_IP: number = c.IPPROTO_IP;
/** `socket.IP_TOS` (level `IPPROTO_IP`). */
export const IP_TOS: number = c.IP_TOS;
/** `socket.IP_TTL` (level `IPPROTO_IP`). */
export const IP_TTL: number = c.IP_TTL;
/** `socket.IP_MULTICAST_TTL` (level `IPPROTO_IP`). */
export const IP_MULTICAST_TTL: number = c.IP_MULTICAST_TTL;
/** `socket.IP_MULTICAST_LOOP` (level `IPPROTO_IP`). */
export const IP_MULTICAST_LOOP: number = c.IP_MULTICAST_LOOP;
/** `socket.IP_MULTICAST_IF` (level `IPPROTO_IP`; a `struct in_addr`, 4 bytes). */
export const IP_MULTICAST_IF: number = c.IP_MULTICAST_IF;
/** `socket.IP_ADD_MEMBERSHIP` (level `IPPROTO_IP`; a `struct ip_mreq`, 8 bytes). */
export const IP_ADD_MEMBERSHIP: number = c.IP_ADD_MEMBERSHIP;
/** `socket.IP_DROP_MEMBERSHIP` (level `IPPROTO_IP`; a `struct ip_mreq`, 8 bytes). */
export const IP_DROP_MEMBERSHIP: number = c.IP_DROP_MEMBERSHIP;
/** `socket.IPV6_UNICAST_HOPS` (level `IPPROTO_IPV6`). */
export const IPV6_UNICAST_HOPS: number = c.IPV6_UNICAST_HOPS;
/** `socket.IPV6_MULTICAST_HOPS` (level `IPPROTO_IPV6`). */
export const IPV6_MULTICAST_HOPS: number = c.IPV6_MULTICAST_HOPS;
/** `socket.IPV6_MULTICAST_LOOP` (level `IPPROTO_IPV6`). */
export const IPV6_MULTICAST_LOOP: number = c.IPV6_MULTICAST_LOOP;
/** `socket.IPV6_MULTICAST_IF` (level `IPPROTO_IPV6`; an interface index). */
export const IPV6_MULTICAST_IF: number = c.IPV6_MULTICAST_IF;
/** `socket.IPV6_JOIN_GROUP` (level `IPPROTO_IPV6`; a `struct ipv6_mreq`, 20 bytes). */
export const IPV6_JOIN_GROUP: number = c.IPV6_JOIN_GROUP;
/** `socket.IPV6_LEAVE_GROUP` (level `IPPROTO_IPV6`; a `struct ipv6_mreq`, 20 bytes). */
export const IPV6_LEAVE_GROUP: number = c.IPV6_LEAVE_GROUP;
/** `socket.IPV6_TCLASS` (level `IPPROTO_IPV6`). */
export const IPV6_TCLASS: number = c.IPV6_TCLASS;

/** The (positive) errno a would-block operation fails with (`errno.EAGAIN`; `EWOULDBLOCK` is the same on Linux). */
export const EAGAIN: number = c.EAGAIN;
/** `lseek` from the start of the file (Python's `os.SEEK_SET`). */
export const SEEK_SET: number = c.SEEK_SET;
/** `lseek` from the current position (`os.SEEK_CUR`). */
export const SEEK_CUR: number = c.SEEK_CUR;
/** `lseek` from the end of the file (`os.SEEK_END`). */
export const SEEK_END: number = c.SEEK_END;

/** The (positive) errno of a non-blocking connect still in progress (`errno.EINPROGRESS`), as `Socket.connectEx()` returns it. */
export const EINPROGRESS: number = c.EINPROGRESS;
/** The (positive) errno of a socket call on a descriptor that is not a socket (`errno.ENOTSOCK`), e.g. `fromFd()` of a file. */
export const ENOTSOCK: number = c.ENOTSOCK;

/**
 * What `Socket.tryRecvInto()`, `Socket.trySend()`, `Socket.trySendto()` and `sendfile()` return when the
 * socket would block: `-1`, never a byte count.
 */
export const WOULD_BLOCK = -1;

/**
 * The option levels `getsockopt`/`setsockopt` know by name, e.g.
 * `setsockopt('IPPROTO_TCP', 'TCP_NODELAY', 1)`.
 */
export const OPTION_LEVELS: ReadonlyMap<string, number> = new Map([
  ['SOL_SOCKET', SOL_SOCKET],
  ['IPPROTO_IP', IPPROTO_IP],
  ['IPPROTO_TCP', IPPROTO_TCP],
  ['IPPROTO_UDP', IPPROTO_UDP],
  ['IPPROTO_IPV6', IPPROTO_IPV6],
]);

/**
 * The options `getsockopt`/`setsockopt` know by name: the name, its number
 * and the name of its level.
 */
export const OPTION_NAMES: ReadonlyMap<string, readonly [optname: number, level: string]> = new Map(
  (
    [
      ['SOL_SOCKET', ['SO_ERROR', 'SO_REUSEADDR', 'SO_REUSEPORT', 'SO_KEEPALIVE', 'SO_BROADCAST', 'SO_RCVBUF', 'SO_SNDBUF', 'SO_TYPE', 'SO_LINGER',
        'SO_DOMAIN', 'SO_PROTOCOL', 'SO_ACCEPTCONN', 'SO_RCVLOWAT', 'SO_SNDLOWAT', 'SO_OOBINLINE', 'SO_DONTROUTE', 'SO_PRIORITY', 'SO_PASSCRED', 'SO_PEERCRED']],
      ['IPPROTO_TCP', ['TCP_NODELAY', 'TCP_KEEPIDLE', 'TCP_KEEPINTVL', 'TCP_KEEPCNT', 'TCP_CORK', 'TCP_QUICKACK', 'TCP_USER_TIMEOUT', 'TCP_NOTSENT_LOWAT',
        'TCP_MAXSEG', 'TCP_DEFER_ACCEPT', 'TCP_FASTOPEN']],
      ['IPPROTO_IP', ['IP_TOS', 'IP_TTL', 'IP_MULTICAST_TTL', 'IP_MULTICAST_LOOP', 'IP_MULTICAST_IF', 'IP_ADD_MEMBERSHIP', 'IP_DROP_MEMBERSHIP']],
      ['IPPROTO_IPV6', ['IPV6_V6ONLY', 'IPV6_UNICAST_HOPS', 'IPV6_MULTICAST_HOPS', 'IPV6_MULTICAST_LOOP', 'IPV6_MULTICAST_IF', 'IPV6_JOIN_GROUP',
        'IPV6_LEAVE_GROUP', 'IPV6_TCLASS']],
    ] as const
  ).flatMap(([level, names]) => names.map((name) => [name, [c[name], level] as const] as const)),
);
