/**
 * Mirrors python/task-group-timeout.py: a TaskGroup inside a timeout scope.
 * When the deadline passes, the slow task is cancelled, the fast one has
 * finished, and the timeout surfaces as TimeoutError — printed as Python
 * prints it. `run(main)` is Python's `asyncio.run(main())`, on the default
 * loop of `@loop/asyncio`. The deadline (0.5 s) is far from the fast task's
 * 0.01 s, so a stall of a loaded machine cannot make both fire together.
 */
import { CancelledError, TimeoutError, run, sleep, taskGroup, timeout } from '@loop/asyncio';
import type { Coroutine, Task } from '@loop/asyncio';

function* work(name: string, delay: number, log: string[]): Coroutine<string> {
  try {
    yield* sleep(delay);
    log.push(`${name} done after ${delay}s`);
    return name;
  } catch (e) {
    if (e instanceof CancelledError) log.push(`${name} cancelled`);
    throw e;
  }
}

function* main(): Coroutine<void> {
  const log: string[] = [];
  const tasks: Task<string>[] = [];
  try {
    yield* timeout(0.5, function* () {
      yield* taskGroup(function* (tg) {
        tasks.push(tg.createTask(work('fast', 0.01, log)));
        tasks.push(tg.createTask(work('slow', 10, log)));
      });
    });
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
    log.push('timed out');
  }
  for (const line of log) console.log(line);
  const results = tasks.map((t) => (t.cancelled() ? "'cancelled'" : `'${t.result()}'`));
  console.log(`results: [${results.join(', ')}]`);
}

await run(main);
