/**
 * `AbstractEventLoop`: the whole event loop API as one class (asyncio's
 * `events.AbstractEventLoop`), for typing "a fully capable loop" and as a base
 * for a loop written from scratch against `@loop/interfaces` alone.
 *
 * Every method fails with `NotImplementedError` (`ERR_LOOP_NOT_IMPLEMENTED`):
 * a method that returns a Promise returns a rejected one (it never throws
 * synchronously), the others throw. A scheduling method's message names the
 * class and the method (`MyLoop.callSoon() is not implemented`); a capability
 * method's names the package that provides it (`createConnection requires
 * @loop/net; …`, see `missingCapability`). Those capability methods are
 * stand-ins (`isCapabilityStandIn`), so `compose(MyLoop, net)` may replace
 * them.
 *
 * The class has no private members: a loop built by `compose` from another
 * class (`BaseEventLoop` with every capability) is structurally assignable to
 * it. `@loop/core`'s `BaseEventLoop` extends it at run time (every loop is
 * `instanceof AbstractEventLoop`, across the ESM and CJS builds through the
 * brand below, and inherits the stand-ins) but not in its static type, so
 * that its type shows only what it implements.
 *
 * @packageDocumentation
 */

import { missingCapability, markStandIn, CAPABILITY_METHODS } from './capabilities.js';
import type { CapabilityMethodName } from './capabilities.js';
import { NotImplementedError } from './errors.js';
import type {
  Awaitable,
  CoroutineLike,
  CreateTaskOptions,
  ExceptionContext,
  ExceptionHandler,
  Future,
  Handle,
  SchedulingLoop,
  Task,
  TaskFactory,
  TimerHandle,
} from './events.js';
import type { Executor, WorkReference } from './executor.js';
import { brand } from './internal/brand.js';
import type {
  ConnectAcceptedSocketOptions,
  CreateConnectionOptions,
  CreateDatagramEndpointOptions,
  CreateServerOptions,
  CreateUnixConnectionOptions,
  CreateUnixServerOptions,
  ExecutorMethods,
  FdMethods,
  FileLike,
  GetaddrinfoOptions,
  NetMethods,
  PipeMethods,
  SendfileOptions,
  SignalMethods,
  SockMethods,
  SslContext,
  StartTlsOptions,
  SubprocessMethods,
  SubprocessOptions,
} from './loop-methods.js';
import type { BaseProtocol, ProtocolFactory } from './protocols.js';
import type { Server } from './server.js';
import type { AddrInfo, Address, FileDescriptorLike, Inet6Address, InetAddress, PipeLike, SocketLike } from './sockets.js';
import type { BaseTransport, DatagramTransport, ReadTransport, SubprocessTransport, Transport, WriteTransport } from './transports.js';

function notImplemented(self: object, method: string): NotImplementedError {
  return new NotImplementedError(`${self.constructor.name}.${method}() is not implemented`);
}

function rejectNotImplemented(self: object, method: string): Promise<never> {
  return Promise.reject(notImplemented(self, method));
}

function throwMissing(method: CapabilityMethodName): never {
  throw missingCapability(method);
}

function rejectMissing(method: CapabilityMethodName): Promise<never> {
  return Promise.reject(missingCapability(method));
}

/**
 * The complete event loop contract: scheduling ({@link SchedulingLoop}) plus
 * every method group. Every method fails with `NotImplementedError`; extend
 * it and override, or use it as the type of a fully composed loop.
 */
