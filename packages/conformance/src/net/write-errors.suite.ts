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
import { Protocol, type Future, type Transport } from '@loop/interfaces';
import { openUnixConnection, startUnixServer } from '@loop/net';
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
  resumed: Future<void> | null = null;
  paused = false;
  readonly #loop: NetLoop;

  constructor(loop: NetLoop) {
    super();
    this.#loop = loop;
    this.made = loop.createFuture<void>();
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

/** Where a test listens: a TCP port on 127.0.0.1 or a Unix socket path. */
type Where = 'tcp' | 'unix';

async function listen(t: NetTest, where: Where, factory: () => Protocol, name = 's'): Promise<{ connect: (f: () => Client) => Promise<Transport>; close: () => Promise<void> }> {
  const loop = t.loop;
  const server = where === 'tcp' ? await loop.createServer(factory, '127.0.0.1', 0) : await loop.createUnixServer(factory, t.path(name));
  const address = server.sockets[0].getsockname();
  return {
    connect: async (f) => {
      const [transport] = where === 'tcp' ? await loop.createConnection(f, '127.0.0.1', (address as [string, number])[1]) : await loop.createUnixConnection(f, address as string);
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

/** The test's `socket.send() raised exception.` warnings. */
function warnings(t: NetTest): number {
  return t.logs.filter((r) => r.level === 'warn' && r.text.includes(WARNING)).length;
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

    for (const where of ['tcp', 'unix'] as const) {
      it(
        `[test_loop_writing_err] stress (${where}): 24 clients keep writing, with and without flow control, to servers that close, abort or fail: no write throws, connectionLost once each with ECONNRESET or EPIPE`,
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
              await nextIteration(loop);
              for (const client of all) {
                expect(client.lostCalls).toBe(1);
                expect(PEER_GONE).toContain(codeOf(client.lostWith));
              }
              await Promise.all(servers.map((s) => s.lost));
              await server.close();
            },
            { seconds: 30 },
          );
          // Each failing handler reaches the exception handler once; the peers going away never do.
          expect(exceptions.map((c) => c.message)).toEqual(Array(clients / endings.length).fill('Fatal error: protocol.dataReceived() call failed.'));
          expect(warnings(t)).toBeGreaterThanOrEqual(clients);
          t.loop.close();
        },
        { timeout: 60000, needs: where === 'unix' ? ['unix'] : [] },
      );

      it(
        `[test_loop_writing_err] stress (${where}), the reverse: a server keeps writing to 24 clients that reset or close: no write throws, each server connectionLost once with ECONNRESET or EPIPE`,
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
                  await reader.made;
                  await nextIteration(loop);
                  // Data unread: abort() resets a TCP connection; close() on a Unix socket makes the writer's sends fail.
                  if (i % 2 === 0) transport.abort();
                  else transport.close();
                  await reader.lost;
                }),
              );
              await allMade;
              await Promise.all(done);
              expect(writers.length).toBe(clients);
              for (const w of writers) {
                expect(w.lostCalls).toBe(1);
                expect(PEER_GONE).toContain(codeOf(w.lostWith));
              }
              await server.close();
            },
            { seconds: 30 },
          );
          expect(t.exceptions).toEqual([]);
          t.loop.close();
        },
        { timeout: 60000, needs: where === 'unix' ? ['unix'] : [] },
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
  });
}
