/**
 * Task spawn: 200,000 tasks that each finish at once — `function* () {
 * return 1; }` given to `loop.createTask` as a coroutine — then
 * `runUntilComplete` of the last one (tasks start in FIFO order, so it is
 * the last to finish). The figure is tasks per second, creation and running
 * included. Target: >= 960 k/s (uvloop does ~480 k/s).
 *
 * Reference, for scale only: 200,000 calls of an async function that
 * returns at once, then awaiting the last promise.
 */
import { BaseEventLoop, loopStats } from '@loop/core';
import type { Coroutine, Task } from '@loop/core';
import type { Case } from './cases.js';
import { check, opsPerSecond } from './cases.js';

const N = 200_000;
const GROUP = 'task spawn (200,000 tasks that finish at once)';

function* one(): Coroutine<number> {
  return 1;
}

// The reference is an async function that returns at once, by design.
// eslint-disable-next-line @typescript-eslint/require-await
async function oneAsync(): Promise<number> {
  return 1;
}

async function spawnTasks(): Promise<number> {
  const loop = new BaseEventLoop();
  let last: Task<number> | null = null;
  const ops = await opsPerSecond(N, async () => {
    for (let i = 0; i < N; i++) last = loop.createTask(one());
    await loop.runUntilComplete(last as unknown as Task<number>);
  });
  const pending = loopStats(loop).tasks;
  loop.close();
  check(pending === 0, `${pending} tasks still pending`);
  return ops;
}

async function spawnAsyncCalls(): Promise<number> {
  let last: Promise<number> | null = null;
  return opsPerSecond(N, async () => {
    for (let i = 0; i < N; i++) last = oneAsync();
    await last;
  });
}

export const spawnCases: Case[] = [
  { id: 'spawn.generatorTasks', group: GROUP, label: 'loop.createTask(function* () { return 1; }())', reference: false, unit: 'ops/s', run: spawnTasks },
  { id: 'spawn.asyncCalls', group: GROUP, label: 'async function calls, for scale', reference: true, unit: 'ops/s', run: spawnAsyncCalls },
];
