// Quick tests of the proactor backend used directly (the behaviour suites
// live in @loop/conformance): real sockets on 127.0.0.1, ::1 and a Unix path.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BufferedProtocol,
  DatagramProtocol,
  NotImplementedError,
  Protocol,
  RuntimeError,
  getBackend,
  hasCapability,
  type Address,
  type DatagramTransport,
  type IoBackend,
  type SocketLike,
  type Transport,
} from '@loop/interfaces';
import { AF_INET, AF_INET6, AF_UNIX, ProactorEventLoop, ProactorSocket, SOCK_STREAM } from '../src/index.js';
import { EchoServer, Hooks } from './helpers.js';

class BufferedEcho extends BufferedProtocol {
  transport: Transport | null = null;
  readonly buf = Buffer.alloc(7);
  override connectionMade(t: Transport): void {
    this.transport = t;
  }
  override getBuffer(): Uint8Array {
    return this.buf;
  }
  override bufferUpdated(n: number): void {
    this.transport?.write(this.buf.subarray(0, n));
  }
}

class Client extends Protocol {
  readonly events: string[] = [];
  readonly chunks: Buffer[] = [];
  transport: Transport | null = null;
  constructor(
    readonly loop: ProactorEventLoop,
    readonly lost = loop.createFuture<Error | null>(),
  ) {
    super();
  }
  override connectionMade(t: Transport): void {
    this.transport = t;
    this.events.push('made');
  }
  override dataReceived(data: Buffer): void {
    this.chunks.push(data);
    if (this.events[this.events.length - 1] !== 'data') this.events.push('data');
  }
  override eofReceived(): void {
    this.events.push('eof');
  }
  override connectionLost(exc: Error | null): void {
    this.events.push('lost');
    this.lost.setResult(exc);
  }
}

async function echoRoundTrip(loop: ProactorEventLoop, listenAt: Address, family: number, makeProtocol: () => Protocol | BufferedProtocol): Promise<void> {
  const backend = getBackend(loop) as IoBackend;
  const hooks = new Hooks();
  const listener = await backend.listenStream(listenAt, { family, backlog: 100 });
  backend.startServing(makeProtocol, listener, hooks);
  const target = listener.getsockname();
  const sock = await backend.connectStream(target, { family });
  const client = new Client(loop);
  const waiter = loop.createFuture<void>();
  const transport = backend.makeSocketTransport(sock, client, waiter);
  await waiter;
  const payload = Buffer.from('hello proactor, '.repeat(1000));
  transport.write(payload);
  transport.writeEof();
  const exc = await client.lost;
  expect(exc).toBeNull();
  expect(Buffer.concat(client.chunks).equals(payload)).toBe(true);
  expect(client.events).toEqual(['made', 'data', 'eof', 'lost']);
  backend.stopServing(listener);
  expect(listener.fileno()).toBe(-1);
}

