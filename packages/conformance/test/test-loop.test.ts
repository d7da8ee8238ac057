import { TestLoop } from '@loop/core/testing';
import { describe } from '@jest/globals';
import { sleepSuite, taskGroupsSuite, taskHelpersSuite, timeoutsSuite } from '../src/index.js';

// The timeout-heavy suites on TestLoop, in virtual time with autojump.
describe('TestLoop', () => {
  const newLoop = (o?: { clock?: import('@loop/core').VirtualClock; debug?: boolean }): TestLoop =>
    new TestLoop({ clock: o?.clock, debug: o?.debug, autojump: true });
  for (const debug of [false, true]) {
    describe(debug ? 'debug on' : 'debug off', () => {
      for (const suite of [sleepSuite, timeoutsSuite, taskGroupsSuite, taskHelpersSuite]) suite(newLoop, { debug });
    });
  }
});
