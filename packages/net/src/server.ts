/**
 * The `Server` that `createServer` and `createUnixServer` return (asyncio's
 * `base_events.Server`, 3.13 semantics), over the backend's `startServing` /
 * `stopServing`.
 *
 * HOW. State:
 *
 * ```text
 *   #sockets  the listening sockets; null once closed
 *   #serving  whether the backend accepts on them
 *   #clients  the live transports of accepted connections (ServerHooks attach/detach)
 *   #waiters  futures of waitClosed() callers; null once woken (closed AND no clients)
 *
 *   created --startServing()/serveForever()--> serving --close()--> closed
 *   closed + last client detached (or none)  -> #wakeup(): waiters resolved, #waiters = null
 * ```
 *
 * - `close()` stops serving each socket (`backend.stopServing`, which closes
 *   it), runs the per-socket cleanup (a Unix socket file), cancels the
 *   pending `serveForever()` future and wakes the waiters when no client is
 *   left. Accepted connections stay open.
 * - `serveForever()` awaits a loop future; cancelling the task that awaits it
 *   cancels that future, so the method closes the server, waits for it to
 *   close, and rethrows the `CancelledError` (asyncio's `serve_forever`).
 * - With TLS, the factory given to the backend wraps each application
 *   protocol in an `SslProtocol` (server side).
 *
 * WHY Promises (async methods) rather than loop futures: the contract
 * (`Server` in `@loop/interfaces`) types them as `Promise<void>`. Inside, each
 * awaits loop futures, so an async-function task that awaits
 * `serveForever()` or `waitClosed()` is cancelled through them. A generator
 * task awaits them with `yield* wrapFuture(server.waitClosed())`.
 *
 * @packageDocumentation
 */
import {
  CancelledError,
  RuntimeError,
  type BaseProtocol,
  type BaseTransport,
  type Future,
  type IoBackend,
  type ProtocolFactory,
  type SchedulingLoop,
  type Server as ServerContract,
  type ServerHooks,
  type SocketLike,
  type SslContext,
} from '@loop/interfaces';
import { pyAddress, sleep0, wantsTls } from './args.js';
import { SslProtocol } from './tls.js';

/** What `new Server()` needs: the loop's backend, the listening sockets and how to serve them. */
export interface ServerOptions {
  /** TLS for the accepted connections. */
  ssl?: SslContext | null;
  /** The `listen()` backlog, passed to `backend.startServing`. */
  backlog: number;
  /** Seconds before a TLS handshake is aborted. */
  sslHandshakeTimeout?: number | null;
  /** Seconds before a TLS shutdown is aborted. */
  sslShutdownTimeout?: number | null;
  /** Run after each socket is closed by `close()` (a Unix server removes its socket file). */
  onSocketClosed?: ((sock: SocketLike) => void) | null;
}

let startServingNow: (server: Server) => void;

/** Starts serving `server` at once, without the iteration `startServing()` waits (for `createServer`). */
export function startServingSync(server: Server): void {
  startServingNow(server);
}

/**
 * A listening server (the `Server` contract of `@loop/interfaces`). Made by
 * `loop.createServer()` / `loop.createUnixServer()`; do not construct one
 * directly.
 */
export class Server implements ServerContract {
  readonly #loop: SchedulingLoop;
  readonly #backend: IoBackend;
  readonly #factory: ProtocolFactory;
  readonly #options: ServerOptions;
  #sockets: SocketLike[] | null;
  #serving = false;
  readonly #clients = new Set<BaseTransport>();
  #waiters: Future<void>[] | null = [];
  #servingForeverFut: Future<void> | null = null;
  readonly #hooks: ServerHooks;

  static {
    startServingNow = (server) => server.#startServing();
  }

  /** @internal Made by `createServer` / `createUnixServer`. */
  constructor(loop: SchedulingLoop, backend: IoBackend, sockets: SocketLike[], factory: ProtocolFactory, options: ServerOptions) {
    this.#loop = loop;
    this.#backend = backend;
    this.#sockets = sockets;
    this.#factory = factory;
    this.#options = options;
    this.#hooks = {
      attach: (transport) => {
        this.#clients.add(transport);
      },
      detach: (transport) => {
        this.#clients.delete(transport);
        if (this.#clients.size === 0 && this.#sockets === null) this.#wakeup();
      },
    };
  }

