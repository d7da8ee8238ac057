/**
 * `loop-conformance`: runs the conformance suites on a target module under
 * `node:test` and prints one line per suite (ADR 0008).
 *
 *   npx @loop/conformance ./my-loop.mjs [--json] [--only suite,...] [--debug off|on|both] [--concurrency N]
 *
 * HOW: the target is imported here (its capabilities and expectations
 * checked; the suites it cannot run counted "n/a" without running). Each
 * applicable (suite, debug mode) pair becomes a small entry module in a
 * temporary directory, run by `node:test`'s `run()` in its own process:
 * the entry imports the kit and the target, defines the one suite with the
 * node:test runner and appends each test's outcome to a results file. The
 * report merges those outcomes with `run()`'s failure events (a hook that
 * failed, a test that timed out, a process that crashed still count).
 *
 * @packageDocumentation
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loopError } from '@loop/interfaces';
import { suites } from './index.js';
import { loadTarget, runTarget, suiteNames, type LoadedTarget } from './kit.js';
import { nodeTestRunner, withRunner, type NodeTestModule, type TestOutcome, type TestRecord, type TestRunner } from './runner.js';

/** What the CLI needs from its ESM shell (bin/loop-conformance.mjs). */
export interface CliHost {
  /** `(url) => import(url)`: dynamic import, done by ESM code. */
  importModule(url: string): Promise<{ default?: unknown }>;
  /** The file URL of the kit's ESM entry, for the generated entry modules. */
  kitEntry: string;
  /** `node:test`'s `run()`. */
  run(options: { files: string[]; concurrency: number }): NodeJS.ReadableStream & { on(event: string, fn: (data: TestEvent) => void): unknown };
  /** Where the report goes (`console.log` by default). */
  print?(line: string): void;
}

/** The parts of a `node:test` `test:pass` / `test:fail` event the CLI reads. */
export interface TestEvent {
  /** The test's or the group's name. */
  name: string;
  /** How deep it is nested (0 for a top-level group). */
  nesting: number;
  /** The file it was defined in. */
  file?: string;
  /** `type` is `'suite'` for a group; `error` is the failure, if any. */
  details: { type?: string; error?: unknown };
}

/** One suite's line of the report. */
export interface SuiteReport {
  /** The suite's name in the list. */
  suite: string;
  /** Tests that passed. */
  passed: number;
  /** Tests that failed, unexpected passes included. */
  failed: number;
  /** Tests listed in the expectations that failed. */
  expectedFail: number;
  /** Tests left out because the loop lacks a capability they need. */
  notApplicable: number;
  /** Of `failed`: the tests listed in the expectations that passed. */
  unexpectedPass: number;
  /** `"[debug on] title: error"` for each failure. */
  failures: string[];
}

/** The whole report (`--json` prints it). */
export interface KitReport {
  /** The target's name. */
  target: string;
  /** The capabilities it claims. */
  capabilities: readonly string[];
  /** One report per suite. */
  suites: SuiteReport[];
  /** The sums over the suites. */
  total: Omit<SuiteReport, 'suite' | 'failures'>;
  /** Whether the run passed: nothing failed. */
  ok: boolean;
}

interface Args {
  target: string;
  json: boolean;
  only: string[] | undefined;
  debug: boolean[];
  concurrency: number;
}

const USAGE = 'usage: loop-conformance <target-module> [--json] [--only suite,...] [--debug off|on|both] [--concurrency N]';

function usageError(message: string): Error {
  return loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `loop-conformance: ${message}\n${USAGE}`);
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { target: '', json: false, only: undefined, debug: [false, true], concurrency: Math.max(1, Math.min(4, availableParallelism())) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw usageError(`${a} needs a value`);
      return v;
    };
    if (a === '--json') args.json = true;
    else if (a === '--only') args.only = value().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--debug') {
      const v = value();
      if (v === 'off') args.debug = [false];
      else if (v === 'on') args.debug = [true];
      else if (v === 'both') args.debug = [false, true];
      else throw usageError(`--debug must be off, on or both, got '${v}'`);
    } else if (a === '--concurrency') {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1) throw usageError('--concurrency must be a positive integer');
      args.concurrency = n;
    } else if (a.startsWith('--')) throw usageError(`unknown option ${a}`);
    else if (args.target === '') args.target = a;
    else throw usageError(`one target module only (got '${args.target}' and '${a}')`);
  }
  if (args.target === '') throw usageError('no target module');
  return args;
}

