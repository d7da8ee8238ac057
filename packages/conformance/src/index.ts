/**
 * `@loop/conformance`: the behaviour suites that every `@loop` event loop runs.
 * Each suite takes a `newLoop()` factory, so BaseEventLoop, the selector loop
 * and the proactor loop are held to the same behaviours: asyncio 3.11's, as
 * CPython's own tests pin them (catalogued in this package's catalog.md,
 * whose IDs the suites cite) and as the traces of the CPython scripts in
 * oracle/ show them. The differences that stay are numbered in
 * docs/deviations.md.
 *
 * HOW. {@link suites} is the one list of suites, scheduling and network.
 * {@link runConformance} defines them for one loop, in a jest file of the
 * package that owns the loop:
 *
 *   runConformance('BaseEventLoop', (o) => new BaseEventLoop(o));
 *   runConformance('ProactorEventLoop', (o) => new ProactorNetLoop(o), { network: true });
 *   runConformance('SelectorEventLoop', (o) => new SelectorNetLoop(null, o), { network: true, readiness: true });
 *
 * A third kind, the readiness suites, holds what only a loop whose backend
 * watches file descriptors has (`addReader`, the `sock*` operations on
 * `@loop/socket` sockets); they run only when the caller says the loop has
 * them (`readiness: true`).
 *
 * A loop with I/O splits its run over several jest files (`only`), so that
 * jest runs them in parallel; each file still goes through this entry point.
 *
 * @packageDocumentation
 */
import { loopError } from '@loop/interfaces';
import { describe, withRunner, withSuite, type TestRecord, type TestRunner } from './runner.js';
import { baseEventLoopSuite } from './base-event-loop.suite.js';
import { contextSuite } from './context.suite.js';
import { debugSuite } from './debug.suite.js';
import { exceptionHandlerSuite } from './exception-handler.suite.js';
import { futuresSuite } from './futures.suite.js';
import { handlesSuite } from './handles.suite.js';
import { asCompletedSuite } from './as-completed.suite.js';
import { ensureFutureSuite } from './ensure-future.suite.js';
import { gatherSuite } from './gather.suite.js';
import { locksSuite } from './locks.suite.js';
import { queuesSuite } from './queues.suite.js';
import { shieldSuite } from './shield.suite.js';
import { waitForSuite } from './wait-for.suite.js';
import { waitSuite } from './wait.suite.js';
import type { LoopFactory, SuiteOptions } from './harness.js';
import {
  connectionSuite,
  datagramSuite,
  datagramTransportSuite,
  dnsSuite,
  sendfileSuite,
  serverSuite,
  streamReaderSuite,
  streamReaderUntilSuite,
  streamsFlowSuite,
  streamsSuite,
  streamsUnixSuite,
  streamTransportSuite,
  pipesSuite,
  signalsSuite,
  tlsSuite,
  unixSuite,
  writeErrorsSuite,
} from './net/index.js';
import type { NetLoop, NetLoopFactory } from './net/harness.js';
import { subprocessSuite } from './net/subprocess.suite.js';
export { subprocessSuite } from './net/subprocess.suite.js';
import { fdWatchingSuite, sockMethodsSuite } from './readiness/index.js';
import type { ReadinessLoopFactory } from './readiness/harness.js';
import { oracleHelpersSuite } from './oracle-helpers.suite.js';
import { oracleRunningSuite } from './oracle-running.suite.js';
import { oracleSchedulingSuite } from './oracle-scheduling.suite.js';
import { oracleTasksSuite } from './oracle-tasks.suite.js';
import { policiesSuite } from './policies.suite.js';
import { sleepSuite } from './sleep.suite.js';
import { runnerSuite } from './runner.suite.js';
import { taskGroupsSuite } from './task-groups.suite.js';
import { tasksSuite } from './tasks.suite.js';
import { timeoutsSuite } from './timeouts.suite.js';

