/**
 * The socket constants of `@loop/net`, with the platform's numbers, as
 * Python's `socket` module exposes them (`socket.AF_INET`, `socket.AI_PASSIVE`…).
 *
 * HOW: Node has no BSD-socket constants, so the numbers are written here, one
 * table per platform family: Linux (the default), and the BSDs / macOS where
 * they differ (`AF_INET6` is 30 on macOS, 28 on FreeBSD; the `AI_*` and
 * `NI_*` flags differ too). Windows uses the BSD socket numbers of Winsock.
 *
 * WHY the platform's numbers rather than invented ones: these values travel.
 * `getaddrinfo` results, `SocketLike.family` of a backend's sockets and the
 * `family` options all carry them, and `@loop/socket` (real sockets, native)
 * will hand them to the kernel. A Python program on the same machine prints
 * the same numbers, so traces compare.
 *
 * @packageDocumentation
 */

const darwin = process.platform === 'darwin';
const bsd = darwin || process.platform === 'freebsd' || process.platform === 'openbsd' || process.platform === 'netbsd';
const win = process.platform === 'win32';

/** Unspecified address family (any): `0`. */
export const AF_UNSPEC = 0;
/** Unix domain sockets: `1`. */
export const AF_UNIX = 1;
/** IPv4: `2`. */
export const AF_INET = 2;
/** IPv6: `10` on Linux, `30` on macOS, `28` on FreeBSD, `23` on Windows. */
export const AF_INET6 = darwin ? 30 : process.platform === 'freebsd' ? 28 : win ? 23 : 10;

/** Stream sockets (TCP): `1`. */
export const SOCK_STREAM = 1;
/** Datagram sockets (UDP): `2`. */
export const SOCK_DGRAM = 2;
/** Raw sockets: `3`. */
export const SOCK_RAW = 3;

/** The default protocol of a family: `0`. */
export const IPPROTO_IP = 0;
/** TCP: `6`. */
export const IPPROTO_TCP = 6;
/** UDP: `17`. */
export const IPPROTO_UDP = 17;

/** `getaddrinfo` flag: addresses for binding (the wildcard address for a `null` host). */
export const AI_PASSIVE = 1;
/** `getaddrinfo` flag: fill in the canonical name of the first result. */
export const AI_CANONNAME = 2;
/** `getaddrinfo` flag: the host must be an IP literal; no name resolution. */
export const AI_NUMERICHOST = 4;
/** `getaddrinfo` flag: IPv4-mapped IPv6 addresses when no IPv6 address is found. */
export const AI_V4MAPPED = bsd ? 0x800 : win ? 0x800 : 8;
/** `getaddrinfo` flag: with `AI_V4MAPPED`, IPv6 and IPv4-mapped addresses both. */
export const AI_ALL = bsd ? 0x100 : win ? 0x100 : 0x10;
/** `getaddrinfo` flag: only the families configured on the host. */
export const AI_ADDRCONFIG = bsd ? 0x400 : win ? 0x400 : 0x20;
/** `getaddrinfo` flag: the port must be numeric; no service lookup. */
export const AI_NUMERICSERV = bsd ? 0x1000 : win ? 0x8 : 0x400;

/** `getnameinfo` flag: the numeric host, no reverse lookup. */
export const NI_NUMERICHOST = bsd ? 2 : win ? 2 : 1;
/** `getnameinfo` flag: the numeric port, no service lookup. */
export const NI_NUMERICSERV = bsd ? 8 : win ? 8 : 2;
/** `getnameinfo` flag: only the host part of a local name. */
export const NI_NOFQDN = bsd ? 1 : win ? 1 : 4;
/** `getnameinfo` flag: fail when the host has no name. */
export const NI_NAMEREQD = bsd ? 4 : win ? 4 : 8;
/** `getnameinfo` flag: the service is a datagram service. */
export const NI_DGRAM = 16;

/** `getaddrinfo` error: the name or service is not known (Python's `socket.EAI_NONAME`). */
export const EAI_NONAME = bsd ? 8 : win ? 11001 : -2;
/** `getaddrinfo` error: temporary failure in name resolution. */
export const EAI_AGAIN = bsd ? 2 : win ? 11002 : -3;
/** `getaddrinfo` error: non-recoverable failure in name resolution. */
export const EAI_FAIL = bsd ? 4 : win ? 11003 : -4;
/**
 * `getaddrinfo` error: the host's address is of another family than the one
 * asked for (`'127.0.0.1'` with `family: AF_INET6`): `-9` on Linux. Windows
 * has no such code; Winsock reports `WSAEAFNOSUPPORT` (`10047`) there.
 */
export const EAI_ADDRFAMILY = bsd ? 1 : win ? 10047 : -9;
/** `getaddrinfo` error: the address family is not supported. */
export const EAI_FAMILY = bsd ? 5 : win ? 10047 : -6;
/** `getaddrinfo` error: the socket type is not supported. */
export const EAI_SOCKTYPE = bsd ? 10 : win ? 10044 : -7;
/** `getaddrinfo` error: the service is not supported for the socket type. */
export const EAI_SERVICE = bsd ? 9 : win ? 10109 : -8;
