// The selector loop with @loop/net composed in, `compose(SelectorEventLoop,
// net)`: the readiness loop every conformance suite runs on, as on the
// proactor (proactor-loop.ts). selector-event-loop.test.ts runs the
// scheduling suites.
import { readdirSync } from 'node:fs';
import { afterEach, beforeEach, expect } from '@jest/globals';
import { compose } from '@loop/interfaces';
import { net } from '@loop/net';
import { signals } from '@loop/signals';
import { subprocess } from '@loop/subprocess';
import { SelectorEventLoop } from '@loop/selector';
import { runConformance, type NetworkSuite } from '../src/index.js';
import type { LoopFactoryOptions } from '../src/harness.js';
import type { NetLoop } from '../src/net/harness.js';

/** `compose(SelectorEventLoop, net, signals, subprocess)`: `new SelectorNetLoop(selector, options)`. */
export const SelectorNetLoop = compose(SelectorEventLoop, net, signals, subprocess);

/**
 * A fresh `compose(SelectorEventLoop, net, signals, subprocess)` loop (on an `EpollSelector`): on
 * the real clock unless `options.clock` is given (the scheduling suites pass
 * a `VirtualClock`).
 */
export function newSelectorNetLoop(options: LoopFactoryOptions = {}): NetLoop {
  return new SelectorNetLoop(null, options);
}

/**
 * Runs one network suite of the conformance list on the selector loop, with
 * debug mode off and on, as every suite runs.
 */
export function onSelectorLoop(suite: NetworkSuite): void {
  // The harness counts Node's socket handles; the selector's sockets are
  // descriptors of @loop/socket, so each test also checks that every
  // descriptor it opened is closed again.
  let before = 0;
  beforeEach(() => {
    before = openFds();
  });
  afterEach(async () => {
    // A peer closed by the test may still be closing in Node (a TLS socket): give it a moment.
    for (let i = 0; i < 1000 && openFds() > before; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(openFds()).toBeLessThanOrEqual(before);
  });
  runConformance('SelectorEventLoop', newSelectorNetLoop, { network: true, only: [suite] });
}

/** The number of descriptors open in this process. */
function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}
