// ThreadPoolExecutor and ProcessPoolExecutor, with real worker threads and
// real child processes. The behaviour every executor shares is written once
// and run against both (describe.each); what differs (how a crash looks) is
// tested per executor below.
//
// The functions submitted here are sent as source text, so they must stay
// self-contained after ts-jest transpiles them (no imports, no outer
// variables). Running jest with coverage instrumentation would break that.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CancelledError, RuntimeError } from '@loop/interfaces';
import { ExecutorWork } from '../src/executors/executor-work.js';
import { ProcessPoolExecutor } from '../src/executors/process-pool-executor.js';
import { ThreadPoolExecutor } from '../src/executors/thread-pool-executor.js';
import type { PoolExecutor } from '../src/executors/pool-executor.js';

let fixtures: string;

beforeAll(() => {
  fixtures = mkdtempSync(join(tmpdir(), 'loop-executors-'));
  writeFileSync(
    join(fixtures, 'work.mjs'),
    [
      'export function hash(s) { let h = 7; for (const c of s) h = (h * 31 + c.charCodeAt(0)) >>> 0; return h; }',
      'export default function twice(x) { return x * 2; }',
      'export const notAFunction = 42;',
      'export async function fail() { const e = new RangeError("from a module"); e.code = "E_MOD"; throw e; }',
    ].join('\n'),
  );
  writeFileSync(join(fixtures, 'work.cjs'), 'exports.add = (a, b) => a + b;\nmodule.exports.kind = "cjs";\n');
  writeFileSync(join(fixtures, 'broken.mjs'), 'throw new Error("broken at load");\n');
  const pkg = join(fixtures, 'app', 'node_modules', 'loop-fixture-pkg');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'loop-fixture-pkg', main: 'index.js' }));
  writeFileSync(join(pkg, 'index.js'), 'exports.greet = (name) => "hello " + name;\n');
});

afterAll(() => {
  rmSync(fixtures, { recursive: true, force: true });
});

/** Blocks the calling thread for `ms` (runs inside a worker). */
function block(ms: number): number {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  return ms;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs inside a worker: blocks until the file `gate` exists, then returns 'released'. */
function held(gate: string): string {
  const { existsSync } = process.getBuiltinModule('node:fs');
  while (!existsSync(gate)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
  return 'released';
}

let gates = 0;
/**
 * A gate for `held`: work that holds a worker until the test opens it, however
 * slow a loaded machine is (a fixed block could end before the test looked).
 */
function gate(): { path: string; open(): void } {
  const path = join(fixtures, `gate-${++gates}`);
  return { path, open: () => writeFileSync(path, '') };
}

/** Waits (at most 30 s) until `work` runs in a worker. */
async function untilRunning(work: { running(): boolean; done(): boolean }): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!work.running() && !work.done() && Date.now() < deadline) await sleep(5);
}

type Make = (options?: { maxWorkers?: number }) => PoolExecutor;

