/**
 * The hooks every loop and every task implementation shares, so that
 * helpers written against the contracts (`@loop/core`'s `sleep`, `gather`,
 * `timeout`, `TaskGroup`, `currentTask`…) work on any loop: asyncio's
 * `_set_running_loop` / `_get_running_loop`, `_asyncio_future_blocking`,
 * `_enter_task` / `_leave_task` and `_register_task` (ADR 0011).
 *
 * A loop written against these interfaces alone does four things:
 *
 *   runForever      setRunningLoop(this) ... setRunningLoop(previous)
 *   a task's step   enterTask(loop, task) ... leaveTask(loop, task)
 *   a new task      registerTask(task); unregisterTask(task) once done
 *   async functions setTaskLookup(loop, () => the task running now | null)
 *
 * (A loop that keeps these facts its own way gives both lookups instead:
 * `setTaskLookup(loop, current, all)`; `@loop/core`'s loops do.)
 *
 * and its futures carry `[FUTURE_BLOCKING]`, its tasks `[TASK_AWAIT]` and
 * `[TASK_RELEASE]` when they drive async functions.
 *
 * The state lives on `globalThis` under a `Symbol.for` key, so every copy
 * and build of this package shares it.
 *
 * @packageDocumentation
 */
import { RuntimeError } from './errors.js';
import type { CancelledError } from './errors.js';
import type { Future, SchedulingLoop, Task } from './events.js';

/**
 * asyncio's `_asyncio_future_blocking`: every future has this boolean
 * property. Its iterator (`yield* fut`) sets it to `true` just before it
 * yields the future; a task that receives a yielded future with the flag set
 * waits on it and sets it back to `false`. A future yielded without it was
 * yielded with a bare `yield` (a mistake the task reports).
 */
export const FUTURE_BLOCKING: unique symbol = Symbol.for('@loop/interfaces.futureBlocking');

/**
 * What a task that drives async functions implements so that a future
 * awaited in one can be cancelled with the task: a future's `then()` calls
 * `task[TASK_AWAIT](fut)` (the task now waits on `fut`; `false` when it does
 * not take it, e.g. done) and, when the await settles, `task[TASK_RELEASE](fut)`.
 * If that returns an error (the `CancelledError` of a `cancel()` that came
 * when `fut` was already done: asyncio's `_must_cancel`, delivered when the
 * task resumes), the await rejects with it instead of `fut`'s outcome; a
 * cancelled `fut` keeps its own `CancelledError`, as asyncio's step does.
 */
export const TASK_AWAIT: unique symbol = Symbol.for('@loop/interfaces.taskAwait');
/** See {@link TASK_AWAIT}. */
export const TASK_RELEASE: unique symbol = Symbol.for('@loop/interfaces.taskRelease');

/** A task that takes part in the {@link TASK_AWAIT} protocol. */
export interface AwaitingTask {
  /** The task's async function awaits `fut`; returns whether the task now waits on it. */
  [TASK_AWAIT](fut: Future<unknown>): boolean;
  /**
   * The await of `fut` is settling (the function resumes). Returns the
   * cancellation to deliver instead of `fut`'s outcome, or `null`.
   */
  [TASK_RELEASE](fut: Future<unknown>): CancelledError | null;
}

/**
 * asyncio's `isfuture()`: whether `value` is a future of any loop, by duck
 * typing — it carries a boolean `[FUTURE_BLOCKING]`.
 */
export function isFuture(value: unknown): value is Future<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { [FUTURE_BLOCKING]?: unknown })[FUTURE_BLOCKING] === 'boolean'
  );
}

/** Whether `task` takes part in the {@link TASK_AWAIT} protocol. */
export function isAwaitingTask(task: unknown): task is AwaitingTask {
  return (
    typeof task === 'object' &&
    task !== null &&
    typeof (task as Partial<AwaitingTask>)[TASK_AWAIT] === 'function' &&
    typeof (task as Partial<AwaitingTask>)[TASK_RELEASE] === 'function'
  );
}

interface RunningState {
  /** The loop whose `runForever` is in progress. */
  loop: SchedulingLoop | null;
  /** Per loop: the task whose step is running. */
  readonly entered: WeakMap<object, Task<unknown>>;
  /** Per loop: who knows the task an async function's code belongs to. */
  readonly lookups: WeakMap<object, () => Task<unknown> | null>;
  /** Per loop that keeps its own list: its tasks not done yet. */
  readonly allLookups: WeakMap<object, () => Iterable<Task<unknown>>>;
  /** Per loop: its tasks not done yet. */
  readonly tasks: WeakMap<object, Set<Task<unknown>>>;
}

