/**
 * `ProcessPoolExecutor`: runs work in child processes (Python's
 * `concurrent.futures.ProcessPoolExecutor`): for work that must not share the
 * loop's process — native code that may crash, memory it should give back,
 * `process.exit()`.
 *
 * HOW. A FIFO queue of pending jobs and at most `maxWorkers` children, each
 * `child_process.fork(worker/process-worker.cjs)` with
 * `serialization: 'advanced'` (structured clone over IPC), each running one
 * job at a time:
 *
 *   submit --> #queue (pending) --#dispatch--> slot.job (running) --reply--> finished
 *                 |                                 |
 *              cancel(): removed, never sent     child gone: the job fails
 *
 * `#dispatch` hands the oldest job to an idle child, forking a new one while
 * there are fewer than `maxWorkers` (children start on demand). The parent
 * owns the queue, so cancelling pending work is a removal (O(queue length))
 * and always wins; once sent, the work is running.
 *
 * A child that is gone (exited, or killed, or failed to load, and its IPC
 * channel closed) fails only the job it
 * held, with a `RuntimeError` giving its exit code or signal; the next job
 * gets a new child. Idle children are unref'd (process and IPC channel), so an
 * idle pool does not keep the loop's process alive; `shutdown()` disconnects
 * them and each exits. A child also exits when its parent goes away.
 *
 * @packageDocumentation
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { RuntimeError } from '@loop/interfaces';
import { ExecutorWork } from './executor-work.js';
import { PoolExecutor } from './pool-executor.js';
import type { PoolExecutorOptions } from './pool-executor.js';
import { describeWork } from './work-item.js';
import type { WorkItem } from './work-item.js';
import { workerFile } from './worker-files.js';
import { settleFromReply, unsendableArgsError } from './worker-reply.js';
import type { WorkerReply } from './worker-reply.js';

/** Options of {@link ProcessPoolExecutor}. */
export type ProcessPoolExecutorOptions = PoolExecutorOptions;

interface Job {
  readonly id: number;
  readonly api: string;
  readonly item: WorkItem;
  readonly args: unknown[];
  readonly work: ExecutorWork<unknown>;
}

/** A child process and the job it runs (`null`: idle). */
interface Slot {
  readonly child: ChildProcess;
  job: Job | null;
}

/**
 * Runs functions in child processes. `submit(fn, ...args)` sends a
 * self-contained function's source (or a `{ module, export }` reference) and
 * structured clones of the arguments; see `Executor` in `@loop/interfaces`.
 *
 * @example
 * ```ts
 * const pool = new ProcessPoolExecutor({ maxWorkers: 2 });
 * const pid = await pool.submit(() => process.pid);
 * await pool.shutdown();
 * ```
 */
export class ProcessPoolExecutor extends PoolExecutor {
  readonly #queue: Job[] = [];
  readonly #slots = new Set<Slot>();
  #nextId = 1;

  /** A pool of at most `maxWorkers` processes (default: `os.availableParallelism()`), started on demand. */
  constructor(options?: ProcessPoolExecutorOptions | null) {
    super('ProcessPoolExecutor', options);
  }

  protected _schedule(api: string, item: WorkItem, args: unknown[]): ExecutorWork<unknown> {
    const queue = this.#queue;
    const job: Job = {
      id: this.#nextId++,
      api,
      item,
      args,
      work: new ExecutorWork<unknown>(`ProcessPoolExecutor ${describeWork(item)}`, {
        withdraw: () => {
          const i = queue.indexOf(job);
          if (i === -1) return false;
          queue.splice(i, 1);
          return true;
        },
      }),
    };
    queue.push(job);
    this.#dispatch();
    return job.work;
  }

  protected async _release(): Promise<void> {
    const closing = [...this.#slots].map(
      (slot) =>
        new Promise<void>((resolve) => {
          if (slot.child.exitCode !== null || slot.child.signalCode !== null) return resolve();
          slot.child.once('exit', () => resolve());
          slot.child.ref(); // keep the loop's process alive until the child is gone
          if (slot.child.connected) slot.child.disconnect();
          else slot.child.kill();
        }),
    );
    await Promise.all(closing);
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      let slot: Slot | undefined;
      for (const s of this.#slots) {
        if (s.job === null) {
          slot = s;
          break;
        }
      }
      if (slot === undefined) {
        if (this.#slots.size >= this.maxWorkers) return;
        slot = this.#spawn();
      }
      this.#run(slot, this.#queue.shift()!);
    }
  }

  #run(slot: Slot, job: Job): void {
    job.work._start(); // PENDING -> RUNNING: from here cancel() returns false
    slot.job = job;
    setRef(slot.child, true);
    try {
      slot.child.send({ type: 'run', id: job.id, key: job.item.key, args: job.args });
    } catch (err) {
      slot.job = null;
      setRef(slot.child, false);
      job.work._settle(false, isCloneError(err) ? unsendableArgsError(job.api, job.item, err) : err);
    }
  }

  #spawn(): Slot {
    const child = fork(workerFile('process-worker.cjs'), [], {
      serialization: 'advanced',
      // An inspector port can be bound once: children do not inherit it.
      execArgv: process.execArgv.filter((arg) => !/^--(inspect|debug)/.test(arg)),
    });
    const slot: Slot = { child, job: null };
    this.#slots.add(slot);
    child.on('message', (message: WorkerReply & { id: number }) => {
      const job = slot.job;
      if (job === null || message?.id !== job.id) return;
      slot.job = null;
      setRef(child, false);
      settleFromReply(job.api, job.item, job.work, message);
      this.#dispatch();
    });
    // 'error' (a failed spawn, kill or send) is followed by the exit where it matters.
    child.on('error', () => {});
    // The slot is gone once the process exited *and* its IPC channel is closed:
    // 'exit' can come before the last messages are read; 'close' does not come
    // at all after the parent's own disconnect().
    let pending = 2;
    const gone = (): void => {
      if (--pending === 0) this.#gone(slot);
    };
    child.once('exit', gone);
    child.once('disconnect', gone);
    setRef(child, false);
    return slot;
  }

  #gone(slot: Slot): void {
    const { child } = slot;
    this.#slots.delete(slot);
    const job = slot.job;
    slot.job = null;
    if (job !== null) {
      const how = child.signalCode !== null ? `was killed by ${child.signalCode}` : `exited with code ${String(child.exitCode)}`;
      job.work._settle(
        false,
        new RuntimeError(
          `${job.api}: the worker process running ${describeWork(job.item)} ${how} before the work finished; the pool replaces it`,
        ),
      );
    }
    this.#dispatch();
  }
}

function setRef(child: ChildProcess, ref: boolean): void {
  if (ref) {
    child.ref();
    child.channel?.ref();
  } else {
    child.unref();
    child.channel?.unref();
  }
}

function isCloneError(err: unknown): boolean {
  // Duck-typed: a DataCloneError is a DOMException, from another realm under jest.
  const e = err as { name?: unknown; message?: unknown } | null;
  return e?.name === 'DataCloneError' || (typeof e?.message === 'string' && /could not be cloned/.test(e.message));
}
