/**
 * The kit's contract with a loop author: the target module (`KitTarget`),
 * its checks, and the functions the CLI and a test file of any runner use
 * to run the suites on it (ADR 0008).
 *
 * A target module's default export:
 *
 *   export default {
 *     name: 'MicroLoop',
 *     newLoop: ({ debug, clock }) => new MicroLoop({ debug, clock }),
 *     capabilities: ['scheduling', 'virtual-clock'],
 *     expectations: './expectations.json',   // or { 'tasks/[TASK-03] ...': 'why' }
 *   };
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loopError, type AbstractEventLoop, type Clock, type SchedulingLoop } from '@loop/interfaces';
import { CAPABILITIES, runConformance, selectSuites, suites, type ConformanceOptions } from './index.js';
import type { LoopFactory } from './harness.js';
import type { TestRecord, TestRunner } from './runner.js';

/** What `newLoop` receives: debug mode, and the clock to honour when the loop claims `virtual-clock`. */
export interface KitLoopOptions {
  /** Debug mode for the new loop. */
  debug?: boolean;
  /** The clock the loop must read time from, if it claims `virtual-clock`. */
  clock?: Clock;
}

/** The default export of a target module: the loop the kit runs, and what it claims. */
export interface KitTarget {
  /** The loop's name, for the report (`'MicroLoop'`). */
  name: string;
  /** A fresh loop (a `SchedulingLoop` such as `BaseEventLoop` is enough for the scheduling suites); honour `clock` if you claim `'virtual-clock'`. */
  newLoop(options: KitLoopOptions): SchedulingLoop | AbstractEventLoop;
  /** The manifest: names of {@link CAPABILITIES} the loop claims. */
  capabilities: readonly string[];
  /**
   * Tests expected to fail: `{ "suite/test title": "why" }`, or the path of
   * a JSON file holding that object (relative to the target module).
   */
  expectations?: Record<string, string> | string;
}

/** A target checked by {@link checkTarget}, its expectations read. */
export interface LoadedTarget {
  /** The loop's name, for the report. */
  readonly name: string;
  /** Makes a fresh loop for a test. */
  readonly newLoop: LoopFactory;
  /** The capabilities the loop claims. */
  readonly capabilities: readonly string[];
  /** `"suite/test title"` → why it is expected to fail (a file already read). */
  readonly expectations: Readonly<Record<string, string>>;
}

const bad = (rule: string): TypeError => loopError(TypeError, 'ERR_LOOP_INVALID_ARG', `@loop/conformance: the target module's default export ${rule}`);

/**
 * Checks a target module's default export and reads its expectations
 * (`moduleUrl`: the module's URL or path, for a relative expectations file).
 */
export function checkTarget(target: unknown, moduleUrl?: string): LoadedTarget {
  if (target === null || typeof target !== 'object') throw bad(`must be an object { name, newLoop, capabilities }, got ${typeof target}`);
  const t = target as Partial<KitTarget>;
  if (typeof t.name !== 'string' || t.name === '') throw bad('must have a name (a non-empty string)');
  if (typeof t.newLoop !== 'function') throw bad('must have newLoop(options), a function returning a fresh loop');
  if (!Array.isArray(t.capabilities)) throw bad(`must have capabilities, an array of: ${CAPABILITIES.join(', ')}`);
  for (const c of t.capabilities as unknown[]) {
    if (!(CAPABILITIES as readonly unknown[]).includes(c)) throw bad(`capabilities: '${String(c)}' is not one of ${CAPABILITIES.join(', ')}`);
  }
  let expectations: Record<string, string> = {};
  if (typeof t.expectations === 'string') {
    const base = moduleUrl === undefined ? process.cwd() : dirname(moduleUrl.startsWith('file:') ? fileURLToPath(moduleUrl) : moduleUrl);
    const file = isAbsolute(t.expectations) ? t.expectations : resolve(base, t.expectations);
    expectations = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  } else if (t.expectations !== undefined) {
    expectations = t.expectations;
  }
  if (expectations === null || typeof expectations !== 'object' || Array.isArray(expectations)) {
    throw bad('expectations must be an object { "suite/test title": "why" } or a JSON file holding one');
  }
  for (const [key, why] of Object.entries(expectations)) {
    const slash = key.indexOf('/');
    if (slash <= 0 || !suites.some((s) => s.name === key.slice(0, slash))) {
      throw bad(`expectations: '${key}' does not start with a suite name and '/' (suites: ${suites.map((s) => s.name).join(', ')})`);
    }
    if (typeof why !== 'string') throw bad(`expectations: '${key}' must map to a reason (a string)`);
  }
  const newLoop = t.newLoop.bind(t);
  return {
    name: t.name,
    newLoop: (o = {}) => newLoop({ ...(o.debug === undefined ? {} : { debug: o.debug }), ...(o.clock === undefined ? {} : { clock: o.clock }) }),
    capabilities: [...t.capabilities],
    expectations,
  };
}

/** Options of {@link runTarget}. */
export interface RunTargetOptions {
  /** The runner (default: the runner's globals, as jest's). */
  runner?: TestRunner;
  /** Suites by name (default: all). */
  only?: readonly string[];
  /** Debug off, on, or both (default). */
  debug?: boolean | 'both';
  /** Receives each test's outcome. */
  record?: (record: TestRecord) => void;
}

/**
 * Defines the conformance suites for a target, with its capabilities and
 * expectations, in any runner: in a jest or Vitest file,
 * `runTarget(target)`; under node:test,
 * `runTarget(target, { runner: nodeTestRunner(await import('node:test')) })`.
 */
export function runTarget(target: KitTarget | LoadedTarget, options: RunTargetOptions = {}): void {
  const loaded = 'expectations' in target && typeof target.expectations !== 'string' && isLoaded(target) ? target : checkTarget(target);
  const conformance: ConformanceOptions = {
    capabilities: loaded.capabilities,
    expectations: loaded.expectations,
    ...(options.only === undefined ? {} : { only: options.only }),
    ...(options.debug === undefined ? {} : { debug: options.debug }),
    ...(options.runner === undefined ? {} : { runner: options.runner }),
    ...(options.record === undefined ? {} : { record: options.record }),
  };
  runConformance(loaded.name, loaded.newLoop, conformance);
}

const loadedTargets = new WeakSet<object>();

function isLoaded(target: object): target is LoadedTarget {
  return loadedTargets.has(target);
}

/** {@link checkTarget}, remembering the result as checked (so {@link runTarget} does not check it again). */
export function loadTarget(target: unknown, moduleUrl?: string): LoadedTarget {
  const loaded = checkTarget(target, moduleUrl);
  loadedTargets.add(loaded);
  return loaded;
}

/** The suite names `only` selects (all when `undefined`); throws on a name not in the list. */
export function suiteNames(only?: readonly string[]): string[] {
  return selectSuites(only === undefined ? {} : { only }).map((s) => s.name);
}
