/**
 * `@loop/socket`: non-blocking BSD sockets for Node.js, modelled on Python's
 * `socket` module (`socket.socket`, `socketpair`, the constants), on a
 * Node-API addon in C (native/socket.c) built from source at install.
 *
 * @packageDocumentation
 */
export { addonError } from './addon.js';
export { Socket, socket, socketpair, pipe } from './socket.js';
export type { Address, SocketState } from './socket.js';
export { fromFd, sendfile, lseek, setLeakWarnings, getLeakWarnings, setBlocking, getBlocking, tryReadInto, tryWrite } from './socket.js';
export type { OptionLevel, OptionName, OptionValue } from './socket.js';
export * from './constants.js';
export * from './poll.js';
export { readinessActivity, noteActivity } from './activity.js';
