/**
 * Mirrors python/tcp-echo-protocol.py: the reference's "TCP Echo Server" and
 * "TCP Echo Client" (asyncio-protocol, Examples) in one program, on the
 * default loop of `@loop/asyncio` that `run(main)` makes (the
 * `SelectorEventLoop` where `@loop/socket`'s addon loads, else the
 * `ProactorEventLoop`; both have `createServer` and `createConnection`).
 *
 * The server's protocol prints what it receives, echoes it and closes the
 * connection; the client's protocol sends a message on `connectionMade`,
 * prints the echo, and completes a future on `connectionLost`, which `main`
 * awaits before closing the server.
 *
 * HOW it stays deterministic (and equal to its twin): the server listens on
 * port 0 and addresses print their host only; each side records its lines,
 * printed after the exchange, server first — the order in which the two
 * sides' callbacks interleave depends on when the accept and the connect
 * complete, not on the program.
 */
import { Protocol, getRunningLoop, run } from '@loop/asyncio';
import type { Future, Transport } from '@loop/asyncio';

const lines: Record<'server' | 'client', string[]> = { server: [], client: [] };
function log(side: 'server' | 'client', text: string): void {
  lines[side].push(text);
}

/** Python's `repr()` of a string without quotes or backslashes in it. */
function repr(s: string): string {
  return `'${s}'`;
}

class EchoServerProtocol extends Protocol {
  transport: Transport | null = null;

  override connectionMade(transport: Transport): void {
    const peername = transport.getExtraInfo('peername') as [string, number];
    log('server', `Connection from ${peername[0]}`);
    this.transport = transport;
  }

  override dataReceived(data: Buffer): void {
    const message = data.toString();
    log('server', `Data received: ${repr(message)}`);
    log('server', `Send: ${repr(message)}`);
    this.transport!.write(data);
    log('server', 'Close the client socket');
    this.transport!.close();
  }
}

class EchoClientProtocol extends Protocol {
  constructor(
    readonly message: string,
    readonly onConLost: Future<boolean>,
  ) {
    super();
  }

  override connectionMade(transport: Transport): void {
    transport.write(Buffer.from(this.message));
    log('client', `Data sent: ${repr(this.message)}`);
  }

  override dataReceived(data: Buffer): void {
    log('client', `Data received: ${repr(data.toString())}`);
  }

  override connectionLost(): void {
    log('client', 'The server closed the connection');
    this.onConLost.setResult(true);
  }
}

async function main(): Promise<void> {
  const loop = getRunningLoop();
  const server = await loop.createServer(() => new EchoServerProtocol(), '127.0.0.1', 0);
  const port = (server.sockets[0].getsockname() as [string, number])[1];

  const onConLost = loop.createFuture<boolean>();
  const message = 'Hello World!';
  const [transport] = await loop.createConnection(() => new EchoClientProtocol(message, onConLost), '127.0.0.1', port);
  try {
    await onConLost;
  } finally {
    transport.close();
  }
  server.close();
  await server.waitClosed();

  for (const side of ['server', 'client'] as const) {
    console.log(`-- ${side} --`);
    for (const line of lines[side]) console.log(line);
  }
}

await run(main);
