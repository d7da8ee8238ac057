#!/usr/bin/env node
// Sums the JSON summaries that each package's jest run wrote
// (.jest-results.json; Vitest writes the same shape) and prints `N passed, N
// failed` as the last line, so a run that tested nothing is seen. A test file
// that failed with no failing test (it crashed at load, or a hook failed) counts
// as one failure. Exits non-zero when a test failed, when a package's summary
// is missing, or when nothing was tested.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
let passed = 0;
let failed = 0;
let missing = [];
for (const group of ['packages', '.']) {
  const base = join(root, group);
  const dirs = group === '.' ? ['examples', 'bench'] : readdirSync(base);
  for (const dir of dirs) {
    const pkgDir = join(base, dir);
    const pkgJson = join(pkgDir, 'package.json');
    if (!existsSync(pkgJson)) continue;
    const scripts = JSON.parse(readFileSync(pkgJson, 'utf8')).scripts ?? {};
    if (!scripts.test) continue;
    const file = join(pkgDir, '.jest-results.json');
    if (!existsSync(file)) {
      missing.push(dir);
      continue;
    }
    const r = JSON.parse(readFileSync(file, 'utf8'));
    passed += r.numPassedTests;
    // Jest counts files that crashed in numRuntimeErrorTestSuites, Vitest does
    // not: count every failed file without a failed test, in both.
    const brokenFiles = (r.testResults ?? []).filter(
      (f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'),
    ).length;
    failed += r.numFailedTests + brokenFiles;
  }
}
if (missing.length) console.error(`no jest summary for: ${missing.join(', ')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || missing.length > 0 || passed === 0 ? 1 : 0);
