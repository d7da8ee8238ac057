/**
 * Mirrors python/tls-echo.py: the streams echo of tcp-echo-streams.ts over
 * TLS, on the default loop of `@loop/asyncio` that `run(main)` makes (see
 * tcp-echo-protocol.ts).
 *
 * The server's TLS options hold the test certificate and key, the client's
 * trust only the test CA and check the server's name (`serverHostname:
 * 'localhost'`); both are read at run time from the PEM files in
 * packages/conformance/fixtures/tls/ (test use only: their keys are public),
 * relative to this file. An `ssl` option takes Node's TLS options (or a
 * `SecureContext`) where Python takes an `SSLContext`.
 *
 * Each side prints the negotiated protocol version from the `ssl_object`
 * extra info, and the client the common name of the server's certificate
 * from `peercert`. Those two keep Node's shapes: `ssl_object` is the
 * `TLSSocket` (`getProtocol()` where Python's `SSLObject` has `version()`),
 * `peercert` is `getPeerCertificate()`'s object (`subject.CN` where Python's
 * dict has `subject` as tuples of `(name, value)` pairs).
 *
 * HOW it stays deterministic (and equal to its twin): port 0, peernames
 * print their host only, and each side's lines are printed after the
 * exchange, server first (see tcp-echo-protocol.ts).
 */
import { readFileSync } from 'node:fs';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { openConnection, run, startServer } from '@loop/asyncio';
import type { StreamReader, StreamWriter } from '@loop/asyncio';

const FIXTURES = new URL('../../packages/conformance/fixtures/tls/', import.meta.url);
const pem = (name: string): string => readFileSync(new URL(name, FIXTURES), 'utf8');

const lines: Record<'server' | 'client', string[]> = { server: [], client: [] };
function log(side: 'server' | 'client', text: string): void {
  lines[side].push(text);
}

/** Python's `repr()` of a string without quotes or backslashes in it. */
function repr(s: string): string {
  return `'${s}'`;
}

/** The protocol version of a TLS stream: its `ssl_object` is Node's `TLSSocket`. */
function tlsVersion(writer: StreamWriter): string {
  return String((writer.getExtraInfo('ssl_object') as TLSSocket).getProtocol());
}

/** The common name of the peer's certificate: `peercert` is Node's `getPeerCertificate()`. */
function peerCommonName(writer: StreamWriter): string {
  return String((writer.getExtraInfo('peercert') as PeerCertificate).subject.CN);
}

async function handleEcho(reader: StreamReader, writer: StreamWriter): Promise<void> {
  const data = await reader.read(100);
  const message = data.toString();
  const addr = writer.getExtraInfo('peername') as [string, number];
  log('server', `Received ${repr(message)} from ${addr[0]} over ${tlsVersion(writer)}`);
  log('server', `Send: ${repr(message)}`);
  writer.write(data);
  await writer.drain();
  log('server', 'Close the connection');
  writer.close();
  await writer.waitClosed();
}

async function tlsEchoClient(message: string, port: number): Promise<void> {
  const [reader, writer] = await openConnection('127.0.0.1', port, { ssl: { ca: pem('ca.pem') }, serverHostname: 'localhost' });
  log('client', `Connected to ${peerCommonName(writer)} over ${tlsVersion(writer)}`);
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
  const server = await startServer(handleEcho, '127.0.0.1', 0, { ssl: { cert: pem('server.pem'), key: pem('server-key.pem') } });
  const port = (server.sockets[0].getsockname() as [string, number])[1];
  {
    await using _ = server;
    await tlsEchoClient('Hello TLS!', port);
  }
  for (const side of ['server', 'client'] as const) {
    console.log(`-- ${side} --`);
    for (const line of lines[side]) console.log(line);
  }
}

await run(main);
