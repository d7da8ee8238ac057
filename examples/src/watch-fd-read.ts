/**
 * Mirrors the asyncio reference's "Watch a file descriptor for read events"
 * (python/watch-fd-read.py): a reader registered with `addReader` on one end
 * of a socketpair prints what arrives, unregisters itself and stops the
 * loop. The loop is a `SelectorEventLoop` (`@loop/selector`), the one that
 * watches file descriptors, and the sockets are `@loop/socket`'s.
 */
import { SelectorEventLoop } from '@loop/selector';
import { socketpair } from '@loop/socket';

// Create a pair of connected file descriptors
const [rsock, wsock] = socketpair();

const loop = new SelectorEventLoop();

function reader(): void {
  const data = rsock.recv(100);
  console.log('Received:', data.toString());

  // We are done: unregister the file descriptor
  loop.removeReader(rsock);

  // Stop the event loop
  loop.stop();
}

// Register the file descriptor for read event
loop.addReader(rsock, reader);

// Simulate the reception of data from the network
loop.callSoon(() => wsock.send(Buffer.from('abc')));

try {
  // Run the event loop (Python's run_forever() blocks; ours returns a promise)
  await loop.runForever();
} finally {
  // We are done. Close sockets and the event loop.
  rsock.close();
  wsock.close();
  loop.close();
}
