/**
 * The test runner the suites define their tests with, held as a value so the
 * suites run under jest, `node:test` or Vitest alike (ADR 0008).
 *
 * HOW: the suites import `describe`, `test`, `it` and the hooks from here
 * (and `expect` from the standalone `expect` package). Each forwards to the
 * current runner: the one `runConformance(..., { runner })` set with
 * {@link withRunner} for the time the suites are being defined, else the
 * runner's globals (`describe`, `test`, `beforeEach`... on `globalThis`, as
 * jest and Vitest with `globals: true` provide them). `node:test` has no
 * globals: pass {@link nodeTestRunner}`(await import('node:test'))`.
 *
 * The kit's own bookkeeping lives here too: {@link withSuite} says which
 * suite is being defined, what the loop claims and what is expected to fail;
 * {@link defineTest} (which every harness calls) leaves out the tests whose
 * capabilities the loop lacks ("not applicable"), turns a listed failure into
 * an expected failure and a listed pass into a failure ("unexpectedly
 * passing"), and reports each outcome to the kit's recorder.
 */
import { loopError } from '@loop/interfaces';

/** A test body: sync or async, no arguments. */
export type TestFn = () => void | Promise<void>;

/**
 * What the suites need of a test runner, in jest's and Vitest's call shapes:
 * `test(title, fn, timeoutMs)`. `beforeAll`/`afterAll` are optional (only
 * the signals suite uses them; it says so when they are missing).
 */
export interface TestRunner {
  /** Groups the tests `fn` defines under `title`. */
  describe(title: string, fn: () => void): void;
  /** Defines one test; `timeout` in milliseconds. */
  test(title: string, fn: TestFn, timeout?: number): void;
  /** Runs `fn` before each test of the current group. */
  beforeEach(fn: TestFn): void;
  /** Runs `fn` after each test of the current group. */
  afterEach(fn: TestFn): void;
  /** Runs `fn` once before the current group's tests. */
  beforeAll?(fn: TestFn): void;
  /** Runs `fn` once after the current group's tests. */
  afterAll?(fn: TestFn): void;
}

/** The part of `node:test`'s module that {@link nodeTestRunner} uses. */
export interface NodeTestModule {
  /** `node:test`'s `describe`. */
  describe(name: string, fn: () => void): unknown;
  /** `node:test`'s `test`, with its options. */
  test(name: string, options: { timeout?: number }, fn: () => unknown): unknown;
  /** `node:test`'s `beforeEach`. */
  beforeEach(fn: () => unknown): void;
  /** `node:test`'s `afterEach`. */
  afterEach(fn: () => unknown): void;
  /** `node:test`'s `before`. */
  before(fn: () => unknown): void;
  /** `node:test`'s `after`. */
  after(fn: () => unknown): void;
}

/**
 * Adapts `node:test` to {@link TestRunner}:
 * `runConformance(name, newLoop, { runner: nodeTestRunner(await import('node:test')) })`.
 */
export function nodeTestRunner(nodeTest: NodeTestModule): TestRunner {
  return {
    describe: (title, fn) => void nodeTest.describe(title, fn),
    test: (title, fn, timeout) => void nodeTest.test(title, timeout === undefined ? {} : { timeout }, () => fn()),
    beforeEach: (fn) => nodeTest.beforeEach(() => fn()),
    afterEach: (fn) => nodeTest.afterEach(() => fn()),
    beforeAll: (fn) => nodeTest.before(() => fn()),
    afterAll: (fn) => nodeTest.after(() => fn()),
  };
}

let current: TestRunner | undefined;

/** Runs `define` with `runner` as the current runner (restored after). */
export function withRunner<T>(runner: TestRunner | undefined, define: () => T): T {
  if (runner === undefined) return define();
  const saved = current;
  current = runner;
  try {
    return define();
  } finally {
    current = saved;
  }
}

/** The runner's globals (jest, Vitest with `globals: true`), or `undefined`. */
function globalRunner(): TestRunner | undefined {
  const g = globalThis as Record<string, unknown>;
  const fn = (name: string): ((...args: never[]) => void) | undefined =>
    typeof g[name] === 'function' ? (g[name] as (...args: never[]) => void) : undefined;
  const describe = fn('describe');
  const test = fn('test') ?? fn('it');
  const beforeEach = fn('beforeEach');
  const afterEach = fn('afterEach');
  if (describe === undefined || test === undefined || beforeEach === undefined || afterEach === undefined) return undefined;
  const runner: TestRunner = {
    describe,
    test,
    beforeEach,
    afterEach,
    beforeAll: fn('beforeAll') ?? fn('before'),
    afterAll: fn('afterAll') ?? fn('after'),
  };
  return runner;
}

/** The current runner; throws when there is none. */
export function currentRunner(): TestRunner {
  const runner = current ?? globalRunner();
  if (runner === undefined) {
    throw loopError(
      Error,
      'ERR_LOOP_RUNTIME',
      '@loop/conformance: no test runner: pass { runner } to runConformance() (nodeTestRunner(await import("node:test")) for node:test), or run under jest or Vitest with globals',
    );
  }
  return runner;
}

/**
 * `describe` of the current runner. The body runs with the runner and the
 * suite being defined that were current at this call: jest and `node:test`
 * run it during the call, but Vitest collects the file first and runs each
 * body after its `describe` returned.
 */
export function describe(title: string, fn: () => void): void {
  const runner = currentRunner();
  const context = suiteContext;
  runner.describe(title, () => {
    const saved = { runner: current, context: suiteContext };
    current = runner;
    suiteContext = context;
    try {
      fn();
    } finally {
      current = saved.runner;
      suiteContext = saved.context;
    }
  });
}

