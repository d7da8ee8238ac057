/**
 * `ProactorSocketTransport`: asyncio's `_ProactorSocketTransport` (with the
 * flow-control details of `_SelectorSocketTransport`) over a Node
 * `net.Socket`.
 *
 * HOW. Node completes I/O; the loop runs the protocol. Every Node callback
 * only records what happened and schedules a step with `host.callSoon`
 * (ADR 0002 §3), so protocol methods run in loop iterations, in arrival
 * order:
 *
 * ```text
 *   Node read callback (onread)  -> inbox.push(copy | nbytes)  -> callSoon(deliver)
 *   Node 'end'                   -> inbox.push(EOF)            -> callSoon(deliver)
 *   Node 'error'                 -> callSoon(nodeFailed)          (connectionLost(err))
 *   Node 'close'                 -> callSoon(nodeClosed)          (connectionLost(err | null); EBADF when
 *                                   destroyed behind the transport, D59)
 *   write pipe: read, 'end', read error -> callSoon(peerClosed)   ("was closed by peer": connectionLost(null | EPIPE))
 *   Node write callback          -> callSoon(afterWrite) when a paused protocol may resume
 *                                   or a closing transport has flushed
 *   deliver (loop iteration)     -> dataReceived / bufferUpdated / eofReceived, in order,
 *                                   while reading is not paused
 * ```
 *
 * Reading. The socket was made with Node's `onread` option (see
 * `proactor-socket.ts`). For a `Protocol` the handle reads continuously into
 * a shared scratch buffer and each chunk is copied out (Node's default path
 * allocates per read too). For a `BufferedProtocol` it reads one chunk at a
 * time straight into the protocol's buffer: `getBuffer(-1)` runs in a loop
 * iteration, the buffer is handed to the handle (`useUserBuffer`) and reading
 * starts; the read callback returns `false` (reading stops) and schedules
 * `bufferUpdated(n)`, after which the next `getBuffer` re-arms it. No copy.
 * `pauseReading` stops the handle; chunks already read wait in the inbox.
 *
 * Writing. `write()` hands the bytes to Node (which tries a synchronous send
 * first); `getWriteBufferSize()` is what Node has not yet handed to the
 * kernel (`writableLength`). `pauseWriting` is called from `write()` when the
 * size is strictly above the high-water mark; each write carries a callback,
 * and a completed write lets a paused protocol resume (at or below the low
 * mark) from the next loop iteration. asyncio copies what it cannot send at
 * once; Node sends from the caller's memory instead, so `write()` copies
 * whenever Node is still sending earlier data. The one write that meets a
 * full socket buffer is sent from the caller's memory (`lent`); when that
 * memory is a `BufferedProtocol`'s receive buffer (an echo), the next read
 * into it waits until Node has sent it, so nothing is overwritten.
 *
 * States:
 *
 * ```text
 *   OPEN --close()--> CLOSING --flushed--> LOST (connectionLost(null) scheduled, socket destroyed)
 *   OPEN/CLOSING --abort() / error / protocol failure--> LOST (connectionLost(exc) scheduled at once)
 * ```
 *
 * The state is not stored: `#state` derives it from the `CLOSING` bit of
 * `#flags` and `#connLost`, which counts as asyncio's `_conn_lost` (non-zero
 * once the end is decided, i.e. LOST; writes are then dropped and counted,
 * and logged once at the fifth, D33). Each transition is one method that
 * checks where it starts from (`#toClosing`, `#toLost`) and is labelled at
 * its call (`// OPEN -> CLOSING`). Every other bit of `#flags` is named in
 * the table above the class.
 *
 * Failed writes. asyncio's transport fails as soon as a send fails
 * (`_fatal_error`: `connectionLost(exc)` scheduled, later writes dropped and
 * counted), never raising from `write()`. Node reports a failed write three
 * ways, all handled: synchronously as the socket's `errored` (a send the
 * kernel refused at once, `EPIPE` to a Unix peer that is gone), which
 * `write()` checks right after handing the bytes over; as the write
 * callback's error followed by `'error'` (a send that failed later), which
 * schedules the failure; and as `'close'`. Whichever comes first fails the
 * transport with that error, and `close()` or a completed flush never
 * reports `connectionLost(null)` over an error Node already reported
 * (`#takeNodeError`). The socket's `'error'` listener is installed with it
 * (`ProactorSocket`) and never removed: no moment leaves Node an `'error'`
 * without a listener, which it would throw as an uncaught exception.
 *
 * Pipes. A read pipe is read as a socket; its read errors but `EIO` go to
 * the exception handler (asyncio's `_UnixReadPipeTransport`). A write
 * pipe's handle reads too, only to watch its end: asyncio's
 * `_UnixWritePipeTransport` keeps a reader on it, and its end becoming
 * readable (the reader gone: `EPOLLERR`, which libuv's `read(2)` reports as
 * `EBADF`; a socket peer's EOF or data) means the pipe "was closed by peer".
 * With data buffered the transport is lost with `EPIPE` (asyncio's
 * `BrokenPipeError()`), else closed: `connectionLost(null)`. Later dropped
 * writes warn in asyncio's pipe wording.
 *
 * Closed behind its back. Node may close the socket without an error the
 * transport caused: `close()` on the `socket` extra, `destroy()` on the Node
 * socket. asyncio's transport would fail at its next `recv` / `send`
 * (`EBADF`); this one fails when Node reports the close, with a system error
 * `EBADF` naming the transport (`_fatal_error`: a socket only logs it in
 * debug mode), so `connectionLost` comes once and a server's `waitClosed()`
 * returns (D59). Node closing it after a clean end both ways (EOF received,
 * `writeEof()` flushed) is not a loss: as in asyncio the transport stays
 * until `close()`.
 *
 * WHY Node's `allowHalfOpen: true`: `eofReceived()` returning true must keep
 * the write side open (a TCP half-close), which Node does only in that mode.
 *
 * @packageDocumentation
 */

