/**
 * Every place where `@loop/proactor` reaches into Node's undocumented
 * internals, each behind one typed accessor. Nothing else in this package
 * casts a Node object to read or write a private field.
 *
 * WHY they are used at all: the proactor's transports sit on Node's own
 * handles, and a few things asyncio's proactor needs have no public Node
 * API: taking accepted connections raw (so that a paused, unread connection
 * costs no `'connection'` event and no stream machinery), reading straight
 * into a `BufferedProtocol`'s buffer, reading addresses without Node's
 * per-socket caches (idle memory), the file descriptor (`fileno()`), and
 * adding an `'end'` listener without an array per idle connection.
 *
 * HOW they stay safe: each accessor checks the shape it finds and falls back
 * (returns `null` / `-1` / `false`, or uses the public path) rather than
 * throwing, and `test/node-private.test.ts` checks every field below on real
 * Node objects, so a Node upgrade that renames one fails that test loudly
 * instead of silently degrading. Each accessor names the Node source it
 * mirrors.
 *
 * Node versions checked: v20.20.2 (the field shapes below are unchanged
 * across Node 20.x; the engines range of this package is `>=20`).
 *
 * | touch point | Node source | used for |
 * |---|---|---|
 * | `server._handle.onconnection` | `lib/net.js` (`setupListenHandle`), `src/connection_wrap.cc` (`OnConnection`) | {@link takeConnections}: accepted handles, raw |
 * | `new net.Socket({ handle, pauseOnCreate })` | `lib/net.js` (`Socket` constructor; `pauseOnCreate` is what `child_process` uses) | {@link socketOptions}: a socket over a raw handle that does not start reading |
 * | `socket._handle.useUserBuffer(buf)` | `src/stream_base.cc` (`StreamBase::UseUserBuffer`), `lib/internal/stream_base_commons.js` | {@link useUserBuffer}: the next read goes into a given buffer |
 * | `socket._handle.getsockname(out)` / `getpeername(out)` | `src/tcp_wrap.cc` (`GetSockOrPeerName`) | {@link readHandleName}: addresses with no per-socket cache |
 * | `handle.fd` (stream, server) | `src/stream_wrap.cc` (`LibuvStreamWrap::GetFD`), `src/tcp_wrap.cc` | {@link fileDescriptor} |
 * | `dgramSocket[kStateSymbol].handle.fd` | `lib/internal/dgram.js` (`kStateSymbol`, description `'state symbol'`) | {@link fileDescriptor} |
 * | `dgramSocket[kStateSymbol].connectState` | `lib/internal/dgram.js` / `lib/dgram.js` (`CONNECT_STATE_CONNECTED` = 2) | {@link markDatagramConnected}: an adopted connected datagram socket |
 * | `emitter._events.end` | `lib/events.js` (`_events`: one listener is stored bare, two as an array), `lib/net.js` (`onReadableStreamEnd`) | {@link listenEnd} |
 * | `process.binding('tcp_wrap').TCP` (`new TCP(constants.SOCKET)`, `open(fd)`) | `src/tcp_wrap.cc` (`TCPWrap::New`, `Open`: `uv_tcp_open`), `lib/net.js` (`createHandle`) | {@link openReadableStreamHandle}: a pipe end libuv reads whatever its access mode |
 *
 * Internal: not reachable through the package's `exports`.
 */

import type * as dgram from 'node:dgram';
import * as net from 'node:net';

/** The raw handle Node passes to `onconnection` for an accepted connection: closed if it is not used. */
export type RawHandle = { close(): void };

/** A listening server's handle as `src/connection_wrap.cc` calls it back. */
type ServerHandle = { onconnection: (err: number, client: RawHandle | undefined) => void };

/** A connected stream socket's handle: the methods of `src/stream_base.cc` / `src/tcp_wrap.cc` used here. */
type StreamHandle = {
  useUserBuffer?: (buf: Uint8Array) => void;
  getsockname?: (out: object) => number;
  getpeername?: (out: object) => number;
  fd?: unknown;
};

function handleOf(obj: net.Socket | net.Server): unknown {
  return (obj as unknown as { _handle?: unknown })._handle ?? null;
}

/**
 * Replaces a listening server's `onconnection`, so that each accepted
 * connection arrives as a raw handle (`lib/net.js` would wrap it in a
 * `net.Socket` and emit `'connection'`). Returns `false` when the server has
 * no handle with that callback (not listening, or Node changed it).
 */
export function takeConnections(server: net.Server, onconnection: (err: number, client: RawHandle | undefined) => void): boolean {
  const handle = handleOf(server) as Partial<ServerHandle> | null;
  if (handle === null || typeof handle.onconnection !== 'function') return false;
  handle.onconnection = onconnection;
  return true;
}

