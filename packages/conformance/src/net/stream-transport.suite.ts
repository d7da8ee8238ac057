/**
 * The stream transport suite: what every backend's socket transport does
 * (asyncio's `_SelectorSocketTransport` / `_ProactorSocketTransport`, the
 * oracle being CPython's `test_selector_events` / `test_proactor_events` and
 * the network parts of `test_events`).
 *
 * HOW: written against the backend contract only — `getBackend(t.loop)`,
 * then `listenStream` → `startServing` → `connectStream` →
 * `makeSocketTransport` — so that any loop with a backend runs it unchanged.
 * Real sockets: TCP on 127.0.0.1 and ::1, Unix sockets in the test's
 * temporary directory.
 *
 * WHY these cases: they are the rules of `transports.ts` and `protocols.ts`
 * that a backend can get wrong — callback order, half-close, both protocol
 * kinds, the exact flow-control points, the errors of `write()`, `close()`
 * flushing versus `abort()` dropping, a peer resetting mid-write, no byte lost
 * through pause/resume cycles (50 MiB, checked by hash), and a protocol that
 * throws.
 *
 * @packageDocumentation
 */
import { expect } from 'expect';
import { describe } from '../runner.js';
import { createHash, randomBytes } from 'node:crypto';
import {
  BufferedProtocol,
  Protocol,
  RuntimeError,
  getBackend,
  type Address,
  type BaseProtocol,
  type BaseTransport,
  type Future,
  type IoBackend,
  type ServerHooks,
  type SocketLike,
  type Transport,
} from '@loop/interfaces';
import { AF_INET, AF_INET6, AF_UNIX } from '@loop/net';
import { defineNetTest, type NetLoop, type NetLoopFactory, type NetTest } from './harness.js';

/** What a server records of its connections' transports. */
class Hooks implements ServerHooks {
  readonly events: string[] = [];
  readonly live = new Set<BaseTransport>();
  attach(t: BaseTransport): void {
    this.events.push('attach');
    this.live.add(t);
  }
  detach(t: BaseTransport): void {
    this.events.push('detach');
    this.live.delete(t);
  }
}

/** A protocol that records its callbacks and offers futures for them. */
class Recorder extends Protocol {
  readonly events: string[] = [];
  readonly chunks: Buffer[] = [];
  transport: Transport | null = null;
  received = 0;
  keepOpen = false;
  readonly made: Future<Transport>;
  readonly eof: Future<void>;
  readonly lost: Future<Error | null>;
  readonly #loop: NetLoop;
  #want: { n: number; fut: Future<void> } | null = null;
  onMade: ((t: Transport) => void) | null = null;
  onData: ((data: Buffer) => void) | null = null;

  constructor(loop: NetLoop) {
    super();
    this.#loop = loop;
    this.made = loop.createFuture<Transport>();
    this.eof = loop.createFuture<void>();
    this.lost = loop.createFuture<Error | null>();
  }

