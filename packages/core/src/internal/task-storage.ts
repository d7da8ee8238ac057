/**
 * The async-context slot that tells which task an async function's code
 * belongs to, across `await`s: when an async function awaits a loop future,
 * `Future.then` can see the awaiting task (to cancel that future when the
 * task is cancelled), and `currentTask()` and context variables work after
 * an `await`.
 *
 * HOW: V8's promise hooks (`v8.promiseHooks`), not `AsyncLocalStorage`. A
 * promise made while a task's frame is current is tagged with it (`init`);
 * a promise job (an `await`'s continuation, a `then` reaction, the job that
 * calls a thenable's `then`) runs with the tag of its promise as the current
 * frame (`before`), and the previous frame comes back after it (`after`).
 * That is how `AsyncLocalStorage` propagates through promises too, without
 * the rest of `async_hooks`: async ids, the execution-resource stack, and an
 * `init` call for every Node resource (each `process.nextTick`, each socket
 * write). On Node 20, `AsyncLocalStorage` made a promise ~2.5x as expensive
 * and taxed every write of every socket; these hooks cost about a third of
 * that, on promises only (measured: docs/adr/0003-task-frames-on-promise-hooks.md).
 *
 * WHAT IT DOES NOT DO: follow Node callbacks. Code that a task's async
 * function hands to `setTimeout`, `setImmediate`, `process.nextTick`,
 * `queueMicrotask` or an event emitter runs outside the task (no frame), as
 * a callback that an asyncio task schedules runs outside that task.
 *
 * The hooks are installed at the first `run()`: a process that never runs an
 * async-function task pays nothing.
 *
 * Invariant: `before` and `after` come in pairs around each promise job, and
 * `run` / `exit` restore the frame they replaced, so between jobs and outside
 * any `run` the current frame is the one of the enclosing code (none at the
 * top of a Node callback).
 */
import { promiseHooks } from 'node:v8';

/** What the slot holds: the task (structurally, to avoid a cycle). */
export interface TaskFrame {
  readonly _isTaskFrame: true;
}

/** The slot. */
export interface TaskStorage {
  /** The frame current now, or `undefined` outside any task. */
  getStore(): TaskFrame | undefined;
  /** Calls `fn` with `frame` current; promises made in it carry the frame. */
  run<R>(frame: TaskFrame, fn: () => R): R;
  /** Calls `fn` with no frame current; promises made in it carry none. */
  exit<R>(fn: () => R): R;
}

/** Where a promise keeps the frame it was made in. */
const FRAME = Symbol('@loop/core.taskFrame');

type Tagged = Promise<unknown> & { [FRAME]?: TaskFrame };

function makeStorage(): TaskStorage {
  let current: TaskFrame | undefined;
  /** The frames that promise jobs replaced, innermost last. */
  const saved: (TaskFrame | undefined)[] = [];
  let hooked = false;

  const hook = (): void => {
    hooked = true;
    promiseHooks.onInit((promise: Tagged) => {
      if (current !== undefined) promise[FRAME] = current;
    });
    promiseHooks.onBefore((promise: Tagged) => {
      saved.push(current);
      current = promise[FRAME];
    });
    promiseHooks.onAfter(() => {
      current = saved.pop();
    });
  };

  return {
    getStore: () => current,
    run<R>(frame: TaskFrame, fn: () => R): R {
      if (!hooked) hook();
      const prev = current;
      current = frame;
      try {
        return fn();
      } finally {
        current = prev;
      }
    },
    exit<R>(fn: () => R): R {
      const prev = current;
      current = undefined;
      try {
        return fn();
      } finally {
        current = prev;
      }
    },
  };
}

const KEY = Symbol.for('@loop/core.taskStorage.v2');
const holder = globalThis as unknown as Record<symbol, TaskStorage | undefined>;

/** The shared slot (one per process, whichever build loaded it first). */
export const taskStorage: TaskStorage = (holder[KEY] ??= makeStorage());
