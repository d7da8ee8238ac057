/**
 * Mirrors python/queue-workers.py: three workers take jobs from a bounded
 * `Queue`; a `Semaphore` lets only two of them hold the "connection" at once
 * (`withLock`, asyncio's `async with`); `queue.join()` waits until every job
 * is marked done, then the workers are cancelled.
 */
import { CancelledError, Queue, Semaphore, gather, getRunningLoop, run, sleep, withLock } from '@loop/asyncio';
import type { Coroutine } from '@loop/asyncio';
import { pyBool } from './py-format.js';

type Job = [name: string, seconds: number];

function* worker(name: string, queue: Queue<Job>, connection: Semaphore, log: string[]): Coroutine<never> {
  for (;;) {
    const [job, seconds] = yield* queue.get();
    yield* withLock(connection, function* () {
      log.push(`${name} runs ${job}`);
      yield* sleep(seconds);
    });
    log.push(`${name} finished ${job}`);
    queue.taskDone();
  }
}

function* main(): Coroutine<void> {
  const queue = new Queue<Job>(2);
  const connection = new Semaphore(2);
  const log: string[] = [];
  const loop = getRunningLoop();
  const workers = [1, 2, 3].map((i) => loop.createTask(worker(`worker-${i}`, queue, connection, log)));
  const jobs: Job[] = [['a', 0.5], ['b', 0.2], ['c', 0.9], ['d', 0.3], ['e', 0.1]];
  for (const job of jobs) {
    yield* queue.put(job);
    log.push(`queued ${job[0]} (queue size ${queue.qsize()})`);
  }
  yield* queue.join();
  log.push('all jobs done');
  for (const w of workers) w.cancel();
  const results = yield* gather(...workers, { returnExceptions: true });
  for (const line of log) console.log(line);
  console.log(`workers cancelled: [${results.map((r) => pyBool(r instanceof CancelledError)).join(', ')}]`);
  console.log(`connection locked: ${pyBool(connection.locked())}`);
}

await run(main);