const KEY = Symbol.for('@loop/interfaces.running.v1');
const holder = globalThis as unknown as Record<symbol, RunningState | undefined>;
const state: RunningState = (holder[KEY] ??= {
  loop: null,
  entered: new WeakMap(),
  lookups: new WeakMap(),
  allLookups: new WeakMap(),
  tasks: new WeakMap(),
});

/**
 * asyncio's `_set_running_loop`: a loop calls it with itself when its
 * `runForever` starts and with `null` (or the loop it replaced) when it ends.
 */
export function setRunningLoop(loop: SchedulingLoop | null): void {
  state.loop = loop;
}

/**
 * asyncio's `_get_running_loop`: the loop whose `runForever` is in
 * progress, or `null` (where `getRunningLoop()` throws).
 */
export function peekRunningLoop(): SchedulingLoop | null {
  return state.loop;
}

function describe(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * asyncio's `_enter_task`: `task`'s step starts on `loop`. `RuntimeError`
 * when another task's step is running there.
 */
export function enterTask(loop: SchedulingLoop, task: Task<unknown>): void {
  const current = state.entered.get(loop);
  if (current !== undefined) {
    throw new RuntimeError(`Cannot enter into task ${describe(task)} while another task ${describe(current)} is being executed.`);
  }
  state.entered.set(loop, task);
}

/** asyncio's `_leave_task`: `task`'s step ends. `RuntimeError` when it is not the one entered. */
export function leaveTask(loop: SchedulingLoop, task: Task<unknown>): void {
  const current = state.entered.get(loop);
  if (current !== task) {
    throw new RuntimeError(`Leaving task ${describe(task)} does not match the current task ${describe(current ?? null)}.`);
  }
  state.entered.delete(loop);
}

/**
 * Tells {@link currentTaskOf} how to find the task whose async function's
 * code is running on `loop` (outside any step, so {@link enterTask} cannot
 * say), and optionally {@link allTasksOf} how to list the loop's pending
 * tasks (a loop that keeps its own list instead of {@link registerTask}).
 * `null` removes both.
 */
export function setTaskLookup(
  loop: SchedulingLoop,
  current: (() => Task<unknown> | null) | null,
  all?: () => Iterable<Task<unknown>>,
): void {
  if (current === null) {
    state.lookups.delete(loop);
    state.allLookups.delete(loop);
    return;
  }
  state.lookups.set(loop, current);
  if (all !== undefined) state.allLookups.set(loop, all);
}

/**
 * asyncio's `current_task(loop)`: the task whose code is running on `loop`: the one whose step was entered,
 * else the one the loop's lookup names, else `null`. (`@loop/core`'s
 * `currentTask()` adds its own loops' fast path and the running-loop default.)
 */
export function currentTaskOf(loop: SchedulingLoop): Task<unknown> | null {
  const entered = state.entered.get(loop);
  if (entered !== undefined) return entered;
  const lookup = state.lookups.get(loop);
  return lookup !== undefined ? lookup() : null;
}

/** asyncio's `_register_task`: `task` counts among its loop's tasks until {@link unregisterTask}. */
export function registerTask(task: Task<unknown>): void {
  const loop = task.getLoop();
  let set = state.tasks.get(loop);
  if (set === undefined) state.tasks.set(loop, (set = new Set()));
  set.add(task);
}

/** asyncio's `_unregister_task`: `task` is done (or its loop dropped it). */
export function unregisterTask(task: Task<unknown>): void {
  state.tasks.get(task.getLoop())?.delete(task);
}

/**
 * asyncio's `all_tasks(loop)`: the tasks of `loop` that are not done — from
 * the loop's own list if it gave one to {@link setTaskLookup}, else those
 * registered with {@link registerTask}, in registration order.
 */
export function allTasksOf(loop: SchedulingLoop): Task<unknown>[] {
  const all = state.allLookups.get(loop);
  if (all !== undefined) return [...all()].filter((t) => !t.done());
  const set = state.tasks.get(loop);
  if (set === undefined) return [];
  const pending: Task<unknown>[] = [];
  for (const t of set) {
    if (t.done()) set.delete(t);
    else pending.push(t);
  }
  return pending;
}
