// Core-specific behaviour of BaseEventLoop that the conformance suites do not
// cover (they run against every loop): capability stand-ins and the backend
// hooks. The scheduling behaviour itself is tested by @loop/conformance.
import { AbstractEventLoop, BACKEND, CLOSE_HOOKS, NotImplementedError, compose, defineCapability, hasCapability, onLoopClose } from '@loop/interfaces';
import type { BackendHost, IoBackend } from '@loop/interfaces';
import { BaseEventLoop, Future, ProcessPoolExecutor, RuntimeError, sleep } from '../src/index.js';

describe('BaseEventLoop capability stand-ins', () => {
  it('createConnection() on a scheduling-only loop - rejects with NotImplementedError naming @loop/net', async () => {
    const loop = new BaseEventLoop() as unknown as { createConnection(): Promise<unknown>; close(): void };
    await expect(loop.createConnection()).rejects.toThrow(NotImplementedError);
    await expect(loop.createConnection()).rejects.toThrow(/@loop\/net/);
    loop.close();
  });

  it('addReader() on a scheduling-only loop - throws NotImplementedError naming @loop/selector', () => {
    const loop = new BaseEventLoop() as unknown as { addReader(fd: number, cb: () => void): void; close(): void };
    expect(() => loop.addReader(0, () => undefined)).toThrow(/@loop\/selector/);
    loop.close();
  });

  it("compose(BaseEventLoop, capability) - replaces the stand-ins it inherits from AbstractEventLoop; the loop stays an AbstractEventLoop", async () => {
    const signals = defineCapability('@loop/signals', {
      addSignalHandler(): void {},
      removeSignalHandler(): boolean {
        return true;
      },
    });
    const Loop = compose(BaseEventLoop, signals);
    const loop = new Loop();
    expect(loop).toBeInstanceOf(AbstractEventLoop);
    expect(loop).toBeInstanceOf(BaseEventLoop);
    expect(loop.removeSignalHandler()).toBe(true);
    expect(hasCapability(loop, 'removeSignalHandler')).toBe(true);
    expect(hasCapability(loop, 'createConnection')).toBe(false);
    await expect((loop as unknown as AbstractEventLoop).createConnection(() => ({}) as never)).rejects.toThrow(/@loop\/net/);
    expect(() => compose(BaseEventLoop, defineCapability('x', { callSoon(): void {} }))).toThrow(TypeError);
    loop.close();
  });
});

class RecordingBackend {
  readonly name = 'recording';
  host: BackendHost | null = null;
  events: string[] = [];
  polls: number[] = [];
  attach(host: BackendHost): void {
    this.host = host;
    this.events.push('attach');
  }
  poll(timeout: number): void {
    this.polls.push(timeout);
  }
  close(): void {
    this.events.push('close');
  }
  runStarted(): void {
    this.events.push('runStarted');
  }
  runStopped(): void {
    this.events.push('runStopped');
  }
}

