// A backend that records what the loop asks of it: the skeleton of a
// third-party backend, written against @loop/interfaces alone.
import {
  RuntimeError,
  type Address,
  type BackendHost,
  type BaseProtocol,
  type ConnectStreamOptions,
  type ListenStreamOptions,
  type OpenDatagramOptions,
  type DatagramTransport,
  type ExtraInfo,
  type FileDescriptorLike,
  type Future,
  type IoBackend,
  type PipeLike,
  type ProtocolFactory,
  type ReadTransport,
  type ServerHooks,
  type SocketLike,
  type Transport,
  type WriteTransport,
} from '../../src/index.js';

/** A transport stub: records close(); everything else is unused by these tests. */
export function stubTransport<T>(closed: { count: number }): T {
  return {
    close: () => {
      closed.count += 1;
    },
  } as unknown as T;
}

export interface PipeCall {
  kind: 'read' | 'write';
  pipe: PipeLike;
  protocol: BaseProtocol;
  waiter: Future<void> | null | undefined;
}

/** A proactor-like backend: transports and pipes, no fd watching, no sock* operations. */
export class CompletionBackend implements IoBackend {
  readonly name: string = 'completion';
  host: BackendHost | null = null;
  readonly pipes: PipeCall[] = [];
  readonly closed = { count: 0 };
  polls: number[] = [];
  closeCalls = 0;

  attach(host: BackendHost): void {
    if (this.host !== null) throw new RuntimeError(`${this.name} backend is already attached to a loop`);
    this.host = host;
  }
  poll(timeout: number): void {
    this.polls.push(timeout);
  }
  close(): void {
    this.closeCalls += 1;
  }
  makeSocketTransport(
    _sock: SocketLike,
    _protocol: BaseProtocol,
    _waiter?: Future<void> | null,
    _extra?: ExtraInfo | null,
    _server?: ServerHooks | null,
  ): Transport {
    return stubTransport<Transport>(this.closed);
  }
  makeDatagramTransport(
    _sock: SocketLike,
    _protocol: BaseProtocol,
    _address?: Address | null,
    _waiter?: Future<void> | null,
    _extra?: ExtraInfo | null,
  ): DatagramTransport {
    return stubTransport<DatagramTransport>(this.closed);
  }
  makeReadPipeTransport(pipe: PipeLike, protocol: BaseProtocol, waiter?: Future<void> | null): ReadTransport {
    this.pipes.push({ kind: 'read', pipe, protocol, waiter });
    return stubTransport<ReadTransport>(this.closed);
  }
  makeWritePipeTransport(pipe: PipeLike, protocol: BaseProtocol, waiter?: Future<void> | null): WriteTransport {
    this.pipes.push({ kind: 'write', pipe, protocol, waiter });
    return stubTransport<WriteTransport>(this.closed);
  }
  startServing(_factory: ProtocolFactory, _sock: SocketLike, _server: ServerHooks): void {}
  stopServing(_sock: SocketLike): void {}
  connectStream(_address: Address, _options: ConnectStreamOptions): Future<SocketLike> {
    throw new RuntimeError(`${this.name} backend: connectStream is not used by these tests`);
  }
  listenStream(_address: Address, _options: ListenStreamOptions): Promise<SocketLike> {
    return Promise.reject(new RuntimeError(`${this.name} backend: listenStream is not used by these tests`));
  }
  openDatagram(_options: OpenDatagramOptions): Promise<SocketLike> {
    return Promise.reject(new RuntimeError(`${this.name} backend: openDatagram is not used by these tests`));
  }
}

/** A selector-like backend: adds fd watching and one sock* operation. */
export class ReadinessBackend extends CompletionBackend implements Required<Pick<IoBackend, 'addReader' | 'removeReader' | 'addWriter' | 'removeWriter' | 'sockRecv'>> {
  override readonly name = 'readiness';
  readonly readers = new Map<FileDescriptorLike, () => unknown>();
  addReader<A extends unknown[]>(fd: FileDescriptorLike, callback: (...args: A) => unknown, ...args: A): void {
    this.readers.set(fd, () => callback(...args));
  }
  removeReader(fd: FileDescriptorLike): boolean {
    return this.readers.delete(fd);
  }
  addWriter<A extends unknown[]>(_fd: FileDescriptorLike, _callback: (...args: A) => unknown, ..._args: A): void {}
  removeWriter(_fd: FileDescriptorLike): boolean {
    return false;
  }
  sockRecv(sock: SocketLike, nbytes: number): Promise<Buffer> {
    if (nbytes < 0) throw new RangeError('negative buffersize in recv');
    return Promise.resolve(Buffer.from(`fd${sock.fileno()}:${nbytes}`));
  }
}
