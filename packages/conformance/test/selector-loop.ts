// The selector loop with @loop/net composed in, `compose(SelectorEventLoop,
// net)`: the readiness loop every conformance suite runs on, as on the
// proactor (proactor-loop.ts). selector-event-loop.test.ts runs the
// scheduling suites.
import { compose } from '@loop/interfaces';
import { net } from '@loop/net';
import { SelectorEventLoop } from '@loop/selector';
import { runConformance, type NetworkSuite } from '../src/index.js';
import type { LoopFactoryOptions } from '../src/harness.js';
import type { NetLoop } from '../src/net/harness.js';

const SelectorNetLoop = compose(SelectorEventLoop, net);

/**
 * A fresh `compose(SelectorEventLoop, net)` loop (on an `EpollSelector`): on
 * the real clock unless `options.clock` is given (the scheduling suites pass
 * a `VirtualClock`).
 */
export function newSelectorNetLoop(options: LoopFactoryOptions = {}): NetLoop {
  return new SelectorNetLoop(null, options);
}

/**
 * Runs one network suite of the conformance list on the selector loop, with
 * debug mode off and on, as every suite runs (the selector's twin of
 * `onProactorLoop`).
 */
export function onSelectorLoop(suite: NetworkSuite): void {
  runConformance('SelectorEventLoop', newSelectorNetLoop, { network: true, only: [suite] });
}
