/**
 * `@loop/selector`: asyncio's `SelectorEventLoop` and Python's `selectors`
 * module for Node.js, on `@loop/socket`'s native epoll and sockets.
 *
 * @packageDocumentation
 */
export { SelectorEventLoop } from './selector-event-loop.js';
export type { SelectorEventLoopOptions } from './selector-event-loop.js';
export { SelectorBackend } from './selector-backend.js';
export type { ReaderWriter } from './selector-backend.js';
export * from './selectors.js';
