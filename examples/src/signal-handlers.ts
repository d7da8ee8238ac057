/**
 * Mirrors the asyncio reference's "Set signal handlers for SIGINT and
 * SIGTERM" (python/signal-handlers.py): `main` adds a handler for each
 * signal with `addSignalHandler`, sends itself SIGINT so that the example
 * finishes, and the handler stops the loop. `run` then rejects with
 * asyncio's `RuntimeError('Event loop stopped before Future completed.')`,
 * which the example prints.
 *
 * The loop is the default loop of `@loop/asyncio` that `run(main)` makes
 * (`@loop/signals` is composed into every default loop); `main`'s SIGINT
 * handler replaces the one `run` installs for Ctrl-C, as in asyncio.
 */
import { RuntimeError, getRunningLoop, run, sleep } from '@loop/asyncio';
import type { EventLoop } from '@loop/asyncio';

function askExit(signame: string, loop: EventLoop): void {
  console.log(`got signal ${signame}: exit`);
  loop.stop();
}

async function main(): Promise<void> {
  const loop = getRunningLoop();

  for (const signame of ['SIGINT', 'SIGTERM'] as const) {
    loop.addSignalHandler(signame, askExit, signame, loop);
  }

  console.log('sending SIGINT to myself');
  process.kill(process.pid, 'SIGINT');
  await sleep(3600);
}

console.log('Event loop running for 1 hour, press Ctrl+C to interrupt.');

try {
  await run(main);
} catch (e) {
  if (!(e instanceof RuntimeError)) throw e;
  console.log('asyncio.run():', e.message);
}
