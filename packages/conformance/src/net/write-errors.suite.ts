/**
 * The write-errors suite: what a stream transport does when a send fails
 * because the peer is gone (asyncio's `_SelectorSocketTransport.write` /
 * `_write_ready` and `_ProactorBaseWritePipeTransport._loop_writing`, the
 * oracle being CPython's `test_selector_events` `test_write_exception` and
 * `test_proactor_events` `test_loop_writing_err`).
 *
 * asyncio's rule: a write to a peer that reset or closed never raises and is
 * never an uncaught error. The failed send goes to `_fatal_error` (a
 * `ConnectionResetError` / `BrokenPipeError` is only logged in debug mode,
 * not sent to the exception handler), the transport is closing at once and
 * `connection_lost(exc)` follows once, with that error, even when `close()`
 * comes before the loss is reported; the writes after it are dropped and
 * counted, and from the fifth one `socket.send() raised exception.` is logged
 * as a warning (once per transport here, D33). Streams see the error through
 * `drain()` (`Connection lost`, then the error) and `waitClosed()`.
 *
 * The other write paths, with the same rule (CPython 3.11's `sslproto.py`,
 * `base_events._sendfile_fallback`, `_sendfile_native`, `write_eof`; the
 * Python twin is `oracle/write_paths.py`):
 *
 * - TLS: the raw transport's failed send reaches the application as
 *   `connectionLost(exc)` once, and nothing after it (no `resumeWriting()`;
 *   on the proactor an application that reads gets `eofReceived()` first, D63);
 *   writes after the loss are dropped, from the fifth each logs
 *   `SSL connection is closed`; `close()` with data buffered, then a reset,
 *   ends with the error too; a `StreamWriter.drain()` waiting over TLS fails
 *   with it, then `read()`, `drain()` and `waitClosed()` fail with the same
 *   error.
 * - `loop.sendfile()`: a peer that resets mid-transfer makes the call reject
 *   with the connection error. On the fallback (TLS, the proactor) the failed
 *   write closed the transport, whose protocol got `connectionLost(exc)`; on
 *   the selector's native path `sendfile(2)` failed, not the transport:
 *   reading resumes, the reset was consumed by that failure, so the protocol
 *   gets `eofReceived()` then `connectionLost(null)`, as asyncio's. The file
 *   stays open and no descriptor leaks. Called with data already buffered,
 *   the wait for the buffer (the native path's empty waiter, the fallback's
 *   `resumeWriting`) ends with the send's error, unless the fallback finds
 *   the transport closing first (`Connection closed by peer`). A peer that
 *   reset before the call
 *   (unseen, reading paused): with `fallback` the write fails and the call
 *   rejects with `Connection closed by peer`; with `fallback: false`,
 *   `SendfileNotAvailableError` and the transport stays open.
 * - `writeEof()` with data buffered, then a reset: `connectionLost(exc)`;
 *   `writeEof()` after `close()` or the loss is a no-op; with nothing
 *   buffered on a reset the transport has not seen, `shutdown(2)` fails
 *   (`ENOTCONN`, thrown as asyncio does, except on the proactor: D62).
 *
 * HOW: real sockets (TCP on 127.0.0.1, Unix sockets in the test's temporary
 * directory). A Unix socket whose peer closed refuses a send at once
 * (`EPIPE`), so those cases are deterministic; a TCP peer that closes with
 * unread data resets the connection, so a send fails later (`ECONNRESET` or
 * `EPIPE`). The stress tests run many clients writing with and without flow
 * control against servers that close, abort or fail, and the reverse (a
 * server writing to clients that reset); the harness fails a test on any
 * exception-handler call it did not declare and on a leaked socket, and the
 * runner on an uncaught error.
 *
 * @packageDocumentation
 */
import { expect } from 'expect';
import { describe } from '../runner.js';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fstatSync, openSync, readdirSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer as createNodeServer, type Socket as NodeSocket } from 'node:net';
import { NotImplementedError, Protocol, RuntimeError, SendfileNotAvailableError, hasCapability, type Future, type Transport } from '@loop/interfaces';
import { openConnection, openUnixConnection, startServer, startUnixServer, type StreamWriter } from '@loop/net';
import { defineNetTest, type NetLoop, type NetLoopFactory, type NetTest } from './harness.js';

/** What a connection ends with when the peer is gone: asyncio's `ConnectionResetError` or `BrokenPipeError`. */
const PEER_GONE = ['ECONNRESET', 'EPIPE'];

const WARNING = 'socket.send() raised exception.';

function codeOf(exc: unknown): string | undefined {
  return (exc as { code?: string } | null)?.code;
}

/** A client protocol: records its callbacks, keeps the write side open at EOF, counts `connectionLost`. */
class Client extends Protocol {
  readonly events: string[] = [];
  transport: Transport | null = null;
  lostCalls = 0;
  lostWith: Error | null = null;
  readonly made: Future<void>;
  readonly eof: Future<void>;
  readonly lost: Future<Error | null>;
  /** Done at the first `dataReceived`. */
  readonly data: Future<void>;
  resumed: Future<void> | null = null;
  paused = false;
  readonly #loop: NetLoop;

  constructor(loop: NetLoop) {
    super();
    this.#loop = loop;
    this.made = loop.createFuture<void>();
    this.data = loop.createFuture<void>();
    this.eof = loop.createFuture<void>();
    this.lost = loop.createFuture<Error | null>();
  }

  override connectionMade(transport: Transport): void {
    this.events.push('connectionMade');
    this.transport = transport;
    this.made.setResult(undefined);
  }

  override dataReceived(): void {
    if (this.events[this.events.length - 1] !== 'dataReceived') this.events.push('dataReceived');
    if (!this.data.done()) this.data.setResult(undefined);
  }

