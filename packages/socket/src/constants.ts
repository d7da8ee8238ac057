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

/** The (positive) errno a would-block operation fails with (`errno.EAGAIN`; `EWOULDBLOCK` is the same on Linux). */
export const EAGAIN: number = c.EAGAIN;
/** The (positive) errno of a non-blocking connect still in progress (`errno.EINPROGRESS`), as `Socket.connectEx()` returns it. */
export const EINPROGRESS: number = c.EINPROGRESS;

/**
 * What `Socket.tryRecvInto()` and `Socket.trySend()` return when the
 * socket would block: `-1`, never a byte count.
 */
export const WOULD_BLOCK = -1;