export abstract class AbstractEventLoop
  implements SchedulingLoop, NetMethods, FdMethods, SockMethods, PipeMethods, SignalMethods, SubprocessMethods, ExecutorMethods
{
  /**
   * In debug mode, a callback that runs longer than this (seconds) is logged
   * as slow. A plain property, `0.1` by default, as asyncio's.
   */
  slowCallbackDuration = 0.1;

  // Running and stopping.

  /** Runs until `stop()`; resolves when the stop takes effect. Rejects with `RuntimeError` when already running or closed. */
  runForever(): Promise<void> {
    return rejectNotImplemented(this, 'runForever');
  }
  /** Runs until `future` is done and resolves to its result; a coroutine or thunk becomes a task, a promise-like is wrapped. */
  runUntilComplete<T>(_future: Awaitable<T>): Promise<T> {
    return rejectNotImplemented(this, 'runUntilComplete');
  }
  /** Stops the loop after the current batch of ready callbacks; before a run, the next run does one iteration. */
  stop(): void {
    throw notImplemented(this, 'stop');
  }
  /** Whether the loop is running. */
  isRunning(): boolean {
    throw notImplemented(this, 'isRunning');
  }
  /** Whether the loop was closed. */
  isClosed(): boolean {
    throw notImplemented(this, 'isClosed');
  }
  /** Closes the loop: drops pending callbacks, shuts the default executor down without waiting. Idempotent; throws `RuntimeError` while running. */
  close(): void {
    throw notImplemented(this, 'close');
  }
  /** Closes every async generator still open (`return()`), reporting failures to the exception handler. */
  shutdownAsyncgens(): Promise<void> {
    return rejectNotImplemented(this, 'shutdownAsyncgens');
  }

  // Scheduling.

  /** Schedules `callback(...args)` for the next iteration, after those already scheduled (FIFO). */
  callSoon<A extends unknown[]>(_callback: (...args: A) => unknown, ..._args: A): Handle {
    throw notImplemented(this, 'callSoon');
  }
  /** As `callSoon`, and wakes a loop idling on I/O. */
  callSoonThreadsafe<A extends unknown[]>(_callback: (...args: A) => unknown, ..._args: A): Handle {
    throw notImplemented(this, 'callSoonThreadsafe');
  }
  /** Schedules `callback(...args)` in `delay` seconds; equal deadlines run in scheduling order. */
  callLater<A extends unknown[]>(_delay: number, _callback: (...args: A) => unknown, ..._args: A): TimerHandle {
    throw notImplemented(this, 'callLater');
  }
  /** Schedules `callback(...args)` at loop time `when`. */
  callAt<A extends unknown[]>(_when: number, _callback: (...args: A) => unknown, ..._args: A): TimerHandle {
    throw notImplemented(this, 'callAt');
  }
  /** The loop's monotonic clock, in seconds. */
  time(): number {
    throw notImplemented(this, 'time');
  }

  // Futures and tasks.

  /** A new future bound to this loop. */
  createFuture<T = unknown>(): Future<T> {
    throw notImplemented(this, 'createFuture');
  }
  /** Wraps a coroutine or thunk into a task scheduled to start soon (through the task factory, if set). */
  createTask<T>(_coro: CoroutineLike<T>, _options?: CreateTaskOptions | null): Task<T> {
    throw notImplemented(this, 'createTask');
  }
  /** Sets (or with `null` resets) the factory `createTask` uses. */
  setTaskFactory(_factory: TaskFactory | null): void {
    throw notImplemented(this, 'setTaskFactory');
  }
  /** The task factory, `null` when none is set. */
  getTaskFactory(): TaskFactory | null {
    throw notImplemented(this, 'getTaskFactory');
  }

  // Error handling and debug.

  /** Sets (or with `null` resets to the default) the exception handler. */
  setExceptionHandler(_handler: ExceptionHandler | null): void {
    throw notImplemented(this, 'setExceptionHandler');
  }
  /** The exception handler, `null` when the default is in use. */
  getExceptionHandler(): ExceptionHandler | null {
    throw notImplemented(this, 'getExceptionHandler');
  }
  /** The default exception handler: logs `context` at `error` level. */
  defaultExceptionHandler(_context: ExceptionContext): void {
    throw notImplemented(this, 'defaultExceptionHandler');
  }
  /** Calls the exception handler with `context`; a failing handler is reported to the default one. */
  callExceptionHandler(_context: ExceptionContext): void {
    throw notImplemented(this, 'callExceptionHandler');
  }
  /** Whether debug mode is on. */
  getDebug(): boolean {
    throw notImplemented(this, 'getDebug');
  }
  /** Turns debug mode on or off. */
  setDebug(_enabled: boolean): void {
    throw notImplemented(this, 'setDebug');
  }

  // Executors (@loop/core).

  /** See {@link ExecutorMethods.runInExecutor}. */
  runInExecutor<A extends unknown[], T>(
    _executor: Executor | null,
    _func: ((...args: A) => T | PromiseLike<T>) | WorkReference,
    ..._args: A
  ): Future<T> {
    return throwMissing('runInExecutor');
  }
  /** See {@link ExecutorMethods.setDefaultExecutor}. */
  setDefaultExecutor(_executor: Executor): void {
    throwMissing('setDefaultExecutor');
  }
  /** See {@link ExecutorMethods.shutdownDefaultExecutor}. */
  shutdownDefaultExecutor(_timeout?: number | null): Promise<void> {
    return rejectMissing('shutdownDefaultExecutor');
  }

  // Network (@loop/net).

  /** See {@link NetMethods.createConnection}. */
  createConnection<P extends BaseProtocol>(
    _factory: ProtocolFactory<P>,
    _host?: string | null,
    _port?: number | string | null,
    _options?: CreateConnectionOptions | null,
  ): Promise<[Transport, P]> {
    return rejectMissing('createConnection');
  }
  /** See {@link NetMethods.createDatagramEndpoint}. */
  createDatagramEndpoint<P extends BaseProtocol>(
    _factory: ProtocolFactory<P>,
    _localAddr?: Address | null,
    _remoteAddr?: Address | null,
    _options?: CreateDatagramEndpointOptions | null,
  ): Promise<[DatagramTransport, P]> {
    return rejectMissing('createDatagramEndpoint');
  }
  /** See {@link NetMethods.createUnixConnection}. */
  createUnixConnection<P extends BaseProtocol>(
    _factory: ProtocolFactory<P>,
    _path?: string | null,
    _options?: CreateUnixConnectionOptions | null,
  ): Promise<[Transport, P]> {
    return rejectMissing('createUnixConnection');
  }
  /** See {@link NetMethods.createServer}. */
  createServer(
    _factory: ProtocolFactory,
    _host?: string | readonly string[] | null,
    _port?: number | string | null,
    _options?: CreateServerOptions | null,
  ): Promise<Server> {
    return rejectMissing('createServer');
  }
  /** See {@link NetMethods.createUnixServer}. */
  createUnixServer(_factory: ProtocolFactory, _path?: string | null, _options?: CreateUnixServerOptions | null): Promise<Server> {
    return rejectMissing('createUnixServer');
  }
  /** See {@link NetMethods.connectAcceptedSocket}. */
  connectAcceptedSocket<P extends BaseProtocol>(
    _factory: ProtocolFactory<P>,
    _sock: SocketLike,
    _options?: ConnectAcceptedSocketOptions | null,
  ): Promise<[Transport, P]> {
    return rejectMissing('connectAcceptedSocket');
  }
  /** See {@link NetMethods.sendfile}. */
  sendfile(
    _transport: WriteTransport,
    _file: FileLike,
    _offset?: number,
    _count?: number | null,
    _options?: SendfileOptions | null,
  ): Promise<number> {
    return rejectMissing('sendfile');
  }
  /** See {@link NetMethods.startTls}. */
  startTls(_transport: BaseTransport, _protocol: BaseProtocol, _sslcontext: SslContext, _options?: StartTlsOptions | null): Promise<Transport> {
    return rejectMissing('startTls');
  }
  /** See {@link NetMethods.getaddrinfo}. */
  getaddrinfo(_host: string | null, _port: number | string | null, _options?: GetaddrinfoOptions | null): Promise<AddrInfo[]> {
    return rejectMissing('getaddrinfo');
  }
  /** See {@link NetMethods.getnameinfo}. */
  getnameinfo(_sockaddr: InetAddress | Inet6Address, _flags?: number): Promise<[host: string, port: string]> {
    return rejectMissing('getnameinfo');
  }

  // File descriptors (a selector backend).

  /** See {@link FdMethods.addReader}. */
  addReader<A extends unknown[]>(_fd: FileDescriptorLike, _callback: (...args: A) => unknown, ..._args: A): void {
    throwMissing('addReader');
  }
  /** See {@link FdMethods.removeReader}. */
  removeReader(_fd: FileDescriptorLike): boolean {
    return throwMissing('removeReader');
  }
  /** See {@link FdMethods.addWriter}. */
  addWriter<A extends unknown[]>(_fd: FileDescriptorLike, _callback: (...args: A) => unknown, ..._args: A): void {
    throwMissing('addWriter');
  }
  /** See {@link FdMethods.removeWriter}. */
  removeWriter(_fd: FileDescriptorLike): boolean {
    return throwMissing('removeWriter');
  }

  // Sockets (an I/O backend).

  /** See {@link SockMethods.sockRecv}. */
  sockRecv(_sock: SocketLike, _nbytes: number): Promise<Buffer> {
    return rejectMissing('sockRecv');
  }
  /** See {@link SockMethods.sockRecvInto}. */
  sockRecvInto(_sock: SocketLike, _buf: Uint8Array): Promise<number> {
    return rejectMissing('sockRecvInto');
  }
  /** See {@link SockMethods.sockRecvfrom}. */
  sockRecvfrom(_sock: SocketLike, _bufsize: number): Promise<[Buffer, Address]> {
    return rejectMissing('sockRecvfrom');
  }
  /** See {@link SockMethods.sockRecvfromInto}. */
  sockRecvfromInto(_sock: SocketLike, _buf: Uint8Array, _nbytes?: number): Promise<[number, Address]> {
    return rejectMissing('sockRecvfromInto');
  }
  /** See {@link SockMethods.sockSendall}. */
  sockSendall(_sock: SocketLike, _data: Uint8Array): Promise<void> {
    return rejectMissing('sockSendall');
  }
  /** See {@link SockMethods.sockSendto}. */
  sockSendto(_sock: SocketLike, _data: Uint8Array, _address: Address): Promise<number> {
    return rejectMissing('sockSendto');
  }
  /** See {@link SockMethods.sockConnect}. */
  sockConnect(_sock: SocketLike, _address: Address): Promise<void> {
    return rejectMissing('sockConnect');
  }
  /** See {@link SockMethods.sockAccept}. */
  sockAccept<S extends SocketLike>(_sock: S): Promise<[S, Address]> {
    return rejectMissing('sockAccept');
  }
  /** See {@link SockMethods.sockSendfile}. */
  sockSendfile(_sock: SocketLike, _file: FileLike, _offset?: number, _count?: number | null, _options?: SendfileOptions | null): Promise<number> {
    return rejectMissing('sockSendfile');
  }

  // Pipes (an I/O backend).

  /** See {@link PipeMethods.connectReadPipe}. */
  connectReadPipe<P extends BaseProtocol>(_factory: ProtocolFactory<P>, _pipe: PipeLike): Promise<[ReadTransport, P]> {
    return rejectMissing('connectReadPipe');
  }
  /** See {@link PipeMethods.connectWritePipe}. */
  connectWritePipe<P extends BaseProtocol>(_factory: ProtocolFactory<P>, _pipe: PipeLike): Promise<[WriteTransport, P]> {
    return rejectMissing('connectWritePipe');
  }

  // Signals (@loop/signals).

  /** See {@link SignalMethods.addSignalHandler}. */
  addSignalHandler<A extends unknown[]>(_sig: number | NodeJS.Signals, _callback: (...args: A) => unknown, ..._args: A): void {
    throwMissing('addSignalHandler');
  }
  /** See {@link SignalMethods.removeSignalHandler}. */
  removeSignalHandler(_sig: number | NodeJS.Signals): boolean {
    return throwMissing('removeSignalHandler');
  }

  // Subprocesses (@loop/subprocess).

  /** See {@link SubprocessMethods.subprocessExec}. */
  subprocessExec<P extends BaseProtocol>(
    _factory: ProtocolFactory<P>,
    _program: string,
    _args?: readonly string[],
    _options?: SubprocessOptions | null,
  ): Promise<[SubprocessTransport, P]> {
    return rejectMissing('subprocessExec');
  }
  /** See {@link SubprocessMethods.subprocessShell}. */
  subprocessShell<P extends BaseProtocol>(_factory: ProtocolFactory<P>, _cmd: string, _options?: SubprocessOptions | null): Promise<[SubprocessTransport, P]> {
    return rejectMissing('subprocessShell');
  }
}

// The capability methods above are stand-ins: `compose` may replace them and
// `hasCapability` reports them absent.
for (const method of Object.keys(CAPABILITY_METHODS)) {
  markStandIn((AbstractEventLoop.prototype as unknown as Record<string, Function>)[method], method);
}

brand(AbstractEventLoop, '@loop/interfaces:AbstractEventLoop');
