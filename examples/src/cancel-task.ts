/**
 * Mirrors python/cancel-task.py: `main` starts a task that awaits a future,
 * sleeps 0.05 s, cancels the task with a message, awaits it and catches the
 * `CancelledError`, which carries the message; then the task and the future
 * it waited for both report `cancelled()`.
 *
 * The program is written twice: with generator coroutines (`yield* fut` is
 * Python's `await fut`) and with async functions (`await fut`). Both print
 * what the Python twin prints. Each `run(main)` (Python's
 * `asyncio.run(main())`) runs on a new default loop of `@loop/asyncio`.
 */
import { CancelledError, Future, getRunningLoop, run, sleep } from '@loop/asyncio';
import type { Coroutine } from '@loop/asyncio';
import { pyBool } from './py-format.js';

// ---------------------------------------------------------------- generator coroutines

function* waiterCoro(fut: Future<void>): Coroutine<void> {
  console.log('waiting for the future');
  yield* fut;
}

function* mainCoro(): Coroutine<void> {
  const loop = getRunningLoop();
  const fut = loop.createFuture<void>();
  const task = loop.createTask(waiterCoro(fut));
  yield* sleep(0.05);
  task.cancel('stop waiting');
  try {
    yield* task;
  } catch (e) {
    if (!(e instanceof CancelledError)) throw e;
    console.log(`task cancelled: ${e.message}`);
  }
  console.log(pyBool(task.cancelled()));
  console.log(pyBool(fut.cancelled()));
}

// ---------------------------------------------------------------- async functions

async function waiterAsync(fut: Future<void>): Promise<void> {
  console.log('waiting for the future');
  await fut;
}

async function mainAsync(): Promise<void> {
  const loop = getRunningLoop();
  const fut = loop.createFuture<void>();
  const task = loop.createTask(() => waiterAsync(fut));
  await sleep(0.05);
  task.cancel('stop waiting');
  try {
    await task;
  } catch (e) {
    if (!(e instanceof CancelledError)) throw e;
    console.log(`task cancelled: ${e.message}`);
  }
  console.log(pyBool(task.cancelled()));
  console.log(pyBool(fut.cancelled()));
}

console.log('-- generator coroutines --');
await run(mainCoro);
console.log('-- async functions --');
await run(mainAsync);
