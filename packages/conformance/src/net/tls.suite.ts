/**
 * TLS over stream transports (asyncio's `test_sslproto.py` and the TLS parts
 * of `test_events.py`): `SslProtocol` on a raw transport, `startTls`, the
 * TLS transport's behaviour as the application protocol sees it.
 *
 * HOW: real sockets (127.0.0.1, ::1, a Unix socket in the test's directory)
 * and real TLS with the test CA. Connections are made on the backend
 * contract (`listenStream` / `startServing` / `connectStream` /
 * `makeSocketTransport` of `getBackend(loop)`), with an `SslProtocol` as the
 * raw transport's protocol, exactly as `createConnection({ ssl })` and
 * `createServer({ ssl })` compose them, so the suite tests the TLS layer on
 * any backend. Scenarios were checked against CPython 3.11 twins (event
 * order, extra-info shapes).
 *
 * @packageDocumentation
 */
import { expect } from 'expect';
import { describe } from '../runner.js';
import { createHash, randomBytes } from 'node:crypto';
import { TLSSocket, createSecureContext } from 'node:tls';
import {
  BufferedProtocol,
  NotImplementedError,
  Protocol,
  getBackend,
  type Address,
  type BaseProtocol,
  type BaseTransport,
  type IoBackend,
  type SocketLike,
  type SslContext,
  type Transport,
} from '@loop/interfaces';
import { AF_INET, AF_INET6, AF_UNIX, SslProtocol, startTls, type SslProtocolOptions } from '@loop/net';
import { defineNetTest, type NetLoop, type NetLoopFactory, type NetTest } from './harness.js';
import { TEST_CA_PEM, TEST_CLIENT_CERT_PEM, TEST_CLIENT_KEY_PEM } from './tls-fixtures.js';

// ------------------------------------------------------------------ helpers

function backend(t: NetTest): IoBackend {
  const b = getBackend(t.loop);
  if (b === null) throw new Error('the loop under test has no backend');
  return b;
}

interface Listener {
  sock: SocketLike;
  address: Address;
  transports: BaseTransport[];
  close(): void;
  /** Resolves once every accepted connection has ended (its `connectionLost` ran): no socket is left behind. */
  drained(): Promise<void>;
}

/** A listening socket whose connections get `factory()` as protocol. */
async function listen(t: NetTest, address: Address, family: number, factory: () => BaseProtocol): Promise<Listener> {
  const b = backend(t);
  const sock = await b.listenStream(address, { family, backlog: 100 });
  const transports: BaseTransport[] = [];
  let live = 0;
  let wake: (() => void) | null = null;
  b.startServing(factory, sock, {
    attach: (tr) => {
      transports.push(tr);
      live++;
    },
    detach: () => {
      live--;
      if (live === 0) wake?.();
    },
  });
  const drained = async (): Promise<void> => {
    while (live > 0) await new Promise<void>((resolve) => (wake = resolve));
  };
  return { sock, address: sock.getsockname(), transports, close: () => b.stopServing(sock), drained };
}

/** A TLS server: each connection's protocol is an `SslProtocol` (server side) over `app()`. */
function listenTls(
  t: NetTest,
  address: Address,
  family: number,
  app: () => BaseProtocol,
  ctx: SslContext = t.serverTls(),
  opts: Partial<SslProtocolOptions> = {},
): Promise<Listener> {
  return listen(t, address, family, () => new SslProtocol(t.loop, app(), ctx, null, { serverSide: true, ...opts }));
}

/** A plain connection with `protocol`. */
async function connect(t: NetTest, address: Address, family: number, protocol: BaseProtocol): Promise<Transport> {
  const b = backend(t);
  const sock = await b.connectStream(address, { family });
  const waiter = t.loop.createFuture<void>();
  const tr = b.makeSocketTransport(sock, protocol, waiter);
  await waiter;
  return tr;
}

/** A TLS connection (client side) with `app`; resolves after the handshake, as `createConnection({ ssl })`. */
async function connectTls(
  t: NetTest,
  address: Address,
  family: number,
  app: BaseProtocol,
  ctx: SslContext | true = t.clientTls(),
  opts: Partial<SslProtocolOptions> = {},
): Promise<[Transport, SslProtocol, Transport]> {
  const b = backend(t);
  const sock = await b.connectStream(address, { family });
  const waiter = t.loop.createFuture<void>();
  const ssl = new SslProtocol(t.loop, app, ctx, waiter, { serverSide: false, serverHostname: 'localhost', ...opts });
  const raw = b.makeSocketTransport(sock, ssl, null);
  try {
    await waiter;
  } catch (err) {
    raw.close();
    throw err;
  }
  return [ssl.appTransport, ssl, raw];
}

type Event = string;

/** A protocol that records its calls and can wait for one. */
class Recorder extends Protocol {
  readonly events: Event[] = [];
  readonly received: Buffer[] = [];
  transport: Transport | null = null;
  lostWith: Error | null | undefined = undefined;
  readonly #waiters: [(e: Event) => boolean, () => void][] = [];

