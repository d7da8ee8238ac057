/**
 * MicroLoop (src/third-party-loop/), the loop written against
 * `@loop/interfaces` alone: its folder imports nothing else from @loop, and
 * it behaves as asyncio does. Each expected trace is what the same scenario
 * prints on CPython 3.11's asyncio (the first four are
 * python/third-party-loop.py's sections, which test/examples.test.ts also
 * compares whole).
 */
import { describe, expect, it, jest } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CancelledError, InvalidStateError, NotImplementedError, RuntimeError, hasCapability } from '@loop/interfaces';
import type { Coroutine, ExceptionContext, Future, SchedulingLoop, TaskFactory } from '@loop/interfaces';
import { MicroLoop, MicroTask } from '../src/third-party-loop/index.js';
import type { Clock } from '../src/third-party-loop/index.js';

const folder = join(__dirname, '..', 'src', 'third-party-loop');

/** A virtual clock as the conformance kit passes one: jumps when the loop would wait, and records the jumps. */
class JumpClock implements Clock {
  readonly resolution = 1e-9;
  readonly virtual = true;
  readonly skips: number[] = [];
  now = 0;
  constructor(readonly autojump = true) {}
  time(): number {
    return this.now;
  }
  skip(seconds: number): boolean {
    if (!this.autojump) return false;
    this.skips.push(seconds);
    this.now += seconds;
    return true;
  }
}

/** Runs `body` with a fresh loop and closes it after. */
async function withLoop<T>(body: (loop: MicroLoop) => Promise<T>, clock: Clock = new JumpClock()): Promise<T> {
  const loop = new MicroLoop({ clock });
  try {
    return await body(loop);
  } finally {
    if (!loop.isRunning()) loop.close();
  }
}