import * as net from 'node:net';
import { constants as osConstants } from 'node:os';
import { getLogger } from '@loop/core';
import {
  DEFAULT_HIGH_WATER,
  DEFAULT_LOW_WATER,
  LOG_THRESHOLD_FOR_CONNLOST_WRITES,
  RuntimeError,
  checkBytes,
  feedBufferedProtocol,
  isBufferedProtocol,
  isOsError,
  loopError,
  resolveWriteBufferLimits,
  type Address,
  type BackendHost,
  type BaseProtocol,
  type BufferedProtocol,
  type ExtraInfo,
  type Future,
  type Protocol,
  type ServerHooks,
  type Transport,
  type WriteBufferLimits,
  signalWriteFlow,
  systemError,
} from '@loop/interfaces';
import { AF_UNIX } from './constants.js';
import { listenEnd, useUserBuffer } from './internal/node-private.js';
import type { ProactorSocket, SocketReader } from './proactor-socket.js';
import { OWNER, nodeSystemError, scratchBuffer, setNextReadBuffer } from './proactor-socket.js';

const EOF = Symbol('EOF');
type InboxItem = Buffer | number | typeof EOF;

/** The size of a fresh read buffer (the scratch buffer's). */
const FRESH_SIZE = 64 * 1024;
/** A read at least this large is handed on without a copy when it went into a fresh buffer, and makes the next read go into one. */
const FRESH_MIN = FRESH_SIZE / 2;
/** At most this many transports hold a fresh buffer at once (4 MiB), so idle connections cost no more memory. */
const FRESH_MAX = 64;
/** Transports holding a fresh buffer now. */
let freshOut = 0;

// ------------------------------------------------------------------ #flags
//
// One small integer (a V8 small integer: 31 bits) holds every boolean state
// of a transport, its kind and its `#connLost` count: one field instead of
// fifteen, for a transport is per connection, idle ones included. As libuv's
// `UV_HANDLE_*` flags, each bit has a name, here, and nowhere else is a bit
// written as a number. Read with `#has(F)`, write with `#set(F)` / `#clear(F)`.
//
//   bit    name                    set while / when
//   0      DELIVER_SCHEDULED       a `#deliver` step is queued (one at a time)
//   1      READING_PAUSED          `pauseReading()` until `resumeReading()`
//   2      ARMED                   the handle is reading (armed by `#startReading`, until a read stops it)
//   3      EOF_RECEIVED            the protocol had its `eofReceived()` (no more reads)
//   4      FRESH_HELD              the handle reads into a fresh buffer, one of `FRESH_MAX`
//   5      PROTOCOL_PAUSED         `pauseWriting()` was called, `resumeWriting()` not yet
//   6      WRITE_EOF               `writeEof()` was called (a TCP half-close)
//   7      AFTER_WRITE_SCHEDULED   an `#afterWrite` step is queued (one at a time)
//   8      CLOSING                 state CLOSING or LOST (asyncio's `_closing`; see TransportState)
//   9      LOST_WARNED             the `socket.send() raised exception.` warning was logged (D33)
//   10     NODE_CLOSED             Node's `'close'` was seen
//   11     SOCK_V6                 `sockname` is an IPv6 4-tuple
//   12     PEER_V6                 `peername` is an IPv6 4-tuple
//   13-14  KIND_*                  socket, read pipe or write pipe (fixed at construction)
//   15     BUFFERED                the protocol is a `BufferedProtocol` (decided when it is set, not per read)
//   16     WATCH_PEER              a write pipe whose handle reads, to see the reader go away (fixed at construction)
//   17     UNCOUNTED_LOSS          a write pipe lost by close, abort or its reader going away: asyncio's `_conn_lost` is one less than `#connLost`
//   18-30  #connLost               asyncio's `_conn_lost` (see UNCOUNTED_LOSS), saturating at CONN_LOST_MAX (only > 0 and >= 5 matter)
const DELIVER_SCHEDULED = 1 << 0;
const READING_PAUSED = 1 << 1;
const ARMED = 1 << 2;
const EOF_RECEIVED = 1 << 3;
const FRESH_HELD = 1 << 4;
const PROTOCOL_PAUSED = 1 << 5;
const WRITE_EOF = 1 << 6;
const AFTER_WRITE_SCHEDULED = 1 << 7;
const CLOSING = 1 << 8;
const LOST_WARNED = 1 << 9;
const NODE_CLOSED = 1 << 10;
const SOCK_V6 = 1 << 11;
const PEER_V6 = 1 << 12;
const KIND_SOCKET = 0;
const KIND_READ_PIPE = 1 << 13;
const KIND_WRITE_PIPE = 2 << 13;
const KIND_MASK = 3 << 13;
const BUFFERED = 1 << 15;
const WATCH_PEER = 1 << 16;
const UNCOUNTED_LOSS = 1 << 17;
const CONN_LOST_SHIFT = 18;
const CONN_LOST_MAX = 0x1fff;
const CONN_LOST_MASK = CONN_LOST_MAX << CONN_LOST_SHIFT;

/**
 * The state of a transport, derived from `#flags` (see the file header):
 * `OPEN` until `close()`; `CLOSING` while it flushes; `LOST` once the end is
 * decided (`connectionLost` scheduled, writes dropped and counted).
 * Invariant: `LOST` implies the `CLOSING` bit (`isClosing()` stays true).
 */
type TransportState = 'OPEN' | 'CLOSING' | 'LOST';

/**
 * The part of a transport's state that an idle connection does not need,
 * one object made at the first read into the inbox, the first write, the
 * first `BufferedProtocol` buffer or limit change (or for extra info): a
 * server's idle connections keep one pointer instead of eight fields.
 */
