/**
 * The datagram transport suite: what every backend's datagram transport does
 * (asyncio's `_SelectorDatagramTransport` / `_ProactorDatagramTransport`;
 * the oracle is CPython's `test_selector_events` / `test_proactor_events`
 * datagram tests).
 *
 * HOW: written against the backend contract only — `getBackend(t.loop)`,
 * `openDatagram` then `makeDatagramTransport` — so any loop with a backend
 * runs it. Real UDP sockets on 127.0.0.1 and ::1.
 *
 * A loop on `@loop/socket` (the selector: it has `addReader`) also runs
 * Unix datagram endpoints, whose sender is refused (`EAGAIN`) when the
 * receiver's queue is full: the only way to see the transport buffer. The
 * proactor refuses them (D30), which the same test checks.
 *
 * WHY: connected and unconnected endpoints differ in how `sendto` treats its
 * address, what `peername` is, and how an ICMP error comes back
 * (`errorReceived`, the endpoint staying open).
 *
 * @packageDocumentation
 */
import { expect } from 'expect';
import { describe } from '../runner.js';
import {
  DatagramProtocol,
  NotImplementedError,
  getBackend,
  hasCapability,
  type Address,
  type DatagramTransport,
  type FdMethods,
  type Future,
  type IoBackend,
  type SocketLike,
  type WriteTransport,
} from '@loop/interfaces';
import { AF_INET, AF_INET6, AF_UNIX } from '@loop/net';
import { SOCK_DGRAM, Socket } from '@loop/socket';
import { defineNetTest, type NetLoop, type NetLoopFactory } from './harness.js';

/**
 * asyncio's datagram transports have `_FlowControlMixin`'s limits; the
 * contract's `DatagramTransport` does not list them (reported to the lead),
 * so the suite reaches them through this type.
 */
type FlowDatagramTransport = DatagramTransport & Pick<WriteTransport, 'getWriteBufferLimits' | 'setWriteBufferLimits'>;

class Recorder extends DatagramProtocol {
  readonly events: string[] = [];
  readonly received: [string, Address][] = [];
  readonly errors: Error[] = [];
  transport: DatagramTransport | null = null;
  readonly lost: Future<Error | null>;
  readonly #loop: NetLoop;
  #want: { n: number; fut: Future<void> } | null = null;
  #wantError: Future<Error> | null = null;
  echo = false;

  constructor(loop: NetLoop) {
    super();
    this.#loop = loop;
    this.lost = loop.createFuture();
  }

  override connectionMade(t: DatagramTransport): void {
    this.events.push('connectionMade');
    this.transport = t;
  }

  override datagramReceived(data: Buffer, addr: Address): void {
    if (this.events[this.events.length - 1] !== 'datagramReceived') this.events.push('datagramReceived');
    this.received.push([data.toString(), addr]);
    if (this.echo) this.transport?.sendto(data, addr);
    if (this.#want !== null && this.received.length >= this.#want.n) {
      this.#want.fut.setResult(undefined);
      this.#want = null;
    }
  }

  override errorReceived(exc: Error): void {
    this.events.push('errorReceived');
    this.errors.push(exc);
    this.#wantError?.setResult(exc);
    this.#wantError = null;
  }

  override connectionLost(exc: Error | null): void {
    this.events.push('connectionLost');
    this.lost.setResult(exc);
  }

  override pauseWriting(): void {
    this.events.push('pauseWriting');
  }

  override resumeWriting(): void {
    this.events.push('resumeWriting');
  }

  datagrams(n: number): Future<void> {
    const fut = this.#loop.createFuture<void>();
    if (this.received.length >= n) fut.setResult(undefined);
    else this.#want = { n, fut };
    return fut;
  }

  error(): Future<Error> {
    const fut = this.#loop.createFuture<Error>();
    this.#wantError = fut;
    return fut;
  }
}

async function endpoint(
  loop: NetLoop,
  options: { family: number; localAddr?: Address; remoteAddr?: Address },
  proto: Recorder,
): Promise<{ sock: SocketLike; transport: DatagramTransport }> {
  const backend = getBackend(loop) as IoBackend;
  const sock = await backend.openDatagram(options);
  const waiter = loop.createFuture<void>();
  const transport = backend.makeDatagramTransport(sock, proto, options.remoteAddr ?? null, waiter);
  await waiter;
  return { sock, transport };
}

async function sleep(loop: NetLoop, seconds: number): Promise<void> {
  const fut = loop.createFuture<void>();
  loop.callLater(seconds, () => fut.setResult(undefined));
  await fut;
}

