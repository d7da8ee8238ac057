/**
 * Mirrors the asyncio reference's "Watch a file descriptor for read events"
 * (python/watch-fd-read.py): a reader registered with `addReader` on one end
 * of a socketpair prints what arrives, unregisters itself and stops the
 * loop. As Python's `asyncio.new_event_loop()` gives a `SelectorEventLoop`
 * on Unix, `newEventLoop()` gives `@loop/asyncio`'s default loop: the
 * `SelectorEventLoop`, which watches file descriptors, wherever
 * `@loop/socket`'s addon loads (as it must for the sockets). The sockets
 * come from `@loop/socket`, as Python's from `socket`.
 */
import { newEventLoop } from '@loop/asyncio';
import { socketpair } from '@loop/socket';

// Create a pair of connected file descriptors
const [rsock, wsock] = socketpair();

const loop = newEventLoop();

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
