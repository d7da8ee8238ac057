import {
  AbstractEventLoop,
  CAPABILITY_METHODS,
  CAPABILITY_PACKAGES,
  NotImplementedError,
  backendMethods,
  capabilityStandIn,
  compose,
  defineCapability,
  hasCapability,
  installCapabilityStandIns,
  isCapabilityStandIn,
  markStandIn,
  missingCapability,
  type Capability,
  type CapabilityMethodName,
  type ExecutorMethods,
  type NetMethods,
  type SchedulingLoop,
  type SignalMethods,
  type SubprocessMethods,
} from '../src/index.js';
import { FakeLoop } from './helpers/fake-loop.js';

// Compile-time assertion helpers: checked by `npm run typecheck`.
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(_value?: T): void {}

const unsupported = (): never => {
  throw new Error('not used in this test');
};

const signals = defineCapability<SignalMethods>('@loop/signals', {
  addSignalHandler(sig, callback, ...args) {
    this.callSoon(callback, ...args);
    (this as unknown as { lastSignal: unknown }).lastSignal = sig;
  },
  removeSignalHandler() {
    return false;
  },
});

const net = defineCapability<NetMethods>('@loop/net', {
  createConnection: unsupported,
  createDatagramEndpoint: unsupported,
  createUnixConnection: unsupported,
  createServer: unsupported,
  createUnixServer: unsupported,
  connectAcceptedSocket: unsupported,
  sendfile: unsupported,
  startTls: unsupported,
  getaddrinfo(host, port) {
    return Promise.resolve([[2, 1, 6, '', [host ?? '0.0.0.0', Number(port)]]]);
  },
  getnameinfo: unsupported,
});

const subprocess = defineCapability<SubprocessMethods>('@loop/subprocess', {
  subprocessExec: unsupported,
  subprocessShell: unsupported,
});

/** BaseEventLoop's shape: scheduling + executors, stand-ins for the rest. */
class BaseLoop extends FakeLoop {}
installCapabilityStandIns(BaseLoop.prototype);

describe('defineCapability', () => {
  it('defineCapability() - returns a frozen { packageName, methods }', () => {
    expect(signals.packageName).toBe('@loop/signals');
    expect(Object.keys(signals.methods).sort()).toEqual(['addSignalHandler', 'removeSignalHandler']);
    expect(Object.isFrozen(signals)).toBe(true);
    expect(Object.isFrozen(signals.methods)).toBe(true);
  });

  it('defineCapability() - throws TypeError for an empty package name or a method that is not a function', () => {
    expect(() => defineCapability('', {})).toThrow(TypeError);
    expect(() => defineCapability('@x/y', { m: 1 })).toThrow("defineCapability(): @x/y's m must be a function");
    expect(() => defineCapability('@x/y', null as unknown as object)).toThrow(expect.objectContaining({ code: 'ERR_LOOP_INVALID_ARG' }));
  });
});

