/**
 * Streams: asyncio's high-level network API (`asyncio.streams`) —
 * `openConnection` / `startServer` and their Unix twins, which put a
 * `StreamReader` and a `StreamWriter` on a transport made by the loop's
 * `createConnection` / `createServer` / `createUnixConnection` /
 * `createUnixServer`.
 *
 * HOW. Each function takes the running loop (asyncio 3.10+: there is no
 * `loop` argument), builds the reader and its `StreamReaderProtocol`, and
 * calls the loop's network method with a factory returning that protocol.
 * It returns a loop `Future` (so both `await openConnection(...)` and
 * `yield* openConnection(...)` work) completed from the method's promise.
 * If that future is cancelled before the promise settles, what the promise
 * brings later is closed (the transport aborted, the server closed), as
 * cancelling asyncio's coroutine closes its socket: nothing leaks.
 *
 * WHY the running loop only: `asyncio.open_connection` calls
 * `get_running_loop()`; outside a running loop there is no loop to make the
 * future on, so that one error is thrown synchronously (`RuntimeError`,
 * `no running event loop`). Every other error comes through the future.
 *
 * The reader, the writer and their protocol are in `stream-reader.ts` and
 * `stream-writer.ts`.
 */
import { cancelOnAbort, getRunningLoop, type BaseEventLoop, type Future } from '@loop/core';
import {
  loopError,
  type CreateConnectionOptions,
  type CreateServerOptions,
  type CreateUnixConnectionOptions,
  type CreateUnixServerOptions,
  type NetMethods,
  type Server,
  type Transport,
} from '@loop/interfaces';
import { optionsArg } from './args.js';
import { DEFAULT_LIMIT, StreamReader } from './stream-reader.js';
import { StreamReaderProtocol, StreamWriter, type ClientConnectedCallback } from './stream-writer.js';

export { DEFAULT_LIMIT, StreamReader, type StreamReaderOptions, type StreamSeparator } from './stream-reader.js';
export { StreamReaderProtocol, StreamWriter, type ClientConnectedCallback, type StreamStartTlsOptions } from './stream-writer.js';

/** The option the stream functions add to the loop method's: the reader's buffer `limit`. */
export interface StreamLimitOption {
  /** The `StreamReader`'s buffer limit in bytes; 64 KiB by default. */
  limit?: number;
}

/** The `signal` option of {@link openConnection} and {@link openUnixConnection}. */
export interface StreamSignalOption {
  /**
   * An `AbortSignal`: its abort cancels the connection attempt (the future
   * is cancelled with `aborted: <reason>`; a connection made after it is
   * closed), as cancelling the awaiting task would.
   */
  signal?: AbortSignal | null;
}

/** Options of {@link openConnection}: `limit`, `signal` and every option of `createConnection`. */
export type OpenConnectionOptions = CreateConnectionOptions & StreamLimitOption & StreamSignalOption;
/** Options of {@link startServer}: `limit` and every option of `createServer`. */
export type StartServerOptions = CreateServerOptions & StreamLimitOption;
/** Options of {@link openUnixConnection}: `limit`, `signal` and every option of `createUnixConnection`. */
export type OpenUnixConnectionOptions = CreateUnixConnectionOptions & StreamLimitOption & StreamSignalOption;
/** Options of {@link startUnixServer}: `limit` and every option of `createUnixServer`. */
export type StartUnixServerOptions = CreateUnixServerOptions & StreamLimitOption;

/** A reader and a writer on one connection. */
export type StreamPair = [reader: StreamReader, writer: StreamWriter];

type NetLoop = BaseEventLoop & NetMethods;

function runningNetLoop(): NetLoop {
  return getRunningLoop() as NetLoop;
}

/** Completes `fut` from the promise `start()` returns; a value that arrives after `fut` was cancelled goes to `discard`. */
function settleFrom<V, R>(start: () => Promise<V>, fut: Future<R>, map: (value: V) => R, discard: (value: V) => void): void {
  let promise: Promise<V>;
  try {
    promise = start();
  } catch (e) {
    promise = Promise.reject(e);
  }
  promise.then(
    (value) => {
      if (fut.done()) discard(value);
      else fut.setResult(map(value));
    },
    (err: unknown) => {
      if (!fut.done()) fut.setException(err);
    },
  );
}

function makeReader(fut: Future<unknown>, limit: number | undefined, loop: BaseEventLoop): StreamReader | null {
  try {
    return new StreamReader({ limit: limit ?? DEFAULT_LIMIT, loop });
  } catch (e) {
    fut.setException(e);
    return null;
  }
}

function checkCallback(fut: Future<unknown>, api: string, cb: unknown): boolean {
  if (typeof cb === 'function') return true;
  fut.setException(loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `${api}(): clientConnectedCb must be a function, got ${typeof cb}`));
  return false;
}

/** The options of a stream function split into the reader's `limit` and the loop method's options; `null` is no options. */
function splitOptions<O extends StreamLimitOption>(fut: Future<unknown>, api: string, options: O | null | undefined): [number | undefined, Omit<O, 'limit'>] | null {
  try {
    const { limit, ...rest } = optionsArg(api, options);
    return [limit, rest as Omit<O, 'limit'>];
  } catch (e) {
    fut.setException(e);
    return null;
  }
}

