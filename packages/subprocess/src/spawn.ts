/**
 * Starting the child: the pipes (ADR 0006), `child_process.spawn`, and the
 * clean-up when it fails.
 *
 * HOW. For each `PIPE` stream a pipe is made with `@loop/socket`'s `pipe()`
 * (non-blocking, close-on-exec). The child's end is made blocking (the flag
 * belongs to the open file description, which the child shares) and given
 * to `spawn` by number in `stdio`; index `i` of `stdio` is descriptor `i` in
 * the child, so `passFds` puts descriptor `n` at index `n`. After `spawn`
 * returns (or throws) the parent closes the child's ends; the parent's ends
 * are returned for the loop's pipe transports.
 *
 * Node reports most spawn failures (`ENOENT`, `EACCES`, a bad `cwd`) with an
 * `'error'` event on the next tick and a `ChildProcess` without a `pid`, and
 * throws others synchronously; both become a rejection with Node's system
 * error (`code`, `errno`, `syscall`, `path`), with every descriptor made
 * here closed.
 *
 * @packageDocumentation
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync } from 'node:fs';
import { pipe, setBlocking } from '@loop/socket';
import type { SpawnPlan } from './options.js';

/** A started child and the parent's ends of its pipes (`null` where a stream is not a pipe). */
export interface Spawned {
  readonly proc: ChildProcess;
  /** The parent's ends, by the child's stream number: 0 (write end), 1 and 2 (read ends). */
  readonly pipes: [number | null, number | null, number | null];
}

function closeAll(fds: readonly (number | null)[]): void {
  for (const fd of fds) {
    if (fd === null) continue;
    try {
      closeSync(fd);
    } catch {
      // Already closed: nothing to release.
    }
  }
}

/**
 * Spawns the child of `plan`. Resolves once Node has started it (it has a
 * `pid`); rejects with the spawn error otherwise, with no descriptor left
 * open.
 */
export async function spawnChild(plan: SpawnPlan): Promise<Spawned> {
  const parentEnds: [number | null, number | null, number | null] = [null, null, null];
  const childEnds: number[] = [];
  const stdio: (number | 'ignore' | 'inherit')[] = [];
  let proc: ChildProcess;
  try {
    for (let i = 0; i < 3; i++) {
      const s = plan.stdio[i];
      switch (s.kind) {
        case 'pipe': {
          const [r, w] = pipe();
          const [parent, child] = i === 0 ? [w, r] : [r, w];
          parentEnds[i] = parent;
          childEnds.push(child);
          setBlocking(child, true);
          stdio.push(child);
          break;
        }
        case 'fd':
          stdio.push(s.fd);
          break;
        case 'devnull':
          stdio.push('ignore');
          break;
        case 'inherit':
          stdio.push('inherit');
          break;
        case 'stdout': {
          // Popen: stderr goes where stdout goes (the parent's stdout when it is inherited).
          const out = stdio[1];
          stdio.push(out === 'inherit' ? 1 : out);
          break;
        }
      }
    }
    for (const fd of plan.passFds) {
      while (stdio.length < fd) stdio.push('ignore');
      stdio[fd] = fd;
    }
    proc = spawn(plan.file, plan.args as string[], {
      stdio: stdio,
      cwd: plan.cwd,
      env: plan.env ?? process.env,
      detached: plan.detached,
      uid: plan.uid,
      gid: plan.gid,
      windowsHide: true,
    });
  } catch (err) {
    closeAll(childEnds);
    closeAll(parentEnds);
    throw err;
  }
  closeAll(childEnds);
  if (proc.pid === undefined) {
    const err = await new Promise<unknown>((resolve) => proc.once('error', resolve));
    closeAll(parentEnds);
    throw err;
  }
  return { proc, pipes: parentEnds };
}
