import {
  AbstractEventLoop,
  BACKEND,
  NotImplementedError,
  Protocol,
  backendMethods,
  backendOf,
  compose,
  getBackend,
  hasCapability,
  installCapabilityStandIns,
  type FdMethods,
  type IoBackend,
  type PipeMethods,
  type SockMethods,
  type SocketLike,
} from '../src/index.js';
import { CompletionBackend, ReadinessBackend } from './helpers/fake-backend.js';
import { FakeLoop } from './helpers/fake-loop.js';

class BaseLoop extends FakeLoop {}
installCapabilityStandIns(BaseLoop.prototype);

/** How a backend package would define its loop class. */
class SelectorLikeLoop extends compose(BaseLoop, backendMethods) {
  constructor(backend: IoBackend = new ReadinessBackend()) {
    super({ backend });
  }
}

const sock: SocketLike = {
  fileno: () => 9,
  family: 2,
  type: 1,
  getsockname: () => ['127.0.0.1', 1],
  getpeername: () => ['127.0.0.1', 2],
  close: () => {},
};

describe('BACKEND', () => {
  it('BACKEND - is a Symbol.for key, shared by every copy of the package', () => {
    expect(BACKEND).toBe(Symbol.for('@loop/interfaces.backend'));
  });

  it('getBackend() - returns the loop backend, or null for a loop without one', () => {
    const backend = new ReadinessBackend();
    expect(getBackend(new SelectorLikeLoop(backend))).toBe(backend);
    expect(getBackend(new BaseLoop())).toBeNull();
    expect(getBackend({})).toBeNull();
  });

  it('backendOf() - throws NotImplementedError naming the method and the missing backend', () => {
    expect(() => backendOf(new BaseLoop(), 'sockConnect')).toThrow(NotImplementedError);
    expect(() => backendOf(new BaseLoop(), 'sockConnect')).toThrow(
      'sockConnect requires an I/O backend (@loop/selector or @loop/proactor); this loop has no I/O backend',
    );
    expect(() => backendOf(new BaseLoop(), 'createConnection')).toThrow('createConnection requires @loop/net; this loop has no I/O backend');
  });
});

describe('backendMethods', () => {
  it('addReader()/removeReader() - delegate to the backend with the same arguments', () => {
    const backend = new ReadinessBackend();
    const loop = new SelectorLikeLoop(backend);
    const seen: string[] = [];
    loop.addReader(5, (a: string, b: string) => seen.push(a + b), 'x', 'y');
    backend.readers.get(5)?.();
    expect(seen).toEqual(['xy']);
    expect(loop.removeReader(5)).toBe(true);
    expect(loop.removeReader(5)).toBe(false);
  });

  it('addReader() - throws NotImplementedError naming @loop/selector on a backend that does not watch fds', () => {
    const loop = new SelectorLikeLoop(new CompletionBackend());
    expect(() => loop.addReader(5, () => {})).toThrow(
      'addReader requires a selector loop (@loop/selector); the completion backend does not watch file descriptors',
    );
    expect(() => loop.removeWriter(5)).toThrow(NotImplementedError);
  });

  it('sockRecv() - delegates to the backend and resolves to its result', async () => {
    const loop = new SelectorLikeLoop();
    await expect(loop.sockRecv(sock, 4)).resolves.toEqual(Buffer.from('fd9:4'));
  });

  it('sockRecv() - reports a synchronous backend error by rejecting, never by throwing', async () => {
    const loop = new SelectorLikeLoop();
    let promise: Promise<Buffer> | undefined;
    expect(() => {
      promise = loop.sockRecv(sock, -1);
    }).not.toThrow();
    await expect(promise).rejects.toThrow(RangeError);
  });

  it('sockConnect() - rejects with NotImplementedError when the backend lacks it', async () => {
    const loop = new SelectorLikeLoop();
    await expect(loop.sockConnect(sock, ['127.0.0.1', 80])).rejects.toThrow(
      'sockConnect requires an I/O backend (@loop/selector or @loop/proactor); the readiness backend does not provide sockConnect',
    );
  });

  it('sockAccept() - rejects with NotImplementedError on a loop without a backend', async () => {
    const NoBackend = compose(BaseLoop, backendMethods);
    await expect(new NoBackend().sockAccept(sock)).rejects.toThrow('sockAccept requires an I/O backend');
  });

  it('connectReadPipe() - makes the transport with a waiter and resolves once the waiter completes', async () => {
    const backend = new CompletionBackend();
    const loop = new SelectorLikeLoop(backend);
    const protocol = new Protocol();
    const pending = loop.connectReadPipe(() => protocol, 3);
    await Promise.resolve();
    expect(backend.pipes).toHaveLength(1);
    const call = backend.pipes[0];
    expect(call).toMatchObject({ kind: 'read', pipe: 3, protocol });
    let settled = false;
    void pending.then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    call.waiter!.setResult(undefined);
    const [transport, p] = await pending;
    expect(p).toBe(protocol);
    expect(transport).toBeDefined();
    expect(backend.closed.count).toBe(0);
  });

  it('connectWritePipe() - closes the transport and rejects when the waiter fails', async () => {
    const backend = new CompletionBackend();
    const loop = new SelectorLikeLoop(backend);
    const pending = loop.connectWritePipe(() => new Protocol(), { fd: 4 });
    await Promise.resolve();
    const call = backend.pipes[0];
    expect(call.kind).toBe('write');
    call.waiter!.setException(new Error('EPIPE'));
    await expect(pending).rejects.toThrow('EPIPE');
    expect(backend.closed.count).toBe(1);
  });

  it('connectReadPipe() - rejects (does not throw) when the protocol factory throws', async () => {
    const loop = new SelectorLikeLoop();
    let pending: Promise<unknown> | undefined;
    expect(() => {
      pending = loop.connectReadPipe(() => {
        throw new Error('factory failed');
      }, 3);
    }).not.toThrow();
    await expect(pending).rejects.toThrow('factory failed');
  });

  it('hasCapability() - asks the backend whether it provides the operation', () => {
    const readiness = new SelectorLikeLoop(new ReadinessBackend());
    const completion = new SelectorLikeLoop(new CompletionBackend());
    const none = new (compose(BaseLoop, backendMethods))();
    expect(hasCapability(readiness, 'addReader')).toBe(true);
    expect(hasCapability(completion, 'addReader')).toBe(false);
    expect(hasCapability(readiness, 'sockRecv')).toBe(true);
    expect(hasCapability(readiness, 'sockSendall')).toBe(false);
    expect(hasCapability(completion, 'connectReadPipe')).toBe(true);
    expect(hasCapability(none, 'connectReadPipe')).toBe(false);
  });

  it('backendMethods - gives the loop type exactly the fd, sock and pipe groups', () => {
    const loop = new SelectorLikeLoop();
    const typed: FdMethods & SockMethods & PipeMethods = loop;
    expect(typed).toBe(loop);
    // @ts-expect-error: backendMethods does not bring @loop/net's methods.
    expect(loop.createServer).toBeDefined();
    const asAbstract = loop as unknown as AbstractEventLoop;
    return expect(asAbstract.createServer(() => new Protocol())).rejects.toThrow('createServer requires @loop/net');
  });
});