/**
 * The options of a `net.Socket` made over an accepted raw handle or a file
 * descriptor, paused from the start (`pauseOnCreate`: Node does not call
 * `readStart` until `resume()`), with `onread` (public) so that reads go
 * through the proactor's callback.
 */
export function socketOptions(options: { handle?: RawHandle; fd?: number; readable: boolean; writable: boolean; onread: net.OnReadOpts }): net.SocketConstructorOpts {
  return { ...options, allowHalfOpen: true, pauseOnCreate: true } as net.SocketConstructorOpts & { handle?: unknown; pauseOnCreate: boolean };
}

/**
 * Makes the socket's next read go into `buf` (`StreamBase::UseUserBuffer`),
 * for a socket made with `onread`. Returns `false` when the socket has no
 * handle (closed) or the handle lacks the method.
 */
export function useUserBuffer(socket: net.Socket, buf: Uint8Array): boolean {
  const handle = handleOf(socket) as StreamHandle | null;
  if (handle === null || typeof handle.useUserBuffer !== 'function') return false;
  handle.useUserBuffer(buf);
  return true;
}

/**
 * Reads the socket's local (`getsockname`) or remote (`getpeername`) address
 * from its handle into `out` (`{ address, port, family }`), as
 * `src/tcp_wrap.cc` fills it. WHY: `socket.address()` / `remoteAddress`
 * cache a fresh object per socket, memory that idle connections keep.
 * Returns `false` when the handle is gone, lacks the method (a pipe) or the
 * call fails; the caller then uses the public API.
 */
export function readHandleName(socket: net.Socket, which: 'getsockname' | 'getpeername', out: object): boolean {
  const handle = handleOf(socket) as StreamHandle | null;
  const fn = handle === null ? undefined : handle[which];
  if (handle === null || typeof fn !== 'function') return false;
  return fn.call(handle, out) === 0;
}

/** The `kStateSymbol` of `lib/internal/dgram.js`, found by its description on the first datagram socket asked. */
let dgramState: symbol | null | undefined;

/**
 * The file descriptor under a Node socket, server or datagram socket
 * (`handle.fd`), or `-1` when closed or not exposed.
 */
export function fileDescriptor(obj: net.Socket | net.Server | dgram.Socket): number {
  let handle: unknown;
  if (obj instanceof net.Socket || obj instanceof net.Server) {
    handle = handleOf(obj);
  } else {
    dgramState ??= Object.getOwnPropertySymbols(obj).find((s) => s.description === 'state symbol') ?? null;
    const state = dgramState === null ? undefined : (obj as unknown as Record<symbol, { handle?: unknown } | undefined>)[dgramState];
    handle = state?.handle ?? null;
  }
  const fd = (handle as { fd?: unknown } | null)?.fd;
  return typeof fd === 'number' ? fd : -1;
}

/** `CONNECT_STATE_CONNECTED` of `lib/dgram.js`. */
const CONNECT_STATE_CONNECTED = 2;

/**
 * Tells a datagram socket opened over an already connected descriptor
 * (`bind({ fd })`) that it is connected, as `connect()` would have: its
 * `send()` then takes no address and `remoteAddress()` reads the peer.
 * WHY: libuv knows (`uv_udp_open` sets `UV_HANDLE_UDP_CONNECTED` for a
 * connected descriptor) but `lib/dgram.js` keeps its own `connectState`,
 * which `bind({ fd })` leaves at "disconnected"; the public `connect()` would
 * resolve and connect again, asynchronously, leaving a window in which a send
 * without an address throws. Returns `false` when the state is not found
 * with the expected shape (the socket then behaves as unconnected).
 */
export function markDatagramConnected(obj: dgram.Socket): boolean {
  dgramState ??= Object.getOwnPropertySymbols(obj).find((s) => s.description === 'state symbol') ?? null;
  const state = dgramState === null ? undefined : (obj as unknown as Record<symbol, { connectState?: unknown } | undefined>)[dgramState];
  if (state === undefined || typeof state.connectState !== 'number') return false;
  state.connectState = CONNECT_STATE_CONNECTED;
  return true;
}

/**
 * Node's own `'end'` listener, the one every `net.Socket` is born with
 * (`onReadableStreamEnd` in `lib/net.js`: without `allowHalfOpen` it makes
 * writes after EOF fail; ours are made with `allowHalfOpen`), found once on
 * a probe socket; `null` when Node has none or not exactly one.
 */
let nodeEndListener: ((this: net.Socket) => void) | null | undefined;

/** The transport's `'end'` listener, called after Node's own one: set by {@link listenEnd}. */
let transportEndListener: ((this: net.Socket) => void) | null = null;

