/**
 * The `sock*` operations of the selector loop: asyncio's
 * `BaseSelectorEventLoop.sock_*` (selector_events.py), with
 * `sock_sendfile` from base_events.py / unix_events.py.
 *
 * HOW (every operation, as asyncio):
 *
 * ```text
 *   debug on and the socket blocking  -> RangeError (asyncio's ValueError)
 *   try the operation now             -> done: resolve (no future, no reader)
 *   EAGAIN / EINTR                    -> future + _addReader/_addWriter(fd, retry)
 *                                        future done -> remove it (unless replaced)
 *   retry: future done? nothing. EAGAIN? wait on. error? reject. else resolve.
 * ```
 *
 * The retry is one `Handle` kept in the selector; the future's done callback
 * removes it unless another operation replaced it meanwhile (the handle is
 * then cancelled), so cancelling the awaiting task stops the watching in the
 * next iteration. A second `sockRecv` on the same socket replaces the first
 * one's reader: the first never completes unless cancelled (asyncio 3.11).
 *
 * The operations need `@loop/socket`'s allocation-free calls
 * (`tryRecvInto`, `trySend`, `tryRecvfrom`, `trySendto`, which return
 * `WOULD_BLOCK` / `null` instead of throwing `EAGAIN`); a socket without
 * them is a `TypeError`.
 *
 * @packageDocumentation
 */
import { fstatSync, read as fsRead } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { isIP } from 'node:net';
import { constants as osConstants } from 'node:os';
import {
  SendfileNotAvailableError,
  describeValue,
  isOsError,
  loopError,
  missingCapability,
  systemError,
} from '@loop/interfaces';
import type { AddrInfo, Address, BackendHost, FileLike, Future, GetaddrinfoOptions, Handle, SendfileOptions, SocketLike } from '@loop/interfaces';
import { AF_INET, AF_INET6, SOCK_STREAM, SOL_SOCKET, SO_ERROR, WOULD_BLOCK, lseek, sendfile as nativeSendfile, type Socket } from '@loop/socket';

/** What the `sock*` operations need of the backend (the `SelectorBackend`'s internal methods). */
export interface SockBackend {
  /** The host; throws `RuntimeError` on a closed loop. */
  readonly _host: BackendHost;
  /** asyncio's `_add_reader`. */
  _addReader<A extends unknown[]>(fd: number, callback: (...args: A) => unknown, ...args: A): Handle;
  /** asyncio's `_remove_reader`. */
  _removeReader(fd: number): boolean;
  /** asyncio's `_add_writer`. */
  _addWriter<A extends unknown[]>(fd: number, callback: (...args: A) => unknown, ...args: A): Handle;
  /** asyncio's `_remove_writer`. */
  _removeWriter(fd: number): boolean;
  /** asyncio's `_ensure_fd_no_transport`: throws `RuntimeError` (`ERR_LOOP_FD_IN_USE`) when a transport owns `fd`. */
  _ensureFdNoTransport(api: string, fd: number): void;
}

/** The socket the operations work on: a `@loop/socket` `Socket`, or an object with the same methods. */
type LoopSocket = Pick<
  Socket,
  'fileno' | 'tryRecvInto' | 'trySend' | 'tryRecvfrom' | 'trySendto' | 'recvfromInto' | 'accept' | 'connect' | 'getsockopt' | 'family' | 'type' | 'proto'
> & { getblocking?(): boolean };

const WAIT_CODES = new Set(['EAGAIN', 'EWOULDBLOCK', 'EINTR']);
const CONNECT_WAIT_CODES = new Set(['EINPROGRESS', 'EAGAIN', 'EWOULDBLOCK', 'EALREADY', 'EINTR']);

/** asyncio's `SENDFILE_FALLBACK_READBUFFER_SIZE`: 256 KiB. */
const FALLBACK_BLOCK = 256 * 1024;

function waitCode(err: unknown, codes: ReadonlySet<string> = WAIT_CODES): boolean {
  return isOsError(err) && typeof err.code === 'string' && codes.has(err.code);
}

/**
 * The socket as the operation needs it, after asyncio's checks: a
 * `TypeError` for an object without `fileno()` and `methods`, a
 * `RangeError` for a blocking socket in debug mode.
 */
