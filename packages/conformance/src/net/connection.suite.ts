/**
 * `createConnection` (asyncio's `test_base_events` create_connection option
 * checks, `test_events` network parts): option conflicts, real connections
 * to 127.0.0.1 and ::1, refused connections, `localAddr`, every resolved
 * address tried in turn with the errors combined, and Happy Eyeballs.
 *
 * HOW: each test runs a real server made by the loop under test
 * (`createServer`), connects to it, and checks the bytes and the errors.
 * A host of `null` resolves to `::1` then `127.0.0.1` (Python's
 * `getaddrinfo(None, port)`), which gives a host with two addresses, one of
 * which can be made dead by serving only the other.
 *
 * The helpers exported here (protocols recording what they get) are shared
 * by the server, unix and datagram suites.
 *
 * @packageDocumentation
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { createServer as createNodeServer } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { expect } from 'expect';
import { describe } from '../runner.js';
import { CancelledError, sleep, wrapFuture } from '@loop/core';
import {
  BaseExceptionGroup,
  NotImplementedError,
  Protocol,
  getBackend,
  type Address,
  type BaseTransport,
  type Future,
  type SchedulingLoop,
  type SocketLike,
  type Transport,
} from '@loop/interfaces';
import { AF_INET, AF_INET6, AI_NUMERICHOST, IPPROTO_TCP, IPPROTO_UDP, SOCK_STREAM } from '@loop/net';
import { defineNetTest, type NetLoop, type NetLoopFactory } from './harness.js';

/** A server protocol that echoes what it receives and closes at EOF. */
export class EchoProtocol extends Protocol {
  /** The transport, once connected. */
  transport: Transport | null = null;
  override connectionMade(transport: BaseTransport): void {
    this.transport = transport as Transport;
  }
  override dataReceived(data: Buffer): void {
    this.transport?.write(data);
  }
}

/** A protocol recording what it receives, with futures for its milestones. */
export class RecordingProtocol extends Protocol {
  /** The transport, once connected. */
  transport: Transport | null = null;
  /** Every chunk `dataReceived` got, in order. */
  readonly chunks: Buffer[] = [];
  /** How many bytes were received. */
  received = 0;
  /** Whether `eofReceived` was called. */
  eof = false;
  /** Done when `connectionMade` was called. */
  readonly made: Future<void>;
  /** Done with the argument of `connectionLost`. */
  readonly lost: Future<Error | null>;
  #want = 0;
  #enough: Future<void> | null = null;
  readonly #loop: SchedulingLoop;

