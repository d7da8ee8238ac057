/**
 * `createDatagramEndpoint` (asyncio's `test_base_events`
 * create_datagram_endpoint checks and `test_events` datagram parts): option
 * errors, unconnected and connected endpoints on IPv4 and IPv6,
 * `allowBroadcast`, an endpoint of a family with no address.
 *
 * HOW: a real "server" endpoint bound to port 0 answers each datagram to its
 * sender; clients send and wait for the answer.
 *
 * WHY the branches: Unix datagram endpoints and `reusePort` need a loop on
 * `@loop/socket` (the selector, which has `addReader`); the proactor, on
 * Node's `dgram`, refuses them with `NotImplementedError` (D28, D30), and
 * the same tests check that. An IPv4 / IPv6 `@loop/socket` socket given
 * with `sock` works on both (the proactor's `dgram` opens a duplicate, D84).
 *
 * @packageDocumentation
 */
import { expect } from 'expect';
import { describe } from '../runner.js';
import { readdirSync } from 'node:fs';
import { DatagramProtocol, NotImplementedError, hasCapability, type Address, type BaseTransport, type DatagramTransport, type Future, type SchedulingLoop } from '@loop/interfaces';
import { AF_INET, AF_INET6, AF_UNIX } from '@loop/net';
import { SOCK_DGRAM, SOL_SOCKET, SO_BROADCAST, SO_REUSEPORT, Socket } from '@loop/socket';
import { foreignSocket } from './connection.suite.js';
import { defineNetTest, type NetLoopFactory } from './harness.js';

/** The number of descriptors open in this process. */
function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Answers each datagram with `echo:` + the datagram, to its sender. */
class EchoDatagram extends DatagramProtocol {
  transport: DatagramTransport | null = null;
  override connectionMade(transport: BaseTransport): void {
    this.transport = transport as DatagramTransport;
  }
  override datagramReceived(data: Buffer, addr: Address): void {
    this.transport?.sendto(Buffer.concat([Buffer.from('echo:'), data]), addr);
  }
}

/** Records datagrams; `next()` resolves with the next one. */
class ClientDatagram extends DatagramProtocol {
  readonly received: [Buffer, Address][] = [];
  readonly lost: Future<Error | null>;
  #waiter: Future<[Buffer, Address]> | null = null;
  readonly #loop: SchedulingLoop;
  constructor(loop: SchedulingLoop) {
    super();
    this.#loop = loop;
    this.lost = loop.createFuture<Error | null>();
  }
  override datagramReceived(data: Buffer, addr: Address): void {
    this.received.push([data, addr]);
    if (this.#waiter !== null) {
      this.#waiter.setResult([data, addr]);
      this.#waiter = null;
    }
  }
  override connectionLost(exc: Error | null): void {
    this.lost.setResult(exc);
  }
  async next(): Promise<[Buffer, Address]> {
    const got = this.received.shift();
    if (got !== undefined) return got;
    this.#waiter = this.#loop.createFuture();
    const value = await this.#waiter;
    this.received.shift();
    return value;
  }
}

