/**
 * `@loop/proactor`: asyncio's `ProactorEventLoop` for Node.js. Its transports
 * sit on Node's own completion-based handles (`net`, `dgram`), as asyncio's
 * proactor sits on I/O completion ports. The design: docs/adr/0002.
 *
 * @packageDocumentation
 */
export { ProactorEventLoop } from './proactor-event-loop.js';
export type { ProactorEventLoopOptions } from './proactor-event-loop.js';
export { ProactorBackend } from './proactor-backend.js';
export { ProactorSocket } from './proactor-socket.js';
export type { ProactorSocketKind } from './proactor-socket.js';
export { ProactorSocketTransport } from './stream-transport.js';
/** asyncio's `constants.LOG_THRESHOLD_FOR_CONNLOST_WRITES`; defined in `@loop/interfaces`, re-exported here as before. */
export { LOG_THRESHOLD_FOR_CONNLOST_WRITES } from '@loop/interfaces';
export { ProactorDatagramTransport } from './datagram-transport.js';
export * as constants from './constants.js';
export { AF_INET, AF_INET6, AF_UNIX, AF_UNSPEC, SOCK_STREAM, SOCK_DGRAM, IPPROTO_TCP, IPPROTO_UDP } from './constants.js';