describe('compose', () => {
  it('compose() - returns a subclass of the base whose prototype has the capability methods', () => {
    const Loop = compose(BaseLoop, signals, net);
    const loop = new Loop();
    expect(loop).toBeInstanceOf(BaseLoop);
    expect(Object.getPrototypeOf(Loop)).toBe(BaseLoop);
    expect(Loop.prototype.addSignalHandler).toBe(signals.methods.addSignalHandler);
    expect(Loop.prototype.getaddrinfo).toBe(net.methods.getaddrinfo);
    expect(Object.keys(Loop.prototype)).toEqual([]);
  });

  it('compose() - keeps the base name, constructor arguments and statics', () => {
    const Loop = compose(BaseLoop, signals);
    expect(Loop.name).toBe('BaseLoop');
    expect(Loop.describe()).toBe('FakeLoop');
    const backend = { name: 'x' } as never;
    expect(new Loop({ backend }).isClosed()).toBe(false);
  });

  it('compose() - calls the methods with this = the loop', async () => {
    const Loop = compose(BaseLoop, signals, net);
    const loop = new Loop();
    const seen: number[] = [];
    loop.addSignalHandler('SIGINT', (n: number) => seen.push(n), 42);
    expect((loop as unknown as { lastSignal: unknown }).lastSignal).toBe('SIGINT');
    await Promise.resolve();
    expect(seen).toEqual([42]);
    await expect(loop.getaddrinfo('localhost', 80)).resolves.toEqual([[2, 1, 6, '', ['localhost', 80]]]);
  });

  it('compose() - replaces stand-ins, and a base without the capability keeps them', async () => {
    const bare = new BaseLoop() as unknown as NetMethods & SignalMethods;
    expect(() => bare.addSignalHandler('SIGINT', () => {})).toThrow('addSignalHandler requires @loop/signals');
    await expect(bare.getaddrinfo('h', 1)).rejects.toThrow('getaddrinfo requires @loop/net');
    const composed = new (compose(BaseLoop, signals))();
    expect(() => composed.addSignalHandler('SIGINT', () => {})).not.toThrow();
  });

  it('compose() - with no capabilities is a plain subclass', () => {
    const Plain = compose(BaseLoop);
    expect(new Plain()).toBeInstanceOf(BaseLoop);
    expect(Plain).not.toBe(BaseLoop);
  });

  it('compose() - composes on a composed class', () => {
    const Loop = compose(compose(BaseLoop, signals), net);
    const loop = new Loop();
    expect(hasCapability(loop, 'addSignalHandler')).toBe(true);
    expect(hasCapability(loop, 'createConnection')).toBe(true);
  });

  it('compose() - throws TypeError when two capabilities provide the same method', () => {
    const otherSignals = defineCapability<Pick<SignalMethods, 'removeSignalHandler'>>('@acme/signals', {
      removeSignalHandler: () => true,
    });
    expect(() => compose(BaseLoop, signals, otherSignals)).toThrow(
      'compose(): removeSignalHandler is provided by both @loop/signals and @acme/signals',
    );
    expect(() => compose(compose(BaseLoop, signals), signals)).toThrow(TypeError);
  });

  it('compose() - throws TypeError when a capability would hide a method the base implements', () => {
    const hijack = defineCapability<Pick<SchedulingLoop, 'callSoon'>>('@evil/pkg', { callSoon: unsupported });
    expect(() => compose(BaseLoop, hijack)).toThrow('compose(): BaseLoop already implements callSoon; @evil/pkg would hide it');
    const executors = defineCapability<Pick<ExecutorMethods, 'setDefaultExecutor'>>('@acme/executors', {
      setDefaultExecutor: unsupported,
    });
    expect(() => compose(BaseLoop, executors)).toThrow(expect.objectContaining({ code: 'ERR_LOOP_INVALID_ARG' }));
  });

  it('compose() - throws TypeError for a base that is not a class or a malformed capability', () => {
    expect(() => compose(42 as unknown as typeof BaseLoop)).toThrow('compose(): the base must be a loop class');
    expect(() => compose(BaseLoop, {} as Capability<object>)).toThrow(TypeError);
    expect(() => compose(BaseLoop, { packageName: 'p', methods: { m: 1 } })).toThrow(
      "compose(): p's m must be a function",
    );
  });

  it('compose() - its static type shows exactly the composed capabilities', () => {
    const Loop = compose(BaseLoop, signals);
    const loop = new Loop();
    assertType<Equals<typeof loop, BaseLoop & SignalMethods>>();
    // @ts-expect-error: @loop/net is not composed in, so the type has no createConnection.
    expect(loop.createConnection).toBeDefined();
    const typeOnly = (): void => {
      // @ts-expect-error: the constructor keeps the base's parameters.
      new Loop(42);
    };
    expect(typeOnly).toBeInstanceOf(Function);
  });

  it('compose() - a loop with every capability is assignable to AbstractEventLoop', () => {
    const Full = compose(BaseLoop, backendMethods, net, signals, subprocess);
    const full: AbstractEventLoop = new Full();
    expect(full).toBeInstanceOf(BaseLoop);
    // Without one of the groups, it is not.
    // @ts-expect-error: SubprocessMethods are missing.
    const partial: AbstractEventLoop = new (compose(BaseLoop, backendMethods, net, signals))();
    expect(partial).toBeDefined();
  });
});

describe('missingCapability', () => {
  it('missingCapability() - names the method and the capability package to compose in', () => {
    const err = missingCapability('createConnection');
    expect(err).toBeInstanceOf(NotImplementedError);
    expect(err.code).toBe('ERR_LOOP_NOT_IMPLEMENTED');
    expect(err.message).toBe('createConnection requires @loop/net; compose it into the loop with compose(...)');
    expect(missingCapability('subprocessExec').message).toBe(
      'subprocessExec requires @loop/subprocess; compose it into the loop with compose(...)',
    );
    expect(missingCapability('addSignalHandler').message).toMatch(/^addSignalHandler requires @loop\/signals;/);
  });

  it('missingCapability() - names a selector loop for file descriptors and any backend for sockets and pipes', () => {
    expect(missingCapability('addReader').message).toBe('addReader requires a selector loop (@loop/selector); this loop has no I/O backend');
    expect(missingCapability('sockRecv').message).toBe(
      'sockRecv requires an I/O backend (@loop/selector or @loop/proactor); this loop has no I/O backend',
    );
    expect(missingCapability('connectReadPipe').message).toMatch(/^connectReadPipe requires an I\/O backend/);
  });

  it('missingCapability() - uses the given detail instead of the default hint', () => {
    expect(missingCapability('addReader', 'ProactorEventLoop does not watch file descriptors').message).toBe(
      'addReader requires a selector loop (@loop/selector); ProactorEventLoop does not watch file descriptors',
    );
  });

  it('missingCapability() - names @loop/core for executors and handles unknown methods', () => {
    expect(missingCapability('runInExecutor').message).toBe('runInExecutor requires @loop/core; extend BaseEventLoop, which implements it');
    expect(missingCapability('frobnicate').message).toBe('frobnicate is not implemented by this loop');
    expect(missingCapability('frobnicate', 'try @acme/frob').message).toBe('frobnicate is not implemented by this loop; try @acme/frob');
  });
});

