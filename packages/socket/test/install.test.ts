// Installing @loop/socket where its addon cannot build (ADR 0012), for real:
// the package is packed as it is published (`npm pack`, with @loop/interfaces
// beside it) and `npm install`ed into a fresh directory with a PATH that has
// every program of this machine except the C compilers. The install must
// succeed with the warning, the package must load and addonError() must name
// the failed build; with LOOP_SOCKET_REQUIRE_ADDON=1 the install must fail.
// Then, in the installed package, with the compiler back: the install
// script builds the addon, which loads, and no note of a failure is left.
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const packages = join(__dirname, '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
// cc, gcc, g++, c++, clang, cpp, tcc, with a version suffix or a target prefix.
const COMPILER = /^(?:[\w.]+-)?(?:cc|c\+\+|gcc|g\+\+|clang|clang\+\+|cpp|tcc|c89|c99)(?:-[\d.]+)?$/;

let dir: string;
let noCompiler: string;

/** A directory of links to every program on PATH but the C compilers. */
function pathWithoutCompilers(into: string): string {
  mkdirSync(into);
  for (const from of (process.env.PATH ?? '').split(delimiter)) {
    if (from === '' || !existsSync(from)) continue;
    for (const name of readdirSync(from)) {
      if (COMPILER.test(name) || existsSync(join(into, name))) continue;
      symlinkSync(join(from, name), join(into, name));
    }
  }
  return into;
}

function install(project: string, env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  return spawnSync(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--foreground-scripts'], {
    cwd: project,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
}

/** A consumer project depending on the two tarballs. */
function project(name: string): string {
  const at = join(dir, name);
  mkdirSync(at);
  const dependencies = Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.tgz'))
      .map((f) => [f.startsWith('loop-socket') ? '@loop/socket' : '@loop/interfaces', `file:../${f}`]),
  );
  // allowScripts: npm 11 runs an unlisted dependency's install script with
  // a warning today, and blocks it where strict-allow-scripts is set.
  writeFileSync(join(at, 'package.json'), JSON.stringify({ name, private: true, dependencies, allowScripts: { '@loop/socket': true } }));
  return at;
}

function probe(project: string): { loadError: string | null; socketpair: string } {
  const script = `
const s = require('@loop/socket');
let socketpair;
try { const [a, b] = s.socketpair(); a.close(); b.close(); socketpair = 'ok'; }
catch (e) { socketpair = e.name + ' ' + e.code; }
console.log(JSON.stringify({ loadError: s.addonError() && s.addonError().message, socketpair }));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: project, encoding: 'utf8' })) as { loadError: string | null; socketpair: string };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'loop-socket-install-'));
  for (const name of ['socket', 'interfaces']) {
    execFileSync(npm, ['pack', '--pack-destination', dir, '--loglevel=error'], { cwd: join(packages, name), stdio: 'ignore' });
  }
  noCompiler = pathWithoutCompilers(join(dir, 'bin'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('the PATH for these tests has no C compiler, and the packed package holds the install script', () => {
  const which = spawnSync('sh', ['-c', 'command -v cc gcc g++ c++ clang'], { env: { ...process.env, PATH: noCompiler }, encoding: 'utf8' });
  expect(which.stdout).toBe('');
  const listing = execFileSync('tar', ['-tzf', join(dir, 'loop-socket-0.1.0.tgz')], { encoding: 'utf8' });
  expect(listing.split('\n')).toContain('package/scripts/install.cjs');
});

test('without a C compiler: the install succeeds with the warning, the package loads, addonError() names the failed build', () => {
  const at = project('no-compiler');
  const run = install(at, { PATH: noCompiler });
  expect({ status: run.status, stderr: run.stderr }).toMatchObject({ status: 0 });
  const output = run.stdout + run.stderr;
  expect(output).toContain('@loop/socket: WARNING: the native addon could not be built: node-gyp-build (a prebuild, else node-gyp rebuild) failed (exit 1).');
  expect(output).toContain('@loop/socket will run WITHOUT its addon');
  expect(output).toContain('no SelectorEventLoop');
  expect(output).toContain('npm rebuild @loop/socket');
  expect(output).toContain('LOOP_SOCKET_REQUIRE_ADDON=1');

  const seen = probe(at);
  expect(seen.socketpair).toBe('NotImplementedError ERR_LOOP_NOT_IMPLEMENTED');
  expect(seen.loadError).toContain('No native build was found');
  expect(seen.loadError).toContain('the install could not build it: node-gyp-build (a prebuild, else node-gyp rebuild) failed (exit 1)');
  // make's own words for the missing compiler (make's default CC is cc).
  expect(seen.loadError).toContain('make: cc: No such file or directory');

  // With the compiler back, the retry the warning gives, `npm rebuild
  // @loop/socket`, builds the addon; it loads, and the note is gone.
  const rebuilt = spawnSync(npm, ['rebuild', '@loop/socket', '--foreground-scripts'], { cwd: at, encoding: 'utf8' });
  expect({ status: rebuilt.status, stderr: rebuilt.stderr }).toMatchObject({ status: 0 });
  expect(rebuilt.stderr).not.toContain('WARNING');
  expect(existsSync(join(at, 'node_modules', '@loop', 'socket', 'build', 'install-error.txt'))).toBe(false);
  expect(probe(at)).toEqual({ loadError: null, socketpair: 'ok' });
}, 180_000);

test('without a C compiler and LOOP_SOCKET_REQUIRE_ADDON=1: the install fails, with the warning', () => {
  const run = install(project('strict'), { PATH: noCompiler, LOOP_SOCKET_REQUIRE_ADDON: '1' });
  expect(run.status).not.toBe(0);
  const output = run.stdout + run.stderr;
  expect(output).toContain('@loop/socket: WARNING: the native addon could not be built');
  expect(output).toContain('LOOP_SOCKET_REQUIRE_ADDON=1 is set, so the install fails.');
}, 120_000);
