/**
 * Streams over Unix sockets (asyncio's `test_streams` Unix parts):
 * `openUnixConnection` / `startUnixServer` with both handler kinds, and a
 * large transfer with flow control both ways (SHA-256).
 *
 * @packageDocumentation
 */
import { expect } from 'expect';
import { describe } from '../runner.js';
import { randomBytes } from 'node:crypto';
import { StreamReader, StreamWriter, openUnixConnection, startUnixServer } from '@loop/net';
import { defineNetTest, type NetLoopFactory } from './harness.js';
import { b, sha256 } from './streams-helpers.js';

/** The streams suite over Unix sockets: `openUnixConnection` / `startUnixServer`. */
export function streamsUnixSuite(newLoop: NetLoopFactory): void {
  describe('streams', () => {
    const it = defineNetTest(newLoop);

    describe('openUnixConnection / startUnixServer', () => {
      it('[test_start_unix_server, test_open_unix_connection, STREAM-08] echo over a Unix socket, with both handler kinds', async (t) => {
        const path = t.path('streams.sock');
        await t.run(async () => {
          for (const kind of ['coroutine', 'callback'] as const) {
            const handle = async (reader: StreamReader, writer: StreamWriter): Promise<void> => {
              const data = await reader.readline();
              writer.write(data);
              await writer.drain();
              writer.close();
              await writer.waitClosed();
            };
            const loop = t.loop;
            const server = await startUnixServer(kind === 'coroutine' ? handle : (r, w) => void loop.createTask(() => handle(r, w)), path);
            const [reader, writer] = await openUnixConnection(path);
            writer.write(b('hello world!\n'));
            expect((await reader.readline()).toString()).toBe('hello world!\n');
            writer.close();
            await writer.waitClosed();
            server.close();
            await server.waitClosed();
          }
        });
        t.loop.close();
      });

      it('[FLOW-09, STREAM-16] a large transfer over a Unix socket with flow control both ways (SHA-256)', async (t) => {
        const path = t.path('big.sock');
        const payload = randomBytes(4 * 1024 * 1024);
        const back = await t.run(
          async () => {
            const server = await startUnixServer(async (reader: StreamReader, writer: StreamWriter) => {
              for (;;) {
                const chunk = await reader.read(32 * 1024);
                if (chunk.length === 0) break;
                writer.write(chunk);
                await writer.drain();
              }
              writer.close();
            }, path, { limit: 16 * 1024 });
            const [reader, writer] = await openUnixConnection(path, { limit: 16 * 1024 });
            const sender = (async () => {
              for (let i = 0; i < payload.length; i += 100 * 1024) {
                writer.write(payload.subarray(i, i + 100 * 1024));
                await writer.drain();
              }
              writer.writeEof();
            })();
            const got = await reader.read();
            await sender;
            writer.close();
            await writer.waitClosed();
            server.close();
            await server.waitClosed();
            return got;
          },
          { seconds: 60 },
        );
        expect(back.length).toBe(payload.length);
        expect(sha256(back)).toBe(sha256(payload));
        t.loop.close();
      }, { timeout: 90000 });
    });
  });
}
