/**
 * Mirrors the asyncio reference's "Hello World with call_soon()"
 * (python/hello-world-call-soon.py): a callback scheduled with `callSoon`
 * prints "Hello World" and stops the loop.
 */
import { getEventLoop } from '@loop/core';
import type { BaseEventLoop } from '@loop/core';

/** A callback to print 'Hello World' and stop the event loop. */
function helloWorld(loop: BaseEventLoop): void {
  console.log('Hello World');
  loop.stop();
}

const loop = getEventLoop();

// Schedule a call to helloWorld()
loop.callSoon(helloWorld, loop);

// The run is interrupted by loop.stop(); Python's run_forever() blocks, ours
// returns a promise.
try {
  await loop.runForever();
} finally {
  loop.close();
}
