import { AbstractEventLoop } from '@loop/interfaces';
import { TestLoop } from '../src/testing.js';
import { sleep, timeout, TimeoutError } from '../src/index.js';

describe('TestLoop', () => {
  it('a TestLoop - is an instance of AbstractEventLoop, as every loop', () => {
    const loop = new TestLoop();
    expect(loop).toBeInstanceOf(AbstractEventLoop);
    loop.close();
  });

  it('time() - is virtual and starts at 0', () => {
    const loop = new TestLoop();
    expect(loop.time()).toBe(0);
    loop.close();
  });

  it('autojump - a 30-second timeout expires at once, at loop time 30, with the same trace every time', async () => {
    for (let round = 0; round < 2; round++) {
      const loop = new TestLoop({ autojump: true });
      const trace: string[] = [];
      await loop.runUntilComplete(function* () {
        try {
          yield* timeout(30, function* () {
            yield* sleep(3600);
          });
        } catch (e) {
          if (!(e instanceof TimeoutError)) throw e;
          trace.push(`timed out at t=${loop.time()}`);
        }
      });
      expect(trace).toEqual(['timed out at t=30']);
      loop.close();
    }
  });

  it('advance() - releases exactly the timers due by the new time, on a running loop', async () => {
    const loop = new TestLoop();
    const seen: string[] = [];
    loop.callLater(1, () => seen.push(`a@${loop.time()}`));
    loop.callLater(2, () => seen.push(`b@${loop.time()}`));
    loop.callLater(2.5, () => seen.push(`c@${loop.time()}`));
    const running = loop.runForever();
    await loop.advance(1);
    expect(seen).toEqual(['a@1']);
    await loop.advance(1.2);
    expect(seen).toEqual(['a@1', 'b@2.2']);
    await loop.advance(0.3);
    expect(seen).toEqual(['a@1', 'b@2.2', 'c@2.5']);
    loop.stop();
    await running;
    loop.close();
  });

  it('advance() - without autojump an idle running loop waits (no real-time timer) until advanced', async () => {
    const loop = new TestLoop();
    const task = loop.createTask(function* () {
      yield* sleep(10);
      return loop.time();
    });
    const result = loop.runUntilComplete(task);
    await new Promise((r) => setTimeout(r, 30));
    expect(task.done()).toBe(false);
    await loop.advance(10);
    await expect(result).resolves.toBe(10);
    loop.close();
  });

  it('advance() - on a loop that is not running moves the clock and resolves at once', async () => {
    const loop = new TestLoop();
    await loop.advance(5);
    expect(loop.time()).toBe(5);
    loop.close();
  });

  it('advance() - rejects a negative or non-finite step with RangeError', async () => {
    const loop = new TestLoop();
    await expect(loop.advance(-1)).rejects.toThrow(RangeError);
    await expect(loop.advance(Number.POSITIVE_INFINITY)).rejects.toThrow(RangeError);
    loop.close();
  });

  it('autojump - can be turned on while the loop waits, which then jumps', async () => {
    const loop = new TestLoop();
    const result = loop.runUntilComplete(function* () {
      yield* sleep(7);
      return loop.time();
    });
    await new Promise((r) => setTimeout(r, 10));
    loop.autojump = true;
    await expect(result).resolves.toBe(7);
    loop.close();
  });
});
