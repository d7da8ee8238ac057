// The proactor loop with @loop/net composed in, as the network suites take it:
// `compose(ProactorEventLoop, net)`. Each proactor-*.test.ts file runs one
// suite against it.
import { compose } from '@loop/interfaces';
import { net } from '@loop/net';
import { ProactorEventLoop } from '@loop/proactor';
import type { NetLoop } from '../src/net/harness.js';

const ProactorNetLoop = compose(ProactorEventLoop, net);

/** A fresh `compose(ProactorEventLoop, net)` loop, on the real clock. */
export function newProactorNetLoop(options: { debug?: boolean } = {}): NetLoop {
  return new ProactorNetLoop(options);
}
