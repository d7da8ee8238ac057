import {
  AbstractEventLoop,
  CAPABILITY_METHODS,
  CAPABILITY_PACKAGES,
  NotImplementedError,
  compose,
  defineCapability,
  hasCapability,
  isCapabilityStandIn,
  type CapabilityMethodName,
  type SchedulingLoop,
  type SignalMethods,
} from '../src/index.js';

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(_value?: T): void {}

/** Every method of SchedulingLoop; the type assertion below fails to compile if one is missing. */
const SCHEDULING = [
  'runForever', 'runUntilComplete', 'stop', 'isRunning', 'isClosed', 'close', 'shutdownAsyncgens',
  'callSoon', 'callSoonThreadsafe', 'callLater', 'callAt', 'time',
  'createFuture', 'createTask', 'setTaskFactory', 'getTaskFactory',
  'setExceptionHandler', 'getExceptionHandler', 'defaultExceptionHandler', 'callExceptionHandler', 'getDebug', 'setDebug',
] as const;
assertType<Equals<(typeof SCHEDULING)[number], Exclude<keyof SchedulingLoop, 'slowCallbackDuration'>>>();

class Bare extends AbstractEventLoop {}

const PROMISE_SCHEDULING = new Set(['runForever', 'runUntilComplete', 'shutdownAsyncgens']);
const methods = Object.getOwnPropertyNames(AbstractEventLoop.prototype).filter((m) => m !== 'constructor');
const isCapability = (m: string): m is CapabilityMethodName => Object.prototype.hasOwnProperty.call(CAPABILITY_METHODS, m);
const returnsPromise = (m: string): boolean => (isCapability(m) ? CAPABILITY_METHODS[m].async : PROMISE_SCHEDULING.has(m));

function call(loop: AbstractEventLoop, method: string): unknown {
  const fn = (loop as unknown as Record<string, (...args: unknown[]) => unknown>)[method];
  return fn.call(loop, () => undefined, 1, 2);
}

describe('AbstractEventLoop', () => {
  it('AbstractEventLoop - declares every method of the asyncio event loop API', () => {
    expect([...methods].sort()).toEqual([...SCHEDULING, ...Object.keys(CAPABILITY_METHODS)].sort());
  });

  it.each(methods.filter((m) => !returnsPromise(m)))('%s() - throws NotImplementedError synchronously', (method) => {
    const loop = new Bare();
    expect(() => call(loop, method)).toThrow(NotImplementedError);
    expect(() => call(loop, method)).toThrow(expect.objectContaining({ code: 'ERR_LOOP_NOT_IMPLEMENTED' }));
  });

  it.each(methods.filter(returnsPromise))('%s() - returns a promise rejected with NotImplementedError, never throws', async (method) => {
    const loop = new Bare();
    let result: unknown;
    expect(() => {
      result = call(loop, method);
    }).not.toThrow();
    expect(result).toBeInstanceOf(Promise);
    await expect(result).rejects.toThrow(NotImplementedError);
  });

  it.each(methods.filter((m) => !isCapability(m)))('%s() - names the class and the method', async (method) => {
    const loop = new Bare();
    const expected = `Bare.${method}() is not implemented`;
    if (returnsPromise(method)) await expect(call(loop, method)).rejects.toThrow(expected);
    else expect(() => call(loop, method)).toThrow(expected);
  });

  it.each(methods.filter(isCapability))('%s() - names the method and the package that provides it', async (method) => {
    const loop = new Bare();
    const pkg = CAPABILITY_PACKAGES[method];
    const check = (err: unknown): void => {
      expect(err).toBeInstanceOf(NotImplementedError);
      expect((err as Error).message.startsWith(`${method} requires `)).toBe(true);
      expect((err as Error).message).toContain(pkg);
    };
    if (returnsPromise(method)) {
      await (call(loop, method) as Promise<unknown>).then(
        () => {
          throw new Error('expected a rejection');
        },
        check,
      );
    } else {
      let caught: unknown;
      try {
        call(loop, method);
      } catch (err) {
        caught = err;
      }
      check(caught);
    }
  });

  it('slowCallbackDuration - is a plain writable property, 0.1 by default', () => {
    const loop = new Bare();
    expect(loop.slowCallbackDuration).toBe(0.1);
    loop.slowCallbackDuration = 0.5;
    expect(loop.slowCallbackDuration).toBe(0.5);
    expect(Object.getOwnPropertyDescriptor(loop, 'slowCallbackDuration')).toMatchObject({ value: 0.5, writable: true });
  });

  it('AbstractEventLoop - its capability methods are stand-ins that compose() replaces', () => {
    expect(isCapabilityStandIn(AbstractEventLoop.prototype.createConnection)).toBe(true);
    expect(isCapabilityStandIn(AbstractEventLoop.prototype.callSoon)).toBe(false);
    const signals = defineCapability<SignalMethods>('@loop/signals', {
      addSignalHandler() {},
      removeSignalHandler: () => true,
    });
    class Scratch extends AbstractEventLoop {}
    const Loop = compose(Scratch as unknown as new () => Scratch, signals);
    const loop = new Loop();
    expect(loop.removeSignalHandler('SIGINT')).toBe(true);
    expect(hasCapability(loop, 'removeSignalHandler')).toBe(true);
    expect(hasCapability(loop, 'createConnection')).toBe(false);
  });

  it('AbstractEventLoop - recognises a loop extending another copy of the package', async () => {
    let other: typeof import('../src/abstract-event-loop.js') | undefined;
    await jest.isolateModulesAsync(async () => {
      other = await import('../src/abstract-event-loop.js');
    });
    class Theirs extends other!.AbstractEventLoop {}
    expect(other!.AbstractEventLoop).not.toBe(AbstractEventLoop);
    expect(new Theirs()).toBeInstanceOf(AbstractEventLoop);
  });
});
