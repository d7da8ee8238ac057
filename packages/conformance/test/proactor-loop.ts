// The proactor loop with @loop/net composed in, as the network suites take it:
// `compose(ProactorEventLoop, net)`. Each proactor-*.test.ts file runs one
// suite against it, with debug mode off and on (onProactorLoop).
import { compose } from '@loop/interfaces';
import { net } from '@loop/net';
import { ProactorEventLoop } from '@loop/proactor';
import { describe } from '@jest/globals';
import type { NetLoop, NetLoopFactory } from '../src/net/harness.js';

const ProactorNetLoop = compose(ProactorEventLoop, net);

/** A fresh `compose(ProactorEventLoop, net)` loop, on the real clock. */
export function newProactorNetLoop(options: { debug?: boolean } = {}): NetLoop {
  return new ProactorNetLoop(options);
}

/**
 * Runs a network suite on the proactor loop twice, with debug mode off and
 * on, as the scheduling suites run (debug mode adds slow-callback checks,
 * creation sites in reprs and debug log records to the same behaviour).
 */
export function onProactorLoop(suite: (newLoop: NetLoopFactory) => void): void {
  for (const debug of [false, true]) {
    describe(debug ? 'debug on' : 'debug off', () => {
      suite((options = {}) => newProactorNetLoop({ ...options, debug: options.debug ?? debug }));
    });
  }
}