/** The datagram transport behaviours, run against `newLoop`'s backend. */
export function datagramTransportSuite(newLoop: NetLoopFactory): void {
  describe('datagram transport (backend contract)', () => {
    const it = defineNetTest(newLoop);

    for (const [name, family, host] of [
      ['IPv4', AF_INET, '127.0.0.1'],
      ['IPv6', AF_INET6, '::1'],
    ] as const) {
      it(`[DGRAM-01, TR-01] ${name}: an unconnected server echoes a connected client; addresses and extra info`, async (t) => {
        await t.run(async () => {
          const loop = t.loop;
          const serverProto = new Recorder(loop);
          serverProto.echo = true;
          const server = await endpoint(loop, { family, localAddr: [host, 0] }, serverProto);
          const serverAddr = server.sock.getsockname();
          expect(server.transport.getExtraInfo('peername')).toBeNull();
          expect(server.transport.getExtraInfo('sockname')).toEqual(serverAddr);
          expect(server.transport.getExtraInfo('socket')).toBe(server.sock);
          const clientProto = new Recorder(loop);
          const client = await endpoint(loop, { family, remoteAddr: serverAddr }, clientProto);
          expect(client.transport.getExtraInfo('peername')).toEqual(serverAddr);
          const clientAddr = client.sock.getsockname();
          client.transport.sendto(Buffer.from('one'));
          client.transport.sendto(Buffer.from('two'), serverAddr);
          await clientProto.datagrams(2);
          expect(clientProto.received.map(([d]) => d).sort()).toEqual(['one', 'two']);
          expect(clientProto.received[0]?.[1]).toEqual(serverAddr);
          expect(serverProto.received.map(([, a]) => a)).toEqual([clientAddr, clientAddr]);
          expect(client.transport.getWriteBufferSize()).toBe(0);
          client.transport.close();
          server.transport.close();
          expect(client.transport.isClosing()).toBe(true);
          expect(await clientProto.lost).toBeNull();
          expect(await serverProto.lost).toBeNull();
          expect(clientProto.events).toEqual(['connectionMade', 'datagramReceived', 'connectionLost']);
          expect(serverProto.events).toEqual(['connectionMade', 'datagramReceived', 'connectionLost']);
        });
        t.loop.close();
      });
    }

    it('[DGRAM-01, DGRAM-07] unconnected client: sendto(data, addr) reaches the server, replies come back with the server address', async (t) => {
      await t.run(async () => {
        const loop = t.loop;
        const serverProto = new Recorder(loop);
        serverProto.echo = true;
        const server = await endpoint(loop, { family: AF_INET, localAddr: ['127.0.0.1', 0] }, serverProto);
        const clientProto = new Recorder(loop);
        const client = await endpoint(loop, { family: AF_INET, localAddr: ['127.0.0.1', 0] }, clientProto);
        const serverAddr = server.sock.getsockname();
        for (let i = 0; i < 20; i++) client.transport.sendto(Buffer.from(`d${i}`), serverAddr);
        await clientProto.datagrams(20);
        expect(clientProto.received.map(([d]) => d).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `d${i}`).sort());
        expect(clientProto.received.every(([, a]) => JSON.stringify(a) === JSON.stringify(serverAddr))).toBe(true);
        client.transport.abort();
        client.transport.abort();
        server.transport.close();
        expect(await clientProto.lost).toBeNull();
        await serverProto.lost;
      });
      t.loop.close();
    });

    it('[DGRAM-07] connected endpoint: sendto with another address is a RangeError; a string is a TypeError; writes after close are dropped', async (t) => {
      await t.run(async () => {
        const loop = t.loop;
        const serverProto = new Recorder(loop);
        const server = await endpoint(loop, { family: AF_INET, localAddr: ['127.0.0.1', 0] }, serverProto);
        const serverAddr = server.sock.getsockname() as [string, number];
        const clientProto = new Recorder(loop);
        const client = await endpoint(loop, { family: AF_INET, remoteAddr: serverAddr }, clientProto);
        expect(() => client.transport.sendto(Buffer.from('x'), ['127.0.0.1', serverAddr[1] === 1 ? 2 : 1])).toThrow(RangeError);
        expect(() => client.transport.sendto(Buffer.from('x'), ['127.0.0.1', serverAddr[1] === 1 ? 2 : 1])).toThrow(/Invalid address: must be None or/);
        expect(() => client.transport.sendto('text' as unknown as Uint8Array)).toThrow(TypeError);
        client.transport.sendto(Buffer.alloc(0));
        client.transport.close();
        client.transport.close();
        client.transport.sendto(Buffer.from('after close'));
        expect(await clientProto.lost).toBeNull();
        for (let i = 0; i < 6; i++) client.transport.sendto(Buffer.from('after lost'));
        await sleep(loop, 0.05);
        expect(serverProto.received).toEqual([]);
        server.transport.close();
        await serverProto.lost;
      });
      t.loop.close();
    });

    it('[DGRAM-08] errorReceived: a connected endpoint sending to a closed port gets ECONNREFUSED and stays open', async (t) => {
      await t.run(async () => {
        const loop = t.loop;
        const backend = getBackend(loop) as IoBackend;
        // A port that was just free: bind, note it, close.
        const probe = await backend.openDatagram({ family: AF_INET, localAddr: ['127.0.0.1', 0] });
        const dead = probe.getsockname();
        probe.close();
        const proto = new Recorder(loop);
        const client = await endpoint(loop, { family: AF_INET, remoteAddr: dead }, proto);
        const error = proto.error();
        const send = (): void => {
          if (error.done() || client.transport.isClosing()) return;
          client.transport.sendto(Buffer.from('anyone?'));
          loop.callLater(0.01, send);
        };
        send();
        const exc = await error;
        expect((exc as Error & { code?: string }).code).toBe('ECONNREFUSED');
        expect(client.transport.isClosing()).toBe(false);
        expect(proto.events).not.toContain('connectionLost');
        client.transport.close();
        expect(await proto.lost).toBeNull();
      });
      t.loop.close();
    });

    it('[DGRAM-12] datagramReceived that throws: the loop reports it as a callback exception and the endpoint stays open (as asyncio)', async (t) => {
      const exceptions = t.expectExceptionHandlerCalls();
      const boom = new Error('boom');
      await t.run(async () => {
        const loop = t.loop;
        const serverProto = new Recorder(loop);
        let first = true;
        const record = serverProto.datagramReceived.bind(serverProto);
        serverProto.datagramReceived = (data, addr) => {
          if (first) {
            first = false;
            throw boom;
          }
          record(data, addr);
        };
        const server = await endpoint(loop, { family: AF_INET, localAddr: ['127.0.0.1', 0] }, serverProto);
        const clientProto = new Recorder(loop);
        const client = await endpoint(loop, { family: AF_INET, remoteAddr: server.sock.getsockname() }, clientProto);
        client.transport.sendto(Buffer.from('first'));
        for (let i = 0; i < 1000 && exceptions.length === 0; i++) await sleep(loop, 0.01);
        expect(exceptions.length).toBe(1);
        expect(exceptions[0]?.exception).toBe(boom);
        expect(server.transport.isClosing()).toBe(false);
        client.transport.sendto(Buffer.from('second'));
        await serverProto.datagrams(1);
        expect(serverProto.received[0]?.[0]).toBe('second');
        client.transport.close();
        server.transport.close();
        await clientProto.lost;
        await serverProto.lost;
      });
      t.loop.close();
    });

    it('[FLOW-01, FLOW-02, FLOW-08, DGRAM-09] flow control: limits default to [16 KiB, 64 KiB]; pauseWriting and resumeWriting come in pairs and the buffer drains', async (t) => {
      await t.run(async () => {
        const loop = t.loop;
        const serverProto = new Recorder(loop);
        const server = await endpoint(loop, { family: AF_INET, localAddr: ['127.0.0.1', 0] }, serverProto);
        const clientProto = new Recorder(loop);
        const client = await endpoint(loop, { family: AF_INET, remoteAddr: server.sock.getsockname() }, clientProto);
        const flowTransport = client.transport as FlowDatagramTransport;
        expect(flowTransport.getWriteBufferLimits()).toEqual([16 * 1024, 64 * 1024]);
        expect(() => flowTransport.setWriteBufferLimits({ high: 1, low: 2 })).toThrow(RangeError);
        flowTransport.setWriteBufferLimits({ high: 0 });
        for (let i = 0; i < 50; i++) client.transport.sendto(Buffer.alloc(1000, i));
        for (let i = 0; i < 1000 && client.transport.getWriteBufferSize() > 0; i++) await sleep(loop, 0.01);
        await sleep(loop, 0.01);
        expect(client.transport.getWriteBufferSize()).toBe(0);
        const flow = clientProto.events.filter((e) => e === 'pauseWriting' || e === 'resumeWriting');
        for (let i = 0; i < flow.length; i++) expect(flow[i]).toBe(i % 2 === 0 ? 'pauseWriting' : 'resumeWriting');
        expect(flow.length % 2).toBe(0);
        client.transport.close();
        server.transport.close();
        await clientProto.lost;
        await serverProto.lost;
      });
      t.loop.close();
    });

    it('[DGRAM-07, DGRAM-09, DGRAM-08] Unix datagrams: a full receiver queue buffers (copies), pauses and resumes writing, delivers all in order; a gone peer is ECONNREFUSED', async (t) => {
      await t.run(async () => {
        const loop = t.loop;
        const backend = getBackend(loop) as IoBackend;
        const path = t.path('dgram-queue.sock');
        if (!hasCapability(loop, 'addReader')) {
          // D30: Node's dgram has no Unix datagram sockets.
          await expect(backend.openDatagram({ family: AF_UNIX, remoteAddr: path })).rejects.toThrow(NotImplementedError);
          return;
        }
        // The receiver: a plain socket the test reads only when it wants to.
        const sink = new Socket(AF_UNIX, SOCK_DGRAM);
        sink.bind(path);
        const proto = new Recorder(loop);
        const client = await endpoint(loop, { family: AF_UNIX, remoteAddr: path }, proto);
        const flow = client.transport as FlowDatagramTransport;
        flow.setWriteBufferLimits({ high: 8 * 1024, low: 2 * 1024 });
        let sent = 0;
        const reused = Buffer.alloc(1000);
        while (client.transport.getWriteBufferSize() <= 8 * 1024 && sent < 100000) {
          reused.fill(sent & 0xff);
          reused.writeUInt32BE(sent, 0);
          client.transport.sendto(reused);
          sent++;
        }
        // Buffered datagrams are copies: scribbling on the caller's buffer changes nothing.
        reused.fill(0xee);
        expect(client.transport.getWriteBufferSize()).toBeGreaterThan(8 * 1024);
        expect(proto.events).toEqual(['connectionMade', 'pauseWriting']);
        const got: number[] = [];
        for (let i = 0; i < 2000 && got.length < sent; i++) {
          for (let d = sink.tryRecvfrom(2000); d !== null; d = sink.tryRecvfrom(2000)) {
            const n = d[0].readUInt32BE(0);
            expect(d[0].length).toBe(1000);
            expect(d[0][999]).toBe(n & 0xff);
            got.push(n);
          }
          await sleep(loop, 0.001);
        }
        expect(got).toEqual(Array.from({ length: sent }, (_, i) => i));
        expect(client.transport.getWriteBufferSize()).toBe(0);
        expect(proto.events).toEqual(['connectionMade', 'pauseWriting', 'resumeWriting']);
        // The receiver goes away: the next send is refused, reported to errorReceived, and the endpoint stays open.
        sink.close();
        client.transport.sendto(Buffer.from('anyone?'));
        expect(proto.errors.length).toBe(1);
        expect((proto.errors[0] as Error & { code?: string }).code).toBe('ECONNREFUSED');
        expect(client.transport.isClosing()).toBe(false);
        client.transport.close();
        expect(await proto.lost).toBeNull();
        expect(proto.events).toEqual(['connectionMade', 'pauseWriting', 'resumeWriting', 'errorReceived', 'connectionLost']);
      });
      t.loop.close();
    });

    it('an address of the wrong shape, or none on an unconnected endpoint, is thrown to the caller and the endpoint stays open (D65)', async (t) => {
      await t.run(async () => {
        const loop = t.loop;
        const serverProto = new Recorder(loop);
        const server = await endpoint(loop, { family: AF_INET, localAddr: ['127.0.0.1', 0] }, serverProto);
        expect(() => server.transport.sendto(Buffer.from('x'), '/not/an/inet/address')).toThrow(TypeError);
        expect(() => server.transport.sendto(Buffer.from('x'))).toThrow(TypeError);
        expect(server.transport.isClosing()).toBe(false);
        // Still usable: it talks to itself.
        server.transport.sendto(Buffer.from('self'), server.sock.getsockname());
        await serverProto.datagrams(1);
        expect(serverProto.received[0]?.[0]).toBe('self');
        server.transport.close();
        expect(await serverProto.lost).toBeNull();
        expect(serverProto.events).toEqual(['connectionMade', 'datagramReceived', 'connectionLost']);
      });
      t.loop.close();
    });

    it('[IO-07, TR-11] a readiness loop: the transport owns its descriptor (addReader is refused until the transport closes) and the socket is closed after connectionLost', async (t) => {
      await t.run(async () => {
        const loop = t.loop;
        const proto = new Recorder(loop);
        const ep = await endpoint(loop, { family: AF_INET, localAddr: ['127.0.0.1', 0] }, proto);
        const fd = ep.sock.fileno();
        if (!hasCapability(loop, 'addReader')) {
          // The proactor has no fd watching to collide with.
          ep.transport.close();
          await proto.lost;
          return;
        }
        const fdLoop = loop as NetLoop & FdMethods;
        expect(() => fdLoop.addReader(fd, () => undefined)).toThrow(/is used by transport/);
        expect(() => fdLoop.removeWriter(fd)).toThrow(expect.objectContaining({ code: 'ERR_LOOP_FD_IN_USE' }));
        ep.transport.close();
        // Closing: the descriptor is no longer guarded (asyncio checks is_closing()).
        expect(fdLoop.removeReader(fd)).toBe(false);
        expect(await proto.lost).toBeNull();
        expect(ep.sock.fileno()).toBe(-1);
      });
      t.loop.close();
    });
  });
}
