/**
 * Mirrors the asyncio reference's "Hello World with call_soon()"
 * (python/hello-world-call-soon.py): a callback scheduled with `callSoon`
 * prints "Hello World" and stops the loop. `getEventLoop()` is Python's
 * `asyncio.get_event_loop()`: with no loop running it gives the policy's
 * current loop, made on first use, the default loop of `@loop/asyncio` (the
 * `SelectorEventLoop` where `@loop/socket`'s addon loads, else the
 * `ProactorEventLoop`).
 */
import { getEventLoop } from '@loop/asyncio';
import type { EventLoop } from '@loop/asyncio';

/** A callback to print 'Hello World' and stop the event loop. */
function helloWorld(loop: EventLoop): void {
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
