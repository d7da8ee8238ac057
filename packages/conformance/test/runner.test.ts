// The kit's rules in src/runner.ts, run in-process through a recording
// runner: which tests are defined, what an expected failure and an
// unexpected pass become, what is n/a, and the runner held for definition.
import { describe, expect, it } from '@jest/globals';
import { BaseEventLoop } from '@loop/core';
import { currentRunner, runConformance, withRunner, type TestFn, type TestRecord, type TestRunner } from '../src/index.js';

/** A runner that records definitions; `run()` runs the collected tests in order and says how each ended. */
function recordingRunner(): TestRunner & { titles: string[]; run(): Promise<Map<string, string>> } {
  const tests: [string, TestFn][] = [];
  const hooks = { beforeEach: [] as TestFn[], afterEach: [] as TestFn[] };
  return {
    titles: [],
    describe: (_title, fn) => fn(),
    test(title, fn) {
      this.titles.push(title);
      tests.push([title, fn]);
    },
    beforeEach: (fn) => void hooks.beforeEach.push(fn),
    afterEach: (fn) => void hooks.afterEach.push(fn),
    beforeAll: () => undefined,
    afterAll: () => undefined,
    async run() {
      const outcomes = new Map<string, string>();
      for (const [title, fn] of tests) {
        for (const h of hooks.beforeEach) await h();
        try {
          await fn();
          outcomes.set(title, 'pass');
        } catch (e) {
          outcomes.set(title, `fail: ${(e as Error).message}`);
        }
        for (const h of hooks.afterEach) await h();
      }
      return outcomes;
    },
  };
}

const SLEEP_NEGATIVE = '[COMBI-01] sleep() with a negative delay - same as sleep(0)';
const SLEEP_ZERO = '[COMBI-01] sleep(0) - gives up exactly one iteration and schedules no timer';

/** A plain BaseEventLoop subclass: the kit sees only what the target hands it. */
class SubLoop extends BaseEventLoop {}

describe('the kit runner', () => {
  it('an expected failure passes and is recorded; an unexpected pass fails, naming the entry; others pass', async () => {
    const runner = recordingRunner();
    const records: TestRecord[] = [];
    runConformance('BaseEventLoop', (o) => new SubLoop(o), {
      only: ['sleep'],
      debug: false,
      runner,
      record: (r) => records.push(r),
      expectations: { [`sleep/${SLEEP_NEGATIVE}`]: 'listed although it passes' },
    });
    expect(runner.titles).toHaveLength(6);
    const outcomes = await runner.run();
    expect(outcomes.get(SLEEP_ZERO)).toBe('pass');
    expect(outcomes.get(SLEEP_NEGATIVE)).toBe(
      `fail: unexpectedly passing: "sleep/${SLEEP_NEGATIVE}" is listed in the expectations (listed although it passes); remove it from the list`,
    );
    expect(records.filter((r) => r.outcome === 'passed')).toHaveLength(5);
    expect(records.filter((r) => r.outcome === 'unexpected-pass').map((r) => r.title)).toEqual([SLEEP_NEGATIVE]);
  });

  it('a failing listed test is an expected failure: the runner sees a pass, the record says why', async () => {
    const runner = recordingRunner();
    const records: TestRecord[] = [];
    class Doubling extends BaseEventLoop {
      override callLater<A extends unknown[]>(delay: number, cb: (...a: A) => unknown, ...args: A) {
        return super.callLater(delay * 2, cb, ...args);
      }
    }
    const title = '[test_wait_with_timeout] wait({ timeout }) - resolves at the timeout without raising; the pending futures are not cancelled';
    runConformance('Doubling', (o) => new Doubling(o), {
      only: ['wait'],
      debug: false,
      runner,
      record: (r) => records.push(r),
      expectations: { [`wait/${title}`]: 'callLater doubles' },
    });
    const outcomes = await runner.run();
    expect(outcomes.get(title)).toBe('pass');
    expect(records.find((r) => r.title === title)).toEqual({ suite: 'wait', title, debug: false, outcome: 'expected-fail', detail: 'callLater doubles' });
    expect(records.filter((r) => r.outcome === 'failed').length).toBeGreaterThan(0);
  });

  it('a suite or test needing a capability the loop does not claim is not defined, and recorded n/a with what is missing', () => {
    const runner = recordingRunner();
    const records: TestRecord[] = [];
    runConformance('Plain', (o) => new BaseEventLoop(o), { only: ['sleep', 'context'], debug: false, capabilities: ['scheduling'], runner, record: (r) => records.push(r) });
    // Needs are per test: each test missing something is recorded with what it lacks; the others are defined.
    expect(records.filter((r) => r.suite === 'sleep').map((r) => [r.outcome, r.detail])).toEqual([
      ['n/a', 'needs stats, virtual-clock'],
      ['n/a', 'needs stats'],
      ['n/a', 'needs stats, virtual-clock'],
      ['n/a', 'needs stats, virtual-clock'],
      ['n/a', 'needs stats'],
    ]);
    const contextNa = records.filter((r) => r.suite === 'context');
    expect(contextNa.length).toBeGreaterThan(0);
    expect(contextNa.every((r) => r.outcome === 'n/a' && r.detail === 'needs virtual-clock')).toBe(true);
    // Every test is either defined or recorded n/a: together, what a loop claiming everything defines.
    const everything = recordingRunner();
    runConformance('All', (o) => new BaseEventLoop(o), { only: ['sleep', 'context'], debug: false, runner: everything });
    expect(runner.titles.length + records.length).toBe(everything.titles.length);
    expect(runner.titles.length).toBeGreaterThan(0);
  });

  it('an unknown capability is refused with a coded TypeError naming it', () => {
    expect(() => runConformance('X', (o) => new BaseEventLoop(o), { capabilities: ['scheduling', 'telepathy'], runner: recordingRunner() })).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_LOOP_INVALID_ARG', message: expect.stringContaining("capabilities: 'telepathy' is not a capability of the kit") }),
    );
  });

  it('withRunner() holds a runner only while defining; outside it, the globals (jest here) are the runner', () => {
    const runner = recordingRunner();
    expect(withRunner(runner, () => currentRunner())).toBe(runner);
    expect(currentRunner()).not.toBe(runner);
    expect(currentRunner().test).toBe(globalThis.test);
  });
});