  constructor(loop: SchedulingLoop) {
    super();
    this.#loop = loop;
    this.made = loop.createFuture<void>();
    this.lost = loop.createFuture<Error | null>();
  }
  override connectionMade(transport: BaseTransport): void {
    this.transport = transport as Transport;
    this.made.setResult(undefined);
  }
  override dataReceived(data: Buffer): void {
    this.chunks.push(data);
    this.received += data.length;
    if (this.#enough !== null && this.received >= this.#want) {
      this.#enough.setResult(undefined);
      this.#enough = null;
    }
  }
  override eofReceived(): boolean {
    this.eof = true;
    return false;
  }
  override connectionLost(exc: Error | null): void {
    this.lost.setResult(exc);
  }
  /** Resolves once `n` bytes in all were received. */
  async receivedAtLeast(n: number): Promise<void> {
    if (this.received >= n) return;
    this.#want = n;
    this.#enough = this.#loop.createFuture<void>();
    await this.#enough;
  }
  /** Everything received so far. */
  data(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** A `SocketLike` that no backend made (the proactor cannot take it: `@loop/socket` is needed). */
export function foreignSocket(type = SOCK_STREAM, family = AF_INET): SocketLike {
  return {
    family,
    type,
    fileno: () => 99,
    getsockname: (): Address => ['127.0.0.1', 1],
    getpeername: (): Address => ['127.0.0.1', 2],
    close: () => undefined,
    toString: () => '<foreign socket fd=99>',
  } as SocketLike;
}

/** The port of a server's first socket. */
export function portOf(sock: SocketLike): number {
  const name = sock.getsockname();
  if (typeof name === 'string') throw new Error(`not an IP socket: ${name}`);
  return name[1];
}

/** A port on which nothing listens (a server's port, after it closed). */
export async function deadPort(loop: NetLoop, host = '127.0.0.1'): Promise<number> {
  const server = await loop.createServer(() => new Protocol(), host, 0);
  const port = portOf(server.sockets[0]);
  server.close();
  await server.waitClosed();
  return port;
}

/** Connects, writes `payload`, waits for it echoed, closes; returns the echo. */
async function echoOnce(loop: NetLoop, host: string | null, port: number, payload: Buffer): Promise<Buffer> {
  const [transport, client] = await loop.createConnection(() => new RecordingProtocol(loop), host, port);
  transport.write(payload);
  await client.receivedAtLeast(payload.length);
  transport.close();
  await client.lost;
  return client.data();
}

/** The `createConnection` suite. */
export function connectionSuite(newLoop: NetLoopFactory): void {
  describe('createConnection', () => {
    const it = defineNetTest(newLoop);

    it('[test_create_connection_host_port_sock, test_create_connection_no_host_port_sock, CONN-03] option conflicts reject with asyncio errors, before any I/O', async (t) => {
      const loop = t.loop;
      const f = () => new Protocol();
      await t.run(async () => {
        await expect(loop.createConnection(f, '127.0.0.1', 80, { sock: foreignSocket() })).rejects.toThrow(
          new RangeError('host/port and sock can not be specified at the same time'),
        );
        await expect(loop.createConnection(f)).rejects.toThrow(new RangeError('host and port was not specified and no sock specified'));
        await expect(loop.createConnection(f, '127.0.0.1', 80, { serverHostname: 'x' })).rejects.toThrow(
          new RangeError('serverHostname is only meaningful with ssl'),
        );
        await expect(loop.createConnection(f, null, 80, { ssl: true })).rejects.toThrow(
          new RangeError('You must set serverHostname when using ssl without a host'),
        );
        await expect(loop.createConnection(f, '127.0.0.1', 80, { sslHandshakeTimeout: 1 })).rejects.toThrow(
          new RangeError('sslHandshakeTimeout is only meaningful with ssl'),
        );
        await expect(loop.createConnection(f, '127.0.0.1', 80, { sslShutdownTimeout: 1 })).rejects.toThrow(
          new RangeError('sslShutdownTimeout is only meaningful with ssl'),
        );
        await expect(loop.createConnection(f, undefined, undefined, { sock: foreignSocket(2) })).rejects.toThrow(
          /^A Stream Socket was expected, got <foreign socket fd=99>$/,
        );
        const err = await loop.createConnection(f, '127.0.0.1', 80, { sock: foreignSocket() }).catch((e: unknown) => e);
        expect((err as { code?: string }).code).toBe('ERR_LOOP_OUT_OF_RANGE');
      });
      loop.close();
    });

    it('a socket the backend did not make is refused with NotImplementedError naming @loop/socket', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const err = await loop.createConnection(() => new Protocol(), null, null, { sock: foreignSocket() }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(NotImplementedError);
        expect((err as Error).message).toContain('@loop/socket');
      });
      loop.close();
    });

    for (const host of ['127.0.0.1', '::1']) {
      it(`[test_create_connection, CONN-01, TR-01] connects to ${host}, exchanges bytes, reports peername and sockname`, async (t) => {
        const loop = t.loop;
        await t.run(async () => {
          const server = await loop.createServer(() => new EchoProtocol(), host, 0);
          const port = portOf(server.sockets[0]);
          const [transport, client] = await loop.createConnection(() => new RecordingProtocol(loop), host, port);
          expect(client.transport).toBe(transport);
          expect(transport.getExtraInfo('peername')).toEqual(host === '::1' ? ['::1', port, 0, 0] : ['127.0.0.1', port]);
          const sockname = transport.getExtraInfo('sockname') as [string, number];
          expect(sockname[0]).toBe(host);
          transport.write(Buffer.from('hello'));
          transport.write(Buffer.from(' world'));
          await client.receivedAtLeast(11);
          expect(client.data().toString()).toBe('hello world');
          transport.close();
          expect(await client.lost).toBeNull();
          server.close();
          await server.waitClosed();
        });
        loop.close();
      });
    }

    it('[CONN-01] from a generator task: yield* wrapFuture(loop.createConnection(...))', async (t) => {
      const loop = t.loop;
      const server = await t.run(() => loop.createServer(() => new EchoProtocol(), '127.0.0.1', 0));
      const port = portOf(server.sockets[0]);
      const echoed = await t.run(function* () {
        const [transport, client] = yield* wrapFuture(loop.createConnection(() => new RecordingProtocol(loop), '127.0.0.1', port), loop);
        transport.write(Buffer.from('gen'));
        yield* wrapFuture(client.receivedAtLeast(3), loop);
        transport.close();
        yield* client.lost;
        server.close();
        yield* wrapFuture(server.waitClosed(), loop);
        return client.data().toString();
      });
      expect(echoed).toBe('gen');
      loop.close();
    });

    it('[SOCK-07, CONN-05] a refused connection rejects with the system error and its code', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const port = await deadPort(loop);
        const err = await loop.createConnection(() => new Protocol(), '127.0.0.1', port).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'ECONNREFUSED', syscall: 'connect' });
        expect(typeof (err as Error).message).toBe('string');
      });
      loop.close();
    });

    it('[test_create_connection_local_addr, CONN-06] localAddr binds the connecting socket first', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const server = await loop.createServer(() => new EchoProtocol(), '127.0.0.1', 0);
        const port = portOf(server.sockets[0]);
        const [transport, client] = await loop.createConnection(() => new RecordingProtocol(loop), '127.0.0.1', port, {
          localAddr: ['127.0.0.1', 0],
        });
        const sockname = transport.getExtraInfo('sockname') as [string, number];
        expect(sockname[0]).toBe('127.0.0.1');
        expect(sockname[1]).toBeGreaterThan(0);
        transport.close();
        await client.lost;
        server.close();
        await server.waitClosed();
      });
      loop.close();
    });

    it('[test_create_connection_local_addr_in_use, CONN-06] a localAddr that cannot be bound: asyncio bind message, code kept', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const server = await loop.createServer(() => new EchoProtocol(), '127.0.0.1', 0);
        const port = portOf(server.sockets[0]);
        const blocker = await loop.createServer(() => new EchoProtocol(), '127.0.0.1', 0);
        const lport = portOf(blocker.sockets[0]);
        const err = (await loop
          .createConnection(() => new Protocol(), '127.0.0.1', port, { localAddr: ['127.0.0.1', lport] })
          .catch((e: unknown) => e)) as Error & { code?: string };
        expect(err.code).toBe('EADDRINUSE');
        expect(err.message).toBe(`error while attempting to bind on address ('127.0.0.1', ${lport}): address already in use`);
        server.close();
        blocker.close();
        await server.waitClosed();
        await blocker.waitClosed();
      });
      loop.close();
    });

    it('[test_create_connection_local_addr_nomatch_family, CONN-06] a localAddr of no matching family fails each attempt with asyncio message', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const server = await loop.createServer(() => new EchoProtocol(), '127.0.0.1', 0);
        const port = portOf(server.sockets[0]);
        const err = await loop
          .createConnection(() => new Protocol(), '127.0.0.1', port, { localAddr: ['::1', 0] })
          .catch((e: unknown) => e);
        expect((err as Error).message).toBe(`no matching local address with family=<AddressFamily.AF_INET: ${AF_INET}> found`);
        server.close();
        await server.waitClosed();
      });
      loop.close();
    });

    it('[CONN-05] every resolved address is tried in turn: ::1 dead, 127.0.0.1 alive', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const infos = await loop.getaddrinfo(null, 0, { type: SOCK_STREAM });
        expect(infos.map((i) => i[0])).toEqual([AF_INET6, AF_INET]);
        const server = await loop.createServer(() => new EchoProtocol(), '127.0.0.1', 0);
        const port = portOf(server.sockets[0]);
        const echo = await echoOnce(loop, null, port, Buffer.from('both tried'));
        expect(echo.toString()).toBe('both tried');
        server.close();
        await server.waitClosed();
      });
      loop.close();
    });

    it('[test_create_connection_multiple_errors, CONN-05, CONN-15] when every address fails: different messages give "Multiple exceptions", allErrors an ExceptionGroup', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const port = await deadPort(loop);
        const err = (await loop.createConnection(() => new Protocol(), null, port).catch((e: unknown) => e)) as Error & { code?: string };
        // asyncio raises OSError('Multiple exceptions: ...'); here an Error with a stable code (docs/errors.md).
        expect(err.message).toMatch(/^Multiple exceptions: .*, .*/);
        expect(err).toBeInstanceOf(Error);
        expect(err.code).toBe('ERR_LOOP_MULTIPLE_ERRORS');
        const group = await loop.createConnection(() => new Protocol(), null, port, { allErrors: true }).catch((e: unknown) => e);
        expect(group).toBeInstanceOf(BaseExceptionGroup);
        const members = (group as BaseExceptionGroup).exceptions as (Error & { code?: string })[];
        expect(members).toHaveLength(2);
        expect(members.map((e) => e.code)).toEqual(['ECONNREFUSED', 'ECONNREFUSED']);
      });
      loop.close();
    });

    it('[CONN-07] Happy Eyeballs: the dead first address does not delay the live one; the winner is used', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const server = await loop.createServer(() => new EchoProtocol(), '127.0.0.1', 0);
        const port = portOf(server.sockets[0]);
        const [transport, client] = await loop.createConnection(() => new RecordingProtocol(loop), null, port, {
          happyEyeballsDelay: 5,
        });
        expect(transport.getExtraInfo('peername')).toEqual(['127.0.0.1', port]);
        transport.write(Buffer.from('raced'));
        await client.receivedAtLeast(5);
        expect(client.data().toString()).toBe('raced');
        transport.close();
        await client.lost;
        server.close();
        await server.waitClosed();
      });
      loop.close();
    });

    it('[CONN-07, CONN-11] a first address that never answers: Happy Eyeballs starts the next after the delay, which wins; cancelling a hanging attempt closes it', async (t) => {
      const loop = t.loop;
      // A listener on ::1 (backlog 1; Node takes 0 as its default) whose process never accepts (its thread is blocked): once its
      // accept queue is full, connecting to it hangs (the kernel drops the SYNs).
      const child = spawn(
        process.execPath,
        [
          '-e',
          `const s = require('net').createServer();
           s.listen({ host: '::1', port: 0, backlog: 1 }, () => {
             process.stdout.write(s.address().port + '\\n');
             Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
           });`,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const exited = new Promise((resolve) => child.once('close', resolve));
      try {
        const port = await new Promise<number>((resolve, reject) => {
          child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
          child.once('error', reject);
        });
        await t.run(async () => {
          const server = await loop.createServer(() => new EchoProtocol(), '127.0.0.1', port);
          const fillers = Array.from({ length: 8 }, () => loop.createTask(() => loop.createConnection(() => new Protocol(), '::1', port)));
          await sleep(0.05);
          const [transport, client] = await loop.createConnection(() => new RecordingProtocol(loop), null, port, {
            happyEyeballsDelay: 0.1,
          });
          expect(transport.getExtraInfo('peername')).toEqual(['127.0.0.1', port]);
          transport.write(Buffer.from('second address'));
          await client.receivedAtLeast(14);
          expect(client.data().toString()).toBe('second address');
          transport.close();
          await client.lost;
          // Cancelling a connection attempt that hangs: in turn, and in a Happy Eyeballs race.
          for (const options of [{}, { happyEyeballsDelay: 5 }]) {
            const hanging = loop.createTask(() => loop.createConnection(() => new Protocol(), '::1', port, options));
            await sleep(0.05);
            expect(hanging.done()).toBe(false);
            hanging.cancel();
            await expect(hanging).rejects.toBeInstanceOf(CancelledError);
          }
          for (const f of fillers) f.cancel();
          for (const f of fillers) {
            const outcome = await f.then(
              ([tr]) => tr,
              (e: unknown) => e,
            );
            if (outcome instanceof CancelledError) continue;
            (outcome as Transport).close();
          }
          server.close();
          await server.waitClosed();
          await sleep(0.02);
        });
      } finally {
        child.kill('SIGKILL');
        await exited;
      }
      loop.close();
    });

    it('[CONN-07] Happy Eyeballs with a zero delay: one winner, the other attempt closed, nothing leaked', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const v4 = await loop.createServer(() => new EchoProtocol(), '127.0.0.1', 0);
        const port = portOf(v4.sockets[0]);
        const v6 = await loop.createServer(() => new EchoProtocol(), '::1', port);
        for (let i = 0; i < 5; i++) {
          const [transport, client] = await loop.createConnection(() => new RecordingProtocol(loop), null, port, {
            happyEyeballsDelay: 0,
          });
          transport.write(Buffer.from('x'));
          await client.receivedAtLeast(1);
          transport.close();
          await client.lost;
        }
        v4.close();
        v6.close();
        await v4.waitClosed();
        await v6.waitClosed();
        await sleep(0.05);
      });
      loop.close();
    });

    it('[CONN-07, CONN-05] Happy Eyeballs: every attempt failing combines the errors as without it', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const port = await deadPort(loop);
        const err = (await loop.createConnection(() => new Protocol(), null, port, { happyEyeballsDelay: 0.01 }).catch((e: unknown) => e)) as Error;
        expect(err.message).toMatch(/^Multiple exceptions: /);
        expect(err).toMatchObject({ code: 'ERR_LOOP_MULTIPLE_ERRORS' });
      });
      loop.close();
    });

    it('[CONN-12] a resolution failure rejects with EAI_NONAME', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const err = await loop.createConnection(() => new Protocol(), 'no-such-host.invalid', 80).catch((e: unknown) => e);
        expect((err as { code?: string }).code).toBe('EAI_NONAME');
      });
      loop.close();
    });

    it('[test_create_ssl_connection, CONN-08, SRV-13] ssl: createConnection to a createServer with TLS, the host name checked against the certificate', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const server = await loop.createServer(() => new EchoProtocol(), '127.0.0.1', 0, { ssl: t.serverTls() });
        const port = portOf(server.sockets[0]);
        const [transport, client] = await loop.createConnection(() => new RecordingProtocol(loop), '127.0.0.1', port, {
          ssl: t.clientTls(),
          serverHostname: 'localhost',
        });
        expect(transport.getExtraInfo('peercert')).toBeTruthy();
        transport.write(Buffer.from('secret'));
        await client.receivedAtLeast(6);
        expect(client.data().toString()).toBe('secret');
        transport.close();
        await client.lost;
        server.close();
        await server.waitClosed();
      });
      loop.close();
    });

    it('[test_create_server_ssl_match_failed, SRV-13] ssl: a certificate that does not match serverHostname fails the connection', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const server = await loop.createServer(() => new EchoProtocol(), '127.0.0.1', 0, { ssl: t.serverTls() });
        const port = portOf(server.sockets[0]);
        const err = await loop
          .createConnection(() => new RecordingProtocol(loop), '127.0.0.1', port, { ssl: t.clientTls(), serverHostname: 'not-the-name.example' })
          .catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
        server.close();
        server.closeClients();
        await server.waitClosed();
      });
      loop.close();
    });

    it('[CONN-11] cancelling the task awaiting createConnection (TLS handshake pending) closes the connection', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        let serverSide: RecordingProtocol | null = null;
        const server = await loop.createServer(
          () => (serverSide = new RecordingProtocol(loop)),
          '127.0.0.1',
          0,
        );
        const port = portOf(server.sockets[0]);
        const task = loop.createTask(() =>
          loop.createConnection(() => new RecordingProtocol(loop), '127.0.0.1', port, { ssl: t.clientTls(), serverHostname: 'localhost' }),
        );
        // The silent server never answers the ClientHello: the handshake waits.
        while (serverSide === null || (serverSide as RecordingProtocol).received === 0) await sleep(0.01);
        task.cancel();
        await expect(task).rejects.toBeInstanceOf(CancelledError);
        // The client's socket was closed: the server side sees the connection end.
        await (serverSide as RecordingProtocol).lost;
        server.close();
        await server.waitClosed();
      });
      loop.close();
    });

    it('[CONN-13] a protocol factory that throws: createConnection rejects with its error and the socket is closed', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const server = await loop.createServer(() => new EchoProtocol(), '127.0.0.1', 0);
        const port = portOf(server.sockets[0]);
        const boom = new Error('no protocol today');
        await expect(
          loop.createConnection(
            () => {
              throw boom;
            },
            '127.0.0.1',
            port,
          ),
        ).rejects.toBe(boom);
        server.closeClients();
        server.close();
        await server.waitClosed();
      });
      loop.close();
    });

    it('[CONN-14] in debug mode: the same connection, and the debug records', async (t) => {
      const loop = t.newLoop({ debug: true });
      await t.run(
        async () => {
          const server = await loop.createServer(() => new EchoProtocol(), '127.0.0.1', 0);
          const port = portOf(server.sockets[0]);
          const [transport, client] = await loop.createConnection(() => new RecordingProtocol(loop), '127.0.0.1', port);
          transport.write(Buffer.from('dbg'));
          await client.receivedAtLeast(3);
          transport.close();
          await client.lost;
          server.close();
          await server.waitClosed();
        },
        { loop },
      );
      expect(t.logs.some((r) => r.level === 'info' && r.text.includes('is serving'))).toBe(true);
      expect(t.logs.some((r) => r.level === 'debug' && r.text.includes(' connected to 127.0.0.1:'))).toBe(true);
      loop.close();
    });

    // docs/asyncio-mapping.md, "Options objects": `null` where the trailing options object goes is no
    // options (Python's keyword defaults are None); any other non-object is a coded TypeError. Either way
    // a method that returns a Promise reports it by rejecting, never by throwing.
    it('null options are no options on every network method; a non-object rejects with a coded TypeError, never throws', async (t) => {
      const loop = t.loop;
      // Calls the method and checks that it returned a promise instead of throwing.
      const call = <T>(f: () => Promise<T>): Promise<T> => {
        let promise: Promise<T> | undefined;
        expect(() => {
          promise = f();
        }).not.toThrow();
        expect(promise).toBeInstanceOf(Promise);
        return promise!;
      };
      await t.run(async () => {
        const server = await call(() => loop.createServer(() => new EchoProtocol(), '127.0.0.1', 0, null));
        const [tr, client] = await call(() => loop.createConnection(() => new RecordingProtocol(loop), '127.0.0.1', portOf(server.sockets[0]), null));
        const file = t.path('payload');
        writeFileSync(file, 'sent by sendfile');
        const fd = openSync(file, 'r');
        try {
          expect(await call(() => loop.sendfile(tr, fd, 0, null, null))).toBe(16);
        } finally {
          closeSync(fd);
        }
        await client.receivedAtLeast(16);
        tr.close();
        await client.lost;
        // createDatagramEndpoint(..., null): the datagram suite (it needs a datagram backend).
        const path = t.path('null.sock');
        const unixServer = await call(() => loop.createUnixServer(() => new EchoProtocol(), path, null));
        const [unixTr] = await call(() => loop.createUnixConnection(() => new Protocol(), path, null));
        unixTr.close();
        await expect(call(() => loop.connectAcceptedSocket(() => new Protocol(), foreignSocket(2), null))).rejects.toThrow(/^A Stream Socket was expected/);
        expect(await call(() => loop.getaddrinfo('127.0.0.1', 80, null))).toEqual(await loop.getaddrinfo('127.0.0.1', 80));
        for (const s of [server, unixServer]) {
          s.close();
          await s.waitClosed();
        }
        const five = 5 as unknown as null;
        const refused: [string, () => Promise<unknown>][] = [
          ['createConnection', () => loop.createConnection(() => new Protocol(), '127.0.0.1', 1, five)],
          ['createServer', () => loop.createServer(() => new Protocol(), '127.0.0.1', 0, five)],
          ['createDatagramEndpoint', () => loop.createDatagramEndpoint(() => new Protocol(), ['127.0.0.1', 0], null, five)],
          ['createUnixConnection', () => loop.createUnixConnection(() => new Protocol(), path, five)],
          ['createUnixServer', () => loop.createUnixServer(() => new Protocol(), path, five)],
          ['connectAcceptedSocket', () => loop.connectAcceptedSocket(() => new Protocol(), foreignSocket(), five)],
          ['getaddrinfo', () => loop.getaddrinfo('127.0.0.1', 80, five)],
          ['sendfile', () => loop.sendfile(tr, 0, 0, null, five)],
          ['startTls', () => loop.startTls(tr, new Protocol(), {}, five)],
        ];
        for (const [name, f] of refused) {
          const err = await call(f).catch((e: unknown) => e);
          expect(err).toBeInstanceOf(TypeError);
          expect(err).toMatchObject({ code: 'ERR_LOOP_INVALID_ARG', message: `${name}(): options must be an object, null or undefined, not 5` });
        }
      });
      loop.close();
    });

    // asyncio tests `if ssl:`, so any falsy ssl is plain TCP, and a TLS option with it a ValueError (CPython
    // 3.11: create_connection(ssl=0) -> _SelectorSocketTransport; ssl=0, ssl_handshake_timeout=1 ->
    // ValueError). create_server tests `ssl is None` for the timeouts (ssl=0 with a timeout serves plain TCP),
    // create_unix_server `not ssl`; a bool ssl on a server is a TypeError.
    it('[CONN-03, SRV-08, SRV-12] a falsy ssl (0, NaN, empty string, false, null) is plain TCP; a TLS option with it is a RangeError', async (t) => {
      const loop = t.loop;
      const path = t.path('falsy.sock');
      await t.run(async () => {
        const falsy = [0, NaN, '', false, null] as unknown as null[];
        const echo = async (transportAndClient: [Transport, RecordingProtocol]): Promise<void> => {
          const [tr, client] = transportAndClient;
          expect(tr.getExtraInfo('sslcontext', null)).toBeNull();
          tr.write(Buffer.from('plain'));
          await client.receivedAtLeast(5);
          expect(client.data().toString()).toBe('plain');
          tr.close();
          await client.lost;
        };
        for (const ssl of falsy) {
          const serverSsl = ssl === (false as unknown) ? null : ssl;
          const server = await loop.createServer(() => new EchoProtocol(), '127.0.0.1', 0, { ssl: serverSsl });
          const port = portOf(server.sockets[0]);
          await echo(await loop.createConnection(() => new RecordingProtocol(loop), '127.0.0.1', port, { ssl }));
          for (const option of ['sslHandshakeTimeout', 'sslShutdownTimeout', 'serverHostname'] as const) {
            const value = option === 'serverHostname' ? 'localhost' : 1;
            await expect(loop.createConnection(() => new Protocol(), '127.0.0.1', port, { ssl, [option]: value })).rejects.toThrow(
              expect.objectContaining({ name: 'RangeError', message: `${option} is only meaningful with ssl` }),
            );
          }
          await expect(loop.connectAcceptedSocket(() => new Protocol(), foreignSocket(), { ssl, sslHandshakeTimeout: 1 })).rejects.toThrow(
            'sslHandshakeTimeout is only meaningful with ssl',
          );
          server.close();
          await server.waitClosed();
          const unixServer = await loop.createUnixServer(() => new EchoProtocol(), path, { ssl: serverSsl });
          await echo(await loop.createUnixConnection(() => new RecordingProtocol(loop), path, { ssl }));
          await expect(loop.createUnixConnection(() => new Protocol(), path, { ssl, sslHandshakeTimeout: 1 })).rejects.toThrow(RangeError);
          unixServer.close();
          await unixServer.waitClosed();
          if (serverSsl !== null) {
            // create_unix_server: `not ssl` -> ValueError; create_server: `ssl is None` only, so a plain server.
            await expect(loop.createUnixServer(() => new Protocol(), path, { ssl: serverSsl, sslHandshakeTimeout: 1 })).rejects.toThrow(RangeError);
            const quirk = await loop.createServer(() => new EchoProtocol(), '127.0.0.1', 0, { ssl: serverSsl, sslHandshakeTimeout: 1 });
            await echo(await loop.createConnection(() => new RecordingProtocol(loop), '127.0.0.1', portOf(quirk.sockets[0])));
            quirk.close();
            await quirk.waitClosed();
          }
        }
        await expect(loop.createServer(() => new Protocol(), '127.0.0.1', 0, { ssl: false as unknown as null })).rejects.toThrow(TypeError);
        await expect(loop.createUnixServer(() => new Protocol(), path, { ssl: false as unknown as null })).rejects.toThrow(TypeError);
      });
      loop.close();
    });

    // CPython 3.11, a server on '::1' only: create_connection(None, port, family=AF_INET) ->
    // ConnectionRefusedError (only 127.0.0.1 tried); family=AF_INET6 -> peername ('::1', port, 0, 0);
    // create_connection('::1', port, proto=IPPROTO_UDP) connects over TCP (_ipaddr_info: an IP literal is
    // not resolved, its protocol follows the type); ('localhost', proto=IPPROTO_UDP) -> gaierror(EAI_SOCKTYPE);
    // ('localhost', flags=AI_NUMERICHOST) -> gaierror(EAI_NONAME).
    it('[CONN-12, DNS-02] family, proto and flags reach the resolution of host and localAddr', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        const server = await loop.createServer(() => new EchoProtocol(), '::1', 0);
        const port = portOf(server.sockets[0]);
        await expect(loop.createConnection(() => new Protocol(), null, port, { family: AF_INET })).rejects.toMatchObject({ code: 'ECONNREFUSED', address: '127.0.0.1' });
        const [v6, client] = await loop.createConnection(() => new RecordingProtocol(loop), null, port, { family: AF_INET6 });
        expect(v6.getExtraInfo('peername')).toEqual(['::1', port, 0, 0]);
        v6.close();
        await client.lost;
        const [literal, literalClient] = await loop.createConnection(() => new RecordingProtocol(loop), '::1', port, { proto: IPPROTO_UDP });
        expect(literal.getExtraInfo('socket')).toMatchObject({ type: SOCK_STREAM });
        literal.close();
        await literalClient.lost;
        const [tcp, tcpClient] = await loop.createConnection(() => new RecordingProtocol(loop), '::1', port, { proto: IPPROTO_TCP, family: AF_INET6 });
        tcp.close();
        await tcpClient.lost;
        await expect(loop.createConnection(() => new Protocol(), 'localhost', port, { proto: IPPROTO_UDP })).rejects.toMatchObject({ code: 'EAI_SOCKTYPE' });
        await expect(loop.createConnection(() => new Protocol(), '::1', port, { proto: 99 })).rejects.toMatchObject({ code: 'EAI_SOCKTYPE' });
        await expect(loop.createConnection(() => new Protocol(), 'localhost', port, { flags: AI_NUMERICHOST })).rejects.toMatchObject({ code: 'EAI_NONAME' });
        // localAddr is resolved with the same family, proto and flags.
        await expect(
          loop.createConnection(() => new Protocol(), '::1', port, { localAddr: ['localhost', 0], flags: AI_NUMERICHOST }),
        ).rejects.toMatchObject({ code: 'EAI_NONAME' });
        server.close();
        await server.waitClosed();
      });
      loop.close();
    });

    // asyncio's test_connect_accepted_socket: a connection made outside the loop's network methods is
    // handed over; the transport is the server side (of TLS too, with ssl).
    it('[test_connect_accepted_socket] connectAcceptedSocket: a connection made elsewhere becomes a transport, plain and with TLS (server side)', async (t) => {
      const loop = t.loop;
      const serverTls = t.serverTls();
      const caTls = t.clientTls();
      await t.run(async () => {
        const backend = getBackend(loop)!;
        for (const tls of [false, true]) {
          // The peer: a plain node:net server outside the loop, a TLS client when tls.
          const peerGot: Buffer[] = [];
          const peerDone = loop.createFuture<void>();
          const peerServer = createNodeServer((raw) => {
            const sock = tls ? tlsConnect({ socket: raw, servername: 'localhost', ...caTls }) : raw;
            sock.on('data', (d: Buffer) => {
              peerGot.push(d);
              if (Buffer.concat(peerGot).toString() === 'from loop') sock.end('from peer');
            });
            sock.on('error', (e) => loop.callSoonThreadsafe(() => peerDone.done() || peerDone.setException(e)));
            sock.on('close', () => loop.callSoonThreadsafe(() => peerDone.done() || peerDone.setResult(undefined)));
          });
          await new Promise<void>((resolve) => peerServer.listen(0, '127.0.0.1', resolve));
          const sock = await backend.connectStream(['127.0.0.1', (peerServer.address() as { port: number }).port], { family: AF_INET });
          const [transport, protocol] = await loop.connectAcceptedSocket(() => new RecordingProtocol(loop), sock, tls ? { ssl: serverTls, sslHandshakeTimeout: 5 } : null);
          expect(transport.getExtraInfo('sslcontext', null) !== null).toBe(tls);
          transport.write(Buffer.from('from loop'));
          await protocol.receivedAtLeast(9);
          expect(protocol.data().toString()).toBe('from peer');
          transport.close();
          await protocol.lost;
          await peerDone;
          expect(Buffer.concat(peerGot).toString()).toBe('from loop');
          await new Promise<void>((resolve) => peerServer.close(() => resolve()));
        }
      });
      loop.close();
    });

    it('[CONN-10] connectAcceptedSocket: a datagram socket is refused; a foreign socket needs @loop/socket', async (t) => {
      const loop = t.loop;
      await t.run(async () => {
        await expect(loop.connectAcceptedSocket(() => new Protocol(), foreignSocket(2))).rejects.toThrow(/^A Stream Socket was expected/);
        await expect(loop.connectAcceptedSocket(() => new Protocol(), foreignSocket(), { sslHandshakeTimeout: 1 })).rejects.toThrow(
          'sslHandshakeTimeout is only meaningful with ssl',
        );
        const err = await loop.connectAcceptedSocket(() => new Protocol(), foreignSocket()).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(NotImplementedError);
        expect((err as Error).message).toContain('@loop/socket');
      });
      loop.close();
    });
  });
}
