/**
 * Mirrors the asyncio reference's "Set signal handlers for SIGINT and
 * SIGTERM" (python/signal-handlers.py): `main` adds a handler for each
 * signal with `addSignalHandler` (`@loop/signals`, composed into the loop
 * that `run` makes), sends itself SIGINT so that the example finishes, and
 * the handler stops the loop. `run` then rejects with asyncio's
 * `RuntimeError('Event loop stopped before Future completed.')`, which the
 * example prints.
 *
 * The loop is `compose(BaseEventLoop, signals)`; `main`'s SIGINT
 * handler replaces the one `run` installs for Ctrl-C, as in asyncio.
 */
import { BaseEventLoop, getRunningLoop, run, sleep } from '@loop/core';
import { RuntimeError, compose } from '@loop/interfaces';
import { signals } from '@loop/signals';

const Loop = compose(BaseEventLoop, signals);

function askExit(signame: string, loop: BaseEventLoop): void {
  console.log(`got signal ${signame}: exit`);
  loop.stop();
}

async function main(): Promise<void> {
  const loop = getRunningLoop() as InstanceType<typeof Loop>;

  for (const signame of ['SIGINT', 'SIGTERM'] as const) {
    loop.addSignalHandler(signame, askExit, signame, loop);
  }

  console.log('sending SIGINT to myself');
  process.kill(process.pid, 'SIGINT');
  await sleep(3600);
}

console.log('Event loop running for 1 hour, press Ctrl+C to interrupt.');

try {
  await run(main, { loopFactory: () => new Loop() });
} catch (e) {
  if (!(e instanceof RuntimeError)) throw e;
  console.log('asyncio.run():', e.message);
}
