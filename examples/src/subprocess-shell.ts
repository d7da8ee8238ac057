/**
 * Mirrors python/subprocess-shell.py: the reference's "run a shell command
 * and obtain its result" (asyncio-subprocess, Examples), then two commands
 * at once with `gather`, on the default loop of `@loop/asyncio` that
 * `run(main)` makes (see subprocess-communicate.ts).
 *
 * `createSubprocessShell` runs the command with `/bin/sh -c`; `communicate()`
 * reads stdout and stderr to their end (both at once, so a full pipe never
 * blocks the child) and waits for the exit. Python's `repr()` of the command
 * is `'...'` as long as it holds no single quote.
 */
import { PIPE, createSubprocessShell, gather, run } from '@loop/asyncio';

async function runCommand(cmd: string): Promise<void> {
  const proc = await createSubprocessShell(cmd, { stdout: PIPE, stderr: PIPE });

  const [stdout, stderr] = await proc.communicate();

  console.log(`['${cmd}' exited with ${String(proc.returncode)}]`);
  if (stdout !== null && stdout.length > 0) console.log(`[stdout]\n${stdout.toString()}`);
  if (stderr !== null && stderr.length > 0) console.log(`[stderr]\n${stderr.toString()}`);
}

async function main(): Promise<void> {
  await runCommand('ls /zzz');
  await gather(runCommand('ls /zzz'), runCommand('sleep 0.2; echo "hello"'));
}

await run(main);
