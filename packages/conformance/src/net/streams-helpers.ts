/**
 * What the streams suites share (`stream-reader`, `stream-reader-until`,
 * `streams`, `streams-flow`, `streams-unix`): bytes from strings, reading out
 * a reader's buffer through its repr, a resetting `node:net` server, an echo
 * handler, SHA-256.
 *
 * @packageDocumentation
 */
import { expect } from 'expect';
import { createHash } from 'node:crypto';
import { createServer as createNodeServer, type Server as NodeServer, type Socket as NodeSocket } from 'node:net';
import { type Future, type Server } from '@loop/interfaces';
import { StreamReader, StreamWriter } from '@loop/net';
import { type NetTest } from './harness.js';

/** latin1 bytes of a string. */
export const b = (s: string): Buffer => Buffer.from(s, 'latin1');
/** Three lines of test data. */
export const DATA = b('line1\nline2\nline3\n');

/** The bytes still buffered in `reader` (read out: the reader is left empty). */
export function buffered(reader: StreamReader): string {
  const m = /<StreamReader (\d+) bytes/.exec(reader.toString());
  if (m === null) return '';
  const f = reader.read(Number(m[1]));
  expect(f.done()).toBe(true);
  return f.result().toString('latin1');
}

/** The error `fut` failed with (runs the loop until it is done). */
export async function failure(t: NetTest, fut: Future<unknown> | (() => PromiseLike<unknown>)): Promise<unknown> {
  try {
    await t.run(fut);
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
}

/** The SHA-256 of the bytes, hex. */
export function sha256(data: Buffer | Buffer[]): string {
  const h = createHash('sha256');
  for (const d of Array.isArray(data) ? data : [data]) h.update(d);
  return h.digest('hex');
}

/** A plain node:net server that resets each connection once it has read `readBytes` bytes (0: at once). */
export async function resettingServer(readBytes = 0): Promise<{ server: NodeServer; port: number }> {
  const server = createNodeServer((sock: NodeSocket) => {
    let got = 0;
    const reset = (): void => {
      sock.resetAndDestroy();
    };
    if (readBytes === 0) reset();
    else
      sock.on('data', (d: Buffer) => {
        got += d.length;
        if (got >= readBytes) reset();
      });
    sock.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

/** Closes a node:net server and waits for it. */
export async function closeNodeServer(server: NodeServer): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** The port a server listens on. */
export function portOf(server: Server): number {
  return (server.sockets[0].getsockname() as [string, number])[1];
}

/** An echo handler for `startServer`: echoes lines until EOF, then closes. */
export async function echoLines(reader: StreamReader, writer: StreamWriter): Promise<void> {
  for await (const line of reader) {
    writer.write(line);
    await writer.drain();
  }
  writer.close();
  await writer.waitClosed();
}
