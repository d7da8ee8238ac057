// The readiness kind of the conformance list: which loops it applies to, and that
// the selector loop's run of it is complete (one selector-<name>.test.ts
// file per readiness suite).
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { BaseEventLoop } from '@loop/core';
import { claimedBy, runConformance, selectSuites, suites, type TestRecord, type TestRunner } from '../src/index.js';

describe('the readiness suites', () => {
  it('run only when the loop claims fd watching: not by default, not on a network loop alone (n/a there)', () => {
    const applicable = (o: Parameters<typeof claimedBy>[0]): string[] => {
      const claimed = claimedBy(o);
      return suites.filter((s) => s.needs.every((c) => claimed.has(c))).map((s) => s.name);
    };
    expect(applicable({}).some((n) => n === 'fd-watching' || n === 'sock-methods')).toBe(false);
    expect(applicable({ network: true })).not.toContain('fd-watching');
    expect(applicable({ network: true, readiness: true })).toEqual(suites.map((s) => s.name));
    expect(selectSuites({ only: 'readiness' }).map((s) => s.name)).toEqual(['fd-watching', 'sock-methods']);
    const records: TestRecord[] = [];
    const defined: string[] = [];
    const runner: TestRunner = {
      describe: (_t, fn) => fn(),
      test: (title) => void defined.push(title),
      beforeEach: () => undefined,
      afterEach: () => undefined,
    };
    runConformance('NetOnly', (o) => new BaseEventLoop(o), { network: true, only: ['fd-watching'], debug: false, runner, record: (r) => records.push(r) });
    expect(defined).toEqual([]);
    expect(records.length).toBeGreaterThan(0);
    expect(new Set(records.map((r) => `${r.outcome} ${r.detail}`))).toEqual(new Set(['n/a needs fd-watching']));
  });

  it('every readiness suite of the list has its jest file, selector-<name>.test.ts, that runs it', () => {
    const files = new Set(readdirSync(__dirname));
    const missing = suites
      .filter((s) => s.kind === 'readiness')
      .filter((s) => {
        const file = `selector-${s.name}.test.ts`;
        return !files.has(file) || !readFileSync(`${__dirname}/${file}`, 'utf8').includes(`only: ['${s.name}']`);
      })
      .map((s) => s.name);
    expect(missing).toEqual([]);
  });
});
