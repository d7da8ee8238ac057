/**
 * Streams over TCP (asyncio's `test_streams`): `openConnection` /
 * `startServer` end to end on 127.0.0.1 and ::1 — both handler kinds, both
 * coroutine kinds, many clients, options (`limit`, `null`), argument errors,
 * cancellation, `drain()` with many writers, `close()` with unread data, and
 * a handler that fails. Flow control, resets and TLS are
 * `streams-flow.suite.ts`; Unix sockets `streams-unix.suite.ts`; the reader
 * alone `stream-reader*.suite.ts`.
 *
 * @packageDocumentation
 */
import { expect } from 'expect';
import { describe } from '../runner.js';
import { currentTask, gather, sleep, timeout, wrapFuture } from '@loop/core';
import type { Coroutine, Future } from '@loop/interfaces';
import {
  StreamReader,
  StreamReaderProtocol,
  StreamWriter,
  openConnection,
  openUnixConnection,
  startServer,
  startUnixServer,
} from '@loop/net';
import { defineNetTest, type NetLoop, type NetLoopFactory } from './harness.js';
import { b, failure, resettingServer, closeNodeServer, portOf, echoLines } from './streams-helpers.js';

/** The streams suite over TCP: `openConnection` / `startServer`. */
export function streamsSuite(newLoop: NetLoopFactory): void {
  describe('streams', () => {
    const it = defineNetTest(newLoop);

    describe('openConnection / startServer', () => {
      for (const host of ['127.0.0.1', '::1']) {
        it(`[test_start_server, test_open_connection, STREAM-08] echo over ${host}: a coroutine handler and a plain callback handler`, async (t) => {
          const client = async (port: number): Promise<string> => {
            const [reader, writer] = await openConnection(host, port);
            writer.write(b('hello world!\n'));
            const back = await reader.readline();
            writer.close();
            await writer.waitClosed();
            return back.toString();
          };
          const handle = async (reader: StreamReader, writer: StreamWriter): Promise<void> => {
            const data = await reader.readline();
            writer.write(data);
            await writer.drain();
            writer.close();
            await writer.waitClosed();
          };
          await t.run(async () => {
            let server = await startServer(handle, host, 0);
            expect(await client(portOf(server))).toBe('hello world!\n');
            server.close();
            await server.waitClosed();

            const loop = t.loop;
            server = await startServer((r, w) => void loop.createTask(() => handle(r, w)), host, 0);
            expect(await client(portOf(server))).toBe('hello world!\n');
            server.close();
            await server.waitClosed();
          });
          t.loop.close();
        });
      }

      it('[STREAM-08] an async function handler runs inside its task from its first line: currentTask() is that task, and timeout() works there', async (t) => {
        const got = await t.run(async () => {
          const seen: string[] = [];
          const server = await startServer(async (reader: StreamReader, writer: StreamWriter) => {
            const task = currentTask();
            seen.push(`first line in a task: ${task !== null}`);
            try {
              await timeout(0.05, () => reader.readline());
            } catch (e) {
              seen.push(`${(e as Error).name}; same task after the await: ${currentTask() === task}`);
            }
            writer.close();
          }, '127.0.0.1', 0);
          const [reader, writer] = await openConnection('127.0.0.1', portOf(server));
          seen.push(`client read ${(await reader.read()).length} bytes`);
          writer.close();
          await writer.waitClosed();
          server.close();
          await server.waitClosed();
          return seen;
        });
        expect(got).toEqual(['first line in a task: true', 'TimeoutError; same task after the await: true', 'client read 0 bytes']);
        t.loop.close();
      });

      it('[STREAM-08] generator coroutines: a generator handler and yield* openConnection()', async (t) => {
        const got = await t.run(function* (): Coroutine<string[]> {
          const server = yield* startServer(function* (reader: StreamReader, writer: StreamWriter): Coroutine<void> {
            for (;;) {
              const line = yield* reader.readline();
              if (line.length === 0) break;
              writer.write(Buffer.from(line.toString().toUpperCase()));
              yield* writer.drain();
            }
            writer.close();
          }, '127.0.0.1', 0);
          const [reader, writer] = yield* openConnection('127.0.0.1', portOf(server));
          const out: string[] = [];
          for (const word of ['alpha\n', 'beta\n']) {
            writer.write(b(word));
            yield* writer.drain();
            out.push((yield* reader.readline()).toString());
          }
          writer.writeEof();
          out.push(String((yield* reader.read()).length));
          writer.close();
          yield* writer.waitClosed();
          server.close();
          yield* wrapFuture(server.waitClosed());
          return out;
        });
        expect(got).toEqual(['ALPHA\n', 'BETA\n', '0']);
        t.loop.close();
      });

      it('[STREAM-11, STREAM-14] many lines echoed with for await; the writer stays open after the peer\'s EOF', async (t) => {
        const lines = Array.from({ length: 500 }, (_, i) => `line number ${i}\n`);
        const got = await t.run(async () => {
          const server = await startServer(echoLines, '127.0.0.1', 0);
          const [reader, writer] = await openConnection('127.0.0.1', portOf(server));
          expect(writer.canWriteEof()).toBe(true);
          for (const l of lines) writer.write(b(l));
          await writer.drain();
          writer.writeEof();
          const all = await reader.read();
          expect(reader.atEof()).toBe(true);
          writer.close();
          await writer.waitClosed();
          server.close();
          await server.waitClosed();
          return all.toString();
        });
        expect(got).toBe(lines.join(''));
        t.loop.close();
      });

      it('[test_wait_closed_on_close, test_eof_feed_when_closing_writer, STREAM-07] getExtraInfo(), transport, isClosing(), close() and waitClosed()', async (t) => {
        await t.run(async () => {
          const server = await startServer(echoLines, '127.0.0.1', 0);
          const port = portOf(server);
          const [reader, writer] = await openConnection('127.0.0.1', port);
          const peer = writer.getExtraInfo('peername') as [string, number];
          expect(peer).toEqual(['127.0.0.1', port]);
          expect(writer.getExtraInfo('nonexistent', 'dflt')).toBe('dflt');
          expect(writer.transport.getExtraInfo('peername')).toEqual(peer);
          expect(writer.toString()).toMatch(/^<StreamWriter transport=.* reader=<StreamReader/);
          expect(writer.isClosing()).toBe(false);
          writer.close();
          expect(writer.isClosing()).toBe(true);
          await writer.waitClosed();
          expect(reader.atEof()).toBe(true);
          expect((await reader.read()).length).toBe(0);
          server.close();
          await server.waitClosed();
        });
        t.loop.close();
      });

      it('[STREAM-08] 100 concurrent clients, each echoed line by line through writelines() and drain()', async (t) => {
        const results = await t.run(
          async () => {
            const server = await startServer(echoLines, '127.0.0.1', 0, { backlog: 200 });
            const port = portOf(server);
            const client = async (i: number): Promise<boolean> => {
              const [reader, writer] = await openConnection('127.0.0.1', port);
              const lines = Array.from({ length: 20 }, (_, k) => b(`client ${i} line ${k}\n`));
              writer.writelines(lines);
              await writer.drain();
              writer.writeEof();
              const back = await reader.read();
              writer.close();
              await writer.waitClosed();
              return back.equals(Buffer.concat(lines));
            };
            const ok = await gather(...Array.from({ length: 100 }, (_, i) => client(i)));
            server.close();
            await server.waitClosed();
            return ok;
          },
          { seconds: 30 },
        );
        expect(results.every(Boolean)).toBe(true);
        t.loop.close();
      });

      it('[STREAM-08] in debug mode too: an echo round trip', async (t) => {
        const loop = t.newLoop({ debug: true });
        expect(loop.getDebug()).toBe(true);
        const line = await t.run(
          async () => {
            const server = await startServer(echoLines, '127.0.0.1', 0);
            const [reader, writer] = await openConnection('127.0.0.1', portOf(server));
            writer.write(b('debug\n'));
            const got = await reader.readline();
            writer.close();
            await writer.waitClosed();
            server.close();
            await server.waitClosed();
            return got.toString();
          },
          { loop },
        );
        expect(line).toBe('debug\n');
        loop.close();
      });

      it('[STREAM-02, D64] bad arguments fail the future: a limit of 0 (RangeError), a callback that is not a function (TypeError, at once: D64)', async (t) => {
        const [e1, e2] = await t.run(async () => {
          const errs: unknown[] = [];
          for (const f of [() => openConnection('127.0.0.1', 1, { limit: 0 }), () => startServer(42 as unknown as () => void, '127.0.0.1', 0)]) {
            try {
              await f();
            } catch (e) {
              errs.push(e);
            }
          }
          return errs;
        });
        expect(e1).toBeInstanceOf(RangeError);
        expect(e2).toBeInstanceOf(TypeError);
        expect(e2).toMatchObject({ code: 'ERR_LOOP_INVALID_ARG', message: 'startServer(): clientConnectedCb must be a function, got number' });
        t.loop.close();
      });

      // docs/asyncio-mapping.md, "Options objects": null is no options; another non-object fails the future
      // with a coded TypeError; the functions never throw for it.
      it('null options are no options; a non-object fails the future with a coded TypeError', async (t) => {
        const path = t.path('null.sock');
        await t.run(async () => {
          const server = await startServer(echoLines, '127.0.0.1', 0, null);
          const [reader, writer] = await openConnection('127.0.0.1', portOf(server), null);
          writer.write(b('tcp\n'));
          expect((await reader.readline()).toString()).toBe('tcp\n');
          const unixServer = await startUnixServer(echoLines, path, null);
          const [ureader, uwriter] = await openUnixConnection(path, null);
          uwriter.write(b('unix\n'));
          expect((await ureader.readline()).toString()).toBe('unix\n');
          expect(new StreamReader(null).limit).toBe(2 ** 16);
          const five = 5 as unknown as null;
          const failing: [string, () => Future<unknown>][] = [
            ['openConnection', () => openConnection('127.0.0.1', portOf(server), five)],
            ['startServer', () => startServer(echoLines, '127.0.0.1', 0, five)],
            ['openUnixConnection', () => openUnixConnection(path, five)],
            ['startUnixServer', () => startUnixServer(echoLines, path, five)],
            ['StreamWriter.startTls', () => writer.startTls(t.clientTls(), five)],
          ];
          for (const [name, f] of failing) {
            let fut: Future<unknown> | undefined;
            expect(() => {
              fut = f();
            }).not.toThrow();
            const err = await fut!.then(
              () => null,
              (e: unknown) => e,
            );
            expect(err).toBeInstanceOf(TypeError);
            expect(err).toMatchObject({ code: 'ERR_LOOP_INVALID_ARG', message: `${name}(): options must be an object, null or undefined, not 5` });
          }
          expect(() => new StreamReader(five)).toThrow(expect.objectContaining({ code: 'ERR_LOOP_INVALID_ARG' }));
          for (const w of [writer, uwriter]) {
            w.close();
            await w.waitClosed();
          }
          for (const srv of [server, unixServer]) {
            srv.close();
            await srv.waitClosed();
          }
        });
        t.loop.close();
      });

      // asyncio's start_server(cb, host, port, limit=n): each connection's reader gets the limit; a line longer
      // than it makes readline() raise ValueError (RangeError here) and drops the line.
      it('[STREAM-15, STREAM-03] startServer({ limit }) gives each connection\'s reader that limit; a longer line is a RangeError', async (t) => {
        const got = await t.run(async () => {
          const seen: unknown[] = [];
          const server = await startServer(
            async (reader: StreamReader, writer: StreamWriter) => {
              seen.push(reader.limit);
              try {
                await reader.readline();
              } catch (e) {
                seen.push(e);
              }
              seen.push((await reader.readline()).toString());
              writer.write(b('done\n'));
              writer.close();
              await writer.waitClosed();
            },
            '127.0.0.1',
            0,
            { limit: 8 },
          );
          const [reader, writer] = await openConnection('127.0.0.1', portOf(server));
          writer.write(b('a line longer than eight bytes\nshort\n'));
          expect((await reader.readline()).toString()).toBe('done\n');
          writer.close();
          await writer.waitClosed();
          server.close();
          await server.waitClosed();
          return seen;
        });
        expect(got[0]).toBe(8);
        expect(got[1]).toBeInstanceOf(RangeError);
        // One write of 38 bytes arrives as one chunk: the separator is in the buffer, so the line is dropped.
        expect((got[1] as Error).message).toBe('Separator is found, but chunk is longer than limit');
        expect(got[2]).toBe('short\n');
        t.loop.close();
      });

      // asyncio's `if ssl:`: open_connection(ssl=0) and start_server(ssl=0) are plain TCP; a handshake timeout
      // with a falsy ssl is a ValueError (RangeError) on the client side.
      it('[CONN-03] a falsy ssl reaches the loop methods as plain TCP; a handshake timeout with it fails the future with RangeError', async (t) => {
        await t.run(async () => {
          for (const ssl of [0, '', NaN] as unknown as null[]) {
            const server = await startServer(echoLines, '127.0.0.1', 0, { ssl });
            const [reader, writer] = await openConnection('127.0.0.1', portOf(server), { ssl });
            expect(writer.getExtraInfo('sslcontext', null)).toBeNull();
            writer.write(b('plain\n'));
            expect((await reader.readline()).toString()).toBe('plain\n');
            await expect(openConnection('127.0.0.1', portOf(server), { ssl, sslHandshakeTimeout: 1 })).rejects.toThrow(RangeError);
            writer.close();
            await writer.waitClosed();
            server.close();
            await server.waitClosed();
          }
        });
        t.loop.close();
      });

      it('[CONN-11] cancelling openConnection() while it connects leaves no connection behind', async (t) => {
        await t.run(async () => {
          const server = await startServer(echoLines, '127.0.0.1', 0);
          const fut = openConnection('127.0.0.1', portOf(server));
          fut.cancel();
          expect(fut.cancelled()).toBe(true);
          // Let the connection complete; the late transport is aborted.
          await sleep(0.05);
          server.close();
          await server.waitClosed();
        });
        t.loop.close();
      });

      it('[test_multiple_drain, FLOW-09] drain() - many writers wait while the protocol is paused, and all go on at resumeWriting()', async (t) => {
        const loop: NetLoop = t.loop;
        const drained = await t.run(async () => {
          const server = await startServer(echoLines, '127.0.0.1', 0);
          const reader = new StreamReader({ loop });
          const protocol = new StreamReaderProtocol(reader, null, loop);
          const [transport] = await loop.createConnection(() => protocol, '127.0.0.1', portOf(server));
          const writer = new StreamWriter(transport, protocol, reader, loop);
          protocol.pauseWriting();
          loop.callLater(0.01, () => protocol.resumeWriting());
          let count = 0;
          const drains = Array.from({ length: 10 }, () => writer.drain());
          expect(drains.every((d) => !d.done())).toBe(true);
          await gather(...drains.map(async (d) => {
            await d;
            count++;
          }));
          writer.close();
          await writer.waitClosed();
          server.close();
          await server.waitClosed();
          return count;
        });
        expect(drained).toBe(10);
        loop.close();
      });

      it('[test_wait_closed_on_close_with_unread_data, STREAM-07] close() with unread data, then waitClosed()', async (t) => {
        await t.run(async () => {
          const server = await startServer(async (r: StreamReader, w: StreamWriter) => {
            w.write(b('HTTP/1.0 200 OK\r\n\r\nTest message'));
            await w.drain();
            // The client's close comes as EOF; eofReceived() kept this side open: close it.
            await r.read();
            w.close();
          }, '127.0.0.1', 0);
          const [reader, writer] = await openConnection('127.0.0.1', portOf(server));
          expect((await reader.readline()).toString()).toBe('HTTP/1.0 200 OK\r\n');
          writer.close();
          await writer.waitClosed();
          server.close();
          await server.waitClosed();
        });
        t.loop.close();
      });

      it('[TR-07] write() of a string is a TypeError', async (t) => {
        await t.run(async () => {
          const server = await startServer(echoLines, '127.0.0.1', 0);
          const [, writer] = await openConnection('127.0.0.1', portOf(server));
          expect(() => writer.write('text' as unknown as Uint8Array)).toThrow(TypeError);
          writer.close();
          await writer.waitClosed();
          server.close();
          await server.waitClosed();
        });
        t.loop.close();
      });

      it('[STREAM-08, SOCK-07] a refused connection fails the future with ECONNREFUSED', async (t) => {
        const { server, port } = await resettingServer();
        await closeNodeServer(server);
        const e = await failure(t, () => openConnection('127.0.0.1', port));
        expect((e as { code?: string }).code).toBe('ECONNREFUSED');
        t.loop.close();
      });

      it('[STREAM-15] openConnection() outside a running loop throws RuntimeError', (t) => {
        expect(() => openConnection('127.0.0.1', 1)).toThrow(/no running event loop/);
        t.loop.close();
        return Promise.resolve();
      });

      it('[test_unhandled_exceptions] an exception in the handler goes to the exception handler and closes the connection', async (t) => {
        const calls = t.expectExceptionHandlerCalls();
        const boom = new Error('test');
        await t.run(async () => {
          // The handler reads the client's message before it fails: a socket
          // closed with unread data resets the connection (RST), and the
          // client's read would race the close.
          const server = await startServer(async (r: StreamReader) => {
            await r.readexactly(8);
            throw boom;
          }, '127.0.0.1', 0);
          const [reader, writer] = await openConnection('127.0.0.1', portOf(server));
          writer.write(b('test msg'));
          await writer.drain();
          expect((await reader.read()).length).toBe(0);
          writer.close();
          await writer.waitClosed();
          server.close();
          await server.waitClosed();
        });
        expect(calls.map((c) => c.message)).toEqual(['Unhandled exception in client_connected_cb']);
        expect(calls[0].exception).toBe(boom);
        expect(calls[0].transport).toBeDefined();
        t.loop.close();
      });
    });
  });
}
