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
 *   Node 'error' + 'close'       -> callSoon(nodeClosed)          (connectionLost(err))
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
 * `#connLost` counts as asyncio's `_conn_lost`: non-zero once the end is
 * decided; writes are then dropped and counted, and logged past 5.
 *
 * WHY Node's `allowHalfOpen: true`: `eofReceived()` returning true must keep
 * the write side open (a TCP half-close), which Node does only in that mode.
 *
 * @packageDocumentation
 */

import * as net from 'node:net';
import { getLogger } from '@loop/core';
import {
  BufferedProtocol,
  DEFAULT_HIGH_WATER,
  DEFAULT_LOW_WATER,
  NotImplementedError,
  RuntimeError,
  loopError,
  resolveWriteBufferLimits,
  type Address,
  type BackendHost,
  type BaseProtocol,
  type ExtraInfo,
  type Future,
  type Protocol,
  type ServerHooks,
  type Transport,
  type WriteBufferLimits,
} from '@loop/interfaces';
import { AF_UNIX } from './constants.js';
import type { ProactorSocket, SocketReader } from './proactor-socket.js';
import { OWNER, scratchBuffer, setNextReadBuffer } from './proactor-socket.js';

/** asyncio's `constants.LOG_THRESHOLD_FOR_CONNLOST_WRITES`. */
export const LOG_THRESHOLD_FOR_CONNLOST_WRITES = 5;

const EOF = Symbol('EOF');
type InboxItem = Buffer | number | typeof EOF;

/** @internal Whether `err` is a system error (asyncio's `OSError`): it has a string `code` and a `syscall` or `errno`. */
export function isSystemError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; syscall?: unknown; errno?: unknown };
  return typeof e.code === 'string' && (typeof e.syscall === 'string' || typeof e.errno === 'number');
}