export * from './net/index.js';
export * from './readiness/index.js';
export { baseEventLoopSuite } from './base-event-loop.suite.js';
export { contextSuite } from './context.suite.js';
export { debugSuite } from './debug.suite.js';
export { contextKeys, exceptionHandlerSuite } from './exception-handler.suite.js';
export { futuresSuite } from './futures.suite.js';
export { handlesSuite } from './handles.suite.js';
export { asCompletedSuite } from './as-completed.suite.js';
export { ensureFutureSuite } from './ensure-future.suite.js';
export { gatherSuite } from './gather.suite.js';
export { LOCKS_TRACE_LINES, locksSuite } from './locks.suite.js';
export { queuesSuite } from './queues.suite.js';
export { shieldSuite } from './shield.suite.js';
export { waitForSuite } from './wait-for.suite.js';
export { waitSuite } from './wait.suite.js';
export {
  LoopTest,
  defineLoopTest,
  errorText,
  rejection,
  thrown,
  trace,
  type LogRecord,
  type LoopFactory,
  type LoopFactoryOptions,
  type LoopIt,
  type LoopTestOptions,
  type SuiteOptions,
  type Trace,
  type TraceOptions,
} from './harness.js';
export {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  currentRunner,
  describe,
  it,
  nodeTestRunner,
  test,
  withRunner,
  type NodeTestModule,
  type TestFn,
  type TestOutcome,
  type TestRecord,
  type TestRunner,
} from './runner.js';
export { checkTarget, loadTarget, runTarget, suiteNames, type KitLoopOptions, type KitTarget, type LoadedTarget, type RunTargetOptions } from './kit.js';
export { defineKitSuite, formatReport, main, type CliHost, type KitReport, type SuiteReport, type TestEvent } from './cli.js';
export { oracleHelpersSuite } from './oracle-helpers.suite.js';
export { oracleRunningSuite } from './oracle-running.suite.js';
export { oracleSchedulingSuite } from './oracle-scheduling.suite.js';
export { oracleTasksSuite } from './oracle-tasks.suite.js';
export { policiesSuite } from './policies.suite.js';
export { sleepSuite } from './sleep.suite.js';
export { runnerSuite } from './runner.suite.js';
export { taskGroupsSuite } from './task-groups.suite.js';
export { tasksSuite } from './tasks.suite.js';
export { timeoutsSuite } from './timeouts.suite.js';

/**
 * The capabilities a loop can claim (its manifest, ADR 0008), each a group
 * of behaviour some suites or tests need:
 *
 * - `scheduling`: callSoon/callLater/futures/tasks/run*, close, the exception handler;
 * - `virtual-clock`: the loop honours `options.clock` (reads time only from it, calls `skip()`);
 * - `stats`: `@loop/core`'s `loopStats(loop)` works on it (a `BaseEventLoop`);
 * - `network`: createConnection/createServer/datagram endpoints/DNS/streams;
 * - `unix`: Unix sockets; `tls`; `pipes`: connectReadPipe/connectWritePipe;
 * - `sendfile`; `fd-watching`: addReader/addWriter; `sock-methods`: sock* on `@loop/socket` sockets;
 * - `subprocess`; `signals`: addSignalHandler/removeSignalHandler.
 */
export const CAPABILITIES = [
  'scheduling',
  'virtual-clock',
  'stats',
  'network',
  'unix',
  'tls',
  'pipes',
  'sendfile',
  'fd-watching',
  'sock-methods',
  'subprocess',
  'signals',
] as const;

/** One name of {@link CAPABILITIES}. */
export type KitCapability = (typeof CAPABILITIES)[number];

/** A scheduling suite: runs on any loop, in virtual time when the loop honours the harness's clock. */
export type SchedulingSuite = (newLoop: LoopFactory, options: SuiteOptions) => void;

/** A network suite: needs an I/O backend and `@loop/net`, on the real clock. */
export type NetworkSuite = (newLoop: NetLoopFactory) => void;

/**
 * A readiness suite: needs what a loop whose backend watches file
 * descriptors has (fd watching, the `sock*` operations on `@loop/socket`
 * sockets) besides `@loop/net`, on the real clock.
 */
export type ReadinessSuite = (newLoop: ReadinessLoopFactory) => void;

/** One entry of {@link suites}: its name, kind, definition and the capabilities every test of it needs. */
export type ConformanceSuite =
  | { readonly name: string; readonly kind: 'scheduling'; readonly define: SchedulingSuite; readonly needs: readonly KitCapability[] }
  | { readonly name: string; readonly kind: 'network'; readonly define: NetworkSuite; readonly needs: readonly KitCapability[] }
  | { readonly name: string; readonly kind: 'readiness'; readonly define: ReadinessSuite; readonly needs: readonly KitCapability[] };

const scheduling = (name: string, define: SchedulingSuite, needs: readonly KitCapability[] = []): ConformanceSuite => ({
  name,
  kind: 'scheduling',
  define,
  needs: ['scheduling', ...needs],
});
const network = (name: string, define: NetworkSuite, needs: readonly KitCapability[] = ['network']): ConformanceSuite => ({
  name,
  kind: 'network',
  define,
  needs: ['scheduling', ...needs],
});
const readiness = (name: string, define: ReadinessSuite, needs: readonly KitCapability[]): ConformanceSuite => ({
  name,
  kind: 'readiness',
  define,
  needs: ['scheduling', 'network', ...needs],
});

/**
 * Every suite, in the order they run: the scheduling suites, the network
 * ones, then the readiness ones (`readiness/*.suite.ts`). A suite's name is its file's (`streams` for
 * `net/streams.suite.ts`); a loop that splits its run over jest files names
 * each file after the suite it runs (`proactor-streams.test.ts`). `needs`
 * lists what every test of the suite needs; a test may need more (its
 * `{ needs }` option).
 */
