/**
 * Mirrors python/tcp-echo-streams.py: the reference's "TCP echo client using
 * streams" and "TCP echo server using streams" (asyncio-stream, Examples) in
 * one program, on the default loop of `@loop/asyncio` that `run(main)` makes
 * (see tcp-echo-protocol.ts).
 *
 * `startServer` calls `handleEcho(reader, writer)` for each connection, as a
 * task: it reads up to 100 bytes, echoes them, drains and closes. The client
 * opens a connection with `openConnection`, sends a message, reads the echo
 * and closes. Reads return loop futures, so `await` (here) and `yield*` both
 * work.
 *
 * HOW it stays deterministic (and equal to its twin): port 0, peernames
 * print their host only, and each side's lines are printed after the
 * exchange, server first (see tcp-echo-protocol.ts).
 */
import { openConnection, run, startServer } from '@loop/asyncio';
import type { StreamReader, StreamWriter } from '@loop/asyncio';

const lines: Record<'server' | 'client', string[]> = { server: [], client: [] };
function log(side: 'server' | 'client', text: string): void {
  lines[side].push(text);
}

/** Python's `repr()` of a string without quotes or backslashes in it. */
function repr(s: string): string {
  return `'${s}'`;
}

async function handleEcho(reader: StreamReader, writer: StreamWriter): Promise<void> {
  const data = await reader.read(100);
  const message = data.toString();
  const addr = writer.getExtraInfo('peername') as [string, number];
  log('server', `Received ${repr(message)} from ${addr[0]}`);
  log('server', `Send: ${repr(message)}`);
  writer.write(data);
  await writer.drain();
  log('server', 'Close the connection');
  writer.close();
  await writer.waitClosed();
}

async function tcpEchoClient(message: string, port: number): Promise<void> {
  const [reader, writer] = await openConnection('127.0.0.1', port);
  log('client', `Send: ${repr(message)}`);
  writer.write(Buffer.from(message));
  await writer.drain();
  const data = await reader.read(100);
  log('client', `Received: ${repr(data.toString())}`);
  log('client', 'Close the connection');
  writer.close();
  await writer.waitClosed();
}

async function main(): Promise<void> {
  const server = await startServer(handleEcho, '127.0.0.1', 0);
  const port = (server.sockets[0].getsockname() as [string, number])[1];
  {
    await using _ = server;
    await tcpEchoClient('Hello World!', port);
  }
  for (const side of ['server', 'client'] as const) {
    console.log(`-- ${side} --`);
    for (const line of lines[side]) console.log(line);
  }
}

await run(main);
