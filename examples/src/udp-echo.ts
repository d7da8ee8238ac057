/**
 * Mirrors python/udp-echo.py: the reference's "UDP Echo Server" and "UDP
 * Echo Client" (asyncio-protocol, Examples) in one program, on the default
 * loop of `@loop/asyncio` that `run(main)` makes (see tcp-echo-protocol.ts).
 *
 * The server endpoint is bound to 127.0.0.1 port 0 and echoes each datagram
 * to its sender; the client endpoint is connected to it (`remoteAddr`), so
 * its `sendto(data)` needs no address; on the echo it closes itself, and its
 * `connectionLost` completes the future `main` awaits.
 *
 * HOW it stays deterministic (and equal to its twin): port 0, addresses
 * print their host only, and each side's lines are printed after the
 * exchange, server first (see tcp-echo-protocol.ts).
 */
import { DatagramProtocol, getRunningLoop, run } from '@loop/asyncio';
import type { Address, DatagramTransport, Future } from '@loop/asyncio';

const lines: Record<'server' | 'client', string[]> = { server: [], client: [] };
function log(side: 'server' | 'client', text: string): void {
  lines[side].push(text);
}

/** Python's `repr()` of a string without quotes or backslashes in it. */
function repr(s: string): string {
  return `'${s}'`;
}

/** The host of an `[host, port, ...]` address. */
function host(addr: Address): string {
  return Array.isArray(addr) ? String(addr[0]) : String(addr);
}

class EchoServerProtocol extends DatagramProtocol {
  transport: DatagramTransport | null = null;

  override connectionMade(transport: DatagramTransport): void {
    this.transport = transport;
  }

  override datagramReceived(data: Buffer, addr: Address): void {
    const message = data.toString();
    log('server', `Received ${repr(message)} from ${host(addr)}`);
    log('server', `Send ${repr(message)} to ${host(addr)}`);
    this.transport!.sendto(data, addr);
  }
}

class EchoClientProtocol extends DatagramProtocol {
  transport: DatagramTransport | null = null;

  constructor(
    readonly message: string,
    readonly onConLost: Future<boolean>,
  ) {
    super();
  }

  override connectionMade(transport: DatagramTransport): void {
    this.transport = transport;
    log('client', `Send: ${this.message}`);
    this.transport.sendto(Buffer.from(this.message));
  }

  override datagramReceived(data: Buffer): void {
    log('client', `Received: ${data.toString()}`);
    log('client', 'Close the socket');
    this.transport!.close();
  }

  override errorReceived(exc: Error): void {
    log('client', `Error received: ${exc.message}`);
  }

  override connectionLost(): void {
    log('client', 'Connection closed');
    this.onConLost.setResult(true);
  }
}

async function main(): Promise<void> {
  const loop = getRunningLoop();
  const [serverTransport] = await loop.createDatagramEndpoint(() => new EchoServerProtocol(), ['127.0.0.1', 0]);
  const port = (serverTransport.getExtraInfo('sockname') as [string, number])[1];

  const onConLost = loop.createFuture<boolean>();
  const message = 'Hello World!';
  const [transport] = await loop.createDatagramEndpoint(() => new EchoClientProtocol(message, onConLost), null, ['127.0.0.1', port]);
  try {
    await onConLost;
  } finally {
    transport.close();
    serverTransport.close();
  }

  for (const side of ['server', 'client'] as const) {
    console.log(`-- ${side} --`);
    for (const line of lines[side]) console.log(line);
  }
}

await run(main);
