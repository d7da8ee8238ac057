/**
 * `@loop/net`: asyncio's network API, written once over the backend contract
 * of `@loop/interfaces`. The design: docs/adr/0002.
 *
 * @packageDocumentation
 */
export { net } from './capability.js';
export { getaddrinfo, getnameinfo, type GaiError } from './dns.js';
export * from './constants.js';
export { Server } from './server.js';
