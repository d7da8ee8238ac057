/**
 * The `Server` that `createServer` and `createUnixServer` return (asyncio's
 * `Server`, 3.13 semantics). `@loop/net` implements it; do not construct one
 * directly.
 *
 * ```text
 *   created --startServing()/serveForever()--> serving --close()--> closed
 *      |                                                             ^
 *      +------------------------------close()-------------------------+
 *   closed: listening sockets closed; accepted connections live on until they
 *   end, or closeClients()/abortClients() ends them; then waitClosed() resolves.
 * ```
 *
 * @packageDocumentation
 */

import type { SchedulingLoop } from './events.js';
import type { SocketLike } from './sockets.js';

/** A listening server. `await using server = await loop.createServer(...)` closes it on scope exit. */
export interface Server {
  /**
   * Stops serving: closes the listening sockets (so `sockets` becomes empty)
   * and stops accepting. Connections already accepted stay open. Idempotent.
   * The closing completes asynchronously: use `waitClosed()`.
   */
  close(): void;
  /** The loop the server belongs to. */
  getLoop(): SchedulingLoop;
  /** Whether the server is accepting new connections. */
  isServing(): boolean;
  /**
   * Starts accepting connections (for a server made with
   * `startServing: false`). Idempotent: resolves at once when already serving.
   * Rejects with `RuntimeError` when the server is closed.
   */
  startServing(): Promise<void>;
  /**
   * Starts serving if needed and resolves only when cancelled: cancelling the
   * task that awaits it closes the server (and waits for it to close) and
   * rejects with `CancelledError`. Rejects with `RuntimeError` when the
   * server is closed or another `serveForever()` is already waiting.
   */
  serveForever(): Promise<void>;
  /**
   * Resolves once the server is closed and every connection it accepted has
   * ended. Resolves at once when it is closed and has none. Never rejects.
   */
  waitClosed(): Promise<void>;
  /** Closes every accepted connection's transport (`close()`: buffered data is flushed). */
  closeClients(): void;
  /** Aborts every accepted connection's transport (`abort()`: buffered data is dropped). */
  abortClients(): void;
  /**
   * The listening sockets, each with `getsockname()`: a fresh copy on each
   * read (mutating it does not affect the server); empty once closed.
   */
  readonly sockets: readonly SocketLike[];
  /** `close()`, then `waitClosed()`: what `await using` calls. */
  [Symbol.asyncDispose](): Promise<void>;
}