  override connectionMade(transport: Transport): void {
    this.transport = transport;
    this.record('made');
  }
  override dataReceived(data: Buffer): void {
    this.received.push(data);
    this.record('data');
  }
  override eofReceived(): void {
    this.record('eof');
  }
  override connectionLost(exc: Error | null): void {
    this.lostWith = exc;
    this.record('lost');
  }
  get text(): string {
    return Buffer.concat(this.received).toString();
  }
  record(e: Event): void {
    this.events.push(e);
    for (const w of [...this.#waiters]) {
      if (w[0](e)) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w[1]();
      }
    }
  }
  /** Resolves when `pred` holds for the record (now or later). */
  when(pred: (r: this) => boolean): Promise<void> {
    if (pred(this)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push([() => pred(this), resolve]));
  }
  lost(): Promise<void> {
    return this.when((r) => r.events.includes('lost'));
  }
}

/** Echoes what it receives. */
class Echo extends Recorder {
  override dataReceived(data: Buffer): void {
    super.dataReceived(data);
    this.transport?.write(data);
  }
}

/** A protocol factory that makes a `Kind` per connection and keeps each in `made`. */
function keeping<P extends BaseProtocol>(made: P[], Kind: new () => P): () => P {
  return () => {
    const p = new Kind();
    made.push(p);
    return p;
  };
}

