/**
 * `createServer` and the `Server` object (asyncio's `test_server`,
 * `test_base_events` create_server checks, `test_events` server parts):
 * hosts (one, a list, every interface), port 0, `sockets`, `startServing:
 * false`, `serveForever` and its cancellation, `waitClosed`,
 * `closeClients` / `abortClients`, `await using`, EADDRINUSE, a
 * `@loop/socket` socket given with `sock` (listened on, served, closed), a protocol
 * whose `connectionMade` throws, a server closed under live clients, and a
 * thousand concurrent clients with every byte accounted for.
 *
 * HOW: real servers and clients on the loop under test; byte counts and
 * hashes, never timings.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { inspect } from 'node:util';
import { expect } from 'expect';
import { describe } from '../runner.js';
import { CancelledError, sleep } from '@loop/core';
import { DatagramProtocol, NotImplementedError, Protocol, RuntimeError, type BaseTransport, type Server } from '@loop/interfaces';
import { AF_INET, AF_INET6, AI_NUMERICHOST, SOCK_STREAM } from '@loop/net';
import { SOCK_DGRAM, SOL_SOCKET, SO_ACCEPTCONN, Socket } from '@loop/socket';
import { EchoProtocol, RecordingProtocol, foreignSocket, portOf } from './connection.suite.js';
import { defineNetTest, type NetLoop, type NetLoopFactory } from './harness.js';

/**
 * The timer kinds (`tr` of `/proc/net/tcp`, two hex digits) of the established
 * TCP sockets whose local port is `port`: `02` is the keepalive timer.
 */
function tcpTimers(port: number): string[] {
  const kinds: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 6 || cols[3] !== '01') continue;
      if (parseInt(cols[1].split(':')[1], 16) === port) kinds.push(cols[5].split(':')[0]);
    }
  }
  return kinds;
}

async function closeServer(server: Server): Promise<void> {
  server.close();
  await server.waitClosed();
}

async function echoOnce(loop: NetLoop, host: string, port: number, text: string): Promise<string> {
  const [transport, client] = await loop.createConnection(() => new RecordingProtocol(loop), host, port);
  transport.write(Buffer.from(text));
  await client.receivedAtLeast(Buffer.byteLength(text));
  transport.close();
  await client.lost;
  return client.data().toString();
}

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

async function echoOnceOnNewServer(loop: NetLoop): Promise<string> {
  const server = await loop.createServer(() => new EchoProtocol(), '127.0.0.1', 0);
  try {
    return await echoOnce(loop, '127.0.0.1', portOf(server.sockets[0]), 'still running');
  } finally {
    await closeServer(server);
  }
}

