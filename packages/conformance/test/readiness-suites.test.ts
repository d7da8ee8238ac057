// The readiness kind of the conformance list: which loops run it, and that
// the selector loop's run of it is complete (one selector-<name>.test.ts
// file per readiness suite).
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { selectSuites, suites } from '../src/index.js';

describe('the readiness suites', () => {
  it('run only when the loop is said to watch file descriptors: not by default, not on a network loop alone', () => {
    const names = (o: Parameters<typeof selectSuites>[0]): string[] => selectSuites(o).map((s) => s.name);
    expect(names({}).some((n) => n === 'fd-watching' || n === 'sock-methods')).toBe(false);
    expect(names({ network: true })).not.toContain('fd-watching');
    expect(names({ network: true, readiness: true })).toEqual(expect.arrayContaining(['fd-watching', 'sock-methods', 'streams']));
    expect(names({ network: true, readiness: true, only: 'readiness' })).toEqual(['fd-watching', 'sock-methods']);
    expect(() => selectSuites({ network: true, only: ['fd-watching'] })).toThrow(/readiness suite 'fd-watching'.*readiness: true/);
    expect(() => selectSuites({ readiness: true, only: 'readiness' })).toThrow(/network: true, readiness: true/);
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
