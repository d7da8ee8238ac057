// The proactor adopts listening and datagram sockets made by @loop/socket
// (sock= on createServer / createUnixServer / createDatagramEndpoint): Node
// serves a dup() of the descriptor, the caller's socket stays open and both
// close together (D83, D84). Real sockets, real descriptors counted.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DatagramProtocol,
  NotImplementedError,
  getBackend,
  type Address,
  type BaseTransport,
  type DatagramTransport,
  type IoBackend,
} from '@loop/interfaces';
import { AF_INET, AF_INET6, AF_UNIX, SOCK_DGRAM, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR, socket, type Socket } from '@loop/socket';
import { ProactorEventLoop } from '../src/index.js';
import { EchoServer, Hooks, openSockets } from './helpers.js';

class Datagrams extends DatagramProtocol {
  readonly got: [string, Address][] = [];
  transport: DatagramTransport | null = null;
  override connectionMade(t: BaseTransport): void {
    this.transport = t as DatagramTransport;
  }
  override datagramReceived(data: Buffer, addr: Address): void {
    this.got.push([data.toString(), addr]);
  }
}

/** Waits (macrotasks, at most 4 s) until `check()` is true. */
async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 4000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('until(): timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Connects a blocking @loop/socket client, sends `text`, half-closes, and reads the whole echo. */
async function echoThrough(family: number, address: Address, text: string): Promise<string> {
  const c = socket(family, SOCK_STREAM);
  try {
    const rc = c.connectEx(address);
    if (rc !== 0 && rc !== 115) throw new Error(`connect: ${rc}`);
    await until(() => {
      try {
        c.getpeername();
        return true;
      } catch {
        return false;
      }
    });
    c.send(Buffer.from(text));
    c.shutdown(1);
    const got: Buffer[] = [];
    let eof = false;
    await until(() => {
      try {
        const b = c.recv(65536);
        if (b.length === 0) eof = true;
        else got.push(b);
      } catch {
        // EAGAIN
      }
      return eof;
    });
    return Buffer.concat(got).toString();
  } finally {
    c.close();
  }
}

describe('ProactorBackend adopts a listening stream socket given with sock=', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'adopt-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['AF_INET, bound only', AF_INET, ['127.0.0.1', 0], false],
    ['AF_INET6, already listening', AF_INET6, ['::1', 0], true],
    ['AF_UNIX, bound only', AF_UNIX, 'unix', false],
  ] as const)('%s: listened on, served through a dup, both descriptors closed by stopServing', async (_name, family, where, listening) => {
    const before = openSockets();
    const loop = new ProactorEventLoop();
    const backend = getBackend(loop) as IoBackend;
    const l = socket(family, SOCK_STREAM);
    l.bind(where === 'unix' ? join(dir, `l${family}.sock`) : (where as unknown as Address));
    if (listening) l.listen(5);
    const name = l.getsockname();
    const hooks = new Hooks();
    await loop.runUntilComplete(async () => {
      backend.startServing(() => new EchoServer(), l, hooks, { backlog: 7 });
      // The caller's socket stays open; Node's is another descriptor.
      expect(l.fileno()).toBeGreaterThanOrEqual(0);
      expect(l.getsockname()).toEqual(name);
      expect(openSockets()).toBe(before + 2);
      expect(await echoThrough(family, name, `hello ${family}`)).toBe(`hello ${family}`);
      await until(() => hooks.live.size === 0);
      expect(() => backend.startServing(() => new EchoServer(), l, hooks)).toThrow(
        expect.objectContaining({ code: 'ERR_LOOP_INVALID_ARG', message: expect.stringMatching(/^startServing\(\): .* is already being served$/) }) as never,
      );
      backend.stopServing(l);
      expect(l.fileno()).toBe(-1);
      backend.stopServing(l); // idempotent
      await until(() => openSockets() === before);
    });
    loop.close();
    // Nothing listens any more: the address is free again. (A socket file is
    // left for @loop/net's Server to remove: libuv unlinks only paths it bound.)
    if (typeof name === 'string') {
      expect(existsSync(name)).toBe(true);
      rmSync(name);
    }
    const again = socket(family, SOCK_STREAM);
    again.bind(name);
    again.close();
    expect(openSockets()).toBe(before);
  });

  it('a socket stopped before it was ever served is closed; one closed already is left alone', () => {
    const loop = new ProactorEventLoop();
    const backend = getBackend(loop) as IoBackend;
    const l = socket(AF_INET, SOCK_STREAM);
    backend.stopServing(l);
    expect(l.fileno()).toBe(-1);
    backend.stopServing(l);
    loop.close();
  });

  it('bad sockets: a datagram socket, a closed socket - coded TypeError naming the call and the rule; no dup() - NotImplementedError; no descriptor leaked', () => {
    const before = openSockets();
    const loop = new ProactorEventLoop();
    const backend = getBackend(loop) as IoBackend;
    const d = socket(AF_INET, SOCK_DGRAM);
    expect(() => backend.startServing(() => new EchoServer(), d, new Hooks())).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG', message: expect.stringMatching(/^startServing\(\): .* is not a stream socket \(SOCK_STREAM\)$/) }) as never,
    );
    d.close();
    const c = socket(AF_INET, SOCK_STREAM);
    c.close();
    expect(() => backend.startServing(() => new EchoServer(), c, new Hooks())).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG', message: expect.stringMatching(/^startServing\(\): .* is closed$/) }) as never,
    );
    const noDup = { family: AF_INET, type: SOCK_STREAM, fileno: () => 3, getsockname: () => ['', 0], getpeername: () => ['', 0], close: () => undefined };
    expect(() => backend.startServing(() => new EchoServer(), noDup as never, new Hooks())).toThrow(NotImplementedError);
    expect(() => backend.stopServing(noDup as never)).toThrow(/@loop\/socket/);
    loop.close();
    expect(openSockets()).toBe(before);
  });

  it('listen(2) failing on the given socket throws its system error; a descriptor Node cannot listen on is closed again', () => {
    const before = openSockets();
    const loop = new ProactorEventLoop();
    const backend = getBackend(loop) as IoBackend;
    // A Unix stream socket bound to nothing cannot listen: EINVAL, from the caller's own listen().
    const u = socket(AF_UNIX, SOCK_STREAM);
    const l = socket(AF_INET, SOCK_STREAM);
    l.bind(['127.0.0.1', 0]);
    l.listen(1);
    const c = socket(AF_INET, SOCK_STREAM);
    c.setblocking(true);
    c.connect(l.getsockname());
    expect(() => backend.startServing(() => new EchoServer(), c, new Hooks())).toThrow(expect.objectContaining({ code: 'EINVAL', syscall: 'listen' }) as never);
    expect(openSockets()).toBe(before + 3);
    // A socket that says it is a stream socket but whose duplicate is a datagram socket: Node refuses it.
    const dg = socket(AF_INET, SOCK_DGRAM);
    const liar = { family: AF_INET, type: SOCK_STREAM, fileno: () => dg.fileno(), dup: () => dg.dup(), getsockname: () => dg.getsockname(), getpeername: () => dg.getpeername(), close: () => dg.close() };
    expect(() => backend.startServing(() => new EchoServer(), liar as never, new Hooks())).toThrow(
      expect.objectContaining({ code: 'ERR_LOOP_INVALID_ARG', message: expect.stringMatching(/^startServing\(\): Node cannot listen on/) }) as never,
    );
    expect(openSockets()).toBe(before + 4);
    for (const s of [u, l, c, dg]) s.close();
    loop.close();
    expect(openSockets()).toBe(before);
  });
});

