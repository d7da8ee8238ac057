/**
 * `@loop/core`: asyncio's scheduling loop for Node.js — `BaseEventLoop`,
 * futures, tasks with cancellation, contexts, policies, `run` and `sleep`,
 * synchronisation primitives (`Lock`, `Event`, `Condition`, `Semaphore`,
 * `Barrier`) and queues.
 *
 * @packageDocumentation
 */
import { BaseEventLoop, _setDefaultExecutorFactory } from './base-event-loop.js';
import { ThreadPoolExecutor } from './executors/thread-pool-executor.js';
import { _setDefaultLoopFactory } from './policies.js';

_setDefaultLoopFactory(() => new BaseEventLoop());
_setDefaultExecutorFactory(() => new ThreadPoolExecutor());

export { BaseEventLoop, loopStats } from './base-event-loop.js';
export type { BaseEventLoopOptions, LoopStats } from './base-event-loop.js';
export { MonotonicClock, VirtualClock } from './clock.js';
export type { Clock, VirtualClockOptions } from './clock.js';
export { Context, ContextVar, Token, copyContext } from './context.js';
export type { ContextVarOptions } from './context.js';
export { Future } from './futures.js';
export { isFuture } from '@loop/interfaces';
export type { FutureOptions } from './futures.js';
export { Handle, TimerHandle } from './handles.js';
export { getLogger, setLogger } from './logger.js';
export type { Logger } from './logger.js';
export {
  DefaultEventLoopPolicy,
  getEventLoop,
  getEventLoopPolicy,
  getRunningLoop,
  newEventLoop,
  setDefaultLoopFactory,
  setEventLoop,
  setEventLoopPolicy,
} from './policies.js';
export type { EventLoopPolicy } from './policies.js';
export { Runner, run } from './runners.js';
export type { RunOptions, RunnerOptions, RunnerRunOptions } from './runners.js';
export { abortMessage, cancelOnAbort, taskFromSignal, taskSignal } from './abort.js';
export { runCoroutineThreadsafe, toThread } from './threads.js';
export type { RunCoroutineThreadsafeOptions } from './threads.js';
export { sleep } from './sleep.js';
export type { SleepOptions } from './sleep.js';
export {
  ALL_COMPLETED,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  allTasks,
  asCompleted,
  ensureFuture,
  gather,
  shield,
  wait,
  waitFor,
  wrapFuture,
} from './task-helpers.js';
export type { AsCompletedOptions, AwaitableLike, GatherOptions, ReturnWhen, WaitForOptions, WaitOptions } from './task-helpers.js';
export { ScopeFuture } from './scope.js';
export type { ScopeBody } from './scope.js';
export { Timeout, timeout, timeoutAt } from './timeouts.js';
export { TaskGroup, taskGroup } from './task-groups.js';
export { Barrier, BoundedSemaphore, Condition, Event, Lock, Semaphore, withLock } from './locks.js';
export type { Lockable } from './locks.js';
export { LifoQueue, PriorityQueue, Queue, priorityLessThan } from './queues.js';
export type { AwaitableCoroutine } from './awaitable-coroutine.js';
export { ThreadPoolExecutor } from './executors/thread-pool-executor.js';
export type { ThreadPoolExecutorOptions } from './executors/thread-pool-executor.js';
export { ProcessPoolExecutor } from './executors/process-pool-executor.js';
export type { ProcessPoolExecutorOptions } from './executors/process-pool-executor.js';
export { PoolExecutor } from './executors/pool-executor.js';
export type { PoolExecutorOptions, PoolExecutorState } from './executors/pool-executor.js';
export { ExecutorWork } from './executors/executor-work.js';
export type { ExecutorWorkHooks, WorkState } from './executors/executor-work.js';
export { isCancellableWork, isWorkReference } from '@loop/interfaces';
export type { CancellableWork, Executor, WorkReference } from '@loop/interfaces';
export { Task, createTask, currentTask, isCoroutine, isCoroutineFunction, isTask, runOutsideTask } from './tasks.js';
export type { TaskOptions } from './tasks.js';
export {
  BaseExceptionGroup,
  BrokenBarrierError,
  CancelledError,
  ExceptionGroup,
  IncompleteReadError,
  InvalidStateError,
  KeyboardInterrupt,
  LimitOverrunError,
  NotImplementedError,
  QueueEmpty,
  QueueFull,
  RuntimeError,
  SendfileNotAvailableError,
  TimeoutError,
} from '@loop/interfaces';
export type {
  Coroutine,
  CoroutineLike,
  CreateTaskOptions,
  ExceptionContext,
  ExceptionHandler,
  TaskFactory,
} from '@loop/interfaces';
