/**
 * `@loop/asyncio`: asyncio in one import. Importing it makes the platform's
 * default loop, with every capability composed in (see `event-loop.ts`),
 * what `newEventLoop()`, `getEventLoop()` and `run(main)` give, and
 * re-exports the whole public API of the `@loop` packages under asyncio's
 * names in camelCase (`asyncio.open_connection` → `openConnection`): the
 * loop classes, `run` and `Runner`, policies, futures and tasks, the
 * helpers, the synchronisation primitives and queues, streams,
 * subprocesses, the errors and the constants. docs/asyncio-mapping.md maps
 * every name; what has no equivalent is listed in docs/deviations.md.
 *
 * ```ts
 * import { run, openConnection } from '@loop/asyncio';
 *
 * await run(async () => {
 *   const [reader, writer] = await openConnection('example.org', 80);
 *   // ...
 * });
 * ```
 *
 * @packageDocumentation
 */
import * as core from '@loop/core';
import type { EventLoopPolicy } from '@loop/core';
import { newDefaultLoop, type EventLoop } from './event-loop.js';

core.setDefaultLoopFactory(() => newDefaultLoop());

export * from '@loop/interfaces';
export * from '@loop/core';
export * from '@loop/net';
export * from '@loop/subprocess';
export * from '@loop/signals';
export { Server } from '@loop/net';
export { Context, Future, Handle, Task, TimerHandle } from '@loop/core';
export type { Server as AbstractServer } from '@loop/interfaces';
export type { EventLoopPolicy } from '@loop/core';
export { SelectorEventLoop, ProactorEventLoop, defaultBackend, newDefaultLoop } from './event-loop.js';
export type { EventLoop, DefaultLoopOptions } from './event-loop.js';
export { SelectSelector, PollSelector, EpollSelector, DefaultSelector, BaseSelector } from '@loop/selector';
export type { SelectorEventLoopOptions } from '@loop/selector';
export type { ProactorEventLoopOptions } from '@loop/proactor';

/** The running loop if any, else the policy's current loop (made on first use): a default loop. */
export const getEventLoop: () => EventLoop = core.getEventLoop as () => EventLoop;
/** The running loop; `RuntimeError('no running event loop')` when none runs. */
export const getRunningLoop: () => EventLoop = core.getRunningLoop as () => EventLoop;
/** A new default loop from the policy (not made current). */
export const newEventLoop: () => EventLoop = core.newEventLoop as () => EventLoop;
/** The current policy: a `DefaultEventLoopPolicy` making default loops unless one was set. */
export const getEventLoopPolicy: () => EventLoopPolicy<EventLoop> = core.getEventLoopPolicy as () => EventLoopPolicy<EventLoop>;
