// What the selector backend does with stream sockets where the completion
// backend cannot follow asyncio (docs/deviations.md D53, D54 say what the
// proactor does instead), and the socket-level details of asyncio's
// selector loop: TCP_NODELAY, SO_REUSEADDR / SO_REUSEPORT (D28), sockets
// given by the caller (sock=), no leaked descriptor. The asyncio 3.11 traces
// were taken with the Python twins in test/python/ (quoted above each test).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { setLogger } from '@loop/core';
import { Protocol, getBackend, type BaseTransport, type ServerHooks, type Transport } from '@loop/interfaces';
import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  IPPROTO_TCP,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_REUSEADDR,
  SO_REUSEPORT,
  Socket,
  TCP_NODELAY,
  socketpair,
} from '@loop/socket';
import { SelectorBackend, SelectorEventLoop } from '../src/index';

const openFds = (): number => readdirSync('/proc/self/fd').length;

class Hooks implements ServerHooks {
  readonly live = new Set<BaseTransport>();
  attach(t: BaseTransport): void {
    this.live.add(t);
  }
  detach(t: BaseTransport): void {
    this.live.delete(t);
  }
}

/** Records the protocol calls of each connection (and echoes when asked). */
class Recorder extends Protocol {
  transport: Transport | null = null;
  constructor(
    readonly events: string[],
    readonly echo = false,
  ) {
    super();
  }
  override connectionMade(t: Transport): void {
    this.transport = t;
    this.events.push('made');
  }
  override dataReceived(data: Buffer): void {
    this.events.push(`data:${data.length}`);
    if (this.echo) this.transport?.write(data);
  }
  override eofReceived(): void {
    this.events.push('eof');
  }
  override connectionLost(exc: Error | null): void {
    this.events.push(`lost:${exc === null ? 'null' : String((exc as { code?: unknown }).code)}`);
  }
}

/** Runs `main` on a fresh selector loop whose exception handler records its contexts in `handled`. */
async function onLoop<T>(handled: { message: string; exception?: unknown }[], main: (loop: SelectorEventLoop, backend: SelectorBackend) => Promise<T>): Promise<T> {
  const loop = new SelectorEventLoop();
  loop.setExceptionHandler((_l, ctx) => {
    handled.push(ctx);
  });
  try {
    return await loop.runUntilComplete(() => main(loop, getBackend(loop) as SelectorBackend));
  } finally {
    loop.close();
  }
}

/** Resolves after `ms` milliseconds (the loop keeps running meanwhile). */
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  for (let waited = 0; !cond(); waited += 10) {
    if (waited > ms) throw new Error('condition not met in time');
    await pause(10);
  }
}

/** A blocking-free client connected to `port` on 127.0.0.1 (a @loop/socket socket, polled until connected). */
async function connectClient(port: number, family = AF_INET, host = '127.0.0.1'): Promise<Socket> {
  const s = new Socket(family, SOCK_STREAM);
  s.connectEx([host, port]);
  await until(() => {
    try {
      s.getpeername();
      return true;
    } catch {
      return false;
    }
  });
  return s;
}

