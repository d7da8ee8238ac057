/**
 * Runs a short program on MicroLoop (`src/third-party-loop/`), an event loop
 * written against `@loop/interfaces` alone, and prints what its Python twin
 * (python/third-party-loop.py) prints on asyncio: callbacks and timers in
 * asyncio's order, a task awaiting a future, a task cancelled with a
 * message, and what the exception handler receives.
 *
 * A generator's bare `yield` is asyncio's `await asyncio.sleep(0)`:
 * `@loop/core`'s `sleep` runs only on core's loops (D93).
 */
import { CancelledError } from '@loop/interfaces';
import type { Coroutine, Future, SchedulingLoop } from '@loop/interfaces';
import { MicroLoop } from './third-party-loop/index.js';
import { pyBool } from './py-format.js';

function section(name: string): void {
  console.log(`-- ${name} --`);
}

async function waiter(fut: Future<number>): Promise<number> {
  console.log('waiting');
  const v = await fut;
  console.log(`got ${v}`);
  return v * 2;
}

// 1. callSoon, callLater, callAt and a cancelled handle, then stop.
section('ordering');
{
  const loop = new MicroLoop();
  const log = (msg: string): void => console.log(msg);
  const soonA = (): void => {
    log('soon A');
    loop.callSoon(log, 'soon C (scheduled by A)');
  };
  loop.callLater(0.2, log, 'later 0.2');
  loop.callSoon(soonA);
  loop.callLater(0, log, 'later 0');
  loop.callAt(loop.time() + 0.1, log, 'at +0.1');
  const h = loop.callSoon(log, 'cancelled: never printed');
  loop.callSoon(log, 'soon B');
  h.cancel();
  console.log(pyBool(h.cancelled()));
  loop.callLater(0.3, () => loop.stop());
  await loop.runForever();
  loop.close();
}

// 2. A task (an async function) waits for a future that a timer completes.
section('tasks');
{
  const loop = new MicroLoop();
  const fut = loop.createFuture<number>();
  loop.callLater(0.01, (v: number) => fut.setResult(v), 21);
  console.log(await loop.runUntilComplete(() => waiter(fut)));
  loop.close();
}

// 3. A task waiting for a future is cancelled with a message, twice.
section('cancellation');
{
  const loop = new MicroLoop();
  function* main(): Coroutine<void> {
    const fut = loop.createFuture<number>();
    const task = loop.createTask(() => waiter(fut), { name: 'waiter' });
    yield; // asyncio.sleep(0): the task starts and waits
    console.log(pyBool(task.cancel('stop waiting')));
    console.log(pyBool(task.cancel('again')));
    console.log(task.cancelling());
    try {
      yield* task;
    } catch (e) {
      if (!(e instanceof CancelledError)) throw e;
      console.log(`task cancelled: ${e.message}`);
    }
    console.log(`${pyBool(task.cancelled())} ${pyBool(fut.cancelled())}`);
    console.log(task.getName());
  }
  await loop.runUntilComplete(main());
  loop.close();
}

// 4. A callback fails: the exception handler receives asyncio's context.
section('exception handler');
{
  const loop = new MicroLoop();
  function boom(): void {
    throw new RangeError('boom');
  }
  loop.setExceptionHandler((_l: SchedulingLoop, context) => {
    console.log(`[${Object.keys(context).sort().map((k) => `'${k}'`).join(', ')}]`);
    const exc = context.exception as Error;
    console.log(`${exc.name === 'RangeError' ? 'ValueError' : exc.name}('${exc.message}')`);
    console.log(context.message.split(' at ')[0]);
  });
  loop.callSoon(boom);
  loop.callSoon(() => loop.stop());
  await loop.runForever();
  loop.close();
}
