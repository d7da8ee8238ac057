// The proactor loop with @loop/net composed in, `compose(ProactorEventLoop,
// net)`: the loop that every conformance suite runs on. Its run is split over
// jest files so that jest runs them in parallel, each through runConformance():
// proactor-event-loop.test.ts runs the scheduling suites, and each
// proactor-<suite>.test.ts one network suite (onProactorLoop).
import { compose } from '@loop/interfaces';
import { net } from '@loop/net';
import { signals } from '@loop/signals';
import { subprocess } from '@loop/subprocess';
import { ProactorEventLoop } from '@loop/proactor';
import { runConformance, type NetworkSuite } from '../src/index.js';
import type { LoopFactoryOptions } from '../src/harness.js';
import type { NetLoop } from '../src/net/harness.js';

const ProactorNetLoop = compose(ProactorEventLoop, net, signals, subprocess);

/**
 * A fresh `compose(ProactorEventLoop, net, signals, subprocess)` loop: on the real clock unless
 * `options.clock` is given (the scheduling suites pass a `VirtualClock`).
 */
export function newProactorNetLoop(options: LoopFactoryOptions = {}): NetLoop {
  return new ProactorNetLoop(options);
}

/**
 * Runs one network suite of the conformance list on the proactor loop, with
 * debug mode off and on, as every suite runs.
 */
export function onProactorLoop(suite: NetworkSuite): void {
  runConformance('ProactorEventLoop', newProactorNetLoop, { network: true, only: [suite] });
}