class ActiveState {
  /** See `ProactorSocketTransport#inbox`. */
  inbox: InboxItem[] | null = null;
  /** See `ProactorSocketTransport#userBuf`. */
  userBuf: Uint8Array | null = null;
  /** See `ProactorSocketTransport#heldBuf`. */
  heldBuf: Uint8Array | null = null;
  /** The memory of a write Node is sending without a copy (it met a full socket buffer), until the buffer drains. */
  lent: ArrayBufferLike | null = null;
  /** Node's write callback, made at the first write. */
  onWritten: (() => void) | null = null;
  low = DEFAULT_LOW_WATER;
  high = DEFAULT_HIGH_WATER;
  /** See `ProactorSocketTransport#extra`. */
  extra: ExtraInfo | null = null;
}

/**
 * A stream transport over a connected {@link ProactorSocket} (TCP or Unix).
 * Made by `ProactorBackend.makeSocketTransport`; implements every rule of
 * `Transport` in `@loop/interfaces`.
 */
export class ProactorSocketTransport implements Transport, SocketReader {
  readonly #host: BackendHost;
  /** The Node socket; its {@link ProactorSocket} is `#sock` (one field per connection for both). */
  readonly #node: net.Socket;
  /**
   * `sockname` and `peername`, kept as hosts and ports rather than as tuples
   * (no arrays per idle connection): for a Unix socket the host is the path;
   * a flag bit says the tuple is IPv6's 4-tuple; a null host means unknown.
   * `#ports` holds both 16-bit ports, the local one in the high half.
   */
  #sockHost: string | null = null;
  #peerHost: string | null = null;
  #ports = 0;
  #server: ServerHooks | null;
  #protocol: BaseProtocol;
  /** What an idle connection does not need (see {@link ActiveState}); made at the first read, write or limit change. */
  #more: ActiveState | null = null;

