// Every conformance test title cites the behaviour it comes from: a catalog
// ID (`[COMBI-01] ...`, `SIG-01 ...`), an oracle scenario (`S12 ...`) or the
// CPython test (`[test_as_completed] ...`), so an expectations entry and a
// failure line say what asyncio behaviour is at stake (ADR 0008). Titles
// defined before the rule that have no source yet are counted: the count may
// only fall.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BaseEventLoop } from '@loop/core';
import { CAPABILITIES, runConformance, suites, type TestRunner } from '../src/index.js';

/** Titles without a source, per suite, when the rule came in; lower them as titles get their source. */
const UNCITED: Record<string, number> = {
  'base-event-loop': 2,
  connection: 2, 'datagram-transport': 1, datagram: 1, server: 4, streams: 1, tls: 1,
};

const CATALOG_IDS = new Set(readFileSync(join(__dirname, '..', 'catalog.md'), 'utf8').match(/\*\*[A-Z]{2,8}-\d+[a-z]?/g)?.map((m) => m.slice(2)));
const PREFIXES = [...new Set([...CATALOG_IDS].map((id) => id.split('-')[0]))].join('|');
/** A catalog ID: one of catalog.md's prefixes, a dash, a number. */
const ID = new RegExp(`\\b(?:${PREFIXES})-\\d+[a-z]?\\b`, 'g');
const CITES = new RegExp(`^\\[[^\\]]+\\]|\\b(?:${PREFIXES})-\\d+|^S\\d\\d\\b`);

/** Defines every suite through a runner that only collects titles. */
function collectTitles(): Map<string, string[]> {
  const bySuite = new Map<string, string[]>();
  for (const suite of suites) {
    const titles: string[] = [];
    const collecting: TestRunner = {
      describe: (_title, fn) => fn(),
      test: (title) => void titles.push(title),
      beforeEach: () => undefined,
      afterEach: () => undefined,
      beforeAll: () => undefined,
      afterAll: () => undefined,
    };
    runConformance('titles', (o) => new BaseEventLoop(o), { capabilities: [...CAPABILITIES], debug: false, only: [suite.name], runner: collecting });
    bySuite.set(suite.name, titles);
  }
  return bySuite;
}

describe('conformance test titles', () => {
  const bySuite = collectTitles();

  it('every suite defines tests', () => {
    expect([...bySuite].filter(([, titles]) => titles.length === 0).map(([name]) => name)).toEqual([]);
  });

  it('titles without a source are no more than when the rule came in (lower UNCITED when you cite one)', () => {
    const counts = Object.fromEntries([...bySuite].map(([name, titles]) => [name, titles.filter((t) => !CITES.test(t)).length]).filter(([, n]) => n !== 0));
    expect(counts).toEqual(UNCITED);
  });

  it('every catalog ID a title cites is in catalog.md', () => {
    const unknown = [...bySuite.values()]
      .flat()
      .flatMap((t) => t.match(ID) ?? [])
      .filter((id) => !CATALOG_IDS.has(id));
    expect([...new Set(unknown)]).toEqual([]);
  });
});