/** @internal `data argument must be a bytes-like object, not 'str'`, for JavaScript. */
export function checkBytes(api: string, data: unknown): asserts data is Uint8Array {
  if (!(data instanceof Uint8Array)) {
    const what = data === null ? 'null' : typeof data === 'object' ? ((data).constructor?.name ?? 'object') : typeof data;
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}: data argument must be a bytes-like object (Uint8Array), not '${what}'`);
  }
}

/** The size of a fresh read buffer (the scratch buffer's). */
const FRESH_SIZE = 64 * 1024;
/** A read at least this large is handed on without a copy when it went into a fresh buffer, and makes the next read go into one. */
const FRESH_MIN = FRESH_SIZE / 2;
/** At most this many transports hold a fresh buffer at once (4 MiB), so idle connections cost no more memory. */
const FRESH_MAX = 64;
/** Transports holding a fresh buffer now. */
let freshOut = 0;

/** `#flags` bits 13-14: what the transport is (see `ProactorSocketTransport#kind`). */
const KIND_SOCKET = 0;
const KIND_READ_PIPE = 1 << 13;
const KIND_WRITE_PIPE = 2 << 13;
const KIND_MASK = 3 << 13;
/** `#flags` bit 15: the protocol is a `BufferedProtocol` (decided when it is set, not per read). */
const BUFFERED = 1 << 15;
/** `#flags` bits 16-30: `#connLost`. */
const CONN_LOST_SHIFT = 16;
const CONN_LOST_MAX = 0x7fff;
const CONN_LOST_MASK = CONN_LOST_MAX << CONN_LOST_SHIFT;

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

  // One small integer holds every boolean state of the transport, its kind
  // and its `#connLost` count (one field instead of fourteen: a transport is
  // per connection, idle ones included). The accessors below read and write
  // its bits:
  //
  //   bits 0-12   booleans (below)     bits 13-14  kind (KIND_*)
  //   bits 16-30  #connLost, saturating at CONN_LOST_MAX (only > 0 and >= 5 matter)
  #flags = 0;
  get #deliverScheduled(): boolean {
    return (this.#flags & 1) !== 0;
  }
  set #deliverScheduled(on: boolean) {
    this.#flags = on ? this.#flags | 1 : this.#flags & ~1;
  }
  get #paused(): boolean {
    return (this.#flags & 2) !== 0;
  }
  set #paused(on: boolean) {
    this.#flags = on ? this.#flags | 2 : this.#flags & ~2;
  }
  /** The handle is reading (between arming and a read that stopped it). */
  get #armed(): boolean {
    return (this.#flags & 4) !== 0;
  }
  set #armed(on: boolean) {
    this.#flags = on ? this.#flags | 4 : this.#flags & ~4;
  }
  get #eofSeen(): boolean {
    return (this.#flags & 8) !== 0;
  }
  set #eofSeen(on: boolean) {
    this.#flags = on ? this.#flags | 8 : this.#flags & ~8;
  }
  /** The handle reads into a fresh buffer of this transport's (see `onRead`): one of the `FRESH_MAX`. */
  get #freshHeld(): boolean {
    return (this.#flags & 16) !== 0;
  }
  set #freshHeld(on: boolean) {
    this.#flags = on ? this.#flags | 16 : this.#flags & ~16;
  }
  get #protocolPaused(): boolean {
    return (this.#flags & 32) !== 0;
  }
  set #protocolPaused(on: boolean) {
    this.#flags = on ? this.#flags | 32 : this.#flags & ~32;
  }
  get #eof(): boolean {
    return (this.#flags & 64) !== 0;
  }
  set #eof(on: boolean) {
    this.#flags = on ? this.#flags | 64 : this.#flags & ~64;
  }
  get #afterWriteScheduled(): boolean {
    return (this.#flags & 128) !== 0;
  }
  set #afterWriteScheduled(on: boolean) {
    this.#flags = on ? this.#flags | 128 : this.#flags & ~128;
  }
  get #closing(): boolean {
    return (this.#flags & 256) !== 0;
  }
  set #closing(on: boolean) {
    this.#flags = on ? this.#flags | 256 : this.#flags & ~256;
  }
  get #lostWarned(): boolean {
    return (this.#flags & 512) !== 0;
  }
  set #lostWarned(on: boolean) {
    this.#flags = on ? this.#flags | 512 : this.#flags & ~512;
  }
  get #sock6(): boolean {
    return (this.#flags & 2048) !== 0;
  }
  set #sock6(on: boolean) {
    this.#flags = on ? this.#flags | 2048 : this.#flags & ~2048;
  }
  get #peer6(): boolean {
    return (this.#flags & 4096) !== 0;
  }
  set #peer6(on: boolean) {
    this.#flags = on ? this.#flags | 4096 : this.#flags & ~4096;
  }
  get #nodeClosed(): boolean {
    return (this.#flags & 1024) !== 0;
  }
  set #nodeClosed(on: boolean) {
    this.#flags = on ? this.#flags | 1024 : this.#flags & ~1024;
  }
  /** Whether the protocol is a `BufferedProtocol` (a branded `instanceof` walks the prototype chain on a miss: once per protocol, not per read). */
  get #buffered(): boolean {
    return (this.#flags & BUFFERED) !== 0;
  }
  #setProtocolKind(protocol: BaseProtocol): void {
    this.#flags = protocol instanceof BufferedProtocol ? this.#flags | BUFFERED : this.#flags & ~BUFFERED;
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
    pipe: { kind: 'read-pipe' | 'write-pipe'; pipe: unknown } | null = null,
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
          this.#sock6 = name.length === 4;
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
            this.#peer6 = name.length === 4;
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
   * is treated as any failing protocol method (the rule, stricter
   * than asyncio's bare `call_soon`): the handler gets `protocol` and
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
    if (name === 'sockname' && this.#sockHost !== null) return addressOf(this.#sockHost, unix ? -1 : this.#ports >>> 16, this.#sock6);
    if (name === 'peername' && this.#peerHost !== null) return addressOf(this.#peerHost, unix ? -1 : this.#ports & 0xffff, this.#peer6);
    return defaultValue;
  }

  /** Whether `close()` or `abort()` was called, or the connection was lost. */
  isClosing(): boolean {
    return this.#closing;
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
    return !this.#paused && !this.#closing;
  }

  /** Stops calling the protocol with data until `resumeReading()`. Idempotent; no-op while closing. */
  pauseReading(): void {
    if (!this.isReading()) return;
    this.#paused = true;
    this.#stopHandle();
    if (this.#host.getDebug()) getLogger().debug(`${this.toString()} pauses reading`);
  }

  /** Resumes reading. Idempotent; no-op while closing. */
  resumeReading(): void {
    if (this.#closing || !this.#paused) return;
    this.#paused = false;
    if (this.#inbox !== null && this.#inbox.length > 0) this.#scheduleDeliver();
    else this.#host.callSoon(ProactorSocketTransport.#startReadingStep, this);
    if (this.#host.getDebug()) getLogger().debug(`${this.toString()} resumes reading`);
  }

  #stopHandle(): void {
    if (!this.#armed) return;
    this.#armed = false;
    this.#node.pause();
    // A BufferedProtocol's buffer was asked for but not filled: keep it for
    // the next read, so getBuffer() is not called again before bufferUpdated().
    if (this.#userBuf !== null) this.#heldBuf = this.#userBuf;
  }

  /** Loop step: arms the handle for the next read (getBuffer for a BufferedProtocol). */
  #startReading(): void {
    const more = this.#more;
    if (this.#closing || this.#paused || this.#armed || (more !== null && more.inbox !== null && more.inbox.length > 0) || this.#eofSeen || this.#kind === KIND_WRITE_PIPE) return;
    const protocol = this.#protocol;
    if (this.#buffered) {
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
      const handle = (this.#node as unknown as { _handle?: { useUserBuffer?(b: Uint8Array): void } | null })._handle;
      if (handle === null || handle === undefined) return;
      handle.useUserBuffer?.(buf);
    } else if (more !== null) {
      more.heldBuf = null;
      if (more.userBuf !== null) {
        more.userBuf = null;
        const scratch = scratchBuffer();
        (this.#node as unknown as { _handle?: { useUserBuffer?(b: Uint8Array): void } | null })._handle?.useUserBuffer?.(scratch);
      }
    }
    this.#armed = true;
    this.#node.resume();
  }

  /** @internal Node's read callback (see the file header): never calls the protocol. */
  onRead(nread: number, buf: Buffer): boolean {
    // A closed loop runs no more steps: stop reading rather than pile data up.
    if (this.#closing || this.#host.isClosed()) {
      this.#armed = false;
      this.#releaseFresh();
      return false;
    }
    const more = this.#more;
    if (more !== null && more.userBuf !== null) {
      this.#armed = false;
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
    if (this.#paused) {
      this.#armed = false;
      this.#releaseFresh();
      return false;
    }
    // After a large chunk another is likely: read it into a fresh buffer
    // (Node's default path allocates per read too), while the process-wide
    // budget lasts; after a small one, back to the scratch buffer.
    if (large && (this.#freshHeld || freshOut < FRESH_MAX)) {
      if (!this.#freshHeld) {
        this.#freshHeld = true;
        freshOut++;
      }
      setNextReadBuffer(Buffer.allocUnsafeSlow(FRESH_SIZE));
    } else this.#releaseFresh();
    return true;
  }

  /** Gives back this transport's share of the fresh-buffer budget (its handle reads into the scratch buffer next, or no more). */
  #releaseFresh(): void {
    if (this.#freshHeld) {
      this.#freshHeld = false;
      freshOut--;
    }
  }

  #nodeEnd(): void {
    if (this.#closing || this.#host.isClosed()) return;
    (this.#inbox ??= []).push(EOF);
    this.#scheduleDeliver();
  }

  #scheduleDeliver(): void {
    if (this.#deliverScheduled || this.#host.isClosed()) return;
    this.#deliverScheduled = true;
    this.#host.callSoon(ProactorSocketTransport.#deliverStep, this);
  }

  /** Loop step: hands what was read to the protocol, in order, while reading is not paused. */
  #deliver(): void {
    this.#deliverScheduled = false;
    const more = this.#more;
    const inbox = more === null ? null : more.inbox;
    if (more === null || inbox === null) {
      this.#startReading();
      return;
    }
    while (inbox.length > 0 && !this.#paused && !this.#closing) {
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
      if (this.#buffered) {
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
    if (this.#buffered) {
      try {
        feedBuffered(protocol as BufferedProtocol, item);
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
    this.#eofSeen = true;
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
   * memory until `getWriteBufferSize()` is back to 0 (a deviation; a
   * `BufferedProtocol`'s own receive buffer is protected, see the header).
   *
   * @throws TypeError for anything but a `Uint8Array`.
   * @throws RuntimeError after `writeEof()`, even for empty data.
   */
  write(data: Uint8Array): void {
    checkBytes('write()', data);
    if (this.#eof) throw loopError(RuntimeError, 'ERR_LOOP_WRITE_AFTER_EOF', 'Cannot call write() after write_eof()');
    if (data.byteLength === 0) return;
    const node = this.#node;
    if (this.#connLost > 0 || node.destroyed) {
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
    if (this.#connLost === 0) return;
    if (this.#connLost >= LOG_THRESHOLD_FOR_CONNLOST_WRITES && !this.#lostWarned) {
      this.#lostWarned = true;
      getLogger().warn('socket.send() raised exception.');
    }
    this.#connLost++;
  }

  /** Half-closes: the write side is shut once buffered data is flushed. Idempotent. */
  writeEof(): void {
    if (this.#closing || this.#eof) return;
    if (this.#kind === KIND_WRITE_PIPE) {
      // A pipe has no half-close: asyncio's write pipe closes after flushing.
      this.close();
      return;
    }
    this.#eof = true;
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
    if (this.#protocolPaused || this.getWriteBufferSize() <= this.#high) return;
    this.#protocolPaused = true;
    try {
      this.#protocol.pauseWriting();
    } catch (exc) {
      this.#host.callExceptionHandler({ message: 'protocol.pauseWriting() failed', exception: exc, transport: this, protocol: this.#protocol });
    }
  }

  #maybeResumeProtocol(): void {
    if (!this.#protocolPaused || this.getWriteBufferSize() > this.#low) return;
    this.#protocolPaused = false;
    try {
      this.#protocol.resumeWriting();
    } catch (exc) {
      this.#host.callExceptionHandler({ message: 'protocol.resumeWriting() failed', exception: exc, transport: this, protocol: this.#protocol });
    }
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
    if (this.#afterWriteScheduled) return;
    const resume = this.#protocolPaused && size <= this.#low;
    const flushed = this.#closing && this.#connLost === 0 && size === 0;
    if (!resume && !flushed) return;
    this.#afterWriteScheduled = true;
    this.#host.callSoon(ProactorSocketTransport.#afterWriteStep, this);
  }

  /** Loop step after writes completed: resume a paused protocol, finish a close. */
  #afterWrite(): void {
    this.#afterWriteScheduled = false;
    if (this.#connLost > 0) return;
    this.#maybeResumeProtocol();
    if (this.#closing && this.getWriteBufferSize() === 0) {
      this.#connLost++;
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
    if (this.#closing) return;
    this.#closing = true;
    this.#paused = false;
    this.#stopHandle();
    this.#inbox = null;
    if (this.getWriteBufferSize() === 0) {
      this.#connLost++;
      this.#host.callSoon(() => this.#callConnectionLost(null));
    }
  }

  /** Closes at once, dropping buffered data; `connectionLost(null)` follows. Idempotent. */
  abort(): void {
    this.#forceClose(null);
  }

  #forceClose(exc: unknown): void {
    if (this.#connLost > 0) return;
    this.#closing = true;
    this.#stopHandle();
    this.#inbox = null;
    this.#connLost++;
    this.#sock.close();
    this.#host.callSoon(() => this.#callConnectionLost(exc));
  }

  /** asyncio's `_fatal_error`: report (system errors only in debug), then close with the error. */
  #fatalError(exc: unknown, message: string): void {
    if (isSystemError(exc)) {
      if (this.#host.getDebug()) getLogger().debug(`${this.toString()}: ${message}`, exc);
    } else if (!this.#host.isClosed()) {
      this.#host.callExceptionHandler({ message, exception: exc, transport: this, protocol: this.#protocol });
    }
    this.#forceClose(exc);
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

  #nodeClose(): void {
    if (this.#nodeClosed) return;
    this.#nodeClosed = true;
    if (this.#connLost > 0 || this.#host.isClosed()) return;
    const err = this.#sock._error ?? (this.#closing || this.#eofSeen ? null : (this.#node.errored ?? null));
    if (err !== null) {
      // A reset or a failed write: asyncio force-closes with the error, logging it only in debug mode.
      this.#host.callSoon(() => {
        if (this.#connLost === 0) this.#fatalError(err, 'Fatal error on socket transport');
      });
    } else if (this.#closing) {
      // Closing and Node finished on its own: the flush is complete.
      this.#host.callSoon(() => {
        if (this.#connLost > 0) return;
        this.#connLost++;
        this.#callConnectionLost(null);
      });
    }
    // Otherwise both directions ended cleanly (EOF received, writeEof flushed):
    // as in asyncio the transport stays until close(), which then reports.
  }

  /** An asyncio-style repr. */
  toString(): string {
    const state = this.#connLost > 0 ? ' closed' : this.#closing ? ' closing' : '';
    const what = this.#kind === KIND_SOCKET ? 'ProactorSocketTransport' : this.#kind === KIND_READ_PIPE ? 'ProactorReadPipeTransport' : 'ProactorWritePipeTransport';
    return `<${what} #${this.#sock._id}${state} fd=${this.#sock.fileno()}>`;
  }

  /** As `toString()`, for `util.inspect`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/**
 * Node's own `'end'` listener, the one every `net.Socket` is born with
 * (`onReadableStreamEnd`: without `allowHalfOpen` it makes writes after EOF
 * fail; ours are made with `allowHalfOpen`), found once on a probe socket;
 * `null` when Node has none or not exactly one.
 */
let nodeEndListener: ((this: net.Socket) => void) | null | undefined;

/** The transport's `'end'` listener, called after Node's own one: set by {@link listenEnd}. */
let transportEndListener: ((this: net.Socket) => void) | null = null;

/** Node's `'end'` listener then the transport's, as one function (see {@link listenEnd}). */
function nodeThenTransportEnd(this: net.Socket): void {
  (nodeEndListener as (this: net.Socket) => void).call(this);
  (transportEndListener as (this: net.Socket) => void).call(this);
}

/**
 * Adds `listener` for `'end'` on `node`. WHY not just `node.on('end')`: an
 * event with two listeners holds them in an array (64 bytes per idle
 * connection), and Node already listens for `'end'` on every socket. When
 * that listener is still the only one, it is replaced by one shared function
 * that calls it and then `listener`, in the order `on()` would have called
 * them; otherwise (another Node, or another listener) `on()` is used.
 */
function listenEnd(node: net.Socket, listener: (this: net.Socket) => void): void {
  if (nodeEndListener === undefined) {
    const probe = new net.Socket();
    const own = probe.listeners('end');
    nodeEndListener = own.length === 1 && typeof own[0] === 'function' ? (own[0] as (this: net.Socket) => void) : null;
    probe.destroy();
  }
  const events = (node as unknown as { _events?: Record<string | symbol, unknown> })._events;
  if (nodeEndListener !== null && events !== undefined && events.end === nodeEndListener && (transportEndListener ?? listener) === listener) {
    transportEndListener = listener;
    events.end = nodeThenTransportEnd;
    return;
  }
  node.on('end', listener);
}

/** An address tuple from its parts (see `ProactorSocketTransport#sockHost`; port -1: a Unix path): a fresh array per call. */
function addressOf(host: string, port: number, v6: boolean): Address {
  if (port === -1) return host;
  return v6 ? [host, port, 0, 0] : [host, port];
}

/** asyncio's `protocols._feed_data_to_buffered_proto`: copies `data` through `getBuffer` / `bufferUpdated`. */
export function feedBuffered(protocol: BufferedProtocol, data: Uint8Array): void {
  let offset = 0;
  while (offset < data.byteLength) {
    const left = data.byteLength - offset;
    const buf = protocol.getBuffer(left);
    if (!(buf instanceof Uint8Array)) throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `getBuffer() must return a Uint8Array, not ${typeof buf}`);
    if (buf.byteLength === 0) throw new RuntimeError('getBuffer() returned an empty buffer');
    const n = Math.min(buf.byteLength, left);
    buf.set(data.subarray(offset, offset + n));
    offset += n;
    protocol.bufferUpdated(n);
  }
}

/** @internal For messages: `NotImplementedError` naming `@loop/socket` for a socket the proactor cannot use. */
export function foreignSocket(api: string, sock: unknown): NotImplementedError {
  const what = typeof sock === 'object' && sock !== null ? ((sock).constructor?.name ?? 'object') : typeof sock;
  return new NotImplementedError(
    `${api} requires @loop/socket for a socket not made by the proactor backend (got <${what}>); the proactor works on Node's own handles only`,
  );
}
