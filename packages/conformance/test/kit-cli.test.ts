// The loop-conformance CLI (bin/loop-conformance.mjs, on the built package)
// run on small targets of fixtures/kit: the report's lines, expected
// failures, unexpected passes, capabilities a loop does not claim, --json,
// and the exit code.
import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(root, 'bin', 'loop-conformance.mjs'), ...args], { cwd: root, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('loop-conformance', () => {
  it('BaseEventLoop: one line per suite and a total, exit 0; a suite needing fd-watching is n/a', async () => {
    const run = await cli('targets/base.mjs', '--only', 'sleep,context,fd-watching');
    expect(run.stderr).toBe('');
    expect(run.stdout.split('\n')).toEqual([
      'BaseEventLoop (capabilities: scheduling, virtual-clock, stats)',
      'sleep: 12 passed, 0 failed, 0 expected-fail, 0 n/a',
      'context: 30 passed, 0 failed, 0 expected-fail, 0 n/a',
      'fd-watching: 0 passed, 0 failed, 0 expected-fail, 32 n/a',
      'total: 42 passed, 0 failed, 0 expected-fail, 32 n/a',
      '',
    ]);
    expect(run.code).toBe(0);
  }, 120_000);

  it('a loop with a bug: its failures are reported, the listed one is an expected failure, exit 1', async () => {
    const run = await cli('fixtures/kit/slow-timers.mjs', '--only', 'wait', '--debug', 'off');
    const lines = run.stdout.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'SlowTimersLoop (capabilities: scheduling, virtual-clock, stats)',
      'wait: 3 passed, 4 failed, 1 expected-fail, 0 n/a',
      'total: 3 passed, 4 failed, 1 expected-fail, 0 n/a',
    ]);
    const failures = lines.filter((l) => l.startsWith('FAIL '));
    expect(failures).toHaveLength(4);
    expect(failures[0]).toMatch(/^FAIL wait \[debug off\] \[test_wait\] wait\(\) - ALL_COMPLETED by default: .*: Error: expect\(received\)/);
    expect(failures.some((l) => l.includes('test_wait_with_timeout'))).toBe(false);
    expect(run.code).toBe(1);
  }, 120_000);

  it('a listed test that passes is reported as unexpectedly passing and fails the run', async () => {
    const run = await cli('fixtures/kit/base-with-expectations.mjs', '--only', 'sleep');
    const lines = run.stdout.split('\n');
    expect(lines[1]).toBe('sleep: 10 passed, 2 failed, 0 expected-fail, 0 n/a (2 of the failed unexpectedly passing)');
    expect(lines.filter((l) => l.includes('unexpectedly passing [debug'))).toEqual([
      'FAIL sleep unexpectedly passing [debug off] [COMBI-01] sleep() with a negative delay - same as sleep(0): listed on purpose: BaseEventLoop passes it',
      'FAIL sleep unexpectedly passing [debug on] [COMBI-01] sleep() with a negative delay - same as sleep(0): listed on purpose: BaseEventLoop passes it',
    ]);
    expect(run.code).toBe(1);
  }, 120_000);

  it('--json: a loop claiming only scheduling gets the suites and tests needing stats or a virtual clock as n/a', async () => {
    const run = await cli('fixtures/kit/scheduling-only.mjs', '--only', 'sleep,context', '--json');
    const report = JSON.parse(run.stdout) as { ok: boolean; suites: { suite: string; passed: number; failed: number; notApplicable: number }[] };
    expect(report.suites).toEqual([
      { suite: 'sleep', passed: 2, failed: 0, expectedFail: 0, notApplicable: 10, unexpectedPass: 0, failures: [] },
      { suite: 'context', passed: 22, failed: 0, expectedFail: 0, notApplicable: 8, unexpectedPass: 0, failures: [] },
    ]);
    expect(report.ok).toBe(true);
    expect(run.code).toBe(0);
  }, 120_000);

  it('--only with a suite not in the list is refused', async () => {
    const run = await cli('fixtures/kit/scheduling-only.mjs', '--only', 'nope');
    expect(run.stderr).toContain("runConformance(): 'nope' is not in the conformance suites list");
    expect(run.code).not.toBe(0);
  }, 120_000);

  it('a target claiming a capability the kit does not know is refused, naming it and the list', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kit-target-'));
    try {
      const file = join(dir, 'bad.mjs');
      writeFileSync(file, "export default { name: 'Bad', newLoop() { return null; }, capabilities: ['scheduling', 'teleport'] };\n");
      const run = await cli(file, '--only', 'sleep');
      expect(run.stderr).toContain("capabilities: 'teleport' is not one of scheduling, virtual-clock, stats,");
      expect(run.code).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