describe('third-party-loop: the folder', () => {
  it('imports only @loop/interfaces, Node built-ins and its own files', () => {
    const files = readdirSync(folder).filter((f) => /\.(ts|mjs)$/.test(f));
    expect(files).toEqual(expect.arrayContaining(['micro-loop.ts', 'micro-future.ts', 'index.ts', 'kit-target.mjs']));
    const bad: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(folder, file), 'utf8');
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
        const spec = m[1];
        if (!(spec.startsWith('./') || spec.startsWith('../') || spec.startsWith('node:') || spec === '@loop/interfaces')) bad.push(`${file}: ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('lists in expectations.json each conformance test MicroLoop fails, as "suite/title": one-line reason', () => {
    const expectations = JSON.parse(readFileSync(join(folder, 'expectations.json'), 'utf8')) as Record<string, unknown>;
    const bad = Object.entries(expectations).filter(([key, why]) => !/^[a-z-]+\/\S/.test(key) || typeof why !== 'string' || why === '' || why.includes('\n'));
    expect(bad).toEqual([]);
    expect(Object.keys(expectations).length).toBeGreaterThan(0);
  });
});

describe('third-party-loop: scheduling', () => {
  it('runs callbacks FIFO, one batch per iteration, due timers after the ready ones (python: "ordering")', async () => {
    const lines: string[] = [];
    await withLoop(async (loop) => {
      const log = (msg: string): void => void lines.push(msg);
      loop.callLater(0.02, log, 'later 0.02');
      loop.callSoon(() => {
        log('soon A');
        loop.callSoon(log, 'soon C (scheduled by A)');
      });
      loop.callLater(0, log, 'later 0');
      loop.callAt(loop.time() + 0.01, log, 'at +0.01');
      const h = loop.callSoon(log, 'cancelled: never printed');
      loop.callSoon(log, 'soon B');
      h.cancel();
      expect(h.cancelled()).toBe(true);
      loop.callLater(0.03, () => loop.stop());
      await loop.runForever();
    }, new JumpClock());
    expect(lines).toEqual(['soon A', 'soon B', 'later 0', 'soon C (scheduled by A)', 'at +0.01', 'later 0.02']);
  });

  it('runs equal deadlines in scheduling order, skips cancelled timers, and reports when()', async () => {
    const clock = new JumpClock();
    const lines: string[] = [];
    await withLoop(async (loop) => {
      const a = loop.callLater(1, () => lines.push('a'));
      const b = loop.callAt(1, () => lines.push('b'));
      const c = loop.callLater(0.5, () => lines.push('c'));
      loop.callLater(1, () => lines.push('d'));
      c.cancel();
      expect([a.when(), b.when(), c.when()]).toEqual([1, 1, 0.5]);
      loop.callLater(2, () => loop.stop());
      await loop.runForever();
    }, clock);
    expect(lines).toEqual(['a', 'b', 'd']);
    // The cancelled timer at 0.5 is dropped, not waited for: the clock jumps straight to 1, then to 2.
    expect(clock.skips).toEqual([1, 1]);
  });

  it('stop() before a run makes the next run one iteration; a stopped loop runs again', async () => {
    await withLoop(async (loop) => {
      const lines: string[] = [];
      loop.callSoon(() => {
        lines.push('1');
        loop.callSoon(() => lines.push('2'));
      });
      loop.stop();
      await loop.runForever();
      expect(lines).toEqual(['1']);
      loop.callSoon(() => loop.stop());
      await loop.runForever();
      expect(lines).toEqual(['1', '2']);
      expect(loop.iterations).toBe(2);
    });
  });

  it('raises asyncio\'s errors: already running, closing a running loop, a closed loop, bad arguments', async () => {
    const loop = new MicroLoop({ clock: new JumpClock() });
    loop.callSoon(() => loop.stop());
    const running = loop.runForever();
    await expect(loop.runForever()).rejects.toMatchObject({ name: 'RuntimeError', code: 'ERR_LOOP_RUNNING', message: 'This event loop is already running' });
    expect(() => loop.close()).toThrow(expect.objectContaining({ code: 'ERR_LOOP_RUNNING', message: 'Cannot close a running event loop' }));
    const other = new MicroLoop();
    await expect(other.runUntilComplete(Promise.resolve())).rejects.toMatchObject({ message: 'Cannot run the event loop while another loop is running' });
    await running;
    await other.runUntilComplete(Promise.resolve());
    other.close();
    loop.close();
    loop.close();
    expect(loop.isClosed()).toBe(true);
    expect(() => loop.callSoon(() => undefined)).toThrow(expect.objectContaining({ code: 'ERR_LOOP_CLOSED', message: 'Event loop is closed' }));
    await expect(loop.runForever()).rejects.toBeInstanceOf(RuntimeError);
    const open = new MicroLoop();
    expect(() => open.callSoon(5 as never)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG' }));
    expect(() => open.callLater('soon' as never, () => undefined)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG' }));
    expect(() => open.callAt(Number.NaN, () => undefined)).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_LOOP_OUT_OF_RANGE' }));
    expect(() => open.callSoon(async function later(): Promise<void> {
      await Promise.resolve();
    })).toThrow('MicroLoop.callSoon(): coroutines cannot be used with callSoon()');
    expect(() => open.createTask(function* (): Coroutine<void> {}, 5 as never)).toThrow(
      expect.objectContaining({ code: 'ERR_LOOP_INVALID_ARG', message: 'createTask(): options must be an object, null or undefined, not 5' }),
    );
    // Argument errors come before "closed" (D3).
    expect(() => loop.callSoonThreadsafe('x' as never)).toThrow(expect.objectContaining({ code: 'ERR_LOOP_INVALID_ARG', message: expect.stringContaining('callSoonThreadsafe') }));
    open.close();
  });

  it('honours a virtual clock: a 30 s timer takes no real time; a clock that does not jump waits until woken', async () => {
    const clock = new JumpClock();
    const started = Date.now();
    await withLoop(async (loop) => {
      loop.callLater(30, () => loop.stop());
      await loop.runForever();
      expect(loop.time()).toBe(30);
    }, clock);
    expect(clock.skips).toEqual([30]);
    expect(Date.now() - started).toBeLessThan(5_000);

    const still = new JumpClock(false);
    await withLoop(async (loop) => {
      const ran: string[] = [];
      loop.callLater(30, () => ran.push('timer'));
      // Nothing moves the clock: only a callback scheduled from outside the loop (a Node timer) wakes it.
      setTimeout(() => loop.callSoon(() => loop.stop()), 20);
      await loop.runForever();
      expect(ran).toEqual([]);
      expect(loop.time()).toBe(0);
    }, still);
  });

  it('in debug mode, logs a callback slower than slowCallbackDuration with asyncio\'s wording', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const loop = new MicroLoop({ debug: true });
      loop.slowCallbackDuration = 0.01;
      function busy(): void {
        const end = Date.now() + 50;
        while (Date.now() < end) {
          // a callback that blocks the loop
        }
      }
      loop.callSoon(busy);
      loop.callSoon(() => loop.stop());
      await loop.runForever();
      loop.setDebug(false);
      loop.callSoon(busy);
      loop.callSoon(() => loop.stop());
      await loop.runForever();
      loop.close();
      expect(warn.mock.calls.map((c) => String(c[0]).replace(/\d+\.\d{3}/, 'N'))).toEqual(['Executing <MicroHandle busy()> took N seconds']);
    } finally {
      warn.mockRestore();
    }
  });
});

describe('third-party-loop: futures and tasks', () => {
  it('schedules done callbacks with callSoon, never inline; removeDoneCallback counts', async () => {
    await withLoop(async (loop) => {
      const fut = loop.createFuture<number>();
      const seen: string[] = [];
      const cb = (): void => void seen.push('removed');
      fut.addDoneCallback(cb);
      fut.addDoneCallback(cb);
      fut.addDoneCallback((f) => seen.push(`done ${f.result()}`));
      expect(fut.removeDoneCallback(cb)).toBe(2);
      expect(() => fut.result()).toThrow(expect.objectContaining({ name: 'InvalidStateError', message: 'Result is not ready.' }));
      fut.setResult(7);
      expect(seen).toEqual([]);
      expect(() => fut.setResult(8)).toThrow(InvalidStateError);
      loop.callSoon(() => loop.stop());
      await loop.runForever();
      expect(seen).toEqual(['done 7']);
    });
  });

  it('a generator task and an async-function task wait for futures (python: "tasks")', async () => {
    const lines: string[] = [];
    await withLoop(async (loop) => {
      async function waiter(fut: Future<number>): Promise<number> {
        lines.push('waiting');
        const v = await fut;
        lines.push(`got ${v}`);
        return v * 2;
      }
      function* gen(fut: Future<number>): Coroutine<number> {
        const v = yield* fut;
        return v + 1;
      }
      const f1 = loop.createFuture<number>();
      loop.callLater(0.01, (v: number) => f1.setResult(v), 21);
      lines.push(String(await loop.runUntilComplete(() => waiter(f1))));
      const f2 = loop.createFuture<number>();
      loop.callLater(0.01, () => f2.setResult(41));
      lines.push(String(await loop.runUntilComplete(gen(f2))));
      lines.push(String(await loop.runUntilComplete(Promise.resolve('a promise'))));
    });
    expect(lines).toEqual(['waiting', 'got 21', '42', '42', 'a promise']);
  });

  it('cancels a waiting task with a message; cancelling() counts, uncancel() takes back (python: "cancellation")', async () => {
    const lines: string[] = [];
    await withLoop(async (loop) => {
      function* main(): Coroutine<void> {
        const fut = loop.createFuture<number>();
        const task = loop.createTask(async () => {
          lines.push('waiting');
          await fut;
        }, { name: 'waiter' });
        yield;
        lines.push(String(task.cancel('stop waiting')), String(task.cancel('again')), String(task.cancelling()));
        try {
          yield* task;
        } catch (e) {
          if (!(e instanceof CancelledError)) throw e;
          lines.push(`task cancelled: ${e.message}`);
        }
        lines.push(`${task.cancelled()} ${fut.cancelled()} ${task.getName()} ${task.uncancel()} ${task.cancel()}`);
      }
      await loop.runUntilComplete(main());
    });
    expect(lines).toEqual(['waiting', 'true', 'true', '2', 'task cancelled: stop waiting', 'true true waiter 1 false']);
  });

  it('a task cancelled before it starts never runs; one that swallows the cancellation finishes with its result', async () => {
    await withLoop(async (loop) => {
      const ran: string[] = [];
      const never = loop.createTask(function* (): Coroutine<void> {
        ran.push('started');
      });
      never.cancel('early');
      await expect(loop.runUntilComplete(never)).rejects.toMatchObject({ name: 'CancelledError', message: 'early' });
      expect(ran).toEqual([]);

      const fut = loop.createFuture();
      const stubborn = loop.createTask(function* (): Coroutine<string> {
        try {
          yield* fut;
        } catch (e) {
          if (!(e instanceof CancelledError)) throw e;
        }
        return 'kept going';
      });
      loop.callSoon(() => stubborn.cancel());
      expect(await loop.runUntilComplete(stubborn)).toBe('kept going');
      expect([stubborn.cancelled(), stubborn.cancelling()]).toEqual([false, 1]);
    });
  });

  it('fails a task that yields something other than a future with asyncio\'s RuntimeError', async () => {
    await withLoop(async (loop) => {
      const five = loop.createTask(function* (): Coroutine<void> {
        yield 5 as never;
      });
      await expect(loop.runUntilComplete(five)).rejects.toMatchObject({ name: 'RuntimeError', code: 'ERR_LOOP_BAD_YIELD', message: 'Task got bad yield: 5' });
      const fut = loop.createFuture();
      const noStar = loop.createTask(function* (): Coroutine<void> {
        yield fut; // `yield` instead of `yield*`
      });
      await expect(loop.runUntilComplete(noStar)).rejects.toThrow(/^yield was used instead of yield\* in task/);
      const other = new MicroLoop();
      const foreign = other.createFuture();
      const elsewhere = loop.createTask(function* (): Coroutine<void> {
        yield* foreign;
      });
      await expect(loop.runUntilComplete(elsewhere)).rejects.toThrow(/got Future <MicroFuture pending> attached to a different loop$/);
      other.close();
    });
  });

  it('routes createTask through the task factory with the options object', async () => {
    await withLoop(async (loop) => {
      const calls: [SchedulingLoop, string | undefined][] = [];
      const factory: TaskFactory = (l, coro, options) => {
        calls.push([l, options.name]);
        return new MicroTask(loop, coro, { ...options, name: 'from the factory' });
      };
      loop.setTaskFactory(factory);
      expect(loop.getTaskFactory()).toBe(factory);
      const task = loop.createTask(function* (): Coroutine<number> {
        return 1;
      }, { name: 'named' });
      expect(calls).toEqual([[loop, 'named']]);
      // As asyncio's create_task, the name given is set on what the factory made.
      expect(task.getName()).toBe('named');
      expect(await loop.runUntilComplete(task)).toBe(1);
      expect(() => loop.setTaskFactory(5 as never)).toThrow(expect.objectContaining({ code: 'ERR_LOOP_INVALID_ARG' }));
    });
  });
});

describe('third-party-loop: errors', () => {
  it('gives the exception handler asyncio\'s context (python: "exception handler")', async () => {
    const contexts: ExceptionContext[] = [];
    await withLoop(async (loop) => {
      function boom(): void {
        throw new RangeError('boom');
      }
      loop.setExceptionHandler((_l, context) => void contexts.push(context));
      const h = loop.callSoon(boom);
      loop.callSoon(() => loop.stop());
      await loop.runForever();
      expect(contexts).toHaveLength(1);
      expect(Object.keys(contexts[0]).sort()).toEqual(['exception', 'handle', 'message']);
      expect(contexts[0]).toMatchObject({ message: 'Exception in callback boom()', handle: h });
      expect(String(h)).toBe('<MicroHandle boom()>');
      h.cancel();
      expect(String(h)).toBe('<MicroHandle cancelled>');
      const later = loop.callAt(5, function show(_a: string, _b: object): void {}, 'x', { toString: (): string => 'an arg' });
      expect(String(later)).toBe('<MicroTimerHandle show("x", an arg) when=5>');
      later.cancel();
      expect((contexts[0].exception as Error).message).toBe('boom');
    });
  });

  it('reports a failing custom handler to the default one, as asyncio does', async () => {
    class Recording extends MicroLoop {
      readonly defaults: ExceptionContext[] = [];
      override defaultExceptionHandler(context: ExceptionContext): void {
        this.defaults.push(context);
      }
    }
    const loop = new Recording({ clock: new JumpClock() });
    const broken = new Error('handler broke');
    loop.setExceptionHandler(() => {
      throw broken;
    });
    loop.callSoon(() => {
      throw new Error('callback broke');
    });
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    loop.close();
    expect(loop.defaults).toHaveLength(1);
    expect(loop.defaults[0]).toMatchObject({ message: 'Unhandled error in exception handler', exception: broken });
    expect((loop.defaults[0].context as ExceptionContext).message).toBe('Exception in callback anonymous()');
    expect(() => loop.setExceptionHandler(5 as never)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG' }));
  });

  it('says what it does not do: NotImplementedError naming the package that provides it; hasCapability() agrees', async () => {
    const loop = new MicroLoop();
    expect(() => loop.runInExecutor(null, () => 1)).toThrow(NotImplementedError);
    expect(() => loop.runInExecutor(null, () => 1)).toThrow(/^runInExecutor requires @loop\/core/);
    await expect(loop.shutdownDefaultExecutor()).rejects.toBeInstanceOf(NotImplementedError);
    expect(['runInExecutor', 'createConnection', 'addReader', 'addSignalHandler'].map((m) => hasCapability(loop, m as never))).toEqual([false, false, false, false]);
    await expect(loop.shutdownAsyncgens()).resolves.toBeUndefined();
    await expect(loop.createConnection(() => ({}) as never, 'localhost', 1)).rejects.toMatchObject({
      code: 'ERR_LOOP_NOT_IMPLEMENTED',
      message: expect.stringContaining('@loop/net'),
    });
    loop.close();
  });
});