describe('BaseEventLoop backend hooks', () => {
  it('a backend - is attached once, polled in every iteration, told when runs start and stop, closed with the loop', async () => {
    const backend = new RecordingBackend();
    const loop = new BaseEventLoop({ backend: backend as unknown as IoBackend });
    expect(loop[BACKEND]).toBe(backend);
    let n = 0;
    const cb = (): void => {
      if (++n < 3) loop.callSoon(cb);
      else loop.stop();
    };
    loop.callSoon(cb);
    await loop.runForever();
    loop.close();
    expect(backend.events).toEqual(['attach', 'runStarted', 'runStopped', 'close']);
    expect(backend.polls).toEqual([0, 0, 0]);
  });

  it('addReady() from the backend host - wakes an idle running loop, and the handle runs in the next iteration', async () => {
    const backend = new RecordingBackend();
    const loop = new BaseEventLoop({ backend: backend as unknown as IoBackend });
    const seen: string[] = [];
    setTimeout(() => {
      const h = backend.host!.createHandle((x: string) => {
        seen.push(x);
        loop.stop();
      }, ['io'] as [string]);
      backend.host!.addReady(h);
    }, 5);
    await loop.runForever();
    loop.close();
    expect(seen).toEqual(['io']);
  });
  it('wakeupNow() from a Node callback - an idle loop polls and runs the ready handle inside that callback', async () => {
    const backend = new RecordingBackend();
    const loop = new BaseEventLoop({ backend: backend as unknown as IoBackend });
    const seen: string[] = [];
    const poll = backend.poll.bind(backend);
    let event = false;
    backend.poll = (timeout: number): void => {
      poll(timeout);
      if (event) backend.host!.addReady(backend.host!.createHandle(() => seen.push('handle'), []));
      event = false;
    };
    setTimeout(() => {
      const host = backend.host!;
      event = true;
      const polls = backend.polls.length;
      host.wakeupNow!();
      seen.push(`returned, polled ${backend.polls.length - polls}x`);
      loop.stop();
    }, 5);
    await loop.runForever();
    loop.close();
    expect(seen).toEqual(['handle', 'returned, polled 1x']);
  });

  it('wakeupNow() while the loop is not idle or not running - only marks I/O ready, as wakeup()', async () => {
    const backend = new RecordingBackend();
    const loop = new BaseEventLoop({ backend: backend as unknown as IoBackend });
    backend.host!.wakeupNow!();
    expect(backend.polls).toEqual([]);
    const seen: string[] = [];
    loop.callSoon(() => {
      backend.host!.wakeupNow!();
      seen.push(`inside a callback, polled ${backend.polls.length}x`);
      loop.callSoon(() => loop.stop());
    });
    await loop.runForever();
    loop.close();
    expect(seen).toEqual(['inside a callback, polled 1x']);
  });
});

describe('BaseEventLoop executors', () => {
  it('runInExecutor(null, fn, ...args) - runs fn on the default thread pool and resolves the loop future', async () => {
    const loop = new BaseEventLoop();
    const result = await loop.runUntilComplete(function* () {
      const fut = loop.runInExecutor(null, (a: number, b: number) => a * b, 6, 7);
      return yield* fut;
    });
    expect(result).toBe(42);
    await loop.runUntilComplete(loop.shutdownDefaultExecutor());
    loop.close();
  });

  it('runInExecutor() - the loop keeps ticking while the worker busy-waits', async () => {
    const loop = new BaseEventLoop();
    let ticks = 0;
    const busy = (ms: number): number => {
      const end = Date.now() + ms;
      let n = 0;
      while (Date.now() < end) n++;
      return n;
    };
    await loop.runUntilComplete(async () => {
      const fut = loop.runInExecutor(null, busy, 150);
      while (!fut.done()) {
        ticks++;
        await sleep(0.01);
      }
      expect(fut.result()).toBeGreaterThan(0);
    });
    expect(ticks).toBeGreaterThan(1);
    await loop.runUntilComplete(loop.shutdownDefaultExecutor());
    loop.close();
  });

  it('runInExecutor(executor, ...) - an exception in the worker fails the future with its class and message', async () => {
    const loop = new BaseEventLoop();
    const executor = new ProcessPoolExecutor({ maxWorkers: 1 });
    await expect(
      loop.runUntilComplete(loop.runInExecutor(executor, () => {
        throw new RangeError('out of range in the child');
      })),
    ).rejects.toThrow(/out of range in the child/);
    await executor.shutdown(true);
    loop.close();
  });

  it('shutdownDefaultExecutor() - then runInExecutor(null, ...) throws RuntimeError', async () => {
    const loop = new BaseEventLoop();
    await loop.runUntilComplete(loop.runInExecutor(null, () => 1));
    await loop.runUntilComplete(loop.shutdownDefaultExecutor());
    expect(() => loop.runInExecutor(null, () => 1)).toThrow(RuntimeError);
    expect(() => loop.runInExecutor(null, () => 1)).toThrow(/Executor shutdown has been called/);
    loop.close();
  });

  it('setDefaultExecutor() - is used by runInExecutor(null, ...); a non-executor is a TypeError', async () => {
    const loop = new BaseEventLoop();
    expect(() => loop.setDefaultExecutor({} as never)).toThrow(TypeError);
    const executor = new ProcessPoolExecutor({ maxWorkers: 1 });
    loop.setDefaultExecutor(executor);
    const pid = await loop.runUntilComplete(loop.runInExecutor(null, () => process.pid));
    expect(pid).not.toBe(process.pid);
    await loop.runUntilComplete(loop.shutdownDefaultExecutor());
    loop.close();
  });
});