function checkSock(host: BackendHost, api: string, sock: SocketLike, methods: readonly string[]): LoopSocket {
  const s = sock as unknown as Record<string, unknown> | null;
  const missing =
    typeof s !== 'object' || s === null ? 'fileno' : ['fileno', ...methods].find((m) => typeof s[m] !== 'function');
  if (missing !== undefined) {
    throw loopError(
      TypeError,
      'ERR_LOOP_INVALID_ARG',
      `${api}(): sock must be a @loop/socket Socket (the selector loop needs its ${missing}() and the other non-blocking calls), got ${describeValue(sock)}`,
    );
  }
  const ls = sock as unknown as LoopSocket;
  if (host.getDebug() && typeof ls.getblocking === 'function' && ls.getblocking()) {
    throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `${api}(): the socket must be non-blocking, got ${describeValue(sock)}`);
  }
  return ls;
}

function checkBuffer(api: string, name: string, buf: unknown): asserts buf is Uint8Array {
  if (!(buf instanceof Uint8Array)) {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}(): ${name} must be a Buffer or Uint8Array, got ${describeValue(buf)}`);
  }
}

function checkSize(api: string, name: string, value: unknown, max = 0x7fffffff): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}(): ${name} must be an integer, got ${describeValue(value)}`);
  }
  if (value < 0 || value > max) {
    throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `${api}(): ${name} must be between 0 and ${max}, got ${value}`);
  }
  return value;
}

/**
 * Waits with a reader (`read`) or writer until `attempt()` returns something
 * other than `undefined` (then resolves with it) or throws a non-wait error
 * (then rejects); the done callback removes the watcher unless replaced.
 */
function waitFor<T>(backend: SockBackend, api: string, fd: number, read: boolean, attempt: () => T | undefined): Future<T> {
  const host = backend._host;
  backend._ensureFdNoTransport(api, fd);
  const fut = host.createFuture<T>();
  const retry = (): void => {
    if (fut.done()) return;
    let result: T | undefined;
    try {
      result = attempt();
    } catch (err) {
      if (!waitCode(err)) fut.setException(err);
      return;
    }
    if (result !== undefined) fut.setResult(result);
  };
  const handle = read ? backend._addReader(fd, retry) : backend._addWriter(fd, retry);
  fut.addDoneCallback(() => {
    if (handle.cancelled()) return;
    if (read) backend._removeReader(fd);
    else backend._removeWriter(fd);
  });
  return fut;
}

/** One non-blocking try: the result, or `undefined` when it would block. */
function tryNow<T>(attempt: () => T | undefined): T | undefined {
  try {
    return attempt();
  } catch (err) {
    if (waitCode(err)) return undefined;
    throw err;
  }
}

/** A received chunk: the buffer itself when mostly filled, else a right-sized copy (Python's `bytes`). */
function received(buf: Buffer, n: number): Buffer {
  if (n === buf.length) return buf;
  return n * 2 >= buf.length ? buf.subarray(0, n) : Buffer.from(buf.subarray(0, n));
}

/** `loop.sockRecv(sock, n)`: asyncio's `sock_recv`. */
export async function sockRecv(backend: SockBackend, sock: SocketLike, n: number): Promise<Buffer> {
  const host = backend._host;
  const s = checkSock(host, 'sockRecv', sock, ['tryRecvInto']);
  checkSize('sockRecv', 'n', n);
  const buf = Buffer.allocUnsafe(n);
  const attempt = (): Buffer | undefined => {
    const r = s.tryRecvInto(buf);
    return r === WOULD_BLOCK ? undefined : received(buf, r);
  };
  const now = tryNow(attempt);
  if (now !== undefined) return now;
  return await waitFor(backend, 'sockRecv', s.fileno(), true, attempt);
}

/** `loop.sockRecvInto(sock, buf)`: asyncio's `sock_recv_into`. */
export async function sockRecvInto(backend: SockBackend, sock: SocketLike, buf: Uint8Array): Promise<number> {
  const host = backend._host;
  const s = checkSock(host, 'sockRecvInto', sock, ['tryRecvInto']);
  checkBuffer('sockRecvInto', 'buf', buf);
  const attempt = (): number | undefined => {
    const r = s.tryRecvInto(buf);
    return r === WOULD_BLOCK ? undefined : r;
  };
  const now = tryNow(attempt);
  if (now !== undefined) return now;
  return await waitFor(backend, 'sockRecvInto', s.fileno(), true, attempt);
}

