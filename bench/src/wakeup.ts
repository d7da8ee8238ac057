/**
 * Future -> task wake-up: 200,000 sequential wake-ups of one task. Each
 * round makes a future, schedules a callback that sets its result, and
 * waits for it:
 *
 *   generator  yield* f        (Python's `await f` in a coroutine)
 *   async      await f         (an async-function task)
 *   reference  await new Promise(r => setImmediate(r))   (plain Node)
 *
 * One loop wake-up is two iterations (the callback that sets the result, then
 * the task's step); the reference is one turn of Node's loop.
 */
import { BaseEventLoop } from '@loop/core';
import type { Coroutine } from '@loop/core';
import type { Case } from './cases.js';
import { check, opsPerSecond } from './cases.js';

const N = 200_000;
const GROUP = 'future -> task wake-up (200,000 sequential)';

async function generatorTask(): Promise<number> {
  const loop = new BaseEventLoop();
  let sum = 0;
  function* body(): Coroutine<void> {
    for (let i = 0; i < N; i++) {
      const f = loop.createFuture<number>();
      loop.callSoon(() => f.setResult(i));
      sum += yield* f;
    }
  }
  const ops = await opsPerSecond(N, () => loop.runUntilComplete(loop.createTask(body())));
  loop.close();
  check(sum === (N * (N - 1)) / 2, 'generator task saw every result');
  return ops;
}

async function asyncTask(): Promise<number> {
  const loop = new BaseEventLoop();
  let sum = 0;
  const body = async (): Promise<void> => {
    for (let i = 0; i < N; i++) {
      const f = loop.createFuture<number>();
      loop.callSoon(() => f.setResult(i));
      sum += await f;
    }
  };
  const ops = await opsPerSecond(N, () => loop.runUntilComplete(loop.createTask(body)));
  loop.close();
  check(sum === (N * (N - 1)) / 2, 'async task saw every result');
  return ops;
}

async function promiseImmediate(): Promise<number> {
  let n = 0;
  const ops = await opsPerSecond(N, async () => {
    for (let i = 0; i < N; i++) {
      await new Promise<void>((r) => setImmediate(r));
      n++;
    }
  });
  check(n === N, 'reference woke N times');
  return ops;
}

export const wakeupCases: Case[] = [
  { id: 'wakeup.generator', group: GROUP, label: 'generator task, yield* future', reference: false, unit: 'ops/s', run: generatorTask },
  { id: 'wakeup.async', group: GROUP, label: 'async-function task, await future', reference: false, unit: 'ops/s', run: asyncTask },
  { id: 'wakeup.promiseImmediate', group: GROUP, label: 'await Promise resolved by setImmediate', reference: true, unit: 'ops/s', run: promiseImmediate },
];
