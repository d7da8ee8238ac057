/**
 * The async-context slot that tells which task an async function's code
 * belongs to, across `await`s: `AsyncLocalStorage` propagates through promise
 * jobs, so when an async function awaits a loop future, `Future.then` can see
 * the awaiting task (to cancel that future when the task is cancelled), and
 * `currentTask()` and context variables work after an `await`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** What the slot holds: the task (structurally, to avoid a cycle). */
export interface TaskFrame {
  readonly _isTaskFrame: true;
}

const KEY = Symbol.for('@loop/core.taskStorage.v1');
const holder = globalThis as unknown as Record<symbol, AsyncLocalStorage<TaskFrame> | undefined>;

/** The shared storage (one per process, whichever build loaded it first). */
export const taskStorage: AsyncLocalStorage<TaskFrame> = (holder[KEY] ??= new AsyncLocalStorage<TaskFrame>());
