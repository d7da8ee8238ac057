/**
 * Mirrors python/executor-hash.py: `runInExecutor` hashes a 16 MiB file in a
 * worker thread while a task on the loop keeps ticking. The hashing function
 * is self-contained (it imports what it needs), so its source can be sent
 * to the worker. `run(main)` is Python's `asyncio.run(main())`, on the
 * default loop of `@loop/asyncio`, whose default executor runs worker
 * threads.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getRunningLoop, run, sleep } from '@loop/asyncio';
import type { Coroutine } from '@loop/asyncio';
import { pyBool } from './py-format.js';

async function sha256File(path: string): Promise<string> {
  const { createHash } = await import('node:crypto');
  const { createReadStream } = await import('node:fs');
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 16 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

function* ticker(stop: { set: boolean }): Coroutine<number> {
  let ticks = 0;
  while (!stop.set) {
    ticks++;
    yield* sleep(0.001);
  }
  return ticks;
}

function* main(): Coroutine<void> {
  const path = join(mkdtempSync(join(tmpdir(), 'loop-example-')), 'data.bin');
  const block = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  writeFileSync(path, Buffer.concat(Array.from({ length: 65536 }, () => block)));
  const loop = getRunningLoop();
  const stop = { set: false };
  const tickTask = loop.createTask(ticker(stop));
  const digest = yield* loop.runInExecutor(null, sha256File, path);
  stop.set = true;
  const ticks = yield* tickTask;
  console.log('sha256:', digest);
  console.log('the loop kept ticking:', pyBool(ticks > 1));
}

await run(main);
