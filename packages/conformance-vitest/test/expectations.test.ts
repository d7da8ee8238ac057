// The kit's expectations and recorder under Vitest: a passing test listed
// as expected to fail must fail the run ("unexpectedly passing"), and every
// outcome reaches `record`. The listed test's body is wrapped to assert that
// it rejects, so this file passes only when the kit fails that test.
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

afterAll(() => {
  expect(rejected).toBe(1);
  expect(records.filter((r) => r.outcome === 'unexpected-pass').map((r) => r.title)).toEqual([LISTED]);
  expect(records.filter((r) => r.outcome === 'passed')).toHaveLength(5);
  expect(records.every((r) => r.suite === 'sleep' && !r.debug)).toBe(true);
});
