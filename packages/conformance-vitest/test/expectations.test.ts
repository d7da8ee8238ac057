// The kit's expectations and recorder under Vitest: a passing test listed
// as expected to fail must fail the run ("unexpectedly passing"), a failing
// test listed must pass as an expected failure, and every outcome reaches
// `record`. The listed passing test's body is wrapped to assert that it
// rejects, so this file passes only when the kit fails that test.
import { BaseEventLoop } from '@loop/core';
import { runConformance, type TestRecord, type TestRunner } from '@loop/conformance';
import { afterAll, expect, test } from 'vitest';
import { vitestRunner } from './runner.js';

const LISTED = '[COMBI-01] sleep(0) - gives up exactly one iteration and schedules no timer';
const records: TestRecord[] = [];
let rejected = 0;

const runner: TestRunner = {
  ...vitestRunner,
  test: (title, fn, timeout) =>
    test(
      title,
      title === LISTED
        ? async () => {
            await expect(fn()).rejects.toThrow(`unexpectedly passing: "sleep/${LISTED}" is listed in the expectations (listed on purpose)`);
            rejected += 1;
          }
        : fn,
      timeout,
    ),
};

runConformance('BaseEventLoop', (o) => new BaseEventLoop(o), {
  only: ['sleep'],
  debug: false,
  expectations: { [`sleep/${LISTED}`]: 'listed on purpose' },
  runner,
  record: (r) => records.push(r),
});

// The sleep suite's titles, read by defining it through a runner that only
// collects them; then the suite on a factory that makes no loop, every test
// listed: each fails, so each passes as an expected failure.
const titles: string[] = [];
const collect: TestRunner = { describe: (_title, fn) => fn(), test: (title) => void titles.push(title), beforeEach: () => undefined, afterEach: () => undefined };
runConformance('collect', (o) => new BaseEventLoop(o), { only: ['sleep'], debug: false, runner: collect });
const broken: TestRecord[] = [];
runConformance(
  'no loop',
  () => {
    throw new Error('this factory makes no loop');
  },
  {
    only: ['sleep'],
    debug: false,
    expectations: Object.fromEntries(titles.map((title) => [`sleep/${title}`, 'the factory throws'])),
    runner: vitestRunner,
    record: (r) => broken.push(r),
  },
);

afterAll(() => {
  expect(titles).toHaveLength(6);
  expect(broken.map((r) => [r.title, r.outcome, r.detail])).toEqual(titles.map((title) => [title, 'expected-fail', 'the factory throws']));
  expect(rejected).toBe(1);
  expect(records.filter((r) => r.outcome === 'unexpected-pass').map((r) => r.title)).toEqual([LISTED]);
  expect(records.filter((r) => r.outcome === 'passed')).toHaveLength(5);
  expect(records.every((r) => r.suite === 'sleep' && !r.debug)).toBe(true);
});
