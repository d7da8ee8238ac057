/**
 * Mirrors the asyncio reference's "Register an open socket to wait for data
 * using streams" (python/open-socket-streams.py): `openConnection` with
 * `{ sock }` wraps one end of a `@loop/socket` socketpair in a reader and a
 * writer; the coroutine reads what arrives, prints it and closes. The loop
 * is the default loop of `@loop/asyncio` that `run(waitForData)` makes, the
 * `SelectorEventLoop`, as in open-socket-protocol.ts.
 */
import { getRunningLoop, openConnection, run } from '@loop/asyncio';
import { socketpair } from '@loop/socket';

async function waitForData(): Promise<void> {
  // Get a reference to the current event loop because
  // we want to access low-level APIs.
  const loop = getRunningLoop();

  // Create a pair of connected sockets.
  const [rsock, wsock] = socketpair();

  // Register the open socket to wait for data.
  const [reader, writer] = await openConnection(null, null, { sock: rsock });

  // Simulate the reception of data from the network
  loop.callSoon(() => wsock.send(Buffer.from('abc')));

  // Wait for data
  const data = await reader.read(100);

  // Got data, we are done: close the socket
  console.log('Received:', data.toString());
  writer.close();
  await writer.waitClosed();

  // Close the second socket
  wsock.close();
}

await run(waitForData);