/** The `createDatagramEndpoint` suite. */
export function datagramSuite(newLoop: NetLoopFactory): void {
  describe('createDatagramEndpoint', () => {
    const it = defineNetTest(newLoop);

    it('null options are no options (as on every network method, see the createConnection suite)', async (t) => {
      await t.run(async () => {
        const [dgram] = await t.loop.createDatagramEndpoint(() => new DatagramProtocol(), ['127.0.0.1', 0], null, null);
        expect(dgram.getExtraInfo('sockname')).toEqual(['127.0.0.1', expect.any(Number)]);
        dgram.close();
      });
      t.loop.close();
    });

    it('[DGRAM-02, DGRAM-03, D92] option errors, as asyncio 3.11 (reuseAddress: true as 3.10, D92)', async (t) => {
      const loop = t.loop;
      const f = () => new DatagramProtocol();
      await t.run(async () => {
        await expect(loop.createDatagramEndpoint(f, ['127.0.0.1', 0], null, { reuseAddress: true })).rejects.toThrow(
          /^Passing `reuseAddress: true` is no longer supported, as the usage of SO_REUSEPORT in UDP poses a significant security concern\.$/,
        );
        await expect(loop.createDatagramEndpoint(f)).rejects.toThrow(new RangeError('unexpected address family'));
        await expect(loop.createDatagramEndpoint(f, null, null, { sock: foreignSocket(2), family: AF_INET })).rejects.toThrow(
          'socket modifier keyword arguments can not be used when sock is specified. (family=2)',
        );
        await expect(loop.createDatagramEndpoint(f, null, null, { sock: foreignSocket(1) })).rejects.toThrow(/^A UDP Socket was expected/);
        await expect(loop.createDatagramEndpoint(f, ['127.0.0.1', 0, 0] as never)).rejects.toThrow(new TypeError('2-tuple is expected'));
        await expect(loop.createDatagramEndpoint(f, ['127.0.0.1', 0], ['::1', 9])).rejects.toThrow(
          new RangeError('can not get address information'),
        );
      });
      loop.close();
    });

    for (const [host, family] of [
      ['127.0.0.1', AF_INET],
      ['::1', AF_INET6],
    ] as const) {
      it(`[test_create_datagram_endpoint, test_create_datagram_endpoint_ipv6, DGRAM-01] ${host}: an unconnected endpoint sends with sendto(data, addr); a connected one with sendto(data)`, async (t) => {
        const loop = t.loop;
        await t.run(async () => {
          const [server] = await loop.createDatagramEndpoint(() => new EchoDatagram(), [host, 0]);
          const serverAddr = server.getExtraInfo('sockname') as [string, number];
          expect(serverAddr[0]).toBe(host);
          expect((server.getExtraInfo('socket') as { family: number }).family).toBe(family);

          const [open, openClient] = await loop.createDatagramEndpoint(() => new ClientDatagram(loop), [host, 0]);
          open.sendto(Buffer.from('one'), [host, serverAddr[1]]);
          const [data, from] = await openClient.next();
          expect(data.toString()).toBe('echo:one');
          expect((from as [string, number]).slice(0, 2)).toEqual([host, serverAddr[1]]);

          const [connected, connectedClient] = await loop.createDatagramEndpoint(() => new ClientDatagram(loop), null, [host, serverAddr[1]]);
          expect((connected.getExtraInfo('peername') as [string, number]).slice(0, 2)).toEqual([host, serverAddr[1]]);
          connected.sendto(Buffer.from('two'));
          expect((await connectedClient.next())[0].toString()).toBe('echo:two');

          for (const [transport, p] of [
            [open, openClient],
            [connected, connectedClient],
          ] as const) {
            transport.close();
            expect(await p.lost).toBeNull();
          }
          server.close();
          await new Promise((r) => setImmediate(r));
        });
        loop.close();
      });
    }

    it('[test_create_datagram_endpoint_allow_broadcast, DGRAM-04] allowBroadcast with remoteAddr: sendto(data) goes to remoteAddr', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const [server] = await loop.createDatagramEndpoint(() => new EchoDatagram(), ['127.0.0.1', 0]);
        const port = (server.getExtraInfo('sockname') as [string, number])[1];
        const [client, p] = await loop.createDatagramEndpoint(() => new ClientDatagram(loop), ['0.0.0.0', 0], ['127.0.0.1', port], {
          allowBroadcast: true,
        });
        client.sendto(Buffer.from('b'));
        expect((await p.next())[0].toString()).toBe('echo:b');
        client.close();
        await p.lost;
        server.close();
      });
      loop.close();
    });

    it('[DGRAM-13] a family and no address: an endpoint that can send anywhere', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const [server] = await loop.createDatagramEndpoint(() => new EchoDatagram(), ['127.0.0.1', 0]);
        const port = (server.getExtraInfo('sockname') as [string, number])[1];
        const [client, p] = await loop.createDatagramEndpoint(() => new ClientDatagram(loop), null, null, { family: AF_INET });
        client.sendto(Buffer.from('any'), ['127.0.0.1', port]);
        expect((await p.next())[0].toString()).toBe('echo:any');
        client.close();
        await p.lost;
        server.close();
      });
      loop.close();
    });

    /** Whether the loop's datagram sockets are `@loop/socket` sockets (the selector loop), not Node's `dgram` (D28, D30). */
    const onLoopSocket = (loop: SchedulingLoop): boolean => hasCapability(loop, 'addReader');

    it('[test_create_datagram_endpoint_existing_sock_unix, DGRAM-06] Unix datagram endpoints with paths: addresses are paths; a stale socket file is replaced (D30 on the proactor)', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const srvPath = t.path('dgram-srv.sock');
        const cliPath = t.path('dgram-cli.sock');
        if (!onLoopSocket(loop)) {
          const err = await loop.createDatagramEndpoint(() => new EchoDatagram(), srvPath, null, { family: AF_UNIX }).catch((e: unknown) => e);
          expect(err).toBeInstanceOf(NotImplementedError);
          expect((err as Error).message).toContain('@loop/socket');
          return;
        }
        const fdsBefore = openFds();
        const missing = await loop.createDatagramEndpoint(() => new EchoDatagram(), null, t.path('nobody.sock'), { family: AF_UNIX }).catch((e: unknown) => e);
        expect((missing as { code?: string }).code).toBe('ENOENT');
        expect(openFds()).toBe(fdsBefore);
        const [server] = await loop.createDatagramEndpoint(() => new EchoDatagram(), srvPath, null, { family: AF_UNIX });
        expect(server.getExtraInfo('sockname')).toBe(srvPath);
        expect(server.getExtraInfo('peername')).toBeNull();
        expect((server.getExtraInfo('socket') as Socket).family).toBe(AF_UNIX);
        const [client, p] = await loop.createDatagramEndpoint(() => new ClientDatagram(loop), cliPath, srvPath, { family: AF_UNIX });
        expect(client.getExtraInfo('sockname')).toBe(cliPath);
        expect(client.getExtraInfo('peername')).toBe(srvPath);
        client.sendto(Buffer.from('u1'));
        client.sendto(Buffer.from('u2'), srvPath);
        expect(() => client.sendto(Buffer.from('u3'), cliPath)).toThrow(RangeError);
        const [d1, a1] = await p.next();
        const [d2] = await p.next();
        expect([d1.toString(), d2.toString()]).toEqual(['echo:u1', 'echo:u2']);
        expect(a1).toBe(srvPath);
        client.close();
        expect(await p.lost).toBeNull();
        server.close();
        await new Promise((r) => setImmediate(r));
        // The socket files stay; binding the same path again removes the stale one first (asyncio's check).
        const [again] = await loop.createDatagramEndpoint(() => new EchoDatagram(), srvPath, null, { family: AF_UNIX });
        expect(again.getExtraInfo('sockname')).toBe(srvPath);
        again.close();
        await new Promise((r) => setImmediate(r));
        expect(openFds()).toBe(fdsBefore);
      });
      loop.close();
    });

    it('[test_create_datagram_endpoint_sock_unix, DGRAM-06] Unix datagram endpoints with abstract names; an unbound sender has no address (null, Python None)', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const name = `\0loop-dgram-${process.pid}-${Math.random().toString(36).slice(2)}`;
        if (!onLoopSocket(loop)) {
          await expect(loop.createDatagramEndpoint(() => new EchoDatagram(), name, null, { family: AF_UNIX })).rejects.toThrow(NotImplementedError);
          return;
        }
        const [server, sp] = await loop.createDatagramEndpoint(() => new ClientDatagram(loop), name, null, { family: AF_UNIX });
        expect(server.getExtraInfo('sockname')).toBe(name);
        const [client, cp] = await loop.createDatagramEndpoint(() => new ClientDatagram(loop), null, name, { family: AF_UNIX });
        client.sendto(Buffer.from('anonymous'));
        const [data, from] = await sp.next();
        expect(data.toString()).toBe('anonymous');
        expect(from).toBeNull();
        server.sendto(Buffer.from('named'), name);
        expect((await sp.next())[0].toString()).toBe('named');
        client.close();
        server.close();
        expect(await cp.lost).toBeNull();
        expect(await sp.lost).toBeNull();
      });
      loop.close();
    });

    it('[test_create_datagram_endpoint_sockopts, DGRAM-04] reusePort: two endpoints share one address with SO_REUSEPORT; without it the second fails with EADDRINUSE (D28 on the proactor)', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        if (!onLoopSocket(loop)) {
          const err = await loop.createDatagramEndpoint(() => new EchoDatagram(), ['127.0.0.1', 0], null, { reusePort: true }).catch((e: unknown) => e);
          expect(err).toBeInstanceOf(NotImplementedError);
          expect((err as Error).message).toContain('@loop/socket');
          return;
        }
        const fdsBefore = openFds();
        const [first] = await loop.createDatagramEndpoint(() => new EchoDatagram(), ['127.0.0.1', 0], null, { reusePort: true });
        const addr = first.getExtraInfo('sockname') as [string, number];
        expect((first.getExtraInfo('socket') as Socket).getsockopt(SOL_SOCKET, SO_REUSEPORT)).toBe(1);
        const [second] = await loop.createDatagramEndpoint(() => new EchoDatagram(), addr, null, { reusePort: true });
        expect(second.getExtraInfo('sockname')).toEqual(addr);
        const err = await loop.createDatagramEndpoint(() => new EchoDatagram(), addr).catch((e: unknown) => e);
        expect((err as { code?: string }).code).toBe('EADDRINUSE');
        // Either endpoint may get a datagram: both answer.
        const [client, p] = await loop.createDatagramEndpoint(() => new ClientDatagram(loop), null, addr);
        client.sendto(Buffer.from('r'));
        expect((await p.next())[0].toString()).toBe('echo:r');
        for (const tr of [client, first, second]) tr.close();
        await p.lost;
        await new Promise((r) => setImmediate(r));
        // The socket of the failed bind was closed too.
        expect(openFds()).toBe(fdsBefore);
      });
      loop.close();
    });

    it('[test_create_datagram_endpoint_sockopts, DGRAM-04] allowBroadcast sets SO_BROADCAST on the socket', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const [tr] = await loop.createDatagramEndpoint(() => new EchoDatagram(), ['127.0.0.1', 0], null, { allowBroadcast: true });
        const [plain] = await loop.createDatagramEndpoint(() => new EchoDatagram(), ['127.0.0.1', 0]);
        if (onLoopSocket(loop)) {
          // The proactor's Node dgram socket has no getsockopt to look with.
          expect((tr.getExtraInfo('socket') as Socket).getsockopt(SOL_SOCKET, SO_BROADCAST)).toBe(1);
          expect((plain.getExtraInfo('socket') as Socket).getsockopt(SOL_SOCKET, SO_BROADCAST)).toBe(0);
        }
        tr.close();
        plain.close();
        await new Promise((r) => setImmediate(r));
      });
      loop.close();
    });

    it('[test_create_datagram_endpoint_sock, DGRAM-02] sock: a @loop/socket datagram socket (IPv4, IPv6) given by the caller is made non-blocking and used as is; closing closes it, no descriptor left, the port free again', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        for (const [family, host] of [
          [AF_INET, '127.0.0.1'],
          [AF_INET6, '::1'],
        ] as const) {
          const [server] = await loop.createDatagramEndpoint(() => new EchoDatagram(), [host, 0]);
          const before = openFds();
          const sock = new Socket(family, SOCK_DGRAM);
          sock.setblocking(true);
          sock.bind([host, 0]);
          const name = sock.getsockname();
          const [tr, p] = await loop.createDatagramEndpoint(() => new ClientDatagram(loop), null, null, { sock });
          expect(tr.getExtraInfo('socket')).toBe(sock);
          expect(tr.getExtraInfo('sockname')).toEqual(name);
          expect(tr.getExtraInfo('peername')).toBeNull();
          expect(sock.getblocking()).toBe(false);
          tr.sendto(Buffer.from('mine'), server.getExtraInfo('sockname'));
          const [data, from] = await p.next();
          expect(data.toString()).toBe('echo:mine');
          expect(from).toEqual(server.getExtraInfo('sockname'));
          // Without an address, an unconnected endpoint refuses to send.
          expect(() => tr.sendto(Buffer.from('x'))).toThrow(TypeError);
          tr.close();
          expect(await p.lost).toBeNull();
          expect(sock.fileno()).toBe(-1);
          expect(openFds()).toBe(before);
          const again = new Socket(family, SOCK_DGRAM);
          again.bind(name);
          again.close();
          server.close();
          await new Promise((r) => setImmediate(r));
        }
      });
      loop.close();
    });

    it('[DGRAM-02] sock: a connected @loop/socket datagram socket keeps its peer: peername, sendto() without an address, answers from the peer', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const [server] = await loop.createDatagramEndpoint(() => new EchoDatagram(), ['127.0.0.1', 0]);
        const sock = new Socket(AF_INET, SOCK_DGRAM);
        sock.connect(server.getExtraInfo('sockname') as Address);
        const [tr, p] = await loop.createDatagramEndpoint(() => new ClientDatagram(loop), null, null, { sock });
        expect(tr.getExtraInfo('peername')).toEqual(server.getExtraInfo('sockname'));
        tr.sendto(Buffer.from('connected'));
        const [data, from] = await p.next();
        expect(data.toString()).toBe('echo:connected');
        expect(from).toEqual(server.getExtraInfo('sockname'));
        tr.close();
        expect(await p.lost).toBeNull();
        expect(sock.fileno()).toBe(-1);
        server.close();
        await new Promise((r) => setImmediate(r));
      });
      loop.close();
    });

    it('[DGRAM-02, DGRAM-06] sock: a Unix datagram @loop/socket socket works on a loop on @loop/socket; the proactor refuses it with NotImplementedError (D30) and leaves it open', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const sock = new Socket(AF_UNIX, SOCK_DGRAM);
        sock.bind(t.path('given.dgram'));
        if (!onLoopSocket(loop)) {
          const err = await loop.createDatagramEndpoint(() => new ClientDatagram(loop), null, null, { sock }).catch((e: unknown) => e);
          expect(err).toBeInstanceOf(NotImplementedError);
          expect((err as Error).message).toContain('@loop/selector');
          expect(sock.fileno()).not.toBe(-1);
          sock.close();
          return;
        }
        const peer = new Socket(AF_UNIX, SOCK_DGRAM);
        peer.bind(t.path('peer.dgram'));
        const [tr, p] = await loop.createDatagramEndpoint(() => new ClientDatagram(loop), null, null, { sock });
        peer.sendto(Buffer.from('unix'), t.path('given.dgram'));
        const [data, from] = await p.next();
        expect(data.toString()).toBe('unix');
        expect(from).toBe(t.path('peer.dgram'));
        tr.close();
        await p.lost;
        expect(sock.fileno()).toBe(-1);
        peer.close();
      });
      loop.close();
    });

    it('[DGRAM-13] a host name is resolved for the local address', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const [server] = await loop.createDatagramEndpoint(() => new EchoDatagram(), ['localhost', 0], null, { family: AF_INET });
        expect((server.getExtraInfo('sockname') as [string, number])[0]).toBe('127.0.0.1');
        server.close();
      });
      loop.close();
    });
  });
}
