/**
 * The socket constants of the platform: address families, socket types and
 * the protocol numbers that `SocketLike.family` / `type` / `proto` report.
 *
 * HOW and WHY. Node exposes no `AF_*` / `SOCK_*` numbers, but asyncio's
 * tuples (`getaddrinfo`, `sock.family`) carry the kernel's own values, and
 * `@loop/net` compares a resolved family with what a backend reports. So this
 * file picks the numbers by `process.platform`: they are ABI constants that
 * never change for a given kernel. Linux and the BSDs agree on `AF_UNIX` (1),
 * `AF_INET` (2), `SOCK_STREAM` (1) and `SOCK_DGRAM` (2); `AF_INET6` is 10 on
 * Linux, 30 on macOS, 28 on FreeBSD, 24 on OpenBSD/NetBSD, 23 on Windows.
 *
 * @packageDocumentation
 */

function inet6ForPlatform(platform: NodeJS.Platform): number {
  switch (platform) {
    case 'darwin':
      return 30;
    case 'freebsd':
      return 28;
    case 'openbsd':
    case 'netbsd' as NodeJS.Platform:
      return 24;
    case 'win32':
      return 23;
    default:
      return 10;
  }
}

/** `AF_UNIX`: Unix-domain sockets (1 on every platform). */
export const AF_UNIX = 1;
/** `AF_INET`: IPv4 (2 on every platform). */
export const AF_INET = 2;
/** `AF_INET6`: IPv6 (10 on Linux, 30 on macOS, 28 on FreeBSD, 23 on Windows). */
export const AF_INET6: number = inet6ForPlatform(process.platform);
/** `AF_UNSPEC`: any family (0). */
export const AF_UNSPEC = 0;
/** `SOCK_STREAM`: a stream socket (TCP, Unix stream). */
export const SOCK_STREAM = 1;
/** `SOCK_DGRAM`: a datagram socket (UDP, Unix datagram). */
export const SOCK_DGRAM = 2;
/** `IPPROTO_TCP` (6): the protocol number of a TCP socket. */
export const IPPROTO_TCP = 6;
/** `IPPROTO_UDP` (17): the protocol number of a UDP socket. */
export const IPPROTO_UDP = 17;

/** The family name Node uses (`'IPv4'`, `'IPv6'`) for a family number; `null` for `AF_UNIX`. */
export function nodeFamilyName(family: number): 'IPv4' | 'IPv6' | null {
  if (family === AF_INET) return 'IPv4';
  if (family === AF_INET6) return 'IPv6';
  return null;
}