const emptyCounts = (): Omit<SuiteReport, 'suite' | 'failures'> => ({ passed: 0, failed: 0, expectedFail: 0, notApplicable: 0, unexpectedPass: 0 });

/** Counts the tests of an n/a suite: defines it through a runner that runs nothing. */
function countNotApplicable(target: LoadedTarget, suite: string, debug: boolean[]): TestRecord[] {
  const records: TestRecord[] = [];
  const none: TestRunner = { describe: (_t, fn) => fn(), test: () => undefined, beforeEach: () => undefined, afterEach: () => undefined, beforeAll: () => undefined, afterAll: () => undefined };
  for (const d of debug) runTarget(target, { runner: none, only: [suite], debug: d, record: (r) => records.push(r) });
  return records;
}

/** The text of an event's error (node:test wraps the test's error in `cause`). */
function eventError(e: unknown): string {
  const err = (e as { cause?: unknown } | undefined)?.cause ?? e;
  try {
    return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  } catch {
    return '<unprintable error>';
  }
}

/** Runs the CLI; resolves to the exit code (0: no failure, no unexpected pass). */
export async function main(argv: readonly string[], host: CliHost): Promise<number> {
  const print = host.print ?? ((line: string) => console.log(line));
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    print((e as Error).message);
    return 2;
  }
  const targetUrl = pathToFileURL(resolve(args.target)).href;
  const mod = await host.importModule(targetUrl);
  const target = loadTarget(mod.default, targetUrl);
  const names = suiteNames(args.only);
  const claimed = new Set(target.capabilities);
  const dir = mkdtempSync(join(tmpdir(), 'loop-conformance-'));
  const resultsFile = join(dir, 'results.jsonl');
  writeFileSync(resultsFile, '');
  const reports = new Map<string, SuiteReport>(names.map((n) => [n, { suite: n, ...emptyCounts(), failures: [] }]));
  const files = new Map<string, { suite: string; debug: boolean }>();
  try {
    for (const name of names) {
      const suite = suites.find((s) => s.name === name);
      if (suite === undefined) continue;
      if (suite.needs.some((c) => !claimed.has(c))) {
        reports.get(name)!.notApplicable += countNotApplicable(target, name, args.debug).length;
        continue;
      }
      for (const debug of args.debug) {
        const file = join(dir, `${name}.debug-${debug ? 'on' : 'off'}.mjs`);
        files.set(file, { suite: name, debug });
        writeFileSync(file, entryModule(host.kitEntry, targetUrl, name, debug, resultsFile, file));
      }
    }
    const failEvents = new Map<string, TestEvent[]>();
    if (files.size > 0) {
      const stream = host.run({ files: [...files.keys()], concurrency: args.concurrency });
      stream.on('test:fail', (event: TestEvent) => {
        if (event.details.type === 'suite' || event.file === undefined) return;
        const list = failEvents.get(event.file) ?? [];
        list.push(event);
        failEvents.set(event.file, list);
      });
      await new Promise<void>((done, fail) => {
        stream.on('end', () => done());
        stream.on('error', (e: unknown) => fail(e));
        stream.resume();
      });
    }
    const records = readFileSync(resultsFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as TestRecord & { file: string });
    const failedPerFile = new Map<string, number>();
    for (const r of records) {
      const report = reports.get(r.suite);
      if (report === undefined) continue;
      count(report, r.outcome, `[debug ${r.debug ? 'on' : 'off'}] ${r.title}: ${r.detail ?? ''}`);
      if (r.outcome === 'failed' || r.outcome === 'unexpected-pass') failedPerFile.set(r.file, (failedPerFile.get(r.file) ?? 0) + 1);
    }
    // Failures node:test saw that no test recorded: a hook, a timeout, a crashed process.
    for (const [file, events] of failEvents) {
      const where = files.get(file);
      if (where === undefined) continue;
      const report = reports.get(where.suite)!;
      const unexplained = events.filter((e) => e.nesting > 0).length - (failedPerFile.get(file) ?? 0);
      const crashed = events.filter((e) => e.nesting === 0 && e.name === file);
      const tests = events.filter((e) => e.nesting > 0);
      for (let i = 0; i < unexplained; i++) {
        const e = tests[tests.length - unexplained + i];
        count(report, 'failed', `[debug ${where.debug ? 'on' : 'off'}] ${e.name}: ${eventError(e.details.error)}`);
      }
      if (crashed.length > 0) {
        count(report, 'failed', `[debug ${where.debug ? 'on' : 'off'}] the suite's process failed: ${eventError(crashed[0].details.error)}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const list = [...reports.values()];
  // The (suite, debug mode) children finish in any order: list each suite's
  // failures debug off first, each mode's in the order its tests ran.
  const mode = (f: string): number => (f.includes('[debug on]') ? 1 : 0);
  for (const r of list) r.failures.sort((a, b) => mode(a) - mode(b));
  const total = emptyCounts();
  for (const r of list) {
    total.passed += r.passed;
    total.failed += r.failed;
    total.expectedFail += r.expectedFail;
    total.notApplicable += r.notApplicable;
    total.unexpectedPass += r.unexpectedPass;
  }
  const report: KitReport = { target: target.name, capabilities: target.capabilities, suites: list, total, ok: total.failed === 0 };
  if (args.json) print(JSON.stringify(report, null, 2));
  else for (const line of formatReport(report)) print(line);
  return report.ok ? 0 : 1;
}

function count(report: SuiteReport, outcome: TestOutcome, failure: string): void {
  if (outcome === 'passed') report.passed++;
  else if (outcome === 'expected-fail') report.expectedFail++;
  else if (outcome === 'n/a') report.notApplicable++;
  else {
    report.failed++;
    if (outcome === 'unexpected-pass') report.unexpectedPass++;
    report.failures.push(outcome === 'unexpected-pass' ? `unexpectedly passing ${failure}` : failure);
  }
}

/** The report's text: one line per suite, the total, then each failure. */
export function formatReport(report: KitReport): string[] {
  const line = (name: string, c: Omit<SuiteReport, 'suite' | 'failures'>): string =>
    `${name}: ${c.passed} passed, ${c.failed} failed, ${c.expectedFail} expected-fail, ${c.notApplicable} n/a` +
    (c.unexpectedPass > 0 ? ` (${c.unexpectedPass} of the failed unexpectedly passing)` : '');
  const lines = [`${report.target} (capabilities: ${report.capabilities.join(', ') || 'none'})`];
  for (const s of report.suites) lines.push(line(s.suite, s));
  lines.push(line('total', report.total));
  for (const s of report.suites) for (const f of s.failures) lines.push(`FAIL ${s.suite} ${f.split('\n')[0]}`);
  return lines;
}

/** The source of one generated entry module: one suite, one debug mode, under node:test. */
function entryModule(kitEntry: string, targetUrl: string, suite: string, debug: boolean, resultsFile: string, file: string): string {
  const s = JSON.stringify;
  return [
    "import * as nodeTest from 'node:test';",
    `const kit = await import(${s(kitEntry)});`,
    `const mod = await import(${s(targetUrl)});`,
    `const target = kit.loadTarget(mod.default, ${s(targetUrl)});`,
    `kit.defineKitSuite(target, ${s(suite)}, ${s(debug)}, nodeTest, ${s(resultsFile)}, ${s(file)});`,
    '',
  ].join('\n');
}

/**
 * Defines one suite of a kit run under node:test (what a generated entry
 * module calls), appending each outcome to `resultsFile` as a JSON line.
 */
export function defineKitSuite(target: LoadedTarget, suite: string, debug: boolean, nodeTest: NodeTestModule, resultsFile: string, file: string): void {
  const runner = nodeTestRunner(nodeTest);
  withRunner(runner, () =>
    runTarget(target, {
      runner,
      only: [suite],
      debug,
      record: (r) => appendFileSync(resultsFile, `${JSON.stringify({ ...r, file })}\n`),
    }),
  );
}
