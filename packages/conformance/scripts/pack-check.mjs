#!/usr/bin/env node
// The kit as a loop author gets it: `npm pack`s @loop/conformance and the
// @loop packages it needs into a temporary directory outside the repo,
// `npm install`s the tarballs there (third-party dependencies, such as
// `expect`, come from the registry), writes a tiny target module
// (BaseEventLoop) and runs `npx loop-conformance` on it with a couple of
// suites, checking the report. Run by `npm run test:kit` (scripts/kit.mjs).
//
//   node scripts/pack-check.mjs [--keep]     (--keep leaves the directory for a look)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packages = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NEEDED = ['conformance', 'interfaces', 'core', 'net', 'socket', 'signals', 'subprocess'];
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const dir = mkdtempSync(join(tmpdir(), 'loop-kit-pack-'));
const keep = process.argv.includes('--keep');

const EXPECTED = [
  'BaseEventLoop (capabilities: scheduling, virtual-clock, stats)',
  'sleep: 12 passed, 0 failed, 0 expected-fail, 0 n/a',
  'context: 30 passed, 0 failed, 0 expected-fail, 0 n/a',
  'total: 42 passed, 0 failed, 0 expected-fail, 0 n/a',
];

try {
  const dependencies = {};
  for (const name of NEEDED) {
    const out = execFileSync(npm, ['pack', '--json', '--pack-destination', dir], { cwd: join(packages, name), encoding: 'utf8' });
    const [info] = JSON.parse(out);
    dependencies[info.name] = `file:./${info.filename}`;
  }
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'kit-consumer', private: true, type: 'module', dependencies }, null, 2)}\n`);
  execFileSync(npm, ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: 'inherit' });
  writeFileSync(
    join(dir, 'my-loop.mjs'),
    [
      "import { BaseEventLoop } from '@loop/core';",
      'export default {',
      "  name: 'BaseEventLoop',",
      '  newLoop: ({ debug, clock }) => new BaseEventLoop({ debug, clock }),',
      "  capabilities: ['scheduling', 'virtual-clock', 'stats'],",
      '};',
      '',
    ].join('\n'),
  );
  const report = execFileSync(npm, ['exec', '--offline', '--', 'loop-conformance', './my-loop.mjs', '--only', 'sleep,context'], { cwd: dir, encoding: 'utf8' });
  process.stdout.write(report);
  const lines = report.trimEnd().split('\n');
  if (JSON.stringify(lines) !== JSON.stringify(EXPECTED)) {
    console.error(`pack-check: the report differs from what was expected:\n${EXPECTED.join('\n')}`);
    process.exitCode = 1;
  } else {
    console.log(`pack-check: ok (packed ${NEEDED.length} packages, installed in ${dir})`);
  }
} finally {
  if (!keep) rmSync(dir, { recursive: true, force: true });
}
