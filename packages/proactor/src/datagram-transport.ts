/**
 * `ProactorDatagramTransport`: asyncio's `_ProactorDatagramTransport` /
 * `_SelectorDatagramTransport` over a Node `dgram.Socket`.
 *
 * HOW. Node completes each send and delivers each datagram; the loop runs
 * the protocol (ADR 0002 §3):
 *
 * ```text
 *   sendto(data, addr)      -> dgram.send(...)  pending += n; pauseWriting() if pending > high
 *   Node send callback      -> pending -= n; callSoon(errorReceived(err)) on failure;
 *                              callSoon(resume / finish close) when due
 *   Node 'message'          -> callSoon(datagramReceived(data, addr))
 *   Node 'error'            -> callSoon(errorReceived(err))   (an ICMP error on a connected socket)
 * ```
 *
 * `getWriteBufferSize()` is the bytes of sends Node has not completed. Node
 * resolves even a numeric address before sending, so a send completes in a
 * later turn of Node's loop at the earliest: a burst of sends above the
 * high-water mark pauses the protocol where asyncio's, whose `sendto` often
 * succeeds at once, might not (flow control is still paired and bounded; D35).
 *
 * WHY errors go to `errorReceived` and do not close: a datagram endpoint
 * stays usable after a failed send or an ICMP "port unreachable", as in
 * asyncio; `connectionLost` comes only from `close()` / `abort()`.
 *
 * @packageDocumentation
 */

import type * as dgram from 'node:dgram';
import { getLogger } from '@loop/core';
import {
  DEFAULT_HIGH_WATER,
  DEFAULT_LOW_WATER,
  LOG_THRESHOLD_FOR_CONNLOST_WRITES,
  checkBytes,
  loopError,
  resolveWriteBufferLimits,
  type Address,
  type BackendHost,
  type BaseProtocol,
  type DatagramProtocol,
  type DatagramTransport,
  type ExtraInfo,
  type Future,
  type WriteBufferLimits,
  signalWriteFlow,
} from '@loop/interfaces';
import { toAddress, type ProactorSocket } from './proactor-socket.js';

function sameAddress(a: Address, b: Address): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  if (a.length !== b.length) return false;
  return a.every((v, i) => v === b[i]);
}

function formatAddress(a: Address): string {
  return typeof a === 'string' ? JSON.stringify(a) : `[${a.map((v) => JSON.stringify(v)).join(', ')}]`;
}

let nextId = 1;

/** A datagram transport over a {@link ProactorSocket} of kind `'datagram'`. */
export class ProactorDatagramTransport implements DatagramTransport {
  readonly #host: BackendHost;
  readonly #sock: ProactorSocket;
  readonly #node: dgram.Socket;
  readonly #address: Address | null;
  readonly #extra: ExtraInfo;
  #protocol: BaseProtocol;
  readonly #id = nextId++;
  #pending = 0;
  #connected = false;
  #low = DEFAULT_LOW_WATER;
  #high = DEFAULT_HIGH_WATER;
  #protocolPaused = false;
  #closing = false;
  #connLost = 0;
  #lostWarned = false;
  #afterSendScheduled = false;