describe('CAPABILITY_PACKAGES', () => {
  it('CAPABILITY_PACKAGES - maps each method group to its package', () => {
    expect(CAPABILITY_PACKAGES.createConnection).toBe('@loop/net');
    expect(CAPABILITY_PACKAGES.getaddrinfo).toBe('@loop/net');
    expect(CAPABILITY_PACKAGES.subprocessExec).toBe('@loop/subprocess');
    expect(CAPABILITY_PACKAGES.addSignalHandler).toBe('@loop/signals');
    expect(CAPABILITY_PACKAGES.addReader).toBe('@loop/selector');
    expect(CAPABILITY_PACKAGES.sockRecv).toBe('@loop/selector or @loop/proactor');
    expect(CAPABILITY_PACKAGES.connectReadPipe).toBe('@loop/selector or @loop/proactor');
    expect(CAPABILITY_PACKAGES.runInExecutor).toBe('@loop/core');
    expect(Object.isFrozen(CAPABILITY_PACKAGES)).toBe(true);
  });

  it('CAPABILITY_METHODS - lists exactly the non-scheduling methods of AbstractEventLoop', () => {
    const scheduling = new Set([
      'constructor', 'runForever', 'runUntilComplete', 'stop', 'isRunning', 'isClosed', 'close', 'shutdownAsyncgens',
      'callSoon', 'callSoonThreadsafe', 'callLater', 'callAt', 'time', 'createFuture', 'createTask', 'setTaskFactory',
      'getTaskFactory', 'setExceptionHandler', 'getExceptionHandler', 'defaultExceptionHandler', 'callExceptionHandler',
      'getDebug', 'setDebug',
    ]);
    const others = Object.getOwnPropertyNames(AbstractEventLoop.prototype).filter((m) => !scheduling.has(m));
    expect(Object.keys(CAPABILITY_METHODS).sort()).toEqual(others.sort());
    expect(Object.keys(CAPABILITY_PACKAGES).sort()).toEqual(others.sort());
  });

  it('CAPABILITY_METHODS - marks the Promise-returning methods async', () => {
    expect(CAPABILITY_METHODS.createServer.async).toBe(true);
    expect(CAPABILITY_METHODS.sockAccept.async).toBe(true);
    expect(CAPABILITY_METHODS.shutdownDefaultExecutor.async).toBe(true);
    expect(CAPABILITY_METHODS.addReader.async).toBe(false);
    expect(CAPABILITY_METHODS.runInExecutor.async).toBe(false);
    expect(CAPABILITY_METHODS.removeSignalHandler.async).toBe(false);
  });
});

describe('stand-ins', () => {
  it('capabilityStandIn() - throws for a synchronous method and names the package', () => {
    const standIn = capabilityStandIn('addReader');
    expect(standIn.name).toBe('addReader');
    expect(() => standIn()).toThrow(NotImplementedError);
    expect(() => standIn()).toThrow('addReader requires a selector loop (@loop/selector)');
  });

  it('capabilityStandIn() - rejects, never throws, for a method that returns a Promise', async () => {
    const standIn = capabilityStandIn('createServer') as unknown as () => Promise<unknown>;
    let result: Promise<unknown> | undefined;
    expect(() => {
      result = standIn();
    }).not.toThrow();
    await expect(result).rejects.toThrow('createServer requires @loop/net');
  });

  it('isCapabilityStandIn() - recognises stand-ins and marked methods only', () => {
    expect(isCapabilityStandIn(capabilityStandIn('sockRecv'))).toBe(true);
    expect(isCapabilityStandIn(() => 1)).toBe(false);
    expect(isCapabilityStandIn(undefined)).toBe(false);
    const fn = function custom(): void {};
    markStandIn(fn, 'addWriter');
    expect(isCapabilityStandIn(fn)).toBe(true);
    expect(fn.name).toBe('addWriter');
  });

  it('installCapabilityStandIns() - installs what the prototype lacks, non-enumerable, and is idempotent', () => {
    class Proto extends FakeLoop {}
    const installed = installCapabilityStandIns(Proto.prototype);
    expect(installed).toContain('createConnection');
    expect(installed).not.toContain('runInExecutor');
    expect(installed).not.toContain('callSoon' as CapabilityMethodName);
    expect(Object.keys(Proto.prototype)).toEqual([]);
    expect(installCapabilityStandIns(Proto.prototype)).toEqual([]);
  });
});

describe('hasCapability', () => {
  it('hasCapability() - is false for stand-ins and missing methods, true for composed ones', () => {
    const bare = new BaseLoop();
    expect(hasCapability(bare, 'createConnection')).toBe(false);
    expect(hasCapability({}, 'createConnection')).toBe(false);
    expect(hasCapability(bare, 'runInExecutor')).toBe(true);
    expect(hasCapability(new (compose(BaseLoop, net))(), 'createConnection')).toBe(true);
  });
});