/** `test` of the current runner (`timeout` in milliseconds). */
export function test(title: string, fn: TestFn, timeout?: number): void {
  currentRunner().test(title, fn, timeout);
}

/** Same as {@link test}. */
export const it = test;

/** `beforeEach` of the current runner. */
export function beforeEach(fn: TestFn): void {
  currentRunner().beforeEach(fn);
}

/** `afterEach` of the current runner. */
export function afterEach(fn: TestFn): void {
  currentRunner().afterEach(fn);
}

/** `beforeAll` of the current runner (`before` in `node:test`). */
export function beforeAll(fn: TestFn): void {
  const runner = currentRunner();
  if (runner.beforeAll === undefined) {
    throw loopError(Error, 'ERR_LOOP_RUNTIME', '@loop/conformance: beforeAll(): the test runner has no beforeAll hook');
  }
  runner.beforeAll(fn);
}

/** `afterAll` of the current runner (`after` in `node:test`). */
export function afterAll(fn: TestFn): void {
  const runner = currentRunner();
  if (runner.afterAll === undefined) {
    throw loopError(Error, 'ERR_LOOP_RUNTIME', '@loop/conformance: afterAll(): the test runner has no afterAll hook');
  }
  runner.afterAll(fn);
}

/** How one test of a kit run ended. */
export type TestOutcome = 'passed' | 'failed' | 'expected-fail' | 'unexpected-pass' | 'n/a';

/** One outcome, as the kit's recorder receives it. */
export interface TestRecord {
  /** The suite's name in the list. */
  suite: string;
  /** The test's title. */
  title: string;
  /** Whether the loop ran in debug mode. */
  debug: boolean;
  /** How the test ended. */
  outcome: TestOutcome;
  /** The failure's text, the expectation's reason, or the missing capabilities. */
  detail?: string;
}

/** What the kit knows while a suite is being defined. */
export interface SuiteContext {
  /** The suite's name in the list (`tasks`, `streams`). */
  readonly suite: string;
  /** Debug mode of this pass. */
  readonly debug: boolean;
  /** What the loop claims. */
  readonly capabilities: ReadonlySet<string>;
  /** What the suite needs (checked already: the loop has them). */
  readonly needs: readonly string[];
  /** `"suite/test title"` → why it is expected to fail. */
  readonly expectations: ReadonlyMap<string, string>;
  /** Receives every outcome (the CLI writes them out). */
  readonly record?: (record: TestRecord) => void;
}

let suiteContext: SuiteContext | undefined;

/** Runs `define` with `context` as the suite being defined. */
export function withSuite<T>(context: SuiteContext, define: () => T): T {
  const saved = suiteContext;
  suiteContext = context;
  try {
    return define();
  } finally {
    suiteContext = saved;
  }
}

/** What a test declares it needs, on top of its suite. */
export interface TestNeeds {
  /** Capabilities this test needs besides its suite's (e.g. `['stats']`). */
  needs?: readonly string[];
}

/** The capabilities a test may use: its suite's and its own; `undefined` outside a kit run (no checks). */
export function declaredCapabilities(own: readonly string[] = []): ReadonlySet<string> | undefined {
  if (suiteContext === undefined) return undefined;
  return new Set([...suiteContext.needs, ...own]);
}

/** `Error.prototype.toString`-like text of a failure, never throwing. */
function failureText(e: unknown): string {
  try {
    if (e instanceof Error) return `${e.name}: ${e.message}`;
    return String(e);
  } catch {
    return '<unprintable failure>';
  }
}

/**
 * Defines one test through the current runner, with the kit's rules: left
 * out (and recorded "n/a") when the loop lacks a capability in `needs`;
 * inverted when listed in the expectations; recorded either way.
 */
export function defineTest(title: string, body: () => Promise<void>, timeout: number, needs: readonly string[] = []): void {
  const ctx = suiteContext;
  if (ctx === undefined) {
    test(title, body, timeout);
    return;
  }
  const missing = [...new Set([...ctx.needs, ...needs])].filter((c) => !ctx.capabilities.has(c));
  if (missing.length > 0) {
    ctx.record?.({ suite: ctx.suite, title, debug: ctx.debug, outcome: 'n/a', detail: `needs ${missing.join(', ')}` });
    return;
  }
  const why = ctx.expectations.get(`${ctx.suite}/${title}`);
  const record = (outcome: TestOutcome, detail?: string): void =>
    ctx.record?.({ suite: ctx.suite, title, debug: ctx.debug, outcome, ...(detail === undefined ? {} : { detail }) });
  test(
    title,
    async () => {
      let failure: { error: unknown } | undefined;
      // A test may wait for something no Node handle stands for (a signal to
      // this process): node:test ends a test whose promise is pending when
      // Node's event loop has nothing left, so the body holds a timer.
      const keepAlive = setInterval(() => undefined, 2 ** 30);
      try {
        await body();
      } catch (error) {
        failure = { error };
      } finally {
        clearInterval(keepAlive);
      }
      if (why !== undefined) {
        if (failure !== undefined) {
          record('expected-fail', why);
          return;
        }
        record('unexpected-pass', why);
        throw loopError(
          Error,
          'ERR_LOOP_RUNTIME',
          `unexpectedly passing: "${ctx.suite}/${title}" is listed in the expectations (${why}); remove it from the list`,
        );
      }
      if (failure !== undefined) {
        record('failed', failureText(failure.error));
        throw failure.error;
      }
      record('passed');
    },
    timeout,
  );
}

/** What the loop under test claims, while a suite is being defined in a kit run; else `undefined`. */
export function claimedCapabilities(): ReadonlySet<string> | undefined {
  return suiteContext?.capabilities;
}
