/**
 * Mirrors the asyncio reference's "Register an open socket to wait for data
 * using a protocol" (python/open-socket-protocol.py): `createConnection`
 * with `{ sock }` wraps one end of a `@loop/socket` socketpair in a
 * transport; the protocol prints what arrives, closes the transport, and
 * completes a future on `connectionLost`, which `main` awaits. The loop is a
 * `SelectorEventLoop` (`@loop/selector`) with `@loop/net` composed in
 * (`compose(SelectorEventLoop, net)`), the twin of watch-fd-read.ts's
 * `addReader`.
 */
import { getRunningLoop, run } from '@loop/core';
import type { Future } from '@loop/core';
import { Protocol, compose } from '@loop/interfaces';
import type { Transport } from '@loop/interfaces';
import { net } from '@loop/net';
import { SelectorEventLoop } from '@loop/selector';
import { socketpair } from '@loop/socket';

const Loop = compose(SelectorEventLoop, net);
type NetLoop = InstanceType<typeof Loop>;

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
  const loop = getRunningLoop() as NetLoop;
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

await run(main, { loopFactory: () => new Loop() });