describe.each<[string, Make]>([
  ['ThreadPoolExecutor', (o) => new ThreadPoolExecutor(o)],
  ['ProcessPoolExecutor', (o) => new ProcessPoolExecutor(o)],
])('%s', (name, make) => {
  const api = `${name}.submit()`;
  let executor: PoolExecutor;

  beforeEach(() => {
    executor = make({ maxWorkers: 2 });
  });

  afterEach(async () => {
    await executor.shutdown(true);
  });

  describe('results', () => {
    it('submit(fn, ...args) - resolves with fn(...args), run in another thread or process', async () => {
      const work = executor.submit((a: number, b: number) => a + b, 2, 3);
      expect(work).toBeInstanceOf(ExecutorWork);
      await expect(work).resolves.toBe(5);
      const where = await executor.submit(() => ({
        isMainThread: process.getBuiltinModule('node:worker_threads').isMainThread,
        pid: process.pid,
      }));
      if (name === 'ThreadPoolExecutor') expect(where).toEqual({ isMainThread: false, pid: process.pid });
      else expect(where.pid).not.toBe(process.pid);
    });

    it('an async function - its promise is awaited in the worker', async () => {
      const work = executor.submit(async (x: number) => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        return x * 10;
      }, 4);
      await expect(work).resolves.toBe(40);
    });

    it('arguments and results - cross by structured clone (Map, Set, Uint8Array, Date, BigInt)', async () => {
      const input = {
        map: new Map([['a', 1]]),
        set: new Set([1, 2]),
        bytes: Uint8Array.of(1, 2, 3),
        when: new Date(0),
        big: 2n ** 70n,
      };
      const out = await executor.submit(
        (v: typeof input) => ({
          map: new Map([...v.map].map(([k, n]) => [k + k, n + 1] as [string, number])),
          set: new Set([...v.set, 3]),
          bytes: v.bytes.map((b) => b * 2),
          when: new Date(v.when.getTime() + 1000),
          big: v.big + 1n,
          types: [v.map instanceof Map, v.bytes instanceof Uint8Array, typeof v.big],
        }),
        input,
      );
      expect(out.map).toEqual(new Map([['aa', 2]]));
      expect(out.set).toEqual(new Set([1, 2, 3]));
      expect(out.bytes).toEqual(Uint8Array.of(2, 4, 6));
      expect(out.when).toEqual(new Date(1000));
      expect(out.big).toBe(2n ** 70n + 1n);
      expect(out.types).toEqual([true, true, 'bigint']);
    });

    it('await import() in the function - loads modules in the worker', async () => {
      // Built with new Function: ts-jest would turn a literal import() into require().
      // eslint-disable-next-line @typescript-eslint/no-implied-eval
      const platform = new Function('return import("node:os").then((os) => os.platform())') as () => Promise<string>;
      await expect(executor.submit(platform)).resolves.toBe(process.platform);
    });

    it('a method shorthand - is sent as a function expression', async () => {
      const obj = {
        triple(x: number): number {
          return x * 3;
        },
      };
      await expect(executor.submit(obj.triple, 5)).resolves.toBe(15);
    });

    it('names with any characters, the same source under two names - each runs as itself', async () => {
      // The worker names work by "<kind><name length>:<name><source>": a name
      // holding digits, colons or NUL must not shift where the source begins.
      const named = {
        ['1:\u0000x']: (x: number): number => x + 1,
        [':']: (x: number): number => x + 1,
      };
      await expect(executor.submit(named['1:\u0000x'], 1)).resolves.toBe(2);
      await expect(executor.submit(named[':'], 2)).resolves.toBe(3);
      const many = (...xs: number[]): number => xs.length;
      await expect(executor.submit(many)).resolves.toBe(0);
      await expect(executor.submit(many, 1, 2, 3)).resolves.toBe(3);
    });

    it('work items - start in submission order', async () => {
      const one = make({ maxWorkers: 1 });
      try {
        const record = (i: number): number[] => {
          const g = globalThis as { order?: number[] };
          (g.order ??= []).push(i);
          return g.order;
        };
        const works = [0, 1, 2, 3, 4].map((i) => one.submit(record, i));
        const orders = await Promise.all(works);
        expect(orders[4]).toEqual([0, 1, 2, 3, 4]);
      } finally {
        await one.shutdown();
      }
    });
  });

  describe('functions that cannot be sent', () => {
    it('a closure - rejects with a TypeError saying the function must be self-contained and naming the variable', async () => {
      const factor = 3;
      const scale = (x: number): number => x * factor;
      const err = await executor.submit(scale, 2).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TypeError);
      expect(err).toMatchObject({ code: 'ERR_LOOP_INVALID_ARG' });
      expect((err as Error).message).toBe(
        `${api}: the function must be self-contained: scale refers to factor, which the worker does not have (a function sent to a worker keeps only its source, not the variables it closes over)`,
      );
      expect((err as Error).cause).toBeInstanceOf(Error);
    });

    it('a function using require() - is not self-contained either (use await import())', async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const readsFs = (): unknown => require('node:fs');
      await expect(executor.submit(readsFs)).rejects.toThrow(/must be self-contained: readsFs refers to require/);
    });

    it('non-function work - rejects with a TypeError; submit() itself does not throw', async () => {
      const bad = executor.submit(42 as unknown as () => void);
      await expect(bad).rejects.toThrow(TypeError);
      await expect(bad).rejects.toThrow(`${api}: the work must be a function or a { module, export } reference, got number 42`);
      await expect(executor.submit({ module: 1 } as never)).rejects.toThrow(/needs a string module and a string export/);
    });

    it('a native, bound or class function - rejects with a TypeError saying why it cannot be sent', async () => {
      await expect(executor.submit(Math.max, 1, 2)).rejects.toThrow(
        `${api}: the function max cannot be sent to a worker: it is a native or bound function`,
      );
      const bound = ((x: number) => x).bind(null);
      await expect(executor.submit(bound, 1)).rejects.toThrow(/native or bound function/);
      class Job {}
      await expect(executor.submit(Job as never)).rejects.toThrow(/the function Job cannot be sent to a worker: it is a class/);
    });

    it('arguments that cannot be cloned - reject with a TypeError; the executor goes on', async () => {
      await expect(executor.submit((f: unknown) => typeof f, () => 1)).rejects.toThrow(
        /the arguments of anonymous cannot be sent to a worker: they cannot be structured-cloned/,
      );
      await expect(executor.submit(() => 'still working')).resolves.toBe('still working');
    });

    it('a result that cannot be cloned - rejects with a TypeError; the executor goes on', async () => {
      const makesFunction = (): unknown => () => 1;
      await expect(executor.submit(makesFunction)).rejects.toThrow(
        /the result of makesFunction cannot be sent back from the worker/,
      );
      await expect(executor.submit(() => 'still working')).resolves.toBe('still working');
    });
  });

  describe('module references', () => {
    it('{ module: absolute path, export } - runs the exported function (ESM)', async () => {
      await expect(executor.submit({ module: join(fixtures, 'work.mjs'), export: 'hash' }, 'abc')).resolves.toBe(
        ((7 * 31 + 97) * 31 + 98) * 31 + 99,
      );
    });

    it('{ module: file: URL, export: "default" } - runs the default export', async () => {
      const module = pathToFileURL(join(fixtures, 'work.mjs')).href;
      await expect(executor.submit({ module, export: 'default' }, 21)).resolves.toBe(42);
    });

    it('{ module: a CommonJS file, export } - runs the exported function', async () => {
      await expect(executor.submit({ module: join(fixtures, 'work.cjs'), export: 'add' }, 2, 5)).resolves.toBe(7);
    });

    it('{ module: a package name } - is resolved from the current working directory', async () => {
      const cwd = process.cwd();
      process.chdir(join(fixtures, 'app'));
      const local = make({ maxWorkers: 1 });
      try {
        await expect(local.submit({ module: 'loop-fixture-pkg', export: 'greet' }, 'loop')).resolves.toBe(
          'hello loop',
        );
        await expect(local.submit({ module: 'node:path', export: 'basename' }, '/a/b.txt')).resolves.toBe('b.txt');
      } finally {
        process.chdir(cwd);
        await local.shutdown();
      }
    });

    it('the same reference object changed between submissions - runs what it names now', async () => {
      const ref = { module: join(fixtures, 'work.mjs'), export: 'default' };
      await expect(executor.submit(ref, 21)).resolves.toBe(42);
      ref.export = 'hash';
      await expect(executor.submit(ref, 'a')).resolves.toBe(7 * 31 + 97);
      ref.module = join(fixtures, 'work.cjs');
      ref.export = 'add';
      await expect(executor.submit(ref, 1, 2)).resolves.toBe(3);
    });

    it('a missing export or one that is not a function - rejects with a TypeError', async () => {
      const module = join(fixtures, 'work.mjs');
      await expect(executor.submit({ module, export: 'nope' })).rejects.toThrow(
        `${api}: the work reference ${module}#nope has no such export`,
      );
      await expect(executor.submit({ module, export: 'notAFunction' })).rejects.toThrow(
        /exports a number there, not a function/,
      );
    });

    it('a module that throws at load - rejects with its error; the executor goes on', async () => {
      await expect(executor.submit({ module: join(fixtures, 'broken.mjs'), export: 'x' })).rejects.toThrow(
        'broken at load',
      );
      await expect(executor.submit({ module: join(fixtures, 'work.mjs'), export: 'default' }, 1)).resolves.toBe(2);
    });

    it('a relative path - rejects with a RangeError naming the rule', async () => {
      await expect(executor.submit({ module: './work.mjs', export: 'hash' })).rejects.toThrow(RangeError);
      await expect(executor.submit({ module: './work.mjs', export: 'hash' })).rejects.toThrow(
        /is a relative path; it must be an absolute path, a file: URL or a package name/,
      );
    });
  });

  describe('exceptions', () => {
    it('an exception in the worker - arrives with its class, message, stack, code and cause', async () => {
      const failing = function failingWork(): never {
        const err = new RangeError('out of range in the worker', { cause: new Error('root cause') });
        (err as RangeError & { code: string }).code = 'E_WORK';
        throw err;
      };
      const err = (await executor.submit(failing).then(
        () => null,
        (e: unknown) => e,
      )) as RangeError & { code: string };
      expect(err).toBeInstanceOf(RangeError);
      expect(err.message).toBe('out of range in the worker');
      expect(err.code).toBe('E_WORK');
      expect(err.stack).toMatch(/^RangeError: out of range in the worker\n\s+at failingWork \(loop-executor-work:failingWork/);
      expect(err.cause).toBeInstanceOf(Error);
      expect((err.cause as Error).message).toBe('root cause');
    });

    it('an exception from a module function - keeps its name and code', async () => {
      const work = executor.submit({ module: join(fixtures, 'work.mjs'), export: 'fail' });
      await expect(work).rejects.toThrow(RangeError);
      await expect(work).rejects.toMatchObject({ message: 'from a module', code: 'E_MOD' });
    });

    it('a thrown non-error - rejects with the value', async () => {
      const throwsValue = (): never => {
        throw { reason: 'plain object' };
      };
      await expect(executor.submit(throwsValue)).rejects.toEqual({ reason: 'plain object' });
    });
  });

  describe('cancel()', () => {
    it('work that has not started - cancel() returns true, it rejects with CancelledError and never runs', async () => {
      const one = make({ maxWorkers: 1 });
      const g = gate();
      try {
        const busy = one.submit(held, g.path);
        await untilRunning(busy);
        expect(busy.running()).toBe(true);
        const ran = (): string => {
          (globalThis as { ran?: boolean }).ran = true;
          return 'ran';
        };
        const queued = one.submit(ran);
        expect(queued.cancel()).toBe(true);
        expect(queued.cancel()).toBe(true);
        await expect(queued).rejects.toThrow(CancelledError);
        g.open();
        await expect(busy).resolves.toBe('released');
        await expect(one.submit(() => (globalThis as { ran?: boolean }).ran ?? false)).resolves.toBe(false);
      } finally {
        g.open();
        await one.shutdown();
      }
    });

    it('work that is running - cancel() returns false and it completes normally', async () => {
      const one = make({ maxWorkers: 1 });
      const g = gate();
      try {
        const busy = one.submit(held, g.path);
        await untilRunning(busy);
        expect(busy.running()).toBe(true);
        expect(busy.cancel()).toBe(false);
        g.open();
        await expect(busy).resolves.toBe('released');
        expect(busy.cancel()).toBe(false);
        expect(busy.state).toBe('finished');
      } finally {
        g.open();
        await one.shutdown();
      }
    });
  });

  describe('shutdown()', () => {
    it('shutdown(true) - resolves after running and queued work finished; submit() then rejects with RuntimeError', async () => {
      const works = [executor.submit(block, 150), executor.submit(block, 150), executor.submit(block, 50)];
      await executor.shutdown(true);
      expect(works.map((w) => w.state)).toEqual(['finished', 'finished', 'finished']);
      expect(executor.state).toBe('shut-down');
      const late = executor.submit(() => 1);
      await expect(late).rejects.toThrow(RuntimeError);
      await expect(late).rejects.toThrow(`${api}: cannot schedule new futures after shutdown`);
      await expect(executor.shutdown()).resolves.toBeUndefined();
    });

    it('shutdown(false) - resolves at once; the submitted work still completes', async () => {
      const work = executor.submit(block, 200);
      await executor.shutdown(false);
      expect(executor.state).toBe('shutting-down');
      await expect(work).resolves.toBe(200);
      await executor.shutdown(true);
      expect(executor.state).toBe('shut-down');
    });

    it('await using - shuts the executor down on leaving the block', async () => {
      let escaped: PoolExecutor;
      {
        await using ex = make({ maxWorkers: 1 });
        escaped = ex;
        await expect(ex.submit(() => 'inside')).resolves.toBe('inside');
      }
      expect(escaped.state).toBe('shut-down');
    });
  });

  describe('a worker that crashes', () => {
    it('process.exit() in the work - fails only its own work with a RuntimeError; the pool replaces the worker', async () => {
      const exits = (): never => process.exit(3);
      const neighbour = executor.submit(block, 300);
      await sleep(50);
      const crash = executor.submit(exits);
      await expect(crash).rejects.toThrow(RuntimeError);
      await expect(crash).rejects.toThrow(
        `${api}: the worker ${name === 'ThreadPoolExecutor' ? 'thread' : 'process'} running exits exited with code 3 before the work finished; the pool replaces it`,
      );
      await expect(neighbour).resolves.toBe(300);
      await expect(executor.submit((x: number) => x + 1, 1)).resolves.toBe(2);
    });
  });

  it('toString() - names the executor, its size and state; work names what runs', async () => {
    expect(String(executor)).toBe(`<${name} maxWorkers=2 open>`);
    const work = executor.submit(function answer() {
      return 42;
    });
    expect(String(work)).toMatch(new RegExp(`^<ExecutorWork ${name} answer (pending|running)>$`));
    await work;
    expect(String(work)).toBe(`<ExecutorWork ${name} answer finished>`);
  });

  it('options - maxWorkers must be a positive integer', () => {
    expect(() => make({ maxWorkers: 0 })).toThrow(RangeError);
    expect(() => make({ maxWorkers: 0 })).toThrow(`${name}(): maxWorkers must be a positive integer, got 0`);
    expect(() => make({ maxWorkers: 'two' as unknown as number })).toThrow(TypeError);
    expect(make().maxWorkers).toBeGreaterThanOrEqual(1);
  });
});

