/**
 * The `subprocess` capability: `subprocessExec` / `subprocessShell`
 * (asyncio's `loop.subprocess_exec` / `loop.subprocess_shell`), composed
 * into a loop class with `compose(ProactorEventLoop, net, subprocess)`.
 *
 * HOW, for one call:
 *
 * ```text
 *   options checked (options.ts)           RangeError / TypeError: rejected
 *   protocol = factory()
 *   spawnChild(plan) (spawn.ts)            pipes + child_process.spawn; a spawn
 *                                          error rejects, nothing left open
 *   new SubprocessTransportImpl            the backend's pipe transports
 *   await each pipe's waiter
 *   transport._connected()                 callSoon(connectionMade), queued calls
 *   resolve [transport, protocol]          after connectionMade ran
 * ```
 *
 * If connecting the pipes fails or the caller's task is cancelled meanwhile,
 * the transport is closed (the child killed), the exit awaited, and the error
 * rethrown, as asyncio's `_make_subprocess_transport`.
 *
 * WHY no backend import: the pipe transports come from
 * `backendOf(loop, 'subprocessExec')` (ADR 0001, ADR 0006).
 *
 * @packageDocumentation
 */
import { closeSync } from 'node:fs';
import {
  backendOf,
  loopError,
  closedError,
  defineCapability,
  type BaseProtocol,
  type Future,
  type ProtocolFactory,
  type SchedulingLoop,
  type SubprocessMethods,
  type SubprocessOptions,
  type SubprocessProtocol,
  type SubprocessTransport,
} from '@loop/interfaces';
import { checkExecArgs, checkShellCommand, planSpawn, type SpawnPlan } from './options.js';
import { spawnChild } from './spawn.js';
import { SubprocessTransportImpl } from './transport.js';

/** The shell `subprocessShell` runs the command with, as `Popen(shell=True)`: `/bin/sh -c cmd`. */
export const SHELL = '/bin/sh';

async function start<P extends BaseProtocol>(loop: SchedulingLoop, api: string, factory: ProtocolFactory<P>, plan: SpawnPlan): Promise<[SubprocessTransport, P]> {
  if (typeof factory !== 'function') {
    throw loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}(): protocolFactory must be a function, not ${typeof factory}`);
  }
  if (loop.isClosed()) throw closedError();
  const backend = backendOf(loop, api);
  const protocol = factory();
  const spawned = await spawnChild(plan);
  if (loop.isClosed()) {
    // Closed while the child started: kill it (libuv reaps it) and close our ends.
    spawned.proc.kill('SIGKILL');
    for (const fd of spawned.pipes) if (fd !== null) closeQuietly(fd);
    throw closedError();
  }
  const waiters: Future<void>[] = [];
  // On failure the constructor closes the ends not handed over and kills the child.
  const transport = new SubprocessTransportImpl(loop, backend, protocol as unknown as SubprocessProtocol, spawned, plan.file, waiters);
  try {
    for (const w of waiters) await w;
    transport._connected();
    // Resolve after connectionMade (scheduled above) ran, as asyncio's waiter.
    const ready = loop.createFuture<void>();
    loop.callSoon(() => {
      if (!ready.done()) ready.setResult(undefined);
    });
    await ready;
  } catch (err) {
    transport.close();
    if (!loop.isClosed()) {
      try {
        await transport._wait();
      } catch {
        // Cancelled again while waiting for the exit: the child is killed anyway.
      }
    }
    throw err;
  }
  return [transport, protocol];
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed.
  }
}

/**
 * `@loop/subprocess`'s methods (`SubprocessMethods`), to compose into a loop
 * class that has an I/O backend:
 *
 * ```ts
 * const Loop = compose(ProactorEventLoop, net, subprocess);
 * const [transport, protocol] = await loop.subprocessExec(() => new MyProtocol(), 'ls', ['-l']);
 * ```
 */
export const subprocess = defineCapability<SubprocessMethods>('@loop/subprocess', {
  subprocessExec(factory, program, args, options) {
    const api = 'subprocessExec';
    let plan: SpawnPlan;
    try {
      const [file, argv] = checkExecArgs(api, program, args);
      plan = planSpawn(api, file, argv, false, options);
    } catch (err) {
      return Promise.reject(err);
    }
    return start(this, api, factory, plan);
  },
  subprocessShell(factory, cmd, options) {
    const api = 'subprocessShell';
    let plan: SpawnPlan;
    try {
      plan = planSpawn(api, SHELL, ['-c', checkShellCommand(api, cmd)], true, options);
    } catch (err) {
      return Promise.reject(err);
    }
    return start(this, api, factory, plan);
  },
});

/** @internal For the high-level functions: the loop methods' options type. */
export type { SubprocessOptions };