  override eofReceived(): boolean {
    this.events.push('eofReceived');
    if (!this.eof.done()) this.eof.setResult(undefined);
    return true;
  }

  override pauseWriting(): void {
    this.paused = true;
    this.resumed = this.#loop.createFuture<void>();
  }

  override resumeWriting(): void {
    // Nothing may reach a protocol after connectionLost: recorded, and the stress tests check it never happens.
    if (this.lostCalls > 0) this.events.push('resumeWriting after connectionLost');
    this.paused = false;
    if (this.resumed !== null && !this.resumed.done()) this.resumed.setResult(undefined);
  }

  override connectionLost(exc: Error | null): void {
    this.events.push('connectionLost');
    this.lostCalls++;
    this.lostWith = exc;
    if (!this.lost.done()) this.lost.setResult(exc);
    if (this.resumed !== null && !this.resumed.done()) this.resumed.setResult(undefined);
  }
}

/** How a server protocol ends its connection once data arrives. */
type Ending = 'close' | 'abort' | 'throw';

/** A server protocol that ends its connection at the first data, as `ending` says. */
class Ender extends Protocol {
  transport: Transport | null = null;
  readonly lost: Future<Error | null>;
  #done = false;

  constructor(
    loop: NetLoop,
    readonly ending: Ending,
  ) {
    super();
    this.lost = loop.createFuture<Error | null>();
  }

  override connectionMade(transport: Transport): void {
    this.transport = transport;
  }

  override dataReceived(): void {
    if (this.#done) return;
    this.#done = true;
    if (this.ending === 'throw') throw new Error('the handler failed');
    if (this.ending === 'close') this.transport?.close();
    else this.transport?.abort();
  }

  override connectionLost(exc: Error | null): void {
    if (!this.lost.done()) this.lost.setResult(exc);
  }
}

/** A server protocol that reads nothing (its peer's sends fill the socket buffers) until it is aborted. */
class Staller extends Protocol {
  transport: Transport | null = null;
  readonly made: Future<void>;

  constructor(loop: NetLoop) {
    super();
    this.made = loop.createFuture<void>();
  }

  override connectionMade(transport: Transport): void {
    this.transport = transport;
    transport.pauseReading();
    this.made.setResult(undefined);
  }
}

/** A server that closes each connection as soon as it is made (a peer that is gone before the client writes). */
class Closer extends Protocol {
  override connectionMade(transport: Transport): void {
    transport.close();
  }
}

/** Where a test listens: a TCP port on 127.0.0.1 (plain or TLS with the test certificates) or a Unix socket path. */
type Where = 'tcp' | 'unix' | 'tls';

async function listen(t: NetTest, where: Where, factory: () => Protocol, name = 's'): Promise<{ connect: (f: () => Protocol) => Promise<Transport>; close: () => Promise<void> }> {
  const loop = t.loop;
  const server =
    where === 'unix' ? await loop.createUnixServer(factory, t.path(name)) : await loop.createServer(factory, '127.0.0.1', 0, where === 'tls' ? { ssl: t.serverTls() } : {});
  const address = server.sockets[0].getsockname();
  return {
    connect: async (f) => {
      const [transport] =
        where === 'unix'
          ? await loop.createUnixConnection(f, address as string)
          : await loop.createConnection(f, '127.0.0.1', (address as [string, number])[1], where === 'tls' ? { ssl: t.clientTls(), serverHostname: 'localhost' } : {});
      return transport;
    },
    close: async () => {
      server.close();
      await server.waitClosed();
    },
  };
}

/** Resolves after one loop iteration (a callback scheduled now has run). */
function nextIteration(loop: NetLoop): Future<void> {
  const fut = loop.createFuture<void>();
  loop.callSoon(() => fut.setResult(undefined));
  return fut;
}

/** Resolves after `delay` seconds of the loop's clock. */
function later(loop: NetLoop, delay: number): Future<void> {
  const fut = loop.createFuture<void>();
  loop.callLater(delay, () => fut.setResult(undefined));
  return fut;
}

/**
 * Writes to `client`'s transport until the connection is lost: with flow
 * control (64 KiB chunks while not paused, then waiting for
 * `resumeWriting`) or without (16 KiB each millisecond, whatever the
 * buffer holds). Every write must return normally. Then writes `after`
 * more times (dropped, counted).
 */
async function writeUntilLost(loop: NetLoop, client: Client, flow: boolean, after: number): Promise<void> {
  const transport = client.transport as Transport;
  const chunk = Buffer.alloc(flow ? 64 * 1024 : 16 * 1024, 0x62);
  while (!client.lost.done()) {
    if (flow) {
      // Until the buffer passes the high-water mark, or the transport fails (a lost transport drops writes and never pauses).
      while (!client.paused && !transport.isClosing()) transport.write(chunk);
      if (client.paused && client.resumed !== null && !client.lost.done()) await client.resumed;
      await nextIteration(loop);
    } else {
      transport.write(chunk);
      await later(loop, 0.001);
    }
  }
  for (let i = 0; i < after; i++) {
    if (i % 2 === 0) transport.write(chunk);
    else transport.writelines([chunk, chunk]);
  }
}

/** The test's `socket.send() raised exception.` warnings (or another warning's text). */
function warnings(t: NetTest, text = WARNING): number {
  return t.logs.filter((r) => r.level === 'warn' && r.text.includes(text)).length;
}

/** asyncio's warning for app writes dropped on a TLS connection that is gone (sslproto's `_write_appdata`). */
const TLS_WARNING = 'SSL connection is closed';

/**
 * Buffers 32 MiB on `transport` whose peer reads nothing: more than the
 * kernel's autotuned socket buffers can take, so no flush can win the race
 * against the peer's reset. The protocol must be paused on the way (at most
 * 64 writes of 1 MiB, so a transport that never pauses fails the test instead
 * of spinning).
 */
function bufferBeyondTheKernel(transport: Transport, client: Client): void {
  const big = Buffer.alloc(1024 * 1024, 7);
  for (let i = 0; i < 64 && (!client.paused || transport.getWriteBufferSize() < 32 * 1024 * 1024); i++) transport.write(big);
  expect(client.paused).toBe(true);
  expect(transport.getWriteBufferSize()).toBeGreaterThanOrEqual(32 * 1024 * 1024);
}

/** Listens with `Staller`s (`where`), connects a `Client`; resolves once the server side is made and stalled. */
async function stalledPair(t: NetTest, where: Where): Promise<{ client: Client; transport: Transport; staller: Staller; close: () => Promise<void> }> {
  const loop = t.loop;
  const stallers: Staller[] = [];
  const server = await listen(t, where, () => {
    const s = new Staller(loop);
    stallers.push(s);
    return s;
  });
  const client = new Client(loop);
  const transport = await server.connect(() => client);
  await client.made;
  while (stallers.length === 0) await nextIteration(loop);
  await stallers[0].made;
  return { client, transport, staller: stallers[0], close: server.close };
}

/** What a promise rejects with (`null` when it resolves). */
function rejection(p: PromiseLike<unknown>): Promise<unknown> {
  return Promise.resolve(p).then(
    () => null,
    (e: unknown) => e,
  );
}

/** The number of this process's open file descriptors (`null` where `/proc/self/fd` does not exist). */
function openFds(): number | null {
  return existsSync('/proc/self/fd') ? readdirSync('/proc/self/fd').length : null;
}

/** Waits (Node's timers, up to 10 s) until the process has no more open descriptors than `baseline`; returns the excess. */
async function fdExcess(baseline: number | null): Promise<number> {
  if (baseline === null) return 0;
  for (let i = 0; i < 500; i++) {
    if ((openFds() as number) <= baseline) return 0;
    await new Promise((r) => setTimeout(r, 20));
  }
  return (openFds() as number) - baseline;
}

/** A sender's protocol for the sendfile cases: records its callbacks; returns nothing from eofReceived (the transport closes). */
class Sender extends Protocol {
  readonly events: string[] = [];
  lostCalls = 0;
  readonly lost: Future<Error | null>;