describe('ProactorBackend adopts a datagram socket given with sock=', () => {
  it.each([
    ['AF_INET', AF_INET, '127.0.0.1'],
    ['AF_INET6', AF_INET6, '::1'],
  ] as const)('%s: the transport reads and writes through a dup; its socket is the one given; closing closes both', async (_name, family, host) => {
    const before = openSockets();
    const loop = new ProactorEventLoop();
    const backend = getBackend(loop) as IoBackend;
    const s = socket(family, SOCK_DGRAM);
    s.setblocking(true);
    s.bind([host, 0]);
    const peer = socket(family, SOCK_DGRAM);
    peer.bind([host, 0]);
    const name = s.getsockname();
    const proto = new Datagrams();
    await loop.runUntilComplete(async () => {
      const waiter = loop.createFuture<void>();
      const tr = backend.makeDatagramTransport(s, proto, null, waiter);
      await waiter;
      expect(tr.getExtraInfo('socket')).toBe(s);
      expect(tr.getExtraInfo('sockname')).toEqual(name);
      expect(tr.getExtraInfo('peername')).toBeNull();
      expect(s.getblocking()).toBe(false); // libuv made the shared description non-blocking
      expect(openSockets()).toBe(before + 3);
      peer.sendto(Buffer.from('in'), name);
      await until(() => proto.got.length === 1);
      expect(proto.got[0]).toEqual(['in', peer.getsockname()]);
      tr.sendto(Buffer.from('out'), peer.getsockname());
      let got: [Buffer, Address | null] | null = null;
      await until(() => (got = peer.tryRecvfrom(100)) !== null);
      expect((got as unknown as [Buffer, Address])[0].toString()).toBe('out');
      expect(() => backend.makeDatagramTransport(s, new Datagrams())).toThrow(/is already used by a datagram transport$/);
      tr.close();
      await until(() => s.fileno() === -1);
      await until(() => openSockets() === before + 1);
    });
    peer.close();
    loop.close();
    const again = socket(family, SOCK_DGRAM);
    again.bind(name);
    again.close();
    expect(openSockets()).toBe(before);
  });

  it('a connected socket keeps its peer: peername, sendto() without an address, datagrams from the peer', async () => {
    const before = openSockets();
    const loop = new ProactorEventLoop();
    const backend = getBackend(loop) as IoBackend;
    const peer = socket(AF_INET, SOCK_DGRAM);
    peer.bind(['127.0.0.1', 0]);
    const s = socket(AF_INET, SOCK_DGRAM);
    s.connect(peer.getsockname());
    const proto = new Datagrams();
    await loop.runUntilComplete(async () => {
      const waiter = loop.createFuture<void>();
      const tr = backend.makeDatagramTransport(s, proto, null, waiter);
      await waiter;
      expect(tr.getExtraInfo('peername')).toEqual(peer.getsockname());
      tr.sendto(Buffer.from('to peer'));
      let got: [Buffer, Address | null] | null = null;
      await until(() => (got = peer.tryRecvfrom(100)) !== null);
      expect((got as unknown as [Buffer, Address])[0].toString()).toBe('to peer');
      expect((got as unknown as [Buffer, Address])[1]).toEqual(s.getsockname());
      peer.sendto(Buffer.from('back'), s.getsockname());
      await until(() => proto.got.length === 1);
      expect(proto.got[0]).toEqual(['back', peer.getsockname()]);
      tr.abort();
      expect(s.fileno()).toBe(-1);
      await until(() => openSockets() === before + 1);
    });
    peer.close();
    loop.close();
    expect(openSockets()).toBe(before);
  });

  it('adopting sets SO_REUSEADDR on the socket given (libuv uv_udp_open, D84)', async () => {
    const loop = new ProactorEventLoop();
    const backend = getBackend(loop) as IoBackend;
    const s = socket(AF_INET, SOCK_DGRAM);
    s.bind(['127.0.0.1', 0]);
    expect(s.getsockopt(SOL_SOCKET, SO_REUSEADDR)).toBe(0);
    const tr = backend.makeDatagramTransport(s, new Datagrams());
    expect(s.getsockopt(SOL_SOCKET, SO_REUSEADDR)).toBe(1);
    tr.abort();
    await loop.runUntilComplete(() => until(() => s.fileno() === -1));
    loop.close();
  });

  it('bad sockets: Unix datagram - NotImplementedError (D30); stream or closed - coded TypeError; a descriptor Node cannot open is closed again', () => {
    const before = openSockets();
    const loop = new ProactorEventLoop();
    const backend = getBackend(loop) as IoBackend;
    const u = socket(AF_UNIX, SOCK_DGRAM);
    expect(() => backend.makeDatagramTransport(u, new Datagrams())).toThrow(NotImplementedError);
    expect(() => backend.makeDatagramTransport(u, new Datagrams())).toThrow(/^makeDatagramTransport\(\): a Unix datagram socket needs the selector loop \(@loop\/selector, on @loop\/socket\)/);
    const st = socket(AF_INET, SOCK_STREAM);
    expect(() => backend.makeDatagramTransport(st, new Datagrams())).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG', message: expect.stringMatching(/^makeDatagramTransport\(\): .* is not a datagram socket \(SOCK_DGRAM\)$/) }) as never,
    );
    const closed = socket(AF_INET, SOCK_DGRAM);
    closed.close();
    expect(() => backend.makeDatagramTransport(closed, new Datagrams())).toThrow(
      expect.objectContaining({ code: 'ERR_LOOP_INVALID_ARG', message: expect.stringMatching(/ is closed$/) }) as never,
    );
    // Says datagram, duplicates a stream socket: Node's bind({ fd }) throws, the duplicate is closed.
    const liar = { family: AF_INET, type: SOCK_DGRAM, fileno: () => st.fileno(), dup: () => st.dup(), getsockname: () => st.getsockname(), getpeername: () => st.getpeername(), close: () => st.close() };
    expect(() => backend.makeDatagramTransport(liar as never, new Datagrams())).toThrow(expect.objectContaining({ code: 'ERR_INVALID_FD_TYPE' }) as never);
    expect(openSockets()).toBe(before + 2);
    for (const x of [u, st] as Socket[]) x.close();
    loop.close();
    expect(openSockets()).toBe(before);
  });
});
