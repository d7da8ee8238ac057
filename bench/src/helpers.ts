/**
 * Task helpers at scale: `gather` of 10,000 tasks and a `TaskGroup` of
 * 10,000 tasks, each task sleeping 0 (one iteration) and returning its
 * index. Figures are tasks per second, creation, scheduling and collection
 * included. Reference, for scale: `Promise.all` of 10,000 async functions
 * that each await a resolved promise.
 */
import { BaseEventLoop, gather, sleep, taskGroup } from '@loop/core';
import type { Coroutine } from '@loop/core';
import type { Case } from './cases.js';
import { check, opsPerSecond } from './cases.js';

const N = 10_000;
const GROUP = 'task helpers (10,000 tasks)';

function* child(i: number): Coroutine<number> {
  yield* sleep(0);
  return i;
}

async function gatherTasks(): Promise<number> {
  const loop = new BaseEventLoop();
  let results: number[] = [];
  const ops = await opsPerSecond(N, async () => {
    results = await loop.runUntilComplete(function* (): Coroutine<number[]> {
      const tasks = [];
      for (let i = 0; i < N; i++) tasks.push(loop.createTask(child(i)));
      return (yield* gather(...tasks)) as number[];
    });
  });
  loop.close();
  check(results.length === N && results[N - 1] === N - 1, 'gather lost results');
  return ops;
}

async function taskGroupTasks(): Promise<number> {
  const loop = new BaseEventLoop();
  let sum = 0;
  const ops = await opsPerSecond(N, async () => {
    sum = await loop.runUntilComplete(function* (): Coroutine<number> {
      const tasks: { result(): number }[] = [];
      yield* taskGroup(function* (tg) {
        for (let i = 0; i < N; i++) tasks.push(tg.createTask(child(i)));
      });
      return tasks.reduce((a, t) => a + t.result(), 0);
    });
  });
  loop.close();
  check(sum === (N * (N - 1)) / 2, 'task group lost results');
  return ops;
}

async function promiseAll(): Promise<number> {
  const one = async (i: number): Promise<number> => {
    await Promise.resolve();
    return i;
  };
  return opsPerSecond(N, async () => {
    const ps = [];
    for (let i = 0; i < N; i++) ps.push(one(i));
    await Promise.all(ps);
  });
}

export const helperCases: Case[] = [
  { id: 'helpers.gather', group: GROUP, label: 'gather(...10,000 tasks)', reference: false, unit: 'ops/s', run: gatherTasks },
  { id: 'helpers.taskGroup', group: GROUP, label: 'taskGroup with 10,000 tasks', reference: false, unit: 'ops/s', run: taskGroupTasks },
  { id: 'helpers.promiseAll', group: GROUP, label: 'Promise.all of 10,000 async functions, for scale', reference: true, unit: 'ops/s', run: promiseAll },
];
