/**
 * Mirrors the asyncio reference's "Register an open socket to wait for data
 * using a protocol" (python/open-socket-protocol.py): `createConnection`
 * with `{ sock }` wraps one end of a `@loop/socket` socketpair in a
 * transport; the protocol prints what arrives, closes the transport, and
 * completes a future on `connectionLost`, which `main` awaits: the
 * transport twin of watch-fd-read.ts's `addReader`. The loop is the default
 * loop of `@loop/asyncio` that `run(main)` makes, the `SelectorEventLoop`
 * (`@loop/socket`'s sockets need its addon, and where it loads the default
 * loop is the selector loop). The sockets come from `@loop/socket`, as
 * Python's come from `socket`.
 */
import { Protocol, getRunningLoop, run } from '@loop/asyncio';
import type { Future, Transport } from '@loop/asyncio';
import { socketpair } from '@loop/socket';

class MyProtocol extends Protocol {
  transport: Transport | null = null;

  constructor(readonly onConLost: Future<boolean>) {
    super();
  }

  override connectionMade(transport: Transport): void {
    this.transport = transport;
  }

  override dataReceived(data: Buffer): void {
    console.log('Received:', data.toString());

    // We are done: close the transport;
    // connectionLost() will be called automatically.
    this.transport!.close();
  }

  override connectionLost(): void {
    // The socket has been closed
    this.onConLost.setResult(true);
  }
}

async function main(): Promise<void> {
  // Get a reference to the event loop as we plan to use
  // low-level APIs.
  const loop = getRunningLoop();
  const onConLost = loop.createFuture<boolean>();

  // Create a pair of connected sockets
  const [rsock, wsock] = socketpair();

  // Register the socket to wait for data.
  const [transport, protocol] = await loop.createConnection(() => new MyProtocol(onConLost), null, null, { sock: rsock });

  // Simulate the reception of data from the network.
  loop.callSoon(() => wsock.send(Buffer.from('abc')));

  try {
    await protocol.onConLost;
  } finally {
    transport.close();
    wsock.close();
  }
}

await run(main);