/** The `createServer` / `Server` suite. */
export function serverSuite(newLoop: NetLoopFactory): void {
  describe('createServer and Server', () => {
    const it = defineNetTest(newLoop);

    it('[test_create_server_host_port_sock, test_create_server_no_host_port_sock, SRV-08] option conflicts reject with asyncio errors', async (t) => {
      const loop = t.loop;
      const f = () => new Protocol();
      await t.run(async () => {
        await expect(loop.createServer(f, '127.0.0.1', 0, { ssl: true as never })).rejects.toThrow(TypeError);
        await expect(loop.createServer(f, '127.0.0.1', 0, { sslHandshakeTimeout: 1 })).rejects.toThrow(
          new RangeError('sslHandshakeTimeout is only meaningful with ssl'),
        );
        await expect(loop.createServer(f, '127.0.0.1', 0, { sslShutdownTimeout: 1 })).rejects.toThrow(
          new RangeError('sslShutdownTimeout is only meaningful with ssl'),
        );
        await expect(loop.createServer(f, '127.0.0.1', 0, { sock: foreignSocket() })).rejects.toThrow(
          new RangeError('host/port and sock can not be specified at the same time'),
        );
        await expect(loop.createServer(f)).rejects.toThrow(new RangeError('Neither host/port nor sock were specified'));
        await expect(loop.createServer(f, null, null, { sock: foreignSocket(2) })).rejects.toThrow(/^A Stream Socket was expected/);
      });
      loop.close();
    });

    it('[test_create_server_sock, SRV-11] sock: a bound @loop/socket stream socket (IPv4, IPv6) is listened on and served; sockets holds it; close() closes it, no descriptor left, the port free again', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        for (const [family, host] of [
          [AF_INET, '127.0.0.1'],
          [AF_INET6, '::1'],
        ] as const) {
          const before = openFds();
          const sock = new Socket(family, SOCK_STREAM);
          sock.setblocking(true);
          sock.bind([host, 0]);
          const port = portOf(sock);
          const server = await loop.createServer(() => new EchoProtocol(), null, null, { sock, backlog: 5 });
          expect(server.sockets).toHaveLength(1);
          expect(server.sockets[0]).toBe(sock);
          expect(inspect(server)).toContain(String(port));
          // asyncio's Server listens on it and makes it non-blocking.
          expect(sock.getsockopt(SOL_SOCKET, SO_ACCEPTCONN)).toBe(1);
          expect(sock.getblocking()).toBe(false);
          expect(await echoOnce(loop, host, port, `over sock= ${host}`)).toBe(`over sock= ${host}`);
          await closeServer(server);
          expect(sock.fileno()).toBe(-1);
          expect(openFds()).toBe(before);
          const again = new Socket(family, SOCK_STREAM);
          again.bind([host, port]);
          again.close();
        }
      });
      loop.close();
    });

    it('[SRV-11, SRV-03] sock with startServing: false: listened on only when serving starts (3.11, no D27 for a given socket); a server never served closes it too', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const before = openFds();
        const sock = new Socket(AF_INET, SOCK_STREAM);
        sock.bind(['127.0.0.1', 0]);
        const server = await loop.createServer(() => new EchoProtocol(), null, null, { sock, startServing: false });
        expect(server.isServing()).toBe(false);
        expect(sock.getsockopt(SOL_SOCKET, SO_ACCEPTCONN)).toBe(0);
        await server.startServing();
        expect(sock.getsockopt(SOL_SOCKET, SO_ACCEPTCONN)).toBe(1);
        expect(await echoOnce(loop, '127.0.0.1', portOf(sock), 'late')).toBe('late');
        await closeServer(server);
        expect(sock.fileno()).toBe(-1);
        const idle = new Socket(AF_INET, SOCK_STREAM);
        idle.bind(['127.0.0.1', 0]);
        const never = await loop.createServer(() => new EchoProtocol(), null, null, { sock: idle, startServing: false });
        await closeServer(never);
        expect(idle.fileno()).toBe(-1);
        expect(openFds()).toBe(before);
      });
      loop.close();
    });

    it('[SRV-11, DGRAM-02] sock: the trace of oracle/sock_adopt.py (a given stream socket served, a given connected datagram socket), as asyncio 3.11 prints it', async (t) => {
      const loop = t.loop;
      const trace: string[] = [];
      const drain = (sock: Socket): string[] => {
        const got: string[] = [];
        for (let d = sock.tryRecvfrom(100); d !== null; d = sock.tryRecvfrom(100)) got.push(d[0].toString());
        return got;
      };
      await t.run(async () => {
        const sock = new Socket(AF_INET, SOCK_STREAM);
        sock.bind(['127.0.0.1', 0]);
        const server = await loop.createServer(() => new EchoProtocol(), null, null, { sock, startServing: false });
        trace.push(`listening before start: ${sock.getsockopt(SOL_SOCKET, SO_ACCEPTCONN)}`);
        await server.startServing();
        trace.push(`listening after start: ${sock.getsockopt(SOL_SOCKET, SO_ACCEPTCONN)} blocking: ${sock.getblocking() ? 'True' : 'False'}`);
        trace.push(`sockets[0] is sock: ${server.sockets[0] === sock ? 'True' : 'False'}`);
        trace.push(`echo: ${await echoOnce(loop, '127.0.0.1', portOf(sock), 'hi')}`);
        await closeServer(server);
        trace.push(`server closed, sock fileno: ${sock.fileno()}`);

        const peer = new Socket(AF_INET, SOCK_DGRAM);
        peer.bind(['127.0.0.1', 0]);
        const other = new Socket(AF_INET, SOCK_DGRAM);
        other.bind(['127.0.0.1', 0]);
        const dgram = new Socket(AF_INET, SOCK_DGRAM);
        dgram.connect(peer.getsockname());
        const [transport] = await loop.createDatagramEndpoint(() => new DatagramProtocol(), null, null, { sock: dgram });
        const same = (a: unknown, b: unknown): string => (JSON.stringify(a) === JSON.stringify(b) ? 'True' : 'False');
        trace.push(`peername is the peer: ${same(transport.getExtraInfo('peername'), peer.getsockname())}`);
        trace.push(`socket extra is sock: ${transport.getExtraInfo('socket') === dgram ? 'True' : 'False'}`);
        transport.sendto(Buffer.from('no-address'));
        transport.sendto(Buffer.from('other-address'), other.getsockname());
        const got: string[] = [];
        while (got.length < 2) {
          await sleep(0.01);
          got.push(...drain(peer));
        }
        trace.push(`peer got: ${got.join(',')}; other got: ${drain(other).join(',') || 'nothing'}`);
        transport.close();
        await sleep(0);
        trace.push(`transport closed, sock fileno: ${dgram.fileno()}`);
        peer.close();
        other.close();
      });
      loop.close();
      // What `python3 oracle/sock_adopt.py` printed on CPython 3.11:
      expect(trace).toEqual([
        'listening before start: 0',
        'listening after start: 1 blocking: False',
        'sockets[0] is sock: True',
        'echo: hi',
        'server closed, sock fileno: -1',
        'peername is the peer: True',
        'socket extra is sock: True',
        'peer got: no-address,other-address; other got: nothing',
        'transport closed, sock fileno: -1',
      ]);
    });

    it('[D90] sock: a closed socket is a coded TypeError naming the call; the loop keeps running', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const sock = new Socket(AF_INET, SOCK_STREAM);
        sock.close();
        const err = await loop.createServer(() => new Protocol(), null, null, { sock }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(TypeError);
        expect(err).toMatchObject({ code: 'ERR_LOOP_INVALID_ARG', message: expect.stringMatching(/^startServing\(\): .* is closed$/) });
        expect(await echoOnceOnNewServer(loop)).toBe('still running');
      });
      loop.close();
    });

    it('sock: an object that is not a @loop/socket socket (no descriptor to duplicate) is refused with NotImplementedError naming @loop/socket', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const err = await loop.createServer(() => new Protocol(), null, null, { sock: foreignSocket() }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(NotImplementedError);
        expect((err as Error).message).toContain('@loop/socket');
      });
      loop.close();
    });

    it('[test_create_server, SRV-01, SRV-04] port 0 on one host: one listening socket with a real port; sockets is a copy', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const server = await loop.createServer(() => new EchoProtocol(), '127.0.0.1', 0);
        expect(server.isServing()).toBe(true);
        expect(server.getLoop()).toBe(loop);
        const socks = server.sockets;
        expect(socks).toHaveLength(1);
        expect(socks[0].family).toBe(AF_INET);
        expect(socks[0].type).toBe(SOCK_STREAM);
        const [host, port] = socks[0].getsockname() as [string, number];
        expect(host).toBe('127.0.0.1');
        expect(port).toBeGreaterThan(0);
        (socks as unknown as unknown[]).length = 0;
        expect(server.sockets).toHaveLength(1);
        expect(inspect(server)).toBe(`<Server sockets=(('127.0.0.1', ${port}),)>`);
        expect(await echoOnce(loop, '127.0.0.1', port, 'one')).toBe('one');
        await closeServer(server);
        expect(server.sockets).toEqual([]);
        expect(server.isServing()).toBe(false);
      });
      loop.close();
    });

    it('[test_create_server_dual_stack, SRV-09] host null serves every interface: one IPv4 and one IPv6 socket, both reachable', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        for (const host of [null, '']) {
          const server = await loop.createServer(() => new EchoProtocol(), host, 0);
          const socks = server.sockets;
          expect(socks.map((s) => s.family).sort()).toEqual([AF_INET, AF_INET6].sort());
          const v4 = socks.find((s) => s.family === AF_INET)!;
          const v6 = socks.find((s) => s.family === AF_INET6)!;
          expect((v4.getsockname() as [string, number])[0]).toBe('0.0.0.0');
          expect((v6.getsockname() as [string, number])[0]).toBe('::');
          expect(await echoOnce(loop, '127.0.0.1', portOf(v4), 'v4')).toBe('v4');
          expect(await echoOnce(loop, '::1', portOf(v6), 'v6')).toBe('v6');
          await closeServer(server);
        }
      });
      loop.close();
    });

    // CPython 3.11: create_server(None, 0, flags=0) -> sockets on '127.0.0.1' and '::1' (getaddrinfo without
    // AI_PASSIVE gives the loopback addresses); family=AF_INET -> one socket on '0.0.0.0';
    // create_server('localhost', 0, flags=AI_NUMERICHOST) -> gaierror(EAI_NONAME); create_server('127.0.0.1', 0,
    // family=AF_INET6) -> gaierror(EAI_ADDRFAMILY).
    it('[SRV-14] family and flags reach getaddrinfo: flags 0 serves loopback, family AF_INET one wildcard socket', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const loopback = await loop.createServer(() => new EchoProtocol(), null, 0, { flags: 0 });
        expect(loopback.sockets.map((s) => (s.getsockname() as [string, number])[0]).sort()).toEqual(['127.0.0.1', '::1'].sort());
        for (const sock of loopback.sockets) {
          const host = (sock.getsockname() as [string, number])[0];
          expect(await echoOnce(loop, host, portOf(sock), host)).toBe(host);
        }
        await closeServer(loopback);
        const v4 = await loop.createServer(() => new EchoProtocol(), null, 0, { family: AF_INET });
        expect(v4.sockets.map((s) => [s.family, (s.getsockname() as [string, number])[0]])).toEqual([[AF_INET, '0.0.0.0']]);
        expect(await echoOnce(loop, '127.0.0.1', portOf(v4.sockets[0]), 'v4 only')).toBe('v4 only');
        await closeServer(v4);
        await expect(loop.createServer(() => new Protocol(), 'localhost', 0, { flags: AI_NUMERICHOST })).rejects.toMatchObject({ code: 'EAI_NONAME' });
        await expect(loop.createServer(() => new Protocol(), '127.0.0.1', 0, { family: AF_INET6 })).rejects.toMatchObject({ code: 'EAI_ADDRFAMILY' });
      });
      loop.close();
    });

    // asyncio 3.13's keep_alive=True sets SO_KEEPALIVE on each accepted socket. Linux shows it in
    // /proc/net/tcp: an idle established socket with SO_KEEPALIVE has its keepalive timer armed (tr 02),
    // one without has none (tr 00).
    it('[SRV-15] keepAlive: the accepted connections have SO_KEEPALIVE, and only with it', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        for (const keepAlive of [true, false]) {
          const accepted = loop.createFuture<void>();
          const server = await loop.createServer(
            () => {
              const p = new EchoProtocol();
              const made = p.connectionMade.bind(p);
              p.connectionMade = (tr: BaseTransport): void => {
                made(tr);
                accepted.setResult(undefined);
              };
              return p;
            },
            '127.0.0.1',
            0,
            { keepAlive },
          );
          const port = portOf(server.sockets[0]);
          const [transport, client] = await loop.createConnection(() => new RecordingProtocol(loop), '127.0.0.1', port);
          await accepted;
          if (process.platform === 'linux') expect(tcpTimers(port)).toEqual([keepAlive ? '02' : '00']);
          transport.write(Buffer.from('alive'));
          await client.receivedAtLeast(5);
          transport.close();
          await client.lost;
          server.close();
          await server.waitClosed();
        }
      });
      loop.close();
    });

    it('[SRV-09] a list of hosts: one socket per host', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const server = await loop.createServer(() => new EchoProtocol(), ['127.0.0.1', '::1'], 0);
        const names = server.sockets.map((s) => (s.getsockname() as [string, number])[0]);
        expect(names.sort()).toEqual(['127.0.0.1', '::1'].sort());
        for (const s of server.sockets) {
          const host = (s.getsockname() as [string, number])[0];
          expect(await echoOnce(loop, host, portOf(s), host)).toBe(host);
        }
        await closeServer(server);
      });
      loop.close();
    });

    it('[test_create_server_addr_in_use, SRV-10] EADDRINUSE: asyncio message shape, code kept, nothing left open', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const first = await loop.createServer(() => new EchoProtocol(), '127.0.0.1', 0);
        const port = portOf(first.sockets[0]);
        const err = (await loop.createServer(() => new EchoProtocol(), '127.0.0.1', port).catch((e: unknown) => e)) as Error & { code?: string };
        expect(err.code).toBe('EADDRINUSE');
        expect(err.message).toBe(`error while attempting to bind on address ('127.0.0.1', ${port}): address already in use`);
        // A list where the second host fails: the first socket is closed again.
        const err2 = (await loop.createServer(() => new EchoProtocol(), ['::1', '127.0.0.1'], port).catch((e: unknown) => e)) as Error & {
          code?: string;
        };
        expect(err2.code).toBe('EADDRINUSE');
        await closeServer(first);
      });
      loop.close();
    });

    // D27: CPython 3.11 does not listen before start_serving(), so there the client's connect is refused
    // (ConnectionRefusedError); the proactor listens and holds the connection until startServing().
    it('startServing: false listens without serving; startServing() then serves the waiting client (idempotent)', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        let made = 0;
        const server = await loop.createServer(
          () => {
            made++;
            return new EchoProtocol();
          },
          '127.0.0.1',
          0,
          { startServing: false },
        );
        expect(server.isServing()).toBe(false);
        const port = portOf(server.sockets[0]);
        const [transport, client] = await loop.createConnection(() => new RecordingProtocol(loop), '127.0.0.1', port);
        transport.write(Buffer.from('early'));
        await sleep(0.05);
        expect(made).toBe(0);
        await server.startServing();
        await server.startServing();
        expect(server.isServing()).toBe(true);
        await client.receivedAtLeast(5);
        expect(client.data().toString()).toBe('early');
        expect(made).toBe(1);
        transport.close();
        await client.lost;
        await closeServer(server);
        await expect(server.startServing()).rejects.toBeInstanceOf(RuntimeError);
      });
      loop.close();
    });

    it('startServing: false, then close(): a held connection is closed, waitClosed resolves', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        let made = 0;
        const server = await loop.createServer(
          () => {
            made++;
            return new EchoProtocol();
          },
          '127.0.0.1',
          0,
          { startServing: false },
        );
        const port = portOf(server.sockets[0]);
        const [transport, client] = await loop.createConnection(() => new RecordingProtocol(loop), '127.0.0.1', port);
        await sleep(0.02);
        server.close();
        await server.waitClosed();
        await client.lost;
        transport.close();
        expect(made).toBe(0);
        expect(client.received).toBe(0);
      });
      loop.close();
    });

    it('[test_start_server_1, SRV-06] serveForever: one at a time; cancelling the task closes the server; refused once closed', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const server = await loop.createServer(() => new EchoProtocol(), '127.0.0.1', 0, { startServing: false });
        const task = loop.createTask(() => server.serveForever());
        await sleep(0);
        expect(server.isServing()).toBe(true);
        await expect(server.serveForever()).rejects.toThrow(/is already being awaited on serveForever\(\)/);
        const port = portOf(server.sockets[0]);
        expect(await echoOnce(loop, '127.0.0.1', port, 'forever')).toBe('forever');
        task.cancel();
        await expect(task).rejects.toBeInstanceOf(CancelledError);
        expect(task.cancelled()).toBe(true);
        expect(server.isServing()).toBe(false);
        expect(server.sockets).toEqual([]);
        await expect(server.serveForever()).rejects.toThrow(/is closed$/);
      });
      loop.close();
    });

    it('[SRV-06] close() while serveForever() waits: it ends with CancelledError', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const server = await loop.createServer(() => new EchoProtocol(), '127.0.0.1', 0);
        const task = loop.createTask(() => server.serveForever());
        await sleep(0);
        server.close();
        await expect(task).rejects.toBeInstanceOf(CancelledError);
        await server.waitClosed();
      });
      loop.close();
    });

    it('[D89, SRV-05] a server closed while clients are connected: they keep working; waitClosed resolves after they close (3.12)', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const server = await loop.createServer(() => new EchoProtocol(), '127.0.0.1', 0);
        const port = portOf(server.sockets[0]);
        const clients = await Promise.all([1, 2, 3].map(() => loop.createConnection(() => new RecordingProtocol(loop), '127.0.0.1', port)));
        for (const [, c] of clients) await c.made;
        await sleep(0.02);
        server.close();
        let closed = false;
        const waiting = server.waitClosed().then(() => {
          closed = true;
        });
        // A new connection is refused, the old ones still echo.
        const refused = await loop.createConnection(() => new Protocol(), '127.0.0.1', port).catch((e: unknown) => e);
        expect(refused).toMatchObject({ code: 'ECONNREFUSED' });
        for (const [i, [transport, c]] of clients.entries()) {
          transport.write(Buffer.from(`after close ${i}`));
          await c.receivedAtLeast(`after close ${i}`.length);
          expect(c.data().toString()).toBe(`after close ${i}`);
        }
        expect(closed).toBe(false);
        clients[0][0].close();
        clients[1][0].close();
        await clients[0][1].lost;
        await clients[1][1].lost;
        await sleep(0.02);
        expect(closed).toBe(false);
        clients[2][0].close();
        await clients[2][1].lost;
        await waiting;
        expect(closed).toBe(true);
        await server.waitClosed();
      });
      loop.close();
    });

    it('[SRV-05] waitClosed on an open server without clients waits for close()', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const server = await loop.createServer(() => new EchoProtocol(), '127.0.0.1', 0);
        let done = false;
        const waiting = server.waitClosed().then(() => {
          done = true;
        });
        await sleep(0.02);
        expect(done).toBe(false);
        server.close();
        await waiting;
        expect(done).toBe(true);
      });
      loop.close();
    });

    for (const how of ['closeClients', 'abortClients'] as const) {
      it(`[SRV-16] ${how}() ends every accepted connection`, async (t) => {
        const loop = t.loop;
        await t.run(async () => {
          const server = await loop.createServer(() => new EchoProtocol(), '127.0.0.1', 0);
          const port = portOf(server.sockets[0]);
          const clients = await Promise.all([1, 2].map(() => loop.createConnection(() => new RecordingProtocol(loop), '127.0.0.1', port)));
          for (const [transport, c] of clients) {
            transport.write(Buffer.from('x'));
            await c.receivedAtLeast(1);
          }
          server.close();
          server[how]();
          for (const [, c] of clients) await c.lost;
          for (const [transport] of clients) transport.close();
          await server.waitClosed();
        });
        loop.close();
      });
    }

    it('[SRV-07] await using closes the server and waits for it', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        let port: number;
        let kept: Server;
        {
          await using server = await loop.createServer(() => new EchoProtocol(), '127.0.0.1', 0);
          kept = server;
          port = portOf(server.sockets[0]);
          expect(await echoOnce(loop, '127.0.0.1', port, 'scoped')).toBe('scoped');
        }
        expect(kept.sockets).toEqual([]);
        const refused = await loop.createConnection(() => new Protocol(), '127.0.0.1', port).catch((e: unknown) => e);
        expect(refused).toMatchObject({ code: 'ECONNREFUSED' });
      });
      loop.close();
    });

    it('a protocol whose connectionMade throws: the handler gets protocol and transport; the server goes on', async (t) => {
      const loop = t.loop;
      const calls = t.expectExceptionHandlerCalls();
      class Faulty extends Protocol {
        override connectionMade(_transport: BaseTransport): void {
          throw new Error('boom in connectionMade');
        }
      }
      await t.run(async () => {
        let n = 0;
        const server = await loop.createServer(() => (n++ === 0 ? new Faulty() : new EchoProtocol()), '127.0.0.1', 0);
        const port = portOf(server.sockets[0]);
        const [transport, client] = await loop.createConnection(() => new RecordingProtocol(loop), '127.0.0.1', port);
        for (let i = 0; i < 500 && calls.length === 0; i++) await sleep(0.01);
        transport.close();
        await client.lost;
        expect(calls).toHaveLength(1);
        expect((calls[0].exception as Error).message).toBe('boom in connectionMade');
        expect(calls[0].protocol).toBeInstanceOf(Faulty);
        expect(calls[0].transport).toBeDefined();
        expect(await echoOnce(loop, '127.0.0.1', port, 'still serving')).toBe('still serving');
        await closeServer(server);
      });
      loop.close();
    });

    it('[SRV-02] 1,000 concurrent clients against one server: every byte echoed and accounted for', async (t) => {
      const loop = t.loop;
      await t.run(
        async () => {
          let accepted = 0;
          let bytesIn = 0;
          class CountingEcho extends EchoProtocol {
            override connectionMade(transport: BaseTransport): void {
              accepted++;
              super.connectionMade(transport);
            }
            override dataReceived(data: Buffer): void {
              bytesIn += data.length;
              super.dataReceived(data);
            }
          }
          const server = await loop.createServer(() => new CountingEcho(), '127.0.0.1', 0, { backlog: 1024 });
          const port = portOf(server.sockets[0]);
          const N = 1000;
          const payloadOf = (i: number): Buffer => createHash('sha256').update(`client ${i}`).digest().subarray(0, 16 + (i % 64));
          const one = async (i: number): Promise<string> => {
            const [transport, client] = await loop.createConnection(() => new RecordingProtocol(loop), '127.0.0.1', port);
            const payload = Buffer.concat([payloadOf(i), payloadOf(i + N), payloadOf(i)]);
            transport.write(payload.subarray(0, 10));
            transport.write(payload.subarray(10));
            await client.receivedAtLeast(payload.length);
            transport.close();
            await client.lost;
            expect(client.data().equals(payload)).toBe(true);
            return createHash('sha256').update(client.data()).digest('hex');
          };
          const hashes = await Promise.all(Array.from({ length: N }, (_, i) => one(i)));
          expect(new Set(hashes).size).toBe(N);
          let expected = 0;
          for (let i = 0; i < N; i++) expected += 2 * payloadOf(i).length + payloadOf(i + N).length;
          expect(accepted).toBe(N);
          expect(bytesIn).toBe(expected);
          await closeServer(server);
        },
        { seconds: 60 },
      );
      loop.close();
    }, { timeout: 90000 });
  });
}
