/**
 * Executors: sequential round trips of a trivial function (`x + 1`) through
 * `loop.runInExecutor` on a `ThreadPoolExecutor`, beside piscina used
 * directly on the same kind of worker in the same run (target: the loop's
 * wrapper costs under 10%, i.e. ratio >= 0.9); and parallelism: two 200 ms
 * busy loops on a two-worker pool, wall time in ms (well under 400 ms on two
 * cores means they ran in parallel).
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { BaseEventLoop, ThreadPoolExecutor } from '@loop/core';
import type { Case } from './cases.js';
import { check, opsPerSecond } from './cases.js';

const N = 5_000;
const GROUP = 'executors (5,000 sequential round trips; 2 x 200 ms busy loops)';
const workerFile = fileURLToPath(new URL('./executor-worker.js', import.meta.url));

async function loopRoundTrips(): Promise<number> {
  const loop = new BaseEventLoop();
  const executor = new ThreadPoolExecutor({ maxWorkers: 1 });
  let last = 0;
  const ref = { module: workerFile, export: 'inc' };
  await loop.runUntilComplete(loop.runInExecutor(executor, ref, 0)); // warm the worker
  const ops = await opsPerSecond(N, () =>
    loop.runUntilComplete(function* () {
      for (let i = 0; i < N; i++) last = (yield* loop.runInExecutor(executor, ref, i)) as number;
    }),
  );
  await executor.shutdown(true);
  loop.close();
  check(last === N, `last result ${last}`);
  return ops;
}

async function loopRoundTripsSource(): Promise<number> {
  const loop = new BaseEventLoop();
  const executor = new ThreadPoolExecutor({ maxWorkers: 1 });
  let last = 0;
  const fn = (x: number): number => x + 1;
  await loop.runUntilComplete(loop.runInExecutor(executor, fn, 0));
  const ops = await opsPerSecond(N, () =>
    loop.runUntilComplete(function* () {
      for (let i = 0; i < N; i++) last = (yield* loop.runInExecutor(executor, fn, i));
    }),
  );
  await executor.shutdown(true);
  loop.close();
  check(last === N, `last result ${last}`);
  return ops;
}

async function piscinaRoundTrips(): Promise<number> {
  const pool = new Piscina({ filename: workerFile, name: 'inc', minThreads: 1, maxThreads: 1 });
  await pool.run(0);
  let last = 0;
  const ops = await opsPerSecond(N, async () => {
    for (let i = 0; i < N; i++) last = (await pool.run(i)) as number;
  });
  await pool.destroy();
  check(last === N, `last result ${last}`);
  return ops;
}

async function parallelBusyLoops(): Promise<number> {
  const loop = new BaseEventLoop();
  const executor = new ThreadPoolExecutor({ maxWorkers: 2 });
  const busy = (ms: number): number => {
    const end = Date.now() + ms;
    let n = 0;
    while (Date.now() < end) n++;
    return n;
  };
  await loop.runUntilComplete(function* () {
    yield* loop.runInExecutor(executor, busy, 1);
    yield* loop.runInExecutor(executor, busy, 1);
  });
  const t0 = performance.now();
  await loop.runUntilComplete(function* () {
    const a = loop.runInExecutor(executor, busy, 200);
    const b = loop.runInExecutor(executor, busy, 200);
    yield* a;
    yield* b;
  });
  const ms = performance.now() - t0;
  await executor.shutdown(true);
  loop.close();
  check(availableParallelism() >= 1, 'no CPU');
  return ms;
}

export const executorCases: Case[] = [
  { id: 'executors.loopModule', group: GROUP, label: 'runInExecutor, { module, export } reference', reference: false, unit: 'ops/s', run: loopRoundTrips },
  { id: 'executors.loopSource', group: GROUP, label: 'runInExecutor, function source', reference: false, unit: 'ops/s', run: loopRoundTripsSource },
  { id: 'executors.piscina', group: GROUP, label: 'piscina.run() directly', reference: true, unit: 'ops/s', run: piscinaRoundTrips },
  { id: 'executors.parallel', group: GROUP, label: '2 x 200 ms busy loops, 2 threads (wall ms)', reference: false, unit: 'ms', run: parallelBusyLoops },
];