export const suites: readonly ConformanceSuite[] = [
  scheduling('base-event-loop', baseEventLoopSuite),
  scheduling('handles', handlesSuite),
  scheduling('exception-handler', exceptionHandlerSuite),
  scheduling('futures', futuresSuite),
  scheduling('tasks', tasksSuite),
  scheduling('sleep', sleepSuite),
  scheduling('gather', gatherSuite),
  scheduling('shield', shieldSuite),
  scheduling('wait', waitSuite),
  scheduling('wait-for', waitForSuite),
  scheduling('as-completed', asCompletedSuite),
  scheduling('ensure-future', ensureFutureSuite),
  scheduling('timeouts', timeoutsSuite),
  scheduling('task-groups', taskGroupsSuite),
  scheduling('locks', locksSuite),
  scheduling('queues', queuesSuite),
  scheduling('context', contextSuite),
  scheduling('policies', policiesSuite),
  scheduling('runner', runnerSuite),
  scheduling('debug', debugSuite),
  scheduling('oracle-scheduling', oracleSchedulingSuite, ['stats', 'virtual-clock']),
  scheduling('oracle-running', oracleRunningSuite, ['stats', 'virtual-clock']),
  scheduling('oracle-tasks', oracleTasksSuite, ['stats', 'virtual-clock']),
  scheduling('oracle-helpers', oracleHelpersSuite, ['stats', 'virtual-clock']),
  network('stream-transport', streamTransportSuite),
  network('write-errors', writeErrorsSuite),
  network('datagram-transport', datagramTransportSuite),
  network('connection', connectionSuite),
  network('server', serverSuite),
  network('datagram', datagramSuite),
  network('unix', unixSuite, ['network', 'unix']),
  network('dns', dnsSuite),
  network('stream-reader', streamReaderSuite),
  network('stream-reader-until', streamReaderUntilSuite),
  network('streams', streamsSuite),
  network('streams-flow', streamsFlowSuite),
  network('streams-unix', streamsUnixSuite, ['network', 'unix']),
  network('tls', tlsSuite, ['network', 'tls']),
  network('sendfile', sendfileSuite, ['network', 'sendfile']),
  readiness('fd-watching', fdWatchingSuite, ['fd-watching']),
  readiness('sock-methods', sockMethodsSuite, ['sock-methods']),
  network('pipes', pipesSuite, ['pipes']),
  network('signals', signalsSuite, ['signals']),
  network('subprocess', subprocessSuite, ['subprocess']),
];

/** Options of {@link runConformance}. */
export interface ConformanceOptions {
  /**
   * Run with debug mode off, on, or both (the default: every suite runs
   * twice, as STYLE.md asks).
   */
  debug?: boolean | 'both';
  /**
   * What the loop claims (names of {@link CAPABILITIES}). A suite or test
   * needing anything else is not applicable: left out, and recorded `n/a`.
   * Default: `scheduling`, `virtual-clock`, `stats`, plus every network
   * group with `network: true` and `fd-watching`, `sock-methods` with
   * `readiness: true` (what our loops claim).
   */
  capabilities?: readonly string[];
  /** Shorthand for the network groups of the default `capabilities`. */
  network?: boolean;
  /** Shorthand for `fd-watching` and `sock-methods` in the default `capabilities` (with `network`). */
  readiness?: boolean;
  /**
   * Run only part of the list, in the list's order: `'scheduling'`,
   * `'network'`, `'readiness'`, or suites given by name or by function. Every one must be
   * in {@link suites} (a suite missing from the list would go unrun on the
   * other loops). Default: the whole list.
   */
  only?: 'scheduling' | 'network' | 'readiness' | ReadonlyArray<string | SchedulingSuite | NetworkSuite | ReadinessSuite>;
  /**
   * Tests expected to fail: `{ "suite/test title": "why" }`. A listed test
   * that fails passes as an expected failure; one that passes fails
   * ("unexpectedly passing"), so the list cannot rot.
   */
  expectations?: Readonly<Record<string, string>>;
  /** The test runner to define the tests with (default: the runner's globals, as jest's). */
  runner?: TestRunner;
  /** Receives each test's outcome (n/a ones while defining, the others as they finish). */
  record?: (record: TestRecord) => void;
}