/** `loop.sockRecvfrom(sock, bufsize)`: asyncio's `sock_recvfrom`. */
export async function sockRecvfrom(backend: SockBackend, sock: SocketLike, bufsize: number): Promise<[Buffer, Address]> {
  const host = backend._host;
  const s = checkSock(host, 'sockRecvfrom', sock, ['tryRecvfrom']);
  checkSize('sockRecvfrom', 'bufsize', bufsize);
  const attempt = (): [Buffer, Address] | undefined => (s.tryRecvfrom(bufsize) as [Buffer, Address] | null) ?? undefined;
  const now = tryNow(attempt);
  if (now !== undefined) return now;
  return await waitFor(backend, 'sockRecvfrom', s.fileno(), true, attempt);
}

/** `loop.sockRecvfromInto(sock, buf, nbytes)`: asyncio's `sock_recvfrom_into` (`nbytes` 0 or omitted: the whole buffer). */
export async function sockRecvfromInto(backend: SockBackend, sock: SocketLike, buf: Uint8Array, nbytes = 0): Promise<[number, Address]> {
  const host = backend._host;
  const s = checkSock(host, 'sockRecvfromInto', sock, ['recvfromInto']);
  checkBuffer('sockRecvfromInto', 'buf', buf);
  checkSize('sockRecvfromInto', 'nbytes', nbytes, buf.length);
  const size = nbytes === 0 ? buf.length : nbytes;
  const attempt = (): [number, Address] => s.recvfromInto(buf, size) as [number, Address];
  const now = tryNow(attempt);
  if (now !== undefined) return now;
  return await waitFor(backend, 'sockRecvfromInto', s.fileno(), true, attempt);
}

/** `loop.sockSendall(sock, data)`: asyncio's `sock_sendall`; the retries send the rest of `data` (a view, no copy). */
export async function sockSendall(backend: SockBackend, sock: SocketLike, data: Uint8Array): Promise<void> {
  const host = backend._host;
  const s = checkSock(host, 'sockSendall', sock, ['trySend']);
  checkBuffer('sockSendall', 'data', data);
  let pos = 0;
  const first = tryNow(() => s.trySend(data));
  if (first !== undefined && first !== WOULD_BLOCK) pos = first;
  if (pos === data.length) return;
  const attempt = (): true | undefined => {
    const n = s.trySend(pos === 0 ? data : data.subarray(pos));
    if (n === WOULD_BLOCK) return undefined;
    pos += n;
    return pos === data.length ? true : undefined;
  };
  await waitFor(backend, 'sockSendall', s.fileno(), false, attempt);
}

/** `loop.sockSendto(sock, data, address)`: asyncio's `sock_sendto`. */
export async function sockSendto(backend: SockBackend, sock: SocketLike, data: Uint8Array, address: Address): Promise<number> {
  const host = backend._host;
  const s = checkSock(host, 'sockSendto', sock, ['trySendto']);
  checkBuffer('sockSendto', 'data', data);
  const attempt = (): number | undefined => {
    const n = s.trySendto(data, address);
    return n === WOULD_BLOCK ? undefined : n;
  };
  const now = tryNow(attempt);
  if (now !== undefined) return now;
  return await waitFor(backend, 'sockSendto', s.fileno(), false, attempt);
}

/** asyncio's `_ipaddr_info` for a socket's own family: the address itself when its host is an IP literal of it. */
function literalAddress(family: number, address: Address): Address | null {
  if (!Array.isArray(address) || typeof address[0] !== 'string') return address;
  const kind = isIP(address[0]);
  if ((kind === 4 && family === AF_INET) || (kind === 6 && family === AF_INET6)) return address;
  return null;
}

type Resolver = (host: string, port: number | string, options: GetaddrinfoOptions) => Promise<AddrInfo[]>;

