/**
 * `@loop/conformance`: the behaviour suites that every @loop event loop runs.
 * Each suite takes a `newLoop()` factory, so BaseEventLoop, the selector loop
 * and the proactor loop are held to the same behaviours (asyncio's, as the
 * catalog and the oracle traces in `spec/behaviours` pin them).
 *
 * Usage, in a jest test file of the package that owns the loop:
 *
 *   runConformance('BaseEventLoop', (o) => new BaseEventLoop(o));
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
import type { LoopFactory, SuiteOptions } from './harness.js';
import { oracleSuite } from './oracle.suite.js';
import { policiesSuite } from './policies.suite.js';
import { sleepSuite } from './sleep.suite.js';
import { taskGroupsSuite } from './task-groups.suite.js';
import { taskHelpersSuite } from './task-helpers.suite.js';
import { tasksSuite } from './tasks.suite.js';
import { timeoutsSuite } from './timeouts.suite.js';

export * from './net/index.js';
export { baseEventLoopSuite } from './base-event-loop.suite.js';
export { contextSuite } from './context.suite.js';
export { debugSuite } from './debug.suite.js';
export { contextKeys, exceptionHandlerSuite } from './exception-handler.suite.js';
export { futuresSuite } from './futures.suite.js';
export { handlesSuite } from './handles.suite.js';
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
export { oracleSuite } from './oracle.suite.js';
export { policiesSuite } from './policies.suite.js';
export { sleepSuite } from './sleep.suite.js';
export { taskGroupsSuite } from './task-groups.suite.js';
export { taskHelpersSuite } from './task-helpers.suite.js';
export { tasksSuite } from './tasks.suite.js';
export { timeoutsSuite } from './timeouts.suite.js';

/** Options of {@link runConformance}. */
export interface ConformanceOptions {
  /**
   * Run with debug mode off, on, or both (the default: every suite runs
   * twice, as STYLE.md asks).
   */
  debug?: boolean | 'both';
}

/** Every suite, in the order they are defined. */
export const suites: ReadonlyArray<(newLoop: LoopFactory, options: SuiteOptions) => void> = [
  baseEventLoopSuite,
  handlesSuite,
  exceptionHandlerSuite,
  futuresSuite,
  tasksSuite,
  sleepSuite,
  taskHelpersSuite,
  timeoutsSuite,
  taskGroupsSuite,
  contextSuite,
  policiesSuite,
  debugSuite,
  oracleSuite,
];

/**
 * Defines every conformance suite for the loop that `newLoop` makes, under
 * `describe(name)`: once with debug mode off and once with it on unless
 * `options.debug` says otherwise. The factory receives `{ clock, debug }`
 * and must pass both to the loop it makes.
 */
export function runConformance(name: string, newLoop: LoopFactory, options: ConformanceOptions = {}): void {
  const modes = options.debug === undefined || options.debug === 'both' ? [false, true] : [options.debug];
  describe(name, () => {
    for (const debug of modes) {
      describe(debug ? 'debug on' : 'debug off', () => {
        for (const suite of suites) suite(newLoop, { debug });
      });
    }
  });
}