/** Node's `'end'` listener then the transport's, as one function (see {@link listenEnd}). */
function nodeThenTransportEnd(this: net.Socket): void {
  (nodeEndListener as (this: net.Socket) => void).call(this);
  (transportEndListener as (this: net.Socket) => void).call(this);
}

/** @internal For the test: Node's own `'end'` listener of a fresh socket, as {@link listenEnd} finds it. */
export function nodeOwnEndListener(): ((this: net.Socket) => void) | null {
  if (nodeEndListener === undefined) {
    const probe = new net.Socket();
    const own = probe.listeners('end');
    nodeEndListener = own.length === 1 && typeof own[0] === 'function' ? (own[0] as (this: net.Socket) => void) : null;
    probe.destroy();
  }
  return nodeEndListener;
}

/**
 * Adds `listener` (always the same function) for `'end'` on `node`. WHY not
 * just `node.on('end')`: an event with two listeners holds them in an array
 * (64 bytes per idle connection), and Node already listens for `'end'` on
 * every socket. When that listener is still the only one (`_events.end` is
 * it, bare), it is replaced by one shared function that calls it and then
 * `listener`, in the order `on()` would have called them; otherwise
 * (another Node, or another listener) `on()` is used.
 */
export function listenEnd(node: net.Socket, listener: (this: net.Socket) => void): void {
  const own = nodeOwnEndListener();
  const events = (node as unknown as { _events?: Record<string | symbol, unknown> })._events;
  if (own !== null && events !== undefined && events.end === own && (transportEndListener ?? listener) === listener) {
    transportEndListener = listener;
    events.end = nodeThenTransportEnd;
    return;
  }
  node.on('end', listener);
}

/** libuv's TCP stream handle as `src/tcp_wrap.cc` exposes it: made with `constants.SOCKET`, opened over a descriptor. */
type TcpWrapBinding = { TCP: new (type: number) => RawHandle & { open(fd: number): number }; constants: { SOCKET: number } };

/** `process.binding('tcp_wrap')`, looked up once; `null` when this Node does not give it. */
let tcpWrap: TcpWrapBinding | null | undefined;

function tcpWrapBinding(): TcpWrapBinding | null {
  if (tcpWrap === undefined) {
    tcpWrap = null;
    try {
      const binding = (process as unknown as { binding?: (name: string) => unknown }).binding?.('tcp_wrap') as Partial<TcpWrapBinding> | undefined;
      if (typeof binding?.TCP === 'function' && typeof binding.constants?.SOCKET === 'number') tcpWrap = binding as TcpWrapBinding;
    } catch {
      // Not in this Node's allow list: the public path is used.
    }
  }
  return tcpWrap;
}

/**
 * A libuv stream handle over the descriptor `fd` (a FIFO or a socket) that
 * can read whatever the descriptor's access mode, for `new net.Socket({
 * handle })`: a raw handle; a negative errno when libuv refused the
 * descriptor (`uv_tcp_open`: `UV_EEXIST` for a descriptor already watched,
 * `UV_EBADF`); `null` when Node gives no such handle (the caller then uses
 * `new net.Socket({ fd })`).
 *
 * WHY: `net.Socket({ fd })` opens a pipe or a Unix socket with
 * `uv_pipe_open`, which marks the handle readable only when the descriptor
 * is not `O_WRONLY` (`fcntl(F_GETFL)`): on the write end of a pipe,
 * `uv_read_start` then fails at once with `UV_ENOTCONN` (Node's
 * `tryReadStart` reports it as `read ENOTCONN`) and the handle can never
 * watch the descriptor. asyncio watches a write end for readability (the
 * reader going away shows as `EPOLLERR`) and reads a read pipe's descriptor
 * with `read(2)` whatever its mode. `uv_tcp_open` (the handle `lib/net.js`
 * makes for a TCP descriptor) marks the handle readable and writable and
 * otherwise behaves the same on a FIFO: `read(2)` / `write(2)` on the
 * descriptor, so a read error is `read(2)`'s own errno (`EBADF` on a write
 * end whose reader closed). `process.binding` is deprecated by documentation
 * only (DEP0111): under `--pending-deprecation` Node prints its warning once,
 * and where it throws (`--throw-deprecation`, a Node without it) this
 * answers `null`.
 */
export function openReadableStreamHandle(fd: number): RawHandle | number | null {
  const binding = tcpWrapBinding();
  if (binding === null) return null;
  const handle = new binding.TCP(binding.constants.SOCKET);
  const err = handle.open(fd);
  if (err !== 0) {
    handle.close();
    return err;
  }
  return handle;
}