  #wakeup(): void {
    const waiters = this.#waiters;
    this.#waiters = null;
    if (waiters === null) return;
    for (const waiter of waiters) if (!waiter.done()) waiter.setResult(undefined);
  }

  #startServing(): void {
    if (this.#serving || this.#sockets === null) return;
    this.#serving = true;
    const { ssl, backlog, sslHandshakeTimeout, sslShutdownTimeout } = this.#options;
    let factory: ProtocolFactory = this.#factory;
    if (ssl !== undefined && ssl !== null && wantsTls(ssl)) {
      const appFactory = this.#factory;
      factory = (): BaseProtocol =>
        new SslProtocol(this.#loop, appFactory(), ssl, null, { serverSide: true, sslHandshakeTimeout, sslShutdownTimeout });
    }
    for (const sock of this.#sockets) {
      this.#backend.startServing(factory, sock, this.#hooks, { backlog, sslHandshakeTimeout, sslShutdownTimeout });
    }
  }

  /** `<Server sockets=(('127.0.0.1', 8888),)>`, asyncio's repr with the socket names. */
  toString(): string {
    const names = this.sockets.map((s) => {
      try {
        return pyAddress(s.getsockname());
      } catch {
        return '<closed>';
      }
    });
    return `<Server sockets=(${names.join(', ')}${names.length === 1 ? ',' : ''})>`;
  }

  /** Node's `util.inspect` shows {@link Server.toString}. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /** See `Server.close` in `@loop/interfaces`. */
  close(): void {
    const sockets = this.#sockets;
    if (sockets === null) return;
    this.#sockets = null;
    for (const sock of sockets) {
      this.#backend.stopServing(sock);
      this.#options.onSocketClosed?.(sock);
    }
    this.#serving = false;
    const fut = this.#servingForeverFut;
    if (fut !== null && !fut.done()) {
      fut.cancel();
      this.#servingForeverFut = null;
    }
    if (this.#clients.size === 0) this.#wakeup();
  }

  /** See `Server.getLoop`. */
  getLoop(): SchedulingLoop {
    return this.#loop;
  }

  /** See `Server.isServing`. */
  isServing(): boolean {
    return this.#serving;
  }

  /** See `Server.startServing`: starts accepting, then waits one loop iteration. */
  async startServing(): Promise<void> {
    if (this.#sockets === null) throw new RuntimeError(`startServing(): server ${this.toString()} is closed`);
    this.#startServing();
    await sleep0(this.#loop);
  }

  /** See `Server.serveForever`. */
  async serveForever(): Promise<void> {
    if (this.#servingForeverFut !== null) {
      throw new RuntimeError(`server ${this.toString()} is already being awaited on serveForever()`);
    }
    if (this.#sockets === null) throw new RuntimeError(`server ${this.toString()} is closed`);
    this.#startServing();
    const fut = this.#loop.createFuture<void>();
    this.#servingForeverFut = fut;
    try {
      await fut;
    } catch (err) {
      if (err instanceof CancelledError) {
        this.close();
        await this.waitClosed();
      }
      throw err;
    } finally {
      if (this.#servingForeverFut === fut) this.#servingForeverFut = null;
    }
  }

  /** See `Server.waitClosed`: resolves when closed and every accepted connection has ended. */
  async waitClosed(): Promise<void> {
    if (this.#waiters === null) return;
    const waiter = this.#loop.createFuture<void>();
    this.#waiters.push(waiter);
    await waiter;
  }

  /** See `Server.closeClients`. */
  closeClients(): void {
    for (const transport of [...this.#clients]) transport.close();
  }

  /** See `Server.abortClients`. */
  abortClients(): void {
    for (const transport of [...this.#clients]) (transport as BaseTransport & { abort?: () => void }).abort?.();
  }

  /** See `Server.sockets`: a fresh copy; empty once closed. */
  get sockets(): readonly SocketLike[] {
    return this.#sockets === null ? [] : [...this.#sockets];
  }

  /** `close()`, then `waitClosed()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.waitClosed();
  }
}
