// Types of the native addon (native/socket.c), loaded by binding.cjs. Every call
// returns -errno on failure and never throws.
declare const binding: {
  /** Why the addon did not load (then every call throws), or `null`. */
  loadError: Error | null;
  socket(family: number, type: number, proto: number): number;
  socketpair(family: number, type: number, proto: number): [number, number] | number;
  pipe(): [number, number] | number;
  close(fd: number): number;
  dup(fd: number): number;
  setblocking(fd: number, blocking: boolean): number;
  getblocking(fd: number): number;
  bind(fd: number, family: number, host: string | Buffer, port: number, flowinfo: number, scopeId: number): number;
  connect(fd: number, family: number, host: string | Buffer, port: number, flowinfo: number, scopeId: number): number;
  listen(fd: number, backlog: number): number;
  accept(fd: number): [number, [string, number] | [string, number, number, number] | Buffer] | number;
  shutdown(fd: number, how: number): number;
  getsockname(fd: number): [string, number] | [string, number, number, number] | Buffer | number;
  getpeername(fd: number): [string, number] | [string, number, number, number] | Buffer | number;
  getsockopt(fd: number, level: number, name: number, out: Int32Array | Uint8Array): number;
  setsockopt(fd: number, level: number, name: number, value: number | Uint8Array): number;
  recvInto(fd: number, buf: Uint8Array, nbytes: number): number;
  send(fd: number, buf: Uint8Array): number;
  readInto(fd: number, buf: Uint8Array, nbytes: number): number;
  write(fd: number, buf: Uint8Array): number;
  lseek(fd: number, offset: number, whence: number): number;
  recvfrom(fd: number, buf: Uint8Array, nbytes: number): [number, [string, number] | [string, number, number, number] | Buffer | null] | number;
  sendto(fd: number, buf: Uint8Array, family: number, host: string | Buffer, port: number, flowinfo: number, scopeId: number): number;
  sendfile(outFd: number, inFd: number, offset: number, count: number): number;
  constants: Record<
    | 'AF_INET' | 'AF_INET6' | 'AF_UNIX' | 'AF_UNSPEC' | 'SOCK_STREAM' | 'SOCK_DGRAM'
    | 'SHUT_RD' | 'SHUT_WR' | 'SHUT_RDWR' | 'SOL_SOCKET' | 'SO_ERROR' | 'SO_REUSEADDR'
    | 'SO_REUSEPORT' | 'SO_KEEPALIVE' | 'SO_BROADCAST' | 'SO_RCVBUF' | 'SO_SNDBUF' | 'SO_TYPE'
    | 'IPPROTO_TCP' | 'IPPROTO_UDP' | 'IPPROTO_IPV6' | 'TCP_NODELAY' | 'IPV6_V6ONLY'
    | 'EAGAIN' | 'EINPROGRESS' | 'ENOTSOCK' | 'SOCK_SEQPACKET' | 'SOCK_RAW' | 'SEEK_SET' | 'SEEK_CUR' | 'SEEK_END'
    | 'SO_LINGER' | 'SO_DOMAIN' | 'SO_PROTOCOL' | 'SO_ACCEPTCONN' | 'SO_RCVLOWAT' | 'SO_SNDLOWAT'
    | 'SO_OOBINLINE' | 'SO_DONTROUTE' | 'SO_PRIORITY' | 'SO_PASSCRED' | 'SO_PEERCRED'
    | 'TCP_KEEPIDLE' | 'TCP_KEEPINTVL' | 'TCP_KEEPCNT' | 'TCP_CORK' | 'TCP_QUICKACK'
    | 'TCP_USER_TIMEOUT' | 'TCP_NOTSENT_LOWAT' | 'TCP_MAXSEG' | 'TCP_DEFER_ACCEPT' | 'TCP_FASTOPEN'
    | 'IPPROTO_IP' | 'IP_TOS' | 'IP_TTL' | 'IP_MULTICAST_TTL' | 'IP_MULTICAST_LOOP' | 'IP_MULTICAST_IF'
    | 'IP_ADD_MEMBERSHIP' | 'IP_DROP_MEMBERSHIP'
    | 'IPV6_UNICAST_HOPS' | 'IPV6_MULTICAST_HOPS' | 'IPV6_MULTICAST_LOOP' | 'IPV6_MULTICAST_IF'
    | 'IPV6_JOIN_GROUP' | 'IPV6_LEAVE_GROUP' | 'IPV6_TCLASS',
    number
  >;
};
export = binding;