/** asyncio's `_ensure_resolved` for `sock_connect`: the first address `loop.getaddrinfo` gives for the socket's family, type and protocol. */
async function ensureResolved(host: BackendHost, s: LoopSocket, address: Address): Promise<Address> {
  const literal = literalAddress(s.family, address);
  if (literal !== null) return literal;
  const [name, port] = address as [string, number];
  const getaddrinfo = (host.loop as unknown as { getaddrinfo?: Resolver }).getaddrinfo;
  if (typeof getaddrinfo !== 'function') {
    throw missingCapability('getaddrinfo', `sockConnect(): resolving ${JSON.stringify(name)} needs loop.getaddrinfo; compose @loop/net into the loop, or pass an IP address`);
  }
  const infos = await getaddrinfo.call(host.loop, name, port, { family: s.family, type: s.type, proto: s.proto ?? 0 });
  const rest = (address as unknown[]).slice(2);
  const sockaddr = infos[0][4];
  // Python's _ipaddr_info keeps flowinfo and scope id given with the address.
  return (rest.length > 0 && sockaddr.length === 4 ? [sockaddr[0], sockaddr[1], ...rest] : sockaddr) as Address;
}

function errnoName(errno: number): string {
  for (const [name, value] of Object.entries(osConstants.errno)) if (value === errno) return name;
  return `E${errno}`;
}

/** The system error of a failed non-blocking connect, read from `SO_ERROR`, shaped as `@loop/socket`'s `connect` errors. */
function connectError(errno: number, address: Address): Error {
  const code = errnoName(errno);
  const where = typeof address === 'string' ? address : `${address[0]}:${address[1]}`;
  const err = systemError(code, `connect ${code} ${where}`, { errno: -errno, syscall: 'connect' });
  if (typeof address === 'string') err.address = address;
  else {
    err.address = address[0];
    err.port = address[1];
  }
  return err;
}

/** `loop.sockConnect(sock, address)`: asyncio's `sock_connect`, resolving a host name for an IP socket first. */
export async function sockConnect(backend: SockBackend, sock: SocketLike, address: Address): Promise<void> {
  let host = backend._host;
  const s = checkSock(host, 'sockConnect', sock, ['connect', 'getsockopt']);
  let resolved = address;
  if (s.family === AF_INET || s.family === AF_INET6) {
    resolved = await ensureResolved(host, s, address);
    host = backend._host;
  }
  try {
    s.connect(resolved);
    return;
  } catch (err) {
    if (!waitCode(err, CONNECT_WAIT_CODES)) throw err;
  }
  const attempt = (): true => {
    const errno = s.getsockopt(SOL_SOCKET, SO_ERROR);
    if (errno !== 0) throw connectError(errno, resolved);
    return true;
  };
  await waitFor(backend, 'sockConnect', s.fileno(), false, attempt);
}

/** `loop.sockAccept(sock)`: asyncio's `sock_accept`; the new socket is non-blocking. */
export async function sockAccept<S extends SocketLike>(backend: SockBackend, sock: S): Promise<[S, Address]> {
  const host = backend._host;
  const s = checkSock(host, 'sockAccept', sock, ['accept']);
  const attempt = (): [S, Address] => s.accept() as unknown as [S, Address];
  const now = tryNow(attempt);
  if (now !== undefined) return now;
  return await waitFor(backend, 'sockAccept', s.fileno(), true, attempt);
}

function isFileHandle(file: unknown): file is FileHandle {
  return typeof file === 'object' && file !== null && typeof (file as FileHandle).read === 'function' && typeof (file as FileHandle).fd === 'number';
}

/** asyncio's `_check_sendfile_params`. */
function checkSendfileParams(s: LoopSocket, file: unknown, offset: unknown, count: unknown): void {
  if (!(typeof file === 'number' && Number.isInteger(file) && file >= 0) && !isFileHandle(file)) {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `sockSendfile(): file must be a file descriptor or a FileHandle, got ${describeValue(file)}`);
  }
  if (s.type !== SOCK_STREAM) {
    throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `sockSendfile(): only SOCK_STREAM type sockets are supported, got ${describeValue(s)}`);
  }
  if (count !== null && count !== undefined) {
    if (typeof count !== 'number' || !Number.isInteger(count)) {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `sockSendfile(): count must be a positive integer (got ${describeValue(count)})`);
    }
    if (count <= 0) throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `sockSendfile(): count must be a positive integer (got ${count})`);
  }
  if (typeof offset !== 'number' || !Number.isInteger(offset)) {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `sockSendfile(): offset must be a non-negative integer (got ${describeValue(offset)})`);
  }
  if (offset < 0) throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `sockSendfile(): offset must be a non-negative integer (got ${offset})`);
}

