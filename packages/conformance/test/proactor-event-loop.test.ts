// The scheduling suites on the proactor loop (debug off and on), in the
// harness's virtual time: the loop that the network suites run on, one
// proactor-<suite>.test.ts file per network suite (jest runs files in
// parallel). The test below keeps that split complete.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { runConformance, suites } from '../src/index.js';
import { newProactorNetLoop } from './proactor-loop.js';

runConformance('ProactorEventLoop', newProactorNetLoop, { network: true, only: 'scheduling' });

describe('the proactor run of the conformance list', () => {
  it('every network suite of the list has its jest file, proactor-<name>.test.ts, that runs it', () => {
    const files = new Set(readdirSync(__dirname));
    const missing = suites
      .filter((s) => s.kind === 'network')
      .filter((s) => {
        const file = `proactor-${s.name}.test.ts`;
        return !files.has(file) || !readFileSync(`${__dirname}/${file}`, 'utf8').includes(`onProactorLoop(${s.define.name})`);
      })
      .map((s) => `${s.name} (${s.define.name})`);
    expect(missing).toEqual([]);
  });
});
