#!/usr/bin/env node
// The package's `install` script (ADR 0012). Runs node-gyp-build, which
// loads a prebuild from prebuilds/ or compiles the addon with node-gyp. When
// that fails (no C compiler, no Node headers...), it prints a warning and
// exits 0: @loop/socket then runs without its addon (src/binding.cjs), so
// that installing a package that depends on it does not fail. It leaves
// build/install-error.txt, which the loader adds to addonError()'s message.
//
//   LOOP_SOCKET_REQUIRE_ADDON=1   a failed build fails the install (our CI)
//
// npm shows a dependency's install output only when the script fails, or
// with --foreground-scripts; the reason also reaches addonError().
'use strict';
const { spawnSync } = require('node:child_process');
const { mkdirSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const note = join(root, 'build', 'install-error.txt');
const strict = process.env.LOOP_SOCKET_REQUIRE_ADDON === '1';
// How many lines of node-gyp's output the note keeps.
const TAIL_LINES = 8;

function nodeGypBuild() {
  let bin;
  try {
    bin = require.resolve('node-gyp-build/bin.js');
  } catch (error) {
    return { status: 1, output: `node-gyp-build is not installed (${error.message})` };
  }
  // Shown as it runs, and kept for the note: node-gyp-build's output goes
  // through a pipe, copied to this process's stderr.
  const run = spawnSync(process.execPath, [bin], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  if (run.stdout) process.stderr.write(run.stdout);
  if (run.stderr) process.stderr.write(run.stderr);
  if (run.error) return { status: 1, output: `could not run node-gyp-build: ${run.error.message}` };
  const status = run.status ?? 1;
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  return { status: run.signal ? `signal ${run.signal}` : status, output };
}

const result = nodeGypBuild();
if (result.status === 0) {
  rmSync(note, { force: true });
  process.exit(0);
}

// For the note: the lines that say what failed (make's and node-gyp's
// errors), else the last lines of the output.
const lines = result.output
  .split('\n')
  .map((line) => line.trimEnd())
  .filter((line) => line !== '' && !line.startsWith('gyp info'));
const errors = lines.filter((line) => /error|not found|no such file|not ok/i.test(line) && !/^gyp ERR! (stack {4}at|System|command|cwd|node -v|node-gyp -v|\$npm_)/.test(line));
const tail = (errors.length > 0 ? errors : lines).slice(-TAIL_LINES).join('\n');
const what = `node-gyp-build (a prebuild, else node-gyp rebuild) failed (exit ${result.status})`;
try {
  mkdirSync(join(root, 'build'), { recursive: true });
  writeFileSync(note, `${what}; its last output:\n${tail}\n`);
} catch {
  // A read-only package directory: the warning below still says it all.
}

const warning = [
  '',
  `@loop/socket: WARNING: the native addon could not be built: ${what}.`,
  strict
    ? '@loop/socket: LOOP_SOCKET_REQUIRE_ADDON=1 is set, so the install fails.'
    : '@loop/socket: the install goes on; @loop/socket will run WITHOUT its addon. That means:',
  '  - no SelectorEventLoop (@loop/selector), no addReader/addWriter, no sock* methods (sockRecv,',
  '    sockSendall, sockConnect...): the default loop of @loop/asyncio is then ProactorEventLoop;',
  '  - no subprocess pipes (stdin/stdout/stderr PIPE in @loop/subprocess);',
  '  - socket(), socketpair(), pipe(), fromFd(), Epoll and Watcher throw NotImplementedError, and',
  '    addonError() returns why.',
  '  To retry: install a C compiler and make (node-gyp\'s requirements: python3, make, gcc or clang),',
  '  then `npm rebuild @loop/socket`. To make a failed build fail the install: LOOP_SOCKET_REQUIRE_ADDON=1.',
  '',
].join('\n');
process.stderr.write(warning);
process.exit(strict ? (typeof result.status === 'number' ? result.status : 1) : 0);