describe('SelectorEventLoop: stream sockets as asyncio', () => {
  // asyncio 3.11 (packages/conformance/oracle/peer_reset.py): ['made', 'data:5', 'lost:ConnectionResetError'], no handler call.
  it('D54 - a peer that resets after sending: dataReceived, then connectionLost(ECONNRESET), no eofReceived, no handler call', async () => {
    const events: string[] = [];
    const handled: { message: string }[] = [];
    await onLoop(handled, async (_loop, backend) => {
      const listener = await backend.listenStream(['127.0.0.1', 0], { family: AF_INET, backlog: 10 });
      const hooks = new Hooks();
      backend.startServing(() => new Recorder(events), listener, hooks);
      const [, port] = listener.getsockname() as [string, number];
      const client = await connectClient(port);
      client.send(Buffer.from('hello'));
      client.setsockopt(SOL_SOCKET, SO_LINGER, [1, 0]);
      await pause(50);
      client.close();
      await until(() => events.some((e) => e.startsWith('lost')));
      expect(hooks.live.size).toBe(0);
      backend.stopServing(listener);
    });
    expect(events).toEqual(['made', 'data:5', 'lost:ECONNRESET']);
    expect(handled).toEqual([]);
  });

  // asyncio 3.11 (packages/conformance/oracle/accept_emfile.py): the handler gets 'socket.accept() out of system
  // resource' with errno EMFILE; the clients all stay connected in the backlog (none sees EOF) and
  // are served once descriptors are back. (asyncio keeps looping after the error: D60.)
  it('D53 - under EMFILE: the handler hears it, accepting pauses for a second, the clients wait in the backlog and are served after', async () => {
    const handled: { message: string; exception?: unknown; socket?: unknown }[] = [];
    const events: string[] = [];
    const clients = 6;
    const spare = 2;
    const before = openFds();
    const report = await onLoop(handled, async (loop, backend) => {
      const listener = await backend.listenStream(['127.0.0.1', 0], { family: AF_INET, backlog: 64 });
      backend.startServing(() => new Recorder(events), listener, new Hooks(), { backlog: 64 });
      const [, port] = listener.getsockname() as [string, number];
      const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['-e', CLIENT], { stdio: 'pipe' });
      const lines = lineReader(child);
      try {
        expect(await lines.next()).toBe('ready');
        const hog: number[] = [];
        let result: { connected: number; eof: number; open: number };
        const t0 = loop.time();
        try {
          try {
            for (;;) hog.push(openSync('/dev/null', 'r'));
          } catch (err) {
            expect((err as { code?: unknown }).code).toBe('EMFILE');
          }
          for (let i = 0; i < spare; i++) closeSync(hog.pop() as number);
          child.stdin.write(`${port} ${clients}\n`);
          result = JSON.parse(await lines.next()) as { connected: number; eof: number; open: number };
          expect(handled.length).toBeGreaterThan(0);
        } finally {
          for (const fd of hog) closeSync(fd);
        }
        // Accepting resumes within ACCEPT_RETRY_DELAY (1 s): every client is served.
        await until(() => events.filter((e) => e === 'made').length === clients, 3000);
        expect(loop.time() - t0).toBeGreaterThanOrEqual(1);
        child.stdin.write('done\n');
        await until(() => events.filter((e) => e.startsWith('lost')).length === clients, 3000);
        return result;
      } finally {
        const closed = new Promise((resolve) => child.once('close', resolve));
        child.kill();
        await closed;
        backend.stopServing(listener);
      }
    });
    expect(report).toEqual({ connected: clients, eof: 0, open: clients });
    expect(handled[0]?.message).toBe('socket.accept() out of system resource');
    expect((handled[0]?.exception as { code?: unknown }).code).toBe('EMFILE');
    expect(handled[0]?.socket).toBeInstanceOf(Socket);
    // One call per readiness event, then a second's pause: a handful, not one per client or per spin.
    expect(handled.length).toBeLessThanOrEqual(3);
    expect(openFds()).toBe(before);
  }, 20000);

  // asyncio 3.11 (test/python/factory_raises.py): debug off, no handler call; debug on, one call
  // 'Error on transport creation for incoming connection' with the exception and no protocol.
  for (const debug of [false, true]) {
    it(`a protocol factory that throws (debug ${debug ? 'on' : 'off'}): reported only in debug mode, the connection closed, the server goes on`, async () => {
      const handled: { message: string; exception?: unknown; protocol?: unknown }[] = [];
      const before = openFds();
      const logged: string[] = [];
      const record = (message: string): void => {
        logged.push(message);
      };
      setLogger({ error: record, warn: record, info: record, debug: record });
      await onLoop(handled, async (loop, backend) => {
        loop.setDebug(debug);
        const listener = await backend.listenStream(['127.0.0.1', 0], { family: AF_INET, backlog: 10 });
        const boom = new Error('boom');
        let calls = 0;
        const events: string[] = [];
        backend.startServing(
          () => {
            if (calls++ === 0) throw boom;
            return new Recorder(events);
          },
          listener,
          new Hooks(),
        );
        const [, port] = listener.getsockname() as [string, number];
        const first = await connectClient(port);
        const buf = Buffer.alloc(10);
        await until(() => {
          try {
            return first.recvInto(buf) === 0;
          } catch {
            return false;
          }
        });
        const second = await connectClient(port);
        await until(() => events.includes('made'));
        first.close();
        second.close();
        await until(() => events.some((e) => e.startsWith('lost')));
        backend.stopServing(listener);
        if (debug) {
          expect(handled).toHaveLength(1);
          expect(handled[0]).toMatchObject({ message: 'Error on transport creation for incoming connection', exception: boom });
          expect(handled[0]).not.toHaveProperty('protocol');
        } else expect(handled).toEqual([]);
      }).finally(() => setLogger(null));
      // Debug mode logs each accepted connection, as asyncio's "got a new connection from".
      expect(logged.some((m) => m.includes('got a new connection from'))).toBe(debug);
      expect(openFds()).toBe(before);
    });
  }

  it('TCP_NODELAY on connected and accepted TCP transports (proto IPPROTO_TCP), not on Unix ones; SO_KEEPALIVE inherited with keepAlive', async () => {
    const handled: { message: string }[] = [];
    await onLoop(handled, async (loop, backend) => {
      for (const [family, host] of [
        [AF_INET, '127.0.0.1'],
        [AF_INET6, '::1'],
      ] as const) {
        const listener = await backend.listenStream([host, 0], { family, backlog: 10, keepAlive: true, ipv6Only: family === AF_INET6 });
        const accepted: Recorder[] = [];
        backend.startServing(
          () => {
            const r = new Recorder([]);
            accepted.push(r);
            return r;
          },
          listener,
          new Hooks(),
        );
        const [, port] = listener.getsockname() as [string, number];
        const sock = (await backend.connectStream([host, port], { family })) as Socket;
        expect(sock.proto).toBe(IPPROTO_TCP);
        const client = new Recorder([]);
        const waiter = loop.createFuture<void>();
        const tr = backend.makeSocketTransport(sock, client, waiter);
        await waiter;
        await until(() => accepted.length === 1 && accepted[0]?.transport !== null);
        const server = accepted[0]?.transport as Transport;
        for (const t of [tr, server]) expect((t.getExtraInfo('socket') as Socket).getsockopt(IPPROTO_TCP, TCP_NODELAY)).not.toBe(0);
        expect((server.getExtraInfo('socket') as Socket).getsockopt(SOL_SOCKET, SO_KEEPALIVE)).toBe(1);
        expect(tr.getExtraInfo('peername')).toEqual(server.getExtraInfo('sockname'));
        tr.close();
        server.close();
        await pause(20);
        backend.stopServing(listener);
      }
      const [a, b] = socketpair(AF_UNIX, SOCK_STREAM);
      const ta = backend.makeSocketTransport(a, new Recorder([]));
      expect(() => a.getsockopt(IPPROTO_TCP, TCP_NODELAY)).toThrow();
      ta.abort();
      b.close();
      await pause(20);
    });
    expect(handled).toEqual([]);
  });

  it('D28 - SO_REUSEADDR unless reuseAddress is false; reusePort lets two listeners share a port', async () => {
    const before = openFds();
    await onLoop([], async (_loop, backend) => {
      const on = (await backend.listenStream(['127.0.0.1', 0], { family: AF_INET, backlog: 10 })) as Socket;
      const off = (await backend.listenStream(['127.0.0.1', 0], { family: AF_INET, backlog: 10, reuseAddress: false })) as Socket;
      expect(on.getsockopt(SOL_SOCKET, SO_REUSEADDR)).toBe(1);
      expect(off.getsockopt(SOL_SOCKET, SO_REUSEADDR)).toBe(0);
      const first = (await backend.listenStream(['127.0.0.1', 0], { family: AF_INET, backlog: 10, reusePort: true })) as Socket;
      const [, port] = first.getsockname() as [string, number];
      const second = (await backend.listenStream(['127.0.0.1', port], { family: AF_INET, backlog: 10, reusePort: true })) as Socket;
      expect(second.getsockopt(SOL_SOCKET, SO_REUSEPORT)).toBe(1);
      await expect(backend.listenStream(['127.0.0.1', port], { family: AF_INET, backlog: 10 })).rejects.toMatchObject({ code: 'EADDRINUSE', syscall: 'bind' });
      for (const s of [on, off, first, second]) s.close();
    });
    expect(openFds()).toBe(before);
  });

  it('sockets given by the caller (sock=): a connected socketpair end, a bound socket not yet listening, a blocking one', async () => {
    const before = openFds();
    const dir = mkdtempSync(join(tmpdir(), 'sel-'));
    try {
      await onLoop([], async (loop, backend) => {
        // makeSocketTransport on both ends of a socketpair (createConnection / connectAcceptedSocket with sock=).
        const [a, b] = socketpair(AF_UNIX, SOCK_STREAM);
        a.setblocking(true);
        const ea: string[] = [];
        const eb: string[] = [];
        const ta = backend.makeSocketTransport(a, new Recorder(ea));
        const tb = backend.makeSocketTransport(b, new Recorder(eb, true));
        expect(a.getblocking()).toBe(false);
        await pause(10);
        ta.write(Buffer.from('ping'));
        await until(() => ea.includes('data:4'));
        ta.close();
        await until(() => eb.includes('lost:null') && ea.includes('lost:null'));
        expect(eb).toEqual(['made', 'data:4', 'eof', 'lost:null']);
        expect(a.fileno()).toBe(-1);
        expect(b.fileno()).toBe(-1);
        void tb;

        // startServing on a bound Unix socket that does not listen yet: asyncio's Server calls listen().
        const path = join(dir, 's');
        const listener = new Socket(AF_UNIX, SOCK_STREAM);
        listener.bind(path);
        const served: string[] = [];
        backend.startServing(() => new Recorder(served, true), listener, new Hooks());
        const sock = (await backend.connectStream(path, { family: AF_UNIX })) as Socket;
        const ec: string[] = [];
        const waiter = loop.createFuture<void>();
        const tc = backend.makeSocketTransport(sock, new Recorder(ec), waiter);
        await waiter;
        tc.write(Buffer.from('hello'));
        await until(() => ec.includes('data:5'));
        tc.close();
        await until(() => served.includes('lost:null'));
        backend.stopServing(listener);
        backend.stopServing(listener);
        expect(listener.fileno()).toBe(-1);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(openFds()).toBe(before);
  });

  it('connectStream: a refused connection fails with a Node-style error (address, port), a cancelled one closes its socket', async () => {
    const before = openFds();
    await onLoop([], async (loop, backend) => {
      const l = (await backend.listenStream(['127.0.0.1', 0], { family: AF_INET, backlog: 1 })) as Socket;
      const [, port] = l.getsockname() as [string, number];
      l.close();
      const err = (await backend.connectStream(['127.0.0.1', port], { family: AF_INET }).then(
        () => null,
        (e: unknown) => e,
      )) as Error & { code?: string };
      expect(err).toMatchObject({ code: 'ECONNREFUSED', syscall: 'connect', address: '127.0.0.1', port });
      expect(err.message).toBe(`connect ECONNREFUSED 127.0.0.1:${port}`);
      // 192.0.2.1 (TEST-NET-1) does not answer: the attempt stays in progress until cancelled.
      const fut = backend.connectStream(['192.0.2.1', 9], { family: AF_INET });
      await pause(20);
      fut.cancel();
      await pause(20);
      const bindErr = await backend.connectStream(['127.0.0.1', port], { family: AF_INET, localAddr: ['192.0.2.1', 0] }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(bindErr).toMatchObject({ code: 'EADDRNOTAVAIL', syscall: 'bind' });
      void loop;
    });
    expect(openFds()).toBe(before);
  });

  // asyncio 3.11 (test/python/write_after_close.py): a write after close(), while the buffer is still
  // being sent, is buffered and sent too; connectionLost(None) follows the last byte.
  it('write() after close() while flushing is still sent; writeEof() shuts the write side only once the buffer is sent', async () => {
    await onLoop([], async (_loop, backend) => {
      for (const how of ['close', 'writeEof'] as const) {
        const [a, b] = socketpair(AF_UNIX, SOCK_STREAM);
        const events: string[] = [];
        const t = backend.makeSocketTransport(a, new Recorder(events));
        await pause(10);
        const big = Buffer.alloc(4 * 1024 * 1024, 120);
        t.write(big);
        const pending = t.getWriteBufferSize();
        expect(pending).toBeGreaterThan(0);
        if (how === 'close') {
          t.close();
          t.write(Buffer.from('tail'));
          expect(t.getWriteBufferSize()).toBe(pending + 4);
        } else {
          t.writeEof();
          expect(() => t.write(Buffer.from('tail'))).toThrow('Cannot call write() after write_eof()');
        }
        const got: Buffer[] = [];
        let size = 0;
        await until(() => {
          for (;;) {
            let chunk: Buffer;
            try {
              chunk = b.recv(1 << 20);
            } catch {
              return false;
            }
            if (chunk.length === 0) return true;
            got.push(chunk);
            size += chunk.length;
          }
        }, 5000);
        expect(size).toBe(big.length + (how === 'close' ? 4 : 0));
        if (how === 'close') {
          expect(Buffer.concat(got).subarray(-4).toString()).toBe('tail');
          await until(() => events.includes('lost:null'));
        } else {
          // Half-closed: the transport is still open, and reads still work.
          expect(t.isClosing()).toBe(false);
          b.send(Buffer.from('back'));
          await until(() => events.includes('data:4'));
          t.close();
          await until(() => events.includes('lost:null'));
        }
        b.close();
      }
    });
  });

  it('sendfileNative: without sockSendfile the hook rejects with SendfileNotAvailableError and the transport is unchanged', async () => {
    await onLoop([], async (_loop, backend) => {
      const [a, b] = socketpair(AF_UNIX, SOCK_STREAM);
      const t = backend.makeSocketTransport(a, new Recorder([]));
      await pause(10);
      const err = await backend.sendfileNative(t, 0, 0, null).catch((e: unknown) => e);
      expect((err as Error).name).toBe('SendfileNotAvailableError');
      expect(t.isReading()).toBe(true);
      t.write(Buffer.from('x'));
      expect(b.recv(10).toString()).toBe('x');
      t.abort();
      b.close();
      await pause(10);
    });
  });
});

/** The client process: says `ready`, reads `<port> <n>`, opens n connections, reports after 1 s how they stand, closes them on `done`. */
const CLIENT = `
const net = require('node:net');
process.stdout.write('ready\\n');
let socks = [];
process.stdin.once('data', (line) => {
  const [port, n] = String(line).trim().split(' ').map(Number);
  const r = { connected: 0, eof: 0, open: 0 };
  for (let i = 0; i < n; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => r.connected++);
    s.on('end', () => r.eof++);
    s.on('error', () => {});
    socks.push(s);
  }
  setTimeout(() => {
    r.open = socks.filter((s) => !s.destroyed && !s.readableEnded).length;
    process.stdout.write(JSON.stringify(r) + '\\n');
    process.stdin.once('data', () => { for (const s of socks) s.end(); });
  }, 1000);
});
`;

/** Reads `child`'s stdout line by line. */
function lineReader(child: ChildProcessWithoutNullStreams): { next(): Promise<string> } {
  let buf = '';
  const lines: string[] = [];
  let wake: (() => void) | null = null;
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
    wake?.();
  });
  return {
    async next(): Promise<string> {
      while (lines.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      return lines.shift() as string;
    },
  };
}
