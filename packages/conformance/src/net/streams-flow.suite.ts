/**
 * Streams under pressure (asyncio's `test_streams`): flow control both ways
 * (a slow peer, a reader that does not read, reads of more than twice the
 * limit), connections reset by the peer (a plain `node:net` server that
 * resets, as CPython's tests use a bare socket in a thread), writes after
 * `close()`, `StreamWriter.startTls()`, and a `StreamReaderProtocol` made by
 * hand. Large transfers are checked by SHA-256, never by timing.
 *
 * @packageDocumentation
 */
import { expect } from 'expect';
import { describe } from '../runner.js';
import { createHash, randomBytes } from 'node:crypto';
import { sleep } from '@loop/core';
import { StreamReader, StreamReaderProtocol, StreamWriter, openConnection, startServer } from '@loop/net';
import { defineNetTest, type NetLoop, type NetLoopFactory } from './harness.js';
import { b, failure, sha256, resettingServer, closeNodeServer, portOf, echoLines } from './streams-helpers.js';

/** The streams suite under pressure: flow control, resets, TLS upgrade. */
export function streamsFlowSuite(newLoop: NetLoopFactory): void {
  describe('streams', () => {
    const it = defineNetTest(newLoop);

    describe('openConnection / startServer', () => {
      it('[FLOW-09, STREAM-16] drain() with a slow peer: writing pauses, then resumes; 8 MiB arrive intact (SHA-256)', async (t) => {
        const payload = randomBytes(8 * 1024 * 1024);
        const result = await t.run(
          async () => {
            let digest = '';
            let serverDone!: () => void;
            const served = new Promise<void>((resolve) => (serverDone = resolve));
            const server = await startServer(async (reader: StreamReader, writer: StreamWriter) => {
              const h = createHash('sha256');
              let n = 0;
              for (;;) {
                const chunk = await reader.read(16 * 1024);
                if (chunk.length === 0) break;
                h.update(chunk);
                n += chunk.length;
                // A slow reader: a pause now and then lets the sender's buffer fill.
                if (n % (256 * 1024) < 16 * 1024) await sleep(0.002);
              }
              digest = h.digest('hex');
              writer.write(b(`${n}\n`));
              await writer.drain();
              writer.close();
              await writer.waitClosed();
              serverDone();
            }, '127.0.0.1', 0, { limit: 8 * 1024 });
            const [reader, writer] = await openConnection('127.0.0.1', portOf(server));
            let waited = 0;
            for (let i = 0; i < payload.length; i += 64 * 1024) {
              writer.write(payload.subarray(i, i + 64 * 1024));
              const d = writer.drain();
              if (!d.done()) waited++;
              await d;
            }
            writer.writeEof();
            const count = (await reader.readline()).toString();
            writer.close();
            await writer.waitClosed();
            await served;
            server.close();
            await server.waitClosed();
            return { digest, count, waited };
          },
          { seconds: 60 },
        );
        expect(result.count).toBe(`${payload.length}\n`);
        expect(result.digest).toBe(sha256(payload));
        expect(result.waited).toBeGreaterThan(0);
        t.loop.close();
      }, { timeout: 90000 });

      it('[STREAM-16] a reader that does not read pauses the transport (2 * limit) and resumes it when read (limit)', async (t) => {
        const payload = randomBytes(1024 * 1024);
        const got = await t.run(
          async () => {
            const server = await startServer(async (_reader: StreamReader, writer: StreamWriter) => {
              writer.write(payload);
              await writer.drain();
              writer.close();
              await writer.waitClosed();
            }, '127.0.0.1', 0);
            const [reader, writer] = await openConnection('127.0.0.1', portOf(server), { limit: 4096 });
            // Let data arrive without reading: the reader pauses the transport.
            while (writer.transport.isReading()) await sleep(0.001);
            expect(reader.toString()).toMatch(/ paused>$/);
            const parts: Buffer[] = [];
            for (;;) {
              const chunk = await reader.read(1000);
              if (chunk.length === 0) break;
              parts.push(chunk);
            }
            writer.close();
            await writer.waitClosed();
            server.close();
            await server.waitClosed();
            return parts;
          },
          { seconds: 30 },
        );
        expect(sha256(got)).toBe(sha256(payload));
        t.loop.close();
      });

      it('[STREAM-16] readexactly() of more than 2 * limit does not deadlock on a paused transport', async (t) => {
        const payload = randomBytes(300 * 1024);
        const got = await t.run(async () => {
          const server = await startServer(async (_reader: StreamReader, writer: StreamWriter) => {
            writer.write(payload);
            await writer.drain();
            writer.close();
          }, '127.0.0.1', 0);
          const [reader, writer] = await openConnection('127.0.0.1', portOf(server), { limit: 1024 });
          const data = await reader.readexactly(payload.length);
          writer.close();
          await writer.waitClosed();
          server.close();
          await server.waitClosed();
          return data;
        });
        expect(sha256(got)).toBe(sha256(payload));
        t.loop.close();
      });

      it('[STREAM-17] a connection reset by the peer: a waiting read fails with ECONNRESET, and so does waitClosed()', async (t) => {
        const { server, port } = await resettingServer(5);
        try {
          const [readErr, closedErr] = await t.run(async () => {
            const [reader, writer] = await openConnection('127.0.0.1', port);
            writer.write(b('hello'));
            let readErr: unknown = null;
            try {
              await reader.read();
            } catch (e) {
              readErr = e;
            }
            let closedErr: unknown = null;
            try {
              await writer.waitClosed();
            } catch (e) {
              closedErr = e;
            }
            writer.close();
            return [readErr, closedErr];
          });
          expect((readErr as { code?: string }).code).toBe('ECONNRESET');
          expect(closedErr).toBe(readErr);
        } finally {
          t.loop.close();
          await closeNodeServer(server);
        }
      });

      it('[test_drain_raises, FLOW-09] drain() after the peer reset the connection raises instead of looping forever', async (t) => {
        const { server, port } = await resettingServer();
        try {
          const e = await failure(t, async () => {
            const [, writer] = await openConnection('127.0.0.1', port);
            try {
              for (;;) {
                writer.write(b('foo\n'));
                await writer.drain();
              }
            } finally {
              writer.close();
            }
          });
          expect(['ECONNRESET', 'EPIPE', 'ECONNABORTED']).toContain((e as { code?: string }).code);
        } finally {
          t.loop.close();
          await closeNodeServer(server);
        }
      });

      it('[test_async_writer_api_exception_after_close, STREAM-07] write() and drain() after close(): drain() fails with ECONNRESET (Connection lost)', async (t) => {
        const e = await failure(t, async () => {
          const server = await startServer(echoLines, '127.0.0.1', 0);
          try {
            const [, writer] = await openConnection('127.0.0.1', portOf(server));
            writer.close();
            try {
              for (let i = 0; i < 100; i++) {
                writer.write(b('data'));
                await writer.drain();
              }
            } finally {
              await writer.waitClosed();
            }
          } finally {
            server.close();
            await server.waitClosed();
          }
        });
        expect((e as { code?: string; message?: string }).code).toBe('ECONNRESET');
        t.loop.close();
      });

      it('[test_start_tls, TLS-02] StreamWriter.startTls(): both sides upgrade a plain connection and go on in TLS', async (t) => {
        const serverCtx = t.serverTls();
        const clientCtx = t.clientTls();
        const [msg1, msg2, sslClient, sslServer] = await t.run(async () => {
          let sslServer: unknown = 'unset';
          const server = await startServer(async (reader: StreamReader, writer: StreamWriter) => {
            const data1 = await reader.readline();
            writer.write(data1);
            await writer.drain();
            expect(writer.getExtraInfo('sslcontext')).toBeNull();
            await writer.startTls(serverCtx);
            sslServer = writer.getExtraInfo('sslcontext');
            const data2 = await reader.readline();
            writer.write(data2);
            await writer.drain();
            writer.close();
            await writer.waitClosed();
          }, '127.0.0.1', 0);
          const [reader, writer] = await openConnection('127.0.0.1', portOf(server));
          writer.write(b('hello world 1!\n'));
          await writer.drain();
          const msg1 = await reader.readline();
          expect(writer.getExtraInfo('sslcontext')).toBeNull();
          await writer.startTls(clientCtx, { serverHostname: 'localhost' });
          const sslClient = writer.getExtraInfo('sslcontext');
          writer.write(b('hello world 2!\n'));
          await writer.drain();
          const msg2 = await reader.readline();
          writer.close();
          await writer.waitClosed();
          server.close();
          await server.waitClosed();
          return [msg1.toString(), msg2.toString(), sslClient, sslServer];
        });
        expect(msg1).toBe('hello world 1!\n');
        expect(msg2).toBe('hello world 2!\n');
        expect(sslClient).not.toBeNull();
        expect(sslServer).not.toBeNull();
        t.loop.close();
      });

      it('[STREAM-15] a StreamReaderProtocol made by hand over createConnection()', async (t) => {
        const loop: NetLoop = t.loop;
        const line = await t.run(async () => {
          const server = await startServer(echoLines, '127.0.0.1', 0);
          const reader = new StreamReader({ loop });
          const protocol = new StreamReaderProtocol(reader, null, loop);
          const [transport] = await loop.createConnection(() => protocol, '127.0.0.1', portOf(server));
          const writer = new StreamWriter(transport, protocol, reader, loop);
          writer.write(b('by hand\n'));
          const got = await reader.readline();
          writer.close();
          await writer.waitClosed();
          server.close();
          await server.waitClosed();
          return got.toString();
        });
        expect(line).toBe('by hand\n');
        loop.close();
      });
    });
  });
}
