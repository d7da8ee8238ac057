/**
 * `createDatagramEndpoint` (asyncio's `test_base_events`
 * create_datagram_endpoint checks and `test_events` datagram parts): option
 * errors, unconnected and connected endpoints on IPv4 and IPv6,
 * `allowBroadcast`, an endpoint of a family with no address.
 *
 * HOW: a real "server" endpoint bound to port 0 answers each datagram to its
 * sender; clients send and wait for the answer.
 *
 * @packageDocumentation
 */
import { describe, expect } from '@jest/globals';
import { DatagramProtocol, type Address, type BaseTransport, type DatagramTransport, type Future, type SchedulingLoop } from '@loop/interfaces';
import { AF_INET, AF_INET6 } from '@loop/net';
import { foreignSocket } from './connection.suite.js';
import { defineNetTest, type NetLoopFactory } from './harness.js';

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

    it('option errors, as asyncio 3.11', async (t) => {
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
      it(`${host}: an unconnected endpoint sends with sendto(data, addr); a connected one with sendto(data)`, async (t) => {
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

    it('allowBroadcast with remoteAddr: sendto(data) goes to remoteAddr', async (t) => {
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

    it('a family and no address: an endpoint that can send anywhere', async (t) => {
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

    it('a host name is resolved for the local address', async (t) => {
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