describe('Future.then', () => {
  it('a result() that throws - goes to onRejected, and await catches it', async () => {
    // A subclass computing its result lazily (as @loop/net's stream reads do).
    class Lazy extends Future<number> {
      override result(): number {
        throw new RangeError('computed: no');
      }
    }
    const loop = new BaseEventLoop();
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => {
      unhandled.push(e);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      const caught = await loop.runUntilComplete(async () => {
        const fut = new Lazy({ loop });
        loop.callSoon(() => fut.setResult(1));
        const handled = await fut.then(
          () => 'resolved',
          (e: unknown) => `handled: ${(e as Error).message}`,
        );
        try {
          await fut;
          return [handled, 'resolved'];
        } catch (e) {
          return [handled, (e as Error).message];
        }
      });
      expect(caught).toEqual(['handled: computed: no', 'computed: no']);
      await new Promise((r) => setImmediate(r));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      loop.close();
    }
  });
});

describe('Task driving a function that returns a loop future', () => {
  it('createTask(() => fut) - awaits fut as `return await fut` would: its result, and cancel() reaches it', async () => {
    const loop = new BaseEventLoop();
    try {
      const results = await loop.runUntilComplete(async () => {
        const a = loop.createFuture<string>();
        const ta = loop.createTask(() => a);
        loop.callSoon(() => a.setResult('a done'));
        const b = loop.createFuture<string>();
        const tb = loop.createTask(() => b);
        await sleep(0);
        tb.cancel('stop');
        let message = '';
        try {
          await tb;
        } catch (e) {
          message = (e as Error).message;
        }
        return [await ta, b.cancelled(), message];
      });
      expect(results).toEqual(['a done', true, 'stop']);
    } finally {
      loop.close();
    }
  });
});

describe('BaseEventLoop close hooks (onLoopClose)', () => {
  it('close() - runs each hook once, in order, before the backend closes; a second close() runs none', () => {
    const backend = new RecordingBackend();
    const loop = new BaseEventLoop({ backend: backend as unknown as IoBackend });
    const seen: string[] = [];
    expect(onLoopClose(loop, () => seen.push(`a backend=${backend.events.join(',')}`))).toBeInstanceOf(Function);
    onLoopClose(loop, () => seen.push('b'));
    loop.close();
    loop.close();
    expect(seen).toEqual(['a backend=attach', 'b']);
    expect(backend.events).toEqual(['attach', 'close']);
  });

  it('a withdrawn hook - is not run; a hook that throws - goes to the exception handler and the next hook still runs', () => {
    const loop = new BaseEventLoop();
    const seen: unknown[] = [];
    loop.setExceptionHandler((_l, context) => seen.push(context.message, context.exception));
    const boom = new Error('boom');
    onLoopClose(loop, () => {
      throw boom;
    });
    const withdraw = onLoopClose(loop, () => seen.push('withdrawn'));
    onLoopClose(loop, () => seen.push('last'));
    withdraw?.();
    loop.close();
    expect(seen).toEqual(['Exception in a close hook of the event loop', boom, 'last']);
  });

  it('a loop without CLOSE_HOOKS - onLoopClose returns null; a hook that is not a function - TypeError with a code', () => {
    expect(onLoopClose({}, () => undefined)).toBeNull();
    const loop = new BaseEventLoop();
    expect(loop[CLOSE_HOOKS]).toBeInstanceOf(Set);
    expect(() => onLoopClose(loop, 42 as unknown as () => void)).toThrow(expect.objectContaining({ code: 'ERR_LOOP_INVALID_ARG' }));
    loop.close();
  });
});

describe('BaseEventLoop time slices', () => {
  it('an async function awaiting sleep(0) in a loop - still gives Node its turn (a Node timer fires within the run)', async () => {
    const loop = new BaseEventLoop();
    let fired = false;
    const timer = setTimeout(() => {
      fired = true;
    }, 5);
    const started = performance.now();
    let steps = 0;
    // Each step wakes the async function; before the fix the slice was never
    // checked on that path and Node's timers and I/O waited until the loop stopped.
    await loop.runUntilComplete(async () => {
      while (!fired && performance.now() - started < 5000) {
        steps++;
        await sleep(0);
      }
    });
    clearTimeout(timer);
    expect(fired).toBe(true);
    expect(steps).toBeGreaterThan(0);
    loop.close();
  });
});
