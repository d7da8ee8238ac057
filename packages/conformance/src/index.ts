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
import { describe } from '@jest/globals';
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

/** A scheduling suite: runs on any loop, in virtual time (the harness's `VirtualClock`). */
export type SchedulingSuite = (newLoop: LoopFactory, options: SuiteOptions) => void;

/** A network suite: needs an I/O backend and `@loop/net`, on the real clock. */
export type NetworkSuite = (newLoop: NetLoopFactory) => void;

/**
 * A readiness suite: needs what a loop whose backend watches file
 * descriptors has (fd watching, the `sock*` operations on `@loop/socket`
 * sockets) besides `@loop/net`, on the real clock.
 */
export type ReadinessSuite = (newLoop: ReadinessLoopFactory) => void;

/** One entry of {@link suites}. */
export type ConformanceSuite =
  | { readonly name: string; readonly kind: 'scheduling'; readonly define: SchedulingSuite }
  | { readonly name: string; readonly kind: 'network'; readonly define: NetworkSuite }
  | { readonly name: string; readonly kind: 'readiness'; readonly define: ReadinessSuite };

const scheduling = (name: string, define: SchedulingSuite): ConformanceSuite => ({ name, kind: 'scheduling', define });
const network = (name: string, define: NetworkSuite): ConformanceSuite => ({ name, kind: 'network', define });
const readiness = (name: string, define: ReadinessSuite): ConformanceSuite => ({ name, kind: 'readiness', define });

/**
 * Every suite, in the order they run: the scheduling suites, the network
 * ones, then the readiness ones (`readiness/*.suite.ts`). A suite's name is its file's (`streams` for
 * `net/streams.suite.ts`); a loop that splits its run over jest files names
 * each file after the suite it runs (`proactor-streams.test.ts`).
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
  scheduling('oracle-scheduling', oracleSchedulingSuite),
  scheduling('oracle-running', oracleRunningSuite),
  scheduling('oracle-tasks', oracleTasksSuite),
  scheduling('oracle-helpers', oracleHelpersSuite),
  network('stream-transport', streamTransportSuite),
  network('datagram-transport', datagramTransportSuite),
  network('connection', connectionSuite),
  network('server', serverSuite),
  network('datagram', datagramSuite),
  network('unix', unixSuite),
  network('dns', dnsSuite),
  network('stream-reader', streamReaderSuite),
  network('stream-reader-until', streamReaderUntilSuite),
  network('streams', streamsSuite),
  network('streams-flow', streamsFlowSuite),
  network('streams-unix', streamsUnixSuite),
  network('tls', tlsSuite),
  network('sendfile', sendfileSuite),
  readiness('fd-watching', fdWatchingSuite),
  readiness('sock-methods', sockMethodsSuite),
  network('pipes', pipesSuite),
  network('signals', signalsSuite),
  network('subprocess', subprocessSuite),
];

/** Options of {@link runConformance}. */
export interface ConformanceOptions {
  /**
   * Run with debug mode off, on, or both (the default: every suite runs
   * twice, as STYLE.md asks).
   */
  debug?: boolean | 'both';
  /**
   * Whether the loop has an I/O backend and `@loop/net` composed in, so the
   * network suites run on it too (they need a `NetLoop` factory). Default
   * `false`: the scheduling suites only.
   */
  network?: boolean;
  /**
   * Whether the loop's backend watches file descriptors and runs the `sock*`
   * operations on `@loop/socket` sockets (a selector loop), so the
   * readiness suites run on it too. Needs `network: true`. Default `false`:
   * BaseEventLoop and the proactor do not run them.
   */
  readiness?: boolean;
  /**
   * Run only part of the list, in the list's order: `'scheduling'`,
   * `'network'`, `'readiness'`, or suites given by name or by function. Every one must be
   * in {@link suites} (a suite missing from the list would go unrun on the
   * other loops). Default: every suite the loop can run.
   */
  only?: 'scheduling' | 'network' | 'readiness' | ReadonlyArray<string | SchedulingSuite | NetworkSuite | ReadinessSuite>;
}

/** The entries of {@link suites} that `options` selects; throws on a name or a suite not in the list. */
export function selectSuites(options: ConformanceOptions = {}): ConformanceSuite[] {
  const { only, network = false, readiness: ready = false } = options;
  let chosen: ConformanceSuite[];
  if (only === undefined) {
    chosen = suites.filter((s) => s.kind === 'scheduling' || (network && s.kind === 'network') || (network && ready && s.kind === 'readiness'));
  } else if (only === 'scheduling' || only === 'network' || only === 'readiness') {
    chosen = suites.filter((s) => s.kind === only);
  } else {
    for (const wanted of only) {
      if (!suites.some((s) => s.name === wanted || s.define === wanted)) {
        const label = typeof wanted === 'string' ? `'${wanted}'` : wanted.name;
        throw new Error(
          `runConformance(): ${label} is not in the conformance suites list; add it to \`suites\` in packages/conformance/src/index.ts`,
        );
      }
    }
    chosen = suites.filter((s) => only.some((wanted) => s.name === wanted || s.define === wanted));
  }
  const net = chosen.find((s) => s.kind === 'network');
  if (net !== undefined && !network) {
    throw new Error(`runConformance(): the network suite '${net.name}' needs a loop with @loop/net; pass { network: true } and a NetLoop factory`);
  }
  const fd = chosen.find((s) => s.kind === 'readiness');
  if (fd !== undefined && !(network && ready)) {
    throw new Error(
      `runConformance(): the readiness suite '${fd.name}' needs a loop that watches file descriptors, with @loop/net; pass { network: true, readiness: true } and a NetLoop factory`,
    );
  }
  return chosen;
}

/**
 * Defines the conformance suites for the loop that `newLoop` makes, under
 * `describe(name)`: once with debug mode off and once with it on unless
 * `options.debug` says otherwise. The factory receives `{ clock, debug }`
 * and must pass both to the loop it makes; the scheduling suites give it a
 * `VirtualClock`, the network suites no clock (the real one).
 *
 * With `{ network: true }` the factory makes a `NetLoop` and the network
 * suites run too; `only` picks part of the list (one jest file per part,
 * for parallelism).
 */
export function runConformance(name: string, newLoop: LoopFactory<NetLoop>, options: ConformanceOptions & { network: true }): void;
export function runConformance(name: string, newLoop: LoopFactory, options?: ConformanceOptions & { network?: false }): void;
export function runConformance(name: string, newLoop: LoopFactory, options: ConformanceOptions = {}): void {
  const chosen = selectSuites(options);
  const modes = options.debug === undefined || options.debug === 'both' ? [false, true] : [options.debug];
  describe(name, () => {
    for (const debug of modes) {
      describe(debug ? 'debug on' : 'debug off', () => {
        for (const suite of chosen) {
          if (suite.kind === 'scheduling') {
            suite.define(newLoop, { debug });
          } else if (suite.kind === 'network') {
            // Checked by the overloads: with { network: true } the factory makes a NetLoop.
            const newNetLoop = newLoop as LoopFactory<NetLoop>;
            suite.define((o = {}) => newNetLoop({ debug: o.debug ?? debug }));
          } else {
            // selectSuites checked { network: true, readiness: true }: the caller says the loop watches fds.
            const newNetLoop = newLoop as LoopFactory<NetLoop>;
            suite.define((o = {}) => newNetLoop({ debug: o.debug ?? debug }) as ReturnType<ReadinessLoopFactory>);
          }
        }
      });
    }
  });
}