  /** With `pausedReading`, reading is paused in `connectionMade` (before the transport reads anything). */
  constructor(
    loop: NetLoop,
    readonly pausedReading = false,
  ) {
    super();
    this.lost = loop.createFuture<Error | null>();
  }

  override connectionMade(transport: Transport): void {
    if (this.pausedReading) transport.pauseReading();
  }

  override eofReceived(): void {
    this.events.push('eofReceived');
  }

  override connectionLost(exc: Error | null): void {
    this.events.push(`connectionLost(${exc === null ? 'null' : (codeOf(exc) ?? exc.name)})`);
    this.lostCalls++;
    if (!this.lost.done()) this.lost.setResult(exc);
  }
}

/** A receiver that reads `limit` bytes, then aborts with the rest unread (the kernel resets the connection). */
class Resetter extends Protocol {
  transport: Transport | null = null;
  received = 0;

  constructor(readonly limit: number) {
    super();
  }

  override connectionMade(transport: Transport): void {
    this.transport = transport;
  }

  override dataReceived(data: Buffer): void {
    this.received += data.length;
    if (this.received >= this.limit && this.transport !== null && !this.transport.isClosing()) {
      this.transport.pauseReading();
      this.transport.abort();
    }
  }
}

/**
 * The write-errors suite (see the file header). Runs on any loop with a
 * stream transport (`network`); the Unix cases need `unix`.
 */
export function writeErrorsSuite(newLoop: NetLoopFactory): void {
  describe('write errors', () => {
    const it = defineNetTest(newLoop);

    it(
      '[test_write_exception] write() to a Unix peer that is gone never throws: the transport is closing at once, connectionLost(EPIPE) once, no exception-handler call',
      async (t) => {
        await t.run(async () => {
          const loop = t.loop;
          const server = await listen(t, 'unix', () => new Closer());
          const client = new Client(loop);
          const transport = await server.connect(() => client);
          await client.eof;
          expect(transport.isClosing()).toBe(false);
          transport.write(Buffer.alloc(1000, 1));
          // The kernel refused the send: asyncio's _fatal_error ran inside write().
          expect(transport.isClosing()).toBe(true);
          expect(client.lostCalls).toBe(0);
          const exc = await client.lost;
          expect(codeOf(exc)).toBe('EPIPE');
          expect(client.events).toEqual(['connectionMade', 'eofReceived', 'connectionLost']);
          transport.close();
          transport.abort();
          await nextIteration(loop);
          expect(client.lostCalls).toBe(1);
          expect(t.exceptions).toEqual([]);
          await server.close();
        });
        t.loop.close();
      },
      { needs: ['unix'] },
    );

    it(
      '[test_write_exception] write() to a Unix peer that is gone, then close() in the same step: connectionLost gets EPIPE, not null',
      async (t) => {
        await t.run(async () => {
          const loop = t.loop;
          const server = await listen(t, 'unix', () => new Closer());
          const client = new Client(loop);
          const transport = await server.connect(() => client);
          await client.eof;
          transport.write(Buffer.alloc(1000, 1));
          transport.close();
          expect(codeOf(await client.lost)).toBe('EPIPE');
          await nextIteration(loop);
          expect(client.lostCalls).toBe(1);
          await server.close();
        });
        t.loop.close();
      },
      { needs: ['unix'] },
    );

    it('[test_loop_writing_err] the writes after a failed send are dropped and counted: the fifth logs "socket.send() raised exception." as a warning, none throws', async (t) => {
      await t.run(async () => {
        const loop = t.loop;
        const server = await listen(t, 'tcp', () => new Ender(loop, 'abort'));
        const client = new Client(loop);
        const transport = await server.connect(() => client);
        // The server aborts with our data unread: the kernel resets the
        // connection, and a send fails. Stop writing as soon as the transport
        // is closing (lost): the count starts there, at 1.
        const chunk = Buffer.alloc(16 * 1024, 0x62);
        while (!transport.isClosing()) {
          transport.write(chunk);
          await nextIteration(loop);
        }
        expect(PEER_GONE).toContain(codeOf(await client.lost));
        for (let i = 1; i <= 4; i++) transport.write(Buffer.from('dropped'));
        expect(warnings(t)).toBe(0);
        transport.write(Buffer.from('dropped'));
        expect(warnings(t)).toBeGreaterThanOrEqual(1);
        transport.writelines([Buffer.from('a'), Buffer.from('b')]);
        expect(client.lostCalls).toBe(1);
        expect(t.exceptions).toEqual([]);
        await server.close();
      });
      t.loop.close();
    });

    it('[test_loop_writing_err] close() with data buffered, then the peer resets: connectionLost gets the send error (ECONNRESET or EPIPE), not null', async (t) => {
      await t.run(async () => {
        const loop = t.loop;
        const stallers: Staller[] = [];
        const server = await listen(t, 'tcp', () => {
          const s = new Staller(loop);
          stallers.push(s);
          return s;
        });
        const client = new Client(loop);
        const transport = await server.connect(() => client);
        await stallers[0].made;
        // The server reads nothing: fill the socket buffers, then buffer far more
        // than the kernel's buffers can ever take (autotuning grows them to a few
        // MB), so the flush cannot complete before the reset arrives.
        const big = Buffer.alloc(1024 * 1024, 7);
        while (!client.paused) transport.write(big);
        while (transport.getWriteBufferSize() < 32 * 1024 * 1024) transport.write(big);
        expect(client.paused).toBe(true);
        transport.close();
        expect(transport.isClosing()).toBe(true);
        // Closing with unread data: the kernel resets the connection, and the flush fails.
        stallers[0].transport?.abort();
        const exc = await client.lost;
        expect(PEER_GONE).toContain(codeOf(exc));
        await nextIteration(loop);
        expect(client.lostCalls).toBe(1);
        expect(t.exceptions).toEqual([]);
        await server.close();
      });
      t.loop.close();
    });

    for (const where of ['tcp', 'unix', 'tls'] as const) {
      // Over TLS a server's close() is a TLS shutdown: a client may get its close_notify (a clean end,
      // connectionLost(null)) before the reset, and a failing handler is asyncio's SSLProtocol
      // 'Fatal error on SSL protocol'.
      const tls = where === 'tls';
      const needs = tls ? ['tls' as const] : where === 'unix' ? ['unix' as const] : [];
      const expectPeerGone = (exc: Error | null | undefined): void => {
        if (!tls || exc !== null) expect(PEER_GONE).toContain(codeOf(exc));
      };
      /** After the last client went: TLS connections finish their shutdown over a few iterations. */
      const settle = (loop: NetLoop): Future<void> => (tls ? later(loop, 0.05) : nextIteration(loop));

      it(
        tls
          ? '[TLS-10, test_loop_writing_err] stress (tls): 24 clients keep writing over TLS, with and without flow control, to servers that close, abort or fail: no write throws, connectionLost once each (null after a clean TLS close, else ECONNRESET or EPIPE), the failing handlers alone reach the exception handler'
          : `[test_loop_writing_err] stress (${where}): 24 clients keep writing, with and without flow control, to servers that close, abort or fail: no write throws, connectionLost once each with ECONNRESET or EPIPE`,
        async (t) => {
          const exceptions = t.expectExceptionHandlerCalls();
          const clients = 24;
          const endings: Ending[] = ['close', 'abort', 'throw'];
          await t.run(
            async () => {
              const loop = t.loop;
              let made = 0;
              const servers: Ender[] = [];
              const server = await listen(t, where, () => {
                const s = new Ender(loop, endings[made++ % endings.length]);
                servers.push(s);
                return s;
              });
              const all: Client[] = [];
              await Promise.all(
                Array.from({ length: clients }, async (_, i) => {
                  const client = new Client(loop);
                  all.push(client);
                  await server.connect(() => client);
                  await writeUntilLost(loop, client, i % 2 === 0, 6);
                }),
              );
              await settle(loop);
              for (const client of all) {
                expect(client.lostCalls).toBe(1);
                expect(client.events).not.toContain('resumeWriting after connectionLost');
                expectPeerGone(client.lostWith);
              }
              await Promise.all(servers.map((s) => s.lost));
              await server.close();
            },
            { seconds: tls ? 40 : 30 },
          );
          // Each failing handler reaches the exception handler once; the peers going away never do.
          const failure = tls ? 'Fatal error on SSL protocol' : 'Fatal error: protocol.dataReceived() call failed.';
          expect(exceptions.map((c) => c.message)).toEqual(Array(clients / endings.length).fill(failure));
          if (!tls) expect(warnings(t)).toBeGreaterThanOrEqual(clients);
          t.loop.close();
        },
        { timeout: tls ? 80000 : 60000, needs },
      );

      it(
        tls
          ? '[TLS-10, test_loop_writing_err] stress (tls), the reverse: a server keeps writing over TLS to 24 clients that abort or close: no write throws, each server connectionLost once (null after a clean TLS close, else ECONNRESET or EPIPE), no exception-handler call'
          : `[test_loop_writing_err] stress (${where}), the reverse: a server keeps writing to 24 clients that reset or close: no write throws, each server connectionLost once with ECONNRESET or EPIPE`,
        async (t) => {
          const clients = 24;
          await t.run(
            async () => {
              const loop = t.loop;
              const writers: Client[] = [];
              const done: Promise<void>[] = [];
              // The server may accept a connection after its client already went away.
              const allMade = loop.createFuture<void>();
              const server = await listen(t, where, () => {
                const w = new Client(loop);
                const flow = writers.length % 2 === 0;
                writers.push(w);
                if (writers.length === clients) allMade.setResult(undefined);
                done.push(
                  (async (): Promise<void> => {
                    await w.made;
                    await writeUntilLost(loop, w, flow, 6);
                  })(),
                );
                return w;
              });
              await Promise.all(
                Array.from({ length: clients }, async (_, i) => {
                  const reader = new Client(loop);
                  const transport = await server.connect(() => reader);
                  if (tls) {
                    // The server's side has finished its handshake once it writes: a reset before that would fail
                    // its handshake, and its protocol would never be made (as in asyncio).
                    await reader.data;
                  } else {
                    await reader.made;
                    await nextIteration(loop);
                  }
                  // Data unread: abort() resets a TCP connection; close() on a Unix socket makes the writer's sends fail.
                  if (i % 2 === 0) transport.abort();
                  else transport.close();
                  await reader.lost;
                }),
              );
              await allMade;
              await Promise.all(done);
              if (tls) await settle(loop);
              expect(writers.length).toBe(clients);
              for (const w of writers) {
                expect(w.lostCalls).toBe(1);
                expect(w.events).not.toContain('resumeWriting after connectionLost');
                expectPeerGone(w.lostWith);
              }
              await server.close();
            },
            { seconds: tls ? 40 : 30 },
          );
          expect(t.exceptions).toEqual([]);
          t.loop.close();
        },
        { timeout: tls ? 80000 : 60000, needs },
      );
    }

    it(
      '[test_write_exception] streams: after a write to a Unix peer that is gone, drain() fails (Connection lost, then EPIPE) and waitClosed() fails with EPIPE, nothing uncaught',
      async (t) => {
        await t.run(async () => {
          const path = t.path('streams');
          const server = await startUnixServer(async (reader, writer) => {
            await reader.read(100);
            writer.close();
            await writer.waitClosed();
          }, path);
          const [reader, writer] = await openUnixConnection(path);
          writer.write(Buffer.from('hello'));
          expect((await reader.read(100)).length).toBe(0);
          writer.write(Buffer.alloc(1000, 1));
          expect(writer.isClosing()).toBe(true);
          const first = await writer.drain().then(
            () => null,
            (e: unknown) => e,
          );
          expect(codeOf(first)).toBe('ECONNRESET');
          expect((first as Error).message).toBe('Connection lost');
          const second = await writer.drain().then(
            () => null,
            (e: unknown) => e,
          );
          expect(codeOf(second)).toBe('EPIPE');
          writer.close();
          const closed = await writer.waitClosed().then(
            () => null,
            (e: unknown) => e,
          );
          expect(codeOf(closed)).toBe('EPIPE');
          server.close();
          await server.waitClosed();
        });
        expect(t.exceptions).toEqual([]);
        t.loop.close();
      },
      { needs: ['unix'] },
    );

    it(
      '[TLS-09, TR-08] TLS: app writes after the peer reset never throw: connectionLost(ECONNRESET or EPIPE) once, the writes after it are dropped and from the fifth each logs "SSL connection is closed" as a warning, no exception-handler call',
      async (t) => {
        await t.run(
          async () => {
            const loop = t.loop;
            const { client, transport, staller, close } = await stalledPair(t, 'tls');
            // Reading paused: the proactor sees a reset as an EOF first (D54), which a reading TLS app would get as eofReceived().
            transport.pauseReading();
            bufferBeyondTheKernel(transport, client);
            // The server aborts with our data unread: the kernel resets the connection and the raw transport's flush fails.
            staller.transport?.abort();
            const exc = await client.lost;
            expect(PEER_GONE).toContain(codeOf(exc));
            expect(transport.isClosing()).toBe(true);
            expect(client.events).toEqual(['connectionMade', 'connectionLost']);
            // asyncio's SSLProtocol counts the loss, then each dropped write: the fifth write and every one after it warn.
            const counts: number[] = [];
            for (let i = 1; i <= 7; i++) {
              if (i % 2 === 0) transport.writelines([Buffer.from('drop'), Buffer.from('ped')]);
              else transport.write(Buffer.from('dropped'));
              counts.push(warnings(t, TLS_WARNING));
            }
            expect(counts).toEqual([0, 0, 0, 0, 1, 2, 3]);
            // The reset is logged by the raw transport, in debug mode only (asyncio's _fatal_error, _FATAL_ERROR_IGNORE).
            const fatal = t.logs.filter((r) => r.level === 'debug' && /Fatal (read|write) error on socket transport/.test(r.text));
            expect(fatal.length > 0).toBe(loop.getDebug());
            expect(warnings(t)).toBe(0);
            expect(transport.getWriteBufferSize()).toBe(0);
            expect(() => transport.writeEof()).toThrow(NotImplementedError);
            transport.close();
            transport.abort();
            // Nothing reaches the app protocol after connectionLost (asyncio's SSLProtocol drops it): no resumeWriting().
            await later(loop, 0.05);
            expect(client.lostCalls).toBe(1);
            expect(client.paused).toBe(true);
            await close();
          },
          { seconds: 30 },
        );
        expect(t.exceptions).toEqual([]);
        t.loop.close();
      },
      { timeout: 60000, needs: ['tls'] },
    );

    it(
      '[TLS-08, TR-08] TLS: a reset while the app reads and writes: connectionLost(ECONNRESET or EPIPE) once, no exception-handler call; on the proactor eofReceived() comes first (D63)',
      async (t) => {
        await t.run(
          async () => {
            const loop = t.loop;
            const { client, transport, staller, close } = await stalledPair(t, 'tls');
            bufferBeyondTheKernel(transport, client);
            staller.transport?.abort();
            expect(PEER_GONE).toContain(codeOf(await client.lost));
            await later(loop, 0.05);
            expect(client.lostCalls).toBe(1);
            // asyncio reads the reset (ECONNRESET); libuv reports it as an end of stream (D54), which TLS passes on (D63).
            if (client.events.length === 3) expect(client.events).toEqual(['connectionMade', 'eofReceived', 'connectionLost']);
            else expect(client.events).toEqual(['connectionMade', 'connectionLost']);
            await close();
          },
          { seconds: 30 },
        );
        expect(t.exceptions).toEqual([]);
        t.loop.close();
      },
      { timeout: 60000, needs: ['tls'] },
    );

    it(
      '[TLS-09, test_loop_writing_err] TLS: close() with 32 MiB buffered, then the peer resets: the shutdown never completes, connectionLost gets the send error (ECONNRESET or EPIPE), not null',
      async (t) => {
        await t.run(
          async () => {
            const loop = t.loop;
            const { client, transport, staller, close } = await stalledPair(t, 'tls');
            // Reading paused: the proactor sees a reset as an EOF first (D54), which a reading TLS app would get as eofReceived().
            transport.pauseReading();
            bufferBeyondTheKernel(transport, client);
            transport.close();
            expect(transport.isClosing()).toBe(true);
            staller.transport?.abort();
            expect(PEER_GONE).toContain(codeOf(await client.lost));
            await later(loop, 0.05);
            expect(client.lostCalls).toBe(1);
            expect(client.events).toEqual(['connectionMade', 'connectionLost']);
            expect(client.paused).toBe(true);
            await close();
          },
          { seconds: 30 },
        );
        expect(t.exceptions).toEqual([]);
        t.loop.close();
      },
      { timeout: 60000, needs: ['tls'] },
    );

    it(
      '[FLOW-09, test_drain_raises] streams over TLS: a drain() waiting while paused fails with the reset (ECONNRESET or EPIPE); then read(), drain() and waitClosed() fail with that same error, writes are dropped, nothing uncaught',
      async (t) => {
        await t.run(
          async () => {
            const loop = t.loop;
            const serverWriter = loop.createFuture<StreamWriter>();
            const server = await startServer(
              (_reader, writer) => {
                // Read nothing: the client's data stays unread, so the abort resets the connection.
                writer.transport.pauseReading();
                serverWriter.setResult(writer);
              },
              '127.0.0.1',
              0,
              { ssl: t.serverTls() },
            );
            const port = (server.sockets[0].getsockname() as [string, number])[1];
            const [reader, writer] = await openConnection('127.0.0.1', port, { ssl: t.clientTls(), serverHostname: 'localhost' });
            const peer = await serverWriter;
            // Reading paused: the proactor sees a reset as an EOF first (D54), which the reader would get before the error.
            writer.transport.pauseReading();
            const big = Buffer.alloc(1024 * 1024, 7);
            for (let i = 0; i < 64 && writer.transport.getWriteBufferSize() < 32 * 1024 * 1024; i++) writer.write(big);
            expect(writer.transport.getWriteBufferSize()).toBeGreaterThanOrEqual(32 * 1024 * 1024);
            const pending = rejection(writer.drain());
            await nextIteration(loop);
            peer.transport.abort();
            const first = await pending;
            expect(PEER_GONE).toContain(codeOf(first));
            const readErr = await rejection(reader.read(100));
            expect(PEER_GONE).toContain(codeOf(readErr));
            // StreamWriter.drain(): the reader's exception first.
            expect(await rejection(writer.drain())).toBe(readErr);
            expect(writer.isClosing()).toBe(true);
            writer.write(Buffer.from('dropped'));
            writer.close();
            expect(await rejection(writer.waitClosed())).toBe(readErr);
            server.close();
            await server.waitClosed();
          },
          { seconds: 30 },
        );
        expect(t.exceptions).toEqual([]);
        t.loop.close();
      },
      { timeout: 60000, needs: ['tls'] },
    );

    for (const where of ['tcp', 'tls'] as const) {
      it(
        `[SF-06, test_sendfile_close_peer_in_the_middle_of_receiving] sendfile (${where}) to a peer that resets after 256 KiB of 32 MiB: the call rejects with the connection error, the sender's protocol gets connectionLost once, the file stays open and no descriptor leaks`,
        async (t) => {
          const size = 32 * 1024 * 1024;
          const path = t.path('big.bin');
          writeFileSync(path, randomBytes(size));
          const baseline = openFds();
          const fh = await open(path, 'r');
          const fd = openSync(path, 'r');
          try {
            await t.run(
              async () => {
                const loop = t.loop;
                const receivers: Resetter[] = [];
                const server = await listen(t, where, () => {
                  const r = new Resetter(256 * 1024);
                  receivers.push(r);
                  return r;
                });
                const sender = new Sender(loop);
                const transport = await server.connect(() => sender);
                // The native path (a selector socket, asyncio's _sendfile_native) takes the fd; the fallback (TLS, the proactor) the FileHandle.
                const native = where === 'tcp' && hasCapability(loop, 'sockSendfile');
                const err = await rejection(loop.sendfile(transport, native ? fd : fh));
                // A Node system error or asyncio's ConnectionError ('Connection closed by peer', ECONNRESET here).
                expect(PEER_GONE).toContain(codeOf(err));
                expect(transport.getProtocol()).toBe(sender);
                if (native) {
                  // asyncio: sendfile(2) failed, not the transport; reading resumes, the reset was
                  // consumed by that failure, so the next read is an EOF: eofReceived, then close().
                  expect(transport.isClosing()).toBe(false);
                  expect(await sender.lost).toBeNull();
                  expect(sender.events).toEqual(['eofReceived', 'connectionLost(null)']);
                } else {
                  // asyncio's fallback: the failed write closed the transport; connectionLost already has the error.
                  expect(transport.isClosing()).toBe(true);
                  expect(PEER_GONE).toContain(codeOf(await sender.lost));
                  expect(sender.events).toHaveLength(1);
                }
                await nextIteration(loop);
                expect(sender.lostCalls).toBe(1);
                expect(receivers[0].received).toBeLessThan(size);
                await server.close();
              },
              { seconds: 40 },
            );
            // The file was not closed or moved off by the failure: both still read.
            expect(fstatSync(fd).size).toBe(size);
            expect((await fh.stat()).size).toBe(size);
          } finally {
            closeSync(fd);
            await fh.close();
          }
          t.loop.close();
          expect(await fdExcess(baseline)).toBe(0);
          expect(t.exceptions).toEqual([]);
        },
        { timeout: 80000, needs: where === 'tls' ? ['sendfile', 'tls'] : ['sendfile'] },
      );
    }

    for (const where of ['tcp', 'tls'] as const) {
      it(
        `[SF-06, test_sendfile_close_peer_in_the_middle_of_receiving] sendfile (${where}) called with 32 MiB already buffered, then the peer resets: the call rejects with the send error (ECONNRESET or EPIPE) that ends the wait for the buffer (the native path's empty waiter, the fallback's resumeWriting), or, when the fallback finds the transport already closing, Connection closed by peer; connectionLost(exc) once`,
        async (t) => {
          const path = t.path('data.bin');
          writeFileSync(path, randomBytes(1024 * 1024));
          const fd = openSync(path, 'r');
          try {
            await t.run(
              async () => {
                const loop = t.loop;
                const { client, transport, staller, close } = await stalledPair(t, where);
                transport.pauseReading();
                bufferBeyondTheKernel(transport, client);
                const sent = rejection(loop.sendfile(transport, fd));
                await nextIteration(loop);
                expect(transport.getWriteBufferSize()).toBeGreaterThan(0);
                staller.transport?.abort();
                const err = await sent;
                expect(PEER_GONE).toContain(codeOf(err));
                // The native path: the empty waiter fails with the send's own error. The fallback reads its first
                // block before its first drain(): a transport already closing then is 'Connection closed by peer'
                // (ECONNRESET), as in asyncio, whose drain() checks is_closing() before its waiter.
                if (where === 'tcp' && hasCapability(loop, 'sockSendfile')) expect(err).not.toMatchObject({ message: 'Connection closed by peer' });
                expect(PEER_GONE).toContain(codeOf(await client.lost));
                expect(transport.isClosing()).toBe(true);
                expect(transport.getProtocol()).toBe(client);
                await later(loop, 0.05);
                expect(client.lostCalls).toBe(1);
                expect(client.events).toEqual(['connectionMade', 'connectionLost']);
                await close();
              },
              { seconds: 30 },
            );
          } finally {
            closeSync(fd);
          }
          expect(t.exceptions).toEqual([]);
          t.loop.close();
        },
        { timeout: 60000, needs: where === 'tls' ? ['sendfile', 'tls'] : ['sendfile'] },
      );
    }

    it(
      '[SF-08, test_sock_sendfile_os_error_first_call] sendfile on a transport whose peer already reset (reading paused, so the transport has not seen it): with fallback the write fails, the call rejects with "Connection closed by peer" (ECONNRESET) and connectionLost gets the send error once; with fallback: false, SendfileNotAvailableError and the transport stays open',
      async (t) => {
        const path = t.path('data.bin');
        writeFileSync(path, randomBytes(1024 * 1024));
        const baseline = openFds();
        const fd = openSync(path, 'r');
        // A Node server that resets each connection (SO_LINGER 0) at its first byte: the RST is sent as its socket closes.
        const gone: (() => void)[] = [];
        const resetter = createNodeServer((sock: NodeSocket) => {
          sock.on('error', () => {});
          sock.on('close', () => gone.shift()?.());
          sock.once('data', () => sock.resetAndDestroy());
        });
        await new Promise<void>((resolve) => resetter.listen(0, '127.0.0.1', resolve));
        const port = (resetter.address() as { port: number }).port;
        try {
          await t.run(
            async () => {
              const loop = t.loop;
              for (const fallback of [true, false]) {
                const closed = new Promise<void>((resolve) => gone.push(resolve));
                const sender = new Sender(loop, true);
                const [transport] = await loop.createConnection(() => sender, '127.0.0.1', port);
                transport.write(Buffer.from('x'));
                await closed; // the peer's socket is closed: its RST is on our socket
                await nextIteration(loop);
                expect(transport.isClosing()).toBe(false);
                const err = await rejection(loop.sendfile(transport, fd, 0, null, { fallback }));
                expect(transport.getProtocol()).toBe(sender);
                if (fallback) {
                  // asyncio: sendfile(2) fails at its first call (SendfileNotAvailableError), the fallback's
                  // write fails (_fatal_error), its next drain() finds the transport closing.
                  expect(err).toMatchObject({ message: 'Connection closed by peer', code: 'ECONNRESET' });
                  expect(transport.isClosing()).toBe(true);
                  expect(PEER_GONE).toContain(codeOf(await sender.lost));
                } else {
                  expect(err).toBeInstanceOf(SendfileNotAvailableError);
                  expect(transport.isClosing()).toBe(false);
                  expect(transport.isReading()).toBe(false);
                  transport.close();
                  expect(await sender.lost).toBeNull();
                }
                await nextIteration(loop);
                expect(sender.lostCalls).toBe(1);
                expect(sender.events).toHaveLength(1);
              }
            },
            { seconds: 30 },
          );
          expect(fstatSync(fd).isFile()).toBe(true);
        } finally {
          closeSync(fd);
          await new Promise<void>((resolve) => resetter.close(() => resolve()));
        }
        t.loop.close();
        expect(await fdExcess(baseline)).toBe(0);
        expect(t.exceptions).toEqual([]);
      },
      { timeout: 60000, needs: ['sendfile'] },
    );

    it(
      '[TR-10, test_write_eof] writeEof() with nothing buffered on a transport whose peer already reset, unseen (reading paused): shutdown(2) fails with ENOTCONN, thrown as asyncio does (the proactor returns, D62); the transport stays open, write() raises "Cannot call write() after write_eof()", and reading reports the reset: connectionLost(ECONNRESET) once',
      async (t) => {
        // A Node server that resets each connection (SO_LINGER 0) at its first byte: the RST is sent as its socket closes.
        const gone: (() => void)[] = [];
        const resetter = createNodeServer((sock: NodeSocket) => {
          sock.on('error', () => {});
          sock.on('close', () => gone.shift()?.());
          sock.once('data', () => sock.resetAndDestroy());
        });
        await new Promise<void>((resolve) => resetter.listen(0, '127.0.0.1', resolve));
        const port = (resetter.address() as { port: number }).port;
        try {
          await t.run(async () => {
            const loop = t.loop;
            const closed = new Promise<void>((resolve) => gone.push(resolve));
            const sender = new Sender(loop, true);
            const [transport] = await loop.createConnection(() => sender, '127.0.0.1', port);
            transport.write(Buffer.from('x'));
            await closed; // the peer's socket is closed: its RST is on our socket
            await nextIteration(loop);
            let thrown: unknown = null;
            try {
              transport.writeEof();
            } catch (e) {
              thrown = e;
            }
            // asyncio's write_eof() calls shutdown(SHUT_WR) at once and lets its OSError out; libuv shuts down later (D62).
            if (thrown !== null) expect(thrown).toMatchObject({ code: 'ENOTCONN', syscall: 'shutdown' });
            expect(transport.isClosing()).toBe(false);
            expect(() => transport.write(Buffer.from('y'))).toThrow('Cannot call write() after write_eof()');
            transport.writeEof(); // idempotent: a no-op now
            await nextIteration(loop);
            expect(sender.events).toEqual([]);
            transport.resumeReading();
            expect(codeOf(await sender.lost)).toBe('ECONNRESET');
            await nextIteration(loop);
            expect(sender.events).toEqual(['connectionLost(ECONNRESET)']);
          });
        } finally {
          await new Promise<void>((resolve) => resetter.close(() => resolve()));
        }
        expect(t.exceptions).toEqual([]);
        t.loop.close();
      },
    );

    for (const where of ['tcp', 'unix'] as const) {
      it(
        `[TR-10, test_write_eof_buffer] writeEof() with 32 MiB buffered (${where}), then the peer resets: connectionLost gets the send error (ECONNRESET or EPIPE), not null; writeEof() again is a no-op; write() still raises "Cannot call write() after write_eof()"`,
        async (t) => {
          await t.run(
            async () => {
              const loop = t.loop;
              const { client, transport, staller, close } = await stalledPair(t, where);
              // Reading paused: only the write side sees the reset (the proactor would read it as an EOF first, D54).
              transport.pauseReading();
              bufferBeyondTheKernel(transport, client);
              transport.writeEof();
              expect(transport.isClosing()).toBe(false);
              staller.transport?.abort();
              const exc = await client.lost;
              expect(PEER_GONE).toContain(codeOf(exc));
              expect(transport.isClosing()).toBe(true);
              transport.writeEof();
              expect(() => transport.write(Buffer.from('x'))).toThrow(RuntimeError);
              expect(() => transport.write(Buffer.from('x'))).toThrow('Cannot call write() after write_eof()');
              await later(loop, 0.05);
              expect(client.lostCalls).toBe(1);
              expect(client.events).toEqual(['connectionMade', 'connectionLost']);
              await close();
            },
            { seconds: 30 },
          );
          expect(t.exceptions).toEqual([]);
          t.loop.close();
        },
        { timeout: 60000, needs: where === 'unix' ? ['unix'] : [] },
      );
    }

    it('[TR-10, test_write_eof_after_close] writeEof() after close() (data still buffered) and after the connection was lost is a no-op: no error, the data is flushed, connectionLost(null) once', async (t) => {
      await t.run(async () => {
        const loop = t.loop;
        const received = loop.createFuture<number>();
        let got = 0;
        const server = await listen(t, 'tcp', () => {
          const p = new Protocol();
          p.dataReceived = (data: Buffer): void => {
            got += data.length;
          };
          p.eofReceived = (): boolean => {
            received.setResult(got);
            return false;
          };
          return p;
        });
        const client = new Client(loop);
        const transport = await server.connect(() => client);
        const data = Buffer.alloc(4 * 1024 * 1024, 3);
        transport.write(data);
        transport.close();
        transport.writeEof();
        expect(transport.isClosing()).toBe(true);
        expect(await client.lost).toBeNull();
        transport.writeEof();
        expect(await received).toBe(data.length);
        await nextIteration(loop);
        expect(client.lostCalls).toBe(1);
        await server.close();
      });
      expect(t.exceptions).toEqual([]);
      t.loop.close();
    });
  });
}