/** Events with consecutive `data` merged (chunk boundaries are arbitrary). */
function squash(events: Event[]): Event[] {
  return events.filter((e, i) => !(e === 'data' && events[i - 1] === 'data'));
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

const sleep = (loop: NetLoop, s: number): Promise<void> => new Promise((r) => loop.callLater(s, r));

// ------------------------------------------------------------------ the suite

/** TLS over any stream transport: `SslProtocol`, the TLS transport, `startTls`. */
export function tlsSuite(newLoop: NetLoopFactory): void {
  const it = defineNetTest(newLoop);

  describe('tls', () => {
    const places: [string, (t: NetTest) => [Address, number]][] = [
      ['127.0.0.1', () => [['127.0.0.1', 0], AF_INET]],
      ['::1', () => [['::1', 0, 0, 0], AF_INET6]],
      ['a Unix socket', (t) => [t.path('tls.sock'), AF_UNIX]],
    ];

    for (const [where, place] of places) {
      it(`[TLS-08] handshake and echo over ${where}: connectionMade, data, eof and connectionLost in asyncio's order on both sides`, async (t) => {
        await t.run(async () => {
          const [address, family] = place(t);
          const servers: Echo[] = [];
          const srv = await listenTls(t, address, family, keeping(servers, Echo));
          const client = new Recorder();
          const [tr] = await connectTls(t, srv.address, family, client);
          expect(client.events).toEqual(['made']);
          expect(client.transport).toBe(tr);
          tr.write(Buffer.from('hello '));
          tr.writelines([Buffer.from('over '), Buffer.from('TLS')]);
          await client.when((r) => r.text === 'hello over TLS');
          tr.close();
          expect(tr.isClosing()).toBe(true);
          await client.lost();
          await servers[0].lost();
          // CPython 3.11: the closing client still gets eof_received() when the
          // peer's close_notify arrives, then connection_lost(None).
          expect(squash(client.events)).toEqual(['made', 'data', 'eof', 'lost']);
          expect(client.lostWith).toBeNull();
          expect(squash(servers[0].events)).toEqual(['made', 'data', 'eof', 'lost']);
          expect(servers[0].lostWith).toBeNull();
          srv.close();
        });
        t.loop.close();
      });
    }

    it('[TR-01, CONN-08] getExtraInfo: sslcontext, peercert, cipher, compression, ssl_object, and the raw transport keys', async (t) => {
      await t.run(async () => {
        const servers: Recorder[] = [];
        const srv = await listenTls(t, ['127.0.0.1', 0], AF_INET, keeping(servers, Echo));
        const client = new Recorder();
        const [tr, , raw] = await connectTls(t, srv.address, AF_INET, client);
        const ctx = tr.getExtraInfo('sslcontext');
        expect(ctx).not.toBeNull();
        expect(typeof (ctx as { context?: unknown }).context).toBe('object');
        const cert = tr.getExtraInfo('peercert');
        expect(cert).not.toBeNull();
        expect(cert!.subject).toBeDefined();
        expect(cert!.subjectaltname).toContain('DNS:localhost');
        const cipher = tr.getExtraInfo('cipher')!;
        expect(cipher).toHaveLength(3);
        expect(typeof cipher[0]).toBe('string');
        expect(cipher[1]).toMatch(/^TLSv1\.[23]$/);
        expect(typeof cipher[2]).toBe('number');
        expect(tr.getExtraInfo('compression')).toBeNull();
        expect(tr.getExtraInfo('ssl_object')).toBeInstanceOf(TLSSocket);
        expect(tr.getExtraInfo('peername')).toEqual(raw.getExtraInfo('peername'));
        expect(tr.getExtraInfo('sockname')).toEqual(raw.getExtraInfo('sockname'));
        expect(tr.getExtraInfo('peername')).toEqual(srv.address);
        expect(tr.getExtraInfo('no such key')).toBeNull();
        expect(tr.getExtraInfo('no such key', 42)).toBe(42);
        expect(servers).toHaveLength(1);
        await servers[0].when((r) => r.transport !== null);
        // The server did not ask for a certificate: no peercert (Python: None).
        expect(servers[0].transport!.getExtraInfo('peercert')).toBeNull();
        expect(servers[0].transport!.getExtraInfo('cipher')).toEqual(cipher);
        tr.close();
        await client.lost();
        await servers[0].lost();
        srv.close();
      });
      t.loop.close();
    });

    it('[CONN-08] an explicit SecureContext works on both sides; ssl: true verifies with the default CAs', async (t) => {
      await t.run(async () => {
        const servers: Recorder[] = [];
        const srv = await listenTls(t, ['127.0.0.1', 0], AF_INET, keeping(servers, Echo), createSecureContext(t.serverTls()));
        const client = new Recorder();
        const [tr] = await connectTls(t, srv.address, AF_INET, client, createSecureContext(t.clientTls()));
        tr.write(Buffer.from('ctx'));
        await client.when((r) => r.text === 'ctx');
        tr.close();
        await client.lost();
        // The test CA is not among Node's default CAs.
        await expect(connectTls(t, srv.address, AF_INET, new Recorder(), true)).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
        await servers[0].lost();
        await srv.drained();
        srv.close();
      });
      t.loop.close();
    });

    it('[test_create_connection_ssl_failed_certificate, TLS-06, SRV-13] verification failure: an untrusted CA rejects the handshake with Node\'s code; no connectionMade, no exception handler call', async (t) => {
      await t.run(async () => {
        const servers: Recorder[] = [];
        const srv = await listenTls(t, ['127.0.0.1', 0], AF_INET, keeping(servers, Recorder));
        const client = new Recorder();
        const err = await connectTls(t, srv.address, AF_INET, client, {}).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
        expect(client.events).toEqual([]);
        await sleep(t.loop, 0.05);
        expect(servers[0].events).toEqual([]);
        srv.close();
      });
      t.loop.close();
    });

    it('[test_create_server_ssl_match_failed, SRV-13] verification failure: a wrong host name rejects with ERR_TLS_CERT_ALTNAME_INVALID; an IP literal is checked against the IP SANs; "" turns the name check off (D47)', async (t) => {
      await t.run(async () => {
        const srv = await listenTls(t, ['127.0.0.1', 0], AF_INET, () => new Echo());
        await expect(connectTls(t, srv.address, AF_INET, new Recorder(), t.clientTls(), { serverHostname: 'example.com' })).rejects.toMatchObject({
          code: 'ERR_TLS_CERT_ALTNAME_INVALID',
        });
        await expect(connectTls(t, srv.address, AF_INET, new Recorder(), t.clientTls(), { serverHostname: '10.1.2.3' })).rejects.toMatchObject({
          code: 'ERR_TLS_CERT_ALTNAME_INVALID',
        });
        for (const serverHostname of ['127.0.0.1', '', null]) {
          const c = new Recorder();
          const [tr] = await connectTls(t, srv.address, AF_INET, c, t.clientTls(), { serverHostname });
          tr.write(Buffer.from('ok'));
          await c.when((r) => r.text === 'ok');
          tr.close();
          await c.lost();
        }
        // With "" the chain is still verified.
        await expect(connectTls(t, srv.address, AF_INET, new Recorder(), {}, { serverHostname: '' })).rejects.toMatchObject({
          code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
        });
        await srv.drained();
        srv.close();
      });
      t.loop.close();
    });

    it('[SRV-13] a server that requires a client certificate (requestCert, rejectUnauthorized) refuses a client without one: no connectionMade on the server', async (t) => {
      await t.run(async () => {
        const servers: Recorder[] = [];
        const srv = await listenTls(t, ['127.0.0.1', 0], AF_INET, keeping(servers, Recorder), t.serverTls({ requestCert: true, rejectUnauthorized: true, ca: TEST_CA_PEM }));
        const client = new Recorder();
        // TLS 1.3: the client may finish its handshake before the server's alert arrives.
        const outcome = await connectTls(t, srv.address, AF_INET, client).then(
          async () => {
            await client.lost();
            return client.lostWith;
          },
          (e: unknown) => e,
        );
        expect(outcome).not.toBeNull();
        expect((outcome as { code?: unknown }).code).toMatch(/CERTIFICATE_REQUIRED|ECONNRESET/);
        await sleep(t.loop, 0.05);
        expect(servers[0].events).toEqual([]);
        srv.close();
      });
      t.loop.close();
    });

    it('[SRV-13, TR-01] a client certificate signed by the CA is accepted: the server sees it as peercert, the client sees the server\'s', async (t) => {
      await t.run(async () => {
        const servers: Recorder[] = [];
        const srv = await listenTls(t, ['127.0.0.1', 0], AF_INET, keeping(servers, Recorder), t.serverTls({ requestCert: true, rejectUnauthorized: true, ca: TEST_CA_PEM }));
        const client = new Recorder();
        const [tr] = await connectTls(t, srv.address, AF_INET, client, t.clientTls({ cert: TEST_CLIENT_CERT_PEM, key: TEST_CLIENT_KEY_PEM }));
        await servers[0].when((r) => r.events.includes('made'));
        const serverSide = servers[0].transport!;
        const seen = serverSide.getExtraInfo('peercert') as { subject?: { CN?: string } } | null;
        expect(seen?.subject?.CN).toBe('loop test client');
        expect((tr.getExtraInfo('peercert') as { subject?: { CN?: string } } | null)?.subject?.CN).toBe('localhost');
        tr.write(Buffer.from('with a certificate'));
        await servers[0].when((r) => r.text === 'with a certificate');
        tr.close();
        await client.lost();
        await servers[0].lost();
        srv.close();
      });
      t.loop.close();
    });

    it('[test_handshake_timeout, TLS-04] a handshake that times out (a TCP peer that never answers) rejects with ECONNABORTED and aborts the connection', async (t) => {
      await t.run(async () => {
        const silent: Recorder[] = [];
        const srv = await listen(t, ['127.0.0.1', 0], AF_INET, keeping(silent, Recorder));
        const client = new Recorder();
        const err = (await connectTls(t, srv.address, AF_INET, client, t.clientTls(), { sslHandshakeTimeout: 0.2 }).then(
          () => null,
          (e: unknown) => e,
        )) as (Error & { code?: string }) | null;
        expect(err).toBeInstanceOf(Error);
        expect(err!.code).toBe('ECONNABORTED');
        expect(err!.message).toBe('SSL handshake is taking longer than 0.2 seconds: aborting the connection');
        expect(client.events).toEqual([]);
        await silent[0].lost();
        expect(silent[0].received.length).toBeGreaterThan(0); // the ClientHello
        srv.close();
      });
      t.loop.close();
    });

    it('the raw transport closed here during the handshake: the waiter fails with ECONNRESET (not a success), no connectionMade', async (t) => {
      await t.run(async () => {
        const silent: Recorder[] = [];
        const srv = await listen(t, ['127.0.0.1', 0], AF_INET, keeping(silent, Recorder));
        const b = backend(t);
        const sock = await b.connectStream(srv.address, { family: AF_INET });
        const waiter = t.loop.createFuture<void>();
        const app = new Recorder();
        const ssl = new SslProtocol(t.loop, app, t.clientTls(), waiter, { serverSide: false, serverHostname: 'localhost' });
        const raw = b.makeSocketTransport(sock, ssl, null);
        t.loop.callLater(0.05, () => raw.close());
        const err = await (async () => {
          try {
            await waiter;
            return null;
          } catch (e) {
            return e;
          }
        })();
        expect(err).toMatchObject({ code: 'ECONNRESET' });
        expect(app.events).toEqual([]);
        expect(ssl.appTransport.isClosing()).toBe(true);
        await silent[0].lost();
        srv.close();
      });
      t.loop.close();
    });

    it('[test_handshake_timeout_zero, test_handshake_timeout_negative, TLS-04, TLS-13] SslProtocol checks its timeouts and refuses ssl: true on the server side (asyncio\'s ValueErrors)', (t) => {
      const app = new Protocol();
      expect(() => new SslProtocol(t.loop, app, t.clientTls(), null, { serverSide: false, sslHandshakeTimeout: 0 })).toThrow(
        'sslHandshakeTimeout should be a positive number, got 0',
      );
      expect(() => new SslProtocol(t.loop, app, t.clientTls(), null, { serverSide: false, sslShutdownTimeout: -1 })).toThrow(RangeError);
      expect(() => new SslProtocol(t.loop, app, true, null, { serverSide: true })).toThrow('Server side SSL needs a valid SSLContext');
      t.loop.close();
      return Promise.resolve();
    });

    it('[TLS-09] the TLS transport: write() refuses strings, writeEof() is not supported, empty writes are ignored, writes after close() are dropped', async (t) => {
      await t.run(async () => {
        const servers: Recorder[] = [];
        const srv = await listenTls(t, ['127.0.0.1', 0], AF_INET, keeping(servers, Recorder));
        const client = new Recorder();
        const [tr] = await connectTls(t, srv.address, AF_INET, client);
        expect(() => tr.write('text' as unknown as Uint8Array)).toThrow(TypeError);
        expect(() => tr.writelines(['text' as unknown as Uint8Array])).toThrow(TypeError);
        expect(tr.canWriteEof()).toBe(false);
        expect(() => tr.writeEof()).toThrow(NotImplementedError);
        tr.write(Buffer.alloc(0));
        expect(tr.getWriteBufferSize()).toBe(0);
        expect(tr.getWriteBufferLimits()).toEqual([128 * 1024, 512 * 1024]);
        tr.setWriteBufferLimits({ high: 1000 });
        expect(tr.getWriteBufferLimits()).toEqual([250, 1000]);
        expect(() => tr.setWriteBufferLimits({ high: 1, low: 2 })).toThrow(RangeError);
        expect(tr.getProtocol()).toBe(client);
        tr.write(Buffer.from('last'));
        tr.close();
        tr.write(Buffer.from('dropped'));
        tr.close();
        await client.lost();
        await servers[0].lost();
        expect(servers[0].text).toBe('last');
        expect(t.logs.filter((r) => r.level === 'warn')).toEqual([]);
        srv.close();
      });
      t.loop.close();
    });

    it('[TLS-08] shutdown from the server side: the client gets its data, eofReceived (close_notify), then connectionLost(null)', async (t) => {
      await t.run(async () => {
        const srv = await listenTls(t, ['127.0.0.1', 0], AF_INET, () => {
          const p = new (class extends Recorder {
            override connectionMade(tr: Transport): void {
              super.connectionMade(tr);
              tr.write(Buffer.from('bye'));
              tr.close();
            }
          })();
          return p;
        });
        const client = new Recorder();
        await connectTls(t, srv.address, AF_INET, client);
        await client.lost();
        expect(squash(client.events)).toEqual(['made', 'data', 'eof', 'lost']);
        expect(client.text).toBe('bye');
        expect(client.lostWith).toBeNull();
        srv.close();
      });
      t.loop.close();
    });

    it('[TLS-12] abort(): connectionLost(null) on this side at once, the peer loses the connection too', async (t) => {
      await t.run(async () => {
        const servers: Recorder[] = [];
        const srv = await listenTls(t, ['127.0.0.1', 0], AF_INET, keeping(servers, Recorder));
        const client = new Recorder();
        const [tr] = await connectTls(t, srv.address, AF_INET, client);
        await servers[0].when((r) => r.events.includes('made'));
        tr.abort();
        expect(tr.isClosing()).toBe(true);
        await client.lost();
        expect(client.events).toEqual(['made', 'lost']);
        expect(client.lostWith).toBeNull();
        await servers[0].lost();
        expect(servers[0].events[servers[0].events.length - 1]).toBe('lost');
        srv.close();
      });
      t.loop.close();
    });

    it('[TLS-11] pauseReading() holds data back until resumeReading(); isReading() follows', async (t) => {
      await t.run(async () => {
        const servers: Recorder[] = [];
        const srv = await listenTls(t, ['127.0.0.1', 0], AF_INET, keeping(servers, Echo));
        const client = new Recorder();
        const [tr] = await connectTls(t, srv.address, AF_INET, client);
        expect(tr.isReading()).toBe(true);
        tr.pauseReading();
        expect(tr.isReading()).toBe(false);
        tr.write(Buffer.from('ping'));
        await servers[0].when((r) => r.text === 'ping');
        await sleep(t.loop, 0.05);
        expect(client.received).toEqual([]);
        tr.resumeReading();
        expect(tr.isReading()).toBe(true);
        await client.when((r) => r.text === 'ping');
        tr.close();
        await client.lost();
        srv.close();
      });
      t.loop.close();
    });

    it('[test_buf_feed_data, TLS-11, TR-15] a BufferedProtocol receives through getBuffer()/bufferUpdated()', async (t) => {
      await t.run(async () => {
        const srv = await listenTls(t, ['127.0.0.1', 0], AF_INET, () => new Echo());
        const got: Buffer[] = [];
        let lost = false;
        const buf = Buffer.alloc(7); // smaller than the data: several getBuffer() calls per chunk
        const client = new (class extends BufferedProtocol {
          override getBuffer(): Uint8Array {
            return buf;
          }
          override bufferUpdated(n: number): void {
            got.push(Buffer.from(buf.subarray(0, n)));
          }
          override connectionLost(): void {
            lost = true;
          }
        })();
        const [tr] = await connectTls(t, srv.address, AF_INET, client);
        const payload = randomBytes(5000);
        tr.write(payload);
        while (Buffer.concat(got).length < payload.length) await sleep(t.loop, 0.01);
        expect(Buffer.concat(got).equals(payload)).toBe(true);
        tr.close();
        while (!lost) await sleep(t.loop, 0.01);
        srv.close();
      });
      t.loop.close();
    });

    it('[TLS-11] a BufferedProtocol that pauses reading in bufferUpdated() gets no more bufferUpdated() until resumeReading(), then the rest in order', async (t) => {
      await t.run(async () => {
        const srv = await listenTls(t, ['127.0.0.1', 0], AF_INET, () => new Echo());
        const got: Buffer[] = [];
        const calls: string[] = [];
        let lost = false;
        let tr: Transport | null = null;
        const buf = Buffer.alloc(7); // smaller than the data: feeding one chunk takes several buffers
        const client = new (class extends BufferedProtocol {
          override getBuffer(): Uint8Array {
            return buf;
          }
          override bufferUpdated(n: number): void {
            got.push(Buffer.from(buf.subarray(0, n)));
            calls.push(tr !== null && !tr.isReading() ? 'updated-while-paused' : 'updated');
            if (got.length === 1) {
              tr?.pauseReading();
              calls.push('paused');
            }
          }
          override connectionLost(): void {
            lost = true;
          }
        })();
        [tr] = await connectTls(t, srv.address, AF_INET, client);
        const payload = randomBytes(500);
        tr.write(payload);
        while (got.length === 0) await sleep(t.loop, 0.01);
        await sleep(t.loop, 0.05);
        expect(calls).toEqual(['updated', 'paused']);
        tr.resumeReading();
        while (Buffer.concat(got).length < payload.length) await sleep(t.loop, 0.01);
        expect(Buffer.concat(got).equals(payload)).toBe(true);
        expect(calls).not.toContain('updated-while-paused');
        tr.close();
        while (!lost) await sleep(t.loop, 0.01);
        srv.close();
      });
      t.loop.close();
    });

    it('[TLS-10] an exception in the application\'s dataReceived goes to the exception handler (protocol, transport) and closes the connection with it', async (t) => {
      const calls = t.expectExceptionHandlerCalls();
      await t.run(async () => {
        const servers: Echo[] = [];
        const srv = await listenTls(t, ['127.0.0.1', 0], AF_INET, keeping(servers, Echo));
        const boom = new Error('boom');
        const client = new (class extends Recorder {
          override dataReceived(data: Buffer): void {
            super.dataReceived(data);
            throw boom;
          }
        })();
        const [tr, ssl, raw] = await connectTls(t, srv.address, AF_INET, client);
        tr.write(Buffer.from('x'));
        await client.lost();
        expect(client.lostWith).toBe(boom);
        expect(calls).toHaveLength(1);
        expect(calls[0].message).toBe('Fatal error on SSL protocol');
        expect(calls[0].exception).toBe(boom);
        expect(calls[0].protocol).toBe(ssl);
        expect(calls[0].transport).toBe(raw);
        expect(tr.isClosing()).toBe(true);
        await servers[0].lost();
        srv.close();
      });
      t.loop.close();
    });

    it('[TLS-10] an exception in the application\'s connectionMade fails the handshake waiter with it and goes to the exception handler', async (t) => {
      const calls = t.expectExceptionHandlerCalls();
      await t.run(async () => {
        const servers: Recorder[] = [];
        const srv = await listenTls(t, ['127.0.0.1', 0], AF_INET, keeping(servers, Recorder));
        const boom = new Error('boom in connectionMade');
        const client = new (class extends Recorder {
          override connectionMade(tr: Transport): void {
            super.connectionMade(tr);
            throw boom;
          }
        })();
        await expect(connectTls(t, srv.address, AF_INET, client)).rejects.toBe(boom);
        await client.lost();
        expect(client.events).toEqual(['made', 'lost']);
        expect(client.lostWith).toBe(boom);
        expect(calls).toHaveLength(1);
        expect(calls[0].exception).toBe(boom);
        expect(calls[0].protocol).toBeInstanceOf(SslProtocol);
        await servers[0].lost();
        srv.close();
      });
      t.loop.close();
    });

    it('[TLS-10] eofReceived() returning true has no effect over TLS (a warning is logged), the connection still closes', async (t) => {
      await t.run(async () => {
        const srv = await listenTls(t, ['127.0.0.1', 0], AF_INET, () => {
          const p = new (class extends Recorder {
            override connectionMade(tr: Transport): void {
              super.connectionMade(tr);
              tr.close();
            }
          })();
          return p;
        });
        const client = new (class extends Recorder {
          override eofReceived(): boolean {
            super.eofReceived();
            return true;
          }
        })();
        await connectTls(t, srv.address, AF_INET, client);
        await client.lost();
        expect(client.events).toEqual(['made', 'eof', 'lost']);
        expect(t.logs.filter((r) => r.level === 'warn').map((r) => r.text)).toEqual(['returning true from eofReceived() has no effect when using ssl']);
        srv.close();
      });
      t.loop.close();
    });

    it('[TLS-09] setWriteBufferLimits re-checks both ways (high 0 pauses at once, raising it resumes); a throwing pauseWriting goes to the exception handler', async (t) => {
      const calls = t.expectExceptionHandlerCalls();
      await t.run(async () => {
        const srv = await listenTls(t, ['127.0.0.1', 0], AF_INET, () => new Echo());
        const boom = new Error('pauseWriting failed');
        const client = new (class extends Recorder {
          override pauseWriting(): void {
            this.record('pause');
            throw boom;
          }
          override resumeWriting(): void {
            this.record('resume');
          }
        })();
        const [tr, ssl] = await connectTls(t, srv.address, AF_INET, client);
        // CPython 3.11: the SSL transport pauses at size >= high, so high = 0 pauses an empty buffer.
        tr.setWriteBufferLimits({ high: 0 });
        expect(client.events).toEqual(['made', 'pause']);
        expect(calls).toHaveLength(1);
        expect(calls[0]).toMatchObject({ message: 'protocol.pauseWriting() failed', exception: boom, transport: tr, protocol: ssl });
        tr.setWriteBufferLimits({ high: 65536 });
        expect(client.events).toEqual(['made', 'pause', 'resume']);
        expect(tr.getWriteBufferLimits()).toEqual([16384, 65536]);
        tr.close();
        await client.lost();
        srv.close();
      });
      t.loop.close();
    });

    it('[TLS-09, TLS-11] 16 MiB through TLS with write flow control (pauseWriting/resumeWriting in pairs) behind a paused reader, checked by hash', async (t) => {
      await t.run(
        async () => {
          // The reader holds back until the writer was paused: 16 MiB is more
          // than the loopback's socket buffers take, so the raw transport
          // pauses the TLS layer, which pauses the application.
          const total = 16 * 1024 * 1024;
          const payload = randomBytes(total);
          let paused = false;
          let pauses = 0;
          let resumes = 0;
          let written = 0;
          const servers: Recorder[] = [];
          const srv = await listenTls(t, ['127.0.0.1', 0], AF_INET, () => {
            const hash = createHash('sha256');
            let n = 0;
            const p = new (class extends Recorder {
              override connectionMade(tr: Transport): void {
                super.connectionMade(tr);
                tr.pauseReading();
                const check = (): void => {
                  if (pauses > 0 || written === total) tr.resumeReading();
                  else t.loop.callLater(0.01, check);
                };
                check();
              }
              override dataReceived(data: Buffer): void {
                hash.update(data);
                n += data.length;
                if (n === total) this.transport!.write(Buffer.from(hash.digest('hex')));
              }
            })();
            servers.push(p);
            return p;
          });
          let resume: (() => void) | null = null;
          const client = new (class extends Recorder {
            override pauseWriting(): void {
              expect(paused).toBe(false);
              paused = true;
              pauses++;
            }
            override resumeWriting(): void {
              expect(paused).toBe(true);
              paused = false;
              resumes++;
              resume?.();
            }
          })();
          const [tr] = await connectTls(t, srv.address, AF_INET, client);
          tr.setWriteBufferLimits({ high: 64 * 1024 });
          expect(tr.getWriteBufferLimits()).toEqual([16 * 1024, 64 * 1024]);
          const step = 64 * 1024;
          for (let off = 0; off < total; off += step) {
            tr.write(payload.subarray(off, off + step));
            written += step;
            if (paused) {
              expect(tr.getWriteBufferSize()).toBeGreaterThanOrEqual(64 * 1024);
              await new Promise<void>((r) => (resume = r));
              resume = null;
              expect(tr.getWriteBufferSize()).toBeLessThanOrEqual(16 * 1024);
            }
          }
          await client.when((r) => r.text.length === 64);
          expect(client.text).toBe(sha256(payload));
          expect(pauses).toBeGreaterThan(0);
          expect(resumes).toBe(pauses);
          tr.close();
          await client.lost();
          await servers[0].lost();
          srv.close();
        },
        { seconds: 60 },
      );
      t.loop.close();
    }, { timeout: 90000 });

    it('[TLS-12] shutdown timeout: a peer that never answers close_notify; the raw transport is aborted after sslShutdownTimeout and connectionLost gets a TimeoutError', async (t) => {
      await t.run(async () => {
        const servers: Recorder[] = [];
        const srv = await listenTls(t, ['127.0.0.1', 0], AF_INET, () => {
          // Not reading: the close_notify waits behind the paused application, unanswered.
          const p = new (class extends Recorder {
            override connectionMade(tr: Transport): void {
              super.connectionMade(tr);
              tr.pauseReading();
            }
          })();
          servers.push(p);
          return p;
        });
        const client = new Recorder();
        const [tr] = await connectTls(t, srv.address, AF_INET, client, t.clientTls(), { sslShutdownTimeout: 0.2 });
        await servers[0].when((r) => r.events.includes('made'));
        tr.close();
        await client.lost();
        expect(client.lostWith).toMatchObject({ name: 'TimeoutError', message: 'SSL shutdown timed out' });
        expect(client.events).toEqual(['made', 'lost']);
        // The server, reading again, finds the close_notify and the end of the connection.
        servers[0].transport!.resumeReading();
        await servers[0].lost();
        expect(squash(servers[0].events)).toEqual(['made', 'eof', 'lost']);
        srv.close();
      });
      t.loop.close();
    });

    it('[test_create_server_ssl, TLS-06, TLS-04] createConnection / createServer with ssl: echo, an untrusted CA rejects createConnection with Node\'s code, a silent server times the handshake out', async (t) => {
      await t.run(async () => {
        const loop = t.loop;
        const server = await loop.createServer(() => new Echo(), '127.0.0.1', 0, { ssl: t.serverTls() });
        const port = (server.sockets[0].getsockname() as [string, number])[1];
        const [tr, client] = await loop.createConnection(() => new Recorder(), '127.0.0.1', port, { ssl: t.clientTls(), serverHostname: 'localhost' });
        expect(tr.getExtraInfo('ssl_object')).toBeInstanceOf(TLSSocket);
        tr.write(Buffer.from('via createConnection'));
        await client.when((r) => r.text === 'via createConnection');
        tr.close();
        await client.lost();
        await expect(loop.createConnection(() => new Recorder(), '127.0.0.1', port, { ssl: true, serverHostname: 'localhost' })).rejects.toMatchObject({
          code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
        });
        await expect(loop.createConnection(() => new Recorder(), 'localhost', port, { ssl: t.clientTls(), serverHostname: 'example.com', family: AF_INET })).rejects.toMatchObject({
          code: 'ERR_TLS_CERT_ALTNAME_INVALID',
        });
        server.close();
        await server.waitClosed();

        const silent = await loop.createServer(() => new Recorder(), '127.0.0.1', 0);
        const silentPort = (silent.sockets[0].getsockname() as [string, number])[1];
        await expect(
          loop.createConnection(() => new Recorder(), '127.0.0.1', silentPort, { ssl: t.clientTls(), serverHostname: 'localhost', sslHandshakeTimeout: 0.2 }),
        ).rejects.toMatchObject({ code: 'ECONNABORTED', message: 'SSL handshake is taking longer than 0.2 seconds: aborting the connection' });
        silent.close();
        await silent.waitClosed();
      });
      t.loop.close();
    });

    // -------------------------------------------------------------- startTls

    it('[test_start_tls_client_reg_proto_1, test_start_tls_server_1, TLS-02] startTls: a plain connection upgraded on both sides (STARTTLS), echo through TLS, the old protocol sees nothing after', async (t) => {
      await t.run(async () => {
        const loop = t.loop;
        const tlsServers: Echo[] = [];
        let serverUpgrade: Promise<Transport> | null = null;
        const plainServers: Recorder[] = [];
        const srv = await listen(t, ['127.0.0.1', 0], AF_INET, () => {
          const p = new (class extends Recorder {
            override dataReceived(data: Buffer): void {
              super.dataReceived(data);
              if (this.text === 'STARTTLS\n') {
                const echo = new Echo();
                tlsServers.push(echo);
                this.transport!.write(Buffer.from('GO\n'));
                serverUpgrade = startTls.call(loop, this.transport!, echo, t.serverTls(), { serverSide: true }).then((tr) => {
                  echo.connectionMade(tr); // startTls does not call connectionMade
                  return tr;
                });
              }
            }
          })();
          plainServers.push(p);
          return p;
        });
        const plain = new Recorder();
        const raw = await connect(t, srv.address, AF_INET, plain);
        raw.write(Buffer.from('STARTTLS\n'));
        await plain.when((r) => r.text === 'GO\n');
        const app = new Recorder();
        const tr = await startTls.call(loop, raw, app, t.clientTls(), { serverHostname: 'localhost' });
        expect(app.events).toEqual([]); // no connectionMade from startTls
        expect(raw.getProtocol()).toBeInstanceOf(SslProtocol);
        expect(tr.getExtraInfo('peercert')).not.toBeNull();
        expect(tr.getExtraInfo('peername')).toEqual(raw.getExtraInfo('peername'));
        await (serverUpgrade as Promise<Transport> | null);
        tr.write(Buffer.from('secret'));
        await app.when((r) => r.text === 'secret');
        tr.close();
        await app.lost();
        await tlsServers[0].lost();
        expect(plain.events).toEqual(['made', 'data']);
        expect(plainServers[0].events).toEqual(['made', 'data']);
        expect(squash(app.events)).toEqual(['data', 'eof', 'lost']);
        srv.close();
      });
      t.loop.close();
    });

    it('[test_start_tls_wrong_args, TLS-01, TLS-04] startTls rejects (never throws) a bad context or transport with TypeError and a bad timeout with RangeError', async (t) => {
      await t.run(async () => {
        const srv = await listen(t, ['127.0.0.1', 0], AF_INET, () => new Recorder());
        const plain = new Recorder();
        const raw = await connect(t, srv.address, AF_INET, plain);
        const p = new Protocol();
        const calls = [
          startTls.call(t.loop, raw, p, true as unknown as SslContext),
          startTls.call(t.loop, raw, p, 'ctx' as unknown as SslContext),
          startTls.call(t.loop, {} as BaseTransport, p, t.clientTls()),
          startTls.call(t.loop, raw, p, t.clientTls(), { sslHandshakeTimeout: -1 }),
        ];
        const results = await Promise.allSettled(calls);
        expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
        const reasons = results.map((r) => (r as PromiseRejectedResult).reason as Error);
        expect(reasons[0]).toBeInstanceOf(TypeError);
        expect(reasons[1]).toBeInstanceOf(TypeError);
        expect(reasons[2]).toBeInstanceOf(TypeError);
        expect(reasons[3]).toBeInstanceOf(RangeError);
        // The transport was left as it was.
        expect(raw.getProtocol()).toBe(plain);
        raw.close();
        await plain.lost();
        await srv.drained();
        srv.close();
      });
      t.loop.close();
    });

    it('[TLS-03] startTls: a failed handshake (wrong host name) rejects and closes the transport', async (t) => {
      await t.run(async () => {
        const tlsServers: Recorder[] = [];
        const srv = await listenTls(t, ['127.0.0.1', 0], AF_INET, keeping(tlsServers, Recorder));
        const plain = new Recorder();
        const raw = await connect(t, srv.address, AF_INET, plain);
        const app = new Recorder();
        await expect(startTls.call(t.loop, raw, app, t.clientTls(), { serverHostname: 'example.com' })).rejects.toMatchObject({
          code: 'ERR_TLS_CERT_ALTNAME_INVALID',
        });
        expect(raw.isClosing()).toBe(true);
        await sleep(t.loop, 0.05);
        expect(plain.events).toEqual(['made']);
        srv.close();
      });
      t.loop.close();
    });

    it('[test_create_server_ssl_over_ssl, TLS-02] startTls over a TLS transport: TLS inside TLS', async (t) => {
      await t.run(async () => {
        const inner: Echo[] = [];
        let upgrade: Promise<Transport> | null = null;
        const srv = await listenTls(t, ['127.0.0.1', 0], AF_INET, () => {
          const outer = new (class extends Recorder {
            override dataReceived(data: Buffer): void {
              super.dataReceived(data);
              if (this.text === 'UP') {
                const echo = new Echo();
                inner.push(echo);
                upgrade = startTls.call(t.loop, this.transport!, echo, t.serverTls(), { serverSide: true }).then((tr) => {
                  echo.connectionMade(tr);
                  return tr;
                });
                this.transport!.write(Buffer.from('OK'));
              }
            }
          })();
          return outer;
        });
        const outerClient = new Recorder();
        const [outerTr] = await connectTls(t, srv.address, AF_INET, outerClient);
        outerTr.write(Buffer.from('UP'));
        await outerClient.when((r) => r.text === 'OK');
        const app = new Recorder();
        const tr = await startTls.call(t.loop, outerTr, app, t.clientTls(), { serverHostname: 'localhost' });
        await (upgrade as Promise<Transport> | null);
        expect(tr.getExtraInfo('ssl_object')).not.toBe(outerTr.getExtraInfo('ssl_object'));
        tr.write(Buffer.from('nested'));
        await app.when((r) => r.text === 'nested');
        tr.close();
        await app.lost();
        await inner[0].lost();
        srv.close();
      });
      t.loop.close();
    });
  });
}