describe('ProactorBackend', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pro-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('TCP echo over 127.0.0.1 with a Protocol - data, EOF and connectionLost in order', async () => {
    const loop = new ProactorEventLoop();
    await loop.runUntilComplete(() => echoRoundTrip(loop, ['127.0.0.1', 0], AF_INET, () => new EchoServer()));
    loop.close();
  });

  it('TCP echo over ::1 with a BufferedProtocol fed through its own small buffer', async () => {
    const loop = new ProactorEventLoop();
    await loop.runUntilComplete(() => echoRoundTrip(loop, ['::1', 0], AF_INET6, () => new BufferedEcho()));
    loop.close();
  });

  it('Unix socket echo - sockname is the path on the listener', async () => {
    const loop = new ProactorEventLoop();
    const path = join(dir, 's.sock');
    await loop.runUntilComplete(async () => {
      const backend = getBackend(loop) as IoBackend;
      const l = await backend.listenStream(path, { family: AF_UNIX, backlog: 10 });
      expect(l.getsockname()).toBe(path);
      expect(l.family).toBe(AF_UNIX);
      expect(l.type).toBe(SOCK_STREAM);
      l.close();
      await echoRoundTrip(loop, join(dir, 't.sock'), AF_UNIX, () => new EchoServer());
    });
    loop.close();
  });

  // /proc/net/tcp's `tr` column is 2 while a keep-alive timer runs on the
  // connection (Linux); 0 when the socket has none.
  function keepAliveTimer(localPort: number, remotePort: number): number | null {
    const hex = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');
    for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 6) continue;
      if (f[1].endsWith(`:${hex(localPort)}`) && f[2].endsWith(`:${hex(remotePort)}`)) return Number(f[5].split(':')[0]);
    }
    return null;
  }

  it('keepAlive - accepted connections get SO_KEEPALIVE, others do not (read from Linux /proc/net/tcp)', async () => {
    const loop = new ProactorEventLoop();
    await loop.runUntilComplete(async () => {
      const backend = getBackend(loop) as IoBackend;
      for (const keepAlive of [true, false]) {
        let accepted: Transport | null = null;
        const made = loop.createFuture<void>();
        const listener = await backend.listenStream(['127.0.0.1', 0], { family: AF_INET, backlog: 10, keepAlive });
        backend.startServing(
          () =>
            new (class extends Protocol {
              override connectionMade(t: Transport): void {
                accepted = t;
                made.setResult(undefined);
              }
            })(),
          listener,
          new Hooks(),
        );
        const sock = await backend.connectStream(listener.getsockname(), { family: AF_INET });
        const client = new Client(loop);
        const waiter = loop.createFuture<void>();
        const transport = backend.makeSocketTransport(sock, client, waiter);
        await waiter;
        await made;
        const [, serverPort] = (accepted as unknown as Transport).getExtraInfo('sockname') as [string, number];
        const [, clientPort] = (accepted as unknown as Transport).getExtraInfo('peername') as [string, number];
        expect(keepAliveTimer(serverPort, clientPort)).toBe(keepAlive ? 2 : 0);
        transport.close();
        await client.lost;
        backend.stopServing(listener);
      }
    });
    loop.close();
  });

  it('ProactorSocket - addresses as asyncio tuples, fileno() -1 once closed', async () => {
    const loop = new ProactorEventLoop();
    await loop.runUntilComplete(async () => {
      const backend = getBackend(loop) as IoBackend;
      const l = await backend.listenStream(['::1', 0], { family: AF_INET6, backlog: 10 });
      const name = l.getsockname() as [string, number, number, number];
      expect(name[0]).toBe('::1');
      expect(name.slice(2)).toEqual([0, 0]);
      expect(l.fileno()).toBeGreaterThan(2);
      expect(l).toBeInstanceOf(ProactorSocket);
      expect(() => l.getpeername()).toThrow(/ENOTCONN/);
      l.close();
      expect(l.fileno()).toBe(-1);
    });
    loop.close();
  });

  it('a connection refused - the future fails with the system error', async () => {
    const loop = new ProactorEventLoop();
    await loop.runUntilComplete(async () => {
      const backend = getBackend(loop) as IoBackend;
      const l = await backend.listenStream(['127.0.0.1', 0], { family: AF_INET, backlog: 1 });
      const addr = l.getsockname();
      l.close();
      await expect(backend.connectStream(addr, { family: AF_INET })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    });
    loop.close();
  });

  it('foreign sockets, sock*, addReader and reusePort - NotImplementedError naming the package', async () => {
    const loop = new ProactorEventLoop();
    const backend = getBackend(loop) as IoBackend;
    const foreign: SocketLike = { fileno: () => 3, family: AF_INET, type: SOCK_STREAM, getsockname: () => ['', 0], getpeername: () => ['', 0], close: () => undefined };
    expect(() => backend.makeSocketTransport(foreign, new Protocol())).toThrow(NotImplementedError);
    expect(() => backend.makeSocketTransport(foreign, new Protocol())).toThrow(/@loop\/socket/);
    expect(() => backend.startServing(() => new Protocol(), foreign, new Hooks())).toThrow(/@loop\/socket/);
    // @ts-expect-error: the proactor's type has no sock* methods; at run time the delegator rejects.
    await expect(loop.sockRecv(foreign, 10)).rejects.toThrow(/@loop\/socket/);
    // @ts-expect-error: likewise; the selector loop provides them.
    await expect(loop.sockRecvfromInto(foreign, Buffer.alloc(1))).rejects.toThrow(/requires a selector loop \(@loop\/selector/);
    expect(hasCapability(loop, 'sockRecvfromInto')).toBe(false);
    // hasCapability tells what really works: the sock* methods and fd watching do not, pipes do.
    expect(hasCapability(loop, 'sockRecv')).toBe(false);
    expect(hasCapability(loop, 'sockSendfile')).toBe(false);
    expect(hasCapability(loop, 'addReader')).toBe(false);
    expect(hasCapability(loop, 'connectReadPipe')).toBe(true);
    // @ts-expect-error: the proactor's type has no fd watching; at run time the delegator throws.
    expect(() => loop.addReader(0, () => undefined)).toThrow(/@loop\/selector/);
    await expect(backend.listenStream(['127.0.0.1', 0], { family: AF_INET, backlog: 1, reusePort: true })).rejects.toThrow(/@loop\/socket/);
    await expect(backend.listenStream(['127.0.0.1', 0], { family: AF_INET, backlog: 1, reuseAddress: false })).rejects.toThrow(
      /reuseAddress: false requires @loop\/socket/,
    );
    loop.close();
  });

  it('after loop.close() - every method throws or rejects with RuntimeError("Event loop is closed")', async () => {
    const loop = new ProactorEventLoop();
    const backend = getBackend(loop) as IoBackend;
    loop.close();
    expect(() => backend.connectStream(['127.0.0.1', 1], { family: AF_INET })).toThrow(RuntimeError);
    await expect(backend.listenStream(['127.0.0.1', 0], { family: AF_INET, backlog: 1 })).rejects.toThrow('Event loop is closed');
    await expect(backend.openDatagram({ family: AF_INET })).rejects.toThrow('Event loop is closed');
  });

  it('connections that arrive before startServing are held paused, then served in order with their data', async () => {
    const loop = new ProactorEventLoop();
    await loop.runUntilComplete(async () => {
      const backend = getBackend(loop) as IoBackend;
      const listener = await backend.listenStream(['127.0.0.1', 0], { family: AF_INET, backlog: 10 });
      const clients: Client[] = [];
      for (const word of ['first', 'second']) {
        const sock = await backend.connectStream(listener.getsockname(), { family: AF_INET });
        const client = new Client(loop);
        const waiter = loop.createFuture<void>();
        const tr = backend.makeSocketTransport(sock, client, waiter);
        await waiter;
        tr.write(Buffer.from(word));
        tr.writeEof();
        clients.push(client);
      }
      await new Promise((r) => setTimeout(r, 50));
      const order: string[] = [];
      class Rec extends Protocol {
        override dataReceived(data: Buffer): void {
          order.push(data.toString());
        }
      }
      backend.startServing(() => new Rec(), listener, new Hooks());
      for (const c of clients) expect(await c.lost).toBeNull();
      expect(order).toEqual(['first', 'second']);
      backend.stopServing(listener);
    });
    loop.close();
  });

  it('cancelling connectStream closes the socket it was connecting', async () => {
    const loop = new ProactorEventLoop();
    const tcp = (): number => process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP')).length;
    await loop.runUntilComplete(async () => {
      const backend = getBackend(loop) as IoBackend;
      // Handles an earlier test closed finish closing first (Node closes them
      // asynchronously; a loaded machine can take longer than any fixed wait):
      // the count must hold still for five samples 10 ms apart.
      let before = tcp();
      for (let still = 0, i = 0; still < 5 && i < 300; i++) {
        await new Promise((r) => setTimeout(r, 10));
        const now = tcp();
        still = now === before ? still + 1 : 0;
        before = now;
      }
      const listener = await backend.listenStream(['127.0.0.1', 0], { family: AF_INET, backlog: 10 });
      const fut = backend.connectStream(listener.getsockname(), { family: AF_INET });
      fut.cancel();
      expect(fut.cancelled()).toBe(true);
      await new Promise((r) => setTimeout(r, 20));
      // The listener's close also closes a connection it accepted and held.
      listener.close();
      for (let i = 0; i < 1000 && tcp() > before; i++) await new Promise((r) => setTimeout(r, 10));
      expect(tcp()).toBe(before);
    });
    loop.close();
  });

  it('runStarted / runStopped - handles are referenced only while the loop runs', async () => {
    const loop = new ProactorEventLoop();
    const hasRef = (s: SocketLike): boolean =>
      (((s as ProactorSocket)._server as unknown as { _handle: { hasRef(): boolean } })._handle).hasRef();
    const listener = await loop.runUntilComplete(async () => {
      const backend = getBackend(loop) as IoBackend;
      const l = await backend.listenStream(['127.0.0.1', 0], { family: AF_INET, backlog: 1 });
      expect(hasRef(l)).toBe(true);
      return l;
    });
    expect(hasRef(listener)).toBe(false);
    await loop.runUntilComplete(async () => {
      expect(hasRef(listener)).toBe(true);
      await Promise.resolve();
    });
    expect(hasRef(listener)).toBe(false);
    listener.close();
    loop.close();
  });

  it('UDP echo, unconnected server and connected client', async () => {
    const loop = new ProactorEventLoop();
    await loop.runUntilComplete(async () => {
      const backend = getBackend(loop) as IoBackend;
      const sSock = await backend.openDatagram({ family: AF_INET, localAddr: ['127.0.0.1', 0] });
      class Echo extends DatagramProtocol {
        t: DatagramTransport | null = null;
        override connectionMade(t: DatagramTransport): void {
          this.t = t;
        }
        override datagramReceived(data: Buffer, addr: Address): void {
          this.t?.sendto(data, addr);
        }
      }
      const server = backend.makeDatagramTransport(sSock, new Echo());
      const cSock = await backend.openDatagram({ family: AF_INET, remoteAddr: sSock.getsockname() });
      const got = loop.createFuture<Buffer>();
      class C extends DatagramProtocol {
        override datagramReceived(data: Buffer): void {
          got.setResult(data);
        }
      }
      const client = backend.makeDatagramTransport(cSock, new C(), sSock.getsockname());
      client.sendto(Buffer.from('ping'));
      expect((await got).toString()).toBe('ping');
      expect(() => client.sendto(Buffer.from('x'), ['127.0.0.1', 1])).toThrow(RangeError);
      client.close();
      server.close();
      await new Promise((r) => setTimeout(r, 10));
    });
    loop.close();
  });
});