  /** @internal Use `ProactorBackend.makeDatagramTransport`. */
  constructor(
    host: BackendHost,
    sock: ProactorSocket,
    protocol: BaseProtocol,
    address: Address | null,
    waiter: Future<void> | null,
    extra: ExtraInfo | null,
  ) {
    const node = sock._dgram;
    if (node === null) throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `makeDatagramTransport(): ${sock.toString()} is not a datagram socket`);
    this.#host = host;
    this.#sock = sock;
    this.#node = node;
    this.#protocol = protocol;
    this.#address = address ?? null;
    this.#extra = { socket: sock };
    try {
      this.#extra.sockname = sock.getsockname();
    } catch {
      // unbound
    }
    let peer: Address | null = null;
    try {
      peer = sock.getpeername();
    } catch {
      peer = null;
    }
    // As asyncio: peername is the connected peer (null for an endpoint that
    // was not connected, e.g. with allowBroadcast and a remote address).
    this.#connected = peer !== null;
    if (peer !== null) this.#extra.peername = peer;
    if (extra !== null) Object.assign(this.#extra, extra);
    node.on('message', (msg: Buffer, rinfo: dgram.RemoteInfo) => {
      if (this.#closing || host.isClosed()) return;
      const addr = toAddress(rinfo, sock.family) as Address;
      host.callSoon(() => this.#datagramReceived(msg, addr));
    });
    node.on('error', (err: Error) => {
      if (this.#closing || host.isClosed()) return;
      host.callSoon(() => this.#errorReceived(err));
    });
    host.callSoon(() => this.#protocol.connectionMade(this));
    if (waiter !== null && waiter !== undefined) {
      host.callSoon(() => {
        if (!waiter.done()) waiter.setResult(undefined);
      });
    }
  }

  /** Extra information: `peername` (connected endpoints), `sockname`, `socket`. */
  getExtraInfo(name: string, defaultValue: unknown = null): any {
    const v = Object.prototype.hasOwnProperty.call(this.#extra, name) ? this.#extra[name] : undefined;
    return v === undefined || v === null ? defaultValue : v;
  }

  /** Whether `close()` or `abort()` was called. */
  isClosing(): boolean {
    return this.#closing;
  }

  /** Switches the protocol. */
  setProtocol(protocol: BaseProtocol): void {
    this.#protocol = protocol;
  }

  /** The protocol this transport calls. */
  getProtocol(): BaseProtocol {
    return this.#protocol;
  }

  /**
   * Sends one datagram (see `DatagramTransport.sendto`). An empty datagram
   * is ignored, as asyncio 3.11 does.
   *
   * On a socket that was connected when given (`sock=`), the datagram goes
   * to its peer whatever `addr` says, as asyncio's `send()` path does.
   *
   * @throws TypeError for anything but a `Uint8Array`, or when `addr` is
   *   omitted on an unconnected endpoint.
   * @throws RangeError on a connected endpoint when `addr` is neither omitted
   *   nor the remote address.
   */
  sendto(data: Uint8Array, addr: Address | null = null): void {
    checkBytes('sendto()', data);
    if (data.byteLength === 0) return;
    if (this.#address !== null) {
      if (addr !== null && addr !== undefined && !sameAddress(addr, this.#address)) {
        throw loopError(RangeError, 'ERR_LOOP_OUT_OF_RANGE', `Invalid address: must be None or ${formatAddress(this.#address)}`);
      }
      addr = this.#connected ? null : this.#address;
    } else if (this.#connected) {
      // A connected socket given with sock= (no remote address known to the
      // transport): asyncio sends to the peer with send(), whatever addr says.
      addr = null;
    } else if (addr === null || addr === undefined) {
      throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', 'sendto(): an address is required: this datagram endpoint is not connected');
    }
    if (this.#connLost > 0) {
      if (this.#connLost >= LOG_THRESHOLD_FOR_CONNLOST_WRITES && !this.#lostWarned) {
        this.#lostWarned = true;
        getLogger().warn('socket.send() raised exception.');
      }
      this.#connLost++;
      return;
    }
    const copy = Buffer.from(data);
    const n = copy.byteLength;
    this.#pending += n;
    const done = (err: Error | null): void => this.#sent(n, err);
    try {
      if (addr === null) this.#node.send(copy, done);
      else if (typeof addr === 'string') throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', 'sendto(): a Unix datagram address needs @loop/socket');
      else this.#node.send(copy, addr[1], addr[0], done);
    } catch (exc) {
      this.#pending -= n;
      throw exc;
    }
    this.#maybePauseProtocol();
  }

  #sent(n: number, err: Error | null): void {
    this.#pending -= n;
    if (this.#host.isClosed()) return;
    if (err !== null && this.#connLost === 0) this.#host.callSoon(() => this.#errorReceived(err));
    if (this.#afterSendScheduled) return;
    const resume = this.#protocolPaused && this.#pending <= this.#low;
    const flushed = this.#closing && this.#connLost === 0 && this.#pending === 0;
    if (!resume && !flushed) return;
    this.#afterSendScheduled = true;
    this.#host.callSoon(() => {
      this.#afterSendScheduled = false;
      if (this.#connLost > 0) return;
      this.#maybeResumeProtocol();
      if (this.#closing && this.#pending === 0) {
        this.#connLost++;
        this.#callConnectionLost(null);
      }
    });
  }

  // As in asyncio, an exception thrown by datagramReceived / errorReceived is
  // not caught here: it leaves the loop callback, so the loop's exception
  // handler reports it ("Exception in callback ..."), and the endpoint stays open.
  #datagramReceived(data: Buffer, addr: Address): void {
    if (this.#closing) return;
    (this.#protocol as DatagramProtocol).datagramReceived(data, addr);
  }

  #errorReceived(err: Error): void {
    if (this.#closing) return;
    (this.#protocol as DatagramProtocol).errorReceived(err);
  }

  /** Bytes of sends not yet completed by Node. */
  getWriteBufferSize(): number {
    return this.#pending;
  }

  /** `[low, high]`. */
  getWriteBufferLimits(): [low: number, high: number] {
    return [this.#low, this.#high];
  }

  /** Sets the limits (asyncio's rules); may call `pauseWriting()`, never `resumeWriting()`. */
  setWriteBufferLimits(limits: WriteBufferLimits = {}): void {
    [this.#low, this.#high] = resolveWriteBufferLimits(limits);
    this.#maybePauseProtocol();
  }

  #maybePauseProtocol(): void {
    if (this.#pending <= this.#high || this.#protocolPaused) return;
    this.#protocolPaused = true;
    signalWriteFlow(this.#host, this, this.#protocol, 'pauseWriting');
  }

  #maybeResumeProtocol(): void {
    if (!this.#protocolPaused || this.#pending > this.#low) return;
    this.#protocolPaused = false;
    signalWriteFlow(this.#host, this, this.#protocol, 'resumeWriting');
  }

  /** Closes once pending sends complete; `connectionLost(null)` follows. Idempotent. */
  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    if (this.#pending === 0) {
      this.#connLost++;
      this.#host.callSoon(() => this.#callConnectionLost(null));
    }
  }

  /** Closes at once; `connectionLost(null)` follows. Idempotent. */
  abort(): void {
    this.#forceClose(null);
  }

  #forceClose(exc: unknown): void {
    if (this.#connLost > 0) return;
    this.#closing = true;
    this.#connLost++;
    this.#sock.close();
    this.#host.callSoon(() => this.#callConnectionLost(exc));
  }

  #callConnectionLost(exc: unknown): void {
    try {
      this.#protocol.connectionLost((exc ?? null) as Error | null);
    } finally {
      this.#sock.close();
    }
  }

  /** An asyncio-style repr. */
  toString(): string {
    const state = this.#connLost > 0 ? ' closed' : this.#closing ? ' closing' : '';
    return `<ProactorDatagramTransport #${this.#id}${state} fd=${this.#sock.fileno()}>`;
  }

  /** As `toString()`, for `util.inspect`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
