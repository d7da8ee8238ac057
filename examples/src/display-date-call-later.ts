/**
 * Mirrors the asyncio reference's "Display the current date with
 * call_later()" (python/display-date-call-later.py): a callback prints the
 * date and reschedules itself with `callLater` until the end time, then
 * stops the loop. The period is 1 s and the run 5 s, the reference's: with
 * shorter ones a loaded machine's late timers printed fewer dates (0.1 s and
 * 0.5 s left 0.1 s of slack in all). The Python twin uses the same figures.
 * The loop is `getEventLoop()`'s, the default loop of `@loop/asyncio` (see
 * hello-world-call-soon.ts).
 */
import { getEventLoop } from '@loop/asyncio';
import type { EventLoop } from '@loop/asyncio';
import { datetimeNow } from './py-format.js';

const PERIOD = 1;
const DURATION = 5;

function displayDate(endTime: number, loop: EventLoop): void {
  console.log(datetimeNow());
  if (loop.time() + PERIOD < endTime) {
    loop.callLater(PERIOD, displayDate, endTime, loop);
  } else {
    loop.stop();
  }
}

const loop = getEventLoop();

// Schedule the first call to displayDate()
const endTime = loop.time() + DURATION;
loop.callSoon(displayDate, endTime, loop);

// The run is interrupted by loop.stop().
try {
  await loop.runForever();
} finally {
  loop.close();
}