  /** Every boolean state, the kind and `#connLost` (see the `#flags` table above the class). */
  #flags = 0;
  #has(flag: number): boolean {
    return (this.#flags & flag) !== 0;
  }
  #set(flag: number): void {
    this.#flags |= flag;
  }
  #clear(flag: number): void {
    this.#flags &= ~flag;
  }

  /** The derived state (see {@link TransportState}). */
  get #state(): TransportState {
    return this.#connLost > 0 ? 'LOST' : this.#has(CLOSING) ? 'CLOSING' : 'OPEN';
  }

  /** `OPEN -> CLOSING`: `close()` with data still to flush. */
  #toClosing(): void {
    this.#assertState('OPEN', 'CLOSING');
    this.#set(CLOSING);
  }

  /** `OPEN/CLOSING -> LOST`: the end is decided; the caller schedules `connectionLost`. */
  #toLost(): void {
    this.#assertState('OPEN', 'LOST', 'CLOSING');
    this.#set(CLOSING);
    this.#connLost = 1;
    // asyncio's write pipe counts only a failed write in `_conn_lost` (its
    // `_close` does not): #fatalError clears this for a loss with an error.
    if (this.#kind === KIND_WRITE_PIPE) this.#set(UNCOUNTED_LOSS);
  }

  /** Throws (a bug of this file) unless the state is `from` or `orFrom`. */
  #assertState(from: TransportState, to: TransportState, orFrom: TransportState = from): void {
    const state = this.#state;
    if (state !== from && state !== orFrom) {
      throw new RuntimeError(`${this.toString()}: transition ${state} -> ${to} (expected from ${from === orFrom ? from : `${from} or ${orFrom}`})`);
    }
  }

  #setProtocolKind(protocol: BaseProtocol): void {
    this.#flags = isBufferedProtocol(protocol) ? this.#flags | BUFFERED : this.#flags & ~BUFFERED;
  }
  /** A socket, or one end of a pipe (asyncio's `_ProactorReadPipeTransport` / `_ProactorWritePipeTransport` roles). */
  get #kind(): number {
    return this.#flags & KIND_MASK;
  }
  /** asyncio's `_conn_lost`: non-zero once the end is decided; counts the writes dropped since. */
  get #connLost(): number {
    return this.#flags >>> CONN_LOST_SHIFT;
  }
  set #connLost(n: number) {
    this.#flags = (this.#flags & ~CONN_LOST_MASK) | (Math.min(n, CONN_LOST_MAX) << CONN_LOST_SHIFT);
  }

  /** The {@link ProactorSocket} over `#node` (the socket's owner, see `OWNER`). */
  get #sock(): ProactorSocket {
    return (this.#node as { [OWNER]?: ProactorSocket })[OWNER] as ProactorSocket;
  }

  // The state kept in #more, read as fields. A getter of an unmade #more
  // answers the idle value; a setter makes it, except for storing the idle
  // value, so that an idle connection never makes one.
  /** Extra info the backend passed (and a pipe's `pipe`); null when none. `socket`, `sockname`, `peername` are computed (see `getExtraInfo`). */
  get #extra(): ExtraInfo | null {
    return this.#more?.extra ?? null;
  }
  /** What Node read and the protocol has not had yet; null when empty (dropped when emptied). */
  get #inbox(): InboxItem[] | null {
    return this.#more?.inbox ?? null;
  }
  set #inbox(v: InboxItem[] | null) {
    if (v !== null || this.#more !== null) this.#active().inbox = v;
  }
  /** The buffer the handle reads into next for a BufferedProtocol (its own), or null (scratch, copying). */
  get #userBuf(): Uint8Array | null {
    return this.#more?.userBuf ?? null;
  }
  set #userBuf(v: Uint8Array | null) {
    if (v !== null || this.#more !== null) this.#active().userBuf = v;
  }
  /** A buffer from getBuffer() waiting until Node no longer sends from its memory (see `ActiveState.lent`). */
  get #heldBuf(): Uint8Array | null {
    return this.#more?.heldBuf ?? null;
  }
  set #heldBuf(v: Uint8Array | null) {
    if (v !== null || this.#more !== null) this.#active().heldBuf = v;
  }
  get #low(): number {
    return this.#more?.low ?? DEFAULT_LOW_WATER;
  }
  get #high(): number {
    return this.#more?.high ?? DEFAULT_HIGH_WATER;
  }

  #active(): ActiveState {
    return (this.#more ??= new ActiveState());
  }

  /** @internal Use `ProactorBackend.makeSocketTransport`. */
  constructor(
    host: BackendHost,
    sock: ProactorSocket,
    protocol: BaseProtocol,
    waiter: Future<void> | null,
    extra: ExtraInfo | null,
    server: ServerHooks | null,
    pipe: { kind: 'read-pipe' | 'write-pipe'; pipe: unknown; watched: boolean } | null = null,
  ) {
    const node = sock._stream;
    if (node === null) throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `makeSocketTransport(): ${sock.toString()} is not a connected stream socket`);
    this.#host = host;
    this.#node = node;
    this.#protocol = protocol;
    this.#setProtocolKind(protocol);
    this.#server = server;
    if (pipe !== null) {
      this.#flags |= pipe.kind === 'read-pipe' ? KIND_READ_PIPE : KIND_WRITE_PIPE;
      if (pipe.kind === 'write-pipe' && pipe.watched) this.#set(WATCH_PEER);
      this.#active().extra = { pipe: pipe.pipe as ExtraInfo['pipe'] };
      if (extra !== null) Object.assign(this.#active().extra as ExtraInfo, extra);
    } else {
      // The backend's accept path passes only a peername it could not read (null).
      if (extra !== null) this.#active().extra = extra;
      try {
        const name = sock.getsockname();
        if (typeof name === 'string') {
          this.#sockHost = name;
        } else {
          this.#sockHost = name[0];
          this.#ports = (name[1] & 0xffff) << 16;
          if (name.length === 4) this.#set(SOCK_V6);
        }
      } catch {
        // not available
      }
      if (extra === null || !Object.prototype.hasOwnProperty.call(extra, 'peername')) {
        try {
          const name = sock.getpeername();
          if (typeof name === 'string') {
            this.#peerHost = name;
          } else {
            this.#peerHost = name[0];
            this.#ports |= name[1] & 0xffff;
            if (name.length === 4) this.#set(PEER_V6);
          }
        } catch {
          // not connected
        }
      }
    }
    sock._reader = this;
    if (sock.family !== AF_UNIX && pipe === null) {
      try {
        node.setNoDelay(true);
      } catch {
        // the socket may already be closed; the transport will see it
      }
    }
    listenEnd(node, ProactorSocketTransport.#onNodeEnd);
    node.on('close', ProactorSocketTransport.#onNodeClose);
    if (node.destroyed) queueMicrotask(() => this.#nodeClose());
    server?.attach(this);
    host.callSoon(() => this.#connectionMade());
    host.callSoon(() => this.#startReading());
    if (waiter !== null && waiter !== undefined) {
      host.callSoon(() => {
        if (!waiter.done()) waiter.setResult(undefined);
      });
    }
  }

  /**
   * Loop step: `protocol.connectionMade(this)`. A protocol that throws here
   * is treated as any failing protocol method (D34, stricter than
   * asyncio's bare `call_soon`): the handler gets `protocol` and
   * `transport`, and the transport closes with the error.
   */
  #connectionMade(): void {
    try {
      this.#protocol.connectionMade(this);
    } catch (exc) {
      this.#fatalError(exc, 'Fatal error: protocol.connectionMade() call failed.');
    }
  }

  // ------------------------------------------------------------------ BaseTransport

  /** Extra information: `peername`, `sockname`, `socket`, plus what the backend passed. */
  getExtraInfo(name: string, defaultValue: unknown = null): any {
    const extra = this.#extra;
    if (extra !== null && Object.prototype.hasOwnProperty.call(extra, name)) return extra[name];
    if (this.#kind !== KIND_SOCKET) return defaultValue;
    if (name === 'socket') return this.#sock;
    const unix = this.#sock.family === AF_UNIX;
    if (name === 'sockname' && this.#sockHost !== null) return addressOf(this.#sockHost, unix ? -1 : this.#ports >>> 16, this.#has(SOCK_V6));
    if (name === 'peername' && this.#peerHost !== null) return addressOf(this.#peerHost, unix ? -1 : this.#ports & 0xffff, this.#has(PEER_V6));
    return defaultValue;
  }

  /** Whether `close()` or `abort()` was called, or the connection was lost. */
  isClosing(): boolean {
    return this.#has(CLOSING);
  }

  /** Switches the protocol; a `BufferedProtocol` is fed through its buffers from the next read on. */
  setProtocol(protocol: BaseProtocol): void {
    this.#protocol = protocol;
    this.#setProtocolKind(protocol);
  }

  /** The protocol this transport calls. */
  getProtocol(): BaseProtocol {
    return this.#protocol;
  }

  // ------------------------------------------------------------------ reading

  /** Whether the transport is receiving (not paused, not closing). */
  isReading(): boolean {
    return !this.#has(READING_PAUSED) && !this.#has(CLOSING);
  }

  /** Stops calling the protocol with data until `resumeReading()`. Idempotent; no-op while closing. */
  pauseReading(): void {
    if (!this.isReading()) return;
    this.#set(READING_PAUSED);
    this.#stopHandle();
    if (this.#host.getDebug()) getLogger().debug(`${this.toString()} pauses reading`);
  }

  /** Resumes reading. Idempotent; no-op while closing. */
  resumeReading(): void {
    if (this.#has(CLOSING) || !this.#has(READING_PAUSED)) return;
    this.#clear(READING_PAUSED);
    if (this.#inbox !== null && this.#inbox.length > 0) this.#scheduleDeliver();
    else this.#host.callSoon(ProactorSocketTransport.#startReadingStep, this);
    if (this.#host.getDebug()) getLogger().debug(`${this.toString()} resumes reading`);
  }

  #stopHandle(): void {
    if (!this.#has(ARMED)) return;
    this.#clear(ARMED);
    this.#node.pause();
    // A BufferedProtocol's buffer was asked for but not filled: keep it for
    // the next read, so getBuffer() is not called again before bufferUpdated().
    if (this.#userBuf !== null) this.#heldBuf = this.#userBuf;
  }

  /** Loop step: arms the handle for the next read (getBuffer for a BufferedProtocol). */
  #startReading(): void {
    if (this.#kind === KIND_WRITE_PIPE) {
      // asyncio's reader on a write pipe, added once connectionMade() ran: whatever the handle reads means the reader went away.
      if (this.#has(WATCH_PEER) && !this.#has(CLOSING) && !this.#has(ARMED)) {
        this.#set(ARMED);
        this.#node.resume();
      }
      return;
    }
    const more = this.#more;
    if (this.#has(CLOSING) || this.#has(READING_PAUSED) || this.#has(ARMED) || (more !== null && more.inbox !== null && more.inbox.length > 0) || this.#has(EOF_RECEIVED)) return;
    const protocol = this.#protocol;
    if (this.#has(BUFFERED)) {
      const m = this.#active();
      let buf = m.heldBuf;
      m.heldBuf = null;
      if (buf === null) {
        try {
          buf = (protocol as BufferedProtocol).getBuffer(-1);
          if (!(buf instanceof Uint8Array)) throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `getBuffer() must return a Uint8Array, not ${typeof buf}`);
          if (buf.byteLength === 0) throw new RuntimeError('getBuffer() returned an empty buffer');
        } catch (exc) {
          this.#fatalError(exc, 'Fatal error: protocol.getBuffer() call failed.');
          return;
        }
      }
      if (m.lent !== null && buf.buffer === m.lent && this.getWriteBufferSize() > 0) {
        // Node is still sending bytes written from this very buffer (an echo
        // from the receive buffer): read into it only once they are sent.
        m.heldBuf = buf;
        return;
      }
      m.userBuf = buf;
      this.#releaseFresh();
      if (!useUserBuffer(this.#node, buf)) return;
    } else if (more !== null) {
      more.heldBuf = null;
      if (more.userBuf !== null) {
        more.userBuf = null;
        const scratch = scratchBuffer();
        useUserBuffer(this.#node, scratch);
      }
    }
    this.#set(ARMED);
    this.#node.resume();
  }

  /** @internal Node's read callback (see the file header): never calls the protocol. */
  onRead(nread: number, buf: Buffer): boolean {
    // A closed loop runs no more steps: stop reading rather than pile data up.
    if (this.#has(CLOSING) || this.#host.isClosed() || this.#kind === KIND_WRITE_PIPE) {
      this.#clear(ARMED);
      this.#releaseFresh();
      // A write pipe's end readable: a socket peer sent data (asyncio reads nothing and closes).
      if (this.#kind === KIND_WRITE_PIPE) this.#schedulePeerClosed();
      return false;
    }
    const more = this.#more;
    if (more !== null && more.userBuf !== null) {
      this.#clear(ARMED);
      (more.inbox ??= []).push(nread);
      this.#scheduleDeliver();
      return false;
    }
    // A large chunk read into a fresh buffer of ours is handed on as is; any
    // other is copied out (of the shared scratch buffer, or of a fresh buffer
    // that it would mostly waste).
    const large = nread >= FRESH_MIN;
    let chunk: Buffer;
    if (buf !== scratchBuffer() && large) chunk = buf.subarray(0, nread);
    else {
      chunk = Buffer.allocUnsafe(nread);
      buf.copy(chunk, 0, 0, nread);
    }
    (this.#active().inbox ??= []).push(chunk);
    this.#scheduleDeliver();
    if (this.#has(READING_PAUSED)) {
      this.#clear(ARMED);
      this.#releaseFresh();
      return false;
    }
    // After a large chunk another is likely: read it into a fresh buffer
    // (Node's default path allocates per read too), while the process-wide
    // budget lasts; after a small one, back to the scratch buffer.
    if (large && (this.#has(FRESH_HELD) || freshOut < FRESH_MAX)) {
      if (!this.#has(FRESH_HELD)) {
        this.#set(FRESH_HELD);
        freshOut++;
      }
      setNextReadBuffer(Buffer.allocUnsafeSlow(FRESH_SIZE));
    } else this.#releaseFresh();
    return true;
  }

  /** Gives back this transport's share of the fresh-buffer budget (its handle reads into the scratch buffer next, or no more). */
  #releaseFresh(): void {
    if (this.#has(FRESH_HELD)) {
      this.#clear(FRESH_HELD);
      freshOut--;
    }
  }

  /** Node's `'end'`: the peer's FIN, and also a peer's reset (RST) right after its data, which Node reports as a clean end: no `ConnectionResetError` (D54). */
  #nodeEnd(): void {
    if (this.#has(CLOSING) || this.#host.isClosed()) return;
    if (this.#kind === KIND_WRITE_PIPE) {
      // A socket peer shut its side down (EOF): the reader went away.
      this.#schedulePeerClosed();
      return;
    }
    (this.#inbox ??= []).push(EOF);
    this.#scheduleDeliver();
  }

  #scheduleDeliver(): void {
    if (this.#has(DELIVER_SCHEDULED) || this.#host.isClosed()) return;
    this.#set(DELIVER_SCHEDULED);
    this.#host.callSoon(ProactorSocketTransport.#deliverStep, this);
  }

  /** Loop step: hands what was read to the protocol, in order, while reading is not paused. */
  #deliver(): void {
    this.#clear(DELIVER_SCHEDULED);
    const more = this.#more;
    const inbox = more === null ? null : more.inbox;
    if (more === null || inbox === null) {
      this.#startReading();
      return;
    }
    while (inbox.length > 0 && !this.#has(READING_PAUSED) && !this.#has(CLOSING)) {
      const item = inbox.shift() as InboxItem;
      if (item === EOF) {
        this.#eofReceived();
        return;
      }
      if (!this.#feed(item)) return;
    }
    if (inbox.length === 0) {
      // Drop the emptied inbox: a connection gone idle again holds no array.
      if (more.inbox === inbox) more.inbox = null;
      this.#startReading();
    }
  }

  /** Gives one chunk (or a byte count in the protocol's buffer) to the protocol; false when that failed. */
  #feed(item: Buffer | number): boolean {
    const protocol = this.#protocol;
    if (typeof item === 'number') {
      const buf = this.#userBuf;
      if (this.#has(BUFFERED)) {
        try {
          (protocol as BufferedProtocol).bufferUpdated(item);
        } catch (exc) {
          this.#fatalError(exc, 'Fatal error: protocol.bufferUpdated() call failed.');
          return false;
        }
        return true;
      }
      // The protocol was switched to a plain Protocol while a read was in the old buffer.
      if (buf === null) return true;
      item = Buffer.from(buf.buffer, buf.byteOffset, item);
      item = Buffer.from(item);
    }
    if (this.#has(BUFFERED)) {
      try {
        feedBufferedProtocol(protocol as BufferedProtocol, item);
      } catch (exc) {
        this.#fatalError(exc, 'Fatal error: protocol.bufferUpdated() call failed.');
        return false;
      }
      return true;
    }
    try {
      (protocol as Protocol).dataReceived(item);
    } catch (exc) {
      this.#fatalError(exc, 'Fatal error: protocol.dataReceived() call failed.');
      return false;
    }
    return true;
  }

  #eofReceived(): void {
    this.#set(EOF_RECEIVED);
    if (this.#host.getDebug()) getLogger().debug(`${this.toString()} received EOF`);
    let keepOpen: unknown;
    try {
      keepOpen = (this.#protocol as Protocol).eofReceived?.();
    } catch (exc) {
      this.#fatalError(exc, 'Fatal error: protocol.eofReceived() call failed.');
      return;
    }
    // A read pipe closes at EOF whatever eofReceived returned, as asyncio's.
    if (!keepOpen || this.#kind === KIND_READ_PIPE) this.close();
  }

  // ------------------------------------------------------------------ writing

  /**
   * Writes `data` (see `WriteTransport.write`). Node tries to send at once;
   * what remains is counted in `getWriteBufferSize()`. While Node still sends
   * earlier data the bytes are copied, so the caller may reuse its buffer;
   * the one write that meets a full socket buffer is sent from the caller's
   * memory until `getWriteBufferSize()` is back to 0 (D36; a
   * `BufferedProtocol`'s own receive buffer is protected, see the header).
   *
   * @throws TypeError for anything but a `Uint8Array`.
   * @throws RuntimeError after `writeEof()`, even for empty data.
   */
  write(data: Uint8Array): void {
    checkBytes('write()', data);
    if (this.#has(WRITE_EOF)) throw loopError(RuntimeError, 'ERR_LOOP_WRITE_AFTER_EOF', 'Cannot call write() after write_eof()');
    if (data.byteLength === 0) return;
    const node = this.#node;
    if (this.#state !== 'LOST' && (node.destroyed || node.errored !== null)) {
      // Node reported a failure the loop has not run yet: the transport fails
      // with it now, as asyncio's had already, and this write is dropped.
      this.#takeNodeError();
    }
    if (this.#state === 'LOST' || node.destroyed) {
      this.#droppedWrite();
      return;
    }
    const more = this.#active();
    const onWritten = (more.onWritten ??= (): void => this.#writeCompleted());
    if (node.writableLength > 0) {
      node.write(Buffer.from(data), onWritten);
    } else {
      node.write(data, onWritten);
      if (node.writableLength > 0) more.lent = data.buffer;
    }
    // A send the kernel refused at once (EPIPE, ECONNRESET) sets `errored`
    // now and emits 'error' only on a later tick: fail now, as asyncio's
    // write() does when its send raises (the write itself is not counted).
    if (node.errored !== null && this.#takeNodeError()) return;
    this.#maybePauseProtocol();
  }

  /**
   * Writes every chunk of `list` in order, joined into one `write()` as
   * asyncio 3.11 does (`b''.join(list_of_data)`): one send, one flow-control
   * check, and the caller may reuse the chunks at once.
   */
  writelines(list: Iterable<Uint8Array>): void {
    const parts = Array.from(list);
    for (const part of parts) checkBytes('writelines()', part);
    const [only] = parts;
    this.write(parts.length === 1 && only !== undefined ? only : Buffer.concat(parts));
  }

  #droppedWrite(): void {
    // Node closed the socket and the step reporting it has not run yet: it will count.
    if (this.#state !== 'LOST') return;
    const count = this.#has(UNCOUNTED_LOSS) ? this.#connLost - 1 : this.#connLost;
    if (count >= LOG_THRESHOLD_FOR_CONNLOST_WRITES && !this.#has(LOST_WARNED)) {
      this.#set(LOST_WARNED);
      // asyncio's wording: its Unix write pipe's for a write pipe, its socket transport's otherwise.
      getLogger().warn(this.#kind === KIND_WRITE_PIPE ? 'pipe closed by peer or os.write(pipe, data) raised exception.' : 'socket.send() raised exception.');
    }
    this.#connLost++;
  }

  /** Half-closes: the write side is shut once buffered data is flushed. Idempotent. */
  writeEof(): void {
    if (this.#has(CLOSING) || this.#has(WRITE_EOF)) return;
    if (this.#kind === KIND_WRITE_PIPE) {
      // A pipe has no half-close: asyncio's write pipe closes after flushing.
      this.close();
      return;
    }
    this.#set(WRITE_EOF);
    if (!this.#node.destroyed) this.#node.end();
  }

  /** Always `true`: TCP and Unix stream sockets half-close; a write pipe closes. */
  canWriteEof(): boolean {
    return true;
  }

  /** Bytes accepted by `write()` that Node has not yet handed to the kernel. */
  getWriteBufferSize(): number {
    const node = this.#node;
    return node.destroyed ? 0 : node.writableLength;
  }

  /** `[low, high]`. */
  getWriteBufferLimits(): [low: number, high: number] {
    return [this.#low, this.#high];
  }

  /** Sets the limits (asyncio's rules); may call `pauseWriting()`, never `resumeWriting()`. */
  setWriteBufferLimits(limits: WriteBufferLimits = {}): void {
    const more = this.#active();
    [more.low, more.high] = resolveWriteBufferLimits(limits);
    this.#maybePauseProtocol();
  }

  #maybePauseProtocol(): void {
    if (this.#has(PROTOCOL_PAUSED) || this.getWriteBufferSize() <= this.#high) return;
    this.#set(PROTOCOL_PAUSED);
    signalWriteFlow(this.#host, this, this.#protocol, 'pauseWriting');
  }

  #maybeResumeProtocol(): void {
    if (!this.#has(PROTOCOL_PAUSED) || this.getWriteBufferSize() > this.#low) return;
    this.#clear(PROTOCOL_PAUSED);
    signalWriteFlow(this.#host, this, this.#protocol, 'resumeWriting');
  }

  /** Node's write callback: schedules the loop step that may resume the protocol or finish a close. */
  #writeCompleted(): void {
    if (this.#host.isClosed()) return;
    const size = this.getWriteBufferSize();
    const more = this.#active();
    if (size === 0 && more.lent !== null) {
      more.lent = null;
      if (more.heldBuf !== null) this.#host.callSoon(ProactorSocketTransport.#startReadingStep, this);
    }
    if (this.#has(AFTER_WRITE_SCHEDULED)) return;
    const resume = this.#has(PROTOCOL_PAUSED) && size <= this.#low;
    const flushed = this.#state === 'CLOSING' && size === 0;
    if (!resume && !flushed) return;
    this.#set(AFTER_WRITE_SCHEDULED);
    this.#host.callSoon(ProactorSocketTransport.#afterWriteStep, this);
  }

  /** Loop step after writes completed: resume a paused protocol, finish a close. */
  #afterWrite(): void {
    this.#clear(AFTER_WRITE_SCHEDULED);
    // A write that failed completes too (its error in Node's 'errored'): that is a loss, not a flush.
    if (this.#state === 'LOST' || this.#takeNodeError()) return;
    this.#maybeResumeProtocol();
    if (this.#state === 'CLOSING' && this.getWriteBufferSize() === 0) {
      this.#toLost(); // CLOSING -> LOST: flushed
      this.#callConnectionLost(null);
    }
  }

  // Shared callbacks (no closure per connection or per event: idle
  // connections stay small and the hot path allocates nothing extra). Node
  // calls the listeners with `this` = the net.Socket.
  static #onNodeEnd(this: unknown): void {
    const t = (this as { [OWNER]?: ProactorSocket })[OWNER]?._reader;
    if (t instanceof ProactorSocketTransport) t.#nodeEnd();
  }

  static #onNodeClose(this: unknown): void {
    const t = (this as { [OWNER]?: ProactorSocket })[OWNER]?._reader;
    if (t instanceof ProactorSocketTransport) t.#nodeClose();
  }

  static #nodeFailedStep(t: ProactorSocketTransport): void {
    t.#takeNodeError();
  }

  static #deliverStep(t: ProactorSocketTransport): void {
    t.#deliver();
  }

  static #startReadingStep(t: ProactorSocketTransport): void {
    t.#startReading();
  }

  static #afterWriteStep(t: ProactorSocketTransport): void {
    t.#afterWrite();
  }

  // ------------------------------------------------------------------ closing

  /** Closes after flushing buffered data; `connectionLost(null)` follows. Idempotent. */
  close(): void {
    if (this.#state !== 'OPEN') return;
    // A failure Node reported and the loop has not run yet: the connection is lost with it, not closed cleanly.
    if (this.#takeNodeError()) return;
    this.#toClosing(); // OPEN -> CLOSING
    this.#clear(READING_PAUSED);
    this.#stopHandle();
    this.#inbox = null;
    if (this.getWriteBufferSize() === 0) {
      this.#toLost(); // CLOSING -> LOST: nothing to flush
      this.#host.callSoon(() => this.#callConnectionLost(null));
    }
  }

  /** Closes at once, dropping buffered data; `connectionLost(null)` follows. Idempotent. */
  abort(): void {
    this.#forceClose(null);
  }

  #forceClose(exc: unknown): void {
    if (this.#state === 'LOST') return;
    this.#toLost(); // OPEN/CLOSING -> LOST: abort(), an error, a protocol failure
    this.#stopHandle();
    this.#inbox = null;
    this.#sock.close();
    this.#host.callSoon(() => this.#callConnectionLost(exc));
  }

  /**
   * asyncio's `_fatal_error`: report, then close with the error. A system
   * error is only logged in debug mode, except on a read pipe, which reports
   * every error but `EIO` to the exception handler
   * (`_UnixReadPipeTransport._fatal_error`; `EIO` is what a terminal's
   * reader gets once the other side hung up).
   */
  #fatalError(exc: unknown, message: string): void {
    const quiet = this.#kind === KIND_READ_PIPE ? isOsError(exc) && (exc as { code?: unknown }).code === 'EIO' : isOsError(exc);
    if (quiet) {
      if (this.#host.getDebug()) getLogger().debug(`${this.toString()}: ${message}`, exc);
    } else if (!this.#host.isClosed()) {
      this.#host.callExceptionHandler({ message, exception: exc, transport: this, protocol: this.#protocol });
    }
    if (this.#state === 'LOST') return;
    this.#forceClose(exc);
    this.#clear(UNCOUNTED_LOSS);
  }

  #callConnectionLost(exc: unknown): void {
    this.#releaseFresh();
    try {
      this.#protocol.connectionLost((exc ?? null) as Error | null);
    } finally {
      this.#sock.close();
      const server = this.#server;
      this.#server = null;
      server?.detach(this);
    }
  }

  /** @internal Node's `'error'` on the socket (see `SocketReader`): only schedules the step that fails the transport with it (on a write pipe, a failed read schedules "closed by peer"). */
  onError(err: Error): void {
    if (this.#state === 'LOST' || this.#host.isClosed()) return;
    if (this.#isPeerGone(err)) {
      // Node destroyed the socket already, but has not yet let go of what it
      // held unsent: whether data was buffered is read now.
      this.#schedulePeerClosed(this.#node.writableLength > 0);
      return;
    }
    this.#host.callSoon(ProactorSocketTransport.#nodeFailedStep, this);
  }

  /** Whether `err` is a write pipe's failed read: its reader went away (`read(2)` on a FIFO's write end: `EBADF` once `EPOLLERR` says so). */
  #isPeerGone(err: unknown): boolean {
    return this.#kind === KIND_WRITE_PIPE && (err as { syscall?: unknown } | null)?.syscall === 'read';
  }

  /**
   * Schedules {@link ProactorSocketTransport.#peerClosed} from a Node
   * callback. `buffered`: whether data was buffered when Node gave up the
   * socket (read then, for Node empties its count when it closes); omitted,
   * it is read in the step.
   */
  #schedulePeerClosed(buffered?: boolean): void {
    if (this.#host.isClosed()) return;
    this.#host.callSoon(() => this.#peerClosed(buffered ?? this.#node.writableLength > 0));
  }

  /**
   * asyncio's `_UnixWritePipeTransport._read_ready`: the write end became
   * readable, so the pipe "was closed by peer" (logged at info level in
   * debug mode): with data buffered the transport is lost with a broken
   * pipe (`EPIPE`, asyncio's `BrokenPipeError()`), else closed,
   * `connectionLost(null)`. Never reported to the exception handler.
   */
  #peerClosed(buffered: boolean): void {
    if (this.#state === 'LOST' || this.#host.isClosed()) return;
    if (this.#host.getDebug()) getLogger().info(`${this.toString()} was closed by peer`);
    this.#forceClose(buffered ? nodeSystemError('EPIPE', 'write') : null);
  }

  /**
   * When Node reported an error on the socket (recorded at its `'error'`, or
   * `errored`, which Node sets at once when a write fails) and the transport
   * is not `LOST` yet, fails it with that error (asyncio's `_fatal_error` on a
   * failed send or recv) and returns true; false when there is none.
   */
  #takeNodeError(): boolean {
    if (this.#state === 'LOST' || this.#host.isClosed()) return false;
    const err: unknown = this.#sock._error ?? this.#node.errored ?? null;
    if (err === null) return false;
    this.#nodeFailed(err);
    return true;
  }

  /** Fails the transport with an error Node reported: a write pipe's failed read means its reader went away, anything else is fatal. */
  #nodeFailed(err: unknown): void {
    if (this.#isPeerGone(err)) this.#peerClosed(this.#node.writableLength > 0);
    else this.#fatalError(err, this.#failureMessage(err));
  }

  /** asyncio's message for a failed send or recv: `Fatal write error on socket transport` (`pipe transport` for a pipe), or `read`. */
  #failureMessage(err: unknown): string {
    const op = (err as { syscall?: unknown } | null)?.syscall === 'write' ? 'write' : 'read';
    return `Fatal ${op} error on ${this.#kind === KIND_SOCKET ? 'socket' : 'pipe'} transport`;
  }

  #nodeClose(): void {
    if (this.#has(NODE_CLOSED)) return;
    this.#set(NODE_CLOSED);
    if (this.#state === 'LOST' || this.#host.isClosed()) return;
    const err = this.#sock._error ?? (this.#has(CLOSING) || this.#has(EOF_RECEIVED) ? null : (this.#node.errored ?? null));
    if (err !== null) {
      // A reset or a failed write: asyncio force-closes with the error, logging it only in debug mode.
      this.#host.callSoon(() => {
        if (this.#state !== 'LOST') this.#nodeFailed(err);
      });
    } else if (this.#has(CLOSING)) {
      // Closing and Node finished on its own: the flush is complete.
      this.#host.callSoon(() => {
        if (this.#state === 'LOST') return;
        this.#toLost(); // CLOSING -> LOST: Node flushed and closed
        this.#callConnectionLost(null);
      });
    } else if (!this.#endedBothWays()) {
      // Closed behind the transport's back, without an error (destroy() on
      // the socket given as the `socket` extra, or Node closed it): asyncio's
      // transport would find out at its next recv or send (EBADF) and fail
      // with it; this one fails at once, so connectionLost comes (once) and a
      // server's waitClosed() is not held up forever (D59).
      const lost = systemError('EBADF', `${this.toString()}: its socket was closed behind the transport (destroyed without an error, not by close() or abort())`, {
        errno: -osConstants.errno.EBADF,
        // The call that would have failed: a write pipe's next write, anything else's next read.
        syscall: this.#kind === KIND_WRITE_PIPE ? 'write' : 'read',
      });
      this.#host.callSoon(() => {
        if (this.#state !== 'LOST') this.#fatalError(lost, this.#failureMessage(lost));
      });
    }
    // Otherwise both directions ended cleanly (EOF received, writeEof flushed;
    // a read pipe at EOF): as in asyncio the transport stays until close(),
    // which then reports.
  }

  /** Whether Node closed the socket on its own after a clean end both ways: EOF read, and `writeEof()` done or nothing to write (a read pipe). */
  #endedBothWays(): boolean {
    const ended = this.#has(EOF_RECEIVED) || this.#node.readableEnded;
    return ended && (this.#has(WRITE_EOF) || this.#kind === KIND_READ_PIPE);
  }

  /** An asyncio-style repr. */
  toString(): string {
    const state = this.#state === 'LOST' ? ' closed' : this.#state === 'CLOSING' ? ' closing' : '';
    const what = this.#kind === KIND_SOCKET ? 'ProactorSocketTransport' : this.#kind === KIND_READ_PIPE ? 'ProactorReadPipeTransport' : 'ProactorWritePipeTransport';
    return `<${what} #${this.#sock._id}${state} fd=${this.#sock.fileno()}>`;
  }

  /** As `toString()`, for `util.inspect`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** An address tuple from its parts (see `ProactorSocketTransport#sockHost`; port -1: a Unix path): a fresh array per call. */
function addressOf(host: string, port: number, v6: boolean): Address {
  if (port === -1) return host;
  return v6 ? [host, port, 0, 0] : [host, port];
}