  #event(e: string): void {
    if (e === 'dataReceived' && this.events[this.events.length - 1] === e) return;
    this.events.push(e);
  }

  override connectionMade(t: Transport): void {
    this.#event('connectionMade');
    this.transport = t;
    this.made.setResult(t);
    this.onMade?.(t);
  }

  override dataReceived(data: Buffer): void {
    this.#event('dataReceived');
    this.chunks.push(data);
    this.received += data.length;
    this.onData?.(data);
    if (this.#want !== null && this.received >= this.#want.n) {
      this.#want.fut.setResult(undefined);
      this.#want = null;
    }
  }

  override eofReceived(): boolean {
    this.#event('eofReceived');
    if (!this.eof.done()) this.eof.setResult(undefined);
    return this.keepOpen;
  }

  override connectionLost(exc: Error | null): void {
    this.#event('connectionLost');
    this.lost.setResult(exc);
  }

  override pauseWriting(): void {
    this.events.push('pauseWriting');
  }

  override resumeWriting(): void {
    this.events.push('resumeWriting');
  }

  /** Resolves once at least `n` bytes were received in total. */
  bytes(n: number): Future<void> {
    const fut = this.#loop.createFuture<void>();
    if (this.received >= n) fut.setResult(undefined);
    else this.#want = { n, fut };
    return fut;
  }

  data(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

type Kind = 'ipv4' | 'ipv6' | 'unix';

interface Pair<S extends BaseProtocol> {
  backend: IoBackend;
  listener: SocketLike;
  hooks: Hooks;
  /** The server side's protocols, in accept order. */
  servers: S[];
  /** Resolves with the first accepted connection's protocol once its connectionMade ran. */
  accepted: Future<S>;
  client: Transport;
  clientProto: Recorder;
  /** Closes the listener. */
  stop(): void;
}

/** A recorder that pauses reading as soon as it is connected (so the peer's writes back up). */
function pausedRecorder(loop: NetLoop): Recorder {
  const r = new Recorder(loop);
  r.onMade = (tr) => tr.pauseReading();
  return r;
}

function listenAddress(t: NetTest, kind: Kind): { address: Address; family: number } {
  if (kind === 'ipv4') return { address: ['127.0.0.1', 0], family: AF_INET };
  if (kind === 'ipv6') return { address: ['::1', 0], family: AF_INET6 };
  return { address: t.path('s.sock'), family: AF_UNIX };
}

async function connectPair<S extends BaseProtocol>(
  t: NetTest,
  kind: Kind,
  serverFactory: () => S,
  clientProto: Recorder = new Recorder(t.loop),
): Promise<Pair<S>> {
  const loop = t.loop;
  const backend = getBackend(loop);
  if (backend === null) throw new Error('the loop under test has no backend');
  const { address, family } = listenAddress(t, kind);
  const listener = await backend.listenStream(address, { family, backlog: 100 });
  const hooks = new Hooks();
  const servers: S[] = [];
  const accepted = loop.createFuture<S>();
  backend.startServing(
    () => {
      const p = serverFactory();
      servers.push(p);
      const made = p.connectionMade.bind(p);
      p.connectionMade = (tr: BaseTransport) => {
        made(tr);
        if (!accepted.done()) accepted.setResult(p);
      };
      return p;
    },
    listener,
    hooks,
  );
  const sock = await backend.connectStream(listener.getsockname(), { family });
  const waiter = loop.createFuture<void>();
  const client = backend.makeSocketTransport(sock, clientProto, waiter);
  await waiter;
  await accepted;
  return { backend, listener, hooks, servers, accepted, client, clientProto, stop: () => backend.stopServing(listener) };
}

async function sleep(loop: NetLoop, seconds: number): Promise<void> {
  const fut = loop.createFuture<void>();
  loop.callLater(seconds, () => fut.setResult(undefined));
  await fut;
}

/** Writes until the transport holds unsent bytes (the peer must not be reading); returns the bytes written. */
async function stall(loop: NetLoop, transport: Transport): Promise<number> {
  transport.setWriteBufferLimits({ high: 1 << 30 });
  const data = Buffer.alloc(64 * 1024, 0x62);
  let written = 0;
  for (let i = 0; i < 4096; i++) {
    transport.write(data);
    written += data.length;
    if (transport.getWriteBufferSize() > 0) {
      // Let the kernel settle, then make sure bytes are still waiting.
      await sleep(loop, 0.05);
      if (transport.getWriteBufferSize() > 0) return written;
    }
  }
  throw new Error('the transport never held unsent bytes');
}

/** The stream transport behaviours, run against `newLoop`'s backend. */
export function streamTransportSuite(newLoop: NetLoopFactory): void {
  describe('stream transport (backend contract)', () => {
    const it = defineNetTest(newLoop);

    for (const kind of ['ipv4', 'ipv6', 'unix'] as const) {
      it(`[TR-02, TR-03] ${kind}: connectionMade -> dataReceived* -> eofReceived -> connectionLost, in that order, on both ends`, async (t) => {
        await t.run(async () => {
          const pair = await connectPair(t, kind, () => new Recorder(t.loop));
          const server = await pair.accepted;
          const payload = randomBytes(300 * 1024);
          pair.client.write(payload);
          pair.client.writeEof();
          await server.eof;
          expect(server.data().equals(payload)).toBe(true);
          // eofReceived returned false: the server transport closed itself.
          expect(await server.lost).toBeNull();
          expect(server.events).toEqual(['connectionMade', 'dataReceived', 'eofReceived', 'connectionLost']);
          expect(await pair.clientProto.lost).toBeNull();
          // (a Unix socket's small buffers may pause and resume the writer on the way)
          const clientEvents = pair.clientProto.events.filter((e) => e !== 'pauseWriting' && e !== 'resumeWriting');
          expect(clientEvents).toEqual(['connectionMade', 'eofReceived', 'connectionLost']);
          expect(pair.hooks.events).toEqual(['attach', 'detach']);
          pair.stop();
        });
        t.loop.close();
      });
    }

    it('[CONN-02, TR-01] the waiter completes after connectionMade ran; getExtraInfo has peername, sockname, socket', async (t) => {
      await t.run(async () => {
        const loop = t.loop;
        const backend = getBackend(loop) as IoBackend;
        const listener = await backend.listenStream(['127.0.0.1', 0], { family: AF_INET, backlog: 10 });
        const hooks = new Hooks();
        const servers: Recorder[] = [];
        backend.startServing(
          () => {
            const r = new Recorder(loop);
            servers.push(r);
            return r;
          },
          listener,
          hooks,
        );
        const sock = await backend.connectStream(listener.getsockname(), { family: AF_INET });
        const proto = new Recorder(loop);
        const waiter = loop.createFuture<void>();
        const order: string[] = [];
        proto.made.addDoneCallback(() => order.push('made-callback'));
        const transport = backend.makeSocketTransport(sock, proto, waiter);
        expect(proto.events).toEqual([]);
        await waiter;
        expect(proto.events).toEqual(['connectionMade']);
        expect(transport.getExtraInfo('socket')).toBe(sock);
        expect(transport.getExtraInfo('peername')).toEqual(listener.getsockname());
        const sockname = transport.getExtraInfo('sockname') as [string, number];
        expect(sockname[0]).toBe('127.0.0.1');
        expect(sockname[1]).toBeGreaterThan(0);
        expect(transport.getExtraInfo('nonexistent', 'dflt')).toBe('dflt');
        expect(transport.getProtocol()).toBe(proto);
        const server = await servers[0]?.made;
        expect(server?.getExtraInfo('peername')).toEqual(sockname);
        transport.close();
        await proto.lost;
        await servers[0]?.lost;
        expect(hooks.live.size).toBe(0);
        backend.stopServing(listener);
      });
      t.loop.close();
    });

    it('[test_read_ready_eof_keep_open, TR-03, TR-10] half-close: eofReceived returning true keeps the write side open', async (t) => {
      await t.run(async () => {
        const pair = await connectPair(t, 'ipv4', () => {
          const r = new Recorder(t.loop);
          r.keepOpen = true;
          return r;
        });
        const server = await pair.accepted;
        pair.client.write(Buffer.from('request'));
        pair.client.writeEof();
        expect(pair.client.canWriteEof()).toBe(true);
        await server.eof;
        expect(server.transport?.isClosing()).toBe(false);
        // The server answers after the client's EOF, then closes.
        server.transport?.write(Buffer.from('response after eof'));
        server.transport?.close();
        expect(await pair.clientProto.lost).toBeNull();
        expect(pair.clientProto.data().toString()).toBe('response after eof');
        expect(pair.clientProto.events).toEqual(['connectionMade', 'dataReceived', 'eofReceived', 'connectionLost']);
        expect(await server.lost).toBeNull();
        expect(server.events).toEqual(['connectionMade', 'dataReceived', 'eofReceived', 'connectionLost']);
        pair.stop();
      });
      t.loop.close();
    });

    it('[test_buffered_proto_create_connection, TR-15] BufferedProtocol: getBuffer(-1) / bufferUpdated(n) receive every byte in order, then eofReceived and connectionLost', async (t) => {
      class Buffered extends BufferedProtocol {
        readonly events: string[] = [];
        readonly hints: number[] = [];
        readonly parts: Buffer[] = [];
        readonly buf = Buffer.alloc(1000);
        readonly lost: Future<Error | null>;
        transport: Transport | null = null;
        constructor(loop: NetLoop) {
          super();
          this.lost = loop.createFuture();
        }
        override connectionMade(tr: Transport): void {
          this.transport = tr;
          this.events.push('connectionMade');
        }
        override getBuffer(sizehint: number): Uint8Array {
          this.hints.push(sizehint);
          return this.buf;
        }
        override bufferUpdated(n: number): void {
          if (this.events[this.events.length - 1] !== 'bufferUpdated') this.events.push('bufferUpdated');
          expect(n).toBeGreaterThan(0);
          expect(n).toBeLessThanOrEqual(this.buf.length);
          this.parts.push(Buffer.from(this.buf.subarray(0, n)));
        }
        override eofReceived(): boolean {
          this.events.push('eofReceived');
          return false;
        }
        override connectionLost(exc: Error | null): void {
          this.events.push('connectionLost');
          this.lost.setResult(exc);
        }
      }
      await t.run(async () => {
        const pair = await connectPair(t, 'ipv4', () => new Buffered(t.loop));
        const server = await pair.accepted;
        const payload = randomBytes(200 * 1024);
        pair.client.write(payload);
        pair.client.writeEof();
        expect(await server.lost).toBeNull();
        expect(Buffer.concat(server.parts).equals(payload)).toBe(true);
        expect(server.events).toEqual(['connectionMade', 'bufferUpdated', 'eofReceived', 'connectionLost']);
        expect(server.hints.every((h) => h === -1)).toBe(true);
        await pair.clientProto.lost;
        pair.stop();
      });
      t.loop.close();
    });

    it('[TR-15, TR-14] BufferedProtocol: pauseReading / resumeReading never make getBuffer() be called twice without bufferUpdated() between', async (t) => {
      class Calls extends BufferedProtocol {
        readonly calls: string[] = [];
        readonly buf = Buffer.alloc(16);
        received = 0;
        readonly lost: Future<Error | null>;
        transport: Transport | null = null;
        constructor(loop: NetLoop) {
          super();
          this.lost = loop.createFuture();
        }
        override connectionMade(tr: Transport): void {
          this.transport = tr;
        }
        override getBuffer(): Uint8Array {
          this.calls.push('getBuffer');
          return this.buf;
        }
        override bufferUpdated(n: number): void {
          this.calls.push('bufferUpdated');
          this.received += n;
        }
        override connectionLost(exc: Error | null): void {
          this.lost.setResult(exc);
        }
      }
      await t.run(async () => {
        const pair = await connectPair(t, 'ipv4', () => new Calls(t.loop));
        const server = await pair.accepted;
        const st = server.transport as Transport;
        for (let i = 0; i < 5; i++) {
          await sleep(t.loop, 0.005);
          st.pauseReading();
          await sleep(t.loop, 0.005);
          st.resumeReading();
        }
        pair.client.write(Buffer.alloc(100, 1));
        pair.client.writeEof();
        expect(await server.lost).toBeNull();
        expect(server.received).toBe(100);
        for (let i = 1; i < server.calls.length; i++) expect(server.calls[i - 1] === 'getBuffer' && server.calls[i] === 'getBuffer').toBe(false);
        await pair.clientProto.lost;
        pair.stop();
      });
      t.loop.close();
    });

    it('[TR-15, TR-06] BufferedProtocol echoing from its own receive buffer under backpressure: every byte comes back intact', async (t) => {
      class BufferedEcho extends BufferedProtocol {
        readonly buf = Buffer.alloc(64 * 1024);
        transport: Transport | null = null;
        readonly lost: Future<Error | null>;
        constructor(loop: NetLoop) {
          super();
          this.lost = loop.createFuture();
        }
        override connectionMade(tr: Transport): void {
          this.transport = tr;
        }
        override getBuffer(): Uint8Array {
          return this.buf;
        }
        override bufferUpdated(n: number): void {
          this.transport?.write(this.buf.subarray(0, n));
        }
        override connectionLost(exc: Error | null): void {
          this.lost.setResult(exc);
        }
      }
      await t.run(async () => {
        const pair = await connectPair(t, 'ipv4', () => new BufferedEcho(t.loop));
        const server = await pair.accepted;
        const payload = randomBytes(8 * 1024 * 1024);
        // The client does not read at first: the server's echo meets a full socket buffer.
        pair.client.pauseReading();
        for (let off = 0; off < payload.length; off += 256 * 1024) pair.client.write(payload.subarray(off, off + 256 * 1024));
        await sleep(t.loop, 0.1);
        pair.client.resumeReading();
        await pair.clientProto.bytes(payload.length);
        expect(pair.clientProto.data().equals(payload)).toBe(true);
        pair.client.close();
        await pair.clientProto.lost;
        await server.lost;
        pair.stop();
      });
      t.loop.close();
    });

    it('[test_pause_resume_reading, TR-14] pauseReading / resumeReading: no data while paused, all of it after; isReading reflects the state', async (t) => {
      await t.run(async () => {
        const pair = await connectPair(t, 'ipv4', () => new Recorder(t.loop));
        const server = await pair.accepted;
        const st = server.transport as Transport;
        expect(st.isReading()).toBe(true);
        st.pauseReading();
        st.pauseReading();
        expect(st.isReading()).toBe(false);
        const payload = randomBytes(100 * 1024);
        pair.client.write(payload);
        await sleep(t.loop, 0.1);
        expect(server.received).toBe(0);
        st.resumeReading();
        st.resumeReading();
        expect(st.isReading()).toBe(true);
        await server.bytes(payload.length);
        expect(server.data().equals(payload)).toBe(true);
        st.close();
        expect(st.isReading()).toBe(false);
        await pair.clientProto.lost;
        await server.lost;
        pair.stop();
      });
      t.loop.close();
    });

    it('[FLOW-01, FLOW-02, FLOW-03, FLOW-04] flow control: defaults [16 KiB, 64 KiB]; pauseWriting synchronously from write() only when strictly above high; resumeWriting at or below low from a loop iteration', async (t) => {
      await t.run(async () => {
        const pair = await connectPair(t, 'ipv4', () => pausedRecorder(t.loop));
        const server = await pair.accepted;
        const client = pair.client;
        const proto = pair.clientProto;
        expect(client.getWriteBufferLimits()).toEqual([16 * 1024, 64 * 1024]);
        expect(() => client.setWriteBufferLimits({ high: 1, low: 2 })).toThrow(RangeError);
        client.setWriteBufferLimits({ low: 1000 });
        expect(client.getWriteBufferLimits()).toEqual([1000, 4000]);
        client.setWriteBufferLimits({ high: 1000 });
        expect(client.getWriteBufferLimits()).toEqual([250, 1000]);

        await stall(t.loop, client);
        expect(proto.events).toEqual(['connectionMade']);
        // Exactly at the high-water mark: no pause. One more byte: pause, inside write().
        const size = client.getWriteBufferSize();
        client.setWriteBufferLimits({ high: size, low: 0 });
        expect(proto.events).toEqual(['connectionMade']);
        let inWrite = false;
        let sizeAtPause = -1;
        proto.pauseWriting = () => {
          expect(inWrite).toBe(true);
          sizeAtPause = client.getWriteBufferSize();
          proto.events.push('pauseWriting');
        };
        inWrite = true;
        client.write(Buffer.from('x'));
        inWrite = false;
        expect(proto.events).toEqual(['connectionMade', 'pauseWriting']);
        expect(sizeAtPause).toBe(size + 1);
        // Still paused: more writes do not call pauseWriting again.
        client.write(Buffer.from('y'));
        expect(proto.events).toEqual(['connectionMade', 'pauseWriting']);

        const resumed = t.loop.createFuture<number>();
        proto.resumeWriting = () => {
          expect(inWrite).toBe(false);
          proto.events.push('resumeWriting');
          resumed.setResult(client.getWriteBufferSize());
        };
        (server.transport as Transport).resumeReading();
        // low = 0: resumeWriting waits for an empty buffer.
        expect(await resumed).toBe(0);
        expect(proto.events).toEqual(['connectionMade', 'pauseWriting', 'resumeWriting']);
        client.close();
        await proto.lost;
        await server.lost;
        pair.stop();
      });
      t.loop.close();
    });

    it('[FLOW-06] flow control: setWriteBufferLimits may call pauseWriting but never resumeWriting', async (t) => {
      await t.run(async () => {
        const pair = await connectPair(t, 'ipv4', () => pausedRecorder(t.loop));
        const server = await pair.accepted;
        const client = pair.client;
        const proto = pair.clientProto;
        await stall(t.loop, client);
        client.setWriteBufferLimits({ high: 0 });
        expect(proto.events).toEqual(['connectionMade', 'pauseWriting']);
        client.setWriteBufferLimits({ high: 1 << 30 });
        expect(proto.events).toEqual(['connectionMade', 'pauseWriting']);
        const resumed = t.loop.createFuture<number>();
        proto.resumeWriting = () => {
          proto.events.push('resumeWriting');
          resumed.setResult(client.getWriteBufferSize());
        };
        (server.transport as Transport).resumeReading();
        const low = client.getWriteBufferLimits()[0];
        expect(await resumed).toBeLessThanOrEqual(low);
        expect(proto.events).toEqual(['connectionMade', 'pauseWriting', 'resumeWriting']);
        client.close();
        await proto.lost;
        await server.lost;
        pair.stop();
      });
      t.loop.close();
    });

    it('[test_write_str, TR-07, TR-10] write() after writeEof() throws RuntimeError, even for empty data; a string is a TypeError', async (t) => {
      await t.run(async () => {
        const pair = await connectPair(t, 'ipv4', () => new Recorder(t.loop));
        const server = await pair.accepted;
        const client = pair.client;
        expect(() => client.write('text' as unknown as Uint8Array)).toThrow(TypeError);
        client.write(new Uint8Array(0));
        client.writeEof();
        client.writeEof();
        expect(() => client.write(Buffer.from('x'))).toThrow(RuntimeError);
        expect(() => client.write(Buffer.alloc(0))).toThrow('Cannot call write() after write_eof()');
        expect(() => client.writelines([Buffer.from('x')])).toThrow(RuntimeError);
        await server.lost;
        await pair.clientProto.lost;
        pair.stop();
      });
      t.loop.close();
    });

    it('[TR-07] writes after the connection is lost are dropped and logged as a warning, without throwing', async (t) => {
      const logs = t.logs;
      await t.run(async () => {
        const pair = await connectPair(t, 'ipv4', () => new Recorder(t.loop));
        const server = await pair.accepted;
        pair.client.abort();
        await pair.clientProto.lost;
        for (let i = 0; i < 10; i++) pair.client.write(Buffer.from('dropped'));
        await server.lost;
        expect(server.received).toBe(0);
        pair.stop();
      });
      const warnings = logs.filter((r) => r.level === 'warn' && r.text.includes('socket.send() raised exception.'));
      expect(warnings.length).toBeGreaterThanOrEqual(1);
      t.loop.close();
    });

    it('[test_close_write_buffer, test_abort, TR-11, TR-12] close() flushes the buffer before connectionLost; abort() drops it and reports at once', async (t) => {
      await t.run(async () => {
        const pair = await connectPair(t, 'ipv4', () => pausedRecorder(t.loop));
        const server = await pair.accepted;
        const written = await stall(t.loop, pair.client);
        const tail = randomBytes(1024 * 1024);
        pair.client.write(tail);
        pair.client.close();
        pair.client.close();
        expect(pair.client.isClosing()).toBe(true);
        await sleep(t.loop, 0.05);
        // Bytes are waiting: connectionLost must not have been called yet.
        expect(pair.clientProto.events).toEqual(['connectionMade']);
        (server.transport as Transport).resumeReading();
        expect(await pair.clientProto.lost).toBeNull();
        await server.eof;
        expect(server.received).toBe(written + tail.length);
        expect(server.data().subarray(written).equals(tail)).toBe(true);
        await server.lost;

        const pair2Server = pausedRecorder(t.loop);
        const backend = pair.backend;
        pair.stop();
        const listener = await backend.listenStream(['127.0.0.1', 0], { family: AF_INET, backlog: 10 });
        backend.startServing(() => pair2Server, listener, new Hooks());
        const sock = await backend.connectStream(listener.getsockname(), { family: AF_INET });
        const proto = new Recorder(t.loop);
        const waiter = t.loop.createFuture<void>();
        const client = backend.makeSocketTransport(sock, proto, waiter);
        await waiter;
        await pair2Server.made;
        await stall(t.loop, client);
        expect(client.getWriteBufferSize()).toBeGreaterThan(0);
        client.abort();
        client.abort();
        // abort() does not wait for the peer to read anything.
        expect(await proto.lost).toBeNull();
        expect(proto.events).toEqual(['connectionMade', 'connectionLost']);
        pair2Server.transport?.resumeReading();
        await pair2Server.lost;
        backend.stopServing(listener);
      });
      t.loop.close();
    });

    it('[TR-08, EXC-10] a peer that resets the connection mid-write: connectionLost with ECONNRESET or EPIPE, no exception-handler call', async (t) => {
      await t.run(async () => {
        const pair = await connectPair(t, 'ipv4', () => pausedRecorder(t.loop));
        const server = await pair.accepted;
        await stall(t.loop, pair.client);
        // Closing with unread data makes the kernel send a reset.
        server.transport?.abort();
        await server.lost;
        const data = Buffer.alloc(64 * 1024);
        const keepWriting = (): void => {
          if (pair.client.isClosing()) return;
          pair.client.write(data);
          t.loop.callLater(0.01, keepWriting);
        };
        keepWriting();
        const exc = await pair.clientProto.lost;
        expect(exc).not.toBeNull();
        expect(['ECONNRESET', 'EPIPE']).toContain((exc as { code?: string } | null)?.code);
        expect(pair.clientProto.events[pair.clientProto.events.length - 1]).toBe('connectionLost');
        expect(t.exceptions).toEqual([]);
        pair.stop();
      });
      t.loop.close();
    });

    it(
      '[FLOW-03, FLOW-04] a slow reader forces pauseWriting, then drains: 50 MiB, no byte lost (sha256)',
      async (t) => {
        const total = 50 * 1024 * 1024;
        await t.run(
          async () => {
            const loop = t.loop;
            const serverHash = createHash('sha256');
            const done = loop.createFuture<void>();
            const pair = await connectPair(t, 'ipv4', () => {
              const r = new Recorder(loop);
              let nextPause = 1024 * 1024;
              r.onData = (d) => {
                serverHash.update(d);
                r.chunks.length = 0;
                if (r.received >= nextPause) {
                  nextPause += 1024 * 1024;
                  r.transport?.pauseReading();
                  loop.callLater(0.002, () => r.transport?.resumeReading());
                }
              };
              r.eof.addDoneCallback(() => done.setResult(undefined));
              return r;
            });
            const server = await pair.accepted;
            const client = pair.client;
            const proto = pair.clientProto;
            const gate: { resume: Future<void> | null } = { resume: null };
            let pauses = 0;
            let resumes = 0;
            proto.pauseWriting = () => {
              pauses++;
              gate.resume = loop.createFuture<void>();
            };
            proto.resumeWriting = () => {
              resumes++;
              gate.resume?.setResult(undefined);
              gate.resume = null;
            };
            const clientHash = createHash('sha256');
            let sent = 0;
            while (sent < total) {
              const chunk = randomBytes(Math.min(256 * 1024, total - sent));
              clientHash.update(chunk);
              client.write(chunk);
              sent += chunk.length;
              if (gate.resume !== null) await gate.resume;
            }
            client.writeEof();
            await done;
            expect(server.received).toBe(total);
            expect(serverHash.digest('hex')).toBe(clientHash.digest('hex'));
            expect(pauses).toBeGreaterThan(0);
            expect(resumes).toBe(pauses);
            await server.lost;
            await proto.lost;
            pair.stop();
          },
          { seconds: 120 },
        );
        t.loop.close();
      },
      { timeout: 150000 },
    );

    it('[test_data_received_error, TR-04] a protocol method that throws: the exception handler gets message, exception, protocol and transport; the transport closes; the loop and the server go on', async (t) => {
      const exceptions = t.expectExceptionHandlerCalls();
      const boom = new Error('boom');
      await t.run(async () => {
        let first = true;
        const pair = await connectPair(t, 'ipv4', () => {
          const r = new Recorder(t.loop);
          if (first) {
            first = false;
            r.onData = () => {
              throw boom;
            };
          } else {
            r.onData = (d) => r.transport?.write(d);
          }
          return r;
        });
        const server = await pair.accepted;
        pair.client.write(Buffer.from('trigger'));
        expect(await server.lost).toBe(boom);
        expect(server.transport?.isClosing()).toBe(true);
        expect(exceptions.length).toBe(1);
        expect(exceptions[0]?.message).toBe('Fatal error: protocol.dataReceived() call failed.');
        expect(exceptions[0]?.exception).toBe(boom);
        expect(exceptions[0]?.protocol).toBe(server);
        expect(exceptions[0]?.transport).toBe(server.transport);
        await pair.clientProto.lost;
        // The server still accepts and serves.
        const sock = await pair.backend.connectStream(pair.listener.getsockname(), { family: AF_INET });
        const proto = new Recorder(t.loop);
        const waiter = t.loop.createFuture<void>();
        const client2 = pair.backend.makeSocketTransport(sock, proto, waiter);
        await waiter;
        client2.write(Buffer.from('echo me'));
        await proto.bytes(7);
        expect(proto.data().toString()).toBe('echo me');
        client2.close();
        await proto.lost;
        await pair.servers[1]?.lost;
        pair.stop();
      });
      t.loop.close();
    });

    it('[test_read_eof_received_error, test_get_buffer_zerosized, TR-04, TR-15, FLOW-07] eofReceived that throws, getBuffer returning an empty buffer, pauseWriting that throws: asyncio\'s messages, with protocol and transport', async (t) => {
      const exceptions = t.expectExceptionHandlerCalls();
      await t.run(async () => {
        // 1. eofReceived throws: a fatal error, the transport closes with it.
        const eofBoom = new Error('eof boom');
        const pair = await connectPair(t, 'ipv4', () => {
          const r = new Recorder(t.loop);
          r.eofReceived = () => {
            throw eofBoom;
          };
          return r;
        });
        const server = await pair.accepted;
        pair.client.writeEof();
        expect(await server.lost).toBe(eofBoom);
        expect(exceptions[0]?.message).toBe('Fatal error: protocol.eofReceived() call failed.');
        expect(exceptions[0]?.protocol).toBe(server);
        expect(exceptions[0]?.transport).toBe(server.transport);
        await pair.clientProto.lost;
        pair.stop();

        // 2. getBuffer returns an empty buffer: a fatal error before any read.
        class Empty extends BufferedProtocol {
          readonly lost: Future<Error | null>;
          constructor(loop: NetLoop) {
            super();
            this.lost = loop.createFuture();
          }
          override getBuffer(): Uint8Array {
            return new Uint8Array(0);
          }
          override connectionLost(exc: Error | null): void {
            this.lost.setResult(exc);
          }
        }
        const pair2 = await connectPair(t, 'ipv4', () => new Empty(t.loop));
        const empty = await pair2.accepted;
        // A readiness loop asks for a buffer only once data is there (asyncio's
        // _read_ready__get_buffer); a completion loop asks before reading.
        pair2.client.write(Buffer.from('x'));
        const exc = await empty.lost;
        expect(exc).toBeInstanceOf(Error);
        expect(exceptions[1]?.message).toBe('Fatal error: protocol.getBuffer() call failed.');
        expect(exceptions[1]?.protocol).toBe(empty);
        await pair2.clientProto.lost;
        pair2.stop();

        // 3. pauseWriting throws: reported, the transport stays open.
        const pair3 = await connectPair(t, 'ipv4', () => pausedRecorder(t.loop));
        const server3 = await pair3.accepted;
        const pauseBoom = new Error('pause boom');
        pair3.clientProto.pauseWriting = () => {
          throw pauseBoom;
        };
        await stall(t.loop, pair3.client);
        pair3.client.setWriteBufferLimits({ high: 0 });
        expect(exceptions[2]?.message).toBe('protocol.pauseWriting() failed');
        expect(exceptions[2]?.exception).toBe(pauseBoom);
        expect(exceptions[2]?.transport).toBe(pair3.client);
        expect(exceptions[2]?.protocol).toBe(pair3.clientProto);
        expect(pair3.client.isClosing()).toBe(false);
        pair3.client.abort();
        await pair3.clientProto.lost;
        server3.transport?.close();
        await server3.lost;
        pair3.stop();
        expect(exceptions.length).toBe(3);
      });
      t.loop.close();
    });

    it('[TR-16] setProtocol switches the protocol that receives data', async (t) => {
      await t.run(async () => {
        const pair = await connectPair(t, 'unix', () => new Recorder(t.loop));
        const server = await pair.accepted;
        const second = new Recorder(t.loop);
        pair.client.setProtocol(second);
        expect(pair.client.getProtocol()).toBe(second);
        server.transport?.write(Buffer.from('to the second protocol'));
        await second.bytes(22);
        expect(pair.clientProto.received).toBe(0);
        pair.client.close();
        expect(await second.lost).toBeNull();
        await server.lost;
        pair.stop();
      });
      t.loop.close();
    });
  });
}