/** The capabilities {@link ConformanceOptions} claim. */
export function claimedBy(options: ConformanceOptions = {}): Set<string> {
  if (options.capabilities !== undefined) {
    for (const c of options.capabilities) {
      if (!(CAPABILITIES as readonly string[]).includes(c)) {
        throw loopError(
          TypeError,
          'ERR_LOOP_INVALID_ARG',
          `runConformance(): capabilities: '${String(c)}' is not a capability of the kit; the names are ${CAPABILITIES.join(', ')}`,
        );
      }
    }
    return new Set(options.capabilities);
  }
  const claimed = new Set<string>(['scheduling', 'virtual-clock', 'stats']);
  if (options.network === true) for (const c of ['network', 'unix', 'tls', 'pipes', 'sendfile', 'subprocess', 'signals']) claimed.add(c);
  if (options.network === true && options.readiness === true) for (const c of ['fd-watching', 'sock-methods']) claimed.add(c);
  return claimed;
}

/** The entries of {@link suites} that `options.only` selects; throws on a name or a suite not in the list. */
export function selectSuites(options: ConformanceOptions = {}): ConformanceSuite[] {
  const { only } = options;
  if (only === undefined) return [...suites];
  if (only === 'scheduling' || only === 'network' || only === 'readiness') return suites.filter((s) => s.kind === only);
  for (const wanted of only) {
    if (!suites.some((s) => s.name === wanted || s.define === wanted)) {
      const label = typeof wanted === 'string' ? `'${wanted}'` : wanted.name;
      throw loopError(
        TypeError,
        'ERR_LOOP_INVALID_ARG',
        `runConformance(): ${label} is not in the conformance suites list; add it to \`suites\` in packages/conformance/src/index.ts`,
      );
    }
  }
  return suites.filter((s) => only.some((wanted) => s.name === wanted || s.define === wanted));
}

/** A runner that defines nothing: the n/a suites go through it, so their tests are counted, not run. */
const countingRunner: TestRunner = {
  describe: (_title, fn) => fn(),
  test: () => undefined,
  beforeEach: () => undefined,
  afterEach: () => undefined,
  beforeAll: () => undefined,
  afterAll: () => undefined,
};

/** Defines `suite` for one debug mode (the factory passes `debug` and, for scheduling suites, the clock). */
function defineSuite(suite: ConformanceSuite, newLoop: LoopFactory, debug: boolean): void {
  if (suite.kind === 'scheduling') {
    suite.define(newLoop, { debug });
  } else if (suite.kind === 'network') {
    // The suite's needs were checked against the claimed capabilities: the loop has the network methods.
    const newNetLoop = newLoop as LoopFactory<NetLoop>;
    suite.define((o = {}) => newNetLoop({ debug: o.debug ?? debug }));
  } else {
    // Likewise: the loop claims fd-watching / sock-methods.
    const newNetLoop = newLoop as LoopFactory<NetLoop>;
    suite.define((o = {}) => newNetLoop({ debug: o.debug ?? debug }) as ReturnType<ReadinessLoopFactory>);
  }
}

/**
 * Defines the conformance suites for the loop that `newLoop` makes, under
 * `describe(name)`: once with debug mode off and once with it on unless
 * `options.debug` says otherwise. The factory receives `{ clock, debug }`
 * and must pass `debug` to the loop it makes (and `clock`, when it claims
 * `virtual-clock`); the scheduling suites give it a `VirtualClock`, the
 * network suites no clock (the real one).
 *
 * The suites whose needs the loop does not claim (`capabilities`) are not
 * applicable: their tests are recorded `n/a` and not defined. `only` picks
 * part of the list (one jest file per part, for parallelism); `runner`,
 * `expectations` and `record` are the kit's (see {@link ConformanceOptions}).
 */
export function runConformance(name: string, newLoop: LoopFactory<NetLoop>, options: ConformanceOptions & { network: true }): void;
export function runConformance(name: string, newLoop: LoopFactory, options?: ConformanceOptions): void;
export function runConformance(name: string, newLoop: LoopFactory, options: ConformanceOptions = {}): void {
  const chosen = selectSuites(options);
  const claimed = claimedBy(options);
  const expectations = new Map(Object.entries(options.expectations ?? {}));
  const modes = options.debug === undefined || options.debug === 'both' ? [false, true] : [options.debug];
  withRunner(options.runner, () => {
    describe(name, () => {
      for (const debug of modes) {
        describe(debug ? 'debug on' : 'debug off', () => {
          for (const suite of chosen) {
            const missing = suite.needs.filter((c) => !claimed.has(c));
            const context = { suite: suite.name, debug, capabilities: claimed, needs: suite.needs, expectations, record: options.record };
            if (missing.length === 0) {
              withSuite(context, () => defineSuite(suite, newLoop, debug));
            } else {
              // Not applicable: defined through a runner that only counts, every test recorded n/a.
              withRunner(countingRunner, () => withSuite({ ...context, needs: [...suite.needs] }, () => defineSuite(suite, newLoop, debug)));
            }
          }
        });
      }
    });
  });
}