function openWith<O extends StreamLimitOption & StreamSignalOption>(
  loop: NetLoop,
  api: string,
  options: O | null | undefined,
  connect: (factory: () => StreamReaderProtocol, options: Omit<O, 'limit' | 'signal'>) => Promise<[Transport, StreamReaderProtocol]>,
): Future<StreamPair> {
  const fut = loop.createFuture<StreamPair>();
  const split = splitOptions(fut, api, options);
  if (split === null) return fut;
  const [limit, { signal, ...rest }] = split;
  try {
    cancelOnAbort(fut, signal, api);
  } catch (e) {
    fut.setException(e);
    return fut;
  }
  if (fut.done()) return fut;
  const reader = makeReader(fut, limit, loop);
  if (reader === null) return fut;
  const protocol = new StreamReaderProtocol(reader, null, loop);
  settleFrom(
    () => connect(() => protocol, rest as Omit<O, 'limit' | 'signal'>),
    fut,
    ([transport]) => [reader, new StreamWriter(transport, protocol, reader, loop)],
    ([transport]) => transport.abort(),
  );
  return fut;
}

function serveWith<O extends StreamLimitOption>(
  loop: NetLoop,
  api: string,
  cb: ClientConnectedCallback,
  options: O | null | undefined,
  serve: (factory: () => StreamReaderProtocol, options: Omit<O, 'limit'>) => Promise<Server>,
): Future<Server> {
  const fut = loop.createFuture<Server>();
  if (!checkCallback(fut, api, cb)) return fut;
  const split = splitOptions(fut, api, options);
  if (split === null) return fut;
  const [limit, rest] = split;
  // Checked here, once, rather than at each connection as asyncio would.
  if (makeReader(fut, limit, loop) === null) return fut;
  const factory = (): StreamReaderProtocol => new StreamReaderProtocol(new StreamReader({ limit: limit ?? DEFAULT_LIMIT, loop }), cb, loop);
  settleFrom(
    () => serve(factory, rest),
    fut,
    (server) => server,
    (server) => server.close(),
  );
  return fut;
}

/**
 * Opens a connection to `host`:`port` and returns its reader and writer
 * (asyncio's `open_connection`). `options` are `createConnection`'s (`ssl`,
 * `family`, `localAddr`, `happyEyeballsDelay`, ...) and `limit`, the
 * reader's buffer limit.
 *
 * ```ts
 * const [reader, writer] = await openConnection('127.0.0.1', 8888);
 * writer.write(Buffer.from('hello\n'));
 * const line = await reader.readline();
 * ```
 *
 * @throws RuntimeError (`no running event loop`) when called outside a
 *   running loop; every other failure (a refused connection, bad options)
 *   comes through the future.
 */
export function openConnection(host?: string | null, port?: number | string | null, options?: OpenConnectionOptions | null): Future<StreamPair> {
  const loop = runningNetLoop();
  return openWith(loop, 'openConnection', options, (factory, rest) => loop.createConnection(factory, host, port, rest));
}

/**
 * Starts a TCP server calling `clientConnectedCb(reader, writer)` for each
 * connection (asyncio's `start_server`); when the callback returns a
 * coroutine or a promise, it runs as a task, and an error it ends with goes
 * to the exception handler (`Unhandled exception in client_connected_cb`)
 * and closes that connection. `options` are `createServer`'s and `limit`.
 *
 * @throws RuntimeError (`no running event loop`) outside a running loop.
 */
export function startServer(
  clientConnectedCb: ClientConnectedCallback,
  host?: string | readonly string[] | null,
  port?: number | string | null,
  options?: StartServerOptions | null,
): Future<Server> {
  const loop = runningNetLoop();
  return serveWith(loop, 'startServer', clientConnectedCb, options, (factory, rest) => loop.createServer(factory, host, port, rest));
}

/**
 * As {@link openConnection}, to the Unix socket at `path` (asyncio's
 * `open_unix_connection`).
 *
 * @throws RuntimeError (`no running event loop`) outside a running loop.
 */
export function openUnixConnection(path?: string | null, options?: OpenUnixConnectionOptions | null): Future<StreamPair> {
  const loop = runningNetLoop();
  return openWith(loop, 'openUnixConnection', options, (factory, rest) => loop.createUnixConnection(factory, path, rest));
}

/**
 * As {@link startServer}, on the Unix socket at `path` (asyncio's
 * `start_unix_server`).
 *
 * @throws RuntimeError (`no running event loop`) outside a running loop.
 */
export function startUnixServer(
  clientConnectedCb: ClientConnectedCallback,
  path?: string | null,
  options?: StartUnixServerOptions | null,
): Future<Server> {
  const loop = runningNetLoop();
  return serveWith(loop, 'startUnixServer', clientConnectedCb, options, (factory, rest) => loop.createUnixServer(factory, path, rest));
}
