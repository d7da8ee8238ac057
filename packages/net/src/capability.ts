/**
 * The `net` capability: `@loop/net`'s methods as one table, composed into a
 * loop class with `compose(ProactorEventLoop, net)` (ADR 0001 §2).
 *
 * HOW: each method is called with `this` = the loop and delegates to the
 * module that implements it (`connection.ts`, `create-server.ts`, `server.ts`, `datagram.ts`, `accepted-socket.ts`,
 * `unix.ts`, `dns.ts`, `tls.ts`, `sendfile.ts`),
 * which reach the loop's backend with `backendOf(loop, method)`. Every method
 * returns a Promise and reports every error by rejecting it, never by
 * throwing synchronously: the implementations are `async` functions, so an
 * option check that throws becomes a rejection.
 *
 * WHY one table: the capability is the unit `compose` checks (no two
 * packages provide one method) and the list of what `@loop/net` adds to a
 * loop's type (`NetMethods`).
 *
 * @packageDocumentation
 */
import { defineCapability, type NetMethods } from '@loop/interfaces';
import { getaddrinfo, getnameinfo } from './dns.js';
import { createConnection } from './connection.js';
import { createServer } from './create-server.js';
import { createDatagramEndpoint } from './datagram.js';
import { createUnixConnection, createUnixServer } from './unix.js';
import { connectAcceptedSocket } from './accepted-socket.js';
import { sendfile } from './sendfile.js';
import { startTls } from './tls.js';

/**
 * `@loop/net`'s methods (`NetMethods`), to compose into a loop class:
 *
 * ```ts
 * const NetLoop = compose(ProactorEventLoop, net);
 * ```
 */
export const net = defineCapability<NetMethods>('@loop/net', {
  createConnection(factory, host, port, options) {
    return createConnection(this, factory, host, port, options);
  },
  createServer(factory, host, port, options) {
    return createServer(this, factory, host, port, options);
  },
  createDatagramEndpoint(factory, localAddr, remoteAddr, options) {
    return createDatagramEndpoint(this, factory, localAddr, remoteAddr, options);
  },
  createUnixConnection(factory, path, options) {
    return createUnixConnection(this, factory, path, options);
  },
  createUnixServer(factory, path, options) {
    return createUnixServer(this, factory, path, options);
  },
  connectAcceptedSocket(factory, sock, options) {
    return connectAcceptedSocket(this, factory, sock, options);
  },
  sendfile(transport, file, offset, count, options) {
    return sendfile.call(this, transport, file, offset, count, options);
  },
  startTls(transport, protocol, sslcontext, options) {
    return startTls.call(this, transport, protocol, sslcontext, options);
  },
  getaddrinfo(host, port, options) {
    return getaddrinfo(host, port, options);
  },
  getnameinfo(sockaddr, flags) {
    return getnameinfo(sockaddr, flags);
  },
});