/**
 * asyncio's `_sock_sendfile_native` (unix_events.py): `sendfile(2)` from a
 * regular file, waiting for writability between calls; anything else, or a
 * first call that fails, is `SendfileNotAvailableError`. At the end (or on
 * an error after some bytes went), the file position is `offset + sent`.
 */
async function sendfileNative(backend: SockBackend, s: LoopSocket, fileno: number, offset: number, count: number | null): Promise<number> {
  let size: number;
  try {
    const st = fstatSync(fileno);
    if (!st.isFile()) throw new Error('not a regular file');
    size = st.size;
  } catch (cause) {
    throw new SendfileNotAvailableError(`sockSendfile(): not a regular file (fd ${fileno})`, { cause });
  }
  const blocksize = count !== null ? count : size;
  if (blocksize === 0) return 0;
  const fd = s.fileno();
  let total = 0;
  let pos = offset;
  // One call now, then one per writability event, as asyncio's _sock_sendfile_native_impl.
  const step = (): number | undefined => {
    const want = count !== null ? count - total : blocksize;
    if (want <= 0) return total;
    let sent: number;
    try {
      sent = nativeSendfile(fd, fileno, pos, want);
    } catch (err) {
      if (waitCode(err)) return undefined;
      if (total === 0) throw new SendfileNotAvailableError('sockSendfile(): the sendfile system call failed', { cause: err });
      throw err;
    }
    if (sent === WOULD_BLOCK) return undefined;
    if (sent === 0) return total;
    pos += sent;
    total += sent;
    return undefined;
  };
  try {
    const now = step();
    if (now !== undefined) return now;
    return await waitFor(backend, 'sockSendfile', fd, false, step);
  } finally {
    // asyncio's _sock_sendfile_update_filepos: the file position follows what was sent.
    if (total > 0) lseek(fileno, offset + total);
  }
}

function readBlock(file: number | FileHandle, buffer: Buffer, length: number, position: number | null): Promise<number> {
  if (isFileHandle(file)) return file.read(buffer, 0, length, position).then((r) => r.bytesRead);
  return new Promise((resolve, reject) => {
    fsRead(file, buffer, 0, length, position, (err, n) => (err === null ? resolve(n) : reject(err)));
  });
}

/**
 * asyncio's `_sock_sendfile_fallback`: reads blocks of up to 256 KiB (on
 * Node's thread pool) and sends each with `sockSendall`. With `offset` 0 the
 * file is read from its current position; otherwise the reads are
 * positional.
 */
async function sendfileFallback(backend: SockBackend, sock: SocketLike, file: number | FileHandle, offset: number, count: number | null): Promise<number> {
  let blocksize = count !== null ? Math.min(count, FALLBACK_BLOCK) : FALLBACK_BLOCK;
  const buf = Buffer.allocUnsafe(blocksize);
  let total = 0;
  for (;;) {
    if (count !== null) {
      blocksize = Math.min(count - total, blocksize);
      if (blocksize <= 0) break;
    }
    const n = await readBlock(file, buf, blocksize, offset === 0 ? null : offset + total);
    if (n === 0) break;
    await sockSendall(backend, sock, buf.subarray(0, n));
    total += n;
  }
  return total;
}

/**
 * `loop.sockSendfile(sock, file, offset, count, { fallback })`: asyncio's
 * `sock_sendfile`: `sendfile(2)` for a regular file, else (with `fallback`,
 * the default) read and `sockSendall`; with `fallback: false`,
 * `SendfileNotAvailableError`.
 */
export async function sockSendfile(
  backend: SockBackend,
  sock: SocketLike,
  file: FileLike,
  offset = 0,
  count: number | null = null,
  options: SendfileOptions | null = null,
): Promise<number> {
  const host = backend._host;
  const s = checkSock(host, 'sockSendfile', sock, ['trySend']);
  checkSendfileParams(s, file, offset, count);
  if (options !== null && (typeof options !== 'object' || Array.isArray(options))) {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `sockSendfile(): options must be an object or null, got ${describeValue(options)}`);
  }
  const fallback = options?.fallback ?? true;
  const fileno = typeof file === 'number' ? file : file.fd;
  try {
    return await sendfileNative(backend, s, fileno, offset, count ?? null);
  } catch (err) {
    if (!(err instanceof SendfileNotAvailableError) || !fallback) throw err;
  }
  return await sendfileFallback(backend, sock, file, offset, count ?? null);
}
