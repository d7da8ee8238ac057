// The scheduling suites on the selector loop (debug off and on), in the
// harness's virtual time, as on BaseEventLoop and the proactor; each network
// suite runs from its own selector-<suite>.test.ts (onSelectorLoop), and the
// test below keeps that split complete.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { runConformance, suites } from '../src/index.js';
import { newSelectorNetLoop } from './selector-loop.js';

runConformance('SelectorEventLoop', newSelectorNetLoop, { network: true, only: 'scheduling' });

describe('the selector run of the conformance list', () => {
  it('every network suite of the list has its jest file, selector-<name>.test.ts, that runs it', () => {
    const files = new Set(readdirSync(__dirname));
    const missing = suites
      .filter((s) => s.kind === 'network')
      .filter((s) => {
        const file = `selector-${s.name}.test.ts`;
        return !files.has(file) || !readFileSync(`${__dirname}/${file}`, 'utf8').includes(`onSelectorLoop(${s.define.name})`);
      })
      .map((s) => `${s.name} (${s.define.name})`);
    expect(missing).toEqual([]);
  });
});
