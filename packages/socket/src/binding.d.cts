// Types of the native addon (native/socket.c), loaded by binding.cjs. Every call
// returns -errno on failure and never throws.
declare const binding: {
  socket(family: number, type: number, proto: number): number;
  socketpair(family: number, type: number, proto: number): [number, number] | number;
  pipe(): [number, number] | number;
  close(fd: number): number;
  setblocking(fd: number, blocking: boolean): number;
  getblocking(fd: number): number;
  bind(fd: number, family: number, host: string | Buffer, port: number, flowinfo: number, scopeId: number): number;
  connect(fd: number, family: number, host: string | Buffer, port: number, flowinfo: number, scopeId: number): number;
  listen(fd: number, backlog: number): number;
  accept(fd: number): [number, [string, number] | [string, number, number, number] | Buffer] | number;
  shutdown(fd: number, how: number): number;
  getsockname(fd: number): [string, number] | [string, number, number, number] | Buffer | number;
  getpeername(fd: number): [string, number] | [string, number, number, number] | Buffer | number;
  getsockopt(fd: number, level: number, name: number, out: Int32Array): number;
  setsockopt(fd: number, level: number, name: number, value: number): number;
  recvInto(fd: number, buf: Uint8Array, nbytes: number): number;
  send(fd: number, buf: Uint8Array): number;
  constants: Record<
    | 'AF_INET' | 'AF_INET6' | 'AF_UNIX' | 'AF_UNSPEC' | 'SOCK_STREAM' | 'SOCK_DGRAM'
    | 'SHUT_RD' | 'SHUT_WR' | 'SHUT_RDWR' | 'SOL_SOCKET' | 'SO_ERROR' | 'SO_REUSEADDR'
    | 'SO_REUSEPORT' | 'SO_KEEPALIVE' | 'SO_BROADCAST' | 'SO_RCVBUF' | 'SO_SNDBUF' | 'SO_TYPE'
    | 'IPPROTO_TCP' | 'IPPROTO_UDP' | 'IPPROTO_IPV6' | 'TCP_NODELAY' | 'IPV6_V6ONLY'
    | 'EAGAIN' | 'EINPROGRESS',
    number
  >;
};
export = binding;