describe('ProcessPoolExecutor', () => {
  it('a worker process killed by a signal - fails its work naming the signal; the next submission works', async () => {
    const executor = new ProcessPoolExecutor({ maxWorkers: 1 });
    try {
      const killsItself = (): never => {
        process.kill(process.pid, 'SIGKILL');
        throw new Error('unreachable');
      };
      await expect(executor.submit(killsItself)).rejects.toThrow(/running killsItself was killed by SIGKILL/);
      await expect(executor.submit(() => process.pid)).resolves.toEqual(expect.any(Number));
    } finally {
      await executor.shutdown();
    }
  });
});

describe('ExecutorWork', () => {
  it('cancel() while pending - asks the executor once; true and idempotent when withdrawn', async () => {
    let asked = 0;
    const work = new ExecutorWork<number>('test', { withdraw: () => (++asked, true) });
    expect(work.state).toBe('pending');
    expect(work.cancel()).toBe(true);
    expect(work.cancel()).toBe(true);
    expect(asked).toBe(1);
    expect(work.cancelled() && work.done()).toBe(true);
    work._settle(true, 1); // ignored once cancelled
    await expect(work).rejects.toThrow(CancelledError);
  });

  it('cancel() when the worker claimed the work first - false, and the work is running', () => {
    const work = new ExecutorWork<number>('test', { withdraw: () => false });
    expect(work.cancel()).toBe(false);
    expect(work.running()).toBe(true);
    work._settle(true, 7);
    expect(work.state).toBe('finished');
    expect(work.cancel()).toBe(false);
  });

  it('a rejected work nobody awaits - is not an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      new ExecutorWork<number>('test', { withdraw: () => true }).cancel();
      await sleep(10);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
