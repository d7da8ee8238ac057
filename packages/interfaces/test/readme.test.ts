// The examples of README.md, kept compiling and running. `FakeLoop` stands in
// for @loop/core's BaseEventLoop, which this package must not depend on.
import {
  Protocol,
  RuntimeError,
  backendMethods,
  compose,
  defineCapability,
  installCapabilityStandIns,
  type Address,
  type BackendHost,
  type ConnectStreamOptions,
  type ListenStreamOptions,
  type OpenDatagramOptions,
  type BaseProtocol,
  type DatagramTransport,
  type Future,
  type Handle,
  type IoBackend,
  type PipeLike,
  type ProtocolFactory,
  type ReadTransport,
  type ServerHooks,
  type SignalMethods,
  type SocketLike,
  type Transport,
  type WriteTransport,
} from '../src/index.js';
import { FakeLoop } from './helpers/fake-loop.js';

class BaseEventLoop extends FakeLoop {}
installCapabilityStandIns(BaseEventLoop.prototype);

// --- README: a protocol ---
class EchoProtocol extends Protocol {
  #transport: Transport | null = null;
  override connectionMade(transport: Transport): void {
    this.#transport = transport;
  }
  override dataReceived(data: Buffer): void {
    this.#transport?.write(data);
  }
  override eofReceived(): boolean {
    return false;
  }
  override connectionLost(exc: Error | null): void {
    if (exc !== null) console.error('connection lost:', exc.message);
  }
}

// --- README: a capability ---
const listeners = new WeakMap<object, Map<NodeJS.Signals, () => void>>();
const signals = defineCapability<SignalMethods>('@acme/signals', {
  addSignalHandler(sig, callback, ...args) {
    if (typeof sig !== 'string') throw new RangeError('this example takes signal names only');
    this.removeSignalHandler(sig);
    const listener = (): void => void this.callSoonThreadsafe(callback, ...args);
    const table = listeners.get(this) ?? new Map<NodeJS.Signals, () => void>();
    listeners.set(this, table.set(sig, listener));
    process.on(sig, listener);
  },
  removeSignalHandler(sig) {
    const listener = typeof sig === 'string' ? listeners.get(this)?.get(sig) : undefined;
    if (listener === undefined) return false;
    process.off(sig as NodeJS.Signals, listener);
    listeners.get(this)?.delete(sig as NodeJS.Signals);
    return true;
  },
});

// --- README: a backend skeleton ---
class MyBackend implements IoBackend {
  readonly name = 'my';
  #host: BackendHost | null = null;
  readonly #pending: Handle[] = [];
  attach(host: BackendHost): void {
    if (this.#host !== null) throw new RuntimeError('my backend is already attached to a loop');
    this.#host = host;
  }
  notify(handle: Handle): void {
    this.#pending.push(handle);
    this.#host?.wakeup();
  }
  poll(_timeout: number): void {
    for (const handle of this.#pending.splice(0)) this.#host!.addReady(handle);
  }
  close(): void {
    this.#pending.length = 0;
  }
  makeSocketTransport(_sock: SocketLike, _protocol: BaseProtocol, _waiter?: Future<void> | null): Transport {
    throw new RuntimeError('not written yet');
  }
  makeDatagramTransport(_sock: SocketLike, _protocol: BaseProtocol): DatagramTransport {
    throw new RuntimeError('not written yet');
  }
  makeReadPipeTransport(_pipe: PipeLike, _protocol: BaseProtocol): ReadTransport {
    throw new RuntimeError('not written yet');
  }
  makeWritePipeTransport(_pipe: PipeLike, _protocol: BaseProtocol): WriteTransport {
    throw new RuntimeError('not written yet');
  }
  startServing(_factory: ProtocolFactory, _sock: SocketLike, _server: ServerHooks): void {}
  stopServing(_sock: SocketLike): void {}
  connectStream(_address: Address, _options: ConnectStreamOptions): Future<SocketLike> {
    throw new RuntimeError('not written yet');
  }
  listenStream(_address: Address, _options: ListenStreamOptions): Promise<SocketLike> {
    return Promise.reject(new RuntimeError('not written yet'));
  }
  openDatagram(_options: OpenDatagramOptions): Promise<SocketLike> {
    return Promise.reject(new RuntimeError('not written yet'));
  }
}

describe('README examples', () => {
  it('EchoProtocol - writes back what it receives', () => {
    const written: Uint8Array[] = [];
    const echo = new EchoProtocol();
    echo.connectionMade({ write: (d: Uint8Array) => written.push(d) } as unknown as Transport);
    echo.dataReceived(Buffer.from('ping'));
    expect(Buffer.concat(written).toString()).toBe('ping');
    expect(echo.eofReceived()).toBe(false);
  });

  it('signals capability - runs the handler from the loop and removes it', async () => {
    const SignalLoop = compose(BaseEventLoop, signals);
    const loop = new SignalLoop();
    const got: string[] = [];
    loop.addSignalHandler('SIGUSR2', (what: string) => got.push(what), 'usr2');
    process.emit('SIGUSR2', 'SIGUSR2');
    await Promise.resolve();
    expect(got).toEqual(['usr2']);
    expect(loop.removeSignalHandler('SIGUSR2')).toBe(true);
    expect(loop.removeSignalHandler('SIGUSR2')).toBe(false);
    expect(process.listenerCount('SIGUSR2')).toBe(0);
    await expect((loop as unknown as { createConnection(): Promise<unknown> }).createConnection()).rejects.toThrow(
      'createConnection requires @loop/net',
    );
  });

  it('MyBackend - moves notified handles to the ready queue on poll and wakes the loop', () => {
    const ready: Handle[] = [];
    let wakeups = 0;
    const backend = new MyBackend();
    backend.attach({ addReady: (h: Handle) => ready.push(h), wakeup: () => (wakeups += 1) } as unknown as BackendHost);
    const handle = {} as Handle;
    backend.notify(handle);
    expect(wakeups).toBe(1);
    expect(ready).toEqual([]);
    backend.poll(0);
    expect(ready).toEqual([handle]);
    class MyLoop extends compose(BaseEventLoop, backendMethods) {
      constructor() {
        super({ backend: new MyBackend() });
      }
    }
    expect(() => new MyLoop().addReader(3, () => {})).toThrow('the my backend does not watch file descriptors');
  });
});
