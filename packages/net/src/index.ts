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
export {
  DEFAULT_LIMIT,
  StreamReader,
  StreamReaderProtocol,
  StreamWriter,
  openConnection,
  openUnixConnection,
  startServer,
  startUnixServer,
  type ClientConnectedCallback,
  type OpenConnectionOptions,
  type OpenUnixConnectionOptions,
  type StartServerOptions,
  type StartUnixServerOptions,
  type StreamLimitOption,
  type StreamPair,
  type StreamReaderOptions,
  type StreamSeparator,
  type StreamSignalOption,
  type StreamStartTlsOptions,
} from './streams.js';
export { SslProtocol, startTls, SSL_HANDSHAKE_TIMEOUT, SSL_SHUTDOWN_TIMEOUT, SSL_WRITE_HIGH_WATER, type SslProtocolOptions, type SslProtocolState } from './tls.js';
export { SslTransport } from './tls-transport.js';
